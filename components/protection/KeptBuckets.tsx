"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Skeleton from "@mui/material/Skeleton";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { emptyKeptBucketInput } from "@/lib/schemas/managed-locations";
import { formErrorMap } from "@/lib/forms/server-errors";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { ErrorAlert } from "../common/ErrorAlert";
import { FormDialog } from "../common/FormDialog";
import { FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";
import { useDismissStack, type StackRow } from "./StacksPanel";

// The buckets deleted managed locations kept (#11 §1 lifecycle): deleting a location keeps its bucket and backups
// (DeletionPolicy Retain). Here an admin empties and deletes one, behind a typed confirmation that names the number of
// backups it destroys (read from the bucket when the dialog opens), or dismisses it (the bucket stays in the account).
// Progress comes live: the reconciler publishes the "locations" topic after each step.

/** The rows with a kept bucket still in the account (kept, or being emptied). */
export const keptBuckets = (stacks: StackRow[]) =>
  stacks.filter((s) => !s.locationId && (s.bucket?.phase === "RETAINED" || s.bucket?.phase === "EMPTYING"));

export function KeptBuckets({ stacks, canDelete }: { stacks: StackRow[]; canDelete: boolean }) {
  const [emptying, setEmptying] = useState<StackRow | null>(null);
  const { dismissing, setDismissing, dismiss } = useDismissStack();
  const shown = keptBuckets(stacks);
  if (!shown.length) return null;
  return (
    <Box component="section" aria-labelledby="kept-buckets-title" sx={{ mb: 3 }}>
      <Typography id="kept-buckets-title" variant="h6" component="h2" sx={{ mb: 1 }}>
        Kept buckets
      </Typography>
      <Stack spacing={2}>
        {shown.map((s) => (
          <KeptBucketCard
            key={s.id}
            stack={s}
            canDelete={canDelete}
            onEmpty={() => setEmptying(s)}
            onDismiss={() => {
              dismiss.reset();
              setDismissing(s);
            }}
          />
        ))}
      </Stack>
      {emptying && <EmptyBucketDialog stack={emptying} onClose={() => setEmptying(null)} />}
      <ConfirmDialog
        open={Boolean(dismissing)}
        title={`Dismiss the bucket ${dismissing?.outputs.BucketName ?? ""}?`}
        confirmLabel="Dismiss"
        busy={dismiss.isPending}
        onClose={() => setDismissing(null)}
        onConfirm={() => dismissing && dismiss.mutate({ id: dismissing.id })}
      >
        <ErrorAlert error={dismiss.error} />
        Lifeboat stops listing this bucket; the bucket and its backups stay in the account, untouched. Delete it there
        when its backups are no longer needed.
      </ConfirmDialog>
    </Box>
  );
}

function KeptBucketCard({
  stack: s,
  canDelete,
  onEmpty,
  onDismiss,
}: {
  stack: StackRow;
  canDelete: boolean;
  onEmpty: () => void;
  onDismiss: () => void;
}) {
  const bucket = s.outputs.BucketName;
  const busy = s.bucket?.phase === "EMPTYING";
  return (
    <Paper variant="outlined" sx={{ p: 2 }} data-testid={`kept-bucket-${s.name}`}>
      <Box sx={{ display: "flex", gap: 1, alignItems: "flex-start", flexWrap: "wrap" }}>
        <Box sx={{ flex: 1, minWidth: 260 }}>
          <Box sx={{ display: "flex", gap: 1, alignItems: "center", flexWrap: "wrap" }}>
            <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 500, wordBreak: "break-all" }}>
              {bucket}
            </Typography>
            <Chip
              size="small"
              color={busy ? "warning" : "default"}
              label={busy ? "Emptying" : "Kept"}
              data-testid={`kept-bucket-phase-${s.name}`}
            />
          </Box>
          <Typography variant="body2" color="text.secondary">
            Kept from the deleted location {s.name} · {s.region} · account credential {s.accountCredential}
            {s.outputs.KmsKeyArn ? ` · KMS key ${s.outputs.KmsKeyArn} (stays)` : ""}
          </Typography>
          {busy && (
            <Typography variant="body2" data-testid={`kept-bucket-progress-${s.name}`}>
              {s.bucket!.objectsDeleted} object versions deleted so far
              {s.bucket!.backups !== null ? ` (the bucket held ${s.bucket!.backups} backups)` : ""}
            </Typography>
          )}
          {s.statusReason && (
            <Typography variant="caption" color="text.secondary" component="p">
              {s.statusReason}
            </Typography>
          )}
        </Box>
        {canDelete && !busy && (
          <Stack direction="row" spacing={1}>
            <Button size="small" onClick={onDismiss}>
              Dismiss
            </Button>
            <Button
              size="small"
              color="error"
              onClick={onEmpty}
              aria-label={`Empty and delete the bucket of ${s.name}`}
            >
              Empty and delete…
            </Button>
          </Stack>
        )}
      </Box>
      {busy && <LinearProgress sx={{ mt: 1 }} aria-label={`Emptying the bucket of ${s.name}`} />}
    </Paper>
  );
}

