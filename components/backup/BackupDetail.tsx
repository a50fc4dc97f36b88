"use client";
import { useEffect, useState } from "react";
import { useLiveInterval } from "@/components/common/LiveUpdates";
import dynamic from "next/dynamic";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import CircularProgress from "@mui/material/CircularProgress";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { LogsDialog } from "../common/LogsDialog";
import { describeTtl } from "@/lib/velero/duration";
import { isRestorable, isRunning, isTerminal } from "@/lib/velero/phases";
import { PageHeader } from "../common/PageHeader";
import { DetailsTable } from "../common/DetailsTable";
import { filterRows, when } from "../common/filter-rows";
import { ErrorAlert } from "../common/ErrorAlert";
import { DetailSkeleton } from "../common/LoadingSkeletons";
import { NotFoundState } from "../common/NotFoundState";
import { useMe } from "../common/useMe";
import { EMPTY_BACKUP_TEXT, isEmptyBackup, PhaseChip } from "../common/PhaseChip";
import { DeleteBackupDialog, deletable, deletionPending } from "./BackupsPage";
import { RestoreCheckDialog } from "../restore/RestoreCheckDialog";
import type { BackupVolume, ResultMessages } from "@/lib/schemas/backup";

// The wizard loads when first opened, not with the page (#10 §6).
const BackupWizard = dynamic(() => import("./BackupWizard").then((m) => m.BackupWizard), { ssr: false });

const method = (v: BackupVolume) =>
  v.skipped
    ? `Skipped: ${v.skippedReason ?? ""}`
    : v.backupMethod === "PodVolumeBackup"
      ? "File-system backup (kopia)"
      : v.backupMethod === "CSISnapshot"
        ? v.snapshotDataMoved
          ? "CSI snapshot + data movement"
          : "CSI snapshot (local)"
        : v.backupMethod || "Not covered";
const flatten = (r?: ResultMessages) => [
  ...(r?.velero ?? []).map((m) => ["velero", m]),
  ...(r?.cluster ?? []).map((m) => ["cluster", m]),
  ...Object.entries(r?.namespaces ?? {}).flatMap(([ns, ms]) => ms.map((m) => [ns, m])),
];

/** Shown instead of the backup once it is gone (deleted here, or by Velero's GC or backup sync), or was never there. */
function Gone({ name, deleted }: { name: string; deleted?: boolean }) {
  return (
    <NotFoundState
      kind="Backup"
      name={name}
      title={deleted ? `Backup “${name}” was deleted` : undefined}
      message={deleted ? "It no longer exists on the cluster." : undefined}
      back={{ href: "/backups", label: "Back to Backups" }}
      testId="backup-gone"
    />
  );
}

/**
 * What `velero backup describe --details` shows, plus the logs, fetched through DownloadRequests; the phase and any
 * deletion follow the read model live, until the backup is gone.
 */
