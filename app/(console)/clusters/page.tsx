import { PageHeader } from "@/components/common/PageHeader";
import { ClusterGroupsOverview } from "@/components/cluster/ClusterGroupsOverview";

export default function ClustersPage() {
  return (
    <>
      <PageHeader title="Clusters" subtitle="Clusters are organised in cluster groups; you see the groups and clusters your bindings grant." />
      <ClusterGroupsOverview />
    </>
  );
}