/**
 * The typed confirmation: what the bucket holds now (backups, object lock), then its name typed. The number of backups
 * shown goes with the request; if the bucket holds another number by then, nothing is deleted and the dialog says so.
 */
function EmptyBucketDialog({ stack, onClose }: { stack: StackRow; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const contents = useQuery({ ...trpc.location.keptBucket.queryOptions({ id: stack.id }), staleTime: 0, gcTime: 0 });
  const bucket = stack.outputs.BucketName;
  const form = useForm({
    resolver: zodResolver(
      emptyKeptBucketInput.refine((v) => v.confirmBucket.trim() === bucket, {
        path: ["confirmBucket"],
        message: `Type ${bucket} exactly`,
      }),
      { error: formErrorMap },
    ),
    defaultValues: { id: stack.id, confirmBucket: "", backups: 0 },
  });
  const empty = useMutation(
    trpc.location.emptyKeptBucket.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.location.stacks.queryKey() });
        onClose();
      },
    }),
  );
  const c = contents.data;
  const ready = Boolean(c && !c.refusal);
  return (
    <FormDialog
      open
      title={`Empty and delete the bucket ${bucket}?`}
      submitLabel={empty.isPending ? "Starting…" : "Empty and delete bucket"}
      busy={empty.isPending || !ready}
      error={formError(form.formState.errors) ?? contents.error}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => empty.mutateAsync({ ...v, backups: c!.backups }))}
    >
      {contents.isPending && (
        <Box role="status" aria-label="Counting the backups in the bucket">
          <Skeleton width="80%" />
          <Skeleton width="60%" />
        </Box>
      )}
      {c && (
        <Typography data-testid="empty-bucket-summary">
          This permanently deletes{" "}
          <strong>
            {c.backups} Velero {c.backups === 1 ? "backup" : "backups"}
          </strong>{" "}
          and every other object and version in {c.bucket} ({c.region}), then the bucket itself. No cluster can restore
          from them afterwards. It cannot be undone.
        </Typography>
      )}
      {c?.lock?.mode === "GOVERNANCE" && (
        <Alert severity="warning">
          The bucket has object lock in GOVERNANCE mode ({c.lock.days ?? c.lock.years} {c.lock.days ? "days" : "years"}
          ): Lifeboat bypasses that retention to delete the backups (the account credential needs
          s3:BypassGovernanceRetention).
        </Alert>
      )}
      {c?.refusal && (
        <Alert severity="error" data-testid="empty-bucket-refusal">
          {c.refusal}
        </Alert>
      )}
      {ready && (
        <FormTextField
          control={form.control}
          name="confirmBucket"
          label="Type the bucket's name to confirm"
          autoComplete="off"
          slotProps={{ htmlInput: { spellCheck: false } }}
        />
      )}
    </FormDialog>
  );
}
