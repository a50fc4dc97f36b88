import type { Deps } from "../../composition";
import { LIST_LIMIT, MAX_CRON_LENGTH } from "@/lib/limits";
import { formatLabelSelector } from "@/lib/velero/label-selector";
import type { Db } from "../../db/client";
import { Prisma } from "../../db/generated/client";
import { AppError } from "../../errors";
import { visibleClusterWhere, type Access } from "../../rbac/access";
import type { ScopedCluster } from "../../trpc/scoped";
import { ClusterError } from "../../kube/errors";
import {
  buildSchedule,
  CLUSTER_LABEL,
  CREATED_BY_ANNOTATION,
  parseOrThrow,
  SpecError,
  toYaml,
  type Schedule,
} from "@/lib/velero/backup-spec";
import { backupInput, PROTECTED_NAMESPACES, scheduleOptions, type BackupInput } from "@/lib/schemas/protection";
import { clusterLabelValue, labelValue, timestamp } from "@/lib/velero/names";
import { describeCron } from "@/lib/cron/describe";
import { bool, date, num, rec, str, strs, type Rec } from "@/lib/velero/read";
import type { ScheduleDetail } from "@/lib/schemas/schedule";
import type { KubeObject } from "../../kube/resources";
import { filtersOf } from "../backups/projection";
import { CronError, parseStandard, type CronSchedule } from "@/lib/cron/robfig";
import { dueAt, resumeOutlook, type ResumeOutlook, type RunHistory } from "@/lib/cron/resume";
import { refuseReadOnlyTarget, refuseUnavailableTarget } from "../protection/writable";

// Velero Schedules: listed from the read model (kept by the sync engine), read, created, edited, paused and deleted on
// the cluster itself. A Schedule Lifeboat creates carries the wizard's input in an annotation, so editing it rebuilds
// the whole backup template from the same form; any other Schedule can have its cron expression and paused flag
// changed, and nothing else (its template is someone else's: velero CLI, GitOps, Helm).

/** Annotation on the Schedules Lifeboat creates: the wizard's input (lib/schemas/protection.ts backupInput) as JSON. */
export const BACKUP_INPUT_ANNOTATION = "lifeboat.io/backup-input";
const PLURAL = "schedules";

export interface ScheduleRequest {
  clusterId: string;
  name: string;
  /** The wizard's backup input (validated by buildSchedule). */
  spec: unknown;
  cron: string;
  paused?: boolean;
  skipImmediately?: boolean;
  useOwnerReferencesInBackup?: boolean;
}

export interface ScheduleUpdate {
  clusterId: string;
  name: string;
  cron: string;
  paused?: boolean;
  skipImmediately?: boolean;
  /** A new backup input: only for Schedules Lifeboat created. Absent: the template is left as it is. */
  spec?: unknown;
}

const badRequest = (e: SpecError) =>
  new AppError(
    "BAD_REQUEST",
    e.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ") || e.message,
  );

function specOrBadRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SpecError) throw badRequest(e);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Clusters: visibility, role, Velero, and errors from the cluster in words
// ---------------------------------------------------------------------------------------------------------------

/** A cluster the caller may act on (checked by the scoped procedure), with Velero, and its client. */
async function liveCluster(d: Deps, c: ScopedCluster) {
  const velero = c.velero as { installed?: boolean; reason?: string } | null;
  if (!velero?.installed)
    throw new AppError(
      "PRECONDITION_FAILED",
      `Velero is not installed on ${c.name}${velero?.reason ? ` (${velero.reason})` : ""}`,
    );
  if (!c.kubeconfigSecretId)
    throw new AppError("PRECONDITION_FAILED", `${c.name} has no stored kubeconfig: attach it again`);
  return { ...c, client: await d.clusters.forCluster(c.id) };
}

function reasonOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  const why =
    cause instanceof Error
      ? cause.message
      : typeof cause === "object" && cause && "code" in cause
        ? String((cause as { code: unknown }).code)
        : "";
  return why && !e.message.includes(why) ? `${e.message} (${why})` : e.message;
}

