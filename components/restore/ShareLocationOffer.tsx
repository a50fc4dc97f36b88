"use client";
import { useMutation } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import { useTRPC } from "@/lib/trpc/client";
import type { PreflightResult } from "@/lib/schemas/preflight";
import { ErrorAlert } from "../common/ErrorAlert";

// #14 §3: a restore into another cluster needs the target's Velero to see the backup, through the location it is
// stored in. When the target does not hold that location, offer to share it there ReadOnly (the target then restores
// from it and never writes or deletes there); when it does, Velero's backup sync is still to bring the backup.
export function ShareLocationOffer({ result }: { result: PreflightResult | undefined }) {
  const trpc = useTRPC();
  const assign = useMutation(trpc.location.assign.mutationOptions());
  const share = result?.share;
  if (!result || !share) return null;
  const mayShare = share.mayShare;
  if (share.onTarget && !share.applied && !assign.isSuccess)
    return (
      <Alert severity="warning" role="note" data-testid="share-not-applied">
        {result.clusterName} is assigned the location {share.locationName}, but Lifeboat has not applied it there yet:
        Target locations shows its status on {result.clusterName} (an error, or waiting for another cluster).
      </Alert>
    );
  if (share.onTarget || assign.isSuccess)
    return (
      <Alert severity="info" role="status" data-testid="share-waiting">
        {result.clusterName} holds the location {share.locationName}: Velero there lists its backups at its next backup
        sync (within a minute). Check again then.
      </Alert>
    );
  return (
    <>
      <Alert
        severity="info"
        role="note"
        data-testid="share-offer"
        action={
          mayShare ? (
            <Button
              color="inherit"
              size="small"
              disabled={assign.isPending}
              onClick={() =>
                assign.mutate({
                  locationId: share.locationId,
                  target: { kind: "cluster", id: result.clusterId },
                  readOnly: true,
                  writers: [],
                })
              }
            >
              {assign.isPending ? "Sharing…" : `Share ${share.locationName} read-only`}
            </Button>
          ) : undefined
        }
      >
        The backup is stored in {share.locationName}, which {result.clusterName} does not hold.{" "}
        {mayShare
          ? `Share it with ${result.clusterName} read-only: its Velero then sees the backups there and restores from them, ` +
            "but never writes or deletes there."
          : `An organization admin, or a cluster admin of ${result.clusterName} who administers every scope the ` +
            "location is shared with, can share it there read-only."}
      </Alert>
      <ErrorAlert error={assign.error} />
    </>
  );
}
