import crypto from "node:crypto";
import type { Deps } from "../../composition";
import { leaseWriter, LeaseLost, type LeaseScope } from "../../controllers/ownership";
import type { Prisma } from "../../db/generated/client";
import { clusterLabelValue } from "@/lib/velero/names";
import { AppError } from "../../errors";
import { publish } from "../../events/bus";
import type { ClusterClient } from "../../kube/cluster-client";
import { ClusterError } from "../../kube/errors";
import type { ScopedCluster } from "../../rbac/scope";
import { createRestore } from "../restores/restores";
import {
  drillChecks,
  type DrillChecks,
  type DrillNamespaceCheck,
  type DrillRestoreFacts,
  type DrillStart,
} from "@/lib/schemas/drill";
import { PROTECTED_NAMESPACES, type RestoreInput } from "@/lib/schemas/protection";
import {
  DRILL_LABEL,
  drillNamespaces,
  recoverySeconds,
  RESTORE_NAME_LABEL,
  restoreFailure,
  restoreFinished,
  verifyOutcome,
} from "@/lib/velero/drills";
import { isNamespaceGlob } from "@/lib/schemas/protection";
import { labelValue, restoreName } from "@/lib/velero/names";
import { date, num, rec, str, stringMap, strs } from "@/lib/velero/read";

// Restore drills (#14 §4): a drill restores a backup into drill namespaces of a target cluster (`<ns>-drill-<date>`,
// beside what the cluster runs), waits for the Restore, checks what came back (items, errors and warnings; every claim
// Bound, every pod Ready, every workload's replicas ready), records the recovery time, and deletes the drill namespaces
// unless asked to keep them. startDrill writes the row and creates the Restore; the restore-drills reconciler moves
// each row on with advanceDrill: RESTORING → VERIFYING → CLEANING → PASSED | FAILED.
//
// Several replicas: every step first claims the row (a compare-and-set on its phase and attempts, which also moves its
// next attempt past the step), so a row is acted on once however many reconcilers find it due.

const ACTIVE = ["RESTORING", "VERIFYING", "CLEANING"] as const;
type ActivePhase = (typeof ACTIVE)[number];
/** How often a waiting step looks again. */
const POLL_MS = 2_000;
/** A claimed step is due again after this, should its process die before it writes. */
const CLAIM_MS = 60_000;
/** After a step failed, the next try waits this long (longer after a second failure in a row). */
const RETRY_MS = 5_000;
const RETRY_AGAIN_MS = 30_000;
/** A restore that has not finished after this fails the drill (Velero's own item operation timeout is 4 h). */
export const RESTORE_TIMEOUT_MS = 6 * 3_600_000;
/** Drill namespaces still there this long after the cleanup began are left, with the reason. */
export const CLEANUP_TIMEOUT_MS = 10 * 60_000;
/** The names of claims, pods and workloads a check keeps per namespace. */
const NAMES_KEPT = 10;

type DrillRow = NonNullable<Awaited<ReturnType<typeof load>>>;
const load = (d: Deps, id: string) => d.db.restoreDrill.findUnique({ where: { id } });
const json = (v: unknown) => v as Prisma.InputJsonValue;
const message = (e: unknown) =>
  e instanceof ClusterError ? `${e.kind}: ${e.message}` : e instanceof Error ? e.message : String(e);
const checksOf = (row: { checks: unknown }): DrillChecks => {
  const parsed = drillChecks.safeParse(row.checks ?? {});
  return parsed.success ? parsed.data : drillChecks.parse({});
};
const mappingOf = (row: { mapping: unknown }) => stringMap(row.mapping);

// ---------------------------------------------------------------------------------------------------------------
// Starting a drill
// ---------------------------------------------------------------------------------------------------------------

export interface StartOptions {
  /** The drill schedule that started it. */
  drillScheduleId?: string;
  /** The cluster whose schedule it drills: only its backups count (another cluster may have a schedule of that name). */
  sourceClusterId?: string;
  now?: Date;
}

type BackupRow = {
  name: string;
  phase: string | null;
  spec: unknown;
  status: unknown;
  syncedCopy: boolean;
  originCluster: string | null;
  createdAt: Date | null;
};
const BACKUP_SELECT = {
  name: true,
  phase: true,
  spec: true,
  status: true,
  syncedCopy: true,
  originCluster: true,
  createdAt: true,
} as const;

