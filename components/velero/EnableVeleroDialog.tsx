"use client";
import { useEffect } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useForm, useWatch } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import Alert from "@mui/material/Alert";
import MenuItem from "@mui/material/MenuItem";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import {
  DEFAULT_VELERO_SETTINGS,
  refineVeleroSettings,
  veleroSettingsFields,
  type VeleroSettings,
} from "@/lib/schemas/velero";
import { compatibility, csiPossible, VELERO_RELEASES } from "@/lib/velero/versions";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormRadioGroup, FormSwitch, FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

/** The settings as the form edits them: the registry as text ("" = Docker Hub). */
const enableForm = veleroSettingsFields
  .omit({ registry: true })
  .extend({ registryText: z.string().trim() })
  .superRefine(refineVeleroSettings)
  .transform((v, ctx) => {
    const { registryText, ...rest } = v;
    const registry = veleroSettingsFields.shape.registry.safeParse(registryText === "" ? null : registryText);
    if (!registry.success)
      ctx.addIssue({ code: "custom", path: ["registryText"], message: registry.error.issues[0].message });
    return { ...rest, registry: registry.success ? registry.data : null };
  });

const fieldOf = (path: readonly string[]) =>
  path[0] === "settings" ? (path[1] === "registry" ? "registryText" : path.slice(1).join(".")) : null;

const LEVEL_TEXT = { tested: "success", supported: "info", unsupported: "error", unknown: "warning" } as const;

/**
 * Enable data protection: the settings Lifeboat runs Velero's installer with. Submitting starts the installer on the
 * cluster; nothing is applied until the operator has reviewed what it rendered.
 */
export function EnableVeleroDialog({
  clusterId,
  clusterName,
  kubernetesVersion,
  initial,
  onClose,
}: {
  clusterId: string;
  clusterName: string;
  kubernetesVersion: string | null;
  initial?: VeleroSettings | null;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const start = initial ?? DEFAULT_VELERO_SETTINGS;
  const csiOk = kubernetesVersion ? csiPossible(kubernetesVersion) : true;
  const form = useForm({
    resolver: zodResolver(enableForm, { error: formErrorMap }),
    defaultValues: {
      ...start,
      registryText: start.registry ?? "",
      csi: csiOk ? start.csi : { enabled: false, moveDataByDefault: false },
    },
  });
  const install = useMutation(
    trpc.velero.install.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.velero.get.queryKey({ clusterId }) });
        onClose();
      },
    }),
  );
  const { control } = form;
  const [version, fsOn, fsDefault, csiOn, moveData] = useWatch({
    control,
    name: ["version", "fsBackup.enabled", "fsBackup.default", "csi.enabled", "csi.moveDataByDefault"],
  });
  const compat = kubernetesVersion ? compatibility(kubernetesVersion, version) : null;
  // A switch that cannot apply any more is turned off with what it depended on, so nothing hidden is submitted.
  const nodeAgent = fsOn || (csiOn && moveData);
  useEffect(() => {
    if (!csiOn) form.setValue("csi.moveDataByDefault", false, { shouldValidate: true });
  }, [csiOn, form]);
  useEffect(() => {
    if (!nodeAgent) form.setValue("privilegedNodeAgent", false);
  }, [nodeAgent, form]);
  return (
    <FormDialog
      open
      title={`Enable data protection on ${clusterName}`}
      submitLabel="Run Velero's installer"
      busy={install.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (settings) => install.mutateAsync({ clusterId, settings }), fieldOf)}
    >
      <Typography variant="body2" color="text.secondary">
        Lifeboat runs Velero&apos;s own installer for the chosen version in a short-lived Job on the cluster and shows
        you every object it renders. Nothing is applied until you approve them.
      </Typography>
      <FormTextField control={control} name="version" label="Velero version" select required>
        {VELERO_RELEASES.map((r) => (
          <MenuItem key={r.version} value={r.version}>
            {r.version} (AWS and Azure plugins {r.plugins.aws})
          </MenuItem>
        ))}
      </FormTextField>
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
      <Typography variant="caption" color="text.secondary">
        Velero&apos;s default resources apply. The plugins for AWS S3, S3-compatible storage and Azure Blob are
        installed, so any location can be assigned to this cluster later.
      </Typography>
    </FormDialog>
  );
}
