// Velero's phases as closed unions, one per kind the console shows, with what each phase means to it: running,
// terminal (the outcome is known), restorable, and how a chip should colour it. The lists are the `status.phase`
// enums of Velero v1.18's CRDs (../shared/velero-crds) in the order the CRDs give them; velero-api.md §2 tells the
// transitions. Pure code, safe in the browser; every other module asks here instead of writing phases out again.

export const BACKUP_PHASES = [
  "New",
  "Queued",
  "ReadyToStart",
  "FailedValidation",
  "InProgress",
  "WaitingForPluginOperations",
  "WaitingForPluginOperationsPartiallyFailed",
  "Finalizing",
  "FinalizingPartiallyFailed",
  "Completed",
  "PartiallyFailed",
  "Failed",
  "Deleting",
] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];

/** Restores have no queue and no Deleting (velero-api.md §2.2). */
export const RESTORE_PHASES = [
  "New",
  "FailedValidation",
  "InProgress",
  "WaitingForPluginOperations",
  "WaitingForPluginOperationsPartiallyFailed",
  "Completed",
  "PartiallyFailed",
  "Failed",
  "Finalizing",
  "FinalizingPartiallyFailed",
] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

export const SCHEDULE_PHASES = ["New", "Enabled", "FailedValidation"] as const;
export type SchedulePhase = (typeof SCHEDULE_PHASES)[number];

export const BACKUP_STORAGE_LOCATION_PHASES = ["Available", "Unavailable"] as const;
export type BackupStorageLocationPhase = (typeof BACKUP_STORAGE_LOCATION_PHASES)[number];

export const DELETE_BACKUP_REQUEST_PHASES = ["New", "InProgress", "Processed"] as const;
export type DeleteBackupRequestPhase = (typeof DELETE_BACKUP_REQUEST_PHASES)[number];

/** PodVolumeBackups (file-system backup) and DataUploads (data movement) share one lifecycle (velero-api.md §2.9, §2.11). */
export const POD_VOLUME_BACKUP_PHASES = [
  "New",
  "Accepted",
  "Prepared",
  "InProgress",
  "Canceling",
  "Canceled",
  "Completed",
  "Failed",
] as const;
export type PodVolumeBackupPhase = (typeof POD_VOLUME_BACKUP_PHASES)[number];

export const DATA_UPLOAD_PHASES = POD_VOLUME_BACKUP_PHASES;
export type DataUploadPhase = PodVolumeBackupPhase;

export const DOWNLOAD_REQUEST_PHASES = ["New", "Processed"] as const;
export type DownloadRequestPhase = (typeof DOWNLOAD_REQUEST_PHASES)[number];

export const SERVER_STATUS_REQUEST_PHASES = ["New", "Processed"] as const;
export type ServerStatusRequestPhase = (typeof SERVER_STATUS_REQUEST_PHASES)[number];

/** Every phase, by the kind it belongs to. */
export const PHASES = {
  Backup: BACKUP_PHASES,
  Restore: RESTORE_PHASES,
  Schedule: SCHEDULE_PHASES,
  BackupStorageLocation: BACKUP_STORAGE_LOCATION_PHASES,
  DeleteBackupRequest: DELETE_BACKUP_REQUEST_PHASES,
  PodVolumeBackup: POD_VOLUME_BACKUP_PHASES,
  DataUpload: DATA_UPLOAD_PHASES,
  DownloadRequest: DOWNLOAD_REQUEST_PHASES,
  ServerStatusRequest: SERVER_STATUS_REQUEST_PHASES,
} as const;
export type PhaseKind = keyof typeof PHASES;
export type PhaseOf<K extends PhaseKind> = (typeof PHASES)[K][number];

/** How a phase looks on a chip: done well, under way, done with some trouble, failed, or nothing to say yet. */
export type PhaseSeverity = "success" | "info" | "warning" | "error" | "neutral";

interface KindRules<K extends PhaseKind> {
  /** What an absent, empty or unknown phase is read as: Velero writes no phase on a new object (§1: empty means New). */
  fallback: PhaseOf<K>;
  /** Velero is still working on it. */
  running: readonly PhaseOf<K>[];
  /** Velero has finished with it; the outcome will not change. */
  terminal: readonly PhaseOf<K>[];
  severity: Record<PhaseOf<K>, PhaseSeverity>;
}

const WORKING_BACKUP = [
  "New",
  "Queued",
  "ReadyToStart",
  "InProgress",
  "WaitingForPluginOperations",
  "WaitingForPluginOperationsPartiallyFailed",
  "Finalizing",
  "FinalizingPartiallyFailed",
] as const satisfies readonly BackupPhase[];
const FINISHED = ["Completed", "PartiallyFailed", "Failed", "FailedValidation"] as const;

const volumeRules: KindRules<"PodVolumeBackup"> = {
  fallback: "New",
  running: ["New", "Accepted", "Prepared", "InProgress", "Canceling"],
  terminal: ["Completed", "Failed", "Canceled"],
  severity: {
    New: "neutral",
    Accepted: "info",
    Prepared: "info",
    InProgress: "info",
    Canceling: "warning",
    Canceled: "warning",
    Completed: "success",
    Failed: "error",
  },
};

