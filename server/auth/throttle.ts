import type { Db } from "../db/client";

// Repeated failed sign-ins are throttled per account and per client address, over a sliding window.
export const THROTTLE = { windowMinutes: 15, perEmail: 5, perAddress: 20 };

export interface ThrottleVerdict {
  allowed: boolean;
  retryAfterSeconds: number;
}

export async function checkThrottle(
  db: Db,
  email: string,
  clientIp: string | null,
  now = new Date(),
): Promise<ThrottleVerdict> {
  const since = new Date(now.getTime() - THROTTLE.windowMinutes * 60_000);
  const byEmail = await db.loginFailure.findMany({
    where: { email, at: { gt: since } },
    orderBy: { at: "asc" },
    select: { at: true },
  });
  const byIp = clientIp ? await db.loginFailure.count({ where: { clientIp, at: { gt: since } } }) : 0;
  if (byEmail.length < THROTTLE.perEmail && byIp < THROTTLE.perAddress) return { allowed: true, retryAfterSeconds: 0 };
  const oldest = byEmail[Math.max(0, byEmail.length - THROTTLE.perEmail)]?.at ?? now;
  const retry = Math.max(1, Math.ceil((oldest.getTime() + THROTTLE.windowMinutes * 60_000 - now.getTime()) / 1000));
  return { allowed: false, retryAfterSeconds: retry };
}

export async function recordFailure(db: Db, email: string, clientIp: string | null): Promise<void> {
  await db.loginFailure.create({ data: { email, clientIp } });
}

export async function clearFailures(db: Db, email: string): Promise<void> {
  await db.loginFailure.deleteMany({ where: { email } });
}
