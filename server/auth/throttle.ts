import type { Db } from "../db/client";

// Failed sign-ins slow down per account and per client address. Each attempt is reserved in one statement before the
// password is checked (a row lock, not a count read by many at once), so 20 concurrent wrong passwords for one account
// run at most `perEmail` checks. Past the free attempts each next one waits twice as long as the last, up to
// `maxDelaySeconds`; a quiet `windowMinutes` forgets them. A locked account slows down: its owner is never shut out.
export const THROTTLE = { windowMinutes: 15, perEmail: 5, perAddress: 20, baseDelaySeconds: 1, maxDelaySeconds: 900 };

export interface ThrottleVerdict {
  allowed: boolean;
  retryAfterSeconds: number;
}

const emailKey = (email: string) => `email:${email}`;
const addressKey = (ip: string) => `ip:${ip}`;

/** Seconds to wait after the attempt numbered `attempts` (1-based) before the next one is allowed. */
export function delayAfter(attempts: number, free: number): number {
  if (attempts < free) return 0;
  return Math.min(THROTTLE.maxDelaySeconds, THROTTLE.baseDelaySeconds * 2 ** (attempts - free));
}

async function reserve(db: Db, key: string, free: number, now: Date): Promise<ThrottleVerdict> {
  // The attempt number: 1 after a quiet window, else one more than the last. Written twice: SET cannot read its own.
  const n = `CASE WHEN t."lastAttemptAt" < $2::timestamp - make_interval(mins => $3) THEN 1 ELSE t.attempts + 1 END`;
  const delay = (a: string) =>
    `make_interval(secs => CASE WHEN ${a} < $4 THEN 0 ELSE least($6, $5 * power(2, ${a} - $4)) END)`;
  const rows = await db.$queryRawUnsafe<{ attempts: number }[]>(
    `INSERT INTO "LoginThrottle" AS t (key, attempts, "lastAttemptAt", "nextAttemptAt")
     VALUES ($1, 1, $2::timestamp, $2::timestamp + ${delay("1")})
     ON CONFLICT (key) DO UPDATE SET attempts = ${n}, "lastAttemptAt" = $2::timestamp, "nextAttemptAt" = $2::timestamp + ${delay(n)}
     WHERE t."nextAttemptAt" <= $2::timestamp
     RETURNING attempts`,
    key,
    now,
    THROTTLE.windowMinutes,
    free,
    THROTTLE.baseDelaySeconds,
    THROTTLE.maxDelaySeconds,
  );
  if (rows.length) return { allowed: true, retryAfterSeconds: 0 };
  const row = await db.loginThrottle.findUnique({ where: { key }, select: { nextAttemptAt: true } });
  const wait = row ? Math.ceil((row.nextAttemptAt.getTime() - now.getTime()) / 1000) : 1;
  return { allowed: false, retryAfterSeconds: Math.max(1, wait) };
}

/**
 * Reserves one sign-in attempt for the address (when known) and the account; counted as a failure until
 * `attemptSucceeded` or `attemptUnused` says otherwise.
 */
export async function reserveAttempt(
  db: Db,
  email: string,
  clientIp: string | null,
  now = new Date(),
): Promise<ThrottleVerdict> {
  if (clientIp) {
    const byAddress = await reserve(db, addressKey(clientIp), THROTTLE.perAddress, now);
    if (!byAddress.allowed) return byAddress;
  }
  return reserve(db, emailKey(email), THROTTLE.perEmail, now);
}

async function giveBack(db: Db, key: string) {
  await db.loginThrottle.updateMany({ where: { key, attempts: { gt: 0 } }, data: { attempts: { decrement: 1 } } });
}

/** The right password: the account's failures are forgotten and the address's reservation given back. */
export async function attemptSucceeded(db: Db, email: string, clientIp: string | null): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key: emailKey(email) } });
  if (clientIp) await giveBack(db, addressKey(clientIp));
}

/** The password was never checked (the server was busy): both reservations are given back. */
export async function attemptUnused(db: Db, email: string, clientIp: string | null): Promise<void> {
  await giveBack(db, emailKey(email));
  if (clientIp) await giveBack(db, addressKey(clientIp));
}
