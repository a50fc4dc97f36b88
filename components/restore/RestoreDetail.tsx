"use client";
import { useState } from "react";
import { useLiveInterval } from "@/components/common/LiveUpdates";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
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
import { isTerminal } from "@/lib/velero/phases";
import { PageHeader } from "../common/PageHeader";
import { DetailsTable } from "../common/DetailsTable";
import { filterRows, when } from "../common/filter-rows";
import { ErrorAlert } from "../common/ErrorAlert";
import { DetailSkeleton } from "../common/LoadingSkeletons";
import { NotFoundState } from "../common/NotFoundState";
import { RelativeTime } from "../common/RelativeTime";
import { PhaseChip } from "../common/PhaseChip";
import type { ResultMessages } from "@/lib/schemas/backup";
import { PredictionTable } from "./PreflightPanel";

/** Where each message is from: Velero itself, cluster-scoped items, or a namespace. */
function byPlace(m: ResultMessages | undefined): [string, string[]][] {
  return [
    ...(m?.velero?.length ? [["Velero", m.velero] as [string, string[]]] : []),
    ...(m?.cluster?.length ? [["Cluster-scoped resources", m.cluster] as [string, string[]]] : []),
    ...Object.entries(m?.namespaces ?? {}).map(([ns, ms]) => [`Namespace ${ns}`, ms] as [string, string[]]),
  ];
}

/** What `velero restore describe` shows: the options in words, progress, errors and warnings per namespace, and logs. */
export function RestoreDetail({ clusterId, name }: { clusterId: string; name: string }) {
  const trpc = useTRPC();
  // Updates are pushed (LiveUpdates); polling only while the stream is down.
  const live = useLiveInterval(1000);
  const q = useQuery({
    ...trpc.restore.get.queryOptions({ clusterId, name }),
    refetchInterval: (query) => (query.state.data && isTerminal("Restore", query.state.data.phase) ? false : live),
  });
  const [showLogs, setShowLogs] = useState(false);
  const logs = useQuery({ ...trpc.restore.logs.queryOptions({ clusterId, name }), enabled: showLogs });
  if (q.isLoading) return <DetailSkeleton label="Loading the restore" />;
  if (q.error?.data?.code === "NOT_FOUND" || (!q.error && !q.data))
    return <NotFoundState kind="Restore" name={name} back={{ href: "/restores", label: "Back to Restores" }} />;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  const r = q.data;
  const mapping = Object.entries(r.namespaceMapping);
  const terminal = isTerminal("Restore", r.phase);
  const rows: [string, React.ReactNode][] = [
    ["Into cluster", r.clusterName],
    [
      "From backup",
      r.backupName ? (
        <Link href={`/backups/${clusterId}/${encodeURIComponent(r.backupName)}`}>
          <code>{r.backupName}</code>
        </Link>
      ) : r.scheduleName ? (
        `the latest backup of ${r.scheduleName}`
      ) : (
        "—"
      ),
    ],
    ["Phase", <PhaseChip key="p" kind="Restore" phase={r.phase} testId="restore-phase" />],
    ...filterRows(r.filters, "all in the backup"),
    ["Namespace mapping", mapping.length ? mapping.map(([a, b]) => `${a} → ${b}`).join(", ") : "—"],
    ["Volume data", r.restorePVs === false ? "not restored" : "restored"],
    [
      "Objects that already exist",
      r.existingResourcePolicy === "update" ? "updated to their backed-up state" : "left as they are",
    ],
    ["Items", r.progress ? `${r.progress.itemsRestored ?? 0} of ${r.progress.totalItems ?? "?"}` : "—"],
    ["Started", when(r.startTimestamp)],
    ["Completed", when(r.completionTimestamp)],
    ["Errors / warnings", `${r.errors} / ${r.warnings}`],
  ];
  const pct = r.progress?.totalItems
    ? Math.round(((r.progress.itemsRestored ?? 0) / r.progress.totalItems) * 100)
    : null;
  const errors = byPlace(r.results?.errors);
  const warnings = byPlace(r.results?.warnings);
  return (
    <>
      <PageHeader
        title={name}
        subtitle={`Restore into ${r.clusterName}`}
        actions={
          <Button variant="outlined" onClick={() => setShowLogs(true)} disabled={!terminal}>
            View logs
          </Button>
        }
      />
      {r.clusterState === "DISCONNECTED" && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          {r.clusterName} is disconnected: this is its last-known state, seen <RelativeTime date={r.observedAt} />.
        </Alert>
      )}
      {r.failureReason && (
        <Alert severity="error" sx={{ mb: 2 }}>
          {r.failureReason}
        </Alert>
      )}
      {r.validationErrors.map((e) => (
        <Alert key={e} severity="error" sx={{ mb: 1 }}>
          {e}
        </Alert>
      ))}
      {r.downloadError && (
        <Alert severity="warning" sx={{ mb: 1 }}>
          Errors and warnings could not be fetched: {r.downloadError}
        </Alert>
      )}
      {!terminal && pct !== null && (
        <LinearProgress variant="determinate" value={pct} aria-label={`${pct}%`} sx={{ mb: 2 }} />
      )}
      <DetailsTable label="Restore spec and status" rows={rows} sx={{ mb: 3 }} />
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        Errors and warnings
      </Typography>
      <Paper variant="outlined" sx={{ mb: 3 }}>
        <Table size="small" aria-label="Errors and warnings">
          <TableHead>
            <TableRow>
              <TableCell>Where</TableCell>
              <TableCell>Kind</TableCell>
              <TableCell>Message</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {!terminal && (
              <TableRow>
                <TableCell colSpan={3}>Available when the restore has finished.</TableCell>
              </TableRow>
            )}
            {terminal && errors.length === 0 && warnings.length === 0 && (
              <TableRow>
                <TableCell colSpan={3}>{r.results ? "None." : "No results were found for this restore."}</TableCell>
              </TableRow>
            )}
            {[
              ...errors.map(([w, ms]) => ms.map((m) => ["error", w, m])),
              ...warnings.map(([w, ms]) => ms.map((m) => ["warning", w, m])),
            ]
              .flat()
              .map(([kind, where, m], i) => (
                <TableRow key={i}>
                  <TableCell>{where}</TableCell>
                  <TableCell>
                    <Chip size="small" color={kind === "error" ? "error" : "warning"} label={kind} />
                  </TableCell>
                  <TableCell>{m}</TableCell>
                </TableRow>
              ))}
          </TableBody>
        </Table>
      </Paper>
      {r.prediction && (
        <>
          <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
            Predicted and actual
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            What the pre-flight check predicted when the restore was created
            {!terminal
              ? "; what it did shows when it has finished"
              : r.outcome
                ? ", beside what the restore did (its resource list)"
                : "; what the restore did could not be read (see above)"}
            .
          </Typography>
          <PredictionTable
            prediction={r.prediction}
            outcome={terminal ? r.outcome : null}
            caption="Predicted and actual outcome per namespace and kind"
          />
        </>
      )}
      <LogsDialog open={showLogs} onClose={() => setShowLogs(false)} name={name} logs={logs} testId="restore-logs" />
    </>
  );
}
