import type { Metadata } from "next";
import { DrillDetail } from "@/components/drill/DrillDetail";

type Params = { params: Promise<{ clusterId: string; id: string }> };

export const metadata: Metadata = { title: "Restore drill" };

export default async function Page({ params }: Params) {
  const { clusterId, id } = await params;
  return <DrillDetail clusterId={clusterId} id={id} />;
}
