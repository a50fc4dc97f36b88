import { z } from "zod";
import { clusterState } from "./overview";
import { id } from "./admin";
import { groupBackupSpec, objectName } from "./protection";

// What the browser receives about backups (backup.list|page|get|logs|preview|create|delete): projections of Velero's
// objects and files with the fields the pages show, never the objects themselves (zod strips anything else).
// The filter and result shapes are shared with restores (lib/schemas/restore.ts).

/** A manifest as the review step shows it, exactly as it will be created. */
export const manifestPreview = z.object({ yaml: z.string() });
/** What an option or the cluster means for the object being created, said on the review step. */
export const previewNote = z.object({ code: z.string(), severity: z.enum(["info", "warning"]), text: z.string() });
export type PreviewNote = z.infer<typeof previewNote>;
/** A backup's review: the manifest, and what Lifeboat found (a namespace the cluster does not have). */
export const backupPreview = manifestPreview.extend({ notes: z.array(previewNote) });
/** The namespaces of a cluster, for the scope step's check of typed names. */
export const namespaceList = z.object({ namespaces: z.array(z.string()) });
/** A log Velero wrote to the location. */
export const logText = z.object({ text: z.string() });
/** A create that may find its own earlier object (a double submit): `created` is false then. */
export const objectCreated = z.object({ name: z.string(), created: z.boolean() });

/** A backup of every cluster of a group in one action: named `<cluster>-<name>` on each (the prefix is 31 at most). */
export const groupBackupRequest = z.object({
  groupId: id,
  name: objectName.refine((n) => n.length <= 32, "At most 32 characters (each cluster's name comes first)"),
  spec: groupBackupSpec,
});
export type GroupBackupRequest = z.infer<typeof groupBackupRequest>;

/** A group backup's outcome per cluster: the backup made (and at which location), or why none was. */
export const groupBackupResult = z.object({
  clusters: z.array(
    z.object({
      clusterId: z.string(),
      clusterName: z.string(),
      name: z.string().nullable(),
      location: z.string().nullable(),
      created: z.boolean(),
      error: z.string().nullable(),
    }),
  ),
});
export type GroupBackupResult = z.infer<typeof groupBackupResult>;

/** The newest DeleteBackupRequest of a backup: New and InProgress are pending; Processed with errors means it failed. */
export const backupDeletion = z
  .object({
    requestName: z.string(),
    phase: z.enum(["New", "InProgress", "Processed"]),
    errors: z.array(z.string()),
    createdAt: z.date().nullable(),
  })
  .nullable();
export type BackupDeletion = z.infer<typeof backupDeletion>;

export const backupRow = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  clusterState,
  name: z.string(),
  phase: z.string(),
  itemsBackedUp: z.number().nullable(),
  totalItems: z.number().nullable(),
  errors: z.number(),
  warnings: z.number(),
  queuePosition: z.number().nullable(),
  startTimestamp: z.date().nullable(),
  completionTimestamp: z.date().nullable(),
  expiration: z.date().nullable(),
  location: z.string().nullable(),
  schedule: z.string().nullable(),
  failureReason: z.string().nullable(),
  createdAt: z.date().nullable(),
  observedAt: z.date(),
  deletion: backupDeletion,
  canDelete: z.boolean(),
  volumeBytesDone: z.number().nullable(),
  volumeBytesTotal: z.number().nullable(),
  /** A copy Velero synced from another cluster's shared location (decided at sync: backupOrigin). */
  syncedCopy: z.boolean(),
  /** The lifeboat.io/cluster label: the cluster Lifeboat made it on; null when made outside Lifeboat. */
  originCluster: z.string().nullable(),
});
export type BackupRow = z.infer<typeof backupRow>;

/**
 * What the backups list narrows to, applied on the server (the list is paged) and kept in the page's URL
 * (backupFilterToQuery / backupFilterFromQuery). `namespace`: backups that include it (their included namespaces name
 * it, or they take every namespace). `from`/`to`: when the backup object was created. `search`: part of the name.
 */
export const backupFilter = z.object({
  clusterId: z.string().min(1).max(64).optional(),
  namespace: z.string().min(1).max(63).optional(),
  schedule: z.string().min(1).max(253).optional(),
  location: z.string().min(1).max(253).optional(),
  phases: z.array(z.string().max(64)).max(20).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
  search: z.string().min(1).max(253).optional(),
  /** Leave out the copies synced from other clusters' shared locations. */
  hideCopies: z.boolean().optional(),
});
export type BackupFilter = z.infer<typeof backupFilter>;

export const backupPage = z.object({ items: z.array(backupRow), nextCursor: z.string().nullable() });
export type BackupPage = z.infer<typeof backupPage>;

/** What the backups list's filters offer to pick from: the values its visible backups carry, at most FACET_LIMIT each. */
export const FACET_LIMIT = 200;
export const backupFacets = z.object({
  namespaces: z.array(z.string().max(253)).max(FACET_LIMIT),
  schedules: z.array(z.string().max(253)).max(FACET_LIMIT),
  locations: z.array(z.string().max(253)).max(FACET_LIMIT),
});
export type BackupFacets = z.infer<typeof backupFacets>;

