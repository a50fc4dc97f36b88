import { RestoreDetail } from "@/components/restore/RestoreDetail";

export default async function Page({ params }: { params: Promise<{ clusterId: string; name: string }> }) {
  const { clusterId, name } = await params;
  return <RestoreDetail clusterId={clusterId} name={decodeURIComponent(name)} />;
}
