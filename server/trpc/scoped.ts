import { z } from "zod";
import { id } from "@/lib/schemas/admin";
import { grantOf, type ClusterRole, type Permission } from "@/lib/rbac/permissions";
import { AppError, notFound } from "../errors";
import { canOnCluster, canOnGroup, roleOnCluster, roleOnGroup, visibleClusterWhere } from "../rbac/access";
import { procedure } from "./guard";
import type { Db } from "../db/client";
import type { Access } from "../rbac/access";

// Procedures bound to their scope: they read the target (a cluster or a cluster group) from the input, answer NOT_FOUND
// when the caller may not see it and FORBIDDEN when they may see it but their role there lacks the procedure's
// permission, put the target in the context and fill the audit scope. Services then act on `ctx.cluster` /
// `ctx.group` without checking roles again.
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

/** A procedure on one cluster: input `{ clusterId, ... }`, `ctx.cluster` checked for the procedure's permission. */
export const clusterProcedure = procedure
  .input(z.object({ clusterId: id }))
  .use(async ({ ctx, meta, input, getRawInput, next }) => {
    const permission = meta!.permission!;
    // The audit target: the resource of the permission and the object named in the input (else the cluster itself).
    const raw = (await getRawInput()) as { name?: unknown } | undefined;
    const name = typeof raw?.name === "string" ? raw.name.slice(0, 253) : undefined;
    Object.assign(ctx.audit, {
      type: name ? permission.split(".")[0] : "cluster",
      id: name ?? input.clusterId,
      scope: `cluster:${input.clusterId}`,
    });
    const cluster = await scopedCluster(ctx.db, ctx.access!, input.clusterId, permission);
    return next({ ctx: { ...ctx, cluster } });
  });

/** A procedure on one cluster group: input `{ groupId, ... }`, `ctx.group` checked for the procedure's permission. */
export const groupProcedure = procedure.input(z.object({ groupId: id })).use(async ({ ctx, meta, input, next }) => {
  const access = ctx.access!;
  const role = roleOnGroup(access, input.groupId);
  const group = role
    ? await ctx.db.clusterGroup.findUnique({ where: { id: input.groupId }, select: { id: true, name: true } })
    : null;
  if (!group || !role) throw notFound("Cluster group");
  ctx.audit.scope = `group:${group.id}`;
  const permission = meta!.permission!;
  if (!canOnGroup(access, permission, group.id))
    throw new AppError("FORBIDDEN", `${permission} on the group ${group.name} needs ${needs(permission)} there`);
  return next({ ctx: { ...ctx, group: { ...group, role } } });
});
