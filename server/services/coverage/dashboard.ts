import type { Db } from "../../db/client";
import { visibleClusterWhere, visibleGroupWhere, type Access } from "../../rbac/access";
import type { DashboardCluster, FleetDashboard } from "@/lib/schemas/coverage";

// The fleet dashboard (#13 §4): per visible cluster its coverage ratio, recovery points, last backup and Velero, from
// the CoverageSummary rows the coverage-summaries reconciler keeps; backups per day by outcome and the volume data
// written per location and day over the last 30 days. Only the clusters the viewer may see (and their locations'
// names as their backups name them) are counted; a cluster whose newest finished restore drill failed shows that drill.
// Four queries, whatever the fleet's size.

export const DASHBOARD_DAYS = 30;

export async function fleetDashboard(
  db: Db,
  access: Access,
  filter: { groupId?: string } = {},
  now = new Date(),
): Promise<FleetDashboard> {
  const visible = visibleClusterWhere(access);
  const where = { ...(visible ?? {}), ...(filter.groupId ? { groupId: filter.groupId } : {}) };
  const [clusters, groups] = await Promise.all([
    db.cluster.findMany({
      where,
      select: {
        id: true,
        name: true,
        state: true,
        velero: true,
        group: { select: { id: true, name: true, rpoHours: true } },
        coverageSummary: { select: { volumes: true, covered: true, breaches: true, namespaces: true, problems: true } },
      },
    }),
    db.clusterGroup.findMany({
      where: visibleGroupWhere(access) ?? undefined,
      select: { id: true, name: true },
      orderBy: { name: "asc" },
    }),
  ]);
  const days = dayKeys(now);
  if (!clusters.length) return { clusters: [], groups, backupsPerDay: days.map(emptyDay), storedPerLocation: [] };
  const ids = clusters.map((c) => c.id);
  const since = new Date(`${days[0]}T00:00:00.000Z`);
  const [last, perDay, stored, drills] = await Promise.all([
    db.$queryRaw<{ clusterId: string; name: string; phase: string | null; createdAt: Date | null }[]>`
      SELECT c.id AS "clusterId", l.name, l.phase, l."createdAt"
      FROM unnest(${ids}::text[]) AS c(id)
      CROSS JOIN LATERAL (
        SELECT v.name, v.phase, v."createdAt" FROM "VeleroObject" v
        WHERE v."clusterId" = c.id AND v.kind = 'backups' AND NOT v."syncedCopy"
        ORDER BY v."createdAt" DESC NULLS LAST LIMIT 1) l`,
    db.$queryRaw<{ day: string; phase: string; n: bigint }[]>`
      SELECT to_char(date_trunc('day', v."createdAt"), 'YYYY-MM-DD') AS day, v.phase, count(*) AS n
      FROM "VeleroObject" v
      WHERE v.kind = 'backups' AND NOT v."syncedCopy" AND v."clusterId" = ANY(${ids}::text[])
        AND v."createdAt" >= ${since} AND v.phase IN ('Completed', 'PartiallyFailed', 'Failed')
      GROUP BY 1, 2`,
    db.$queryRaw<{ location: string; day: string; bytes: number }[]>`
      SELECT g.location, to_char(date_trunc('day', g."completedAt"), 'YYYY-MM-DD') AS day, sum(g.bytes)::float8 AS bytes
      FROM "BackupDigest" g
      WHERE g."clusterId" = ANY(${ids}::text[]) AND g."completedAt" >= ${since} AND g."fetchedAt" IS NOT NULL
      GROUP BY 1, 2`,
    // Each cluster's newest finished drill (into it): a failed one is a problem until a newer drill passes.
    db.$queryRaw<
      { clusterId: string; id: string; phase: string; at: Date; backupName: string; failureReason: string | null }[]
    >`
      SELECT DISTINCT ON (r."clusterId") r."clusterId", r.id, r.phase::text AS phase,
        COALESCE(r."finishedAt", r."startedAt") AS at, r."backupName", r."failureReason"
      FROM "RestoreDrill" r
      WHERE r."clusterId" = ANY(${ids}::text[]) AND r.phase IN ('PASSED', 'FAILED')
      ORDER BY r."clusterId", r."startedAt" DESC, r.id`,
  ]);
  const failedDrillBy = new Map(
    drills
      .filter((r) => r.phase === "FAILED")
      .map((r) => [r.clusterId, { id: r.id, at: r.at, backupName: r.backupName, failureReason: r.failureReason }]),
  );
  const lastBy = new Map(last.map((l) => [l.clusterId, l]));
  const rows = clusters.map((c): DashboardCluster => {
    const s = c.coverageSummary;
    const v = c.velero as { installed?: boolean } | null;
    const l = lastBy.get(c.id);
    return {
      clusterId: c.id,
      clusterName: c.name,
      groupId: c.group.id,
      groupName: c.group.name,
      state: c.state,
      velero: v === null ? "UNKNOWN" : v.installed ? "INSTALLED" : "NOT_INSTALLED",
      volumes: s?.volumes ?? 0,
      covered: s?.covered ?? 0,
      coverageRatio: s && s.volumes > 0 ? s.covered / s.volumes : null,
      rpoHours: c.group.rpoHours,
      breaches: s?.breaches ?? 0,
      namespaces: s?.namespaces ?? 0,
      lastBackup: l ? { name: l.name, phase: l.phase ?? "New", at: l.createdAt } : null,
      problems: s ? s.problems : ["Coverage has not been computed for this cluster yet"],
      failedDrill: failedDrillBy.get(c.id) ?? null,
    };
  });
  // Worst first: the lowest coverage, then the most recovery-point breaches, then by name.
  rows.sort(
    (a, b) =>
      (a.coverageRatio ?? 2) - (b.coverageRatio ?? 2) ||
      b.breaches - a.breaches ||
      a.clusterName.localeCompare(b.clusterName),
  );
  const byDay = new Map(days.map((d) => [d, emptyDay(d)]));
  for (const r of perDay) {
    const day = byDay.get(r.day);
    if (!day) continue;
    if (r.phase === "Completed") day.completed += Number(r.n);
    else if (r.phase === "PartiallyFailed") day.partiallyFailed += Number(r.n);
    else day.failed += Number(r.n);
  }
  const locations = new Map<string, Map<string, number>>();
  for (const r of stored) {
    const m = locations.get(r.location) ?? new Map<string, number>();
    m.set(r.day, Number(r.bytes));
    locations.set(r.location, m);
  }
  return {
    clusters: rows,
    groups,
    backupsPerDay: [...byDay.values()],
    storedPerLocation: [...locations.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([location, m]) => ({
        location: location || "(default)",
        days: days.map((day) => ({ day, bytes: m.get(day) ?? 0 })),
      })),
  };
}

const emptyDay = (day: string) => ({ day, completed: 0, partiallyFailed: 0, failed: 0 });

/** The last DASHBOARD_DAYS UTC days, oldest first, as YYYY-MM-DD. */
export function dayKeys(now: Date): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: DASHBOARD_DAYS }, (_, i) =>
    new Date(today - (DASHBOARD_DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  );
}
