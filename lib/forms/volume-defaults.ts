import type { VeleroInfo } from "../schemas/cluster";
import type { BackupCapabilities } from "./backup-form";

// The backup wizard's volume options on one cluster, from what detection found there (lib/schemas/cluster.ts
// veleroInfo): which options the cluster can honour, what a new backup starts with (the server's own defaults, its
// --default-volumes-to-fs-backup and --default-snapshot-move-data), and the line under each field that says so, or
// why the option is off there. The Backup spec still writes every choice explicitly (lib/velero/backup-spec.ts).

/** What the wizard reads of a cluster's Velero detection. */
export type DetectedVelero = Pick<VeleroInfo, "nodeAgent" | "csi" | "fsBackupDefault" | "moveDataByDefault">;

/** node-agent runs: file-system backup works; EnableCSI with a VolumeSnapshotClass: CSI snapshots work. */
export function clusterCapabilities(velero: DetectedVelero | null | undefined): BackupCapabilities {
  return {
    nodeAgent: Boolean(velero?.nodeAgent),
    csi: Boolean(velero?.csi.enabled && velero.csi.snapshotClasses.length),
  };
}

export interface VolumeDefaults {
  /** A new backup's file-system backup: the server's default ("optIn" where it is off or not known). */
  fsBackup: "optIn" | "optOut";
  /** A new backup's data movement: the server's default, where the cluster can move data. */
  move: boolean;
  /** Under the file-system backup field: the server's default, or why the option is off on this cluster. */
  fsBackupText: string;
  /** Under the CSI snapshots switch: why it is off on this cluster; null when it is available. */
  csiText: string | null;
  /** Under the data movement switch: the server's default, or why it is off on this cluster; null when not known. */
  moveText: string | null;
}

export const FS_BACKUP_TEXT = {
  optOut: "This cluster's Velero backs up every pod volume by default (opt-out)",
  optIn: "This cluster's Velero backs up only the pod volumes that opt in by default (opt-in)",
  unknown: "Lifeboat has not read this cluster's default yet; it does at the next check of the cluster",
  noNodeAgent: "File-system backup is off on this cluster (no node-agent), so no pod volume is copied",
} as const;

/** The wizard's volume options on a cluster with this detection (none: nothing is available). */
export function volumeDefaults(velero: DetectedVelero | null | undefined): VolumeDefaults {
  const caps = clusterCapabilities(velero);
  const canMove = caps.csi && caps.nodeAgent;
  const fsBackup = caps.nodeAgent && velero?.fsBackupDefault === "optOut" ? "optOut" : "optIn";
  const known = velero?.fsBackupDefault !== undefined;
  const csiText = caps.csi
    ? null
    : velero?.csi.enabled
      ? "CSI snapshots are off on this cluster (no VolumeSnapshotClass)"
      : "CSI snapshots are off on this cluster (EnableCSI is not among Velero's features)";
  const missing = [!caps.nodeAgent && "no node-agent", !caps.csi && "no CSI snapshots"].filter(Boolean).join(", ");
  return {
    fsBackup,
    move: canMove && velero?.moveDataByDefault === true,
    fsBackupText: !caps.nodeAgent
      ? FS_BACKUP_TEXT.noNodeAgent
      : known
        ? FS_BACKUP_TEXT[fsBackup]
        : FS_BACKUP_TEXT.unknown,
    csiText,
    moveText: !canMove
      ? `Data movement is off on this cluster (${missing})`
      : velero?.moveDataByDefault === undefined
        ? null
        : velero.moveDataByDefault
          ? "This cluster's Velero moves snapshot data to the location by default"
          : "This cluster's Velero keeps snapshots in the cluster's storage by default",
  };
}
