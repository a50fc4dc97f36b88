"use client";
import type { ReactNode } from "react";
import Link from "next/link";
import dynamic from "next/dynamic";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import Skeleton from "@mui/material/Skeleton";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import WarningAmber from "@mui/icons-material/WarningAmber";
import { useTRPC } from "@/lib/trpc/client";
import type { DashboardCluster } from "@/lib/schemas/coverage";
import { useLiveInterval } from "../common/LiveUpdates";
import { PhaseChip } from "../common/PhaseChip";
import { RelativeTime } from "../common/RelativeTime";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { Tooltip } from "../common/Tooltip";

// The fleet dashboard (#13 §4): per visible cluster its volume coverage, recovery points, last backup and Velero,
// worst first as the server sorts them, filtered by cluster group (kept in the URL: ?group=<id>), and three charts
// with a table alternative each; a cluster whose newest restore drill failed links to it. Live: the "coverage",
// "backups", "clusters" and "drills" topics refetch it.

// The charts load in the browser only, after the table: the server render and the first paint do not need them.
const FleetCharts = dynamic(() => import("./FleetCharts").then((m) => m.FleetCharts), {
  ssr: false,
  loading: () => <Skeleton variant="rounded" height={320} sx={{ mt: 2 }} />,
});

/** Read by screen readers, not shown. */
const SR_ONLY = {
  position: "absolute",
  width: 1,
  height: 1,
  p: 0,
  m: "-1px",
  overflow: "hidden",
  clip: "rect(0 0 0 0)",
  whiteSpace: "nowrap",
  border: 0,
} as const;

