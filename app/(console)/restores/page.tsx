import type { Metadata } from "next";
import { RestoresPage } from "@/components/restore/RestoresPage";

export const metadata: Metadata = { title: "Restores" };

/** `?backup=<clusterId>/<backup name>` opens the wizard on that backup (the backup page's "Restore…" links here). */
export default async function Page({ searchParams }: { searchParams: Promise<{ backup?: string | string[] }> }) {
  const raw = (await searchParams).backup;
  const value = Array.isArray(raw) ? raw[0] : raw;
  const slash = value?.indexOf("/") ?? -1;
  const from =
    value && slash > 0 ? { clusterId: value.slice(0, slash), backupName: value.slice(slash + 1) } : undefined;
  return <RestoresPage from={from} />;
}
