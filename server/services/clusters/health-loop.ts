import type { Deps } from "../../composition";
import { logger } from "../../log";
import { checkCluster } from "./clusters";
import { LeaseLost, type Fence } from "../../controllers/ownership";
import { reconcileCluster } from "../protection/locations";

/** What the loop keeps in step with the clusters: the sync engine runs for every attached cluster, and stops for detached ones. */
export interface Synced {
  startCluster(id: string): void;
  stopCluster(id: string): Promise<void>;
  running(): string[];
}

// Checks every attached cluster periodically (one at a time, so a slow cluster delays but never piles up checks), and
// keeps the sync engine running for exactly the attached clusters. A disconnected cluster keeps its loops: they back off
// and resume by themselves when it answers again, while its read model shows the last-known state. After each
// successful check of a cluster running Velero, its target locations are healed (reconcileCluster). A check reads the
// cluster's access and its Velero (about a dozen requests) on the first check, after a failed one, and then every
// `fullMs`; the checks in between only ask for the version (one request), so an idle cluster hears little but watches.
export function startHealthLoop(
  d: Deps,
  intervalMs: number,
  o: {
    sync?: Synced;
    /** Only the clusters this process owns are checked (several console processes). */
    owns?: (clusterId: string) => boolean;
    /** The lease of each cluster, which its check's write must still hold. */
    fence?: (clusterId: string) => Fence | null;
    /** Told when a check found the cluster's lease lost, so ownership stops and settles it (as the sync does). */
    onLeaseLost?: (clusterId: string) => void;
    /** How often access and Velero are read again (every check by default). */
    fullMs?: number;
  } = {},
): () => Promise<void> {
  const { sync, owns = () => true, fence, onLeaseLost, fullMs = intervalMs } = o;
  let running: Promise<void> | null = null;
  /**
   * When each cluster's access and Velero were last read by this process, and under which lease token: a new owner, or
   * this process owning it again after losing it, reads them first.
   */
  const fullAt = new Map<string, { at: number; token: bigint | null }>();
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = checkAll()
      .catch((e) => logger.warn({ err: e instanceof Error ? e.message : String(e) }, "cluster checks failed"))
      .finally(() => {
        running = null;
      });
  };
  const checkAll = async () => {
    const clusters = (
      await d.db.cluster.findMany({
        where: { kubeconfigSecretId: { not: null } },
        select: { id: true, name: true },
      })
    ).filter((c) => owns(c.id));
    // Forgotten once owned elsewhere (or detached): owned again later, a cluster's first check is a full one.
    const owned = new Set(clusters.map((c) => c.id));
    for (const id of fullAt.keys()) if (!owned.has(id)) fullAt.delete(id);
    if (sync) {
      const ids = new Set(clusters.map((c) => c.id));
      for (const id of sync.running()) if (!ids.has(id)) await sync.stopCluster(id);
      for (const id of ids) sync.startCluster(id);
    }
    for (const c of clusters) {
      if (stopped) break;
      // Owned elsewhere since the list was read: that process checks it.
      if (!owns(c.id)) continue;
      const started = Date.now();
      const token = fence?.(c.id)?.token ?? null;
      const fenceOf = fence && (() => fence(c.id));
      const last = fullAt.get(c.id);
      const full = !last || last.token !== token || started - last.at >= fullMs;
      const r = await checkCluster(d, c.id, { full, fence: fenceOf }).catch((e) => {
        // Taken over meanwhile: the new owner checks it, and nothing was written.
        if (e instanceof LeaseLost) {
          onLeaseLost?.(c.id);
          return undefined;
        }
        logger.warn({ cluster: c.name, err: e instanceof Error ? e.message : String(e) }, "cluster check failed");
        return null;
      });
      if (r === undefined) continue;
      if (r && r.failedChecks === 0 && full) fullAt.set(c.id, { at: started, token });
      else if (!r || r.failedChecks > 0) fullAt.delete(c.id);
      if (r?.state === "DISCONNECTED")
        logger.warn({ cluster: c.name, failedChecks: r.failedChecks }, "cluster is disconnected");
      // Reached, with Velero: put back any target location that is missing there or failed before (database reads only
      // when everything is in place). Failures stay on the location's deployment row.
      if (r && r.failedChecks === 0 && (r.velero as { installed?: boolean } | null)?.installed && !stopped) {
        const healed = await reconcileCluster(d, c.id, { fence: fenceOf }).catch((e) => {
          if (e instanceof LeaseLost) {
            onLeaseLost?.(c.id);
            return null;
          }
          logger.warn(
            { cluster: c.name, err: e instanceof Error ? e.message : String(e) },
            "reconciling the cluster's locations failed",
          );
          return null;
        });
        if (healed && (healed.applied.length || healed.removed.length || healed.failed.length))
          logger.info({ cluster: c.name, ...healed }, "reconciled the cluster's locations");
      }
    }
  };
  const timer = setInterval(tick, intervalMs);
  tick();
  timer.unref();
  // Stopping waits for the check in flight, so nothing of the loop writes after it resolves.
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
