"use client";
import { useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormHelperText from "@mui/material/FormHelperText";
import FormLabel from "@mui/material/FormLabel";
import MenuItem from "@mui/material/MenuItem";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import { useTRPC } from "@/lib/trpc/client";
import { formErrorMap } from "@/lib/forms/server-errors";
import {
  DEFAULT_VERIFY_TIMEOUT_SECONDS,
  VERIFY_TIMEOUT_MAX_SECONDS,
  VERIFY_TIMEOUT_MIN_SECONDS,
  drillStart,
} from "@/lib/schemas/drill";
import { isRestorable } from "@/lib/velero/phases";
import { FormDialog } from "../common/FormDialog";
import { FormSwitch, FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";
import { NamespacesField } from "./NamespacesField";

// "Run a drill": a backup (or a Velero Schedule's latest) restored into drill namespaces of a target cluster, checked,
// timed and cleaned up by the server. Validated with drill.start's own schema (lib/schemas/drill.ts drillStart).

export type DrillCluster = { id: string; name: string; groupName: string };

export function RunDrillDialog({
  clusters,
  onClose,
}: {
  /** Clusters with Velero where the user may run drills. */
  clusters: DrillCluster[];
  onClose: (started?: { clusterId: string; id: string }) => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm({
    resolver: zodResolver(drillStart, { error: formErrorMap }),
    mode: "onTouched",
    defaultValues: {
      clusterId: clusters.length === 1 ? clusters[0]!.id : "",
      backupName: undefined as string | undefined,
      scheduleName: undefined as string | undefined,
      namespaces: [] as string[],
      keep: false,
      verifyTimeoutSeconds: DEFAULT_VERIFY_TIMEOUT_SECONDS,
    },
  });
  const { control } = form;
  const [source, setSource] = useState<"backup" | "schedule">("backup");
  const clusterId = useWatch({ control, name: "clusterId" });
  const backups = useQuery({ ...trpc.backup.list.queryOptions({ clusterId }), enabled: Boolean(clusterId) });
  const restorable = (backups.data ?? []).filter((b) => isRestorable(b.phase));
  const schedules = useQuery({ ...trpc.schedule.list.queryOptions({ clusterId }), enabled: Boolean(clusterId) });
  const start = useMutation(
    trpc.drill.start.mutationOptions({
      onSuccess: async (r, v) => {
        await qc.invalidateQueries({ queryKey: trpc.drill.list.queryKey() });
        onClose({ clusterId: v.clusterId, id: r.id });
      },
    }),
  );
  // The rule "a backup or a schedule" is reported on backupName; shown under the schedule when that is the choice.
  const sourceError = source === "schedule" ? form.formState.errors.backupName?.message : undefined;
  const chooseSource = (next: "backup" | "schedule") => {
    setSource(next);
    form.setValue("backupName", undefined);
    form.setValue("scheduleName", undefined);
    form.clearErrors(["backupName", "scheduleName"]);
  };
  return (
    <FormDialog
      open
      title="Run a restore drill"
      submitLabel="Run drill"
      busy={start.isPending}
      error={formError(form.formState.errors)}
      onClose={() => onClose()}
      onSubmit={submitWith(form, (v) =>
        start.mutateAsync({ ...v, namespaces: v.namespaces?.length ? v.namespaces : undefined }),
      )}
    >
      <FormTextField
        control={control}
        name="clusterId"
        select
        fullWidth
        required
        label="Target cluster"
        afterChange={() => {
          form.setValue("backupName", undefined);
          form.setValue("scheduleName", undefined);
        }}
        helperText={
          clusters.length
            ? "The drill restores into new namespaces of this cluster, beside what it runs"
            : "No cluster with Velero where you may run drills"
        }
      >
        {clusters.map((c) => (
          <MenuItem key={c.id} value={c.id}>
            {c.name} ({c.groupName})
          </MenuItem>
        ))}
      </FormTextField>
      <FormControl>
        <FormLabel id="drill-source-label">Restore</FormLabel>
        <RadioGroup
          row
          aria-labelledby="drill-source-label"
          value={source}
          onChange={(e) => chooseSource(e.target.value as "backup" | "schedule")}
        >
          <FormControlLabel value="backup" control={<Radio />} label="A backup" />
          <FormControlLabel value="schedule" control={<Radio />} label="A schedule's latest backup" />
        </RadioGroup>
      </FormControl>
      {source === "backup" ? (
        <FormTextField
          control={control}
          name="backupName"
          select
          fullWidth
          required
          label="Backup"
          disabled={!clusterId}
          helperText={
            !clusterId
              ? "Choose the target cluster first"
              : backups.isLoading
                ? "Loading backups…"
                : restorable.length
                  ? "Completed backups the target cluster sees, including those synced from a shared location"
                  : "The target cluster sees no completed backup yet"
          }
        >
          {restorable.map((b) => (
            <MenuItem key={b.name} value={b.name}>
              {b.name} ({b.phase}
              {b.syncedCopy && b.originCluster ? `, from ${b.originCluster}` : ""})
            </MenuItem>
          ))}
        </FormTextField>
      ) : (
        <>
          <FormTextField
            control={control}
            name="scheduleName"
            select
            fullWidth
            required
            label="Schedule"
            disabled={!clusterId}
            helperText={
              sourceError
                ? undefined
                : !clusterId
                  ? "Choose the target cluster first"
                  : schedules.isLoading
                    ? "Loading schedules…"
                    : schedules.data?.length
                      ? "The drill restores this schedule's latest completed backup the target cluster sees"
                      : "The target cluster has no schedule"
            }
          >
            {(schedules.data ?? []).map((s) => (
              <MenuItem key={s.name} value={s.name}>
                {s.name}
              </MenuItem>
            ))}
          </FormTextField>
          {sourceError && (
            <FormHelperText error role="alert" sx={{ mt: "-12px !important", mx: 1.75 }}>
              {sourceError}
            </FormHelperText>
          )}
        </>
      )}
      <NamespacesField
        control={control}
        name="namespaces"
        label="Namespaces (optional)"
        helperText="Only these of the backup's namespaces; every one of them when left empty. Press Enter after each."
      />
      <FormTextField
        control={control}
        name="verifyTimeoutSeconds"
        number
        fullWidth
        label="Verify timeout (seconds)"
        slotProps={{ htmlInput: { min: VERIFY_TIMEOUT_MIN_SECONDS, max: VERIFY_TIMEOUT_MAX_SECONDS } }}
        helperText={`How long the checks wait for every claim to be bound and every pod ready (${VERIFY_TIMEOUT_MIN_SECONDS}–${VERIFY_TIMEOUT_MAX_SECONDS})`}
      />
      <FormSwitch
        control={control}
        name="keep"
        label="Keep the drill namespaces afterwards"
        helperText="Off: they are deleted once the checks are done, whatever the outcome"
      />
    </FormDialog>
  );
}
