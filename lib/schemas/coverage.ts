import { z } from "zod";
import { clusterState } from "./overview";
import { METHOD_RANK } from "@/lib/velero/coverage/types";

// What the browser receives about volume coverage (#13): per volume the predicted method (lib/velero/coverage, the
// rules of velero-api.md §9), what the last backups really did (BackupDigest), per namespace the recovery point, and
// per cluster a summary for the fleet dashboard. One schema per contract: the router's output and the pages' types.

export const coverageMethod = z.enum(METHOD_RANK);
export type CoverageMethodName = z.infer<typeof coverageMethod>;

export { PROTECTING_METHODS } from "@/lib/velero/coverage/types";

export const coverageFix = z.object({
  text: z.string(),
  command: z.string().optional(),
  yaml: z.string().optional(),
});

export const planDecision = z.object({
  plan: z.string(),
  method: coverageMethod,
  rule: z.string(),
  reason: z.string().nullable(),
  fix: coverageFix.nullable(),
});

/** What a finished backup did with one volume (its volume info), as BackupDigest.volumes keeps it. */
export const observedVolume = z.object({
  namespace: z.string(),
  pvc: z.string().nullable(),
  pod: z.string().nullable(),
  volumeName: z.string().nullable(),
  /** Velero's backupMethod: PodVolumeBackup, CSISnapshot, NativeSnapshot, or "" when skipped. */
  backupMethod: z.string(),
  dataMoved: z.boolean(),
  skipped: z.boolean(),
  /** Velero's result for it was "failed" (volume info result). */
  failed: z.boolean().default(false),
  reason: z.string().nullable(),
  bytes: z.number().nullable(),
});
export type ObservedVolume = z.infer<typeof observedVolume>;

export const lastProtected = z.object({
  backup: z.string(),
  at: z.date().nullable(),
  method: coverageMethod,
});

export const volumeCoverageRow = z.object({
  key: z.string(),
  namespace: z.string(),
  pvc: z.string().nullable(),
  pv: z.string().nullable(),
  pods: z.array(z.string()),
  volumeName: z.string().nullable(),
  source: z.string(),
  storageClass: z.string().nullable(),
  csiDriver: z.string().nullable(),
  bytes: z.number().nullable(),
  method: coverageMethod,
  plans: z.array(z.string()),
  reason: z.string().nullable(),
  fix: coverageFix.nullable(),
  rule: z.string(),
  decisions: z.array(planDecision),
  onDemand: planDecision,
  /** The newest finished backup that carried its data, and how. */
  lastProtected: lastProtected.nullable(),
  /** Where the newest finished backup that should have carried it disagrees with the prediction, in words. */
  mismatch: z.string().nullable(),
});
export type VolumeCoverageRow = z.infer<typeof volumeCoverageRow>;

export const namespaceRecoveryPoint = z.object({
  namespace: z.string(),
  /** The newest Completed backup that included it (or PartiallyFailed without errors in it). */
  lastBackup: z.string().nullable(),
  lastAt: z.date().nullable(),
  /** Hours since lastAt (null: never). */
  ageHours: z.number().nullable(),
  breach: z.boolean(),
  volumes: z.number(),
  notCovered: z.number(),
});
export type NamespaceRecoveryPoint = z.infer<typeof namespaceRecoveryPoint>;

export const coverageSummary = z.object({
  volumes: z.number(),
  covered: z.number(),
  byMethod: z.record(coverageMethod, z.number()),
  /** Bytes per method where known (requests of claims, sizes of volumes). */
  bytesByMethod: z.record(coverageMethod, z.number()),
  mismatches: z.number(),
  namespaces: z.number(),
  breaches: z.number(),
});
export type CoverageSummary = z.infer<typeof coverageSummary>;

export const clusterCoverage = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  rpoHours: z.number(),
  computedAt: z.date(),
  /** Why the picture is incomplete or missing (Velero not installed, a kind not synced yet or not allowed), in words. */
  problems: z.array(z.string()),
  /** The schedules the prediction used ("" never: the on-demand backup is each row's onDemand). */
  schedules: z.array(z.object({ name: z.string(), paused: z.boolean() })),
  summary: coverageSummary,
  volumes: z.array(volumeCoverageRow),
  namespaces: z.array(namespaceRecoveryPoint),
});
export type ClusterCoverage = z.infer<typeof clusterCoverage>;

export const coverageInput = z.object({ clusterId: z.string().min(1) });

// ---- the fleet dashboard ------------------------------------------------------------------------------------------------

export const dashboardCluster = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  groupId: z.string(),
  groupName: z.string(),
  state: clusterState,
  velero: z.enum(["INSTALLED", "NOT_INSTALLED", "UNKNOWN"]),
  volumes: z.number(),
  covered: z.number(),
  /** covered / volumes (null without volumes or without a picture yet). */
  coverageRatio: z.number().nullable(),
  rpoHours: z.number(),
  breaches: z.number(),
  namespaces: z.number(),
  lastBackup: z.object({ name: z.string(), phase: z.string(), at: z.date().nullable() }).nullable(),
  problems: z.array(z.string()),
  /** The cluster's newest restore drill, when it failed (#14 §4): a problem the dashboard links to. */
  failedDrill: z
    .object({ id: z.string(), at: z.date(), backupName: z.string(), failureReason: z.string().nullable() })
    .nullable(),
});
export type DashboardCluster = z.infer<typeof dashboardCluster>;

export const dashboardInput = z.object({ groupId: z.string().min(1).max(64).optional() }).default({});

export const fleetDashboard = z.object({
  clusters: z.array(dashboardCluster),
  groups: z.array(z.object({ id: z.string(), name: z.string() })),
  /** Backups per day by outcome over the last 30 days (UTC days, oldest first). */
  backupsPerDay: z.array(
    z.object({ day: z.string(), completed: z.number(), partiallyFailed: z.number(), failed: z.number() }),
  ),
  /** Bytes of volume data written per location and day (from the backups' volume info), last 30 days. */
  storedPerLocation: z.array(
    z.object({ location: z.string(), days: z.array(z.object({ day: z.string(), bytes: z.number() })) }),
  ),
});
export type FleetDashboard = z.infer<typeof fleetDashboard>;
