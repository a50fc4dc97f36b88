import type { Deps } from "../../composition";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { notFound } from "../../errors";
import { visibleClusterWhere, type Access } from "../../rbac/access";
import type { ScopedCluster, ScopedGroup } from "../../rbac/scope";
import { LIST_LIMIT } from "@/lib/limits";
import { drillChecks, type DrillDetail, type DrillEvidence, type DrillRow } from "@/lib/schemas/drill";
import { evidenceRows, type FinishedDrill } from "@/lib/velero/drills";
import { stringMap } from "@/lib/velero/read";

// What the drills add up to (#14 §4): the drills the caller may see, one drill with what its checks found, and a
// cluster group's evidence report: per namespace of the group's clusters, when it was last proven restorable, how
// long the recovery took, and a failure since. Read-only, from PostgreSQL alone.

const SELECT = {
  id: true,
  clusterId: true,
  sourceClusterId: true,
  backupName: true,
  scheduleName: true,
  drillScheduleId: true,
  restoreName: true,
  mapping: true,
  keep: true,
  phase: true,
  verdict: true,
  startedAt: true,
  restoredAt: true,
  verifiedAt: true,
  finishedAt: true,
  recoverySeconds: true,
  checks: true,
  failureReason: true,
  cleanedAt: true,
  cleanupError: true,
  lastError: true,
  createdBy: true,
  verifyTimeoutSeconds: true,
  cluster: { select: { name: true } },
} as const;

type Selected = Prisma.RestoreDrillGetPayload<{ select: typeof SELECT }>;

function toDetail({ cluster, mapping, checks, ...r }: Selected): DrillDetail {
  const parsed = drillChecks.safeParse(checks ?? {});
  const c = parsed.success ? parsed.data : drillChecks.parse({});
  return {
    ...r,
    clusterName: cluster.name,
    mapping: stringMap(mapping),
    itemsRestored: c.restore?.itemsRestored ?? null,
    totalItems: c.restore?.totalItems ?? null,
    errors: c.restore?.errors ?? 0,
    warnings: c.restore?.warnings ?? 0,
    checks: c,
  };
}

function toRow(s: Selected): DrillRow {
  const { checks: _checks, verifyTimeoutSeconds: _timeout, ...row } = toDetail(s);
  return row;
}

/** The drills into clusters the caller sees, newest first (of one cluster, group or drill schedule when asked). */
export async function listDrills(
  db: Db,
  access: Access,
  filter: { clusterId?: string; groupId?: string; drillScheduleId?: string },
): Promise<DrillRow[]> {
  const rows = await db.restoreDrill.findMany({
    where: {
      ...(filter.clusterId ? { clusterId: filter.clusterId } : {}),
      ...(filter.drillScheduleId ? { drillScheduleId: filter.drillScheduleId } : {}),
      cluster: {
        AND: [visibleClusterWhere(access) ?? {}, filter.groupId ? { groupId: filter.groupId } : {}],
      },
    },
    orderBy: [{ startedAt: "desc" }, { id: "asc" }],
    take: LIST_LIMIT,
    select: SELECT,
  });
  return rows.map(toRow);
}

export async function getDrill(d: Deps, c: ScopedCluster, id: string): Promise<DrillDetail> {
  const row = await d.db.restoreDrill.findFirst({ where: { id, clusterId: c.id }, select: SELECT });
  if (!row) throw notFound("Drill");
  return toDetail(row);
}

/** At most this many finished drills are read for a group's report. */
const EVIDENCE_DRILLS_MAX = 5_000;

/**
 * The group's evidence report: per namespace of its clusters that a finished drill restored, the last drill that
 * passed and a failed one since. Drills into clusters the caller does not see still count, without naming them.
 */
export async function drillEvidence(d: Deps, access: Access, g: ScopedGroup, now = new Date()): Promise<DrillEvidence> {
  const clusters = await d.db.cluster.findMany({ where: { groupId: g.id }, select: { id: true, name: true } });
  const ids = clusters.map((c) => c.id);
  const drills = await d.db.restoreDrill.findMany({
    where: {
      phase: { in: ["PASSED", "FAILED"] },
      // Proof of the cluster whose backup was restored; a drill whose source is not known proves nobody's.
      sourceClusterId: { in: ids },
    },
    orderBy: { startedAt: "desc" },
    take: EVIDENCE_DRILLS_MAX,
    select: {
      id: true,
      clusterId: true,
      sourceClusterId: true,
      namespaces: true,
      phase: true,
      backupName: true,
      startedAt: true,
      verifiedAt: true,
      finishedAt: true,
      recoverySeconds: true,
      failureReason: true,
      cluster: { select: { name: true } },
    },
  });
  const targets = [...new Set(drills.map((x) => x.clusterId))];
  const seen = new Set(
    (
      await d.db.cluster.findMany({
        where: { AND: [{ id: { in: targets } }, visibleClusterWhere(access) ?? {}] },
        select: { id: true },
      })
    ).map((c) => c.id),
  );
  const finished: FinishedDrill[] = drills.map((x) => ({
    id: x.id,
    sourceClusterId: x.sourceClusterId!,
    namespaces: x.namespaces,
    verdict: x.phase === "PASSED" ? "PASSED" : "FAILED",
    at: (x.phase === "PASSED" ? x.verifiedAt : null) ?? x.finishedAt ?? x.startedAt,
    backupName: x.backupName,
    targetClusterId: seen.has(x.clusterId) ? x.clusterId : null,
    targetClusterName: seen.has(x.clusterId) ? x.cluster.name : null,
    recoverySeconds: x.recoverySeconds,
    // Its words often name the target: only for those who see it.
    failureReason: seen.has(x.clusterId) ? x.failureReason : null,
  }));
  return { groupId: g.id, groupName: g.name, generatedAt: now, rows: evidenceRows(clusters, finished) };
}
