import type { Metadata } from "next";
import { RestoreDetail } from "@/components/restore/RestoreDetail";

type Params = { params: Promise<{ clusterId: string; name: string }> };

// The restore's name is in the address already: the title says it without asking the API.
export async function generateMetadata({ params }: Params): Promise<Metadata> {
  return { title: `${decodeURIComponent((await params).name)} · Restores` };
}

export default async function Page({ params }: Params) {
  const { clusterId, name } = await params;
  return <RestoreDetail clusterId={clusterId} name={decodeURIComponent(name)} />;
}
