"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/client";
import type { Permission } from "@/lib/rbac/permissions";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/routers/_app";

export type Me = inferRouterOutputs<AppRouter>["me"]["get"];

/** The signed-in user and what they may do. It only hides controls: the server decides. */
export function useMe() {
  const trpc = useTRPC();
  const q = useQuery(trpc.me.get.queryOptions());
  const can = (p: Permission) => Boolean(q.data?.permissions.includes(p));
  return { me: q.data, can, isLoading: q.isLoading };
}
