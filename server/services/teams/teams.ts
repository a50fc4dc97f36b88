import type { Db } from "../../db/client";
import { AppError, notFound } from "../../errors";

export async function listTeams(db: Db) {
  const teams = await db.team.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      description: true,
      oidcGroup: true,
      createdAt: true,
      members: {
        select: { viaOidc: true, user: { select: { id: true, email: true, name: true } } },
        orderBy: { createdAt: "asc" },
      },
      _count: { select: { bindings: true } },
    },
  });
  return teams.map(({ members, _count, ...t }) => ({
    ...t,
    bindingCount: _count.bindings,
    members: members.map((m) => ({ ...m.user, viaOidc: m.viaOidc })),
  }));
}

export async function createTeam(db: Db, input: { name: string; description: string; oidcGroup?: string }) {
  if (await db.team.findUnique({ where: { name: input.name }, select: { id: true } }))
    throw new AppError("CONFLICT", `A team named ${input.name} already exists`);
  return db.team.create({
    data: { name: input.name, description: input.description, oidcGroup: input.oidcGroup ?? null },
    select: { id: true, name: true },
  });
}

export async function updateTeam(
  db: Db,
  input: { id: string; name?: string; description?: string; oidcGroup?: string | null },
) {
  if (!(await db.team.findUnique({ where: { id: input.id }, select: { id: true } }))) throw notFound("Team");
  return db.team.update({
    where: { id: input.id },
    data: {
      name: input.name,
      description: input.description,
      oidcGroup: input.oidcGroup === undefined ? undefined : input.oidcGroup || null,
    },
    select: { id: true, name: true },
  });
}

export async function deleteTeam(db: Db, id: string) {
  if (!(await db.team.findUnique({ where: { id }, select: { id: true } }))) throw notFound("Team");
  await db.team.delete({ where: { id } });
  return { id };
}

export async function addMember(db: Db, teamId: string, userId: string) {
  const [team, user] = await Promise.all([
    db.team.findUnique({ where: { id: teamId } }),
    db.user.findUnique({ where: { id: userId } }),
  ]);
  if (!team) throw notFound("Team");
  if (!user) throw notFound("User");
  await db.teamMember.upsert({
    where: { teamId_userId: { teamId, userId } },
    update: { viaOidc: false },
    create: { teamId, userId },
  });
  return { teamId, userId };
}

export async function removeMember(db: Db, teamId: string, userId: string) {
  const { count } = await db.teamMember.deleteMany({ where: { teamId, userId } });
  if (count === 0) throw notFound("Membership");
  return { teamId, userId };
}
