import { ClusterDetail } from "@/components/cluster/ClusterDetail";

export default async function ClusterPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ClusterDetail id={id} />;
}
