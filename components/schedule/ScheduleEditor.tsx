"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import FormControlLabel from "@mui/material/FormControlLabel";
import LinearProgress from "@mui/material/LinearProgress";
import Switch from "@mui/material/Switch";
import { useTRPC } from "@/lib/trpc/client";
import { explainCron } from "@/lib/cron/describe";
import { FormDialog } from "../common/FormDialog";
import { ErrorAlert } from "../common/ErrorAlert";
import { BackupWizard } from "../backup/BackupWizard";
import { CronField } from "./CronField";

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
          <Button onClick={onClose} autoFocus>
            Close
          </Button>
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
  const [cron, setCron] = useState(props.cron);
  const [paused, setPaused] = useState(props.paused);
  const update = useMutation(
    trpc.schedule.update.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.schedule.list.queryKey() });
        props.onClose();
      },
    }),
  );
  const ok = explainCron(cron).ok;
  return (
    <FormDialog
      open
      title={`Edit schedule ${props.name}`}
      submitLabel={update.isPending ? "Saving…" : "Save schedule"}
      busy={update.isPending || !ok}
      error={update.error}
      onClose={props.onClose}
      onSubmit={() => ok && update.mutate({ clusterId: props.clusterId, name: props.name, cron: cron.trim(), paused })}
    >
      {props.reason && <Alert severity="info">{props.reason}</Alert>}
      <CronField value={cron} onChange={setCron} autoFocus />
      <FormControlLabel
        control={<Switch checked={paused} onChange={(e) => setPaused(e.target.checked)} />}
        label="Paused: Velero creates no backups until it is resumed"
      />
    </FormDialog>
  );
}
