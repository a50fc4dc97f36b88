"use client";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useForm, useWatch } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { backupName, scheduleName } from "@/lib/velero/names";
import { PROTECTED_NAMESPACES, type BackupInput } from "@/lib/schemas/protection";
import { explainCron } from "@/lib/cron/describe";
import { volumeNotes } from "@/lib/velero/backup-spec";
import { noSuchNamespace } from "@/lib/text/did-you-mean";
import {
  backupFieldOf,
  backupFormDefaults,
  backupFormSchema,
  toBackupInput,
  type BackupCapabilities,
  type BackupFormField,
  type BackupFormValues,
} from "@/lib/forms/backup-form";
import { clusterCapabilities, volumeDefaults } from "@/lib/forms/volume-defaults";
import type { FieldOf } from "@/lib/forms/server-errors";
import { ErrorAlert } from "../common/ErrorAlert";
import { FormRadioGroup, FormSwitch, FormTextField } from "../common/FormFields";
import { formError, showServerError, submitWith } from "../common/form-submit";
import { WizardDialog, type WizardStep } from "../common/WizardDialog";
import { ManifestField } from "../common/ManifestField";
import { ResourceFilterFields } from "../common/ResourceFilterFields";
import { FormCronField } from "../schedule/CronField";
import { deploymentChip } from "../protection/deployment-state";

// One wizard for an on-demand Backup and for a Schedule (the same backup settings plus a cron step), and for editing a
// Schedule Lifeboat created (prefilled from the input stored on it; its cluster and name stay). The form validates
// with the schemas backup.create and schedule.create validate with (lib/forms/backup-form.ts), and what the server
// still refuses shows beside its field.

type StepName = "Cluster" | "Scope" | "Volumes" | "Location and retention" | "Schedule" | "Review";
const BACKUP_STEPS: StepName[] = ["Cluster", "Scope", "Volumes", "Location and retention", "Review"];
const SCHEDULE_STEPS: StepName[] = ["Cluster", "Scope", "Volumes", "Location and retention", "Schedule", "Review"];

/** A Schedule being edited: what schedule.get returned for it. */
export interface ScheduleEdit {
  clusterId: string;
  clusterName: string;
  name: string;
  input: BackupInput;
  cron: string;
  paused: boolean;
  skipImmediately: boolean | null;
}

const NONE: BackupCapabilities = { nodeAgent: false, csi: false };

