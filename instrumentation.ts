// Runs once when the server starts: bootstraps the first admin from LIFEBOAT_ADMIN_EMAIL / LIFEBOAT_ADMIN_PASSWORD and
// starts the controller runtime: under a PostgreSQL lease (one leader among the console processes on the database),
// the sync of every attached cluster's Velero objects and the periodic health checks with location healing
// (LIFEBOAT_HEALTH_INTERVAL_SECONDS, default 30; 0 turns the checks off, not the sync).
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
  const { eventBus } = await import("./server/events/bus");
  const { ControllerManager } = await import("./server/controllers/manager");
  const { SyncReconciler, healthReconciler } = await import("./server/controllers/reconcilers");
  const d = deps();
  const bus = eventBus();
  const reconcilers = [new SyncReconciler(d, bus), ...(seconds > 0 ? [healthReconciler(d, seconds * 1000)] : [])];
  const manager = new ControllerManager(d.db, reconcilers);
  await manager.start();
  // A clean stop hands the lease over at once instead of after its expiry.
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => {
      void manager.stop().finally(() => {
        // Next's own handler exits when it has one; otherwise this was the only one, and the process ends here.
        if (process.listenerCount(signal) === 0) process.exit(0);
      });
    });
}
