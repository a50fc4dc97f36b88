import { getQueryClient, trpc } from "@/lib/trpc/server";
import { currentPrincipal } from "@/server/auth/page-session";

/**
 * The cluster's name for the tab's title, asked through the same procedure (and so the same scope) as the page: a
 * cluster the user may not see, or none at all, has no name here.
 */
export async function clusterName(id: string): Promise<string | null> {
  if (!(await currentPrincipal())) return null;
  return getQueryClient()
    .fetchQuery(trpc.cluster.get.queryOptions({ id }))
    .then(
      (c) => c.name,
      () => null,
    );
}
