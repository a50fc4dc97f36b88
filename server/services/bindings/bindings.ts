import type { Db } from "../../db/client";
import { AppError, notFound } from "../../errors";
import type { ClusterRole } from "@/lib/rbac/permissions";

type Subject = { kind: "user" | "team"; id: string };
type Target = { kind: "clusterGroup" | "cluster"; id: string };

const shown = {
  id: true,
  role: true,
  createdAt: true,
  user: { select: { id: true, email: true, name: true } },
  team: { select: { id: true, name: true } },
  clusterGroup: { select: { id: true, name: true } },
  cluster: { select: { id: true, name: true } },
} as const;

export async function listBindings(db: Db, filter: { clusterGroupId?: string; clusterId?: string }) {
  return db.roleBinding.findMany({
    where: { clusterGroupId: filter.clusterGroupId, clusterId: filter.clusterId },
    select: shown,
    orderBy: { createdAt: "asc" },
  });
}

export async function createBinding(db: Db, input: { role: ClusterRole; subject: Subject; target: Target }) {
  const subjectExists =
    input.subject.kind === "user"
      ? await db.user.findUnique({ where: { id: input.subject.id }, select: { id: true } })
      : await db.team.findUnique({ where: { id: input.subject.id }, select: { id: true } });
  if (!subjectExists) throw notFound(input.subject.kind === "user" ? "User" : "Team");
  const targetExists =
    input.target.kind === "clusterGroup"
      ? await db.clusterGroup.findUnique({ where: { id: input.target.id }, select: { id: true } })
      : await db.cluster.findUnique({ where: { id: input.target.id }, select: { id: true } });
  if (!targetExists) throw notFound(input.target.kind === "clusterGroup" ? "Cluster group" : "Cluster");
  const key = {
    userId: input.subject.kind === "user" ? input.subject.id : null,
    teamId: input.subject.kind === "team" ? input.subject.id : null,
    clusterGroupId: input.target.kind === "clusterGroup" ? input.target.id : null,
    clusterId: input.target.kind === "cluster" ? input.target.id : null,
  };
  const existing = await db.roleBinding.findFirst({ where: key, select: { id: true } });
  if (existing)
    throw new AppError("CONFLICT", "That subject is already bound there: delete the binding to change its role");
  return db.roleBinding.create({ data: { ...key, role: input.role }, select: shown });
}

export async function deleteBinding(db: Db, id: string) {
  const b = await db.roleBinding.findUnique({ where: { id }, select: { id: true } });
  if (!b) throw notFound("Binding");
  await db.roleBinding.delete({ where: { id } });
  return { id };
}
