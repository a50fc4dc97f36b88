import { z } from "zod";
import { clusterState } from "./overview";
import { previewNote, resourceFilters, runResults } from "./backup";
import { outcomeRow, restorePrediction } from "./preflight";

// What the browser receives about restores (restore.list|get|preview|create|logs): projections of Velero's Restores
// with the fields the pages show, never the objects themselves.

export const restoreRow = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  clusterState,
  name: z.string(),
  phase: z.string(),
  backupName: z.string(),
  itemsRestored: z.number().nullable(),
  totalItems: z.number().nullable(),
  errors: z.number(),
  warnings: z.number(),
  namespaceMapping: z.record(z.string(), z.string()),
  startTimestamp: z.date().nullable(),
  completionTimestamp: z.date().nullable(),
  failureReason: z.string().nullable(),
  validationErrors: z.array(z.string()),
  createdAt: z.date().nullable(),
  observedAt: z.date(),
});
export type RestoreRow = z.infer<typeof restoreRow>;

/** What `velero restore describe` shows: the options and status in facts, plus the results from the bucket. */
export const restoreDetail = z.object({
  name: z.string(),
  clusterId: z.string(),
  clusterName: z.string(),
  clusterState,
  phase: z.string(),
  observedAt: z.date(),
  backupName: z.string().nullable(),
  /** Restores the latest backup of this Schedule (when no backupName). */
  scheduleName: z.string().nullable(),
  filters: resourceFilters,
  namespaceMapping: z.record(z.string(), z.string()),
  /** null: Velero's default (restored). */
  restorePVs: z.boolean().nullable(),
  existingResourcePolicy: z.string().nullable(),
  progress: z.object({ itemsRestored: z.number().nullable(), totalItems: z.number().nullable() }).nullable(),
  startTimestamp: z.date().nullable(),
  completionTimestamp: z.date().nullable(),
  errors: z.number(),
  warnings: z.number(),
  failureReason: z.string().nullable(),
  validationErrors: z.array(z.string()),
  results: runResults.nullable(),
  /** What the pre-flight check predicted when Lifeboat created it (#14 §2), and what it did, per namespace and kind. */
  prediction: restorePrediction.nullable(),
  outcome: z.array(outcomeRow).nullable(),
  downloadError: z.string().nullable(),
});
export type RestoreDetail = z.infer<typeof restoreDetail>;

/** What a restore option really does, said on the review step. */
export const restoreNote = previewNote;

/** The review step: the Restore, Velero's storage-class ConfigMap when there is a mapping, and the notes. */
export const restorePreview = z.object({
  yaml: z.string(),
  configMapYaml: z.string().nullable(),
  notes: z.array(restoreNote),
});
export type RestorePreview = z.infer<typeof restorePreview>;
