"use client";
import Link from "next/link";
import { useLiveInterval } from "@/components/common/LiveUpdates";
import { useQuery } from "@tanstack/react-query";
import Chip from "@mui/material/Chip";
import Typography from "@mui/material/Typography";
import Box from "@mui/material/Box";
import type { inferRouterOutputs } from "@trpc/server";
import { useTRPC } from "@/lib/trpc/client";
import type { AppRouter } from "@/server/routers/_app";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { ConnectionState } from "../cluster/ConnectionState";
import { RelativeTime } from "../common/RelativeTime";

/** Worst first, for sorting. */
const PROTECTION_ORDER = ["NEVER", "STALE", "PROTECTED", "NO_VELERO"];
const PROTECTION: Record<string, { label: string; color: "success" | "warning" | "error" | "default" }> = {
  PROTECTED: { label: "Backed up in the last day", color: "success" },
  STALE: { label: "No recent backup", color: "warning" },
  NEVER: { label: "Never backed up", color: "error" },
  NO_VELERO: { label: "No Velero", color: "default" },
};

type Row = inferRouterOutputs<AppRouter>["overview"]["fleet"][number];

const COLUMNS: Column<Row>[] = [
  {
    id: "cluster",
    header: "Cluster",
    sortValue: (c) => c.clusterName,
    cell: (c) => (
      <>
        <Link href={`/clusters/${c.clusterId}/backups`}>{c.clusterName}</Link>
        <Typography variant="caption" color="text.secondary" component="div">
          {c.groupName}
        </Typography>
      </>
    ),
  },
  {
    id: "connection",
    header: "Connection",
    sortValue: (c) => c.state,
    cell: (c) => <ConnectionState state={c.state} lastSeenAt={c.lastSeenAt} lastError={null} />,
  },
  {
    id: "protection",
    header: "Protection",
    sortValue: (c) => PROTECTION_ORDER.indexOf(c.protection),
    cell: (c) => (
      <Chip
        size="small"
        color={PROTECTION[c.protection].color}
        label={PROTECTION[c.protection].label}
        data-testid="fleet-protection"
      />
    ),
  },
  {
    id: "last",
    header: "Last completed backup",
    sortValue: (c) => c.lastCompletedAt,
    cell: (c) => <RelativeTime date={c.lastCompletedAt} />,
  },
  { id: "running", header: "Running", sortValue: (c) => c.running, cell: (c) => c.running || "—" },
  {
    id: "failed",
    header: "Failed in the last day",
    sortValue: (c) => c.failedLastDay,
    cell: (c) =>
      c.failedLastDay ? <Chip size="small" color="error" variant="outlined" label={c.failedLastDay} /> : "—",
  },
  {
    id: "schedules",
    header: "Schedules",
    hideBelow: "md",
    sortValue: (c) => c.schedules,
    cell: (c) => c.schedules || "—",
  },
];

/** Every cluster the user may see: is it protected, what runs, what failed; live from the read model. */
export function FleetStatus() {
  const trpc = useTRPC();
  // Updates are pushed (LiveUpdates); polling only while the stream is down.
  // Also once a minute while live: a cluster turns stale, and a failure leaves the last day, as time passes (no change).
  const live = useLiveInterval(5000, 60_000);
  const q = useQuery({ ...trpc.overview.fleet.queryOptions(), refetchInterval: live });
  return (
    <Box sx={{ mb: 3 }}>
      <ResourceTable
        label="Protection status"
        columns={COLUMNS}
        rows={q.data}
        rowKey={(c) => c.clusterId}
        rowTestId={(c) => `fleet-row-${c.clusterName}`}
        loading={q.isLoading}
        error={q.error}
        onRetry={() => void q.refetch()}
        empty={{
          title: "No clusters to show yet",
          message: "Attach one on the Clusters page, or ask an admin to bind you to a cluster group.",
        }}
      />
    </Box>
  );
}
