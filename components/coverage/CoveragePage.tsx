"use client";
import { useState } from "react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import Paper from "@mui/material/Paper";
import TextField from "@mui/material/TextField";
import ToggleButton from "@mui/material/ToggleButton";
import ToggleButtonGroup from "@mui/material/ToggleButtonGroup";
import Typography from "@mui/material/Typography";
import Shield from "@mui/icons-material/Shield";
import { useTRPC } from "@/lib/trpc/client";
import {
  PROTECTING_METHODS,
  type ClusterCoverage,
  type NamespaceRecoveryPoint,
  type VolumeCoverageRow,
} from "@/lib/schemas/coverage";
import { useLiveInterval } from "../common/LiveUpdates";
import { PageHeader } from "../common/PageHeader";
import { ErrorAlert } from "../common/ErrorAlert";
import { RelativeTime } from "../common/RelativeTime";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { Tooltip } from "../common/Tooltip";
import { formatBytes, METHOD_COLORS, METHOD_LABELS } from "./labels";

// A cluster's Coverage tab (#13 §4): the summary, every volume with what protects it (predicted by Velero's rules and
// checked against the last backups), the fix for what is not covered, and each namespace's recovery point. Live: the
// "coverage" topic refetches it whenever a pod, a claim, a schedule or a backup changes what it says.

type Show = "all" | "not-covered" | "mismatch";
const SHOWS: { value: Show; label: string }[] = [
  { value: "all", label: "All volumes" },
  { value: "not-covered", label: "Not covered" },
  { value: "mismatch", label: "Mismatch" },
];

const isCovered = (v: VolumeCoverageRow) => PROTECTING_METHODS.has(v.method);
const volumeName = (v: VolumeCoverageRow) =>
  v.pvc ? `PVC ${v.pvc}` : `${v.volumeName ?? "?"} (${v.source}) of pod ${v.pods[0] ?? "?"}`;
const scheduleNames = (v: VolumeCoverageRow) => (v.plans.length ? v.plans.join(", ") : "—");