export function BackupDetail({ clusterId, name }: { clusterId: string; name: string }) {
  const trpc = useTRPC();
  // Updates are pushed (LiveUpdates); polling only while the stream is down.
  const pushed = useLiveInterval(1000);
  const { can } = useMe();
  // While the backup runs the description is cheap (no downloads): refresh it each second for the volumes' progress.
  const q = useQuery({
    ...trpc.backup.get.queryOptions({ clusterId, name }),
    refetchInterval: (query) => (query.state.data && isRunning("Backup", query.state.data.phase) ? pushed : false),
  });
  // The cheap, live half: the backup's row in the read model (pushed; each second while the stream is down).
  const live = useQuery({ ...trpc.backup.list.queryOptions({ clusterId, name }), refetchInterval: pushed });
  const [showLogs, setShowLogs] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [checking, setChecking] = useState(false);
  const [wizard, setWizard] = useState(false);
  const router = useRouter();
  const qc = useQueryClient();
  // "Back up again" for a scheduled backup: a new run of its Schedule, then that backup's page.
  const runSchedule = useMutation(
    trpc.schedule.backupNow.mutationOptions({
      onSuccess: async (r) => {
        await qc.invalidateQueries({ queryKey: trpc.backup.pathKey() });
        router.push(`/backups/${clusterId}/${encodeURIComponent(r.name)}`);
      },
    }),
  );
  const logs = useQuery({ ...trpc.backup.logs.queryOptions({ clusterId, name }), enabled: showLogs });
  const row = live.data?.[0];
  const refetch = q.refetch;
  const describedPhase = q.data?.phase;
  const livePhase = row?.phase;
  // A new phase (Completed, Deleting …) brings new details: describe again once per change.
  useEffect(() => {
    if (livePhase && describedPhase && livePhase !== describedPhase) void refetch({ cancelRefetch: false });
  }, [livePhase, describedPhase, refetch]);
  if (q.isLoading) return <DetailSkeleton label="Loading the backup" />;
  if (q.data && live.isSuccess && !row) return <Gone name={name} deleted />;
  if (q.error?.data?.code === "NOT_FOUND" || (!q.error && !q.data)) return <Gone name={name} />;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  const b = q.data;
  const phase = row?.phase ?? b.phase;
  const deletion = row ? row.deletion : b.deletion;
  const canDelete = deletable(can, { phase, deletion, canDelete: row?.canDelete ?? b.canDelete });
  const volumes = b.volumes ?? [];
  const errors = flatten(b.results?.errors);
  const warnings = flatten(b.results?.warnings);
  const rows: [string, string][] = [
    ["Cluster", b.clusterName],
    ["Origin", b.origin],
    ["Phase", phase],
    ...filterRows(b.filters, "all"),
    ["Location", b.storageLocation ?? "—"],
    ["Retention (TTL)", b.ttl ? describeTtl(b.ttl) : "—"],
    [
      "File-system backup",
      b.defaultVolumesToFsBackup
        ? "every pod volume, except those opted out by annotation"
        : "only pods that opt in by annotation",
    ],
    ["Snapshots", b.snapshotVolumes === false ? "off" : "on"],
    ["Data movement", b.snapshotMoveData ? "snapshot data moved to the location" : "off"],
    ["Items", b.progress ? `${b.progress.itemsBackedUp ?? 0} of ${b.progress.totalItems ?? "?"}` : "—"],
    ["Started", when(b.startTimestamp)],
    ["Completed", when(b.completionTimestamp)],
    ["Expires", when(b.expiration)],
    ["Schedule", b.schedule ?? "—"],
  ];
  return (
    <>
      <PageHeader
        title={name}
        subtitle={`Backup on ${b.clusterName}`}
        actions={
          <>
            {b.again && can("backup.create") && (
              <Button
                variant="contained"
                disabled={runSchedule.isPending}
                onClick={() =>
                  b.again?.schedule ? runSchedule.mutate({ clusterId, name: b.again.schedule }) : setWizard(true)
                }
                title={
                  b.again.schedule
                    ? `Runs schedule ${b.again.schedule} now, as its "Back up now" does`
                    : `Opens a new backup of ${b.clusterName}`
                }
              >
                {runSchedule.isPending ? "Starting…" : "Back up again"}
              </Button>
            )}
            {can("restore.create") && (
              <Button
                variant="contained"
                component={Link}
                href={`/restores?backup=${clusterId}/${name}`}
                disabled={!isRestorable(phase)}
                title={isRestorable(phase) ? undefined : "Only Completed and PartiallyFailed backups can be restored"}
              >
                Restore…
              </Button>
            )}
            {can("restore.preflight") && isRestorable(phase) && (
              <Button variant="outlined" onClick={() => setChecking(true)}>
                Check a restore…
              </Button>
            )}
            <Button variant="outlined" onClick={() => setShowLogs(true)}>
              View logs
            </Button>
            {canDelete && (
              <Button variant="outlined" color="error" onClick={() => setConfirming(true)}>
                Delete
              </Button>
            )}
          </>
        }
      />
      {isEmptyBackup("Backup", phase, b.progress?.itemsBackedUp) && (
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="backup-empty">
          {EMPTY_BACKUP_TEXT}. Check its namespaces and selectors.
        </Alert>
      )}
      {deletionPending(phase, deletion) && (
        <Alert
          severity="warning"
          icon={<CircularProgress size={20} color="inherit" aria-label="Deleting" />}
          sx={{ mb: 2 }}
          data-testid="backup-deletion"
        >
          Deleting…{deletion ? ` DeleteBackupRequest ${deletion.requestName} is ${deletion.phase}.` : ""} Velero removes
          the backup&apos;s data in the bucket and its snapshots, then the backup itself.
        </Alert>
      )}
      {deletion && isTerminal("DeleteBackupRequest", deletion.phase) && deletion.errors.length > 0 && (
        <Alert severity="error" sx={{ mb: 2 }} data-testid="backup-deletion">
          Velero could not delete this backup (DeleteBackupRequest {deletion.requestName}):
          <ul style={{ margin: 0 }}>
            {deletion.errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        </Alert>
      )}
      <ErrorAlert error={runSchedule.error} />
      {b.failureReason && (
        <Alert severity="error" sx={{ mb: 2 }}>
          {b.failureReason}
        </Alert>
      )}
      {b.validationErrors.map((e) => (
        <Alert key={e} severity="error" sx={{ mb: 1 }}>
          {e}
        </Alert>
      ))}
      {b.downloadErrors.map((e) => (
        <Alert key={e} severity="warning" sx={{ mb: 1 }}>
          {e}
        </Alert>
      ))}
      <DetailsTable label="Backup spec and status" rows={rows} sx={{ mb: 3 }} />
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        Volumes
      </Typography>
      <Paper variant="outlined" sx={{ mb: 3 }}>
        <Table size="small" aria-label="Volumes">
          <TableHead>
            <TableRow>
              <TableCell>Volume</TableCell>
              <TableCell>Protected by</TableCell>
              <TableCell>Result</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {volumes.length === 0 &&
              b.volumes === null &&
              b.volumeWork.map((w) => (
                <TableRow key={w.volume} data-testid="volume-work">
                  <TableCell>{w.volume}</TableCell>
                  <TableCell>{w.method}</TableCell>
                  <TableCell>
                    {/* A PodVolumeBackup or a DataUpload: the two share their phases. */}
                    <PhaseChip kind="PodVolumeBackup" phase={w.phase} />
                    {w.totalBytes ? (
                      <LinearProgress
                        variant="determinate"
                        value={Math.round(((w.bytesDone ?? 0) / w.totalBytes) * 100)}
                        aria-label={`${w.volume} ${Math.round(((w.bytesDone ?? 0) / w.totalBytes) * 100)}%`}
                        sx={{ mt: 0.5 }}
                      />
                    ) : null}
                  </TableCell>
                </TableRow>
              ))}
            {volumes.length === 0 && (b.volumes !== null || b.volumeWork.length === 0) && (
              <TableRow>
                <TableCell colSpan={3}>
                  {b.volumes === null
                    ? "Per-volume results are available when the backup has finished."
                    : "No volumes in this backup."}
                </TableCell>
              </TableRow>
            )}
            {volumes.map((v, i) => (
              <TableRow key={i}>
                <TableCell>
                  {v.pvcName
                    ? `${v.pvcNamespace}/${v.pvcName}`
                    : `${v.pvbInfo?.podNamespace}/${v.pvbInfo?.podName} volume ${v.pvbInfo?.volumeName}`}
                </TableCell>
                <TableCell>{method(v)}</TableCell>
                <TableCell>
                  {v.skipped ? (
                    <Chip size="small" color="warning" label="skipped" />
                  ) : (
                    <Chip size="small" color={v.result === "failed" ? "error" : "success"} label={v.result ?? "—"} />
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Paper>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        Errors and warnings
      </Typography>
      <Paper variant="outlined" sx={{ mb: 3, p: 2 }}>
        {errors.length === 0 && warnings.length === 0 && (
          <Typography variant="body2" color="text.secondary">
            None.
          </Typography>
        )}
        {errors.map(([where, m], i) => (
          <Alert key={`e${i}`} severity="error" sx={{ mb: 1 }}>
            {where}: {m}
          </Alert>
        ))}
        {warnings.map(([where, m], i) => (
          <Alert key={`w${i}`} severity="warning" sx={{ mb: 1 }}>
            {where}: {m}
          </Alert>
        ))}
      </Paper>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        Resources
      </Typography>
      <Paper variant="outlined" sx={{ p: 2 }}>
        {Object.entries(b.resources ?? {}).map(([gvk, items]) => (
          <Typography key={gvk} variant="body2">
            <strong>{gvk}</strong>: {items.join(", ")}
          </Typography>
        ))}
        {!b.resources && (
          <Typography variant="body2" color="text.secondary">
            Available when the backup has finished.
          </Typography>
        )}
      </Paper>
      <LogsDialog open={showLogs} onClose={() => setShowLogs(false)} name={name} logs={logs} testId="backup-logs" />
      {checking && (
        <RestoreCheckDialog open onClose={() => setChecking(false)} source={{ clusterId, backupName: name }} />
      )}
      {wizard && <BackupWizard open onClose={() => setWizard(false)} clusterId={clusterId} />}
      <DeleteBackupDialog
        backup={
          confirming
            ? {
                clusterId,
                clusterName: b.clusterName,
                name,
                location: b.storageLocation,
              }
            : null
        }
        onClose={() => setConfirming(false)}
      />
    </>
  );
}
