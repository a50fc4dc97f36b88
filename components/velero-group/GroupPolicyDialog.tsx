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
  WHEN_BUSY,
  type VeleroSettings,
} from "@/lib/schemas/velero";
import { compareVersions, VELERO_RELEASES } from "@/lib/velero/versions";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormRadioGroup, FormSwitch, FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

/** The group's settings as the dialog edits them: Velero's settings and what an upgrade does while backups run. */
const policyForm = veleroSettingsFields.extend({ whenBusy: z.enum(WHEN_BUSY) }).superRefine(refineVeleroSettings);

const fieldOf = (path: readonly string[]) =>
  path[0] === "settings" ? path.slice(1).join(".") : path[0] === "whenBusy" ? "whenBusy" : null;

/**
 * Enable data protection on a cluster group, or change the group's settings: every cluster of the group (clusters
 * attached later too) is brought to them, one operation per cluster, applied without a review of each cluster's render.
 * The fields the dialog does not show (registry, resources, node placement) keep what the policy had.
 */
export function GroupPolicyDialog({
  groupId,
  groupName,
  current,
  onClose,
}: {
  groupId: string;
  groupName: string;
  /** The policy in force, when the group has one (a change); null to enable. */
  current: { settings: VeleroSettings; whenBusy: (typeof WHEN_BUSY)[number] } | null;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const start = current?.settings ?? DEFAULT_VELERO_SETTINGS;
  const form = useForm({
    resolver: zodResolver(policyForm, { error: formErrorMap }),
    defaultValues: { ...start, whenBusy: current?.whenBusy ?? "wait" },
  });
  const set = useMutation(
    trpc.veleroGroup.set.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.veleroGroup.get.queryKey({ groupId }) });
        onClose();
      },
    }),
  );
  const { control } = form;
  const [version, fsOn, csiOn] = useWatch({ control, name: ["version", "fsBackup.enabled", "csi.enabled"] });
  useEffect(() => {
    if (!csiOn) form.setValue("csi.moveDataByDefault", false, { shouldValidate: true });
  }, [csiOn, form]);
  const upgrade = current && version !== current.settings.version;
  const older = current && (compareVersions(version, current.settings.version) ?? 0) < 0;
  return (
    <FormDialog
      open
      title={current ? `Change the settings of ${groupName}` : `Enable data protection on ${groupName}`}
      submitLabel={
        current ? (upgrade ? `Upgrade the group to ${version}` : "Apply to the group") : "Enable on the group"
      }
      busy={set.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(
        form,
        ({ whenBusy, ...settings }) => set.mutateAsync({ groupId, settings, whenBusy }),
        fieldOf,
      )}
    >
      <Typography variant="body2" color="text.secondary">
        Every cluster in the group runs Velero with these settings, clusters attached to it later included. Lifeboat
        runs Velero&apos;s installer on each cluster and applies what it renders without asking for a review of each
        cluster: these settings are what you review. Clusters where Lifeboat lacks the &quot;manage Velero&quot; access,
        or that run someone else&apos;s Velero, are shown blocked and left alone.
      </Typography>
      <FormTextField control={control} name="version" label="Velero version" select required>
        {VELERO_RELEASES.map((r) => (
          <MenuItem key={r.version} value={r.version}>
            {r.version} (AWS and Azure plugins {r.plugins.aws})
          </MenuItem>
        ))}
      </FormTextField>
      {current && (upgrade || version === current.settings.version) && (
        <Alert severity={upgrade ? "info" : "success"} data-testid="group-policy-upgrade">
          {upgrade
            ? `Every cluster in the group is upgraded to ${version}, one operation per cluster; the progress of each ` +
              "shows below."
            : "Upgrading the whole group is changing its version here: every cluster in the group is upgraded, one " +
              "operation per cluster, progress below."}
        </Alert>
      )}
      {older && (
        <Alert severity="warning">
          {version} is older than the group&apos;s {current.settings.version}: Lifeboat does not downgrade Velero, so
          clusters that run a newer version are shown blocked.
        </Alert>
      )}
      <FormSwitch control={control} name="fsBackup.enabled" label="File-system backup (Kopia, with the node-agent)" />
      {fsOn && (
        <FormRadioGroup
          control={control}
          name="fsBackup.default"
          label="Which pod volumes file-system backup takes"
          options={[
            { value: "optOut", label: "Every pod volume, except those a pod excludes (opt-out)" },
            { value: "optIn", label: "Only the volumes a pod names in backup.velero.io/backup-volumes (opt-in)" },
          ]}
        />
      )}
      <FormSwitch control={control} name="csi.enabled" label="CSI snapshots (clusters need Kubernetes 1.20 or later)" />
      <FormSwitch
        control={control}
        name="csi.moveDataByDefault"
        label="Move snapshot data to the backup location by default (data movement)"
        disabled={!csiOn}
      />
      <FormRadioGroup
        control={control}
        name="whenBusy"
        label="When backups or restores run on a cluster"
        options={[
          {
            value: "wait",
            label: "Start the change at once; it waits for them to finish before applying anything",
          },
          {
            value: "refuse",
            label: "Start the change only once none runs (one that starts meanwhile fails it; nothing is applied)",
          },
        ]}
      />
      <Typography variant="caption" color="text.secondary">
        Images come from {start.registry ?? "Docker Hub"}; resources and node placement are{" "}
        {current ? "the group's" : "Velero's defaults"}. The plugins for AWS S3, S3-compatible storage and Azure Blob
        are installed, so any location can be assigned later.
      </Typography>
    </FormDialog>
  );
}
