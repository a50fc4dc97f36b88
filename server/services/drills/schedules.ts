import type { Deps } from "../../composition";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { AppError, notFound } from "../../errors";
import { publish } from "../../events/bus";
import { ClusterError } from "../../kube/errors";
import { scopedCluster, type ScopedCluster } from "../../rbac/scope";
import { visibleClusterWhere, type Access } from "../../rbac/access";
import { LIST_LIMIT } from "@/lib/limits";
import { parseStandard } from "@/lib/cron/robfig";
import type { DrillScheduleCreate, DrillScheduleRow } from "@/lib/schemas/drill";
import { startDrill } from "./drills";

// Drill schedules (#14 §4): a drill of a Velero Schedule's latest backup, into a target cluster, every intervalDays
// days (weekly by default) or on a cron. The drill-schedules reconciler runs the due ones: a run claims the row (a
// compare-and-set on its attempts and next run, which moves the next run on), then starts a drill, unless the drill
// of the previous run has not finished (that run is skipped, and said so).

const DAY_MS = 86_400_000;
const ACTIVE = ["RESTORING", "VERIFYING", "CLEANING"] as const;

const SELECT = {
  id: true,
  clusterId: true,
  sourceClusterId: true,
  scheduleName: true,
  namespaces: true,
  cron: true,
  intervalDays: true,
  keep: true,
  enabled: true,
  lastRunAt: true,
  nextRunAt: true,
  lastDrillId: true,
  lastError: true,
  createdBy: true,
  cluster: { select: { name: true } },
  sourceCluster: { select: { name: true } },
} as const;

type Selected = Prisma.DrillScheduleGetPayload<{ select: typeof SELECT }>;

const toRow = ({ cluster, sourceCluster, ...s }: Selected): DrillScheduleRow => ({
  ...s,
  clusterName: cluster.name,
  sourceClusterName: sourceCluster.name,
});

/** The run after `from`: the cron's next time, or intervalDays later. */
export function nextRun(s: { cron: string | null; intervalDays: number }, from: Date): Date {
  if (s.cron) {
    const next = parseStandard(s.cron).next(from);
    // A cron that never matches again (checked when it was made) waits a year rather than running at once.
    return next.getTime() > from.getTime() ? next : new Date(from.getTime() + 366 * DAY_MS);
  }
  return new Date(from.getTime() + s.intervalDays * DAY_MS);
}

/** The drill schedules whose target cluster the caller sees. */
export async function listDrillSchedules(db: Db, access: Access, filter: { clusterId?: string }) {
  const rows = await db.drillSchedule.findMany({
    where: {
      ...(filter.clusterId ? { clusterId: filter.clusterId } : {}),
      cluster: visibleClusterWhere(access) ?? undefined,
    },
    orderBy: [{ nextRunAt: "asc" }, { id: "asc" }],
    take: LIST_LIMIT,
    select: SELECT,
  });
  // The source cluster's name only for those who see it (a drill schedule may drill a cluster of another group).
  const sources = [...new Set(rows.map((r) => r.sourceClusterId))];
  const seen = new Set(
    (
      await db.cluster.findMany({
        where: { AND: [{ id: { in: sources } }, visibleClusterWhere(access) ?? {}] },
        select: { id: true },
      })
    ).map((c) => c.id),
  );
  return rows.map((r) => {
    const row = toRow(r);
    return seen.has(r.sourceClusterId) ? row : { ...row, sourceClusterName: "another cluster" };
  });
}

/**
 * Drills of `scheduleName` (a Velero Schedule of the source cluster, the target itself unless named) into the target
 * `c`. The source must be a cluster the caller sees, with that schedule. The first drill is due at once (on a cron:
 * at its next time).
 */
