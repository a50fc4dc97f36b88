import type { Metadata } from "next";
import { EvidenceReport } from "@/components/drill/EvidenceReport";

export const metadata: Metadata = { title: "Restore evidence" };

/** `?group=<id>` chooses the cluster group. */
export default async function Page({ searchParams }: { searchParams: Promise<{ group?: string | string[] }> }) {
  const raw = (await searchParams).group;
  return <EvidenceReport groupId={(Array.isArray(raw) ? raw[0] : raw) || undefined} />;
}
