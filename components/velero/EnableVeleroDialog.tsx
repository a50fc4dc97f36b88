"use client";
import { useEffect, useRef, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useForm, useWatch } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import MenuItem from "@mui/material/MenuItem";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { DEFAULT_VELERO_SETTINGS, type VeleroSettings } from "@/lib/schemas/velero";
import { compatibility, csiPossible } from "@/lib/velero/versions";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormRadioGroup, FormSwitch, FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";
import { submitLabel, versionChoices, type SettingsMode } from "./settings-view";
import {
  advancedInvalid,
  hasAdvancedSettings,
  isAdvancedField,
  settingsFormDefaults,
  settingsFormSchema,
  settingsInputFieldOf,
  type SettingsFormOutput,
  type SettingsFormValues,
} from "./settings-form";
import { VeleroAdvancedSettings } from "./VeleroAdvancedSettings";
import { VeleroPrechecks } from "./VeleroPrechecks";

const LEVEL_TEXT = { tested: "success", supported: "info", unsupported: "error", unknown: "warning" } as const;

function titleOf(mode: SettingsMode, clusterName: string, upgrade: boolean) {
  if (mode === "install") return `Enable data protection on ${clusterName}`;
  if (mode === "takeOver") return `Take over Velero on ${clusterName}`;
  return upgrade ? `Upgrade Velero on ${clusterName}` : `Change Velero's settings on ${clusterName}`;
}

/**
 * The settings Lifeboat runs Velero's installer with, in three modes: enable data protection (install), change the
 * settings or upgrade a Velero Lifeboat manages (the versions offered: the running one and newer), or take over one
 * someone else installed. Submitting starts the installer on the cluster; nothing is applied until the operator has
 * reviewed what it rendered (for a change, upgrade or take-over: the diff against what runs).
 */
