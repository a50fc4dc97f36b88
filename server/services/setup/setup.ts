import type { Db } from "../../db/client";
import { AppError } from "../../errors";
import { hashPassword } from "../../auth/password";
import { logger } from "../../log";

// First run: with no user in the database, one organization admin is created, once (an advisory lock serializes it).
const SETUP_LOCK = 4_242_001;

export async function needsSetup(db: Db) {
  return (await db.user.count()) === 0;
}

export async function createFirstAdmin(db: Db, input: { email: string; name: string; password: string }) {
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${SETUP_LOCK})`);
    if ((await tx.user.count()) > 0) throw new AppError("CONFLICT", "Setup is already complete: sign in instead");
    return tx.user.create({
      data: { email: input.email, name: input.name, role: "ORG_ADMIN", passwordHash },
      select: { id: true, email: true },
    });
  });
}

/** LIFEBOAT_ADMIN_EMAIL / LIFEBOAT_ADMIN_PASSWORD bootstrap the first admin when the database has no user. */
export async function bootstrapAdminFromEnv(db: Db, env: Record<string, string | undefined> = process.env) {
  const email = env.LIFEBOAT_ADMIN_EMAIL?.trim().toLowerCase();
  const password = env.LIFEBOAT_ADMIN_PASSWORD;
  if (!email || !password) return null;
  if (!(await needsSetup(db))) return null;
  try {
    const u = await createFirstAdmin(db, { email, password, name: "Administrator" });
    logger.info({ email: u.email }, "bootstrapped the first organization admin from LIFEBOAT_ADMIN_EMAIL");
    return u;
  } catch (err) {
    if (err instanceof AppError && err.code === "CONFLICT") return null;
    throw err;
  }
}