/** Runs one call to the cluster; whatever keeps it from answering becomes PRECONDITION_FAILED with the reason. */
async function onCluster<T>(c: { name: string }, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (e instanceof ClusterError)
      throw new AppError("PRECONDITION_FAILED", `Could not ${what} on ${c.name} (${e.kind}): ${e.message}`);
    throw new AppError("PRECONDITION_FAILED", `Could not ${what} on ${c.name}: ${reasonOf(e)}`);
  }
}

const vanished = (name: string, cluster: string) =>
  new AppError("NOT_FOUND", `Schedule ${name} was not found on ${cluster}: it may have been deleted`);

// ---------------------------------------------------------------------------------------------------------------
// Reading a Schedule
// ---------------------------------------------------------------------------------------------------------------

/** What a backup template covers, in a few words: "Whole cluster", "Namespaces a, b", "Resources matching app=web". */
export function scopeSummary(template: unknown): string {
  const parts: string[] = [];
  const f = filtersOf(template);
  const include = (f.includedNamespaces ?? []).filter((n) => n !== "*");
  const always = new Set<string>([...PROTECTED_NAMESPACES, "velero"]);
  const exclude = f.excludedNamespaces.filter((n) => !always.has(n));
  if (include.length) parts.push(`Namespaces ${include.join(", ")}`);
  else if (exclude.length) parts.push(`All namespaces except ${exclude.join(", ")}`);
  const text = f.labelSelectors.map(formatLabelSelector).filter(Boolean);
  if (text.length) parts.push(`Resources matching ${text.join(" or ")}`);
  const resources = (f.includedResources ?? []).filter((r) => r !== "*");
  if (resources.length) parts.push(`only ${resources.join(", ")}`);
  return parts.join("; ") || "Whole cluster";
}

/**
 * A cron expression from a cluster too long to read (Velero's are a few dozen characters): an error on its row, never
 * parsed. The message, or null when it can be read.
 */
export function cronTooLong(cron: string): string | null {
  return cron.length > MAX_CRON_LENGTH
    ? `cron expression longer than ${MAX_CRON_LENGTH / 1024} KiB (${cron.length.toLocaleString("en-US")} characters); ` +
        "Lifeboat does not read it"
    : null;
}

/** What a row shows of a cron expression: the first characters of one too long to read. */
const shownCron = (cron: string) => (cronTooLong(cron) ? `${cron.slice(0, 64)}…` : cron);

/** The run history Velero's schedule controller reads, from a Schedule's status and its creation time. */
const historyOf = (status: Rec, createdAt: Date | null): RunHistory => ({
  lastBackup: date(status.lastBackup),
  lastSkipped: date(status.lastSkipped),
  createdAt,
});

/** A Schedule's cron expression, parsed, or null when it can't be read or never validated. */
function readableCron(spec: Rec, status: Rec): CronSchedule | null {
  if (status.phase === "FailedValidation") return null;
  const expression = str(spec.schedule) ?? "";
  if (cronTooLong(expression)) return null;
  try {
    return parseStandard(expression);
  } catch {
    return null;
  }
}

/**
 * When Velero will start the next backup: cron.Next(max(lastBackup or creation, lastSkipped)), at once for a new one;
 * with skipImmediately set, the controller records lastSkipped at its next check, so cron.Next(now).
 */
export function nextRunAt(spec: Rec, status: Rec, createdAt: Date | null, now = new Date()): Date | null {
  if (spec.paused === true) return null;
  const cron = readableCron(spec, status);
  if (!cron) return null;
  const next = spec.skipImmediately === true ? cron.next(now) : dueAt(cron, historyOf(status, createdAt), now);
  if (!next || next.getTime() === 0) return null;
  return next < now ? now : next;
}

/** For a paused Schedule: whether resuming starts a backup at once, and when the next one runs otherwise. */
export function resumeOf(spec: Rec, status: Rec, createdAt: Date | null, now = new Date()): ResumeOutlook | null {
  if (spec.paused !== true || !readableCron(spec, status)) return null;
  return resumeOutlook(str(spec.schedule) ?? "", historyOf(status, createdAt), now);
}