export function EnableVeleroDialog({
  clusterId,
  clusterName,
  kubernetesVersion,
  initial,
  mode = "install",
  runningVersion = null,
  upgradeTo,
  busy = [],
  onClose,
}: {
  clusterId: string;
  clusterName: string;
  kubernetesVersion: string | null;
  /** What the form starts from: the applied settings (change), the detected ones (take over), or the defaults. */
  initial?: VeleroSettings | null;
  mode?: SettingsMode;
  /** The version running on the cluster (change, take over). */
  runningVersion?: string | null;
  /** Opened to upgrade: the version preselected. */
  upgradeTo?: string;
  /** Backups and restores running on the cluster now. */
  busy?: string[];
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const start = initial ?? DEFAULT_VELERO_SETTINGS;
  const csiOk = kubernetesVersion ? csiPossible(kubernetesVersion) : true;
  const choices = versionChoices(mode, mode === "install" ? null : start.version);
  const form = useForm({
    resolver: zodResolver(settingsFormSchema, { error: formErrorMap }),
    defaultValues: settingsFormDefaults(start, { version: upgradeTo ?? start.version, csiOk }),
  });
  const onSuccess = async () => {
    await qc.invalidateQueries({ queryKey: trpc.velero.get.queryKey({ clusterId }) });
    onClose();
  };
  const install = useMutation(trpc.velero.install.mutationOptions({ onSuccess }));
  const change = useMutation(trpc.velero.change.mutationOptions({ onSuccess }));
  const takeOver = useMutation(trpc.velero.takeOver.mutationOptions({ onSuccess }));
  const { control } = form;
  const [version, fsOn, fsDefault, csiOn, moveData] = useWatch({
    control,
    name: ["version", "fsBackup.enabled", "fsBackup.default", "csi.enabled", "csi.moveDataByDefault"],
  });
  const compat = kubernetesVersion ? compatibility(kubernetesVersion, version) : null;
  const upgrading = mode === "change" && runningVersion !== null && version !== runningVersion;
  // A switch that cannot apply any more is turned off with what it depended on, so nothing hidden is submitted.
  const nodeAgent = fsOn || (csiOn && moveData);
  useEffect(() => {
    if (!csiOn) form.setValue("csi.moveDataByDefault", false, { shouldValidate: true });
  }, [csiOn, form]);
  useEffect(() => {
    if (!nodeAgent) form.setValue("privilegedNodeAgent", false);
  }, [nodeAgent, form]);
  const submit = ({ settings, whenBusy }: SettingsFormOutput) =>
    mode === "install"
      ? install.mutateAsync({ clusterId, settings })
      : mode === "change"
        ? change.mutateAsync({ clusterId, settings, whenBusy })
        : takeOver.mutateAsync({ clusterId, settings, whenBusy });
  // The Advanced section opens on settings that use it; a refusal of one of its fields opens it and, when no field
  // above is refused, moves the keyboard to the first refused one there once it is shown.
  const [advancedOpen, setAdvancedOpen] = useState(() => hasAdvancedSettings(start));
  const [focusAdvanced, setFocusAdvanced] = useState(false);
  const advancedRef = useRef<HTMLDivElement>(null);
  const focusAdvancedError = () => {
    setFocusAdvanced(false);
    advancedRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  };
  const submitForm = submitWith(form, submit, (path, message) => settingsInputFieldOf(form.getValues())(path, message));
  const onSubmit = async () => {
    const ok = await submitForm();
    const fields = Object.keys(form.getValues()) as (keyof SettingsFormValues)[];
    const invalid = (advanced: boolean) =>
      fields.some((n) => isAdvancedField(n) === advanced && form.getFieldState(n).invalid);
    if (!ok && !advancedOpen && invalid(true)) {
      setAdvancedOpen(true);
      setFocusAdvanced(!invalid(false));
    }
    return ok;
  };
  return (
    <FormDialog
      open
      title={titleOf(mode, clusterName, upgradeTo !== undefined)}
      submitLabel={submitLabel(mode, runningVersion, version)}
      busy={install.isPending || change.isPending || takeOver.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={onSubmit}
    >
      {mode === "install" ? (
        <Typography variant="body2" color="text.secondary">
          Lifeboat runs Velero&apos;s own installer for the chosen version in a short-lived Job on the cluster and shows
          you every object it renders. Nothing is applied until you approve them.
        </Typography>
      ) : (
        <Typography variant="body2" color="text.secondary">
          Lifeboat runs Velero&apos;s own installer for the chosen version with these settings and shows you what
          changes on the cluster, object by object. Nothing is applied until you approve the changes.
        </Typography>
      )}
      {mode === "takeOver" && (
        <Alert severity="warning" data-testid="velero-take-over-warning">
          Taking over re-applies Velero&apos;s objects with Lifeboat&apos;s settings, after you review the diff against
          what runs: whatever the previous installer set differently is replaced. From then on Lifeboat manages this
          Velero (settings, upgrades, drift, removal).
          {runningVersion && runningVersion !== start.version && (
            <> Velero {runningVersion} is not a version Lifeboat installs: taking over upgrades it.</>
          )}
        </Alert>
      )}
      <FormTextField control={control} name="version" label="Velero version" select required>
        {choices.map((r) => (
          <MenuItem key={r.version} value={r.version}>
            {r.version} (AWS and Azure plugins {r.plugins.aws}){r.version === runningVersion ? " · running now" : ""}
          </MenuItem>
        ))}
      </FormTextField>
      {upgrading && (
        <Alert severity="info" data-testid="velero-upgrade-notice">
          Upgrading from {runningVersion} to {version}: the new CustomResourceDefinitions are applied first, then
          Velero&apos;s server and node-agent, which restart. Velero is never downgraded.
        </Alert>
      )}
      {compat && (
        <Alert severity={LEVEL_TEXT[compat.level]} data-testid="precheck-kubernetes">
          Kubernetes {kubernetesVersion}: {compat.why}.
        </Alert>
      )}
      <FormTextField
        control={control}
        name="registryText"
        label="Image registry"
        placeholder="docker.io"
        helperText="Leave empty for Docker Hub; a mirror (host[:port][/path]) for air-gapped clusters"
      />
      <FormSwitch control={control} name="fsBackup.enabled" label="File-system backup (Kopia, with the node-agent)" />
      {fsOn && (
        <FormRadioGroup
          control={control}
          name="fsBackup.default"
          label="Which pod volumes file-system backup takes"
          options={[
            {
              value: "optOut",
              label:
                "Every pod volume, except those a pod excludes (opt-out; TMC's default when file-system backup is on)",
            },
            { value: "optIn", label: "Only the volumes a pod names in backup.velero.io/backup-volumes (opt-in)" },
          ]}
        />
      )}
      {fsOn && fsDefault === "optOut" && (
        <Typography variant="caption" color="text.secondary">
          Opt-out backs up every volume by file copy, CSI volumes included, unless a backup asks otherwise.
        </Typography>
      )}
      <FormSwitch
        control={control}
        name="csi.enabled"
        label={`CSI snapshots (EnableCSI)${csiOk ? "" : ": needs Kubernetes 1.20 or later"}`}
        disabled={!csiOk}
      />
      <FormSwitch
        control={control}
        name="csi.moveDataByDefault"
        label="Move snapshot data to the backup location by default (data movement)"
        disabled={!csiOn}
      />
      <FormSwitch
        control={control}
        name="privilegedNodeAgent"
        label="Run the node-agent privileged (some storage drivers need it)"
        disabled={!nodeAgent}
      />
      <VeleroAdvancedSettings
        control={control}
        setValue={form.setValue}
        expanded={advancedOpen}
        onExpandedChange={setAdvancedOpen}
        onEntered={() => {
          if (focusAdvanced) focusAdvancedError();
        }}
        invalid={advancedInvalid(form.formState.errors)}
        nodeAgent={nodeAgent}
        detailsRef={advancedRef}
      />
      {mode !== "install" && (
        <Box>
          <Typography variant="subtitle2" component="p">
            While backups or restores run
          </Typography>
          {busy.length > 0 && (
            <Alert severity="warning" data-testid="velero-busy" sx={{ my: 1 }}>
              Running on the cluster now: {busy.slice(0, 5).join(", ")}
              {busy.length > 5 ? ` and ${busy.length >= 20 ? "at least " : ""}${busy.length - 5} more` : ""}. Applying
              restarts Velero&apos;s server, which would interrupt them.
            </Alert>
          )}
          <FormRadioGroup
            control={control}
            name="whenBusy"
            label="While backups or restores run"
            options={[
              { value: "refuse", label: "Refuse: apply nothing while backups or restores run (try again later)" },
              { value: "wait", label: "Wait for them to finish, then apply" },
            ]}
          />
        </Box>
      )}
      {mode !== "change" && (
        // What the cluster says of these choices before anything is written (access, CSI classes, Pod Security).
        <VeleroPrechecks
          clusterId={clusterId}
          settings={{
            ...DEFAULT_VELERO_SETTINGS,
            version,
            fsBackup: { enabled: fsOn, default: fsDefault },
            csi: { enabled: csiOn, moveDataByDefault: csiOn && moveData },
          }}
        />
      )}
      <Typography variant="caption" color="text.secondary">
        {mode === "install"
          ? "The plugins for AWS S3, S3-compatible storage and Azure Blob are installed, so any location can be " +
            "assigned to this cluster later."
          : mode === "change"
            ? "The plugins for AWS S3, S3-compatible storage and Azure Blob stay installed."
            : "Pull secrets, resources and node-agent placement start from Velero's defaults (Lifeboat does not " +
              "read them from what runs): the review shows any difference before anything is applied."}
      </Typography>
    </FormDialog>
  );
}
