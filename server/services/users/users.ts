import type { Db } from "../../db/client";
import { AppError, notFound } from "../../errors";
import { hashPassword, verifyPassword } from "../../auth/password";
import { revokeUserSessions } from "../../auth/principal";
import type { OrgRole } from "@/lib/rbac/permissions";

const listed = {
  id: true,
  email: true,
  name: true,
  role: true,
  provider: true,
  disabled: true,
  lastSignInAt: true,
  createdAt: true,
} as const;

export async function listUsers(db: Db) {
  const users = await db.user.findMany({
    orderBy: { email: "asc" },
    select: { ...listed, memberships: { select: { team: { select: { id: true, name: true } } } } },
  });
  return users.map(({ memberships, ...u }) => ({ ...u, teams: memberships.map((m) => m.team) }));
}

export async function createUser(db: Db, input: { email: string; name: string; password: string; role: OrgRole }) {
  if (await db.user.findUnique({ where: { email: input.email }, select: { id: true } }))
    throw new AppError("CONFLICT", `A user with email ${input.email} already exists`);
  return db.user.create({
    data: { email: input.email, name: input.name, role: input.role, passwordHash: await hashPassword(input.password) },
    select: listed,
  });
}

async function otherActiveAdmins(db: Db, userId: string) {
  return db.user.count({ where: { role: "ORG_ADMIN", disabled: false, id: { not: userId } } });
}

export async function updateUser(db: Db, actorId: string, input: { id: string; name?: string; role?: OrgRole }) {
  const user = await db.user.findUnique({ where: { id: input.id }, select: { id: true, role: true } });
  if (!user) throw notFound("User");
  if (input.role === "MEMBER" && user.role === "ORG_ADMIN" && (await otherActiveAdmins(db, user.id)) === 0) {
    throw new AppError("PRECONDITION_FAILED", "This is the last organization admin: make another user admin first");
  }
  return db.user.update({ where: { id: input.id }, data: { name: input.name, role: input.role }, select: listed });
}

export async function setUserDisabled(db: Db, actorId: string, id: string, disabled: boolean) {
  const user = await db.user.findUnique({ where: { id }, select: { id: true, role: true } });
  if (!user) throw notFound("User");
  if (disabled && id === actorId) throw new AppError("PRECONDITION_FAILED", "You cannot disable your own account");
  if (disabled && user.role === "ORG_ADMIN" && (await otherActiveAdmins(db, id)) === 0) {
    throw new AppError("PRECONDITION_FAILED", "This is the last active organization admin");
  }
  const updated = await db.user.update({ where: { id }, data: { disabled }, select: listed });
  if (disabled) await revokeUserSessions(db, id);
  return updated;
}

export async function resetPassword(db: Db, id: string, password: string) {
  const user = await db.user.findUnique({ where: { id }, select: { id: true, provider: true } });
  if (!user) throw notFound("User");
  if (user.provider !== "LOCAL")
    throw new AppError(
      "PRECONDITION_FAILED",
      "This user signs in through the identity provider and has no local password",
    );
  await db.user.update({ where: { id }, data: { passwordHash: await hashPassword(password) } });
  await revokeUserSessions(db, id);
  return { id };
}

/** Changes one's own password; every other browser session ends (all of them when changed through an API token). */
export async function changeOwnPassword(
  db: Db,
  userId: string,
  sessionId: string | undefined,
  current: string,
  next: string,
) {
  const user = await db.user.findUnique({ where: { id: userId }, select: { passwordHash: true, provider: true } });
  if (!user || user.provider !== "LOCAL")
    throw new AppError("PRECONDITION_FAILED", "Your account has no local password");
  if (!(await verifyPassword(current, user.passwordHash)))
    throw new AppError("BAD_REQUEST", "The current password is incorrect");
  await db.user.update({ where: { id: userId }, data: { passwordHash: await hashPassword(next) } });
  // Other sessions end; this one stays.
  await db.session.updateMany({
    where: { userId, revokedAt: null, ...(sessionId ? { id: { not: sessionId } } : {}) },
    data: { revokedAt: new Date() },
  });
  return { id: userId };
}
