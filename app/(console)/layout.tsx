import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { currentPrincipal } from "@/server/auth/page-session";
import { db } from "@/server/db/client";
import { needsSetup } from "@/server/services/setup/setup";
import { AppShell } from "@/components/shell/AppShell";
import { LiveUpdates } from "@/components/common/LiveUpdates";
import { getQueryClient, HydrateClient, trpc } from "@/lib/trpc/server";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const principal = await currentPrincipal();
  if (!principal) redirect((await needsSetup(db())) ? "/setup" : "/signin");
  await getQueryClient().prefetchQuery(trpc.me.get.queryOptions());
  return (
    <HydrateClient>
      <LiveUpdates>
        <AppShell>{children}</AppShell>
      </LiveUpdates>
    </HydrateClient>
  );
}
