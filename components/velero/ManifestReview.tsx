"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
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
import Tab from "@mui/material/Tab";
import Tabs from "@mui/material/Tabs";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import type { VeleroOperationDetail } from "@/lib/schemas/velero";
import { ErrorAlert } from "../common/ErrorAlert";
import { ManifestField } from "../common/ManifestField";
import { changeSummary, objectName } from "./change-summary";
import { DiffLegend, ObjectDiff } from "./ObjectDiff";
import { reviewCopy } from "./operation-steps";

type Detail = VeleroOperationDetail;

/** Every rendered object, one at a time, as YAML (with what Lifeboat added that the installer has no flag for). */
function RenderedObjects({ objects }: { objects: Detail["objects"] }) {
  const [shown, setShown] = useState(0);
  const current = objects[shown];
  return (
    <Stack direction={{ xs: "column", md: "row" }} spacing={2}>
      <List
        dense
        aria-label="Rendered objects"
        sx={{ minWidth: 320, maxHeight: 480, overflow: "auto" }}
        data-testid="rendered-objects"
      >
        {objects.map((o, i) => (
          <ListItem key={objectName(o)} disablePadding>
            <ListItemButton selected={i === shown} onClick={() => setShown(i)}>
              <ListItemText
                primary={objectName(o)}
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
          <ManifestField label={objectName(current)} value={current.yaml} minRows={16} maxRows={24} />
        </Stack>
      )}
    </Stack>
  );
}

/** What applying changes on the cluster: a summary, each changed object's diff, the unchanged ones listed. */
function Changes({ changes }: { changes: Detail["changes"] }) {
  const changed = changes.filter((c) => c.change !== "same");
  const same = changes.filter((c) => c.change === "same");
  return (
    <Stack spacing={2}>
      <Alert severity={changed.length ? "info" : "success"} data-testid="velero-change-summary">
        {changeSummary(changes)}
      </Alert>
      {changed.length > 0 && <DiffLegend context="review" />}
      {changed.map((c) => (
        <ObjectDiff key={objectName(c)} change={c} context="review" heading="h3" />
      ))}
      {same.length > 0 && (
        <Box component="details" data-testid="velero-unchanged-objects">
          <Box component="summary" sx={{ cursor: "pointer", typography: "body2" }}>
            {same.length} unchanged object{same.length === 1 ? "" : "s"}
          </Box>
          <Box component="ul" sx={{ typography: "body2", mt: 0.5, mb: 0 }}>
            {same.map((c) => (
              <li key={objectName(c)}>{objectName(c)}</li>
            ))}
          </Box>
        </Box>
      )}
    </Stack>
  );
}

function intro(op: Detail): string {
  const n = op.objects.length;
  if (op.kind === "INSTALL")
    return (
      `${op.installerImage} rendered ${n} objects. Lifeboat applies them with server-side apply (field manager ` +
      "lifeboat-velero): the CustomResourceDefinitions first, then the namespace and RBAC, then Velero's server and " +
      "node-agent."
    );
  return (
    `${op.installerImage ?? "Velero's installer"} rendered ${n} objects for Velero ${op.version}; below is what ` +
    "applying them changes on the cluster (only the fields Lifeboat sets). Lifeboat applies them with server-side " +
    "apply (field manager lifeboat-velero), taking over the fields it sets: the CustomResourceDefinitions first, " +
    "then the namespace and RBAC, then Velero's server and node-agent, which restart if they change."
  );
}

/**
 * What Velero's installer rendered, before anything is applied: for an install every object as YAML; for a settings
 * change, an upgrade or a take-over first what changes on the cluster (a diff per object), the YAML a tab away. The
 * operator applies exactly these objects (their digest), or cancels.
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
  const [tab, setTab] = useState<"changes" | "objects">("changes");
  const done = async () => {
    await qc.invalidateQueries({ queryKey: trpc.velero.get.queryKey({ clusterId }) });
    onClose();
  };
  const approve = useMutation(trpc.velero.approve.mutationOptions({ onSuccess: done }));
  const cancel = useMutation(trpc.velero.cancel.mutationOptions({ onSuccess: done }));
  const op = q.data;
  const objects = op?.objects ?? [];
  const hasChanges = (op?.changes.length ?? 0) > 0;
  const copy = reviewCopy(op?.kind ?? "INSTALL", op?.version ?? "", objects.length);
  return (
    <Dialog open onClose={onClose} maxWidth="lg" fullWidth aria-labelledby="manifest-review-title">
      <DialogTitle id="manifest-review-title">
        {op ? copy.title : "Review what Velero's installer rendered"}
      </DialogTitle>
      <DialogContent>
        <ErrorAlert error={q.error ?? approve.error ?? cancel.error} />
        {q.isLoading && <LinearProgress aria-label="Loading what the installer rendered" />}
        {op && (
          <Stack spacing={2}>
            <Typography variant="body2">{intro(op)}</Typography>
            {op.kind === "TAKE_OVER" && (
              <Alert severity="warning">
                Taking over replaces whatever the previous installer set differently, as the diff shows. From then on
                Lifeboat manages this Velero.
              </Alert>
            )}
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
            {hasChanges ? (
              <>
                <Tabs value={tab} onChange={(_, v: "changes" | "objects") => setTab(v)} aria-label="Review">
                  <Tab
                    value="changes"
                    label="What changes"
                    id="review-tab-changes"
                    aria-controls="review-panel-changes"
                  />
                  <Tab
                    value="objects"
                    label={`All ${objects.length} objects (YAML)`}
                    id="review-tab-objects"
                    aria-controls="review-panel-objects"
                  />
                </Tabs>
                <Box
                  role="tabpanel"
                  id="review-panel-changes"
                  aria-labelledby="review-tab-changes"
                  hidden={tab !== "changes"}
                >
                  <Changes changes={op.changes} />
                </Box>
                <Box
                  role="tabpanel"
                  id="review-panel-objects"
                  aria-labelledby="review-tab-objects"
                  hidden={tab !== "objects"}
                >
                  <RenderedObjects objects={objects} />
                </Box>
              </>
            ) : (
              <RenderedObjects objects={objects} />
            )}
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
              {copy.cancel}
            </Button>
            <Button
              variant="contained"
              disabled={approve.isPending || cancel.isPending || !op.renderedDigest}
              onClick={() => approve.mutate({ clusterId, operationId, digest: op.renderedDigest! })}
            >
              {approve.isPending ? "Applying…" : copy.apply}
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
