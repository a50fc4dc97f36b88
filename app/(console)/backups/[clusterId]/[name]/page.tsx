import { BackupDetail } from "@/components/backup/BackupDetail";

export default async function Page({ params }: { params: Promise<{ clusterId: string; name: string }> }) {
  const { clusterId, name } = await params;
  return <BackupDetail clusterId={clusterId} name={decodeURIComponent(name)} />;
}