/** The names of a cluster's own backups of one of its schedules (the newest 500). */
async function ownBackupsOf(d: Deps, clusterId: string, scheduleName: string): Promise<string[]> {
  const rows = await d.db.veleroObject.findMany({
    where: {
      clusterId,
      kind: "backups",
      syncedCopy: false,
      labels: { path: ["velero.io/schedule-name"], equals: labelValue(scheduleName) },
    },
    select: { name: true },
    orderBy: { createdAt: "desc" },
    take: 500,
  });
  return rows.map((r) => r.name);
}

/** The backup a drill restores: the one named, or the latest Completed backup of the schedule the target sees. */
async function drillBackup(
  d: Deps,
  c: ScopedCluster,
  input: DrillStart,
  source?: { id: string; name: string },
): Promise<BackupRow> {
  if (input.backupName) {
    const b = await d.db.veleroObject.findFirst({
      where: { clusterId: c.id, kind: "backups", name: input.backupName },
      select: BACKUP_SELECT,
    });
    if (!b)
      throw new AppError(
        "NOT_FOUND",
        `${c.name} does not see a backup named ${input.backupName}: a backup from another cluster appears once both ` +
          "share its target location and Velero has synced it",
      );
    if (b.phase !== "Completed" && b.phase !== "PartiallyFailed")
      throw new AppError(
        "PRECONDITION_FAILED",
        `The backup ${input.backupName} is ${b.phase ?? "New"}: ` +
          "only Completed or PartiallyFailed backups can be drilled",
      );
    return b;
  }
  const scheduleName = input.scheduleName!;
  // As Velero picks for a Restore of a schedule: its most recent Completed backup (velero-api.md §2.2).
  const rows = await d.db.veleroObject.findMany({
    where: {
      clusterId: c.id,
      kind: "backups",
      phase: "Completed",
      labels: { path: ["velero.io/schedule-name"], equals: labelValue(scheduleName) },
      // Another cluster's schedule of the same name is not this one: the target's own backups of it, or copies of
      // the source's own (by name: a schedule made outside Lifeboat leaves its copies without an origin label).
      ...(source && source.id !== c.id
        ? { name: { in: await ownBackupsOf(d, source.id, scheduleName) } }
        : source
          ? { syncedCopy: false }
          : {}),
    },
    select: BACKUP_SELECT,
    orderBy: { createdAt: "desc" },
    take: 500,
  });
  const started = (b: BackupRow) => (date(rec(b.status).startTimestamp) ?? b.createdAt ?? new Date(0)).getTime();
  const latest = rows.sort((a, b) => started(b) - started(a))[0];
  if (!latest)
    throw new AppError(
      "NOT_FOUND",
      `${c.name} sees no Completed backup of the schedule ${scheduleName} (a schedule of another cluster's backups ` +
        "appear once both share its target location)",
    );
  return latest;
}

/**
 * The namespaces of the backup a drill may name: those its spec includes by name, or, for a backup of every
 * namespace (or of patterns), those its resource list showed (the backup digest); null when not known.
 */
async function backupNamespaces(d: Deps, b: BackupRow, madeOn: string | null): Promise<string[] | null> {
  const spec = rec(b.spec);
  const included = strs(spec.includedNamespaces);
  const excluded = strs(spec.excludedNamespaces);
  if (included.length && !included.some((n) => n === "*" || isNamespaceGlob(n)))
    return included.filter((n) => !excluded.includes(n));
  if (!madeOn) return null;
  // Digests are read on the cluster that made the backup.
  const digest = await d.db.backupDigest.findFirst({
    where: { clusterId: madeOn, backupName: b.name, namespacesKnown: true },
    select: { namespaces: true },
  });
  return digest ? digest.namespaces : null;
}

