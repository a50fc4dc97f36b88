"use client";
import dynamic from "next/dynamic";
import { useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import IconButton from "@mui/material/IconButton";
import Typography from "@mui/material/Typography";
import Delete from "@mui/icons-material/Delete";
import FactCheck from "@mui/icons-material/FactCheck";
import EventRepeat from "@mui/icons-material/EventRepeat";
import { useTRPC } from "@/lib/trpc/client";
import type { DrillRow, DrillScheduleRow } from "@/lib/schemas/drill";
import { useLiveInterval } from "../common/LiveUpdates";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { ErrorAlert } from "../common/ErrorAlert";
import { ListLimitNote } from "../common/ListLimitNote";
import { PageHeader } from "../common/PageHeader";
import { RelativeTime } from "../common/RelativeTime";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { useMe } from "../common/useMe";
import { DrillPhaseChip } from "./drill-format";
import { drillHref, durationText } from "./drill-text";
import type { DrillCluster } from "./RunDrillDialog";

// Restore drills (#14 §4): the drills into clusters the user sees, live, "Run a drill", and the drill schedules that
// run them regularly. The dialogs load when first opened.
const RunDrillDialog = dynamic(() => import("./RunDrillDialog").then((m) => m.RunDrillDialog), { ssr: false });
const DrillScheduleDialog = dynamic(() => import("./DrillScheduleDialog").then((m) => m.DrillScheduleDialog), {
  ssr: false,
});

const mappingText = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([a, b]) => `${a} → ${b}`)
    .join(", ") || "—";

/** What the drill found, in a few words. */
function resultText(r: DrillRow): string {
  if (r.phase === "FAILED" || r.verdict === "FAILED") return r.failureReason ?? "Failed";
  if (r.phase === "PASSED" || r.verdict === "PASSED") {
    const items = r.itemsRestored !== null ? `${r.itemsRestored} items restored` : "Restored";
    return `${items}, everything ready${r.warnings ? ` (${r.warnings} warnings)` : ""}`;
  }
  return r.lastError ? `Retrying: ${r.lastError}` : "Running";
}

const COLUMNS: Column<DrillRow>[] = [
  {
    id: "drill",
    header: "Drill",
    sortValue: (r) => r.startedAt,
    cell: (r) => (
      <Link href={drillHref(r)} aria-label={`Drill of ${r.backupName} into ${r.clusterName}`}>
        <code>{r.restoreName}</code>
      </Link>
    ),
  },
  { id: "cluster", header: "Into cluster", sortValue: (r) => r.clusterName, cell: (r) => r.clusterName },
  {
    id: "backup",
    header: "Backup",
    sortValue: (r) => r.backupName,
    cell: (r) => (
      <>
        <code>{r.backupName}</code>
        {r.scheduleName && (
          <Typography variant="caption" color="text.secondary" component="div">
            latest of schedule {r.scheduleName}
          </Typography>
        )}
      </>
    ),
  },
  { id: "namespaces", header: "Namespaces → drill namespaces", hideBelow: "lg", cell: (r) => mappingText(r.mapping) },
  {
    id: "phase",
    header: "Phase",
    sortValue: (r) => r.phase,
    cell: (r) => <DrillPhaseChip phase={r.phase} verdict={r.verdict} reason={r.failureReason} testId="drill-phase" />,
  },
  {
    id: "recovery",
    header: "Recovery time",
    sortValue: (r) => r.recoverySeconds,
    cell: (r) => <span data-testid="drill-recovery">{durationText(r.recoverySeconds)}</span>,
  },
  {
    id: "started",
    header: "Started",
    hideBelow: "md",
    sortValue: (r) => r.startedAt,
    cell: (r) => <RelativeTime date={r.startedAt} />,
  },
  { id: "result", header: "Result", hideBelow: "xl", cell: (r) => resultText(r) },
];

function everyText(s: DrillScheduleRow) {
  if (s.cron) return `Cron ${s.cron}`;
  return s.intervalDays === 1 ? "Every day" : s.intervalDays === 7 ? "Weekly" : `Every ${s.intervalDays} days`;
}

