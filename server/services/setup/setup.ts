import crypto from "node:crypto";
import net from "node:net";
import type { Db } from "../../db/client";
import { AppError } from "../../errors";
import { hashPassword } from "../../auth/password";
import { logger } from "../../log";

// First run: with no user in the database, one organization admin is created, once (an advisory lock serializes it).
const SETUP_LOCK = 4_242_001;

export async function needsSetup(db: Db) {
  return (await db.user.count()) === 0;
}

// Until the first admin exists, whoever reaches the setup page becomes the admin. A console listening only on loopback
// (npm run dev, the end-to-end run on 127.0.0.1) is reachable from this machine alone; on any other address (or when
// the address is unknown: `next start` listens everywhere) setup needs a token printed in the server log, so only
// someone who can read that log claims the console. The token is derived from the session secret, so every console
// process on the database accepts the same one; it opens setup once, as setup happens once.
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/** Whether this process listens on a loopback address only (serve.mjs passes --host on as LIFEBOAT_LISTEN_HOST). */
export function listensOnLoopbackOnly(host = process.env.LIFEBOAT_LISTEN_HOST): boolean {
  if (!host) return false;
  return LOOPBACK_HOSTS.has(host) || (net.isIPv4(host) && host.startsWith("127."));
}

export const setupTokenRequired = () => !listensOnLoopbackOnly();

export function setupToken(secret: string): string {
  return crypto.createHmac("sha256", secret).update("lifeboat first-run setup token").digest("base64url").slice(0, 24);
}

/** Refuses setup without the token when one is required; the message says where to find it. */
export function checkSetupToken(given: string | undefined, secret: string, required = setupTokenRequired()): void {
  if (!required) return;
  const expected = Buffer.from(setupToken(secret));
  const actual = Buffer.from(given?.trim() ?? "");
  if (actual.length !== expected.length || !crypto.timingSafeEqual(actual, expected))
    throw new AppError(
      "FORBIDDEN",
      given
        ? "That setup token is not right: copy it from the server log (the line “First-run setup token”)"
        : "First-run setup on this address needs the one-time setup token printed in the server log",
    );
}

/** At start, with no user yet and a token required: prints the token where only the operator reads it. */
export async function announceSetupToken(db: Db, secret: string): Promise<void> {
  if (!setupTokenRequired() || !(await needsSetup(db))) return;
  logger.warn(
    `First-run setup token: ${setupToken(secret)} (no admin exists yet and this console is reachable beyond this ` +
      "machine: enter the token on the setup page to create the first admin)",
  );
}

export async function createFirstAdmin(db: Db, input: { email: string; name: string; password: string }) {
  const passwordHash = await hashPassword(input.password);
  const insert = async (tx: Db) => {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${SETUP_LOCK})`);
    if ((await tx.user.count()) > 0) throw new AppError("CONFLICT", "Setup is already complete: sign in instead");
    return tx.user.create({
      data: { email: input.email, name: input.name, role: "ORG_ADMIN", passwordHash },
      select: { id: true, email: true },
    });
  };
  // In a procedure the guard's transaction (with the audit row) holds the lock; at boot, a transaction of its own.
  return "$transaction" in db ? db.$transaction((tx) => insert(tx as unknown as Db)) : insert(db);
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
