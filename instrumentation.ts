// Runs once when the server starts: bootstraps the first admin from LIFEBOAT_ADMIN_EMAIL / LIFEBOAT_ADMIN_PASSWORD and
// starts the sync engine and the periodic cluster health checks (LIFEBOAT_HEALTH_INTERVAL_SECONDS, default 30; 0 turns
// the checks off, not the sync).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { db } = await import("./server/db/client");
  const { bootstrapAdminFromEnv } = await import("./server/services/setup/setup");
  const { logger } = await import("./server/log");
  try {
    await bootstrapAdminFromEnv(db());
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, "bootstrapping the first admin failed");
  }
  const seconds = Number(process.env.LIFEBOAT_HEALTH_INTERVAL_SECONDS ?? 30);
  const { deps } = await import("./server/composition");
  const { startHealthLoop } = await import("./server/services/clusters/health-loop");
  const { SyncEngine } = await import("./server/sync/engine");
  const { setProcessSyncEngine } = await import("./server/sync/registry");
  const d = deps();
  // The sync engine keeps the read model of Velero objects; it reads each cluster's sealed kubeconfig when it connects.
  const sync = new SyncEngine({ db: d.db, clientFor: (clusterId) => d.clusters.forCluster(clusterId) });
  setProcessSyncEngine(sync);
  if (seconds > 0) {
    startHealthLoop(d, seconds * 1000, sync);
  } else {
    // No health checks: the engine still follows every attached cluster (attach and detach start and stop it).
    for (const c of await d.db.cluster.findMany({ where: { kubeconfigSecretId: { not: null } }, select: { id: true } }))
      sync.startCluster(c.id);
  }
}
