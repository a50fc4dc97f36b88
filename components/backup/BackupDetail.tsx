"use client";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { PageHeader } from "../common/PageHeader";
import { ErrorAlert } from "../common/ErrorAlert";

type VolumeInfo = { pvcName?: string; pvcNamespace?: string; pvName?: string; backupMethod?: string; snapshotDataMoved?: boolean; skipped?: boolean; skippedReason?: string; result?: string; pvbInfo?: { volumeName?: string; podName?: string; podNamespace?: string; size?: number } };
type Results = { errors?: { namespaces?: Record<string, string[]>; cluster?: string[]; velero?: string[] }; warnings?: { namespaces?: Record<string, string[]>; cluster?: string[]; velero?: string[] } };

const method = (v: VolumeInfo) => v.skipped ? `Skipped: ${v.skippedReason ?? ""}` : v.backupMethod === "PodVolumeBackup" ? "File-system backup (kopia)" : v.backupMethod === "CSISnapshot" ? (v.snapshotDataMoved ? "CSI snapshot + data movement" : "CSI snapshot (local)") : v.backupMethod || "Not covered";
const flatten = (r?: { namespaces?: Record<string, string[]>; cluster?: string[]; velero?: string[] }) => [
  ...(r?.velero ?? []).map((m) => ["velero", m]), ...(r?.cluster ?? []).map((m) => ["cluster", m]), ...Object.entries(r?.namespaces ?? {}).flatMap(([ns, ms]) => ms.map((m) => [ns, m])),
];

/** What `velero backup describe --details` shows, plus the logs, fetched through DownloadRequests. */
export function BackupDetail({ clusterId, name }: { clusterId: string; name: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.backup.get.queryOptions({ clusterId, name }));
  const [showLogs, setShowLogs] = useState(false);
  const logs = useQuery({ ...trpc.backup.logs.queryOptions({ clusterId, name }), enabled: showLogs });
  if (q.isLoading) return <LinearProgress />;
  if (q.error || !q.data) return <ErrorAlert error={q.error ?? { message: "Backup not found" }} />;
  const b = q.data;
  const spec = b.spec as Record<string, any>;
  const status = b.status as Record<string, any>;
  const volumes = (b.volumes ?? []) as VolumeInfo[];
  const results = (b.results ?? {}) as Results;
  const errors = flatten(results.errors);
  const warnings = flatten(results.warnings);
  const rows: [string, string][] = [
    ["Cluster", b.clusterName], ["Phase", b.phase], ["Namespaces", (spec.includedNamespaces ?? ["*"]).join(", ")], ["Excluded namespaces", (spec.excludedNamespaces ?? []).join(", ") || "—"],
    ["Label selector", spec.labelSelector ? JSON.stringify(spec.labelSelector) : spec.orLabelSelectors ? JSON.stringify(spec.orLabelSelectors) : "—"],
    ["Location", spec.storageLocation ?? "—"], ["Retention (TTL)", spec.ttl ?? "—"], ["File-system backup by default", String(spec.defaultVolumesToFsBackup ?? false)],
    ["Snapshots", spec.snapshotVolumes === false ? "off" : "on"], ["Data movement", String(spec.snapshotMoveData ?? false)],
    ["Items", status.progress ? `${status.progress.itemsBackedUp ?? 0} of ${status.progress.totalItems ?? "?"}` : "—"],
    ["Started", status.startTimestamp ?? "—"], ["Completed", status.completionTimestamp ?? "—"], ["Expires", status.expiration ?? "—"],
  ];
  return (
    <>
      <PageHeader title={name} subtitle={`Backup on ${b.clusterName}`} actions={<Button variant="outlined" onClick={() => setShowLogs(true)}>View logs</Button>} />
      {status.failureReason && <Alert severity="error" sx={{ mb: 2 }}>{status.failureReason}</Alert>}
      {(status.validationErrors ?? []).map((e: string) => <Alert key={e} severity="error" sx={{ mb: 1 }}>{e}</Alert>)}
      {b.downloadErrors.map((e) => <Alert key={e} severity="warning" sx={{ mb: 1 }}>{e}</Alert>)}
      <Paper variant="outlined" sx={{ mb: 3 }}>
        <Table size="small" aria-label="Backup spec and status"><TableBody>
          {rows.map(([k, v]) => <TableRow key={k}><TableCell component="th" sx={{ width: 260, color: "text.secondary" }}>{k}</TableCell><TableCell>{v}</TableCell></TableRow>)}
        </TableBody></Table>
      </Paper>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>Volumes</Typography>
      <Paper variant="outlined" sx={{ mb: 3 }}>
        <Table size="small" aria-label="Volumes">
          <TableHead><TableRow><TableCell>Volume</TableCell><TableCell>Protected by</TableCell><TableCell>Result</TableCell></TableRow></TableHead>
          <TableBody>
            {volumes.length === 0 && <TableRow><TableCell colSpan={3}>{b.volumes === null ? "Available when the backup has finished." : "No volumes in this backup."}</TableCell></TableRow>}
            {volumes.map((v, i) => (
              <TableRow key={i}>
                <TableCell>{v.pvcName ? `${v.pvcNamespace}/${v.pvcName}` : `${v.pvbInfo?.podNamespace}/${v.pvbInfo?.podName} volume ${v.pvbInfo?.volumeName}`}</TableCell>
                <TableCell>{method(v)}</TableCell>
                <TableCell>{v.skipped ? <Chip size="small" color="warning" label="skipped" /> : <Chip size="small" color={v.result === "failed" ? "error" : "success"} label={v.result ?? "—"} />}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Paper>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>Errors and warnings</Typography>
      <Paper variant="outlined" sx={{ mb: 3, p: 2 }}>
        {errors.length === 0 && warnings.length === 0 && <Typography variant="body2" color="text.secondary">None.</Typography>}
        {errors.map(([where, m], i) => <Alert key={`e${i}`} severity="error" sx={{ mb: 1 }}>{where}: {m}</Alert>)}
        {warnings.map(([where, m], i) => <Alert key={`w${i}`} severity="warning" sx={{ mb: 1 }}>{where}: {m}</Alert>)}
      </Paper>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>Resources</Typography>
      <Paper variant="outlined" sx={{ p: 2 }}>
        {Object.entries(b.resources ?? {}).map(([gvk, items]) => (
          <Typography key={gvk} variant="body2"><strong>{gvk}</strong>: {items.join(", ")}</Typography>
        ))}
        {!b.resources && <Typography variant="body2" color="text.secondary">Available when the backup has finished.</Typography>}
      </Paper>
      <Dialog open={showLogs} onClose={() => setShowLogs(false)} fullWidth maxWidth="lg" aria-labelledby="logs-title">
        <DialogTitle id="logs-title">Logs of {name}</DialogTitle>
        <DialogContent>
          {logs.isLoading && <LinearProgress />}
          <ErrorAlert error={logs.error} />
          {logs.data && <pre data-testid="backup-logs" style={{ fontSize: 12, whiteSpace: "pre-wrap" }}>{logs.data.text}</pre>}
        </DialogContent>
        <DialogActions>
          {logs.data && <Button onClick={() => { const a = document.createElement("a"); a.href = URL.createObjectURL(new Blob([logs.data!.text], { type: "text/plain" })); a.download = `${name}-logs.txt`; a.click(); }}>Download</Button>}
          <Button onClick={() => setShowLogs(false)}>Close</Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
