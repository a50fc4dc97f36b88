import type { ClusterClient } from "./cluster-client";
import { RESOURCES } from "./resources";

// The cluster's namespaces, for the wizards' checks: a typed namespace that does not exist, and a restore into one
// that already holds workloads.

/** The names of the cluster's namespaces, sorted. */
export async function listNamespaces(c: ClusterClient): Promise<string[]> {
  const items = await c.listItems(RESOURCES.namespaces);
  return items
    .map((n) => n.metadata?.name)
    .filter((n): n is string => Boolean(n))
    .sort();
}

/** What a namespace holds that a restore would meet (the kinds Lifeboat may read everywhere): pods and claims. */
export async function namespaceContents(c: ClusterClient, namespace: string): Promise<{ pods: number; pvcs: number }> {
  const [pods, pvcs] = await Promise.all([
    c.listItems(RESOURCES.pods, { namespace }),
    c.listItems(RESOURCES.persistentvolumeclaims, { namespace }),
  ]);
  return { pods: pods.length, pvcs: pvcs.length };
}