/** metav1.LabelSelector as the detail pages show it. */
export const labelSelectorView = z.object({
  matchLabels: z.record(z.string(), z.string()),
  matchExpressions: z.array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()) })),
});
export type LabelSelectorView = z.infer<typeof labelSelectorView>;

/**
 * The filters a Backup's and a Restore's spec share (velero-api.md §2.1, §2.2). `includedNamespaces` and
 * `includedResources` are null when absent (all of them); `labelSelectors` is the labelSelector, or else the
 * orLabelSelectors; `includeClusterResources` null is Velero's automatic choice.
 */
export const resourceFilters = z.object({
  includedNamespaces: z.array(z.string()).nullable(),
  excludedNamespaces: z.array(z.string()),
  labelSelectors: z.array(labelSelectorView),
  includedResources: z.array(z.string()).nullable(),
  excludedResources: z.array(z.string()),
  includeClusterResources: z.boolean().nullable(),
});
export type ResourceFilters = z.infer<typeof resourceFilters>;

/** Errors or warnings Velero wrote to the location: its own, about cluster-scoped items, and per namespace. */
export const resultMessages = z.object({
  velero: z.array(z.string()),
  cluster: z.array(z.string()),
  namespaces: z.record(z.string(), z.array(z.string())),
});
export type ResultMessages = z.infer<typeof resultMessages>;

/** The results file of a finished backup or restore. */
export const runResults = z.object({ errors: resultMessages, warnings: resultMessages });
export type RunResults = z.infer<typeof runResults>;

/** One volume of a finished backup: the fields of Velero's BackupVolumeInfo the page shows. */
export const backupVolume = z.object({
  pvcName: z.string().nullable(),
  pvcNamespace: z.string().nullable(),
  /** PodVolumeBackup, CSISnapshot, NativeSnapshot; null when no method covered it. */
  backupMethod: z.string().nullable(),
  snapshotDataMoved: z.boolean(),
  skipped: z.boolean(),
  skippedReason: z.string().nullable(),
  /** succeeded, failed; null when Velero did not say. */
  result: z.string().nullable(),
  /** For a file-system backup: the pod and its volume. */
  pvbInfo: z
    .object({ podNamespace: z.string().nullable(), podName: z.string().nullable(), volumeName: z.string().nullable() })
    .nullable(),
});
export type BackupVolume = z.infer<typeof backupVolume>;

/** While a backup runs: one volume's PodVolumeBackup (file-system backup) or DataUpload (data movement). */
export const volumeWork = z.object({
  method: z.string(),
  volume: z.string(),
  phase: z.string(),
  bytesDone: z.number().nullable(),
  totalBytes: z.number().nullable(),
});
export type VolumeWork = z.infer<typeof volumeWork>;

/** What `velero backup describe --details` shows: the spec and status in facts, plus what Velero wrote to the bucket. */
export const backupDetail = z.object({
  name: z.string(),
  clusterId: z.string(),
  clusterName: z.string(),
  phase: z.string(),
  observedAt: z.date(),
  /** The Schedule that made it (its velero.io/schedule-name label). */
  schedule: z.string().nullable(),
  /** Where it was made, in words: here, or another cluster whose shared location Velero synced it from. */
  origin: z.string(),
  syncedCopy: z.boolean(),
  filters: resourceFilters,
  storageLocation: z.string().nullable(),
  ttl: z.string().nullable(),
  defaultVolumesToFsBackup: z.boolean(),
  /** null: Velero's default (on). */
  snapshotVolumes: z.boolean().nullable(),
  snapshotMoveData: z.boolean(),
  progress: z.object({ itemsBackedUp: z.number().nullable(), totalItems: z.number().nullable() }).nullable(),
  startTimestamp: z.date().nullable(),
  completionTimestamp: z.date().nullable(),
  expiration: z.date().nullable(),
  failureReason: z.string().nullable(),
  validationErrors: z.array(z.string()),
  /** From the location once the backup has finished; null before (or when it could not be fetched). */
  volumes: z.array(backupVolume).nullable(),
  results: runResults.nullable(),
  /** Backed-up items by group/version/kind. */
  resources: z.record(z.string(), z.array(z.string())).nullable(),
  downloadErrors: z.array(z.string()),
  deletion: backupDeletion,
  canDelete: z.boolean(),
  volumeWork: z.array(volumeWork),
  /**
   * "Back up again", offered for a backup of this cluster that ended without a restorable result (Failed, e.g. Velero
   * restarted while it ran; FailedValidation) to whoever may back up there: a new run of its Schedule when one made it
   * and is still on the cluster (the Schedule's "Back up now"), else a new backup. null: nothing to offer.
   */
  again: z.object({ schedule: z.string().nullable() }).nullable(),
});
export type BackupDetail = z.infer<typeof backupDetail>;

export const backupDeleteResult = z.object({ name: z.string(), requestName: z.string(), created: z.boolean() });
export type BackupDeleteResult = z.infer<typeof backupDeleteResult>;
