"use client";
import { useState, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import FormControlLabel from "@mui/material/FormControlLabel";
import MenuItem from "@mui/material/MenuItem";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import Stack from "@mui/material/Stack";
import Switch from "@mui/material/Switch";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { backupName, scheduleName } from "@/lib/velero/names";
import { PROTECTED_NAMESPACES, type BackupInput, type BackupScope } from "@/lib/schemas/protection";
import { explainCron } from "@/lib/cron/describe";
import { formatLabelSelector, tryParseLabelSelectors } from "@/lib/velero/label-selector";
import { ErrorAlert } from "../common/ErrorAlert";
import { WizardDialog, type WizardStep } from "../common/WizardDialog";
import { CronField } from "../schedule/CronField";

// One wizard for an on-demand Backup and for a Schedule (the same backup settings plus a cron step), and for editing a
// Schedule Lifeboat created (prefilled from the input stored on it; its cluster and name stay).

type StepName = "Cluster" | "Scope" | "Volumes" | "Location and retention" | "Schedule" | "Review";
const BACKUP_STEPS: StepName[] = ["Cluster", "Scope", "Volumes", "Location and retention", "Review"];
const SCHEDULE_STEPS: StepName[] = ["Cluster", "Scope", "Volumes", "Location and retention", "Schedule", "Review"];
const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** The form fields for a stored scope (label selectors in kubectl syntax, one per line). */
function scopeFields(scope: BackupScope): {
  scope: "cluster" | "namespaces" | "excludeNamespaces" | "labels";
  namespaces: string;
  selector: string;
  labelMode: "include" | "exclude";
} {
  if (scope.kind === "cluster") return { scope: "cluster", namespaces: "", selector: "", labelMode: "include" };
  if (scope.kind === "namespaces")
    return { scope: "namespaces", namespaces: scope.include.join(", "), selector: "", labelMode: "include" };
  if (scope.kind === "excludeNamespaces")
    return { scope: "excludeNamespaces", namespaces: scope.exclude.join(", "), selector: "", labelMode: "include" };
  return {
    scope: "labels",
    namespaces: "",
    selector: scope.selectors.map(formatLabelSelector).join("\n"),
    labelMode: scope.mode,
  };
}

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

export function BackupWizard({
  open,
  onClose,
  mode = "backup",
  edit,
}: {
  open: boolean;
  onClose: () => void;
  mode?: "backup" | "schedule";
  edit?: ScheduleEdit;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const isSchedule = mode === "schedule" || Boolean(edit);
  const STEPS = isSchedule ? SCHEDULE_STEPS : BACKUP_STEPS;
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const locations = useQuery(trpc.location.list.queryOptions());
  const initial = edit ? scopeFields(edit.input.scope) : null;
  const [clusterId, setClusterId] = useState(edit?.clusterId ?? "");
  const [scope, setScope] = useState<"cluster" | "namespaces" | "excludeNamespaces" | "labels">(
    initial?.scope ?? "namespaces",
  );
  const [namespaces, setNamespaces] = useState(initial?.namespaces ?? "");
  const [selector, setSelector] = useState(initial?.selector ?? "");
  const [labelMode, setLabelMode] = useState<"include" | "exclude">(initial?.labelMode ?? "include");
  const [includeResources, setIncludeResources] = useState((edit?.input.resources?.include ?? []).join(", "));
  const [excludeResources, setExcludeResources] = useState((edit?.input.resources?.exclude ?? []).join(", "));
  const [clusterResources, setClusterResources] = useState<"auto" | "yes" | "no">(
    edit?.input.includeClusterResources == null ? "auto" : edit.input.includeClusterResources ? "yes" : "no",
  );
  const [fsBackup, setFsBackup] = useState<"off" | "optIn" | "optOut">(edit?.input.volumes.fsBackup ?? "optIn");
  const [csi, setCsi] = useState(edit?.input.volumes.csiSnapshots ?? true);
  const [move, setMove] = useState(edit?.input.volumes.dataMovement ?? false);
  const [location, setLocation] = useState(edit?.input.location ?? "");
  const [ttl, setTtl] = useState<{ value: number; unit: "hours" | "days" }>(
    edit?.input.ttl ?? { value: 30, unit: "days" },
  );
  const [base, setBase] = useState("nightly");
  const [cron, setCron] = useState(edit?.cron ?? "0 2 * * *");
  const [paused, setPaused] = useState(edit?.paused ?? false);
  const [skipImmediately, setSkipImmediately] = useState(edit?.skipImmediately ?? false);
  const [ownBackups, setOwnBackups] = useState(false);
  const eligible = (clusters.data ?? []).filter(
    (c) => (c.myRole === "OPERATOR" || c.myRole === "CLUSTER_ADMIN") && c.velero?.installed,
  );
  const cluster = eligible.find((c) => c.id === clusterId);
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
      .filter((d) => d.clusterId === clusterId && !d.error && !d.readOnly)
      .map((d) => ({ bsl: d.bslName, label: `${l.name} (${d.phase ?? "applied"})` })),
  );
  if (location && !bsls.some((b) => b.bsl === location)) bsls.push({ bsl: location, label: `${location} (current)` });
  const nodeAgent = Boolean(cluster?.velero?.nodeAgent);
  const csiOk = Boolean(cluster?.velero?.csi.enabled && cluster.velero.csi.snapshotClasses.length);

  const sel = tryParseLabelSelectors(selector);
  const scopeValue: BackupScope =
    scope === "cluster"
      ? { kind: "cluster" as const }
      : scope === "namespaces"
        ? { kind: "namespaces" as const, include: list(namespaces) }
        : scope === "excludeNamespaces"
          ? { kind: "excludeNamespaces" as const, exclude: list(namespaces) }
          : { kind: "labels" as const, selectors: typeof sel === "string" ? [] : sel, mode: labelMode };
  const resources = { include: list(includeResources), exclude: list(excludeResources) };
  const spec = {
    ...(resources.include.length || resources.exclude.length ? { resources } : {}),
    ...(clusterResources === "auto" ? {} : { includeClusterResources: clusterResources === "yes" }),
    scope: scopeValue,
    volumes: {
      fsBackup: nodeAgent ? fsBackup : "off",
      csiSnapshots: csiOk && csi,
      dataMovement: csiOk && nodeAgent && csi && move,
    },
    location,
    ttl,
  };
  // When editing, skipImmediately is written only if changed: left unset, Velero's server flag decides.
  const skipArg = edit && skipImmediately === (edit.skipImmediately ?? false) ? {} : { skipImmediately };
  const scheduleArgs = {
    clusterId,
    name,
    spec,
    cron: cron.trim(),
    paused,
    ...skipArg,
    ...(edit ? {} : { useOwnerReferencesInBackup: ownBackups }),
  };
  const onSaved = {
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: isSchedule ? trpc.schedule.list.queryKey() : trpc.backup.pathKey() });
      close();
    },
  };
  const previewBackup = useMutation(trpc.backup.preview.mutationOptions());
  const previewSchedule = useMutation(trpc.schedule.preview.mutationOptions());
  const create = useMutation(trpc.backup.create.mutationOptions(onSaved));
  const createSchedule = useMutation(trpc.schedule.create.mutationOptions(onSaved));
  const updateSchedule = useMutation(trpc.schedule.update.mutationOptions(onSaved));
  const shown = isSchedule ? previewSchedule : previewBackup;
  const save = edit ? updateSchedule : isSchedule ? createSchedule : create;

  function close() {
    previewBackup.reset();
    previewSchedule.reset();
    create.reset();
    createSchedule.reset();
    updateSchedule.reset();
    onClose();
  }
  const cronCheck = explainCron(cron);
  /** What keeps a step from being left, in words. */
  function blockerOf(step: StepName): string | null {
    if (step === "Cluster" && !cluster)
      return edit ? "You may no longer manage backups on this cluster, or Velero is gone from it" : "Choose a cluster";
    if (step === "Cluster" && isSchedule && !edit && !base.trim()) return "Enter a name for the schedule";
    if (step === "Scope" && (scope === "namespaces" || scope === "excludeNamespaces") && !list(namespaces).length)
      return "Enter at least one namespace";
    if (step === "Scope" && scope === "labels" && typeof sel === "string") return sel;
    if (step === "Location and retention" && !location) return "Choose a target location";
    if (step === "Schedule" && !cronCheck.ok) return cronCheck.error;
    return null;
  }
  function preview() {
    if (isSchedule) previewSchedule.mutate(scheduleArgs);
    else previewBackup.mutate({ clusterId, name, spec });
  }
  async function submit() {
    try {
      if (edit) await updateSchedule.mutateAsync({ clusterId, name, spec, cron: cron.trim(), paused, ...skipArg });
      else if (isSchedule) await createSchedule.mutateAsync(scheduleArgs);
      else await create.mutateAsync({ clusterId, name, spec });
      return true;
    } catch {
      return false;
    }
  }
  const title = edit ? `Edit schedule ${edit.name}` : isSchedule ? "New schedule" : "Back up now";

  const content: Record<StepName, ReactNode> = {
    Cluster: (
      <Stack spacing={2}>
        <TextField
          select
          fullWidth
          label="Cluster"
          value={clusterId}
          onChange={(e) => {
            setClusterId(e.target.value);
            setLocation("");
          }}
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
        </TextField>
        {isSchedule &&
          (edit ? (
            <TextField
              label="Schedule name"
              value={edit.name}
              slotProps={{ input: { readOnly: true } }}
              helperText="The name stays, so the schedule's backups stay linked to it"
            />
          ) : (
            <TextField
              label="Schedule name"
              value={base}
              onChange={(e) => setBase(e.target.value)}
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
        <RadioGroup value={scope} onChange={(e) => setScope(e.target.value as typeof scope)} aria-label="Scope">
          <FormControlLabel value="cluster" control={<Radio />} label="The whole cluster" />
          <FormControlLabel value="namespaces" control={<Radio />} label="Selected namespaces" />
          <FormControlLabel
            value="excludeNamespaces"
            control={<Radio />}
            label="All namespaces except some (globs allowed)"
          />
          <FormControlLabel value="labels" control={<Radio />} label="Resources selected by labels" />
        </RadioGroup>
        {(scope === "namespaces" || scope === "excludeNamespaces") && (
          <TextField
            label={scope === "namespaces" ? "Namespaces" : "Excluded namespaces"}
            value={namespaces}
            onChange={(e) => setNamespaces(e.target.value)}
            helperText="Comma-separated; globs like team-* are allowed"
          />
        )}
        {scope === "labels" && (
          <Stack direction="row" spacing={2}>
            <TextField
              label="Label selector"
              value={selector}
              onChange={(e) => setSelector(e.target.value)}
              placeholder={"app=payments-api\nenv in (prod, staging), !legacy"}
              multiline
              minRows={2}
              sx={{ flex: 2 }}
              error={Boolean(selector.trim()) && typeof sel === "string"}
              helperText={
                selector.trim() && typeof sel === "string"
                  ? sel
                  : "One selector per line, lines ORed; terms in a line ANDed: key=value, key!=value, key in (a, b), key notin (a), key, !key"
              }
            />
            <TextField
              select
              label="Mode"
              value={labelMode}
              onChange={(e) => setLabelMode(e.target.value as typeof labelMode)}
              sx={{ flex: 1 }}
            >
              <MenuItem value="include">Back up matching</MenuItem>
              <MenuItem value="exclude">Back up all but matching</MenuItem>
            </TextField>
          </Stack>
        )}
        <Stack direction="row" spacing={2}>
          <TextField
            label="Only these resource types"
            value={includeResources}
            onChange={(e) => setIncludeResources(e.target.value)}
            placeholder="deployments, configmaps"
            helperText="Optional, comma-separated"
            sx={{ flex: 1 }}
          />
          <TextField
            label="Not these resource types"
            value={excludeResources}
            onChange={(e) => setExcludeResources(e.target.value)}
            placeholder="secrets"
            helperText="Optional, comma-separated"
            sx={{ flex: 1 }}
          />
        </Stack>
        <TextField
          select
          label="Cluster-scoped resources"
          value={clusterResources}
          onChange={(e) => setClusterResources(e.target.value as typeof clusterResources)}
          helperText="Automatic: all of them for the whole cluster, otherwise only those related to what is backed up (such as the volumes of included claims)"
        >
          <MenuItem value="auto">Automatic</MenuItem>
          <MenuItem value="yes">Include them all</MenuItem>
          <MenuItem value="no">Include none</MenuItem>
        </TextField>
        <Alert severity="info">{PROTECTED_NAMESPACES.join(", ")} are never backed up, whatever the scope.</Alert>
      </Stack>
    ),
    Volumes: (
      <Stack spacing={2}>
        <TextField
          select
          label="File-system backup (kopia)"
          value={nodeAgent ? fsBackup : "off"}
          onChange={(e) => setFsBackup(e.target.value as typeof fsBackup)}
          disabled={!nodeAgent}
          helperText={
            nodeAgent
              ? "Copies pod volumes from the node; opt-in uses the backup.velero.io/backup-volumes annotation, opt-out backs up every volume not excluded"
              : "Not available: no node-agent on this cluster"
          }
        >
          <MenuItem value="off">Off</MenuItem>
          <MenuItem value="optIn">Opt-in (annotated volumes)</MenuItem>
          <MenuItem value="optOut">Opt-out (all volumes but excluded ones)</MenuItem>
        </TextField>
        <FormControlLabel
          control={<Switch checked={csiOk && csi} onChange={(e) => setCsi(e.target.checked)} disabled={!csiOk} />}
          label={
            csiOk
              ? "CSI snapshots of persistent volumes"
              : "CSI snapshots — not available: EnableCSI is off or no VolumeSnapshotClass"
          }
        />
        <FormControlLabel
          control={
            <Switch
              checked={csiOk && nodeAgent && csi && move}
              onChange={(e) => setMove(e.target.checked)}
              disabled={!csiOk || !nodeAgent || !csi}
            />
          }
          label={
            csiOk && nodeAgent
              ? "Move snapshot data to the location (portable to other clusters)"
              : "Data movement — not available: needs CSI snapshots and the node-agent"
          }
        />
      </Stack>
    ),
    "Location and retention": (
      <Stack spacing={2}>
        <TextField
          select
          label="Target location"
          value={location}
          onChange={(e) => setLocation(e.target.value)}
          helperText={bsls.length ? " " : "No writable target location is assigned to this cluster"}
        >
          {bsls.map((b) => (
            <MenuItem key={b.bsl} value={b.bsl}>
              {b.label}
            </MenuItem>
          ))}
        </TextField>
        <Stack direction="row" spacing={2}>
          <TextField
            type="number"
            label="Keep for"
            value={ttl.value}
            onChange={(e) => setTtl({ ...ttl, value: Number(e.target.value) })}
            slotProps={{ htmlInput: { min: 1 } }}
            helperText={isSchedule ? "Each scheduled backup expires this long after it starts" : undefined}
          />
          <TextField
            select
            label="Unit"
            value={ttl.unit}
            onChange={(e) => setTtl({ ...ttl, unit: e.target.value as typeof ttl.unit })}
          >
            <MenuItem value="hours">hours</MenuItem>
            <MenuItem value="days">days</MenuItem>
          </TextField>
        </Stack>
      </Stack>
    ),
    Schedule: (
      <Stack spacing={2}>
        <CronField value={cron} onChange={setCron} />
        <FormControlLabel
          control={<Switch checked={paused} onChange={(e) => setPaused(e.target.checked)} />}
          label="Paused: Velero creates no backups until it is resumed"
        />
        <FormControlLabel
          control={<Switch checked={skipImmediately} onChange={(e) => setSkipImmediately(e.target.checked)} />}
          label={
            edit
              ? "Skip immediately: when resumed, wait for the next scheduled time"
              : "Skip immediately: wait for the first scheduled time instead of backing up as soon as it is created"
          }
        />
        {!edit && (
          <FormControlLabel
            control={<Switch checked={ownBackups} onChange={(e) => setOwnBackups(e.target.checked)} />}
            label="The schedule owns its Backup objects: deleting the schedule removes them from this cluster (not their data in the bucket, from which Velero's backup sync brings them back)"
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
        <TextField
          label={isSchedule ? "Schedule manifest" : "Backup manifest"}
          value={shown.data?.yaml ?? (shown.isPending ? "Building…" : "")}
          multiline
          minRows={10}
          maxRows={20}
          slotProps={{ input: { readOnly: true, sx: { fontFamily: "monospace", fontSize: 13 } } }}
        />
        <ErrorAlert error={save.error} />
      </Stack>
    ),
  };
  const steps: WizardStep[] = STEPS.map((label) => ({
    label,
    content: content[label],
    blocker: blockerOf(label),
    onEnter: label === "Review" ? preview : undefined,
  }));

  return (
    <WizardDialog
      open={open}
      title={title}
      steps={steps}
      onClose={close}
      onSubmit={submit}
      submitLabel={edit ? "Save schedule" : isSchedule ? "Create schedule" : "Create backup"}
      submittingLabel={edit ? "Saving…" : "Creating…"}
      submitting={save.isPending}
      canSubmit={Boolean(shown.data)}
      error={save.error}
    />
  );
}
