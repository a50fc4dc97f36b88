import type { Metadata } from "next";
import Typography from "@mui/material/Typography";
import { ClusterGroupsOverview } from "@/components/cluster/ClusterGroupsOverview";
import { ClustersTable } from "@/components/cluster/ClustersTable";

export const metadata: Metadata = { title: "Clusters" };

export default function ClustersPage() {
  return (
    <>
      <ClustersTable />
      <Typography variant="h6" component="h2" sx={{ mt: 4, mb: 1 }}>
        Cluster groups
      </Typography>
      <ClusterGroupsOverview />
    </>
  );
}
