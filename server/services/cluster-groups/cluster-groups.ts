import { publish } from "../../events/bus";
import type { Db } from "../../db/client";
import { AppError, notFound } from "../../errors";
import type { ScopedGroup } from "../../rbac/scope";
import { roleOnCluster, roleOnGroup, visibleClusterWhere, visibleGroupWhere, type Access } from "../../rbac/access";

/** The groups this user may see, each with the user's role there and the clusters in it they may see. */
export async function listVisibleGroups(db: Db, access: Access) {
  const where = visibleGroupWhere(access);
  const clusterWhere = visibleClusterWhere(access);
  const groups = await db.clusterGroup.findMany({
    where: where ?? undefined,
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      description: true,
      createdAt: true,
      rpoHours: true,
      clusters: {
        where: clusterWhere ?? undefined,
        select: { id: true, name: true, groupId: true },
        orderBy: { name: "asc" },
      },
    },
  });
  return groups.map((g) => ({
    ...g,
    myRole: roleOnGroup(access, g.id) ?? null,
    clusters: g.clusters.map((c) => ({ id: c.id, name: c.name, myRole: roleOnCluster(access, c) ?? null })),
  }));
}

export async function createGroup(db: Db, input: { name: string; description: string }) {
  if (await db.clusterGroup.findUnique({ where: { name: input.name }, select: { id: true } }))
    throw new AppError("CONFLICT", `A cluster group named ${input.name} already exists`);
  const g = await db.clusterGroup.create({ data: input, select: { id: true, name: true } });
  await publish(db, { topic: "group" });
  return g;
}

/** Renames or re-describes a group (checked for clusterGroup.update by the scoped procedure). */
export async function updateGroup(
  db: Db,
  group: ScopedGroup,
  input: { name?: string; description?: string; rpoHours?: number },
) {
  // A new recovery point objective changes the breaches of the group's clusters: their summaries are computed again.
  if (input.rpoHours !== undefined) await publish(db, { topic: "groups" });
  // Pages that show its name or settings (run in the call's transaction: told when it commits).
  await publish(db, { topic: "group" });
  return db.clusterGroup.update({
    where: { id: group.id },
    data: { name: input.name, description: input.description, rpoHours: input.rpoHours },
    select: { id: true, name: true },
  });
}

export async function deleteGroup(db: Db, group: ScopedGroup) {
  const id = group.id;
  const g = await db.clusterGroup.findUnique({
    where: { id },
    select: { id: true, clusters: { select: { name: true } } },
  });
  if (!g) throw notFound("Cluster group");
  if (g.clusters.length)
    throw new AppError(
      "CONFLICT",
      `The group still holds clusters: ${g.clusters.map((c) => c.name).join(", ")}. Move or detach them first.`,
    );
  await db.clusterGroup.delete({ where: { id } });
  await publish(db, { topic: "group" });
  return { id };
}

export async function listVisibleClusters(db: Db, access: Access) {
  const where = visibleClusterWhere(access);
  const clusters = await db.cluster.findMany({
    where: where ?? undefined,
    orderBy: { name: "asc" },
    select: { id: true, name: true, groupId: true, group: { select: { name: true } } },
  });
  return clusters.map((c) => ({
    id: c.id,
    name: c.name,
    groupId: c.groupId,
    groupName: c.group.name,
    myRole: roleOnCluster(access, c) ?? null,
  }));
}
