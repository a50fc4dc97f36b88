import { ScheduleDetail } from "@/components/schedule/ScheduleDetail";

export default async function Page({ params }: { params: Promise<{ clusterId: string; name: string }> }) {
  const { clusterId, name } = await params;
  return <ScheduleDetail clusterId={clusterId} name={decodeURIComponent(name)} />;
}
