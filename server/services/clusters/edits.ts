import type { Deps } from "../../composition";
import type { Db } from "../../db/client";
import { AppError, notFound } from "../../errors";
import { roleOnCluster, type Access } from "../../rbac/access";
import { scopedGroup, type ScopedCluster } from "../../rbac/scope";
import { higherClusterRole, type ClusterRole } from "@/lib/rbac/permissions";
import type { ClusterMoveInput, ClusterUpdateInput } from "@/lib/schemas/cluster";
import { assertMaySpread, reconcileCluster } from "../protection/locations";
import { publish } from "../../events/bus";
import { getCluster } from "./clusters";
import { lockWriters, modeSelect, readOnlyOn } from "../protection/location-modes";

// Editing an attached cluster: its name, description and labels (Lifeboat's own, on the cluster record), and moving it
// to another cluster group. A move changes who may reach the cluster (the bindings on the old and the new group) and
// which target locations it holds (those assigned to either group): the preview computes both, with the same checks as
// the move itself, so the dialog shows them before anything is saved.

export async function updateCluster(d: Deps, c: ScopedCluster, input: Omit<ClusterUpdateInput, "id">) {
  if (input.name !== c.name && (await d.db.cluster.findUnique({ where: { name: input.name }, select: { id: true } })))
    throw new AppError("CONFLICT", `A cluster named ${input.name} is already attached`);
  await d.db.cluster.update({
    where: { id: c.id },
    data: { name: input.name, description: input.description, labels: input.labels },
  });
  await publish(d.db, { topic: "cluster", clusterId: c.id });
  return getCluster(d.db, c);
}

type Subject = { key: string; label: string };
const subjectOf = (b: { user: { email: string } | null; team: { name: string } | null }): Subject =>
  b.team
    ? { key: `team:${b.team.name}`, label: `team ${b.team.name}` }
    : { key: `user:${b.user!.email}`, label: b.user!.email };

/** Each subject's highest role from these bindings. */
function rolesOf(bindings: { role: ClusterRole; user: { email: string } | null; team: { name: string } | null }[]) {
  const out = new Map<string, { label: string; role: ClusterRole }>();
  for (const b of bindings) {
    const s = subjectOf(b);
    out.set(s.key, { label: s.label, role: higherClusterRole(out.get(s.key)?.role, b.role) });
  }
  return out;
}

const bindingSelect = {
  role: true,
  clusterGroupId: true,
  clusterId: true,
  user: { select: { email: true } },
  team: { select: { name: true } },
} as const;

/**
 * The locations a cluster holds in a group (those assigned to the group or to the cluster itself), with whether it
 * writes there: in the group it joins it is ReadOnly until chosen as a writer (#14 §3).
 */
async function locationsIn(db: Db, clusterId: string, groupId: string) {
  const rows = await db.locationAssignment.findMany({
    where: { OR: [{ clusterId }, { clusterGroupId: groupId }] },
    select: { location: { select: { id: true, name: true, readOnly: true } }, ...modeSelect },
  });
  const out = new Map<string, { name: string; writes: boolean }>();
  for (const r of rows) {
    // In the group it would join, no writer row names it (a move drops them): there it writes only once chosen.
    const here = rows.filter((x) => x.location.id === r.location.id);
    const ro = readOnlyOn(r.location, here, { id: clusterId, groupId });
    out.set(r.location.id, { name: r.location.name, writes: ro === false });
  }
  return out;
}

/** Checks a move (CLUSTER_ADMIN on the source and target groups, or ORG_ADMIN) and says what it changes. */
export async function previewMove(d: Deps, access: Access, c: ScopedCluster, groupId: string) {
  if (groupId === c.groupId) throw new AppError("BAD_REQUEST", `${c.name} is already in that group`);
  await scopedGroup(d.db, access, c.groupId, "cluster.move");
  const target = await scopedGroup(d.db, access, groupId, "cluster.move");
  const bindings = await d.db.roleBinding.findMany({
    where: { OR: [{ clusterId: c.id }, { clusterGroupId: { in: [c.groupId, groupId] } }] },
    select: bindingSelect,
  });
  const before = rolesOf(bindings.filter((b) => b.clusterId || b.clusterGroupId === c.groupId));
  const after = rolesOf(bindings.filter((b) => b.clusterId || b.clusterGroupId === groupId));
  const access_ = [...new Set([...before.keys(), ...after.keys()])]
    .map((k) => ({
      subject: (before.get(k) ?? after.get(k))!.label,
      before: before.get(k)?.role ?? null,
      after: after.get(k)?.role ?? null,
    }))
    .filter((x) => x.before !== x.after)
    .sort((a, b) => a.subject.localeCompare(b.subject));
  const [was, will] = await Promise.all([locationsIn(d.db, c.id, c.groupId), locationsIn(d.db, c.id, groupId)]);
  type Held = Map<string, { name: string; writes: boolean }>;
  const named = (m: Held, keep: (id: string, l: { writes: boolean }) => boolean) =>
    [...m]
      .filter(([id, l]) => keep(id, l))
      .map(([id, l]) => ({ id, name: l.name }))
      .sort((a, b) => a.name.localeCompare(b.name));
  return {
    from: { id: c.groupId, name: (await d.db.clusterGroup.findUnique({ where: { id: c.groupId } }))?.name ?? "" },
    to: { id: target.id, name: target.name },
    access: access_,
    locationsAdded: named(will, (id) => !was.has(id)),
    locationsRemoved: named(was, (id) => !will.has(id)),
    // Kept, but no longer written to: its schedules there fail until it is chosen as a writer again.
    locationsReadOnly: named(was, (id, l) => l.writes && will.get(id)?.writes === false),
  };
}

/**
 * Moves the cluster to another group: checked as the preview is, and the locations it gains hand their keys to it, so
 * each must be one the caller may spread (assertMaySpread). The cluster then converges on its new locations.
 */
export async function moveCluster(d: Deps, access: Access, c: ScopedCluster, input: Omit<ClusterMoveInput, "id">) {
  const preview = await previewMove(d, access, c, input.groupId);
  for (const l of preview.locationsAdded) await assertMaySpread(d, access, l.id);
  const moved = await d.db.$transaction(async (tx) => {
    // Under the writers' lock: a writers' change of the old group at the same time sees the cluster gone.
    await lockWriters(tx);
    const m = await tx.cluster.updateMany({
      where: { id: c.id, groupId: c.groupId },
      data: { groupId: input.groupId },
    });
    // It stops writing through its old group's assignments; in the new group it is ReadOnly until chosen as a writer.
    if (m.count)
      await tx.locationWriter.deleteMany({ where: { clusterId: c.id, assignment: { clusterGroupId: c.groupId } } });
    return m;
  });
  if (!moved.count) throw new AppError("CONFLICT", `${c.name} was moved or detached meanwhile: reload and try again`);
  // Who may see it changed: told at once (shared views of the old group drop it), not after its locations converge.
  await publish(d.db, { topic: "clusters", clusterId: c.id });
  await reconcileCluster(d, c.id);
  await publish(d.db, { topic: "cluster", clusterId: c.id });
  await publish(d.db, { topic: "locations" });
  const role = roleOnCluster(access, { id: c.id, groupId: input.groupId });
  if (!role) throw notFound("Cluster");
  return getCluster(d.db, { ...c, groupId: input.groupId, role });
}
