"use client";
import { useState, type ReactNode } from "react";
import { Controller, useFieldArray, useForm, useWatch, type Control } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import IconButton from "@mui/material/IconButton";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import Delete from "@mui/icons-material/Delete";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormHelperText from "@mui/material/FormHelperText";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import { useTRPC } from "@/lib/trpc/client";
import { restoreName } from "@/lib/velero/names";
import { isRestorable } from "@/lib/velero/phases";
import {
  restoreFieldOf,
  restoreFormDefaults,
  restoreFormSchema,
  toRestoreInput,
  type RestoreFormField,
  type RestoreFormValues,
} from "@/lib/forms/restore-form";
import { ErrorAlert } from "../common/ErrorAlert";
import { FormRadioGroup, FormSwitch, FormTextField } from "../common/FormFields";
import { formError, showServerError, submitWith } from "../common/form-submit";
import { WizardDialog, type WizardStep } from "../common/WizardDialog";
import { ManifestField } from "../common/ManifestField";
import { ResourceFilterFields } from "../common/ResourceFilterFields";
import Checkbox from "@mui/material/Checkbox";
import { applyFix, hasFix } from "@/lib/velero/preflight/fixes";
import type { PreflightFix } from "@/lib/schemas/preflight";
import { PreflightPanel } from "./PreflightPanel";

// Restore options → a Velero Restore on the chosen cluster, from a backup that cluster can see. The form validates
// with the schema restore.create validates with (lib/forms/restore-form.ts), and what the server still refuses shows
// beside its field, down to the mapping row.

const STEPS = ["Backup", "Scope", "Mapping", "Options", "Review"] as const;
type StepName = (typeof STEPS)[number];

/** Rows of "from → to" text fields, with add and remove; each field labelled for screen readers and tests. */
function PairRows({
  control,
  name,
  fromLabel,
  toLabel,
  addLabel,
}: {
  control: Control<RestoreFormValues>;
  name: "nsMap" | "scMap";
  fromLabel: string;
  toLabel: string;
  addLabel: string;
}) {
  const rows = useFieldArray({ control, name });
  const values = useWatch({ control, name });
  return (
    <Stack spacing={1}>
      {rows.fields.map((row, i) => (
        <Stack key={row.id} direction="row" spacing={1} sx={{ alignItems: "flex-start" }}>
          <FormTextField control={control} name={`${name}.${i}.from`} size="small" label={fromLabel} sx={{ flex: 1 }} />
          <Typography aria-hidden sx={{ pt: 1 }}>
            →
          </Typography>
          <FormTextField control={control} name={`${name}.${i}.to`} size="small" label={toLabel} sx={{ flex: 1 }} />
          <IconButton aria-label={`Remove ${values[i]?.from.trim() || "row"}`} onClick={() => rows.remove(i)}>
            <Delete />
          </IconButton>
        </Stack>
      ))}
      <Button size="small" sx={{ alignSelf: "flex-start" }} onClick={() => rows.append({ from: "", to: "" })}>
        {addLabel}
      </Button>
    </Stack>
  );
}

/**
 * What to do with objects that already exist. Updating them needs CLUSTER_ADMIN on the target (the server refuses it
 * for an operator too): for an operator the option is disabled, and the reason is read with the group.
 */
function ExistingPolicy({ control, operatorOn }: { control: Control<RestoreFormValues>; operatorOn?: string }) {
  const hint = operatorOn
    ? `Updating existing objects needs the cluster admin role on ${operatorOn}; you are an operator there.`
    : undefined;
  return (
    <Controller
      control={control}
      name="policy"
      render={({ field, fieldState }) => (
        <FormControl error={Boolean(fieldState.error)}>
          <RadioGroup
            value={field.value}
            onChange={(e) => field.onChange(e.target.value)}
            onBlur={field.onBlur}
            aria-label="Objects that already exist"
            aria-describedby={hint ? "restore-policy-hint" : undefined}
          >
            <FormControlLabel
              value="none"
              control={<Radio slotProps={{ input: { ref: field.ref } }} />}
              label="Leave objects that already exist as they are"
            />
            <FormControlLabel
              value="update"
              disabled={Boolean(operatorOn)}
              control={<Radio />}
              label="Update objects that already exist to their backed-up state"
            />
          </RadioGroup>
          {hint && <FormHelperText id="restore-policy-hint">{hint}</FormHelperText>}
          {fieldState.error && <FormHelperText role="alert">{fieldState.error.message}</FormHelperText>}
        </FormControl>
      )}
    />
  );
}

