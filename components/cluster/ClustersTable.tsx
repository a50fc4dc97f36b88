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
import Typography from "@mui/material/Typography";
import Dns from "@mui/icons-material/Dns";
import { useTRPC } from "@/lib/trpc/client";
import { EmptyState } from "../common/EmptyState";
import { ErrorAlert } from "../common/ErrorAlert";
import { PageHeader } from "../common/PageHeader";
import { useMe } from "../common/useMe";
import { AttachClusterDialog } from "./AttachClusterDialog";
import { ConnectionState } from "./ConnectionState";
import { VeleroSummary } from "./VeleroSummary";

export function ClustersTable() {
  const trpc = useTRPC();
  const { can } = useMe();
  const clusters = useQuery({ ...trpc.cluster.list.queryOptions(), refetchInterval: 15_000 });
  const groups = useQuery(trpc.clusterGroup.list.queryOptions());
  const adminGroups = (groups.data ?? [])
    .filter((g) => g.myRole === "CLUSTER_ADMIN")
    .map((g) => ({ id: g.id, name: g.name }));
  const [attaching, setAttaching] = useState(false);
  const mayAttach = can("cluster.attach") && adminGroups.length > 0;

  return (
    <>
      <PageHeader
        title="Clusters"
        subtitle="Clusters Lifeboat protects, with their connection and what data protection can use on each."
        actions={
          mayAttach ? (
            <Button variant="contained" onClick={() => setAttaching(true)}>
              Attach cluster
            </Button>
          ) : undefined
        }
      />
      <ErrorAlert error={clusters.error} />
      {clusters.isLoading ? (
        <LinearProgress aria-label="Loading clusters" />
      ) : !clusters.data?.length ? (
        <EmptyState icon={<Dns />} title="No clusters attached">
          {mayAttach
            ? "Attach a cluster with a kubeconfig, or generate an onboarding manifest that creates a least-privilege service account for Lifeboat."
            : "No cluster you can see is attached yet. A cluster admin of your groups attaches them."}
        </EmptyState>
      ) : (
        <TableContainer component={Paper} variant="outlined">
          <Table aria-label="Clusters">
            <TableHead>
              <TableRow>
                <TableCell>Cluster</TableCell>
                <TableCell>Group</TableCell>
                <TableCell>Kubernetes</TableCell>
                <TableCell>Connection</TableCell>
                <TableCell>Data protection</TableCell>
                <TableCell>Labels</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {clusters.data.map((c) => (
                <TableRow key={c.id} data-testid={`cluster-row-${c.name}`} hover>
                  <TableCell>
                    <Typography
                      component={Link}
                      href={`/clusters/${c.id}`}
                      variant="body2"
                      sx={{ fontWeight: 500, color: "primary.main" }}
                    >
                      {c.name}
                    </Typography>
                    {c.description && (
                      <Typography variant="caption" color="text.secondary" sx={{ display: "block" }}>
                        {c.description}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>{c.groupName}</TableCell>
                  <TableCell>{c.kubernetesVersion ?? "—"}</TableCell>
                  <TableCell>
                    <ConnectionState state={c.state} lastSeenAt={c.lastSeenAt} lastError={c.lastError} />
                  </TableCell>
                  <TableCell>
                    <VeleroSummary velero={c.velero} />
                  </TableCell>
                  <TableCell>
                    {Object.entries(c.labels).map(([k, v]) => (
                      <Chip key={k} size="small" variant="outlined" label={`${k}=${v}`} sx={{ mr: 0.5 }} />
                    ))}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      {mayAttach && attaching && (
        <AttachClusterDialog open={attaching} onClose={() => setAttaching(false)} groups={adminGroups} />
      )}
    </>
  );
}
