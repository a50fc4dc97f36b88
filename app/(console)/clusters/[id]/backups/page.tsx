import { BackupsPage } from "@/components/backup/BackupsPage";

/** One cluster's backups, live; a disconnected cluster shows its last-known state and how old it is. */
export default async function ClusterBackupsPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <BackupsPage clusterId={id} />;
}
