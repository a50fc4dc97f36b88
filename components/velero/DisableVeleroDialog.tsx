"use client";
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Checkbox from "@mui/material/Checkbox";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormHelperText from "@mui/material/FormHelperText";
import FormLabel from "@mui/material/FormLabel";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import type { VeleroDisableInput } from "@/lib/schemas/velero";
import { ErrorAlert } from "../common/ErrorAlert";

const focusOnMount = (node: HTMLInputElement | null) => node?.focus();

/**
 * Turning data protection off: Velero is removed from the cluster, its backups kept in storage (the default) or deleted
 * first, its CRDs and namespace kept unless asked. The cluster's name is typed to confirm; the destructive button waits
 * for it.
 */
export function DisableVeleroDialog({
  clusterId,
  clusterName,
  busy,
  onClose,
}: {
  clusterId: string;
  clusterName: string;
  /** Backups and restores running now: Lifeboat does not remove Velero under them. */
  busy: string[];
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [backups, setBackups] = useState<VeleroDisableInput["backups"]>("keep");
  const [deleteCrds, setDeleteCrds] = useState(false);
  const [typed, setTyped] = useState("");
  const disable = useMutation(
    trpc.velero.disable.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.velero.get.queryKey({ clusterId }) });
        onClose();
      },
    }),
  );
  const confirmed = typed.trim() === clusterName;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!confirmed || disable.isPending) return;
    disable.mutate({ clusterId, backups, deleteCrds, confirmName: typed.trim() });
  };
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm" aria-labelledby="velero-disable-title">
      <form onSubmit={submit} noValidate>
        <DialogTitle id="velero-disable-title">Disable data protection on {clusterName}</DialogTitle>
        <DialogContent>
          <Stack spacing={2}>
            <ErrorAlert error={disable.error} />
            <Typography variant="body2">
              Lifeboat removes its backup storage locations and their credentials from this cluster, then Velero&apos;s
              server, node-agent and service account. Backups, schedules and restores stop running here.
            </Typography>
            {busy.length > 0 && (
              <Alert severity="warning" data-testid="velero-busy">
                Running on the cluster now: {busy.slice(0, 5).join(", ")}
                {busy.length > 5 ? ` and ${busy.length - 5} more` : ""}. Lifeboat does not remove Velero while backups
                or restores run: wait for them to finish.
              </Alert>
            )}
            <FormControl>
              <FormLabel id="velero-disable-backups">This cluster&apos;s backups</FormLabel>
              <RadioGroup
                aria-labelledby="velero-disable-backups"
                value={backups}
                onChange={(e) => setBackups(e.target.value as VeleroDisableInput["backups"])}
              >
                <FormControlLabel
                  value="keep"
                  control={<Radio slotProps={{ input: { ref: focusOnMount } }} />}
                  label="Keep them: they stay in storage and can be restored into another cluster"
                />
                <FormControlLabel
                  value="delete"
                  control={<Radio />}
                  label={
                    "Delete them first: Velero deletes every backup this cluster made from storage; copies synced " +
                    "from other clusters are not touched"
                  }
                />
              </RadioGroup>
            </FormControl>
            {backups === "delete" && (
              <Alert severity="error" data-testid="velero-disable-delete-warning">
                Deleted backups cannot be restored, here or anywhere else.
              </Alert>
            )}
            <FormControl>
              <FormControlLabel
                control={<Checkbox checked={deleteCrds} onChange={(e) => setDeleteCrds(e.target.checked)} />}
                label="Also delete Velero's CRDs and namespace"
              />
              <FormHelperText sx={{ mt: 0 }}>
                {deleteCrds
                  ? "Velero's backups, schedules and restores as objects on this cluster go with them, and so do the " +
                    "roles Lifeboat's onboarding manifest gave it in that namespace: apply the manifest again before " +
                    "enabling data protection here later."
                  : "They stay, for other tools or a later install (Velero's objects on the cluster stay with them)."}
              </FormHelperText>
            </FormControl>
            <TextField
              label="Cluster name"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              helperText={`Type ${clusterName} to confirm`}
              autoComplete="off"
              slotProps={{ htmlInput: { "data-testid": "velero-disable-confirm", spellCheck: false } }}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="contained" color="error" disabled={!confirmed || disable.isPending}>
            Disable data protection
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
