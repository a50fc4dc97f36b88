"use client";
import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip, { type ChipProps } from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import type { AppRouter } from "@/server/routers/_app";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { ErrorAlert } from "../common/ErrorAlert";
import { RelativeTime } from "../common/RelativeTime";

// The CloudFormation stacks of managed target locations (#11 §1) while they are not (yet) a location: being created,
// being finished (Velero's key made and checked), failed, or being deleted. Their status and events come live: the
// managed-stacks reconciler publishes the "locations" topic as it reads CloudFormation. Admins only (location.stacks
// needs location.create); a READY stack is its location's card, which says where it came from (ProvisionedBy).

export type StackRow = inferRouterOutputs<AppRouter>["location"]["stacks"][number];
type Phase = StackRow["phase"];

const EVENTS_SHOWN = 10;

const PHASE: Record<Phase, { label: string; color: NonNullable<ChipProps["color"]>; busy: boolean }> = {
  PROVISIONING: { label: "Provisioning", color: "info", busy: true },
  FINISHING: { label: "Finishing: making Velero's key", color: "info", busy: true },
  READY: { label: "Ready", color: "success", busy: false },
  FAILED: { label: "Failed", color: "error", busy: false },
  DELETING: { label: "Deleting", color: "warning", busy: true },
  DELETED: { label: "Deleted", color: "default", busy: false },
};

/** The stacks this panel shows: every one that is not (or no longer) its ready location's. */
export const pendingStacks = (stacks: StackRow[]) =>
  stacks.filter((s) => s.phase !== "DELETED" && !(s.phase === "READY" && s.locationId));

/** Why a stack failed: "<LogicalId> (<Type>) <status>: <reason>", or the reason alone. */
export function failureText(f: NonNullable<StackRow["failure"]>): string {
  const where = [f.logicalId, f.resourceType && `(${f.resourceType})`, f.status].filter(Boolean).join(" ");
  const reason = f.reason || "no reason given";
  return where ? `${where}: ${reason}` : reason;
}

/** The row being dismissed (a failed stack, or a kept bucket), and the mutation that forgets it. */
export function useDismissStack() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [dismissing, setDismissing] = useState<StackRow | null>(null);
  const dismiss = useMutation(
    trpc.location.dismissStack.mutationOptions({
      onSuccess: async () => {
        setDismissing(null);
        await qc.invalidateQueries({ queryKey: trpc.location.stacks.queryKey() });
      },
    }),
  );
  return { dismissing, setDismissing, dismiss };
}

export function StacksPanel({ stacks }: { stacks: StackRow[] }) {
  const { dismissing, setDismissing, dismiss } = useDismissStack();
  const shown = pendingStacks(stacks);
  if (!shown.length) return null;
  return (
    <Box component="section" aria-labelledby="managed-stacks-title" sx={{ mb: 3 }}>
      <Typography id="managed-stacks-title" variant="h6" component="h2" sx={{ mb: 1 }}>
        Managed stacks
      </Typography>
      <Stack spacing={2}>
        {shown.map((s) => (
          <StackCard
            key={s.id}
            stack={s}
            onDismiss={() => {
              dismiss.reset();
              setDismissing(s);
            }}
          />
        ))}
      </Stack>
      <ConfirmDialog
        open={Boolean(dismissing)}
        title={`Dismiss ${dismissing?.name ?? ""}?`}
        confirmLabel="Dismiss"
        destructive
        busy={dismiss.isPending}
        onClose={() => setDismissing(null)}
        onConfirm={() => dismissing && dismiss.mutate({ id: dismissing.id })}
      >
        <ErrorAlert error={dismiss.error} />
        Lifeboat forgets this failed provisioning. CloudFormation keeps a failed stack until it is deleted in the
        account: delete the stack {dismissing?.stackName} in {dismissing?.region} there (and check for a bucket or KMS
        key its rollback kept); Lifeboat does not.
      </ConfirmDialog>
    </Box>
  );
}