/** The cluster that made the backup: the target, or (for a copy Velero synced) the one where it is not a copy. */
async function sourceClusterOf(d: Deps, c: ScopedCluster, b: BackupRow): Promise<string | null> {
  if (!b.syncedCopy) return c.id;
  if (!b.originCluster) return null;
  // The cluster whose label the copy carries, and which has the backup as its own.
  const origins = await d.db.veleroObject.findMany({
    where: { kind: "backups", name: b.name, syncedCopy: false },
    select: { clusterId: true, cluster: { select: { name: true } } },
    take: 20,
  });
  return origins.find((o) => clusterLabelValue(o.cluster.name) === b.originCluster)?.clusterId ?? null;
}

/**
 * Starts a drill on the target cluster `c`: picks the backup and its namespaces, names a drill namespace for each
 * (none the target has), writes the drill and creates the Restore (with its pre-flight prediction), labelled with the
 * drill's id. A Restore that cannot be created leaves the drill FAILED with the reason, and the error is thrown on.
 */
export async function startDrill(
  d: Deps,
  c: ScopedCluster,
  input: DrillStart,
  createdBy: string,
  opts: StartOptions = {},
): Promise<{ id: string; restoreName: string }> {
  if (!(c.velero as { installed?: boolean } | null)?.installed)
    throw new AppError("PRECONDITION_FAILED", `Velero is not installed on ${c.name}`);
  const now = opts.now ?? new Date();
  const source = opts.sourceClusterId
    ? await d.db.cluster.findUnique({ where: { id: opts.sourceClusterId }, select: { id: true, name: true } })
    : null;
  const backup = await drillBackup(d, c, input, source ?? undefined);
  // A drill schedule names its source; otherwise the copy's label does.
  const madeOn = source && backup.syncedCopy ? source.id : await sourceClusterOf(d, c, backup);
  const known = await backupNamespaces(d, backup, madeOn);
  const asked = input.namespaces?.length ? input.namespaces : null;
  if (asked && known) {
    const missing = asked.filter((n) => !known.includes(n));
    if (missing.length)
      throw new AppError(
        "BAD_REQUEST",
        `The backup ${backup.name} holds no namespace ${missing.join(", ")} (it holds ${known.join(", ") || "none"})`,
      );
  }
  const sources = (asked ?? known ?? []).filter((n) => !(PROTECTED_NAMESPACES as readonly string[]).includes(n));
  if (!sources.length)
    throw new AppError(
      "BAD_REQUEST",
      known
        ? `The backup ${backup.name} holds no namespace a drill can restore`
        : `Which namespaces the backup ${backup.name} holds is not known yet: name the namespaces to drill`,
    );

  let existing: string[];
  try {
    existing = await d.kube.listNamespaces(await d.clusters.forCluster(c.id));
  } catch (e) {
    if (e instanceof ClusterError)
      throw new AppError("PRECONDITION_FAILED", `Could not read ${c.name}'s namespaces (${e.kind}): ${e.message}`);
    throw e;
  }
  const name = restoreName({ cluster: c.name, base: `drill-${crypto.randomBytes(3).toString("hex")}`, now });
  // A drill still running on this cluster may not have made its namespaces yet (Velero runs restores one at a time):
  // its names are taken too, read and reserved under a lock per cluster so two drills started at once do not share.
  const { mapping, drill } = await d.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`lifeboat-drill:${c.id}`}))`;
    const running = await tx.restoreDrill.findMany({
      where: { clusterId: c.id, OR: [{ phase: { in: [...ACTIVE] } }, { keep: true, cleanedAt: null }] },
      select: { mapping: true },
    });
    const reserved = running.flatMap((r) => Object.values(rec(r.mapping)).filter((v) => typeof v === "string"));
    const mapping = drillNamespaces(sources, now, [...existing, ...(reserved as string[])]);
    const drill = await tx.restoreDrill.create({
      data: {
        clusterId: c.id,
        sourceClusterId: madeOn,
        backupName: backup.name,
        scheduleName: input.scheduleName ?? null,
        drillScheduleId: opts.drillScheduleId ?? null,
        restoreName: name,
        namespaces: Object.keys(mapping),
        mapping: json(mapping),
        keep: input.keep,
        verifyTimeoutSeconds: input.verifyTimeoutSeconds,
        startedAt: now,
        nextAttemptAt: new Date(now.getTime() + POLL_MS),
        checks: json(drillChecks.parse({})),
        createdBy,
      },
      select: { id: true },
    });
    return { mapping, drill };
  });
  const spec: RestoreInput = {
    scope: { kind: "namespaces", include: Object.keys(mapping) },
    namespaceMapping: mapping,
    restorePVs: true,
    existingResourcePolicy: "none",
    includeClusterResources: null,
  };
  try {
    await createRestore(
      d,
      c,
      {
        clusterId: c.id,
        name,
        backupName: backup.name,
        spec,
        predict: true,
        systemLabels: { [DRILL_LABEL]: drill.id },
      },
      createdBy,
    );
  } catch (e) {
    // Nothing was restored, so nothing is to be cleaned up: the drill ends here, failed, with the reason.
    await d.db.restoreDrill.update({
      where: { id: drill.id },
      data: {
        phase: "FAILED",
        verdict: "FAILED",
        failureReason: `The restore could not be created: ${message(e)}`,
        finishedAt: new Date(),
      },
    });
    await publish(d.db, { topic: "drills", clusterId: c.id });
    throw e;
  }
  // The recovery is timed from the Restore's creation: the pre-flight check made before it is not part of it.
  await d.db.restoreDrill.update({ where: { id: drill.id }, data: { startedAt: new Date() } });
  await publish(d.db, { topic: "drills", clusterId: c.id });
  return { id: drill.id, restoreName: name };
}

// ---------------------------------------------------------------------------------------------------------------
// The reconciler's steps
// ---------------------------------------------------------------------------------------------------------------

/** Drills with a step due now, the longest waiting first. */
export function dueDrills(d: Deps, clusterIds: readonly string[] | null = null, limit = 20, now = new Date()) {
  return d.db.restoreDrill.findMany({
    where: {
      phase: { in: [...ACTIVE] },
      nextAttemptAt: { lte: now },
      ...(clusterIds ? { clusterId: { in: [...clusterIds] } } : {}),
    },
    orderBy: { nextAttemptAt: "asc" },
    take: limit,
    select: { id: true },
  });
}

type StepResult = Prisma.RestoreDrillUpdateManyMutationInput;

/** The Restore as the read model has it (kept by the sync engine), or null before it has been seen. */
async function restoreFacts(
  d: Deps,
  row: DrillRow,
): Promise<(DrillRestoreFacts & { completedAt: Date | null }) | null> {
  const r = await d.db.veleroObject.findFirst({
    where: { clusterId: row.clusterId, kind: "restores", name: row.restoreName },
    select: { phase: true, status: true },
  });
  if (!r) return null;
  const st = rec(r.status);
  const progress = rec(st.progress);
  return {
    phase: r.phase ?? "New",
    itemsRestored: num(progress.itemsRestored),
    totalItems: num(progress.totalItems),
    errors: num(st.errors) ?? 0,
    warnings: num(st.warnings) ?? 0,
    failureReason: str(st.failureReason),
    validationErrors: strs(st.validationErrors),
    completedAt: date(st.completionTimestamp),
  };
}

/** Each drill namespace as it is now: claims, pods and workloads, with the names of what is not ready. */
async function inspect(d: Deps, client: ClusterClient, row: DrillRow): Promise<DrillNamespaceCheck[]> {
  const out: DrillNamespaceCheck[] = [];
  for (const [source, namespace] of Object.entries(mappingOf(row))) {
    const ns = await d.kube.readNamespace(client, namespace);
    if (!ns) {
      out.push({
        source,
        namespace,
        exists: false,
        claims: { bound: 0, total: 0, notBound: [] },
        pods: { ready: 0, total: 0, notReady: [] },
        workloads: null,
      });
      continue;
    }
    const w = await d.kube.namespaceWorkloads(client, namespace);
    const unbound = w.claims.filter((c) => c.phase !== "Bound");
    const unready = w.pods.filter((p) => !p.ready);
    const waiting = w.workloads?.filter((x) => x.ready < x.desired) ?? [];
    out.push({
      source,
      namespace,
      exists: true,
      claims: {
        bound: w.claims.length - unbound.length,
        total: w.claims.length,
        notBound: unbound.slice(0, NAMES_KEPT).map((c) => c.name),
      },
      pods: {
        ready: w.pods.length - unready.length,
        total: w.pods.length,
        notReady: unready.slice(0, NAMES_KEPT).map((p) => ({ name: p.name, reason: p.reason })),
      },
      workloads: w.workloads && {
        ready: w.workloads.length - waiting.length,
        total: w.workloads.length,
        notReady: waiting.slice(0, NAMES_KEPT).map((x) => `${x.name} (${x.ready}/${x.desired})`),
      },
    });
  }
  return out;
}

/**
 * Labels the drill namespaces the restore made as this drill's: velero.io/restore-name (Velero puts it on the objects
 * it restores, but a namespace it makes only copies the backed-up namespace's labels) and lifeboat.io/drill. None of
 * them existed when the drill started (their names were chosen so), so each one there now is the restore's. Only
 * labelled namespaces are ever deleted.
 */
async function labelDrillNamespaces(d: Deps, client: ClusterClient, row: DrillRow) {
  const labelled: string[] = [];
  const errors: string[] = [];
  const labels = { [RESTORE_NAME_LABEL]: labelValue(row.restoreName), [DRILL_LABEL]: row.id };
  for (const namespace of Object.values(mappingOf(row))) {
    const ns = await d.kube.readNamespace(client, namespace);
    if (!ns || ns.terminating) continue;
    // Another drill's namespace is not this restore's (names are reserved per cluster, so this is a safeguard).
    if (ns.labels[DRILL_LABEL] && ns.labels[DRILL_LABEL] !== row.id) {
      errors.push(`${namespace}: labelled as drill ${ns.labels[DRILL_LABEL]}`);
      continue;
    }
    try {
      if (Object.entries(labels).some(([k, v]) => ns.labels[k] !== v))
        await d.kube.labelNamespace(client, namespace, ns.uid, labels);
      labelled.push(namespace);
    } catch (e) {
      // A refusal (no right to patch namespaces, a namespace replaced meanwhile) is kept; the cleanup then leaves it.
      if (e instanceof ClusterError && [403, 409, 422].includes(e.status ?? 0))
        errors.push(`${namespace}: ${e.message}`);
      else throw e;
    }
  }
  return { labelled, labelErrors: errors };
}

async function restoring(d: Deps, row: DrillRow, now: Date): Promise<StepResult> {
  const checks = checksOf(row);
  const facts = await restoreFacts(d, row);
  if (!facts || !restoreFinished(facts.phase)) {
    const next = { checks: json({ ...checks, restore: facts && withoutDate(facts) }) };
    if (now.getTime() - row.startedAt.getTime() < RESTORE_TIMEOUT_MS)
      return { ...next, nextAttemptAt: new Date(now.getTime() + POLL_MS) };
    return {
      ...next,
      phase: "CLEANING",
      verdict: "FAILED",
      failureReason:
        `The restore ${row.restoreName} did not finish within ${RESTORE_TIMEOUT_MS / 3_600_000} hours ` +
        `(it is ${facts?.phase ?? "not seen by Lifeboat"})`,
      nextAttemptAt: now,
    };
  }
  const client = await d.clusters.forCluster(row.clusterId);
  const { labelled, labelErrors } = await labelDrillNamespaces(d, client, row);
  const restoredAt = facts.completedAt ?? now;
  const restore = withoutDate(facts);
  const failure = restoreFailure(restore);
  if (failure) {
    // What came back is recorded as it is (no waiting): the drill has failed already.
    const namespaces = await inspect(d, client, row);
    return {
      phase: "CLEANING",
      verdict: "FAILED",
      failureReason: failure,
      restoredAt,
      checks: json({ ...checks, restore, namespaces, labelled, labelErrors }),
      nextAttemptAt: now,
    };
  }
  return {
    phase: "VERIFYING",
    restoredAt,
    checks: json({ ...checks, restore, labelled, labelErrors }),
    nextAttemptAt: now,
  };
}

const withoutDate = ({ completedAt: _completedAt, ...facts }: DrillRestoreFacts & { completedAt: Date | null }) =>
  facts;

async function verifying(d: Deps, row: DrillRow, now: Date): Promise<StepResult> {
  const checks = checksOf(row);
  const namespaces = await inspect(d, await d.clusters.forCluster(row.clusterId), row);
  const since = (row.restoredAt ?? row.startedAt).getTime();
  const outcome = verifyOutcome(namespaces, now.getTime() - since, row.verifyTimeoutSeconds * 1000);
  const next = { checks: json({ ...checks, namespaces }) };
  if (outcome.state === "waiting") return { ...next, nextAttemptAt: new Date(now.getTime() + POLL_MS) };
  if (outcome.state === "failed")
    return { ...next, phase: "CLEANING", verdict: "FAILED", failureReason: outcome.reason, nextAttemptAt: now };
  return {
    ...next,
    phase: "CLEANING",
    verdict: "PASSED",
    verifiedAt: now,
    recoverySeconds: recoverySeconds(row.startedAt, now),
    nextAttemptAt: now,
  };
}

/**
 * Deletes the drill namespaces this drill's restore made: only those labelled velero.io/restore-name=<its restore>
 * and lifeboat.io/drill=<its id>, each by uid; any other namespace of the mapping is left alone (and said so). Done
 * when none of them is left; kept drills end here at once.
 */
async function cleaning(d: Deps, row: DrillRow, now: Date): Promise<StepResult> {
  const verdict = row.verdict ?? "FAILED";
  if (row.keep) return { phase: verdict, finishedAt: now };
  const checks = checksOf(row);
  const cleanup = checks.cleanup ?? { startedAt: now.toISOString(), deleted: [], leftAlone: [] };
  const client = await d.clusters.forCluster(row.clusterId);
  const ours = { [RESTORE_NAME_LABEL]: labelValue(row.restoreName), [DRILL_LABEL]: row.id };
  const pending: string[] = [];
  const leftAlone = new Set(cleanup.leftAlone);
  const deleted = new Set(cleanup.deleted);
  let refused: string | null = null;
  for (const namespace of Object.values(mappingOf(row))) {
    const ns = await d.kube.readNamespace(client, namespace);
    if (!ns) continue;
    if (Object.entries(ours).some(([k, v]) => ns.labels[k] !== v)) {
      leftAlone.add(namespace);
      continue;
    }
    pending.push(namespace);
    if (ns.terminating) continue;
    try {
      await d.kube.deleteNamespace(client, namespace, ns.uid);
      deleted.add(namespace);
    } catch (e) {
      if (e instanceof ClusterError && e.status === 403)
        refused = `Lifeboat may not delete namespaces on this cluster (${e.message}): delete ${namespace} by hand`;
      else throw e;
    }
  }
  const done = { ...cleanup, deleted: [...deleted], leftAlone: [...leftAlone] };
  const leftWords = leftAlone.size
    ? `Left ${[...leftAlone].join(", ")} in place: not labelled as this drill's (${RESTORE_NAME_LABEL}=` +
      `${labelValue(row.restoreName)}, ${DRILL_LABEL}=${row.id})` +
      (checks.labelErrors.length ? `, as labelling failed: ${checks.labelErrors.join("; ")}` : "")
    : null;
  const late = now.getTime() - new Date(cleanup.startedAt).getTime() >= CLEANUP_TIMEOUT_MS;
  if (pending.length && !refused && !late)
    return { checks: json({ ...checks, cleanup: done }), nextAttemptAt: new Date(now.getTime() + POLL_MS) };
  const stillThere =
    pending.length && !refused
      ? `${pending.join(", ")} still there after ${CLEANUP_TIMEOUT_MS / 60_000} minutes`
      : null;
  const problems = [refused, stillThere, leftWords].filter(Boolean);
  return {
    phase: verdict,
    finishedAt: now,
    checks: json({ ...checks, cleanup: done }),
    cleanedAt: pending.length || leftAlone.size ? null : now,
    cleanupError: problems.length ? problems.join("; ") : null,
  };
}