export function CoveragePage({ clusterId }: { clusterId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const show = (SHOWS.find((s) => s.value === params.get("show"))?.value ?? "all") as Show;
  const [fixFor, setFixFor] = useState<VolumeCoverageRow | null>(null);
  const q = useQuery({
    ...trpc.coverage.get.queryOptions({ clusterId }),
    refetchInterval: useLiveInterval(),
  });
  const c = q.data;
  const setShow = (s: Show | null) => {
    if (!s) return;
    const next = new URLSearchParams(params);
    if (s === "all") next.delete("show");
    else next.set("show", s);
    router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false });
  };
  const rows = c?.volumes.filter((v) =>
    show === "not-covered" ? !isCovered(v) : show === "mismatch" ? Boolean(v.mismatch) : true,
  );
  return (
    <Box>
      <PageHeader
        title={`Coverage of ${c?.clusterName ?? "…"}`}
        subtitle={
          <>
            What protects every volume of the cluster{" "}
            <Link href={`/clusters/${clusterId}`}>{c?.clusterName ?? "…"}</Link>, predicted from Velero&apos;s rules and
            checked against its last backups, live.
          </>
        }
        actions={
          <Button variant="outlined" component={Link} href={`/clusters/${clusterId}/backups`}>
            Backups
          </Button>
        }
      />
      <ErrorAlert error={q.error} />
      {c?.problems.map((p) => (
        <Alert key={p} severity="warning" sx={{ mb: 1 }}>
          {p}
        </Alert>
      ))}
      {c && <Summary c={c} />}
      <Box sx={{ display: "flex", alignItems: "center", gap: 2, mb: 1, flexWrap: "wrap" }}>
        <Typography variant="h6" component="h2" id="volumes">
          Volumes
        </Typography>
        <ToggleButtonGroup
          size="small"
          exclusive
          value={show}
          onChange={(_, v: Show | null) => setShow(v)}
          aria-label="Show volumes"
          sx={{ bgcolor: "background.paper" }}
        >
          {SHOWS.map((s) => (
            <ToggleButton key={s.value} value={s.value}>
              {s.label}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
      </Box>
      <ResourceTable
        label="Volume coverage"
        columns={volumeColumns(clusterId, setFixFor)}
        rows={rows}
        rowKey={(v) => v.key}
        rowTestId={(v) => `coverage-${v.key}`}
        loading={q.isPending}
        error={q.error}
        onRetry={() => void q.refetch()}
        empty={{
          icon: <Shield />,
          title:
            show === "not-covered"
              ? "Every volume is covered"
              : show === "mismatch"
                ? "The last backups did what was predicted"
                : "No volumes on this cluster",
          message:
            show === "all"
              ? "Pods' data volumes and persistent volume claims show here as soon as Lifeboat has read them."
              : undefined,
        }}
        size="small"
      />
      <Typography variant="h6" component="h2" id="recovery-points" sx={{ mt: 4, mb: 1 }}>
        Recovery points
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        The time since each namespace&apos;s last good backup (Completed, or PartiallyFailed without errors in it),
        against the cluster group&apos;s objective of {c ? `${c.rpoHours} h` : "…"}. Breaches first.
      </Typography>
      <ResourceTable
        label="Recovery points"
        columns={recoveryColumns(clusterId, c?.rpoHours ?? 24)}
        rows={c?.namespaces}
        rowKey={(n) => n.namespace}
        rowTestId={(n) => `rpo-${n.namespace}`}
        loading={q.isPending}
        empty={{ title: "No namespaces to protect", message: "Namespaces show here once Lifeboat has read them." }}
        size="small"
      />
      {fixFor && <FixDialog v={fixFor} onClose={() => setFixFor(null)} />}
    </Box>
  );
}

function Summary({ c }: { c: ClusterCoverage }) {
  const s = c.summary;
  const moved = s.byMethod.CSI_DATA_MOVED ?? 0;
  const items = [
    { label: "Volumes", value: s.volumes, bytes: null },
    { label: "File-system backup", value: s.byMethod.FSB ?? 0, bytes: s.bytesByMethod.FSB },
    { label: "Snapshots", value: (s.byMethod.CSI_SNAPSHOT ?? 0) + (s.byMethod.NATIVE_SNAPSHOT ?? 0), bytes: null },
    { label: "Data moved", value: moved, bytes: s.bytesByMethod.CSI_DATA_MOVED },
    {
      label: "Not covered",
      value: s.volumes - s.covered,
      bytes: (s.bytesByMethod.NOT_COVERED ?? 0) + (s.bytesByMethod.SKIPPED ?? 0) + (s.bytesByMethod.ERROR ?? 0),
    },
    { label: "Mismatches", value: s.mismatches, bytes: null },
    { label: `Namespaces past ${c.rpoHours} h`, value: s.breaches, bytes: null },
  ];
  return (
    <Box
      component="section"
      aria-label="Coverage summary"
      sx={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(140px, 1fr))", gap: 1.5, mb: 3 }}
    >
      {items.map((i) => (
        <Paper key={i.label} variant="outlined" sx={{ p: 1.5 }}>
          <Typography variant="caption" color="text.secondary" component="div">
            {i.label}
          </Typography>
          <Typography variant="h5" component="div" data-testid={`summary-${i.label}`}>
            {i.value}
          </Typography>
          {i.bytes ? (
            <Typography variant="caption" color="text.secondary">
              {formatBytes(i.bytes)}
            </Typography>
          ) : null}
        </Paper>
      ))}
    </Box>
  );
}

function volumeColumns(clusterId: string, openFix: (v: VolumeCoverageRow) => void): Column<VolumeCoverageRow>[] {
  return [
    { id: "namespace", header: "Namespace", cell: (v) => v.namespace, sortValue: (v) => v.namespace },
    {
      id: "volume",
      header: "Volume",
      cell: (v) => (
        <Box>
          <div>{volumeName(v)}</div>
          {v.pvc && v.pods.length > 0 && (
            <Typography variant="caption" color="text.secondary">
              mounted by {v.pods.join(", ")}
            </Typography>
          )}
        </Box>
      ),
      sortValue: (v) => v.key,
      required: true,
    },
    {
      id: "method",
      header: "Method",
      cell: (v) => (
        <Tooltip title={`Velero's rule ${v.rule} (velero-api.md §9)`}>
          <Chip
            size="small"
            tabIndex={0}
            label={METHOD_LABELS[v.method]}
            color={METHOD_COLORS[v.method]}
            variant="outlined"
          />
        </Tooltip>
      ),
      sortValue: (v) => METHOD_LABELS[v.method],
      required: true,
    },
    { id: "schedule", header: "Schedule", cell: scheduleNames, sortValue: scheduleNames, hideBelow: "md" },
    {
      id: "size",
      header: "Size",
      cell: (v) => formatBytes(v.bytes),
      sortValue: (v) => v.bytes ?? -1,
      align: "right",
      hideBelow: "lg",
    },
    {
      id: "last",
      header: "Last protected",
      cell: (v) =>
        v.lastProtected ? (
          <Box>
            <Link href={`/backups/${clusterId}/${encodeURIComponent(v.lastProtected.backup)}`}>
              {v.lastProtected.backup}
            </Link>
            <Typography variant="caption" color="text.secondary" component="div">
              {METHOD_LABELS[v.lastProtected.method]}
              {v.lastProtected.at && (
                <>
                  , <RelativeTime date={v.lastProtected.at} />
                </>
              )}
            </Typography>
          </Box>
        ) : (
          "Never"
        ),
      sortValue: (v) => v.lastProtected?.at?.getTime() ?? 0,
      hideBelow: "md",
    },
    {
      id: "reason",
      header: "Why / fix",
      cell: (v) => (
        <Box sx={{ maxWidth: 420 }}>
          {v.mismatch && (
            <Chip size="small" color="warning" label="Mismatch" sx={{ mr: 1, mb: 0.5 }} title={v.mismatch} />
          )}
          {v.mismatch && (
            <Typography variant="body2" color="warning.main">
              {v.mismatch}
            </Typography>
          )}
          {v.reason && <Typography variant="body2">{v.reason}</Typography>}
          {v.fix && (
            <Button
              size="small"
              onClick={() => openFix(v)}
              aria-label={`How to fix ${volumeName(v)} in ${v.namespace}`}
            >
              How to fix
            </Button>
          )}
        </Box>
      ),
      required: true,
    },
  ];
}

function recoveryColumns(clusterId: string, rpoHours: number): Column<NamespaceRecoveryPoint>[] {
  return [
    { id: "namespace", header: "Namespace", cell: (n) => n.namespace, sortValue: (n) => n.namespace, required: true },
    {
      id: "status",
      header: "Recovery point",
      cell: (n) =>
        n.breach ? (
          <Chip size="small" color="error" label={n.lastAt ? `Older than ${rpoHours} h` : "Never backed up"} />
        ) : (
          <Chip size="small" color="success" variant="outlined" label={`Within ${rpoHours} h`} />
        ),
      sortValue: (n) => Number(n.breach),
      required: true,
    },
    {
      id: "last",
      header: "Last good backup",
      cell: (n) =>
        n.lastBackup ? (
          <Box>
            <Link href={`/backups/${clusterId}/${encodeURIComponent(n.lastBackup)}`}>{n.lastBackup}</Link>
            {n.lastAt && (
              <Typography variant="caption" color="text.secondary" component="div">
                <RelativeTime date={n.lastAt} />
              </Typography>
            )}
          </Box>
        ) : (
          "—"
        ),
      sortValue: (n) => n.lastAt?.getTime() ?? 0,
    },
    { id: "volumes", header: "Volumes", cell: (n) => n.volumes, sortValue: (n) => n.volumes, align: "right" },
    {
      id: "notCovered",
      header: "Not covered",
      cell: (n) => n.notCovered,
      sortValue: (n) => n.notCovered,
      align: "right",
    },
  ];
}

function FixDialog({ v, onClose }: { v: VolumeCoverageRow; onClose: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const text = v.fix?.command ?? v.fix?.yaml ?? "";
  const copy = () =>
    navigator.clipboard.writeText(text).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="md" aria-labelledby="fix-title">
      <DialogTitle id="fix-title">
        {volumeName(v)} in {v.namespace}
      </DialogTitle>
      <DialogContent>
        {v.reason && (
          <Typography variant="body2" sx={{ mb: 1 }}>
            <strong>Why:</strong> {v.reason}
          </Typography>
        )}
        <Typography variant="body2" sx={{ mb: 2 }}>
          <strong>Fix:</strong> {v.fix?.text}
        </Typography>
        {v.fix?.command && (
          <TextField
            label="Command"
            value={v.fix.command}
            fullWidth
            multiline
            slotProps={{ input: { readOnly: true, sx: { fontFamily: "monospace", fontSize: 13 } } }}
            sx={{ mb: 2 }}
          />
        )}
        {v.fix?.yaml && (
          <TextField
            label="YAML"
            value={v.fix.yaml}
            fullWidth
            multiline
            slotProps={{ input: { readOnly: true, sx: { fontFamily: "monospace", fontSize: 13 } } }}
          />
        )}
        <Typography variant="caption" color={copied === false ? "error" : "text.secondary"} role="status">
          {copied === true
            ? "Copied to the clipboard"
            : copied === false
              ? "The browser did not allow copying: select the text and copy it"
              : ""}
        </Typography>
      </DialogContent>
      <DialogActions>
        {text && <Button onClick={copy}>Copy {v.fix?.command ? "command" : "YAML"}</Button>}
        <Button onClick={onClose} variant="contained">
          Close
        </Button>
      </DialogActions>
    </Dialog>
  );
}
