import { Prisma } from "../../db/generated/client";
import type { Db } from "../../db/client";
import { visibleClusterWhere, type Access } from "../../rbac/access";
import { isFailed, isRunning, phasesWhere } from "@/lib/velero/phases";

// The fleet at a glance, from the read model: per visible cluster, its last completed backup, what runs now, what
// failed in the last day, and how many schedules it has. A backup counts for the cluster that made it: the copies
// Velero syncs from a shared location (syncedCopy, decided by the sync engine through backupOrigin) are left out,
// whether Lifeboat made the original or not; backups made here outside Lifeboat count.

const RUNNING = phasesWhere("Backup", (p) => isRunning("Backup", p));
const FAILED = phasesWhere("Backup", (p) => isFailed("Backup", p));
/** A cluster whose newest completed backup is older than this is shown as stale (daily schedules plus slack). */
export const STALE_AFTER_HOURS = 26;

export async function fleetStatus(db: Db, access: Access, now = new Date()) {
  const clusters = await db.cluster.findMany({
    where: visibleClusterWhere(access) ?? undefined,
    orderBy: { name: "asc" },
    select: { id: true, name: true, state: true, lastSeenAt: true, velero: true, group: { select: { name: true } } },
  });
  if (!clusters.length) return [];
  const ids = clusters.map((c) => c.id);
  const since = new Date(now.getTime() - 24 * 3600_000);
  // Per cluster, three lookups in the index of its own backups by phase and date (VeleroObject_own_backups_phase_idx),
  // so the cost follows the clusters shown, not every backup they ever made.
  const stats = await db.$queryRaw<
    { clusterId: string; lastCompleted: Date | null; running: bigint; failed: bigint }[]
  >`
    SELECT c.id AS "clusterId",
      (SELECT v."createdAt" FROM "VeleroObject" v
        WHERE v."clusterId" = c.id AND v.kind = 'backups' AND NOT v."syncedCopy" AND v.phase = 'Completed'
        ORDER BY v."createdAt" DESC NULLS LAST LIMIT 1) AS "lastCompleted",
      (SELECT count(*) FROM "VeleroObject" v
        WHERE v."clusterId" = c.id AND v.kind = 'backups' AND NOT v."syncedCopy"
          AND v.phase IN (${Prisma.join(RUNNING)})) AS running,
      (SELECT count(*) FROM "VeleroObject" v
        WHERE v."clusterId" = c.id AND v.kind = 'backups' AND NOT v."syncedCopy"
          AND v.phase IN (${Prisma.join(FAILED)}) AND v."createdAt" >= ${since}) AS failed
    FROM unnest(${ids}::text[]) AS c(id)`;
  const schedules = await db.veleroObject.groupBy({
    by: ["clusterId"],
    where: { kind: "schedules", clusterId: { in: ids } },
    _count: { _all: true },
  });
  const byCluster = new Map(stats.map((s) => [s.clusterId, s]));
  const scheduleCount = new Map(schedules.map((s) => [s.clusterId, s._count._all]));
  return clusters.map((c) => {
    const s = byCluster.get(c.id);
    const last = s?.lastCompleted ?? null;
    const velero = Boolean((c.velero as { installed?: boolean } | null)?.installed);
    const protection = !velero
      ? "NO_VELERO"
      : !last
        ? "NEVER"
        : now.getTime() - last.getTime() > STALE_AFTER_HOURS * 3600_000
          ? "STALE"
          : "PROTECTED";
    return {
      clusterId: c.id,
      clusterName: c.name,
      groupName: c.group.name,
      state: c.state,
      lastSeenAt: c.lastSeenAt,
      protection: protection as "NO_VELERO" | "NEVER" | "STALE" | "PROTECTED",
      lastCompletedAt: last,
      running: Number(s?.running ?? 0),
      failedLastDay: Number(s?.failed ?? 0),
      schedules: scheduleCount.get(c.id) ?? 0,
    };
  });
}
