import { cache, type ReactNode } from "react";
import { headers } from "next/headers";
import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { appRouter } from "@/server/routers/_app";
import { createRequestContext } from "@/server/trpc/context";
import { makeQueryClient } from "./query-client";

// Server components prefetch through the same router (and so the same guard) as the browser, then hand the cache over.
export const getQueryClient = cache(makeQueryClient);
const context = cache(async () => createRequestContext(await headers()));

export const trpc = createTRPCOptionsProxy({ ctx: context, router: appRouter, queryClient: getQueryClient });

export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}
