import crypto from "node:crypto";
import type { Db } from "../db/client";
import { bearerCredential } from "./bearer";
import type { Principal } from "./principal";

// API tokens: a bearer credential per user beside the browser session. Only the token's SHA-256 is stored; the
// plaintext is returned once, when issued. A revoked or expired token, or one of a disabled user, resolves to no one;
// a token's user, role and bindings are read on every request, as a session's are.
const SCHEME = "lbt_";
const TOKEN = /^lbt_[A-Za-z0-9_-]{43}$/;
/** How much of a token the console shows to tell tokens apart ("lbt_" and 8 random characters). */
const SHOWN_PREFIX = 12;
const TOUCH_AFTER_MS = 30_000;

export const hashApiToken = (token: string) => crypto.createHash("sha256").update(token).digest("hex");

/** Issues a token for `userId`: the plaintext is in the answer and nowhere else. */
export async function issueApiToken(db: Db, userId: string, name: string, expiresAt?: Date | null) {
  const token = `${SCHEME}${crypto.randomBytes(32).toString("base64url")}`;
  const row = await db.apiToken.create({
    data: { userId, name, tokenHash: hashApiToken(token), prefix: token.slice(0, SHOWN_PREFIX), expiresAt },
    select: { id: true, prefix: true },
  });
  return { id: row.id, prefix: row.prefix, token };
}

/** The principal of an `Authorization: Bearer lbt_…` header; null for anything else, unknown, revoked or expired. */
export async function principalFromBearer(
  db: Db,
  authorizationHeader: string | null,
  now = new Date(),
): Promise<Principal | null> {
  const token = bearerCredential(authorizationHeader);
  if (!token || !TOKEN.test(token)) return null;
  const t = await db.apiToken.findUnique({
    where: { tokenHash: hashApiToken(token) },
    select: {
      id: true,
      lastUsedAt: true,
      expiresAt: true,
      revokedAt: true,
      user: { select: { id: true, email: true, name: true, role: true, disabled: true } },
    },
  });
  if (!t || t.revokedAt || t.user.disabled) return null;
  if (t.expiresAt && now >= t.expiresAt) return null;
  if (!t.lastUsedAt || now.getTime() - t.lastUsedAt.getTime() > TOUCH_AFTER_MS)
    await db.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: now } });
  return { userId: t.user.id, email: t.user.email, name: t.user.name, orgRole: t.user.role, tokenId: t.id };
}
