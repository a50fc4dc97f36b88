import type { Db } from "../db/client";
import type { OrgRole } from "@/lib/rbac/permissions";

// A signed-in user, resolved on every request from the session row the JWT names (or the API token a bearer header
// carries, server/auth/api-token.ts): a revoked session or token, a disabled user, an idle or absolute timeout all end
// access on the very next request.
export interface Principal {
  userId: string;
  email: string;
  name: string;
  orgRole: OrgRole;
  /** The browser session this request came with (exactly one of sessionId and tokenId is set). */
  sessionId?: string;
  /** The API token this request came with. */
  tokenId?: string;
}

export interface SessionLimits {
  idleMinutes: number;
  maxHours: number;
}

const TOUCH_AFTER_MS = 30_000;

export async function createSession(
  db: Db,
  userId: string,
  limits: SessionLimits,
  meta: { clientIp?: string | null; userAgent?: string | null } = {},
) {
  const now = new Date();
  const row = await db.session.create({
    data: {
      userId,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + limits.maxHours * 3_600_000),
      clientIp: meta.clientIp ?? null,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
    },
    select: { id: true },
  });
  await db.user.update({ where: { id: userId }, data: { lastSignInAt: now } });
  return row.id;
}

export async function resolvePrincipal(
  db: Db,
  sessionId: string | undefined,
  limits: SessionLimits,
  now = new Date(),
): Promise<Principal | null> {
  if (!sessionId) return null;
  const s = await db.session.findUnique({
    where: { id: sessionId },
    select: {
      id: true,
      lastSeenAt: true,
      expiresAt: true,
      revokedAt: true,
      user: { select: { id: true, email: true, name: true, role: true, disabled: true } },
    },
  });
  if (!s || s.revokedAt || s.user.disabled) return null;
  if (now >= s.expiresAt) return null;
  if (now.getTime() - s.lastSeenAt.getTime() > limits.idleMinutes * 60_000) {
    await db.session.update({ where: { id: s.id }, data: { revokedAt: now } });
    return null;
  }
  if (now.getTime() - s.lastSeenAt.getTime() > TOUCH_AFTER_MS)
    await db.session.update({ where: { id: s.id }, data: { lastSeenAt: now } });
  return { userId: s.user.id, email: s.user.email, name: s.user.name, orgRole: s.user.role, sessionId: s.id };
}

export async function revokeSession(db: Db, sessionId: string) {
  await db.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
}

export async function revokeUserSessions(db: Db, userId: string) {
  await db.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
}