/** The Drills page: drills, live; who may, runs one or schedules them. */
export function DrillsPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  // Updates are pushed (LiveUpdates, topic "drills"); polling only while the stream is down.
  const live = useLiveInterval(1000);
  const { can } = useMe();
  const drills = useQuery({ ...trpc.drill.list.queryOptions({}), refetchInterval: live });
  const schedules = useQuery({ ...trpc.drill.schedules.list.queryOptions({}), refetchInterval: live });
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const withVelero = (clusters.data ?? []).filter((c) => c.velero?.installed);
  const pick = (c: (typeof withVelero)[number]): DrillCluster => ({ id: c.id, name: c.name, groupName: c.groupName });
  const targets = withVelero.filter((c) => c.myRole === "OPERATOR" || c.myRole === "CLUSTER_ADMIN").map(pick);
  const [running, setRunning] = useState(false);
  const [scheduling, setScheduling] = useState(false);
  const [deleting, setDeleting] = useState<DrillScheduleRow | null>(null);
  const remove = useMutation(
    trpc.drill.schedules.delete.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.drill.schedules.list.queryKey() });
        setDeleting(null);
      },
    }),
  );
  const mayRun = can("drill.run") && targets.length > 0;
  const mayDelete = (s: DrillScheduleRow) => can("drillSchedule.delete") && targets.some((c) => c.id === s.clusterId);

  const scheduleColumns: Column<DrillScheduleRow>[] = [
    {
      id: "schedule",
      header: "Schedule",
      sortValue: (s) => s.scheduleName,
      cell: (s) => (
        <>
          <code>{s.scheduleName}</code>
          <Typography variant="caption" color="text.secondary" component="div">
            of {s.sourceClusterName}
          </Typography>
        </>
      ),
    },
    { id: "cluster", header: "Into cluster", sortValue: (s) => s.clusterName, cell: (s) => s.clusterName },
    { id: "every", header: "Runs", cell: everyText },
    {
      id: "namespaces",
      header: "Namespaces",
      hideBelow: "lg",
      cell: (s) => (s.namespaces.length ? s.namespaces.join(", ") : "All of the backup's"),
    },
    {
      id: "next",
      header: "Next drill",
      sortValue: (s) => s.nextRunAt,
      cell: (s) => (s.enabled ? <RelativeTime date={s.nextRunAt} /> : "Paused"),
    },
    {
      id: "last",
      header: "Last drill",
      hideBelow: "md",
      sortValue: (s) => s.lastRunAt,
      cell: (s) => (
        <>
          {s.lastDrillId ? (
            <Link href={drillHref({ clusterId: s.clusterId, id: s.lastDrillId })}>
              <RelativeTime date={s.lastRunAt} />
            </Link>
          ) : s.lastRunAt ? (
            <RelativeTime date={s.lastRunAt} />
          ) : (
            "Not yet"
          )}
          {s.lastError && (
            <Typography variant="caption" color="error" component="div">
              {s.lastError}
            </Typography>
          )}
        </>
      ),
    },
    {
      id: "actions",
      header: "Actions",
      align: "right",
      cell: (s) =>
        mayDelete(s) ? (
          <IconButton
            size="small"
            aria-label={`Delete the drill schedule of ${s.scheduleName} into ${s.clusterName}`}
            onClick={() => {
              remove.reset();
              setDeleting(s);
            }}
          >
            <Delete fontSize="small" />
          </IconButton>
        ) : null,
    },
  ];

  return (
    <>
      <PageHeader
        title="Restore drills"
        subtitle="Backups restored for real into throw-away namespaces, checked and timed: proof that they can be restored."
        actions={
          <>
            <Button variant="outlined" component={Link} href="/drills/evidence">
              Evidence report
            </Button>
            {mayRun && (
              <Button variant="contained" onClick={() => setRunning(true)}>
                Run a drill
              </Button>
            )}
          </>
        }
      />
      <ResourceTable
        label="Restore drills"
        columns={COLUMNS}
        rows={drills.data}
        rowKey={(r) => r.id}
        rowTestId={(r) => `drill-row-${r.clusterName}-${r.restoreName}`}
        loading={drills.isLoading}
        error={drills.error}
        onRetry={() => void drills.refetch()}
        empty={{
          icon: <FactCheck />,
          title: "No restore drills yet",
          message:
            "A drill restores a backup into new namespaces of a cluster (named <namespace>-drill-<date>), waits " +
            "until every claim is bound and every pod is ready, measures how long that took, and removes the " +
            "namespaces again. It proves a backup can be restored, without touching what the cluster runs.",
          action: mayRun ? (
            <Button variant="outlined" onClick={() => setRunning(true)}>
              Run a drill
            </Button>
          ) : undefined,
        }}
        footer={drills.data && <ListLimitNote count={drills.data.length} what="drills" />}
      />

      <Box component="section" aria-labelledby="drill-schedules-title" sx={{ mt: 4 }}>
        <Box sx={{ display: "flex", alignItems: "center", gap: 2, mb: 1, flexWrap: "wrap" }}>
          <Typography variant="h6" component="h2" id="drill-schedules-title" sx={{ flex: 1, minWidth: 200 }}>
            Drill schedules
          </Typography>
          {can("drillSchedule.create") && targets.length > 0 && (
            <Button variant="outlined" onClick={() => setScheduling(true)}>
              New drill schedule
            </Button>
          )}
        </Box>
        <ResourceTable
          label="Drill schedules"
          columns={scheduleColumns}
          rows={schedules.data}
          rowKey={(s) => s.id}
          rowTestId={(s) => `drill-schedule-row-${s.clusterName}-${s.scheduleName}`}
          loading={schedules.isLoading}
          error={schedules.error}
          onRetry={() => void schedules.refetch()}
          empty={{
            icon: <EventRepeat />,
            title: "No drill schedules",
            message:
              "A drill schedule drills a Velero Schedule's latest backup regularly (weekly by default), so the evidence stays current.",
          }}
        />
      </Box>

      {running && (
        <RunDrillDialog
          clusters={targets}
          onClose={(started) => {
            setRunning(false);
            if (started) router.push(drillHref(started));
          }}
        />
      )}
      {scheduling && (
        <DrillScheduleDialog clusters={targets} sources={withVelero.map(pick)} onClose={() => setScheduling(false)} />
      )}
      <ConfirmDialog
        open={Boolean(deleting)}
        title={`Delete the drill schedule of ${deleting?.scheduleName ?? ""}?`}
        confirmLabel={remove.isPending ? "Deleting…" : "Delete drill schedule"}
        destructive
        busy={remove.isPending}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate({ clusterId: deleting.clusterId, id: deleting.id })}
      >
        <ErrorAlert error={remove.error} />
        No more drills of {deleting?.scheduleName} run into {deleting?.clusterName}. Drills already run, and the
        evidence they gave, stay.
      </ConfirmDialog>
    </>
  );
}