const requestRules: KindRules<"DownloadRequest"> = {
  fallback: "New",
  running: ["New"],
  terminal: ["Processed"],
  severity: { New: "neutral", Processed: "success" },
};

const RULES: { [K in PhaseKind]: KindRules<K> } = {
  Backup: {
    fallback: "New",
    running: WORKING_BACKUP,
    // Deleting is neither: the backup finished long ago, and what runs now is its DeleteBackupRequest.
    terminal: FINISHED,
    severity: {
      New: "neutral",
      Queued: "neutral",
      ReadyToStart: "info",
      FailedValidation: "error",
      InProgress: "info",
      WaitingForPluginOperations: "info",
      WaitingForPluginOperationsPartiallyFailed: "warning",
      Finalizing: "info",
      FinalizingPartiallyFailed: "warning",
      Completed: "success",
      PartiallyFailed: "warning",
      Failed: "error",
      Deleting: "warning",
    },
  },
  Restore: {
    fallback: "New",
    running: [
      "New",
      "InProgress",
      "WaitingForPluginOperations",
      "WaitingForPluginOperationsPartiallyFailed",
      "Finalizing",
      "FinalizingPartiallyFailed",
    ],
    terminal: FINISHED,
    severity: {
      New: "neutral",
      FailedValidation: "error",
      InProgress: "info",
      WaitingForPluginOperations: "info",
      WaitingForPluginOperationsPartiallyFailed: "warning",
      Completed: "success",
      PartiallyFailed: "warning",
      Failed: "error",
      Finalizing: "info",
      FinalizingPartiallyFailed: "warning",
    },
  },
  // A Schedule and a location never finish: they are Enabled (Available) or not until their spec changes.
  Schedule: {
    fallback: "New",
    running: [],
    terminal: [],
    severity: { New: "neutral", Enabled: "success", FailedValidation: "error" },
  },
  BackupStorageLocation: {
    // A location Velero has not called Available is not one to write to.
    fallback: "Unavailable",
    running: [],
    terminal: [],
    severity: { Available: "success", Unavailable: "error" },
  },
  DeleteBackupRequest: {
    fallback: "New",
    running: ["New", "InProgress"],
    terminal: ["Processed"],
    // Whether the deletion worked is in the request's errors, not its phase.
    severity: { New: "neutral", InProgress: "info", Processed: "neutral" },
  },
  PodVolumeBackup: volumeRules,
  DataUpload: volumeRules,
  DownloadRequest: requestRules,
  ServerStatusRequest: requestRules,
};

type Phaseish = string | null | undefined;

/** Whether `phase` is one of the kind's phases. */
export function isPhase<K extends PhaseKind>(kind: K, phase: Phaseish): phase is PhaseOf<K> {
  return typeof phase === "string" && (PHASES[kind] as readonly string[]).includes(phase);
}

/** The phase as the closed union: absent, empty or unknown (a newer Velero) becomes the kind's safe fallback. */
export function parsePhase<K extends PhaseKind>(kind: K, phase: Phaseish): PhaseOf<K> {
  return isPhase(kind, phase) ? phase : RULES[kind].fallback;
}

const has = <K extends PhaseKind>(list: readonly PhaseOf<K>[], kind: K, phase: Phaseish) =>
  isPhase(kind, phase) && list.includes(phase);

/** Velero is still working on it. An unknown phase is not counted as running. */
export const isRunning = <K extends PhaseKind>(kind: K, phase: Phaseish) => has(RULES[kind].running, kind, phase);

/** Velero has finished with it; the outcome is known and will not change. */
export const isTerminal = <K extends PhaseKind>(kind: K, phase: Phaseish) => has(RULES[kind].terminal, kind, phase);

/** Finished, but not cleanly: failed, refused, or partly failed. */
export const isFailed = <K extends PhaseKind>(kind: K, phase: Phaseish) =>
  isTerminal(kind, phase) && severity(kind, phase) !== "success";

/**
 * A backup phase a restore may start from: Completed or PartiallyFailed. Backups still finalizing are not restorable
 * yet, and Velero picks only Completed backups itself when a restore names a schedule (velero-api.md §2.1, §2.2).
 */
export const isRestorable = (phase: Phaseish): phase is "Completed" | "PartiallyFailed" =>
  phase === "Completed" || phase === "PartiallyFailed";

/**
 * Velero ran it to the end and wrote its results, logs and resource list to the bucket: any finish but
 * FailedValidation, which is refused before anything runs (velero-api.md §2.1, §4). Only then are they worth a
 * DownloadRequest.
 */
export const wroteResults = (kind: "Backup" | "Restore", phase: Phaseish) =>
  isTerminal(kind, phase) && phase !== "FailedValidation";

/** The colour of a phase on a chip; an unknown phase is neutral. */
export function severity<K extends PhaseKind>(kind: K, phase: Phaseish): PhaseSeverity {
  return isPhase(kind, phase) ? RULES[kind].severity[phase] : "neutral";
}

/** The phases of a kind that satisfy a rule, in the CRD's order: for database filters and the lists' "Show" menus. */
export function phasesWhere<K extends PhaseKind>(kind: K, rule: (phase: PhaseOf<K>) => boolean): PhaseOf<K>[] {
  return (PHASES[kind] as readonly PhaseOf<K>[]).filter(rule);
}
