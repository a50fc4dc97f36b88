import type { Db } from "../db/client";
import { requestMeta } from "../request-meta";
import { recordAudit } from "../services/audit/audit";
import { PasswordBusyError, verifyPassword } from "./password";
import { attemptSucceeded, attemptUnused, reserveAttempt } from "./throttle";
import { createSession, type SessionLimits } from "./principal";

export const INVALID_CREDENTIALS = "Email or password is incorrect";

const waitText = (seconds: number) => (seconds < 60 ? `${seconds} second(s)` : `${Math.ceil(seconds / 60)} minute(s)`);

/**
 * Email-and-password sign-in (next-auth's credentials `authorize`): the attempt is reserved under the throttle before
 * the password is checked, the check runs under the process-wide bound on password work, and every outcome is audited.
 */
export async function authorizeCredentials(
  db: Db,
  credentials: Record<string, unknown> | undefined,
  headers: Headers | Record<string, string | string[] | undefined>,
  limits: SessionLimits,
) {
  const meta = requestMeta(headers);
  const email = String(credentials?.email ?? "")
    .trim()
    .toLowerCase();
  const password = String(credentials?.password ?? "");
  const audit = (outcome: "SUCCESS" | "DENIED" | "FAILURE", reason?: string, actorId?: string) =>
    recordAudit(db, {
      action: "auth.signIn",
      actorEmail: email,
      actorId,
      targetType: "user",
      targetId: actorId,
      outcome,
      reason,
      requestId: meta.requestId,
      clientIp: meta.clientIp,
    });
  if (!email || !password) throw new Error(INVALID_CREDENTIALS);
  const verdict = await reserveAttempt(db, email, meta.clientIp);
  if (!verdict.allowed) {
    await audit("DENIED", "throttled");
    throw new Error(`Too many failed sign-ins. Try again in ${waitText(verdict.retryAfterSeconds)}.`);
  }
  const user = await db.user.findUnique({ where: { email } });
  let ok: boolean;
  try {
    ok = await verifyPassword(password, user?.passwordHash);
  } catch (e) {
    if (!(e instanceof PasswordBusyError)) throw e;
    await attemptUnused(db, email, meta.clientIp);
    await audit("DENIED", "busy: password work at its limit", user?.id);
    throw e;
  }
  if (!ok || !user) {
    await audit("FAILURE", "invalid credentials", user?.id);
    throw new Error(INVALID_CREDENTIALS);
  }
  if (user.disabled) {
    await audit("DENIED", "account disabled", user.id);
    throw new Error("This account is disabled. Ask an organization admin.");
  }
  await attemptSucceeded(db, email, meta.clientIp);
  const sid = await createSession(db, user.id, limits, meta);
  await audit("SUCCESS", undefined, user.id);
  return { id: user.id, email: user.email, name: user.name, sid };
}
