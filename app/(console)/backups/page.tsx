import type { Metadata } from "next";
import { BackupsPage } from "@/components/backup/BackupsPage";
import { backupListQuery, backupPageInput, nextBackupPage } from "@/lib/schemas/backup-query";
import { getQueryClient, HydrateClient, trpc } from "@/lib/trpc/server";
import { currentPrincipal } from "@/server/auth/page-session";

export const metadata: Metadata = { title: "Backups" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function Page({ searchParams }: { searchParams: SearchParams }) {
  // The first page of the list is rendered on the server (the same procedure and guard as the browser's fetch), so
  // the table is in the first paint; the browser takes over the cache and keeps it live (#10 §6).
  if (await currentPrincipal()) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(await searchParams)) if (typeof v === "string") params.set(k, v);
    await getQueryClient().prefetchInfiniteQuery(
      trpc.backup.page.infiniteQueryOptions(backupPageInput(backupListQuery(params)), {
        getNextPageParam: nextBackupPage,
      }),
    );
  }
  return (
    <HydrateClient>
      <BackupsPage />
    </HydrateClient>
  );
}