const STEPS: Record<ActivePhase, (d: Deps, row: DrillRow, now: Date) => Promise<StepResult>> = {
  RESTORING: restoring,
  VERIFYING: verifying,
  CLEANING: cleaning,
};

/**
 * What a step that keeps failing (a cluster that does not answer) comes to once its phase's time is up: the drill
 * fails (restoring, verifying) and is cleaned up, or the cleanup ends with the reason. null: try again later.
 */
function giveUp(row: DrillRow, now: Date, why: string): StepResult | null {
  const t = now.getTime();
  if (row.phase === "RESTORING" && t - row.startedAt.getTime() >= RESTORE_TIMEOUT_MS)
    return {
      phase: "CLEANING",
      verdict: "FAILED",
      failureReason: `The restore could not be followed: ${why}`,
      nextAttemptAt: now,
    };
  if (row.phase === "VERIFYING" && t - (row.restoredAt ?? row.startedAt).getTime() >= row.verifyTimeoutSeconds * 1000)
    return {
      phase: "CLEANING",
      verdict: "FAILED",
      failureReason: `The checks could not be made: ${why}`,
      nextAttemptAt: now,
    };
  // The cleanup's clock starts at its first attempt, whether or not that one reached the cluster.
  const started = checksOf(row).cleanup?.startedAt;
  if (row.phase === "CLEANING" && started && t - new Date(started).getTime() >= CLEANUP_TIMEOUT_MS)
    return {
      phase: row.verdict ?? "FAILED",
      finishedAt: now,
      cleanupError: `The cleanup could not be finished: ${why}`,
    };
  return null;
}

