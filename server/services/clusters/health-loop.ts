import type { Deps } from "../../composition";
import { logger } from "../../log";
import { checkCluster } from "./clusters";

// Checks every attached cluster periodically (one at a time, so a slow cluster delays but never piles up checks).
export function startHealthLoop(d: Deps, intervalMs: number): () => void {
  let running = false;
  let stopped = false;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      for (const c of await d.db.cluster.findMany({ where: { kubeconfigSecretId: { not: null } }, select: { id: true, name: true } })) {
        if (stopped) break;
        const r = await checkCluster(d, c.id).catch((e) => {
          logger.warn({ cluster: c.name, err: e instanceof Error ? e.message : String(e) }, "cluster check failed");
          return null;
        });
        if (r?.state === "DISCONNECTED") logger.warn({ cluster: c.name, failedChecks: r.failedChecks }, "cluster is disconnected");
      }
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