function cronWords(cron: string): { cronText: string | null; cronError: string | null; timeZone: string | null } {
  const tooLong = cronTooLong(cron);
  if (tooLong) return { cronText: null, cronError: tooLong, timeZone: null };
  try {
    return { cronText: describeCron(cron), cronError: null, timeZone: parseStandard(cron).timeZone };
  } catch (e) {
    return { cronText: null, cronError: e instanceof CronError ? e.message : String(e), timeZone: null };
  }
}

/** The stored wizard input of a Schedule, or why it can't be edited with the wizard. */
function storedInput(obj: KubeObject): { input: BackupInput | null; reason: string | null } {
  const raw = obj.metadata?.annotations?.[BACKUP_INPUT_ANNOTATION];
  if (typeof raw !== "string")
    return {
      input: null,
      reason:
        "This schedule was not created by Lifeboat, so its backup template can't be edited here: change its cron " +
        "expression or pause it, or edit it where it was made (velero CLI, GitOps).",
    };
  try {
    const r = backupInput.safeParse(JSON.parse(raw));
    if (r.success) return { input: r.data, reason: null };
    return {
      input: null,
      reason:
        `The backup settings stored on this schedule are no longer valid (${r.error.issues[0]?.message}): ` +
        "only its cron expression and paused flag can be changed.",
    };
  } catch {
    return {
      input: null,
      reason:
        "The backup settings stored on this schedule can't be read: only its cron expression and paused flag can be changed.",
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// List (read model)
// ---------------------------------------------------------------------------------------------------------------

interface LatestBackup {
  clusterId: string;
  schedule: string;
  name: string;
  phase: string | null;
  status: unknown;
  createdAt: Date | null;
}

/** The newest Backup of each schedule (by its velero.io/schedule-name label) on these clusters, in one query. */
async function latestBackups(db: Db, clusterIds: string[]): Promise<Map<string, LatestBackup>> {
  if (!clusterIds.length) return new Map();
  // The label key is a literal: DISTINCT ON must repeat ORDER BY's expressions exactly, which parameters don't.
  const rows = await db.$queryRaw<LatestBackup[]>(Prisma.sql`
    SELECT DISTINCT ON ("clusterId", "labels"->>'velero.io/schedule-name')
      "clusterId", "labels"->>'velero.io/schedule-name' AS "schedule", "name", "phase", "status", "createdAt"
    FROM "VeleroObject"
    WHERE "kind" = 'backups' AND "clusterId" IN (${Prisma.join(clusterIds)}) AND "labels" ? 'velero.io/schedule-name'
    ORDER BY "clusterId", "labels"->>'velero.io/schedule-name', "createdAt" DESC NULLS LAST, "name" DESC`);
  return new Map(rows.map((r) => [`${r.clusterId}/${r.schedule}`, r]));
}

export async function listSchedules(
  db: Db,
  access: Access,
  filter: { clusterId?: string; name?: string },
  now = new Date(),
) {
  const rows = await db.veleroObject.findMany({
    where: {
      kind: PLURAL,
      ...(filter.clusterId ? { clusterId: filter.clusterId } : {}),
      ...(filter.name ? { name: filter.name } : {}),
      cluster: visibleClusterWhere(access) ?? undefined,
    },
    orderBy: [{ cluster: { name: "asc" } }, { name: "asc" }],
    take: LIST_LIMIT,
    select: {
      clusterId: true,
      name: true,
      phase: true,
      labels: true,
      spec: true,
      status: true,
      createdAt: true,
      observedAt: true,
      cluster: { select: { name: true, state: true } },
    },
  });
  const latest = await latestBackups(db, [...new Set(rows.map((r) => r.clusterId))]);
  return rows.map((r) => {
    const spec = rec(r.spec);
    const status = rec(r.status);
    const template = rec(spec.template);
    const cron = str(spec.schedule) ?? "";
    const b = latest.get(`${r.clusterId}/${labelValue(r.name)}`);
    const bs = rec(b?.status);
    return {
      clusterId: r.clusterId,
      clusterName: r.cluster.name,
      clusterState: r.cluster.state,
      name: r.name,
      cron: shownCron(cron),
      ...cronWords(cron),
      paused: spec.paused === true,
      phase: r.phase ?? "New",
      validationErrors: strs(status.validationErrors),
      nextRunAt: nextRunAt(spec, status, r.createdAt, now),
      resume: resumeOf(spec, status, r.createdAt, now),
      lastBackupAt: date(status.lastBackup),
      lastBackup: b
        ? {
            name: b.name,
            phase: b.phase ?? "New",
            startedAt: date(bs.startTimestamp),
            completedAt: date(bs.completionTimestamp),
            errors: num(bs.errors) ?? 0,
            warnings: num(bs.warnings) ?? 0,
            failureReason: str(bs.failureReason),
          }
        : null,
      ttl: str(template.ttl),
      location: str(template.storageLocation),
      scope: scopeSummary(template),
      managedByLifeboat: CLUSTER_LABEL in rec(r.labels),
      useOwnerReferencesInBackup: spec.useOwnerReferencesInBackup === true,
      createdAt: r.createdAt,
      observedAt: r.observedAt,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Get (live), preview, create
// ---------------------------------------------------------------------------------------------------------------

/** The Schedule as it is on the cluster now, with what the edit form needs. */
export async function getSchedule(d: Deps, cluster: ScopedCluster, name: string): Promise<ScheduleDetail> {
  const c = await liveCluster(d, cluster);
  const obj = await onCluster(c, `read schedule ${name}`, () => d.kube.getVeleroObject(c.client, PLURAL, name));
  if (!obj) throw vanished(name, c.name);
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const { input, reason } = storedInput(obj);
  return {
    clusterId: c.id,
    clusterName: c.name,
    name,
    cron: str(spec.schedule) ?? "",
    paused: spec.paused === true,
    skipImmediately: bool(spec.skipImmediately),
    useOwnerReferencesInBackup: spec.useOwnerReferencesInBackup === true,
    input,
    templateEditable: input !== null,
    notEditableReason: reason,
    phase: str(status.phase) ?? "New",
    validationErrors: strs(status.validationErrors),
    lastBackupAt: date(status.lastBackup),
    resume: resumeOf(spec, status, date(obj.metadata?.creationTimestamp)),
  };
}

function manifestFor(req: ScheduleRequest, clusterName: string, createdBy: string): Schedule {
  return specOrBadRequest(() => {
    const manifest = buildSchedule({
      name: req.name,
      input: req.spec,
      cron: req.cron,
      paused: req.paused,
      skipImmediately: req.skipImmediately,
      useOwnerReferencesInBackup: req.useOwnerReferencesInBackup,
      cluster: { name: clusterName },
      createdBy,
    });
    const input = parseOrThrow(backupInput, req.spec, "input");
    manifest.metadata.annotations = {
      ...manifest.metadata.annotations,
      [BACKUP_INPUT_ANNOTATION]: JSON.stringify(input),
    };
    return manifest;
  });
}

/** The manifest the review step shows, exactly as it will be created. */
export async function previewSchedule(c: ScopedCluster, req: ScheduleRequest, createdBy: string) {
  return { yaml: toYaml(manifestFor(req, c.name, createdBy)) };
}

export async function createSchedule(d: Deps, cluster: ScopedCluster, req: ScheduleRequest, createdBy: string) {
  const c = await liveCluster(d, cluster);
  const manifest = manifestFor(req, c.name, createdBy);
  await refuseReadOnlyTarget(d, c, str(rec(rec(manifest.spec).template).storageLocation));
  const { created, object } = await onCluster(c, "create the schedule", () =>
    d.kube.createVeleroObject(c.client, PLURAL, manifest as never),
  );
  if (!created) {
    // A double submit finds its own schedule; anything else with that name is another schedule.
    const same =
      object?.metadata?.annotations?.[BACKUP_INPUT_ANNOTATION] ===
        manifest.metadata.annotations?.[BACKUP_INPUT_ANNOTATION] &&
      rec(object?.spec).schedule === manifest.spec.schedule;
    if (!same)
      throw new AppError("CONFLICT", `A schedule named ${req.name} already exists on ${c.name}: choose another name`);
  }
  return { name: req.name, created };
}

// ---------------------------------------------------------------------------------------------------------------
// Edit, pause, delete
// ---------------------------------------------------------------------------------------------------------------

/**
 * Edits a Schedule in place (same name, so its backups stay linked). With `spec`, the template is rebuilt from the
 * wizard input (Lifeboat's Schedules only); without, only the cron expression, paused and skipImmediately change.
 */
export async function updateSchedule(d: Deps, cluster: ScopedCluster, req: ScheduleUpdate) {
  const c = await liveCluster(d, cluster);
  const cron = specOrBadRequest(() => parseOrThrow(scheduleOptions.shape.cron, req.cron, "cron"));
  const rebuilt =
    req.spec === undefined
      ? null
      : manifestFor(
          {
            clusterId: req.clusterId,
            name: req.name,
            spec: req.spec,
            cron,
            paused: req.paused,
            skipImmediately: req.skipImmediately,
          },
          c.name,
          "",
        );
  if (rebuilt) await refuseReadOnlyTarget(d, c, str(rec(rec(rebuilt.spec).template).storageLocation));
  const updated = await onCluster(c, `update schedule ${req.name}`, () =>
    d.kube.updateVeleroObject(c.client, PLURAL, req.name, (obj) => {
      const before = rec(obj.spec);
      let spec: Rec = { ...before };
      if (rebuilt) {
        const { input, reason } = storedInput(obj);
        if (!input) throw new AppError("BAD_REQUEST", reason!);
        // The template is replaced; the switches the request does not mention keep their values.
        const { skipImmediately: _dropped, ...template } = rebuilt.spec;
        spec = { ...template, paused: before.paused === true };
        if (before.skipImmediately !== undefined) spec.skipImmediately = before.skipImmediately;
        if (before.useOwnerReferencesInBackup !== undefined)
          spec.useOwnerReferencesInBackup = before.useOwnerReferencesInBackup;
        obj.metadata = obj.metadata ?? {};
        obj.metadata.labels = { ...obj.metadata.labels, ...rebuilt.metadata.labels };
        obj.metadata.annotations = {
          ...obj.metadata.annotations,
          [BACKUP_INPUT_ANNOTATION]: rebuilt.metadata.annotations![BACKUP_INPUT_ANNOTATION],
        };
      }
      spec.schedule = cron;
      if (req.paused !== undefined) spec.paused = req.paused;
      if (req.skipImmediately !== undefined) spec.skipImmediately = req.skipImmediately;
      obj.spec = spec;
    }),
  );
  if (!updated) throw vanished(req.name, c.name);
  const spec = rec(updated.spec);
  return { name: req.name, paused: spec.paused === true, cron: str(spec.schedule) ?? cron };
}

/**
 * Pauses or resumes: Velero's schedule controller leaves a paused Schedule alone, and on resume starts at once a run that
 * fell due while it was paused. Resuming with runNow false sets spec.skipImmediately in the same write: the controller
 * (Velero ≥ 1.14) then records lastSkipped instead of running, clears the flag, and runs at the next cron time. runNow
 * true clears a skipImmediately left on the Schedule, so the run that is due starts as the caller was told.
 */
export async function setPaused(
  d: Deps,
  cluster: ScopedCluster,
  key: { name: string; runNow?: boolean },
  paused: boolean,
) {
  const c = await liveCluster(d, cluster);
  const updated = await onCluster(c, `${paused ? "pause" : "resume"} schedule ${key.name}`, () =>
    d.kube.updateVeleroObject(c.client, PLURAL, key.name, (obj) => {
      const spec: Rec = { ...rec(obj.spec), paused };
      if (!paused && key.runNow === false) spec.skipImmediately = true;
      else if (!paused && spec.skipImmediately === true) spec.skipImmediately = false;
      obj.spec = spec;
    }),
  );
  if (!updated) throw vanished(key.name, c.name);
  return { name: key.name, paused: rec(updated.spec).paused === true };
}

/**
 * Deletes the Schedule. Its backups stay (they expire by their TTL) unless it set useOwnerReferencesInBackup, in which
 * case Kubernetes garbage-collects its Backup objects with it.
 */
export async function deleteSchedule(d: Deps, cluster: ScopedCluster, key: { name: string }) {
  const c = await liveCluster(d, cluster);
  const obj = await onCluster(c, `read schedule ${key.name}`, () => d.kube.getVeleroObject(c.client, PLURAL, key.name));
  if (!obj) throw vanished(key.name, c.name);
  await onCluster(c, `delete schedule ${key.name}`, () => d.kube.deleteVeleroObject(c.client, PLURAL, key.name));
  return { name: key.name, backupsKept: rec(obj.spec).useOwnerReferencesInBackup !== true };
}

/** Marks a backup made by "Back up now" from a schedule, with who asked (the schedule's own runs lack it). */
const BACKUP_NOW = "lifeboat.io/backup-now-by";

/**
 * "Back up now" from a Schedule, as `velero backup create --from-schedule` does (velero-api.md §2.3, builder
 * FromSchedule): a Backup named <schedule>-<yyyyMMddHHmmss> whose spec is the Schedule's template, labelled with the
 * template's labels (else the Schedule's) plus velero.io/schedule-name, with the Schedule's annotations. Lifeboat adds
 * its cluster label (so the overview counts it here) and who asked. A second click in the same second answers the
 * same backup.
 */
export async function backupFromSchedule(
  d: Deps,
  cluster: ScopedCluster,
  key: { name: string },
  requestedBy: string,
  now = new Date(),
) {
  const c = await liveCluster(d, cluster);
  const obj = await onCluster(c, `read schedule ${key.name}`, () => d.kube.getVeleroObject(c.client, PLURAL, key.name));
  if (!obj) throw vanished(key.name, c.name);
  const { metadata: templateMeta, ...template } = rec(rec(obj.spec).template);
  const templateLabels = rec(rec(templateMeta).labels);
  const labels = Object.keys(templateLabels).length ? templateLabels : rec(obj.metadata?.labels);
  await refuseReadOnlyTarget(d, c, str(template.storageLocation));
  await refuseUnavailableTarget(d, c, str(template.storageLocation));
  const base = `${key.name}-${timestamp(now)}`;
  const manifest = (name: string) => ({
    apiVersion: "velero.io/v1",
    kind: "Backup",
    metadata: {
      name,
      namespace: obj.metadata?.namespace,
      labels: {
        ...(labels as Record<string, string>),
        "velero.io/schedule-name": labelValue(key.name),
        [CLUSTER_LABEL]: clusterLabelValue(c.name),
      },
      annotations: {
        ...(obj.metadata?.annotations ?? {}),
        [CREATED_BY_ANNOTATION]: requestedBy,
        [BACKUP_NOW]: requestedBy,
      },
    },
    spec: template,
  });
  // The schedule's own run can take the same name in the same second: then the next free suffix. The same person's
  // second click in that second finds their own backup (created: false), as every create here does.
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    const { created } = await onCluster(c, `create a backup from schedule ${key.name}`, () =>
      d.kube.createVeleroObject(c.client, "backups", manifest(name) as never),
    );
    if (created) return { name, created };
    const existing = await onCluster(c, `read backup ${name}`, () => d.kube.getVeleroObject(c.client, "backups", name));
    // The schedule's own runs carry its annotations (created-by too), never this one.
    if (rec(existing?.metadata?.annotations)[BACKUP_NOW] === requestedBy || i >= 5) return { name, created };
  }
}
