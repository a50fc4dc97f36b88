import crypto from "node:crypto";
import type { Db } from "../db/client";
import { createSession, type Principal } from "../auth/principal";
import { makeContext } from "../trpc/init";
import { appRouter } from "../routers/_app";
import type { ClusterRole, OrgRole } from "@/lib/rbac/permissions";

// Builders for integration tests: real rows, real sessions, callers through the real router and guard.
let n = 0;
const uniq = (p: string) => `${p}-${++n}-${crypto.randomBytes(2).toString("hex")}`;

export async function aUser(db: Db, o: { role?: OrgRole; email?: string; disabled?: boolean } = {}) {
  return db.user.create({
    data: {
      email: o.email ?? `${uniq("u")}@example.com`,
      name: "Test User",
      role: o.role ?? "MEMBER",
      disabled: o.disabled ?? false,
    },
  });
}

export async function aGroup(db: Db, name = uniq("group")) {
  return db.clusterGroup.create({ data: { name } });
}

export async function aCluster(db: Db, groupId: string, name = uniq("cluster")) {
  return db.cluster.create({ data: { name, groupId } });
}

/**
 * `n` clusters of a new group, each attached as far as ownership sees it (a kubeconfig secret, not a real one): for
 * the controller runtime's tests, which share them among processes without reaching them. Their ids.
 */
export async function attachedClusters(db: Db, n: number): Promise<string[]> {
  const g = await aGroup(db);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = await aCluster(db, g.id);
    const secret = await db.sealedSecret.create({
      data: { purpose: "kubeconfig", keyId: "k", nonce: Buffer.alloc(12), ciphertext: Buffer.alloc(1) },
    });
    await db.cluster.update({ where: { id: c.id }, data: { kubeconfigSecretId: secret.id } });
    ids.push(c.id);
  }
  return ids;
}

export async function aTeam(db: Db, memberIds: string[] = [], name = uniq("team")) {
  return db.team.create({ data: { name, members: { create: memberIds.map((userId) => ({ userId })) } } });
}

export async function bind(
  db: Db,
  role: ClusterRole,
  subject: { userId?: string; teamId?: string },
  target: { clusterGroupId?: string; clusterId?: string },
) {
  return db.roleBinding.create({ data: { role, ...subject, ...target } });
}

export const limits = { idleMinutes: 30, maxHours: 12 };

export async function signedIn(
  db: Db,
  user: { id: string; email: string; name: string; role: OrgRole },
): Promise<Principal> {
  const sessionId = await createSession(db, user.id, limits);
  return { userId: user.id, email: user.email, name: user.name, orgRole: user.role, sessionId };
}

export function callerFor(db: Db, principal: Principal | null) {
  return appRouter.createCaller(
    makeContext(db, { requestId: crypto.randomUUID(), clientIp: "127.0.0.1", userAgent: "vitest" }, principal),
  );
}
