"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/client";
import type { Permission } from "@/lib/rbac/permissions";

/** The signed-in user and what they may do. It only hides controls: the server decides. */
export function useMe() {
  const trpc = useTRPC();
  const q = useQuery(trpc.me.get.queryOptions());
  const can = (p: Permission) => Boolean(q.data?.permissions.includes(p));
  return { me: q.data, can, isLoading: q.isLoading };
}