export function RestoreWizard({
  open,
  onClose,
  initial,
}: {
  open: boolean;
  onClose: (created?: { clusterId: string; name: string }) => void;
  initial?: { clusterId: string; backupName: string };
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const eligible = (clusters.data ?? []).filter(
    (c) => (c.myRole === "OPERATOR" || c.myRole === "CLUSTER_ADMIN") && c.velero?.installed,
  );
  const form = useForm({
    // The backup list offers only restorable backups (and the server checks again), so a chosen name is enough here.
    resolver: zodResolver(
      restoreFormSchema({ clusterOk: (id) => eligible.some((c) => c.id === id), backupOk: (name) => Boolean(name) }),
    ),
    mode: "onChange",
    defaultValues: restoreFormDefaults(initial),
  });
  const { control } = form;
  const [clusterId, backupName, scope, nsMap, scMap, clusterResources, policy] = useWatch({
    control,
    name: ["clusterId", "backupName", "scope", "nsMap", "scMap", "clusterResources", "policy"],
  });
  const backups = useQuery({ ...trpc.backup.list.queryOptions({ clusterId }), enabled: Boolean(clusterId) });
  const restorable = (backups.data ?? []).filter((b) => isRestorable(b.phase));
  const cluster = eligible.find((c) => c.id === clusterId);
  // An operator restores namespaced objects only: cluster-scoped resources and updates need a cluster admin.
  const operatorOn = cluster?.myRole === "OPERATOR" ? cluster.name : undefined;
  // Named for the moment the wizard opened, so the name reviewed is the name created.
  const [openedAt] = useState(() => new Date());
  const name =
    cluster && backupName
      ? restoreName({ cluster: cluster.name, base: backupName.replace(/-\d{14}$/, ""), now: openedAt })
      : "";

  const preview = useMutation(trpc.restore.preview.mutationOptions());
  const check = useMutation(trpc.restore.preflight.mutationOptions());
  // Creating despite the check's errors is a choice the operator states.
  const [anyway, setAnyway] = useState(false);
  const create = useMutation(
    trpc.restore.create.mutationOptions({
      onSuccess: async (r) => {
        await qc.invalidateQueries({ queryKey: trpc.restore.list.queryKey() });
        onClose({ clusterId, name: r.name });
      },
    }),
  );
  const request = (v: RestoreFormValues) => ({
    clusterId: v.clusterId,
    name,
    backupName: v.backupName,
    spec: toRestoreInput(v),
    predict: true,
  });
  /** The server's paths: the mapping rows as the form holds them now. */
  const fieldOf = (path: readonly string[], message?: string) => restoreFieldOf(form.getValues())(path, message);
  /** The review asks the server for the manifest; what it refuses is also marked on the fields. */
  const showPreview = () => {
    const v = form.getValues();
    preview.mutate(request(v), {
      onError: (e) => showServerError(form, e, fieldOf, { fieldsOnly: true }),
    });
    setAnyway(false);
    check.mutate({ clusterId: v.clusterId, backupName: v.backupName, spec: toRestoreInput(v) });
  };
  /** A finding's fix changes the form as the operator would, then the review is built and checked again. */
  const fix = (f: PreflightFix) => {
    const before = form.getValues();
    const after = applyFix(before, f);
    for (const k of Object.keys(after) as (keyof RestoreFormValues)[])
      if (after[k] !== before[k]) form.setValue(k, after[k], { shouldDirty: true, shouldValidate: true });
    showPreview();
  };
  const blocked = check.data?.verdict === "errors" && !anyway;
  const submit = submitWith(form, (v) => create.mutateAsync(request(v)), fieldOf, { focus: false });

  const content: Record<StepName, ReactNode> = {
    Backup: (
      <Stack spacing={2} sx={{ pt: 1 }}>
        <FormTextField
          control={control}
          name="clusterId"
          select
          fullWidth
          label="Restore into cluster"
          afterChange={(id) => {
            if (!initial || id !== initial.clusterId) form.setValue("backupName", "");
          }}
          helperText={
            eligible.length
              ? "Clusters with Velero where you are operator or cluster admin"
              : "No cluster with Velero where you may restore"
          }
        >
          {eligible.map((c) => (
            <MenuItem key={c.id} value={c.id}>
              {c.name} ({c.groupName})
            </MenuItem>
          ))}
          {clusters.isLoading && clusterId && <MenuItem value={clusterId} sx={{ display: "none" }} />}
        </FormTextField>
        <FormTextField
          control={control}
          name="backupName"
          select
          fullWidth
          label="Backup"
          disabled={!clusterId}
          helperText={
            !clusterId
              ? " "
              : backups.isLoading
                ? "Loading backups…"
                : restorable.length
                  ? "Completed backups this cluster sees, including those synced from a location it shares with other " +
                    "clusters. Another cluster's backup not listed? Check a restore from its page: Lifeboat offers to " +
                    "share its location here read-only."
                  : "This cluster sees no completed backup yet. Another cluster's backup shows here once its location " +
                    "is shared with this cluster (read-only): check a restore from that backup's page."
          }
        >
          {restorable.map((b) => (
            <MenuItem key={b.name} value={b.name}>
              {b.name} ({b.phase}
              {b.completionTimestamp ? `, ${b.completionTimestamp.toLocaleString()}` : ""})
            </MenuItem>
          ))}
          {/* The backup a page opened the wizard on, named while the cluster's list loads. */}
          {backups.isLoading && backupName && (
            <MenuItem value={backupName} sx={{ display: "none" }}>
              {backupName}
            </MenuItem>
          )}
        </FormTextField>
      </Stack>
    ),
    Scope: (
      <Stack spacing={2}>
        <FormRadioGroup
          control={control}
          name="scope"
          label="Scope"
          options={[
            { value: "all", label: "The entire backup" },
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
            helperText="As named in the backup; comma-separated, globs like team-* allowed"
          />
        )}
        {scope === "labels" && (
          <FormTextField
            control={control}
            name="selectors"
            label="Label selectors"
            multiline
            minRows={2}
            placeholder={"app=payments-api\nenv in (prod, staging), !legacy"}
            helperText="One selector per line (lines are ORed); terms in a line are ANDed: key=value, key!=value, key in (a, b), key notin (a), key, !key"
          />
        )}
        <ResourceFilterFields control={control} action="restore" />
        {operatorOn && (
          <Alert severity={clusterResources === "yes" ? "warning" : "info"}>
            Restoring all cluster-scoped resources (&quot;Yes&quot;) needs the cluster admin role on {operatorOn}; you
            are an operator there. Automatic restores only those related to what is restored, such as the volumes of
            restored claims. The kube-system, velero, tkg-system and vmware-system-tmc namespaces are never restored.
          </Alert>
        )}
      </Stack>
    ),
    Mapping: (
      <Stack spacing={3}>
        <div>
          <Typography variant="subtitle2" component="h3">
            Namespace mapping
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            Restore a namespace of the backup under another name (namespaces not mapped keep their names).
          </Typography>
          <PairRows
            control={control}
            name="nsMap"
            fromLabel="Namespace in the backup"
            toLabel="Restore into namespace"
            addLabel="Add namespace mapping"
          />
        </div>
        <div>
          <Typography variant="subtitle2" component="h3">
            Storage-class mapping
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            Give restored volumes another StorageClass, for example when the target cluster has different storage.
          </Typography>
          <PairRows
            control={control}
            name="scMap"
            fromLabel="StorageClass in the backup"
            toLabel="StorageClass to use"
            addLabel="Add storage-class mapping"
          />
        </div>
      </Stack>
    ),
    Options: (
      <Stack spacing={2}>
        <FormSwitch
          control={control}
          name="restorePVs"
          label="Restore volume data (snapshots, file-system backups, moved data)"
        />
        <ExistingPolicy control={control} operatorOn={operatorOn} />
        {operatorOn && policy === "update" && (
          <Alert severity="warning">
            Choose to leave existing objects as they are: you may not update them on {operatorOn}.
          </Alert>
        )}
      </Stack>
    ),
    Review: (
      <Stack spacing={1}>
        <Typography variant="body2">Lifeboat will create this Velero Restore on {cluster?.name}:</Typography>
        <ErrorAlert error={preview.error} />
        {preview.data?.notes.map((n) => (
          <Alert key={n.code} severity={n.severity}>
            {n.text}
          </Alert>
        ))}
        {check.error && (
          <Alert severity="warning">
            The pre-flight check could not run ({check.error.message}); the restore can still be created.
          </Alert>
        )}
        <PreflightPanel
          result={check.data}
          pending={check.isPending}
          onFix={fix}
          applied={(f) => hasFix(form.getValues(), f)}
          // An operator may not restore cluster-scoped resources (the server refuses it): that fix is not offered.
          canApply={(f) => !(operatorOn && f.kind === "includeClusterResources")}
        />
        {check.data?.verdict === "errors" && (
          <FormControlLabel
            control={<Checkbox checked={anyway} onChange={(e) => setAnyway(e.target.checked)} />}
            label="Restore anyway: I have read the errors above and accept what will not come back"
          />
        )}
        <ManifestField label="Restore manifest" value={preview.data?.yaml ?? (preview.isPending ? "Building…" : "")} />
        {preview.data?.configMapYaml && (
          <ManifestField label="Storage-class ConfigMap" value={preview.data.configMapYaml} minRows={6} maxRows={12} />
        )}
      </Stack>
    ),
  };
  const mapRows = (list: "nsMap" | "scMap", rows: unknown[]) =>
    rows.flatMap((_, i) => [`${list}.${i}.from`, `${list}.${i}.to`] as RestoreFormField[]);
  const fields: Record<StepName, RestoreFormField[]> = {
    Backup: ["clusterId", "backupName"],
    Scope: [
      "scope",
      ...(scope === "labels" ? (["selectors"] as const) : scope === "all" ? [] : (["namespaces"] as const)),
      "includeResources",
      "excludeResources",
      "clusterResources",
    ],
    Mapping: [...mapRows("nsMap", nsMap), ...mapRows("scMap", scMap)],
    Options: ["restorePVs", "policy"],
    Review: [],
  };
  const steps: WizardStep<RestoreFormValues>[] = STEPS.map((label) => ({
    label,
    content: content[label],
    fields: fields[label],
    onEnter: label === "Review" ? showPreview : undefined,
  }));

  return (
    <WizardDialog
      open={open}
      title="Restore from a backup"
      steps={steps}
      form={form}
      onClose={() => onClose()}
      onSubmit={submit}
      submitLabel="Create restore"
      submittingLabel="Creating…"
      submitting={create.isPending}
      canSubmit={Boolean(preview.data) && !check.isPending && !blocked}
      error={formError(form.formState.errors)}
    />
  );
}
