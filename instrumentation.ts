// Runs once when the server starts: bootstraps the first admin from LIFEBOAT_ADMIN_EMAIL / LIFEBOAT_ADMIN_PASSWORD and
// starts the controller runtime: for the clusters this process owns among the console processes on the database (a
// lease per cluster), the sync of their Velero objects and the periodic health checks with location healing
// (LIFEBOAT_HEALTH_INTERVAL_SECONDS, default 30; 0 turns the checks off, not the sync); the fleet-wide work under one
// lease.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { db } = await import("./server/db/client");
  const { announceSetupToken, bootstrapAdminFromEnv } = await import("./server/services/setup/setup");
  const { logger } = await import("./server/log");
  const { startupRefusal } = await import("./server/env");
  const refusal = startupRefusal();
  if (refusal && process.env.NEXT_PHASE !== "phase-production-build") {
    logger.fatal(refusal);
    process.exit(1);
  }
  try {
    await bootstrapAdminFromEnv(db());
    const { authSecret } = await import("./server/auth/options");
    await announceSetupToken(db(), authSecret());
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, "bootstrapping the first admin failed");
  }
  const seconds = Number(process.env.LIFEBOAT_HEALTH_INTERVAL_SECONDS ?? 30);
  const { startControllers } = await import("./server/controllers/start");
  await startControllers(seconds);
}
