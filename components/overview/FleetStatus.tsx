"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import Chip from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { ConnectionState } from "../cluster/ConnectionState";
import { ErrorAlert } from "../common/ErrorAlert";
import { RelativeTime } from "../common/RelativeTime";

const PROTECTION: Record<string, { label: string; color: "success" | "warning" | "error" | "default" }> = {
  PROTECTED: { label: "Backed up in the last day", color: "success" },
  STALE: { label: "No recent backup", color: "warning" },
  NEVER: { label: "Never backed up", color: "error" },
  NO_VELERO: { label: "No Velero", color: "default" },
};

/** Every cluster the user may see: is it protected, what runs, what failed; live from the read model. */
export function FleetStatus() {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.overview.fleet.queryOptions(), refetchInterval: 5000 });
  if (q.isLoading) return <LinearProgress />;
  if (q.error) return <ErrorAlert error={q.error} />;
  if (!q.data?.length)
    return (
      <Typography variant="body2" color="text.secondary" sx={{ mb: 3 }}>
        No clusters to show yet: attach one on the Clusters page, or ask an admin to bind you to a cluster group.
      </Typography>
    );
  return (
    <TableContainer component={Paper} variant="outlined" sx={{ mb: 3 }}>
      <Table size="small" aria-label="Protection status">
        <TableHead>
          <TableRow>
            <TableCell>Cluster</TableCell>
            <TableCell>Connection</TableCell>
            <TableCell>Protection</TableCell>
            <TableCell>Last completed backup</TableCell>
            <TableCell>Running</TableCell>
            <TableCell>Failed in the last day</TableCell>
            <TableCell>Schedules</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {q.data.map((c) => (
            <TableRow key={c.clusterId} data-testid={`fleet-row-${c.clusterName}`}>
              <TableCell>
                <Link href={`/clusters/${c.clusterId}/backups`}>{c.clusterName}</Link>
                <Typography variant="caption" color="text.secondary" component="div">
                  {c.groupName}
                </Typography>
              </TableCell>
              <TableCell>
                <ConnectionState state={c.state} lastSeenAt={c.lastSeenAt} lastError={null} />
              </TableCell>
              <TableCell>
                <Chip
                  size="small"
                  color={PROTECTION[c.protection].color}
                  label={PROTECTION[c.protection].label}
                  data-testid="fleet-protection"
                />
              </TableCell>
              <TableCell>
                <RelativeTime date={c.lastCompletedAt} />
              </TableCell>
              <TableCell>{c.running || "—"}</TableCell>
              <TableCell>
                {c.failedLastDay ? <Chip size="small" color="error" variant="outlined" label={c.failedLastDay} /> : "—"}
              </TableCell>
              <TableCell>{c.schedules || "—"}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
