// Runs once when the server starts: bootstraps the first admin from LIFEBOAT_ADMIN_EMAIL / LIFEBOAT_ADMIN_PASSWORD.
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
}
