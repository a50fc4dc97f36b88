import type { Db } from "../db/client";
import type { Principal } from "../auth/principal";
import {
  grantOf,
  higherClusterRole,
  roleGrants,
  PERMISSIONS,
  type ClusterRole,
  type OrgRole,
  type Permission,
} from "@/lib/rbac/permissions";

// What one user may do: their organization role plus the highest cluster role per cluster group and per cluster,
// from bindings to them and to their teams. Loaded fresh on every request, so a change takes effect at once.
export interface Access {
  userId: string;
  orgRole: OrgRole;
  groupRoles: Map<string, ClusterRole>;
  clusterRoles: Map<string, ClusterRole>;
}

export async function loadAccess(db: Db, userId: string, orgRole: OrgRole): Promise<Access> {
  const bindings = await db.roleBinding.findMany({
    where: { OR: [{ userId }, { team: { members: { some: { userId } } } }] },
    select: { role: true, clusterGroupId: true, clusterId: true },
  });
  const groupRoles = new Map<string, ClusterRole>();
  const clusterRoles = new Map<string, ClusterRole>();
  for (const b of bindings) {
    if (b.clusterGroupId) groupRoles.set(b.clusterGroupId, higherClusterRole(groupRoles.get(b.clusterGroupId), b.role));
    if (b.clusterId) clusterRoles.set(b.clusterId, higherClusterRole(clusterRoles.get(b.clusterId), b.role));
  }
  return { userId, orgRole, groupRoles, clusterRoles };
}

const accessLoading = new WeakMap<Principal, { db: Db; access: Promise<Access> }>();

/**
 * loadAccess for a request's principal. The calls of one batched request start together with the same principal: they
 * share one read (a call after them reads afresh, so a changed binding still counts from the next request on).
 */
export function accessOf(db: Db, principal: Principal): Promise<Access> {
  const loading = accessLoading.get(principal);
  if (loading?.db === db) return loading.access;
  const access = loadAccess(db, principal.userId, principal.orgRole);
  const entry = { db, access };
  accessLoading.set(principal, entry);
  const done = () => accessLoading.get(principal) === entry && accessLoading.delete(principal);
  access.then(done, done);
  return access;
}

const isAdmin = (a: Access) => a.orgRole === "ORG_ADMIN";

/** Held anywhere: the middleware's check. The service then scopes to a target with canOnCluster / canOnGroup. */
export function canAnywhere(a: Access, p: Permission): boolean {
  const g = grantOf(p);
  if (g.scope !== "cluster") return roleGrants(p, { orgRole: a.orgRole });
  if (isAdmin(a)) return true;
  return [...a.groupRoles.values(), ...a.clusterRoles.values()].some((r) =>
    roleGrants(p, { orgRole: a.orgRole, clusterRole: r }),
  );
}

export function roleOnGroup(a: Access, groupId: string): ClusterRole | undefined {
  return isAdmin(a) ? "CLUSTER_ADMIN" : a.groupRoles.get(groupId);
}

export function roleOnCluster(a: Access, cluster: { id: string; groupId: string }): ClusterRole | undefined {
  if (isAdmin(a)) return "CLUSTER_ADMIN";
  const fromGroup = a.groupRoles.get(cluster.groupId);
  const direct = a.clusterRoles.get(cluster.id);
  return direct ? higherClusterRole(fromGroup, direct) : fromGroup;
}

export function canOnCluster(a: Access, p: Permission, cluster: { id: string; groupId: string }): boolean {
  return roleGrants(p, { orgRole: a.orgRole, clusterRole: roleOnCluster(a, cluster) });
}

export function canOnGroup(a: Access, p: Permission, groupId: string): boolean {
  return roleGrants(p, { orgRole: a.orgRole, clusterRole: roleOnGroup(a, groupId) });
}

/**
 * Prisma filters for what a user may see: null means everything (organization admin). What these two filters read of
 * Access, visibilityKey must hold too: viewers with the same key are handed the same shared overview.
 */
export function visibleClusterWhere(a: Access) {
  if (isAdmin(a)) return null;
  return { OR: [{ groupId: { in: [...a.groupRoles.keys()] } }, { id: { in: [...a.clusterRoles.keys()] } }] };
}

/** Equal for two users who see the same clusters and groups (whatever their roles there): what a shared view is keyed by. */
export function visibilityKey(a: Access): string {
  if (isAdmin(a)) return "*";
  return JSON.stringify([[...a.groupRoles.keys()].sort(), [...a.clusterRoles.keys()].sort()]);
}

/**
 * The ids of the clusters `a` may see (null: every cluster), for a filter on a large table's clusterId: a list of ids
 * lets PostgreSQL walk the table's own order and stop at a page, where a join to Cluster made it read every row of
 * every visible cluster before sorting.
 */
export async function visibleClusterIds(db: Db, a: Access): Promise<string[] | null> {
  const where = visibleClusterWhere(a);
  if (!where) return null;
  return (await db.cluster.findMany({ where, select: { id: true } })).map((c) => c.id);
}

export function visibleGroupWhere(a: Access) {
  if (isAdmin(a)) return null;
  return {
    OR: [{ id: { in: [...a.groupRoles.keys()] } }, { clusters: { some: { id: { in: [...a.clusterRoles.keys()] } } } }],
  };
}

/** Every permission this user holds somewhere: the browser hides controls by it (the server still decides). */
export function grantedPermissions(a: Access): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => canAnywhere(a, p));
}
