import type { Metadata } from "next";
import { BackupDetail } from "@/components/backup/BackupDetail";

type Params = { params: Promise<{ clusterId: string; name: string }> };

// The backup's name is in the address already: the title says it without asking the API.
export async function generateMetadata({ params }: Params): Promise<Metadata> {
  return { title: `${decodeURIComponent((await params).name)} · Backups` };
}

export default async function Page({ params }: Params) {
  const { clusterId, name } = await params;
  return <BackupDetail clusterId={clusterId} name={decodeURIComponent(name)} />;
}
