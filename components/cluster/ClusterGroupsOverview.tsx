"use client";
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
import Hub from "@mui/icons-material/Hub";
import { useTRPC } from "@/lib/trpc/client";
import { EmptyState } from "../common/EmptyState";
import { ErrorAlert } from "../common/ErrorAlert";

const ROLE_LABEL = { CLUSTER_ADMIN: "Cluster admin", OPERATOR: "Operator", VIEWER: "Viewer" } as const;

/** The cluster groups (and clusters in them) this user may see: the scope every cluster page works within. */
export function ClusterGroupsOverview() {
  const trpc = useTRPC();
  const q = useQuery(trpc.clusterGroup.list.queryOptions());
  if (q.isLoading) return <LinearProgress aria-label="Loading cluster groups" />;
  if (q.error) return <ErrorAlert error={q.error} />;
  const groups = q.data ?? [];
  if (!groups.length) {
    return (
      <EmptyState icon={<Hub />} title="No cluster groups to show">
        You are not bound to any cluster group or cluster yet. An organization admin grants access under Admin › Cluster
        groups.
      </EmptyState>
    );
  }
  return (
    <TableContainer component={Paper} variant="outlined">
      <Table aria-label="Cluster groups">
        <TableHead>
          <TableRow>
            <TableCell>Cluster group</TableCell>
            <TableCell>Your role</TableCell>
            <TableCell>Clusters</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {groups.map((g) => (
            <TableRow key={g.id} data-testid="cluster-group-row">
              <TableCell>
                <Typography variant="body2" sx={{ fontWeight: 500 }}>
                  {g.name}
                </Typography>
                {g.description && (
                  <Typography variant="caption" color="text.secondary">
                    {g.description}
                  </Typography>
                )}
              </TableCell>
              <TableCell>
                {g.myRole ? (
                  <Chip size="small" label={ROLE_LABEL[g.myRole]} />
                ) : (
                  <Typography variant="body2" color="text.secondary">
                    Per cluster
                  </Typography>
                )}
              </TableCell>
              <TableCell>
                {g.clusters.length ? (
                  g.clusters.map((c) => (
                    <Chip key={c.id} size="small" variant="outlined" label={c.name} sx={{ mr: 0.5 }} />
                  ))
                ) : (
                  <Typography variant="body2" color="text.secondary">
                    No clusters attached yet
                  </Typography>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
