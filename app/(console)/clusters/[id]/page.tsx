import type { Metadata } from "next";
import { ClusterDetail } from "@/components/cluster/ClusterDetail";
import { clusterName } from "./cluster-name";

type Params = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const name = await clusterName((await params).id);
  return { title: name ? `${name} · Clusters` : "Cluster not found" };
}

export default async function ClusterPage({ params }: Params) {
  const { id } = await params;
  return <ClusterDetail id={id} />;
}
