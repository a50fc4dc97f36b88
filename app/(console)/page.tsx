import type { Metadata } from "next";
import Grid from "@mui/material/Grid";
import Paper from "@mui/material/Paper";
import Typography from "@mui/material/Typography";
import { PageHeader } from "@/components/common/PageHeader";
import { ClusterGroupsOverview } from "@/components/cluster/ClusterGroupsOverview";
import { FleetDashboard } from "@/components/overview/FleetDashboard";
import { FleetStatus } from "@/components/overview/FleetStatus";
import { getQueryClient, HydrateClient, trpc } from "@/lib/trpc/server";
import { currentPrincipal } from "@/server/auth/page-session";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage({ searchParams }: { searchParams: Promise<{ group?: string | string[] }> }) {
  // The layout redirects the signed-out; pages render alongside it, so do not ask the API for them.
  if (!(await currentPrincipal())) return null;
  const qc = getQueryClient();
  // The dashboard's cluster group filter (?group=<id>), as FleetDashboard reads it.
  const raw = (await searchParams).group;
  const groupId = typeof raw === "string" && raw ? raw : undefined;
  // The dashboard and the protection table are rendered on the server too, so they are in the first paint (#10 §6);
  // the charts load in the browser afterwards.
  const [groups] = await Promise.all([
    qc.fetchQuery(trpc.clusterGroup.list.queryOptions()).catch(() => []),
    qc.prefetchQuery(trpc.overview.fleet.queryOptions()),
    qc.prefetchQuery(trpc.overview.dashboard.queryOptions(groupId ? { groupId } : {})),
  ]);
  const clusters = groups.reduce((n, g) => n + g.clusters.length, 0);
  const stats = [
    { label: "Cluster groups you can see", value: groups.length },
    { label: "Clusters you can see", value: clusters },
  ];
  return (
    <HydrateClient>
      <PageHeader title="Overview" subtitle="The clusters you protect, at a glance." />
      <Grid container spacing={2} sx={{ mb: 3 }}>
        {stats.map((s) => (
          <Grid key={s.label} size={{ xs: 12, sm: 6, md: 3 }}>
            <Paper variant="outlined" sx={{ p: 2 }}>
              <Typography variant="h4" component="p">
                {s.value}
              </Typography>
              <Typography variant="body2" color="text.secondary">
                {s.label}
              </Typography>
            </Paper>
          </Grid>
        ))}
      </Grid>
      <FleetDashboard />
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        Protection status
      </Typography>
      <FleetStatus />
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        Your cluster groups
      </Typography>
      <ClusterGroupsOverview />
    </HydrateClient>
  );
}
