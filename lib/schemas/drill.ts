import { z } from "zod";
import { id } from "./admin";
import { namespaceName, objectName, PROTECTED_NAMESPACES } from "./protection";
import { CronError, neverRuns, parseStandard } from "../cron/robfig";

// Restore drills (#14 §4): what the operator asks for (drill.start, drill.schedules.create) and what the browser
// receives (drill.list|get|evidence, drill.schedules.list). One schema per contract, used by the forms, the router's
// input and output, and the services' JSON columns (RestoreDrill.checks is drillChecks).

export const DRILL_PHASES = ["RESTORING", "VERIFYING", "CLEANING", "PASSED", "FAILED"] as const;
export const drillPhase = z.enum(DRILL_PHASES);
export type DrillPhase = z.infer<typeof drillPhase>;
export const drillVerdict = z.enum(["PASSED", "FAILED"]);

/** The longest an operator may let the checks wait for claims and pods. */
export const VERIFY_TIMEOUT_MAX_SECONDS = 3600;
export const VERIFY_TIMEOUT_MIN_SECONDS = 10;
export const DEFAULT_VERIFY_TIMEOUT_SECONDS = 300;
/** At most this many source namespaces in one drill. */
export const DRILL_NAMESPACES_MAX = 50;

const drillNamespaces = z
  .array(namespaceName)
  .max(DRILL_NAMESPACES_MAX, `At most ${DRILL_NAMESPACES_MAX} namespaces in one drill`)
  .superRefine((list, ctx) => {
    list.forEach((ns, i) => {
      if ((PROTECTED_NAMESPACES as readonly string[]).includes(ns))
        ctx.addIssue({ code: "custom", path: [i], message: `"${ns}" is never restored` });
      if (list.indexOf(ns) !== i) ctx.addIssue({ code: "custom", path: [i], message: `"${ns}" is named twice` });
    });
  });

// ---------------------------------------------------------------------------------------------------------------
// drill.start
// ---------------------------------------------------------------------------------------------------------------

/** The fields of a drill request (exactly one of backupName and scheduleName: see drillStart). */
export const drillStartFields = z.object({
  /** The target cluster: the restore runs there, beside whatever it already runs. */
  clusterId: id,
  /** A backup the target sees. */
  backupName: objectName.optional(),
  /** Or a Velero Schedule: its latest Completed backup the target sees. */
  scheduleName: objectName.optional(),
  /** A subset of the backup's namespaces; all of them when left out. */
  namespaces: drillNamespaces.optional(),
  /** Leave the drill namespaces in place after the checks (they are removed otherwise). */
  keep: z.boolean().default(false),
  /** How long the checks wait for every claim to be Bound and every pod Ready once the restore has finished. */
  verifyTimeoutSeconds: z
    .number()
    .int()
    .min(VERIFY_TIMEOUT_MIN_SECONDS)
    .max(VERIFY_TIMEOUT_MAX_SECONDS)
    .default(DEFAULT_VERIFY_TIMEOUT_SECONDS),
});

export function refineDrillSource(v: { backupName?: string; scheduleName?: string }, ctx: z.RefinementCtx) {
  if (Boolean(v.backupName) === Boolean(v.scheduleName))
    ctx.addIssue({
      code: "custom",
      path: ["backupName"],
      message: "Choose a backup, or a schedule whose latest backup the drill restores (not both)",
    });
}

export const drillStart = drillStartFields.superRefine(refineDrillSource);
export type DrillStart = z.infer<typeof drillStart>;

export const drillStarted = z.object({ id: z.string(), restoreName: z.string() });

// ---------------------------------------------------------------------------------------------------------------
// What a drill found
// ---------------------------------------------------------------------------------------------------------------

/** The Restore as it ended (or is, while it runs). */
export const drillRestoreFacts = z.object({
  phase: z.string(),
  itemsRestored: z.number().nullable(),
  totalItems: z.number().nullable(),
  errors: z.number(),
  warnings: z.number(),
  failureReason: z.string().nullable(),
  validationErrors: z.array(z.string()),
});
export type DrillRestoreFacts = z.infer<typeof drillRestoreFacts>;

/** One drill namespace as the checks last saw it: its claims, pods and workloads (lists cut to a few names). */
export const drillNamespaceCheck = z.object({
  source: z.string(),
  namespace: z.string(),
  exists: z.boolean(),
  claims: z.object({ bound: z.number(), total: z.number(), notBound: z.array(z.string()) }),
  pods: z.object({
    ready: z.number(),
    total: z.number(),
    notReady: z.array(z.object({ name: z.string(), reason: z.string() })),
  }),
  /** Deployments and StatefulSets with all their replicas ready; null where Lifeboat may not list them. */
  workloads: z.object({ ready: z.number(), total: z.number(), notReady: z.array(z.string()) }).nullable(),
});
export type DrillNamespaceCheck = z.infer<typeof drillNamespaceCheck>;

/** What the cleanup did: deleted the drill's namespaces, left alone those not labelled as the drill's. */
export const drillCleanup = z.object({
  startedAt: z.string(),
  deleted: z.array(z.string()),
  leftAlone: z.array(z.string()),
});

