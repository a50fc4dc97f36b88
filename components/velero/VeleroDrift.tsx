"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import LinearProgress from "@mui/material/LinearProgress";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { ErrorAlert } from "../common/ErrorAlert";
import { RelativeTime } from "../common/RelativeTime";
import { changeLabel, objectName } from "./change-summary";
import { DiffLegend, ObjectDiff } from "./ObjectDiff";

/**
 * Drift: Velero's objects on the cluster against what Lifeboat applied last (someone edited them by hand), checked when
 * the section opens and again on request (it reads the cluster), and put back by a repair after a confirmation.
 */
export function VeleroDrift({ clusterId, canRepair }: { clusterId: string; canRepair: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  // Asked at once: a hand edit shows without anyone looking for it.
  const [asked, setAsked] = useState(true);
  const [confirm, setConfirm] = useState(false);
  // Read when shown and on request: not refetched on every change pushed for Velero, nor on focus, nor kept once closed.
  const q = useQuery({
    ...trpc.velero.drift.queryOptions({ clusterId }),
    enabled: asked,
    staleTime: 0,
    gcTime: 0,
    refetchOnWindowFocus: false,
    meta: { live: false },
  });
  const repair = useMutation(
    trpc.velero.repair.mutationOptions({
      onSuccess: async () => {
        setConfirm(false);
        setAsked(false);
        await qc.invalidateQueries({ queryKey: trpc.velero.get.queryKey({ clusterId }) });
      },
      // The error shows in the section, under the check.
      onError: () => setConfirm(false),
    }),
  );
  const d = asked && !q.isFetching ? q.data : undefined;
  // The button stays enabled while a check runs (a second click waits for it): one that turns disabled and back on
  // as the check opens the section would fade its colours in and out under the reader's eyes.
  const check = () => {
    if (q.isFetching) return;
    if (asked) void q.refetch();
    else setAsked(true);
  };
  return (
    <Box
      component="section"
      aria-labelledby="velero-drift-title"
      data-testid="velero-drift"
      data-drifted={d ? String(d.drifted) : undefined}
      sx={{ mt: 2 }}
    >
      <Stack direction="row" spacing={1} sx={{ alignItems: "center", mb: 1 }}>
        <Typography variant="subtitle1" component="h3" id="velero-drift-title">
          Drift
        </Typography>
        <Button size="small" variant="outlined" onClick={check} aria-busy={q.isFetching}>
          {asked ? "Check again" : "Check for drift"}
        </Button>
      </Stack>
      {!d && !q.isFetching && !q.error && (
        <Typography variant="body2" color="text.secondary">
          Compares Velero&apos;s namespace, service account, binding, server and node-agent on the cluster with what
          Lifeboat applied, field by field.
        </Typography>
      )}
      {q.isFetching && <LinearProgress aria-label="Checking for drift" />}
      <ErrorAlert error={asked ? (q.error ?? repair.error) : repair.error} />
      {d && d.checkedAt === null && (
        <Alert severity="info" data-testid="velero-drift-result">
          Lifeboat has no record of what it applied on this cluster to compare with.
        </Alert>
      )}
      {d && d.checkedAt && !d.drifted && (
        <Alert severity="success" data-testid="velero-drift-result">
          Velero&apos;s objects match what Lifeboat applied (checked <RelativeTime date={d.checkedAt} />
          ).
        </Alert>
      )}
      {d && d.checkedAt && d.drifted && (
        <Stack spacing={2}>
          <Alert
            severity="warning"
            data-testid="velero-drift-result"
            action={
              canRepair ? (
                <Button color="inherit" size="small" onClick={() => setConfirm(true)}>
                  Put it back
                </Button>
              ) : undefined
            }
          >
            {d.objects.length} of Velero&apos;s objects differ from what Lifeboat applied (checked{" "}
            <RelativeTime date={d.checkedAt} />
            ): someone changed them on the cluster.
            <Box component="ul" sx={{ m: 0, mt: 0.5, pl: 2.5 }}>
              {d.objects.map((o) => (
                <li key={objectName(o)}>
                  {objectName(o)}: {changeLabel(o.change, "drift")}
                </li>
              ))}
            </Box>
          </Alert>
          <DiffLegend context="drift" />
          {d.objects.map((o) => (
            <ObjectDiff key={objectName(o)} change={o} context="drift" />
          ))}
        </Stack>
      )}
      <ConfirmDialog
        open={confirm}
        title="Put back what Lifeboat applied?"
        confirmLabel="Put it back"
        destructive
        busy={repair.isPending}
        onConfirm={() => repair.mutate({ clusterId })}
        onClose={() => setConfirm(false)}
      >
        Lifeboat applies again the objects it applied last, as you approved them, without a new review: the changes made
        on the cluster ({d?.objects.map(objectName).join(", ")}) are undone. Velero&apos;s server and node-agent restart
        if their spec changed, which interrupts backups or restores running then.
      </ConfirmDialog>
    </Box>
  );
}
