"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemText from "@mui/material/ListItemText";
import MenuItem from "@mui/material/MenuItem";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import LinearProgress from "@mui/material/LinearProgress";
import { useTRPC } from "@/lib/trpc/client";
import { FormDialog } from "../common/FormDialog";

const roleText = (r: string | null) => r ?? "no access";

/**
 * Moves a cluster to another group. Before anything is saved the server's preview (checked as the move is) shows who
 * gains or loses access and which target locations come to or leave the cluster.
 */
export function MoveClusterDialog({
  cluster,
  onClose,
}: {
  cluster: { id: string; name: string; groupId: string };
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const groups = useQuery(trpc.clusterGroup.list.queryOptions());
  const choices = (groups.data ?? []).filter((g) => g.id !== cluster.groupId && g.myRole === "CLUSTER_ADMIN");
  const [groupId, setGroupId] = useState("");
  const preview = useQuery({
    ...trpc.cluster.movePreview.queryOptions({ id: cluster.id, groupId }),
    enabled: Boolean(groupId),
    retry: false,
  });
  const move = useMutation(
    trpc.cluster.move.mutationOptions({
      onSuccess: async (c) => {
        qc.setQueryData(trpc.cluster.get.queryKey({ id: c.id }), c);
        await qc.invalidateQueries({ queryKey: trpc.cluster.list.queryKey() });
        await qc.invalidateQueries({ queryKey: trpc.location.list.queryKey() });
        onClose();
      },
    }),
  );
  const p = preview.data;
  return (
    <FormDialog
      open
      title={`Move ${cluster.name} to another group`}
      submitLabel={move.isPending ? "Moving…" : "Move cluster"}
      busy={move.isPending || !p}
      error={move.error ?? preview.error}
      onClose={onClose}
      onSubmit={() => p && move.mutate({ id: cluster.id, groupId })}
    >
      <TextField
        select
        label="Move to group"
        value={groupId}
        onChange={(e) => setGroupId(e.target.value)}
        helperText={choices.length || groups.isLoading ? " " : "You administer no other cluster group"}
      >
        {choices.map((g) => (
          <MenuItem key={g.id} value={g.id}>
            {g.name}
          </MenuItem>
        ))}
      </TextField>
      {preview.isFetching && <LinearProgress aria-label="Working out what the move changes" />}
      {p && (
        <div data-testid="move-preview">
          <Typography variant="subtitle2" component="h3">
            Access ({p.from.name} → {p.to.name})
          </Typography>
          {p.access.length ? (
            <List dense aria-label="Access that changes">
              {p.access.map((a) => (
                <ListItem key={a.subject} disableGutters>
                  <ListItemText
                    primary={a.subject}
                    secondary={`${a.after ? (a.before ? "changes" : "gains access") : "loses access"}: ${roleText(a.before)} → ${roleText(a.after)}`}
                  />
                </ListItem>
              ))}
            </List>
          ) : (
            <Typography variant="body2" color="text.secondary">
              Nobody gains or loses access (organization admins keep theirs).
            </Typography>
          )}
          <Typography variant="subtitle2" component="h3" sx={{ mt: 1 }}>
            Target locations
          </Typography>
          {p.locationsAdded.length || p.locationsRemoved.length || p.locationsReadOnly.length ? (
            <List dense aria-label="Target locations that change">
              {p.locationsAdded.map((l) => (
                <ListItem key={l.id} disableGutters>
                  <ListItemText
                    primary={`${l.name}: added`}
                    secondary="Its BackupStorageLocation and storage keys are written to the cluster"
                  />
                </ListItem>
              ))}
              {p.locationsRemoved.map((l) => (
                <ListItem key={l.id} disableGutters>
                  <ListItemText
                    primary={`${l.name}: removed`}
                    secondary="Its BackupStorageLocation and keys leave the cluster; backups in the bucket stay"
                  />
                </ListItem>
              ))}
              {p.locationsReadOnly.map((l) => (
                <ListItem key={l.id} disableGutters>
                  <ListItemText
                    primary={`${l.name}: becomes read-only`}
                    secondary={
                      "The cluster keeps seeing its backups but stops writing there (one writer per bucket and " +
                      "prefix) until it is chosen as a writer in the new group: its backups and schedules there fail"
                    }
                  />
                </ListItem>
              ))}
            </List>
          ) : (
            <Typography variant="body2" color="text.secondary">
              The cluster keeps the same target locations.
            </Typography>
          )}
          {p.locationsAdded.length > 0 && (
            <Alert severity="info" sx={{ mt: 1 }}>
              Anyone who can read Secrets in Velero&apos;s namespace on {cluster.name} can read the added
              locations&apos; keys.
            </Alert>
          )}
        </div>
      )}
    </FormDialog>
  );
}
