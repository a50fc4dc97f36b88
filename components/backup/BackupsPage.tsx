"use client";
import { useState } from "react";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Tooltip from "@mui/material/Tooltip";
import Backup from "@mui/icons-material/Backup";
import { useTRPC } from "@/lib/trpc/client";
import { PageHeader } from "../common/PageHeader";
import { EmptyState } from "../common/EmptyState";
import { ErrorAlert } from "../common/ErrorAlert";
import { RelativeTime } from "../common/RelativeTime";
import { useMe } from "../common/useMe";
import { BackupWizard } from "./BackupWizard";

const COLOR: Record<string, "success" | "error" | "warning" | "info" | "default"> = {
  Completed: "success", PartiallyFailed: "warning", Failed: "error", FailedValidation: "error", InProgress: "info", Queued: "default", New: "default", Deleting: "warning",
};

/** Backups of every cluster the user may see, from the read model, refreshed every second while the page is open. */
export function BackupsPage() {
  const trpc = useTRPC();
  const { can } = useMe();
  const q = useQuery({ ...trpc.backup.list.queryOptions({}), refetchInterval: 1000 });
  const [wizard, setWizard] = useState(false);
  return (
    <>
      <PageHeader title="Backups" subtitle="On-demand and scheduled Velero backups across your clusters, live."
        actions={can("backup.create") ? <Button variant="contained" onClick={() => setWizard(true)}>Back up now</Button> : undefined} />
      <ErrorAlert error={q.error} />
      {q.isLoading ? <LinearProgress /> : !q.data?.length ? (
        <EmptyState icon={<Backup />} title="No backups yet">Backups appear here once clusters are attached and data protection is enabled on them; start one with “Back up now”.</EmptyState>
      ) : (
        <TableContainer component={Paper} variant="outlined">
          <Table size="small" aria-label="Backups">
            <TableHead>
              <TableRow><TableCell>Backup</TableCell><TableCell>Cluster</TableCell><TableCell>Phase</TableCell><TableCell sx={{ minWidth: 140 }}>Progress</TableCell><TableCell>Errors / warnings</TableCell><TableCell>Started</TableCell><TableCell>Completed</TableCell><TableCell>Expires</TableCell><TableCell>Location</TableCell><TableCell>Schedule</TableCell></TableRow>
            </TableHead>
            <TableBody>
              {q.data.map((b) => {
                const pct = b.totalItems ? Math.round(((b.itemsBackedUp ?? 0) / b.totalItems) * 100) : 0;
                return (
                  <TableRow key={`${b.clusterId}/${b.name}`} data-testid={`backup-row-${b.clusterName}-${b.name}`}>
                    <TableCell><Link href={`/backups/${b.clusterId}/${encodeURIComponent(b.name)}`}><code>{b.name}</code></Link></TableCell>
                    <TableCell>
                      {b.clusterName}
                      {b.clusterState === "DISCONNECTED" && <Tooltip title="The cluster is disconnected: this is its last-known state"><Chip size="small" color="warning" variant="outlined" label={<>seen <RelativeTime date={b.observedAt} /></>} sx={{ ml: 1 }} /></Tooltip>}
                    </TableCell>
                    <TableCell>
                      <Tooltip title={b.failureReason ?? (b.queuePosition ? `Queue position ${b.queuePosition}` : "")}><Chip size="small" color={COLOR[b.phase] ?? "default"} label={b.phase} data-testid="backup-phase" /></Tooltip>
                    </TableCell>
                    <TableCell>
                      {b.totalItems ? <><LinearProgress variant="determinate" value={pct} aria-label={`${pct}%`} /><span style={{ fontSize: 12 }}>{b.itemsBackedUp}/{b.totalItems} items</span></> : "—"}
                    </TableCell>
                    <TableCell>{b.errors} / {b.warnings}</TableCell>
                    <TableCell><RelativeTime date={b.startTimestamp} /></TableCell>
                    <TableCell><RelativeTime date={b.completionTimestamp} /></TableCell>
                    <TableCell><RelativeTime date={b.expiration} /></TableCell>
                    <TableCell>{b.location ?? "—"}</TableCell>
                    <TableCell>{b.schedule ?? "—"}</TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      {wizard && <BackupWizard open={wizard} onClose={() => setWizard(false)} />}
    </>
  );
}
