"use client";
import dynamic from "next/dynamic";
import { useState } from "react";
import { useLiveInterval } from "@/components/common/LiveUpdates";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Typography from "@mui/material/Typography";
import Dns from "@mui/icons-material/Dns";
import type { inferRouterOutputs } from "@trpc/server";
import { useTRPC } from "@/lib/trpc/client";
import type { AppRouter } from "@/server/routers/_app";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { PageHeader } from "../common/PageHeader";
import { useMe } from "../common/useMe";
import { ConnectionState } from "./ConnectionState";
import { VeleroSummary } from "./VeleroSummary";

// Wizards and dialogs load when first opened, not with the page (#10 §6).
const AttachClusterDialog = dynamic(() => import("./AttachClusterDialog").then((m) => m.AttachClusterDialog), {
  ssr: false,
});

type Row = inferRouterOutputs<AppRouter>["cluster"]["list"][number];

const COLUMNS: Column<Row>[] = [
  {
    id: "name",
    header: "Cluster",
    sortValue: (c) => c.name,
    cell: (c) => (
      <>
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
      </>
    ),
  },
  { id: "group", header: "Group", sortValue: (c) => c.groupName, cell: (c) => c.groupName },
  {
    id: "kubernetes",
    header: "Kubernetes",
    hideBelow: "md",
    sortValue: (c) => c.kubernetesVersion,
    cell: (c) => c.kubernetesVersion ?? "—",
  },
  {
    id: "connection",
    header: "Connection",
    sortValue: (c) => c.state,
    cell: (c) => <ConnectionState state={c.state} lastSeenAt={c.lastSeenAt} lastError={c.lastError} />,
  },
  { id: "velero", header: "Data protection", cell: (c) => <VeleroSummary velero={c.velero} /> },
  {
    id: "labels",
    header: "Labels",
    hideBelow: "lg",
    cell: (c) =>
      Object.entries(c.labels).map(([k, v]) => (
        <Chip key={k} size="small" variant="outlined" label={`${k}=${v}`} sx={{ mr: 0.5 }} />
      )),
  },
];

export function ClustersTable() {
  const trpc = useTRPC();
  // Updates are pushed (LiveUpdates); polling only while the stream is down.
  const live = useLiveInterval(15_000);
  const { can } = useMe();
  const clusters = useQuery({ ...trpc.cluster.list.queryOptions(), refetchInterval: live });
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
      <ResourceTable
        label="Clusters"
        size="medium"
        columns={COLUMNS}
        rows={clusters.data}
        rowKey={(c) => c.id}
        rowTestId={(c) => `cluster-row-${c.name}`}
        loading={clusters.isLoading}
        error={clusters.error}
        onRetry={() => void clusters.refetch()}
        defaultSort={{ column: "name", direction: "asc" }}
        empty={{
          icon: <Dns />,
          title: "No clusters attached",
          message: mayAttach
            ? "Attach a cluster with a kubeconfig, or generate an onboarding manifest that creates a least-privilege service account for Lifeboat."
            : "No cluster you can see is attached yet. A cluster admin of your groups attaches them.",
        }}
      />
      {mayAttach && attaching && (
        <AttachClusterDialog open={attaching} onClose={() => setAttaching(false)} groups={adminGroups} />
      )}
    </>
  );
}
