import type { Db } from "../../db/client";

// Names for the ids an audit row holds (its actor, its target, its scope), resolved on the server for one page of rows
// at a time. An object deleted since has no name: the row keeps its id.

type Kind = "user" | "cluster" | "clusterGroup" | "location" | "credential" | "team";
const KINDS = new Set<string>(["user", "cluster", "clusterGroup", "location", "credential", "team"]);

export interface Named {
  actorName: string | null;
  targetName: string | null;
  scopeName: string | null;
}

const scopeRef = (scope: string): [string, string] | null => {
  const i = scope.indexOf(":");
  return i > 0 ? [scope.slice(0, i), scope.slice(i + 1)] : null;
};

/** Each row with the names of its actor (the user's name), its target and its scope, when they still exist. */
export async function withNames<
  R extends { actorId: string | null; targetType: string | null; targetId: string | null; scope: string },
>(db: Db, rows: R[]): Promise<(R & Named)[]> {
  const ids: Record<Kind, Set<string>> = {
    user: new Set(),
    cluster: new Set(),
    clusterGroup: new Set(),
    location: new Set(),
    credential: new Set(),
    team: new Set(),
  };
  for (const r of rows) {
    if (r.actorId) ids.user.add(r.actorId);
    if (r.targetType && KINDS.has(r.targetType) && r.targetId) ids[r.targetType as Kind].add(r.targetId);
    const s = scopeRef(r.scope);
    if (s && KINDS.has(s[0])) ids[s[0] as Kind].add(s[1]);
  }
  const where = (k: Kind) => ({ where: { id: { in: [...ids[k]] } } });
  const [users, clusters, groups, locations, credentials, teams] = await Promise.all([
    ids.user.size ? db.user.findMany({ ...where("user"), select: { id: true, name: true, email: true } }) : [],
    ids.cluster.size ? db.cluster.findMany({ ...where("cluster"), select: { id: true, name: true } }) : [],
    ids.clusterGroup.size
      ? db.clusterGroup.findMany({ ...where("clusterGroup"), select: { id: true, name: true } })
      : [],
    ids.location.size ? db.location.findMany({ ...where("location"), select: { id: true, name: true } }) : [],
    ids.credential.size ? db.credential.findMany({ ...where("credential"), select: { id: true, name: true } }) : [],
    ids.team.size ? db.team.findMany({ ...where("team"), select: { id: true, name: true } }) : [],
  ]);
  const names = new Map<string, string>();
  for (const u of users) names.set(`user:${u.id}`, u.name || u.email);
  for (const [k, list] of [
    ["cluster", clusters],
    ["clusterGroup", groups],
    ["location", locations],
    ["credential", credentials],
    ["team", teams],
  ] as const)
    for (const o of list) names.set(`${k}:${o.id}`, o.name);
  return rows.map((r) => ({
    ...r,
    actorName: r.actorId ? (names.get(`user:${r.actorId}`) ?? null) : null,
    targetName: r.targetType && r.targetId ? (names.get(`${r.targetType}:${r.targetId}`) ?? null) : null,
    scopeName: names.get(r.scope) ?? null,
  }));
}
