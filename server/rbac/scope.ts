import { grantOf, type ClusterRole, type Permission } from "@/lib/rbac/permissions";
import { AppError, notFound } from "../errors";
import { canOnCluster, canOnGroup, roleOnCluster, roleOnGroup, visibleClusterWhere, type Access } from "./access";
import type { Db } from "../db/client";

// One cluster or cluster group as a user may act on it with one permission: NOT_FOUND when they may not see it,
// FORBIDDEN when they see it but their role there lacks the permission. The scoped procedures (server/trpc/scoped.ts)
// check the target named in the input with these; a service checks a target it reads from a row the same way.
const CLUSTER_FIELDS = {
  id: true,
  name: true,
  groupId: true,
  kubeconfigSecretId: true,
  velero: true,
  state: true,
  lastError: true,
  lastSeenAt: true,
} as const;

export interface ScopedCluster {
  id: string;
  name: string;
  groupId: string;
  kubeconfigSecretId: string | null;
  velero: unknown;
  state: "PENDING" | "CONNECTED" | "DISCONNECTED";
  lastError: string | null;
  lastSeenAt: Date | null;
  /** The caller's role on this cluster (organization admins: CLUSTER_ADMIN). */
  role: ClusterRole;
}

export interface ScopedGroup {
  id: string;
  name: string;
  /** The caller's role on this group (organization admins: CLUSTER_ADMIN). */
  role: ClusterRole;
}

const needs = (p: Permission) => {
  const g = grantOf(p);
  return g.scope === "cluster" ? `the ${g.minRole} role` : "more access";
};

/** The cluster `clusterId` as `access` may act on it with `permission`: NOT_FOUND when unseen, FORBIDDEN when the role lacks it. */
export async function scopedCluster(
  db: Db,
  access: Access,
  clusterId: string,
  permission: Permission,
): Promise<ScopedCluster> {
  const row = await db.cluster.findFirst({
    where: { AND: [{ id: clusterId }, visibleClusterWhere(access) ?? {}] },
    select: CLUSTER_FIELDS,
  });
  const role = row ? roleOnCluster(access, row) : undefined;
  if (!row || !role) throw notFound("Cluster");
  if (!canOnCluster(access, permission, row))
    throw new AppError("FORBIDDEN", `${permission} on ${row.name} needs ${needs(permission)} there`);
  return { ...row, role };
}

/** The cluster group `groupId` as `access` may act on it with `permission` (a role on the group itself). */
export async function scopedGroup(
  db: Db,
  access: Access,
  groupId: string,
  permission: Permission,
): Promise<ScopedGroup> {
  const role = roleOnGroup(access, groupId);
  const group = role
    ? await db.clusterGroup.findUnique({ where: { id: groupId }, select: { id: true, name: true } })
    : null;
  if (!group || !role) throw notFound("Cluster group");
  if (!canOnGroup(access, permission, group.id))
    throw new AppError("FORBIDDEN", `${permission} on the group ${group.name} needs ${needs(permission)} there`);
  return { ...group, role };
}

/** A cluster or a cluster group, as named by an input's `target` or a row's assignment. */
export type ScopeRef = { kind: "cluster" | "clusterGroup"; id: string };
export type ScopedTarget = ({ kind: "cluster" } & ScopedCluster) | ({ kind: "clusterGroup" } & ScopedGroup);

/** The cluster or cluster group `target` as `access` may act on it with `permission` (see scopedCluster, scopedGroup). */
export async function scopedTarget(
  db: Db,
  access: Access,
  target: ScopeRef,
  permission: Permission,
): Promise<ScopedTarget> {
  return target.kind === "cluster"
    ? { kind: "cluster", ...(await scopedCluster(db, access, target.id, permission)) }
    : { kind: "clusterGroup", ...(await scopedGroup(db, access, target.id, permission)) };
}