function StackCard({ stack: s, onDismiss }: { stack: StackRow; onDismiss: () => void }) {
  const phase = PHASE[s.phase];
  const events = s.events.slice(0, EVENTS_SHOWN);
  return (
    <Paper variant="outlined" sx={{ p: 2 }} data-testid={`stack-card-${s.name}`}>
      <Box sx={{ display: "flex", gap: 1, alignItems: "flex-start", flexWrap: "wrap" }}>
        <Box sx={{ flex: 1, minWidth: 260 }}>
          <Box sx={{ display: "flex", gap: 1, alignItems: "center", flexWrap: "wrap" }}>
            <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 500 }}>
              {s.name}
            </Typography>
            <Chip size="small" color={phase.color} label={phase.label} data-testid={`stack-phase-${s.name}`} />
            {s.stackStatus && <Chip size="small" variant="outlined" label={s.stackStatus} />}
          </Box>
          <Typography variant="body2" color="text.secondary">
            Stack {s.stackName} ({s.region}) · account credential {s.accountCredential} · template v{s.templateVersion}{" "}
            · started <RelativeTime date={s.createdAt} />
          </Typography>
          {s.outputs.BucketName && (
            <Typography variant="body2" color="text.secondary">
              Bucket {s.outputs.BucketName}
              {s.outputs.VeleroUserName ? ` · Velero user ${s.outputs.VeleroUserName}` : ""}
              {s.outputs.KmsKeyArn ? ` · KMS key ${s.outputs.KmsKeyArn}` : ""}
            </Typography>
          )}
          {/* A reason on a stack still being worked on is the last attempt's trouble; the reconciler tries again. */}
          {s.statusReason && s.phase !== "FAILED" && (
            <Typography variant="caption" color="text.secondary" component="p">
              {s.statusReason}
            </Typography>
          )}
        </Box>
        {s.phase === "FAILED" && (
          <Button size="small" color="error" onClick={onDismiss}>
            Dismiss
          </Button>
        )}
      </Box>
      {phase.busy && <LinearProgress sx={{ mt: 1 }} aria-label={`${phase.label} ${s.name}`} />}
      {(s.failure || (s.phase === "FAILED" && s.statusReason)) && (
        <Alert severity="error" sx={{ mt: 1.5 }} data-testid={`stack-failure-${s.name}`}>
          {s.failure ? failureText(s.failure) : s.statusReason}
        </Alert>
      )}
      {events.length > 0 ? (
        <Box sx={{ mt: 1.5, overflowX: "auto" }}>
          <Table size="small" aria-label={`Events of ${s.name}`}>
            <TableHead>
              <TableRow>
                <TableCell>Time</TableCell>
                <TableCell>Logical id</TableCell>
                <TableCell>Type</TableCell>
                <TableCell>Status</TableCell>
                <TableCell>Reason</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {events.map((e) => (
                <TableRow key={e.id}>
                  <TableCell sx={{ whiteSpace: "nowrap" }}>
                    <time dateTime={e.timestamp.toISOString()} suppressHydrationWarning>
                      {e.timestamp.toLocaleTimeString()}
                    </time>
                  </TableCell>
                  <TableCell>{e.logicalId}</TableCell>
                  <TableCell>{e.resourceType}</TableCell>
                  <TableCell>{e.status}</TableCell>
                  <TableCell>{e.reason ?? ""}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      ) : (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
          No stack events yet.
        </Typography>
      )}
    </Paper>
  );
}

/**
 * On a location's card: the stack it came from, for a location Lifeboat provisioned (admins only: stacks are theirs
 * to see), or nothing.
 */
export function ProvisionedBy({
  location,
  stacks,
}: {
  location: {
    id: string;
    name: string;
    managedStack: { mode: "LIFEBOAT" | "OPERATOR"; stackName: string; region: string; templateVersion: string } | null;
  };
  stacks: StackRow[] | undefined;
}) {
  const m = location.managedStack;
  if (!m) return null;
  // The bucket's name is in the stack's outputs, which only admins read; everyone sees the stack itself.
  const stack = stacks?.find((x) => x.locationId === location.id);
  const bucket = stack?.outputs.BucketName;
  return (
    <Typography variant="body2" color="text.secondary" component="p" data-testid={`provisioned-by-${location.name}`}>
      {m.mode === "LIFEBOAT" ? "Provisioned by Lifeboat" : "Connected stack"} · stack {m.stackName} ({m.region}) ·
      template v{m.templateVersion}
      {bucket ? ` · bucket ${bucket}` : ""}
      {stack?.rotationPending
        ? " · key rotation rolling out: the old key is retired once every cluster holds the new one"
        : ""}
    </Typography>
  );
}
