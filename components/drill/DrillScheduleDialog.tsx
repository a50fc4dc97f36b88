"use client";
import { useState } from "react";
import { useForm, useWatch, type Resolver } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
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
  drillScheduleCreate,
  type DrillScheduleCreate,
} from "@/lib/schemas/drill";
import { FormDialog } from "../common/FormDialog";
import { FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";
import { NamespacesField } from "./NamespacesField";
import type { DrillCluster } from "./RunDrillDialog";

// A drill schedule: drills of a Velero Schedule's latest backup into a target cluster, every N days or on a cron.
// Validated with drill.schedules.create's own schema (lib/schemas/drill.ts drillScheduleCreate).

type Values = {
  clusterId: string;
  /** "" is the target itself (the schema's "left out"). */
  sourceClusterId: string;
  scheduleName: string;
  namespaces: string[];
  cron: string | null;
  intervalDays: number;
  keep: boolean;
  verifyTimeoutSeconds: number;
};

const schemaResolver = zodResolver(drillScheduleCreate, { error: formErrorMap });
/** The schema, with "the target itself" as the schema says it (no source) and the frequency not chosen left out. */
const resolver: Resolver<Values, unknown, DrillScheduleCreate> = (values, context, options) =>
  schemaResolver(
    { ...values, sourceClusterId: values.sourceClusterId || undefined } as never,
    context,
    options as never,
  ) as never;

export function DrillScheduleDialog({
  clusters,
  sources,
  onClose,
}: {
  /** Target clusters: with Velero, where the user may run drills. */
  clusters: DrillCluster[];
  /** Clusters whose schedules the user may drill (with Velero). */
  sources: DrillCluster[];
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm<Values, unknown, DrillScheduleCreate>({
    resolver,
    mode: "onTouched",
    defaultValues: {
      clusterId: clusters.length === 1 ? clusters[0]!.id : "",
      sourceClusterId: "",
      scheduleName: "",
      namespaces: [],
      cron: null,
      intervalDays: 7,
      keep: false,
      verifyTimeoutSeconds: DEFAULT_VERIFY_TIMEOUT_SECONDS,
    },
  });
  const { control } = form;
  const [every, setEvery] = useState<"days" | "cron">("days");
  const [clusterId, sourceClusterId] = useWatch({ control, name: ["clusterId", "sourceClusterId"] });
  const scheduleCluster = sourceClusterId || clusterId;
  const schedules = useQuery({
    ...trpc.schedule.list.queryOptions({ clusterId: scheduleCluster }),
    enabled: Boolean(scheduleCluster),
  });
  const create = useMutation(
    trpc.drill.schedules.create.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.drill.schedules.list.queryKey() });
        onClose();
      },
    }),
  );
  const chooseEvery = (next: "days" | "cron") => {
    setEvery(next);
    form.setValue("cron", next === "cron" ? "0 3 * * 0" : null);
    form.clearErrors(["cron", "intervalDays"]);
  };
  return (
    <FormDialog
      open
      title="New drill schedule"
      submitLabel="Create"
      busy={create.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => create.mutateAsync(v))}
    >
      <FormTextField
        control={control}
        name="clusterId"
        select
        fullWidth
        required
        label="Target cluster"
        helperText={
          clusters.length
            ? "Each drill restores into new namespaces of this cluster"
            : "No cluster with Velero where you may run drills"
        }
      >
        {clusters.map((c) => (
          <MenuItem key={c.id} value={c.id}>
            {c.name} ({c.groupName})
          </MenuItem>
        ))}
      </FormTextField>
      <FormTextField
        control={control}
        name="sourceClusterId"
        select
        fullWidth
        label="Schedule of cluster"
        afterChange={() => form.setValue("scheduleName", "")}
        helperText="The cluster whose Velero Schedule is drilled; the target itself unless you choose another"
      >
        <MenuItem value="">The target cluster</MenuItem>
        {sources.map((c) => (
          <MenuItem key={c.id} value={c.id}>
            {c.name} ({c.groupName})
          </MenuItem>
        ))}
      </FormTextField>
      <FormTextField
        control={control}
        name="scheduleName"
        select
        fullWidth
        required
        label="Schedule"
        disabled={!scheduleCluster}
        helperText={
          !scheduleCluster
            ? "Choose the target cluster first"
            : schedules.isLoading
              ? "Loading schedules…"
              : schedules.data?.length
                ? "Each drill restores this schedule's latest completed backup the target sees"
                : "That cluster has no schedule"
        }
      >
        {(schedules.data ?? []).map((s) => (
          <MenuItem key={s.name} value={s.name}>
            {s.name}
          </MenuItem>
        ))}
      </FormTextField>
      <NamespacesField
        control={control}
        name="namespaces"
        label="Namespaces (optional)"
        helperText="Only these of each backup's namespaces; every one of them when left empty. Press Enter after each."
      />
      <FormControl>
        <FormLabel id="drill-every-label">Runs</FormLabel>
        <RadioGroup
          row
          aria-labelledby="drill-every-label"
          value={every}
          onChange={(e) => chooseEvery(e.target.value as "days" | "cron")}
        >
          <FormControlLabel value="days" control={<Radio />} label="Every few days" />
          <FormControlLabel value="cron" control={<Radio />} label="On a cron schedule" />
        </RadioGroup>
      </FormControl>
      {every === "days" ? (
        <FormTextField
          control={control}
          name="intervalDays"
          number
          fullWidth
          label="Every (days)"
          slotProps={{ htmlInput: { min: 1, max: 366 } }}
          helperText="1 to 366 days; the first drill runs at once"
        />
      ) : (
        <FormTextField
          control={control}
          name="cron"
          fullWidth
          label="Cron expression"
          helperText="Five fields, as a Velero Schedule's (minute hour day month weekday), in UTC"
        />
      )}
      <FormTextField
        control={control}
        name="verifyTimeoutSeconds"
        number
        fullWidth
        label="Verify timeout (seconds)"
        slotProps={{ htmlInput: { min: VERIFY_TIMEOUT_MIN_SECONDS, max: VERIFY_TIMEOUT_MAX_SECONDS } }}
        helperText={`How long the checks wait for claims and pods (${VERIFY_TIMEOUT_MIN_SECONDS}–${VERIFY_TIMEOUT_MAX_SECONDS})`}
      />
    </FormDialog>
  );
}
