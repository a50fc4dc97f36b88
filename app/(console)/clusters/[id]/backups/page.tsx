import type { Metadata } from "next";
import { BackupsPage } from "@/components/backup/BackupsPage";
import { clusterName } from "../cluster-name";

type Params = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const name = await clusterName((await params).id);
  return { title: name ? `Backups · ${name} · Clusters` : "Cluster not found" };
}

/** One cluster's backups, live; a disconnected cluster shows its last-known state and how old it is. */
export default async function ClusterBackupsPage({ params }: Params) {
  const { id } = await params;
  return <BackupsPage clusterId={id} />;
}
