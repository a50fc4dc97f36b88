import type { Metadata } from "next";
import { CoveragePage } from "@/components/coverage/CoveragePage";
import { clusterName } from "../cluster-name";

type Params = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const name = await clusterName((await params).id);
  return { title: name ? `Coverage · ${name} · Clusters` : "Cluster not found" };
}

/** One cluster's volume coverage and recovery points (#13), live. */
export default async function ClusterCoveragePage({ params }: Params) {
  const { id } = await params;
  return <CoveragePage clusterId={id} />;
}