export const drillChecks = z.object({
  restore: drillRestoreFacts.nullable().default(null),
  namespaces: z.array(drillNamespaceCheck).default([]),
  /** The drill namespaces labelled as this drill's once the restore finished (only those are ever deleted). */
  labelled: z.array(z.string()).default([]),
  labelErrors: z.array(z.string()).default([]),
  cleanup: drillCleanup.nullable().default(null),
});
export type DrillChecks = z.infer<typeof drillChecks>;

// ---------------------------------------------------------------------------------------------------------------
// drill.list | drill.get
// ---------------------------------------------------------------------------------------------------------------

export const drillListInput = z
  .object({ clusterId: id.optional(), groupId: id.optional(), drillScheduleId: id.optional() })
  .default({});

export const drillRow = z.object({
  id: z.string(),
  clusterId: z.string(),
  clusterName: z.string(),
  sourceClusterId: z.string().nullable(),
  backupName: z.string(),
  scheduleName: z.string().nullable(),
  drillScheduleId: z.string().nullable(),
  restoreName: z.string(),
  /** Source namespace → drill namespace. */
  mapping: z.record(z.string(), z.string()),
  keep: z.boolean(),
  phase: drillPhase,
  verdict: drillVerdict.nullable(),
  startedAt: z.date(),
  restoredAt: z.date().nullable(),
  verifiedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  recoverySeconds: z.number().nullable(),
  itemsRestored: z.number().nullable(),
  totalItems: z.number().nullable(),
  errors: z.number(),
  warnings: z.number(),
  failureReason: z.string().nullable(),
  cleanedAt: z.date().nullable(),
  cleanupError: z.string().nullable(),
  lastError: z.string().nullable(),
  createdBy: z.string(),
});
export type DrillRow = z.infer<typeof drillRow>;

export const drillDetail = drillRow.extend({
  verifyTimeoutSeconds: z.number(),
  checks: drillChecks,
});
export type DrillDetail = z.infer<typeof drillDetail>;

export const drillRef = z.object({ clusterId: id, id });

// ---------------------------------------------------------------------------------------------------------------
// drill.schedules
// ---------------------------------------------------------------------------------------------------------------

const drillCron = z
  .string()
  .trim()
  .min(1, "Enter a schedule")
  .max(200)
  .superRefine((spec, ctx) => {
    try {
      if (neverRuns(parseStandard(spec)))
        ctx.addIssue({
          code: "custom",
          message: "This schedule never runs: no date matches it in the next five years",
        });
    } catch (err) {
      ctx.addIssue({ code: "custom", message: err instanceof CronError ? err.message : String(err) });
    }
  });

export const drillScheduleCreate = z.object({
  /** The target cluster the drills restore into. */
  clusterId: id,
  /** The cluster whose Velero Schedule it is; the target itself when left out. */
  sourceClusterId: id.optional(),
  scheduleName: objectName,
  namespaces: drillNamespaces.default([]),
  /** A cron expression (as a Velero Schedule's); when left out, every intervalDays days (weekly by default). */
  cron: drillCron.nullable().default(null),
  intervalDays: z.number().int().min(1).max(366).default(7),
  /** Always false: every run would leave another copy of the workloads running beside the originals. */
  keep: z
    .boolean()
    .default(false)
    .refine((v) => !v, "A scheduled drill cannot keep its namespaces: every run would leave another copy running"),
  verifyTimeoutSeconds: drillStartFields.shape.verifyTimeoutSeconds,
});
export type DrillScheduleCreate = z.infer<typeof drillScheduleCreate>;

export const drillScheduleRow = z.object({
  id: z.string(),
  clusterId: z.string(),
  clusterName: z.string(),
  sourceClusterId: z.string(),
  sourceClusterName: z.string(),
  scheduleName: z.string(),
  namespaces: z.array(z.string()),
  cron: z.string().nullable(),
  intervalDays: z.number(),
  keep: z.boolean(),
  enabled: z.boolean(),
  lastRunAt: z.date().nullable(),
  nextRunAt: z.date(),
  lastDrillId: z.string().nullable(),
  lastError: z.string().nullable(),
  createdBy: z.string(),
});
export type DrillScheduleRow = z.infer<typeof drillScheduleRow>;

export const drillScheduleRef = z.object({ clusterId: id, id });

// ---------------------------------------------------------------------------------------------------------------
// drill.evidence
// ---------------------------------------------------------------------------------------------------------------

export const drillEvidenceDrill = z.object({
  drillId: z.string(),
  /** When the drill ended (its checks passed or it failed). */
  at: z.date(),
  backupName: z.string(),
  /** The cluster restored into; null where the caller may not see it. */
  targetClusterId: z.string().nullable(),
  targetClusterName: z.string().nullable(),
  recoverySeconds: z.number().nullable(),
  failureReason: z.string().nullable(),
});

/** One namespace of one of the group's clusters: when it was last proven restorable, and a failure since. */
export const drillEvidenceRow = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  namespace: z.string(),
  lastPassed: drillEvidenceDrill.nullable(),
  /** The latest failed drill after the last passed one (or ever, when none passed). */
  failedSince: drillEvidenceDrill.nullable(),
  drills: z.number(),
});
export type DrillEvidenceRow = z.infer<typeof drillEvidenceRow>;

export const drillEvidence = z.object({
  groupId: z.string(),
  groupName: z.string(),
  generatedAt: z.date(),
  rows: z.array(drillEvidenceRow),
});
export type DrillEvidence = z.infer<typeof drillEvidence>;
