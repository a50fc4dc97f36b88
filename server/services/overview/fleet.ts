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
  const stats = await db.$queryRaw<
    { clusterId: string; lastCompleted: Date | null; running: bigint; failed: bigint }[]
  >`
    SELECT v."clusterId",
      max(v."createdAt") FILTER (WHERE v.phase = 'Completed') AS "lastCompleted",
      count(*) FILTER (WHERE v.phase IN (${Prisma.join(RUNNING)})) AS running,
      count(*) FILTER (WHERE v.phase IN (${Prisma.join(FAILED)}) AND v."createdAt" >= ${since}) AS failed
    FROM "VeleroObject" v
    WHERE v.kind = 'backups' AND v."clusterId" = ANY(${ids}::text[]) AND NOT v."syncedCopy"
    GROUP BY v."clusterId"`;
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
