import { CLUSTER_LABEL, CREATED_BY_ANNOTATION } from "./backup-spec";
import { CLUSTER_SLUG_MAX, clusterSlug } from "./names";

// What makes a Backup or Restore name safe to create: it starts with its cluster's slug (so clusters sharing a bucket
// never pick the same name), and a name that already exists is "ours" only when it is the very same request (a double
// submit), not another object that happens to have that name (one synced from another cluster, say).

/** The prefix every Backup/Restore name Lifeboat creates on this cluster starts with. */
export const clusterNamePrefix = (clusterName: string) => `${clusterSlug(clusterName, CLUSTER_SLUG_MAX)}-`;

/** JSON with sorted keys and undefined members left out, so two objects compare by content. */
export const canonicalJson = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonicalJson).join(",")}]`
    : v && typeof v === "object"
      ? `{${Object.keys(v)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
          .join(",")}}`
      : JSON.stringify(v);

type Obj = { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: object };

/**
 * Is `existing` (read back after a 409) what creating `wanted` would have made? Same author, same cluster label, and
 * every spec field we send equal (the API server may add defaults, never change what was sent).
 */
export function isSameRequest(existing: Obj | null | undefined, wanted: Obj): boolean {
  if (!existing) return false;
  if (existing.metadata?.annotations?.[CREATED_BY_ANNOTATION] !== wanted.metadata?.annotations?.[CREATED_BY_ANNOTATION])
    return false;
  if (existing.metadata?.labels?.[CLUSTER_LABEL] !== wanted.metadata?.labels?.[CLUSTER_LABEL]) return false;
  const have = (existing.spec ?? {}) as Record<string, unknown>;
  return Object.entries(wanted.spec ?? {}).every(([k, v]) => canonicalJson(have[k]) === canonicalJson(v));
}
