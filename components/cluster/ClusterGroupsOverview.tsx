"use client";
import { useQuery } from "@tanstack/react-query";
import Chip from "@mui/material/Chip";
import Typography from "@mui/material/Typography";
import Hub from "@mui/icons-material/Hub";
import type { inferRouterOutputs } from "@trpc/server";
import { useTRPC } from "@/lib/trpc/client";
import type { AppRouter } from "@/server/routers/_app";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { GroupDataProtectionButton } from "../velero-group/GroupDataProtectionButton";

const ROLE_LABEL = { CLUSTER_ADMIN: "Cluster admin", OPERATOR: "Operator", VIEWER: "Viewer" } as const;

type Row = inferRouterOutputs<AppRouter>["clusterGroup"]["list"][number];

const COLUMNS: Column<Row>[] = [
  {
    id: "name",
    header: "Cluster group",
    sortValue: (g) => g.name,
    cell: (g) => (
      <>
        <Typography variant="body2" sx={{ fontWeight: 500 }}>
          {g.name}
        </Typography>
        {g.description && (
          <Typography variant="caption" color="text.secondary">
            {g.description}
          </Typography>
        )}
      </>
    ),
  },
  {
    id: "role",
    header: "Your role",
    cell: (g) =>
      g.myRole ? (
        <Chip size="small" label={ROLE_LABEL[g.myRole]} />
      ) : (
        <Typography variant="body2" color="text.secondary">
          Per cluster
        </Typography>
      ),
  },
  {
    id: "clusters",
    header: "Clusters",
    cell: (g) =>
      g.clusters.length ? (
        g.clusters.map((c) => <Chip key={c.id} size="small" variant="outlined" label={c.name} sx={{ mr: 0.5 }} />)
      ) : (
        <Typography variant="body2" color="text.secondary">
          No clusters attached yet
        </Typography>
      ),
  },
  { id: "actions", header: "Actions", align: "right", cell: (g) => <GroupDataProtectionButton group={g} /> },
];

/** The cluster groups (and clusters in them) this user may see: the scope every cluster page works within. */
export function ClusterGroupsOverview() {
  const trpc = useTRPC();
  const q = useQuery(trpc.clusterGroup.list.queryOptions());
  return (
    <ResourceTable
      label="Cluster groups"
      size="medium"
      columns={COLUMNS}
      rows={q.data}
      rowKey={(g) => g.id}
      rowTestId={() => "cluster-group-row"}
      loading={q.isLoading}
      error={q.error}
      onRetry={() => void q.refetch()}
      empty={{
        icon: <Hub />,
        title: "No cluster groups to show",
        message:
          "You are not bound to any cluster group or cluster yet. An organization admin grants access under Admin › Cluster groups.",
      }}
    />
  );
}