/**
 * One step of one drill, when it is due: the row is claimed first (phase and attempts unchanged since it was read),
 * so a second reconciler (or a second call) that read it too does nothing. A step that fails for a reason that may
 * pass (the cluster did not answer) is tried again, backing off, until its phase's time is up.
 */
export async function advanceDrill(d: Deps, id: string, now = new Date(), lease?: LeaseScope): Promise<void> {
  const row = await load(d, id);
  if (!row || !(ACTIVE as readonly string[]).includes(row.phase) || row.nextAttemptAt > now) return;
  // Under the target cluster's lease when the reconciler advances it: a process that lost the lease claims nothing
  // (and so acts on nothing), and cannot write its step's result over the new owner's.
  const write = leaseWriter(d.db, row.clusterId, lease && (() => lease.fence(row.clusterId)));
  const claimedBy = row.attempts + 1;
  let claimed: number;
  try {
    claimed = (
      await write((db) =>
        db.restoreDrill.updateMany({
          where: { id, phase: row.phase, attempts: row.attempts, nextAttemptAt: { lte: now } },
          data: { attempts: claimedBy, nextAttemptAt: new Date(now.getTime() + CLAIM_MS) },
        }),
      )
    ).count;
  } catch (e) {
    if (e instanceof LeaseLost) return lease?.drop(row.clusterId);
    throw e;
  }
  if (claimed !== 1) return;
  const mine = { id, phase: row.phase, attempts: claimedBy };
  let data: StepResult;
  try {
    data = { ...(await STEPS[row.phase as ActivePhase](d, row, now)), lastError: null };
  } catch (e) {
    const why = message(e);
    const wait = row.lastError ? RETRY_AGAIN_MS : RETRY_MS;
    data = giveUp(row, now, why) ?? { lastError: why, nextAttemptAt: new Date(now.getTime() + wait) };
  }
  // Entering the cleanup starts its clock (giveUp ends a cleanup that never reaches the cluster by it).
  if (data.phase === "CLEANING" && row.phase !== "CLEANING") {
    const base = (data.checks as DrillChecks | undefined) ?? checksOf(row);
    if (!base.cleanup)
      data = {
        ...data,
        checks: json({ ...base, cleanup: { startedAt: now.toISOString(), deleted: [], leftAlone: [] } }),
      };
  }
  try {
    await write((db) => db.restoreDrill.updateMany({ where: mine, data }));
  } catch (e) {
    // Claimed again by the new owner once the claim's time is up; the step is done there again.
    if (e instanceof LeaseLost) return lease?.drop(row.clusterId);
    throw e;
  }
  // Pages hear of every change a step made (progress, checks, the phase), and only of a change.
  const changed =
    (data.phase !== undefined && data.phase !== row.phase) ||
    (data.checks !== undefined && JSON.stringify(data.checks) !== JSON.stringify(row.checks)) ||
    (data.lastError !== undefined && data.lastError !== row.lastError);
  if (changed) await publish(d.db, { topic: "drills", clusterId: row.clusterId });
}