export async function createDrillSchedule(
  d: Deps,
  access: Access,
  c: ScopedCluster,
  input: DrillScheduleCreate,
  createdBy: string,
  now = new Date(),
): Promise<DrillScheduleRow> {
  const source =
    input.sourceClusterId && input.sourceClusterId !== c.id
      ? await scopedCluster(d.db, access, input.sourceClusterId, "schedule.get")
      : c;
  const schedule = await d.db.veleroObject.findFirst({
    where: { clusterId: source.id, kind: "schedules", name: input.scheduleName },
    select: { id: true },
  });
  if (!schedule) throw new AppError("NOT_FOUND", `${source.name} has no schedule named ${input.scheduleName}`);
  try {
    const row = await d.db.drillSchedule.create({
      data: {
        clusterId: c.id,
        sourceClusterId: source.id,
        scheduleName: input.scheduleName,
        namespaces: input.namespaces,
        cron: input.cron,
        intervalDays: input.intervalDays,
        keep: input.keep,
        verifyTimeoutSeconds: input.verifyTimeoutSeconds,
        nextRunAt: input.cron ? nextRun({ cron: input.cron, intervalDays: input.intervalDays }, now) : now,
        createdBy,
      },
      select: SELECT,
    });
    await publish(d.db, { topic: "drills", clusterId: c.id });
    return toRow(row);
  } catch (e) {
    if ((e as { code?: string }).code === "P2002")
      throw new AppError(
        "CONFLICT",
        `${c.name} already has drills of ${source.name}'s schedule ${input.scheduleName}: delete them first`,
      );
    throw e;
  }
}

export async function deleteDrillSchedule(d: Deps, c: ScopedCluster, id: string): Promise<{ id: string }> {
  const gone = await d.db.drillSchedule.deleteMany({ where: { id, clusterId: c.id } });
  if (gone.count !== 1) throw notFound("Drill schedule");
  await publish(d.db, { topic: "drills", clusterId: c.id });
  return { id };
}

/** Enabled drill schedules whose next run is due. */
export function dueDrillSchedules(d: Deps, limit = 20, now = new Date()) {
  return d.db.drillSchedule.findMany({
    where: { enabled: true, nextRunAt: { lte: now } },
    orderBy: { nextRunAt: "asc" },
    take: limit,
    select: { id: true },
  });
}

/** The target as the drill's restore needs it (a drill never needs more than OPERATOR). */
async function targetOf(d: Deps, clusterId: string): Promise<ScopedCluster | null> {
  const c = await d.db.cluster.findUnique({
    where: { id: clusterId },
    select: {
      id: true,
      name: true,
      groupId: true,
      kubeconfigSecretId: true,
      velero: true,
      state: true,
      lastError: true,
      lastSeenAt: true,
    },
  });
  return c && { ...c, role: "OPERATOR" };
}

/**
 * One run of a due drill schedule: claimed first (so it runs once however many reconcilers find it due, and its next
 * run is set before anything else), then a drill of the schedule's latest backup, unless the previous run's drill is
 * still going. What kept a run from starting a drill is kept on the row.
 */
export async function runDrillSchedule(d: Deps, id: string, now = new Date()): Promise<void> {
  const s = await d.db.drillSchedule.findUnique({ where: { id } });
  if (!s || !s.enabled || s.nextRunAt > now) return;
  const claim = await d.db.drillSchedule.updateMany({
    where: { id, enabled: true, attempts: s.attempts, nextRunAt: { lte: now } },
    data: { attempts: s.attempts + 1, nextRunAt: nextRun(s, now) },
  });
  if (claim.count !== 1) return;
  const running = await d.db.restoreDrill.findFirst({
    where: { drillScheduleId: id, phase: { in: [...ACTIVE] } },
    select: { id: true },
  });
  if (running) {
    await d.db.drillSchedule.updateMany({
      where: { id },
      data: { lastError: `The run of ${now.toISOString()} was skipped: drill ${running.id} has not finished` },
    });
    await publish(d.db, { topic: "drills", clusterId: s.clusterId });
    return;
  }
  let result: { lastDrillId?: string; lastError: string | null };
  try {
    const target = await targetOf(d, s.clusterId);
    if (!target) return;
    const drill = await startDrill(
      d,
      target,
      {
        clusterId: s.clusterId,
        scheduleName: s.scheduleName,
        namespaces: s.namespaces.length ? s.namespaces : undefined,
        keep: s.keep,
        verifyTimeoutSeconds: s.verifyTimeoutSeconds,
      },
      s.createdBy,
      { drillScheduleId: id, now, sourceClusterId: s.sourceClusterId ?? undefined },
    );
    result = { lastDrillId: drill.id, lastError: null };
  } catch (e) {
    const why = e instanceof ClusterError ? `${e.kind}: ${e.message}` : e instanceof Error ? e.message : String(e);
    result = { lastError: `The drill could not start: ${why}` };
  }
  await d.db.drillSchedule.updateMany({ where: { id }, data: { lastRunAt: now, ...result } });
  await publish(d.db, { topic: "drills", clusterId: s.clusterId });
}
