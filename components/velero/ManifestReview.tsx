"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import LinearProgress from "@mui/material/LinearProgress";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemButton from "@mui/material/ListItemButton";
import ListItemText from "@mui/material/ListItemText";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { ErrorAlert } from "../common/ErrorAlert";
import { ManifestField } from "../common/ManifestField";

/**
 * What Velero's installer rendered, object by object, before anything is applied: the operator reads the YAML (and what
 * Lifeboat added that the installer has no flag for) and applies exactly these objects, or cancels.
 */
export function ManifestReview({
  clusterId,
  operationId,
  canApply,
  onClose,
}: {
  clusterId: string;
  operationId: string;
  canApply: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const q = useQuery(trpc.velero.operation.queryOptions({ clusterId, operationId }));
  const [shown, setShown] = useState(0);
  const done = async () => {
    await qc.invalidateQueries({ queryKey: trpc.velero.get.queryKey({ clusterId }) });
    onClose();
  };
  const approve = useMutation(trpc.velero.approve.mutationOptions({ onSuccess: done }));
  const cancel = useMutation(trpc.velero.cancel.mutationOptions({ onSuccess: done }));
  const op = q.data;
  const objects = op?.objects ?? [];
  const current = objects[shown];
  const label = (o: (typeof objects)[number]) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
  return (
    <Dialog open onClose={onClose} maxWidth="lg" fullWidth aria-labelledby="manifest-review-title">
      <DialogTitle id="manifest-review-title">Review what Velero&apos;s installer rendered</DialogTitle>
      <DialogContent>
        <ErrorAlert error={q.error ?? approve.error ?? cancel.error} />
        {q.isLoading && <LinearProgress aria-label="Loading what the installer rendered" />}
        {op && (
          <Stack spacing={2}>
            <Typography variant="body2">
              {op.installerImage} rendered {objects.length} objects. Lifeboat applies them with server-side apply (field
              manager lifeboat-velero): the CustomResourceDefinitions first, then the namespace and RBAC, then
              Velero&apos;s server and node-agent.
            </Typography>
            {op.installerMessages.length > 0 && (
              <Alert severity="info" data-testid="installer-messages">
                The installer said: {op.installerMessages.join(" ")}
              </Alert>
            )}
            {op.phase !== "REVIEW" && (
              <Alert severity="info">
                This operation is {op.phase.toLowerCase().replace("_", " ")}: the review is read-only.
              </Alert>
            )}
            <Stack direction={{ xs: "column", md: "row" }} spacing={2}>
              <List
                dense
                aria-label="Rendered objects"
                sx={{ minWidth: 320, maxHeight: 480, overflow: "auto" }}
                data-testid="rendered-objects"
              >
                {objects.map((o, i) => (
                  <ListItem key={label(o)} disablePadding>
                    <ListItemButton selected={i === shown} onClick={() => setShown(i)}>
                      <ListItemText
                        primary={label(o)}
                        secondary={o.fromOverlay.length > 1 ? "with Lifeboat's additions" : undefined}
                      />
                    </ListItemButton>
                  </ListItem>
                ))}
              </List>
              {current && (
                <Stack spacing={1} sx={{ flex: 1, minWidth: 0 }}>
                  {current.fromOverlay.length > 0 && (
                    <Stack direction="row" spacing={0.5} sx={{ flexWrap: "wrap" }} useFlexGap>
                      <Typography variant="caption">Added by Lifeboat:</Typography>
                      {current.fromOverlay.map((f) => (
                        <Chip key={f} size="small" variant="outlined" label={f} />
                      ))}
                    </Stack>
                  )}
                  <ManifestField label={label(current)} value={current.yaml} minRows={16} maxRows={24} />
                </Stack>
              )}
            </Stack>
          </Stack>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
        {canApply && op?.phase === "REVIEW" && (
          <>
            <Button
              color="error"
              disabled={cancel.isPending || approve.isPending}
              onClick={() => cancel.mutate({ clusterId, operationId })}
            >
              Cancel the install
            </Button>
            <Button
              variant="contained"
              disabled={approve.isPending || cancel.isPending || !op.renderedDigest}
              onClick={() => approve.mutate({ clusterId, operationId, digest: op.renderedDigest! })}
            >
              {approve.isPending ? "Applying…" : `Apply ${objects.length} objects`}
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