export function BackupWizard({
  open,
  onClose,
  mode = "backup",
  edit,
  clusterId: initialCluster,
}: {
  open: boolean;
  onClose: () => void;
  mode?: "backup" | "schedule";
  edit?: ScheduleEdit;
  /** A new backup or schedule of this cluster (chosen already, e.g. "Back up again" of a failed backup). */
  clusterId?: string;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const isSchedule = mode === "schedule" || Boolean(edit);
  const named = isSchedule && !edit;
  const STEPS = isSchedule ? SCHEDULE_STEPS : BACKUP_STEPS;
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const locations = useQuery(trpc.location.list.queryOptions());
  const eligible = (clusters.data ?? []).filter(
    (c) => (c.myRole === "OPERATOR" || c.myRole === "CLUSTER_ADMIN") && c.velero?.installed,
  );
  const capabilities = (id: string): BackupCapabilities | null => {
    const c = eligible.find((x) => x.id === id);
    return c ? clusterCapabilities(c.velero) : null;
  };
  const form = useForm({
    resolver: zodResolver(
      backupFormSchema({
        capabilities,
        clusterProblem: "You may no longer manage backups on this cluster, or Velero is gone from it",
        schedule: isSchedule,
        named,
      }),
    ),
    mode: "onChange",
    defaultValues: { ...backupFormDefaults(edit), ...(initialCluster && !edit ? { clusterId: initialCluster } : {}) },
  });
  const { control } = form;
  const [clusterId, scope, base, location, csi, cron, paused, fsBackup, move, typedNamespaces] = useWatch({
    control,
    name: ["clusterId", "scope", "base", "location", "csi", "cron", "paused", "fsBackup", "move", "namespaces"],
  });
  const cluster = eligible.find((c) => c.id === clusterId);
  const caps = capabilities(clusterId) ?? NONE;
  // The cluster's own settings: what its Velero does by default, and why an option is off there.
  const defaults = volumeDefaults(cluster?.velero);
  /** A new backup or schedule starts from the chosen cluster's defaults; an edited schedule keeps what it has. */
  function chooseCluster(id: string) {
    form.setValue("location", "");
    if (edit) return;
    const d = volumeDefaults(eligible.find((c) => c.id === id)?.velero);
    form.setValue("fsBackup", d.fsBackup);
    form.setValue("move", d.move);
  }
  // A cluster given up front gets its volume defaults once the clusters are known, as choosing it does.
  const preset = useRef(false);
  const presetReady = Boolean(initialCluster && !edit && eligible.some((c) => c.id === initialCluster));
  useEffect(() => {
    if (!presetReady || preset.current) return;
    preset.current = true;
    const d = volumeDefaults(eligible.find((c) => c.id === initialCluster)?.velero);
    form.setValue("fsBackup", d.fsBackup);
    form.setValue("move", d.move);
  }, [presetReady, eligible, initialCluster, form]);
  const volumeChoice = {
    fsBackup: caps.nodeAgent ? fsBackup : ("off" as const),
    csiSnapshots: caps.csi && csi,
    dataMovement: caps.csi && caps.nodeAgent && csi && move,
  };
  // Named namespaces the cluster does not have (a typo backs up nothing, and Velero does not say so).
  const clusterNamespaces = useQuery({
    ...trpc.backup.namespaces.queryOptions({ clusterId }),
    enabled: Boolean(cluster) && scope === "namespaces",
  });
  const missingNamespaces =
    scope === "namespaces" && cluster && clusterNamespaces.data
      ? typedNamespaces
          .split(",")
          .map((n) => noSuchNamespace(n.trim(), clusterNamespaces.data.namespaces, cluster.name))
          .filter((t): t is string => Boolean(t))
      : [];
  // Named for the moment the wizard opened, so the name reviewed is the name created.
  const [openedAt] = useState(() => new Date());
  const name = edit
    ? edit.name
    : !cluster
      ? ""
      : isSchedule
        ? scheduleName({ cluster: cluster.name, base })
        : backupName({ cluster: cluster.name, now: openedAt });
  const bsls = (locations.data ?? []).flatMap((l) =>
    l.deployments
      // Applied, and writing there (as a group backup picks them): not one still being applied.
      .filter((d) => d.clusterId === clusterId && !d.error && !d.readOnly && d.appliedAt)
      .map((d) => ({ bsl: d.bslName, label: `${l.name} (${deploymentChip(d).label})` })),
  );
  if (location && !bsls.some((b) => b.bsl === location)) bsls.push({ bsl: location, label: `${location} (current)` });

  /** The server's paths: a new schedule's name is its base name; the rest as the form names them. */
  const fieldOf: FieldOf<BackupFormField> = (path) => (path[0] === "name" && named ? "base" : backupFieldOf(path));
  /** The procedures' input, from the form as it is now. */
  function request(v: BackupFormValues) {
    const spec = toBackupInput(v, capabilities(v.clusterId) ?? NONE);
    // When editing, skipImmediately is written only if changed: left unset, Velero's server flag decides.
    const skip =
      edit && v.skipImmediately === (edit.skipImmediately ?? false) ? {} : { skipImmediately: v.skipImmediately };
    const schedule = { cron: v.cron.trim(), paused: v.paused, ...skip };
    return {
      backup: { clusterId: v.clusterId, name, spec },
      schedule: { clusterId: v.clusterId, name, spec, ...schedule, useOwnerReferencesInBackup: v.ownBackups },
      update: { clusterId: v.clusterId, name, spec, ...schedule },
    };
  }

  const onSaved = {
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: isSchedule ? trpc.schedule.list.queryKey() : trpc.backup.pathKey() });
      onClose();
    },
  };
  const previewBackup = useMutation(trpc.backup.preview.mutationOptions());
  const previewSchedule = useMutation(trpc.schedule.preview.mutationOptions());
  const create = useMutation(trpc.backup.create.mutationOptions(onSaved));
  const createSchedule = useMutation(trpc.schedule.create.mutationOptions(onSaved));
  const updateSchedule = useMutation(trpc.schedule.update.mutationOptions(onSaved));
  const shown = isSchedule ? previewSchedule : previewBackup;
  const save = edit ? updateSchedule : isSchedule ? createSchedule : create;

  /** The review asks the server for the manifest; what it refuses is also marked on the fields. */
  function preview() {
    const r = request(form.getValues());
    const onError = (e: unknown) => showServerError(form, e, fieldOf, { fieldsOnly: true });
    if (isSchedule) previewSchedule.mutate(r.schedule, { onError });
    else previewBackup.mutate(r.backup, { onError });
  }
  const submit = submitWith(
    form,
    (v) => {
      const r = request(v);
      return edit
        ? updateSchedule.mutateAsync(r.update)
        : isSchedule
          ? createSchedule.mutateAsync(r.schedule)
          : create.mutateAsync(r.backup);
    },
    fieldOf,
    { focus: false },
  );
  const cronCheck = explainCron(cron);
  const title = edit ? `Edit schedule ${edit.name}` : isSchedule ? "New schedule" : "Back up now";

  const content: Record<StepName, ReactNode> = {
    Cluster: (
      <Stack spacing={2}>
        <FormTextField
          control={control}
          name="clusterId"
          select
          fullWidth
          label="Cluster"
          afterChange={chooseCluster}
          disabled={Boolean(edit)}
          helperText={
            edit
              ? "A schedule stays on its cluster"
              : eligible.length
                ? "Clusters with Velero where you are operator or cluster admin"
                : `No cluster with Velero where you may ${isSchedule ? "schedule backups" : "back up"}`
          }
        >
          {eligible.map((c) => (
            <MenuItem key={c.id} value={c.id}>
              {c.name} ({c.groupName})
            </MenuItem>
          ))}
          {edit && !cluster && <MenuItem value={edit.clusterId}>{edit.clusterName}</MenuItem>}
        </FormTextField>
        {isSchedule &&
          (edit ? (
            <TextField
              label="Schedule name"
              value={edit.name}
              slotProps={{ input: { readOnly: true } }}
              helperText="The name stays, so the schedule's backups stay linked to it"
            />
          ) : (
            <FormTextField
              control={control}
              name="base"
              label="Schedule name"
              helperText={
                name ? (
                  <>
                    Velero Schedule <code>{name}</code>; its backups are named{" "}
                    <code>{name}-&lt;yyyyMMddHHmmss&gt;</code>
                  </>
                ) : (
                  "Prefixed with the cluster, so backups stay unique in a shared bucket"
                )
              }
            />
          ))}
      </Stack>
    ),
    Scope: (
      <Stack spacing={2}>
        <FormRadioGroup
          control={control}
          name="scope"
          label="Scope"
          options={[
            { value: "cluster", label: "The whole cluster" },
            { value: "namespaces", label: "Selected namespaces" },
            { value: "excludeNamespaces", label: "All namespaces except some (globs allowed)" },
            { value: "labels", label: "Resources selected by labels" },
          ]}
        />
        {(scope === "namespaces" || scope === "excludeNamespaces") && (
          <FormTextField
            control={control}
            name="namespaces"
            label={scope === "namespaces" ? "Namespaces" : "Excluded namespaces"}
            helperText="Comma-separated; globs like team-* are allowed"
          />
        )}
        {missingNamespaces.length > 0 && (
          <Alert severity="warning" data-testid="missing-namespaces">
            {missingNamespaces.map((t) => (
              <div key={t}>{t}</div>
            ))}
          </Alert>
        )}
        {scope === "labels" && (
          <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
            <FormTextField
              control={control}
              name="selector"
              label="Label selector"
              placeholder={"app=payments-api\nenv in (prod, staging), !legacy"}
              multiline
              minRows={2}
              sx={{ flex: 2 }}
              helperText="One selector per line, lines ORed; terms in a line ANDed: key=value, key!=value, key in (a, b), key notin (a), key, !key"
            />
            <FormTextField control={control} name="labelMode" select label="Mode" sx={{ flex: 1 }}>
              <MenuItem value="include">Back up matching</MenuItem>
              <MenuItem value="exclude">Back up all but matching</MenuItem>
            </FormTextField>
          </Stack>
        )}
        <ResourceFilterFields control={control} action="backup" />
        <Alert severity="info">{PROTECTED_NAMESPACES.join(", ")} are never backed up, whatever the scope.</Alert>
      </Stack>
    ),
    Volumes: (
      <Stack spacing={2}>
        {caps.nodeAgent ? (
          <FormTextField
            control={control}
            name="fsBackup"
            select
            label="File-system backup (kopia)"
            data-testid="backup-fs-backup"
            helperText={
              <>
                <Box component="span" sx={{ display: "block" }} data-testid="backup-fs-backup-default">
                  {defaults.fsBackupText}
                </Box>
                <Box component="span" sx={{ display: "block" }}>
                  Copies pod volumes from the node. Velero has no switch that turns it off: pods annotated with
                  backup.velero.io/backup-volumes are always copied
                </Box>
              </>
            }
          >
            <MenuItem value="optIn">Only pods that opt in by annotation</MenuItem>
            {/* A schedule saved with the former "Off", which Velero treats as opt-in: shown as what it does. */}
            {fsBackup === "off" && <MenuItem value="off">Only pods that opt in by annotation (saved as Off)</MenuItem>}
            <MenuItem value="optOut">Every pod volume, except those opted out by annotation</MenuItem>
          </FormTextField>
        ) : (
          <TextField
            select
            label="File-system backup (kopia)"
            value="off"
            disabled
            data-testid="backup-fs-backup"
            helperText={
              <Box component="span" data-testid="backup-fs-backup-default">
                {defaults.fsBackupText}
              </Box>
            }
          >
            <MenuItem value="off">None</MenuItem>
          </TextField>
        )}
        <FormSwitch
          control={control}
          name="csi"
          checked={caps.csi ? undefined : false}
          disabled={!caps.csi}
          label="CSI snapshots of persistent volumes"
          helperText={defaults.csiText}
          testId="backup-csi"
        />
        <FormSwitch
          control={control}
          name="move"
          checked={caps.csi && caps.nodeAgent && csi ? undefined : false}
          disabled={!caps.csi || !caps.nodeAgent || !csi}
          label="Move snapshot data to the location (portable to other clusters)"
          helperText={
            caps.csi && caps.nodeAgent && !csi
              ? "Data movement uploads CSI snapshots: turn them on above"
              : defaults.moveText
          }
          testId="backup-move"
        />
        {/* What the choices above really do in Velero, said where they are made. */}
        {volumeNotes(volumeChoice).map((n) => (
          <Alert key={n.code} severity={n.severity} data-testid={`volume-note-${n.code}`}>
            {n.text}
          </Alert>
        ))}
      </Stack>
    ),
    "Location and retention": (
      <Stack spacing={2}>
        <FormTextField
          control={control}
          name="location"
          select
          label="Target location"
          helperText={bsls.length ? " " : "No writable target location is assigned to this cluster"}
        >
          {bsls.map((b) => (
            <MenuItem key={b.bsl} value={b.bsl}>
              {b.label}
            </MenuItem>
          ))}
        </FormTextField>
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
          <FormTextField
            control={control}
            name="ttl.value"
            number
            label="Keep for"
            slotProps={{ htmlInput: { min: 1 } }}
            helperText={isSchedule ? "Each scheduled backup expires this long after it starts" : undefined}
          />
          <FormTextField control={control} name="ttl.unit" select label="Unit">
            <MenuItem value="hours">hours</MenuItem>
            <MenuItem value="days">days</MenuItem>
          </FormTextField>
        </Stack>
      </Stack>
    ),
    Schedule: (
      <Stack spacing={2}>
        <FormCronField control={control} name="cron" />
        <FormSwitch control={control} name="paused" label="Paused: Velero creates no backups until it is resumed" />
        <FormSwitch
          control={control}
          name="skipImmediately"
          label={
            edit
              ? "Skip immediately: when resumed, wait for the next scheduled time"
              : "Skip immediately: wait for the first scheduled time instead of backing up as soon as it is created"
          }
        />
        {!edit && (
          <FormSwitch
            control={control}
            name="ownBackups"
            label={
              "The schedule owns its Backup objects: deleting the schedule removes them from this cluster " +
              "(not their data in the bucket, from which Velero's backup sync brings them back)"
            }
          />
        )}
      </Stack>
    ),
    Review: (
      <Stack spacing={1}>
        <Typography variant="body2">
          {edit
            ? `Lifeboat will update this Velero Schedule on ${edit.clusterName} (its status and Velero's other fields are kept):`
            : isSchedule
              ? `Lifeboat will create this Velero Schedule on ${cluster?.name}:`
              : `Lifeboat will create this Velero Backup on ${cluster?.name}:`}
        </Typography>
        {isSchedule && cronCheck.ok && (
          <Typography variant="body2" color="text.secondary">
            {cronCheck.text}
            {paused ? " — created paused" : ""}
          </Typography>
        )}
        <ErrorAlert error={shown.error} />
        {previewBackup.data?.notes.map((n) => (
          <Alert key={n.code} severity={n.severity}>
            {n.text}
          </Alert>
        ))}
        <ManifestField
          label={isSchedule ? "Schedule manifest" : "Backup manifest"}
          value={shown.data?.yaml ?? (shown.isPending ? "Building…" : "")}
        />
      </Stack>
    ),
  };
  const fields: Record<StepName, BackupFormField[]> = {
    Cluster: named ? ["clusterId", "base"] : ["clusterId"],
    Scope: [
      "scope",
      ...(scope === "labels"
        ? (["selector", "labelMode"] as const)
        : scope === "cluster"
          ? []
          : (["namespaces"] as const)),
      "includeResources",
      "excludeResources",
      "clusterResources",
    ],
    Volumes: ["fsBackup", "csi", "move"],
    "Location and retention": ["location", "ttl.value", "ttl.unit"],
    Schedule: ["cron", "paused", "skipImmediately", "ownBackups"],
    Review: [],
  };
  const steps: WizardStep<BackupFormValues>[] = STEPS.map((label) => ({
    label,
    content: content[label],
    fields: fields[label],
    onEnter: label === "Review" ? preview : undefined,
  }));

  return (
    <WizardDialog
      open={open}
      title={title}
      steps={steps}
      form={form}
      onClose={onClose}
      onSubmit={submit}
      submitLabel={edit ? "Save schedule" : isSchedule ? "Create schedule" : "Create backup"}
      submittingLabel={edit ? "Saving…" : "Creating…"}
      submitting={save.isPending}
      canSubmit={Boolean(shown.data)}
      error={formError(form.formState.errors)}
    />
  );
}