const VELERO: Record<DashboardCluster["velero"], { label: string; color: "success" | "default"; hint: string }> = {
  INSTALLED: { label: "Installed", color: "success", hint: "Velero runs on this cluster" },
  NOT_INSTALLED: { label: "Not installed", color: "default", hint: "No Velero runs on this cluster" },
  UNKNOWN: { label: "Not checked yet", color: "default", hint: "Lifeboat has not looked for Velero on it yet" },
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "12 of 15 volumes (80%)": floored, so one volume left out never reads as 100%. */
export function coverageText(c: Pick<DashboardCluster, "covered" | "volumes">): string {
  const pct = c.volumes ? Math.floor((c.covered / c.volumes) * 100) : 0;
  return `${c.covered} of ${plural(c.volumes, "volume")} (${pct}%)`;
}

const coverageHref = (c: DashboardCluster) => `/clusters/${c.clusterId}/coverage`;

/** Why a cluster's coverage is missing or incomplete: a hint on hover or focus, and the same words for screen readers. */
function Problems({ problems, children }: { problems: string[]; children: ReactNode }) {
  return (
    <Tooltip
      title={
        <>
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </>
      }
    >
      <Box component="span" tabIndex={0} sx={{ cursor: "help", display: "inline-flex", alignItems: "center" }}>
        {children}
        <Box component="span" sx={SR_ONLY}>
          {` ${problems.join(" ")}`}
        </Box>
      </Box>
    </Tooltip>
  );
}

function CoverageCell({ c }: { c: DashboardCluster }) {
  if (c.coverageRatio === null) {
    const problems = c.problems.length ? c.problems : ["No volumes found on this cluster"];
    return (
      <Problems problems={problems}>
        <span aria-hidden>—</span>
      </Problems>
    );
  }
  const pct = Math.floor(c.coverageRatio * 100);
  return (
    <Box sx={{ minWidth: 140 }}>
      <Box sx={{ display: "flex", alignItems: "center", gap: 0.5 }}>
        <Link href={coverageHref(c)}>{coverageText(c)}</Link>
        {c.problems.length > 0 && (
          <Problems problems={c.problems}>
            <WarningAmber fontSize="small" color="warning" aria-hidden />
          </Problems>
        )}
      </Box>
      <LinearProgress
        variant="determinate"
        value={pct}
        color={c.covered === c.volumes ? "success" : pct >= 50 ? "warning" : "error"}
        aria-label={`Volumes of ${c.clusterName} covered by a backup`}
        sx={{ mt: 0.5, height: 6, borderRadius: 3 }}
      />
    </Box>
  );
}

function RecoveryCell({ c }: { c: DashboardCluster }) {
  const rpo = `${c.rpoHours} h`;
  if (c.breaches > 0)
    return (
      <Link href={`${coverageHref(c)}#recovery-points`}>
        <Box component="span" sx={{ color: "error.main", fontWeight: 500 }}>
          {plural(c.breaches, "namespace")} past {rpo}
        </Box>
      </Link>
    );
  if (c.namespaces > 0) return <Link href={`${coverageHref(c)}#recovery-points`}>All within {rpo}</Link>;
  return <span>—</span>;
}

function LastBackupCell({ c }: { c: DashboardCluster }) {
  const b = c.lastBackup;
  if (!b) return <span>Never backed up</span>;
  return (
    <Box sx={{ display: "flex", flexWrap: "wrap", alignItems: "center", gap: 0.5 }}>
      <Link href={`/backups/${c.clusterId}/${encodeURIComponent(b.name)}`}>
        <code>{b.name}</code>
      </Link>
      <PhaseChip kind="Backup" phase={b.phase} testId="dashboard-last-backup-phase" />
      <Typography variant="caption" color="text.secondary" component="span">
        <RelativeTime date={b.at} />
      </Typography>
    </Box>
  );
}

/** The cluster's newest restore drill failed: a problem until a drill passes, linked to the drill. */
function FailedDrill({ c }: { c: DashboardCluster }) {
  const d = c.failedDrill;
  if (!d) return null;
  return (
    <Box
      data-testid="dashboard-failed-drill"
      sx={{ display: "flex", alignItems: "center", gap: 0.5, mt: 0.5, typography: "caption" }}
    >
      <WarningAmber fontSize="inherit" color="error" aria-hidden />
      <Link href={`/drills/${c.clusterId}/${d.id}`}>
        Restore drill of <code>{d.backupName}</code> failed
      </Link>
      <Box component="span" sx={{ color: "text.secondary" }}>
        <RelativeTime date={d.at} />
      </Box>
      {d.failureReason && <Box component="span" sx={SR_ONLY}>{`: ${d.failureReason}`}</Box>}
    </Box>
  );
}

const COLUMNS: Column<DashboardCluster>[] = [
  {
    id: "cluster",
    header: "Cluster",
    sortValue: (c) => c.clusterName,
    cell: (c) => (
      <>
        <Link href={coverageHref(c)}>{c.clusterName}</Link>
        <Typography variant="caption" color="text.secondary" component="div">
          {c.groupName}
          {c.state === "DISCONNECTED" && " · disconnected, last-known state"}
        </Typography>
        <FailedDrill c={c} />
      </>
    ),
  },
  {
    id: "coverage",
    header: "Coverage",
    width: 160,
    // As the server sorts: no picture yet counts as the best (it has nothing at risk that is known).
    sortValue: (c) => c.coverageRatio ?? 2,
    cell: (c) => (
      <Box data-testid="dashboard-coverage">
        <CoverageCell c={c} />
      </Box>
    ),
  },
  {
    id: "recovery",
    header: "Recovery points",
    sortValue: (c) => c.breaches,
    cell: (c) => (
      <Box data-testid="dashboard-recovery-points">
        <RecoveryCell c={c} />
      </Box>
    ),
  },
  {
    id: "last",
    header: "Last backup",
    width: 180,
    sortValue: (c) => c.lastBackup?.at ?? null,
    cell: (c) => <LastBackupCell c={c} />,
  },
  {
    id: "velero",
    header: "Velero",
    hideBelow: "md",
    sortValue: (c) => c.velero,
    cell: (c) => (
      <Tooltip title={VELERO[c.velero].hint}>
        <Chip
          size="small"
          color={VELERO[c.velero].color}
          label={VELERO[c.velero].label}
          data-testid="dashboard-velero"
        />
      </Tooltip>
    ),
  },
];

/** The Overview's dashboard: coverage and recovery points of every cluster the user may see, with charts. */
export function FleetDashboard() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const groupId = params.get("group") || undefined;
  // Updates are pushed (LiveUpdates); polling only while the stream is down.
  // Also once a minute while live: a new day begins, and recovery points age, as time passes (no change).
  const live = useLiveInterval(5000, 60_000);
  // The same input as the page prefetches on the server, so the first paint has the table.
  const q = useQuery({ ...trpc.overview.dashboard.queryOptions(groupId ? { groupId } : {}), refetchInterval: live });
  const groups = q.data?.groups ?? [];
  const unknownGroup = Boolean(groupId && q.data && !groups.some((g) => g.id === groupId));
  const setGroup = (id: string) => {
    const next = new URLSearchParams(params);
    if (id) next.set("group", id);
    else next.delete("group");
    router.replace(next.size ? `${pathname}?${next}` : pathname, { scroll: false });
  };
  const showAll = (
    <Button variant="outlined" onClick={() => setGroup("")}>
      Show all groups
    </Button>
  );
  return (
    <Box component="section" aria-labelledby="fleet-dashboard-title" sx={{ mb: 3 }}>
      <Box sx={{ display: "flex", alignItems: "center", gap: 2, mb: 1, flexWrap: "wrap" }}>
        <Typography variant="h6" component="h2" id="fleet-dashboard-title" sx={{ flex: 1, minWidth: 200 }}>
          Coverage and recovery points
        </Typography>
        <TextField
          select
          size="small"
          label="Cluster group"
          value={groupId && groups.some((g) => g.id === groupId) ? groupId : ""}
          onChange={(e) => setGroup(e.target.value)}
          slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}
          sx={{ minWidth: 200, maxWidth: "100%" }}
        >
          <option value="">All groups</option>
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </TextField>
      </Box>
      {unknownGroup ? (
        <Alert severity="warning" action={showAll}>
          This cluster group does not exist, or you may not see it.
        </Alert>
      ) : (
        <>
          <ResourceTable
            label="Fleet coverage"
            columns={COLUMNS}
            rows={q.data?.clusters}
            rowKey={(c) => c.clusterId}
            rowTestId={(c) => `dashboard-row-${c.clusterName}`}
            loading={q.isPending}
            error={q.error}
            onRetry={() => void q.refetch()}
            empty={
              groupId
                ? {
                    title: "No clusters you can see in this group",
                    message: "Attach one to the group on the Clusters page, or look at every group.",
                    action: showAll,
                  }
                : {
                    title: "No clusters you can see yet",
                    message: "Attach one on the Clusters page, or ask an admin to bind you to a cluster group.",
                    action: (
                      <Button variant="outlined" component={Link} href="/clusters">
                        Open the cluster list
                      </Button>
                    ),
                  }
            }
          />
          {q.data && q.data.clusters.length > 0 && <FleetCharts data={q.data} />}
        </>
      )}
    </Box>
  );
}
