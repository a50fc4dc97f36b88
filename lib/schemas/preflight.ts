import { z } from "zod";

// What the browser receives from a restore's pre-flight check (restore.preflight, #14 §1–§2): findings with the fix
// the wizard can apply, and the predicted outcome per namespace and kind. Computed by lib/velero/preflight/.

/** A change to the restore's options that answers a finding; applied to the wizard's form by applyFix. */
export const preflightFix = z.discriminatedUnion("kind", [
  /** Add these resources ("widgets.shop.example.io") to the restore's excluded resources. */
  z.object({ kind: z.literal("excludeResources"), resources: z.array(z.string()) }),
  /** Map a storage class of the backup to one the target has. */
  z.object({ kind: z.literal("mapStorageClass"), from: z.string(), to: z.string() }),
  /** Restore cluster-scoped resources (so the CRDs in the backup come back before their custom resources). */
  z.object({ kind: z.literal("includeClusterResources") }),
  /** Restore the objects without their volume data (restorePVs: false). */
  z.object({ kind: z.literal("skipVolumeData") }),
]);
export type PreflightFix = z.infer<typeof preflightFix>;

export const PREFLIGHT_CHECKS = [
  "backup",
  "version",
  "apis",
  "crds",
  "storageClasses",
  "clusterScoped",
  "volumes",
  "namespaces",
] as const;
export type PreflightCheck = (typeof PREFLIGHT_CHECKS)[number];

export const preflightSeverity = z.enum(["error", "warning", "note"]);
export type PreflightSeverity = z.infer<typeof preflightSeverity>;

export const preflightFinding = z.object({
  /** Stable for the same problem ("crd-missing:widgets.shop.example.io"), so the page can key and test it. */
  id: z.string(),
  check: z.enum(PREFLIGHT_CHECKS),
  /** error: what was asked for will not come back; warning: it would partly fail or behave differently; note. */
  severity: preflightSeverity,
  title: z.string(),
  detail: z.string(),
  /** A few of the objects it concerns ("shop/blue-widget"), and how many there are in all. */
  items: z.array(z.string()),
  count: z.number(),
  fix: preflightFix.nullable(),
  fixLabel: z.string().nullable(),
  /** A second fix, when there are two ways out (e.g. restore the CRD, or exclude its resources). */
  altFix: preflightFix.nullable(),
  altFixLabel: z.string().nullable(),
});
export type PreflightFinding = z.infer<typeof preflightFinding>;

export const predictionCounts = z.object({
  create: z.number(),
  /**
   * Not written: already present on the target (existingResourcePolicy none), or a PersistentVolume that is
   * re-provisioned for its claim instead of restored.
   */
  skip: z.number(),
  /** Already present and patched to the backed-up state (existingResourcePolicy update). */
  update: z.number(),
  /** The restore would try and fail (an API version the target does not serve, a missing storage class). */
  fail: z.number(),
  /** Velero would pass over them without an error (a kind the target does not serve at all). */
  dropped: z.number(),
});
export type PredictionCounts = z.infer<typeof predictionCounts>;

export const predictionRow = predictionCounts.extend({
  /** The namespace on the target (after mapping); null for cluster-scoped objects. */
  namespace: z.string().nullable(),
  kind: z.string(),
  groupVersion: z.string(),
  /** The target's objects of this kind could not be read here: creates and skips are not told apart. */
  unknownExisting: z.string().nullable(),
});
export type PredictionRow = z.infer<typeof predictionRow>;

export const restorePrediction = z.object({
  rows: z.array(predictionRow),
  total: predictionCounts,
  /** Why the prediction may be incomplete (contents truncated, kinds unreadable). */
  caveats: z.array(z.string()),
});
export type RestorePrediction = z.infer<typeof restorePrediction>;

export const preflightResult = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  backupName: z.string(),
  checkedAt: z.date(),
  verdict: z.enum(["pass", "warnings", "errors"]),
  findings: z.array(preflightFinding),
  /** Null when the backup's contents could not be read (the findings say why). */
  prediction: restorePrediction.nullable(),
  /**
   * When the target does not see the backup: the Lifeboat location it is stored in (as its maker holds it), and whether
   * the target already holds that location (then Velero's backup sync is still to bring the backup). #14 §3.
   */
  share: z
    .object({
      locationId: z.string(),
      locationName: z.string(),
      /** An assignment reaches the target (sharing it again is no answer). */
      onTarget: z.boolean(),
      /** …and Lifeboat applied it there without an error (else the location's status says why). */
      applied: z.boolean(),
      /** Whether the caller may share it with the target (location.assign there, and the location's keys to give). */
      mayShare: z.boolean(),
    })
    .nullable()
    .optional(),
});
export type PreflightResult = z.infer<typeof preflightResult>;

/** What a finished restore did, per namespace and kind (its resource list, velero-api.md §4), beside the prediction. */
export const outcomeRow = z.object({
  namespace: z.string().nullable(),
  kind: z.string(),
  groupVersion: z.string(),
  created: z.number(),
  updated: z.number(),
  skipped: z.number(),
  failed: z.number(),
});
export type OutcomeRow = z.infer<typeof outcomeRow>;
