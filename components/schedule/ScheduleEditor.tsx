"use client";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import LinearProgress from "@mui/material/LinearProgress";
import { useTRPC } from "@/lib/trpc/client";
import { scheduleOptions } from "@/lib/schemas/protection";
import { FormDialog } from "../common/FormDialog";
import { ErrorAlert } from "../common/ErrorAlert";
import { FormSwitch } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";
import { BackupWizard } from "../backup/BackupWizard";
import { FormCronField } from "./CronField";

/**
 * Edits a Schedule as it is on the cluster now: a Schedule Lifeboat created opens the backup wizard prefilled from
 * the input stored on it; any other Schedule gets its cron expression and paused flag only, and says why.
 */
export function ScheduleEditor({ clusterId, name, onClose }: { clusterId: string; name: string; onClose: () => void }) {
  const trpc = useTRPC();
  // Read once when the dialog opens: a refetch must not swap the form out from under the operator.
  const q = useQuery({
    ...trpc.schedule.get.queryOptions({ clusterId, name }),
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
    retry: false,
  });
  if (!q.data) {
    return (
      <Dialog open onClose={onClose} fullWidth maxWidth="sm" aria-labelledby="schedule-loading-title">
        <DialogTitle id="schedule-loading-title">Edit schedule {name}</DialogTitle>
        <DialogContent>
          {q.isLoading ? (
            <LinearProgress aria-label="Reading the schedule from the cluster" />
          ) : (
            <ErrorAlert error={q.error ?? { message: "Schedule not found" }} />
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Close</Button>
        </DialogActions>
      </Dialog>
    );
  }
  const s = q.data;
  if (s.templateEditable && s.input) {
    return (
      <BackupWizard
        open
        onClose={onClose}
        edit={{
          clusterId,
          clusterName: s.clusterName,
          name,
          input: s.input,
          cron: s.cron,
          paused: s.paused,
          skipImmediately: s.skipImmediately,
        }}
      />
    );
  }
  return (
    <CronOnlyDialog
      clusterId={clusterId}
      name={name}
      cron={s.cron}
      paused={s.paused}
      reason={s.notEditableReason}
      onClose={onClose}
    />
  );
}

const cronAndPaused = scheduleOptions.pick({ cron: true, paused: true });

/** A Schedule Lifeboat did not create: its cron expression and paused flag, validated as schedule.update does. */
function CronOnlyDialog(props: {
  clusterId: string;
  name: string;
  cron: string;
  paused: boolean;
  reason: string | null;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm({
    resolver: zodResolver(cronAndPaused),
    mode: "onChange",
    defaultValues: { cron: props.cron, paused: props.paused },
  });
  const update = useMutation(
    trpc.schedule.update.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.schedule.list.queryKey() });
        props.onClose();
      },
    }),
  );
  return (
    <FormDialog
      open
      title={`Edit schedule ${props.name}`}
      submitLabel={update.isPending ? "Saving…" : "Save schedule"}
      busy={update.isPending || !form.formState.isValid}
      error={formError(form.formState.errors)}
      onClose={props.onClose}
      onSubmit={submitWith(form, (v) => update.mutateAsync({ clusterId: props.clusterId, name: props.name, ...v }))}
    >
      {props.reason && <Alert severity="info">{props.reason}</Alert>}
      <FormCronField control={form.control} name="cron" />
      <FormSwitch control={form.control} name="paused" label="Paused: Velero creates no backups until it is resumed" />
    </FormDialog>
  );
}
