import { describe, expect, it } from "vitest";
import { clusterCapabilities, FS_BACKUP_TEXT, volumeDefaults, type DetectedVelero } from "./volume-defaults";

const CLASS = { name: "csi-snapclass", driver: "disk.csi.example.com", default: true };
const velero = (o: Partial<DetectedVelero> = {}): DetectedVelero => ({
  nodeAgent: true,
  csi: { enabled: true, snapshotClasses: [CLASS] },
  fsBackupDefault: "optIn",
  moveDataByDefault: false,
  ...o,
});

describe("clusterCapabilities", () => {
  it.each<[string, DetectedVelero | null, { nodeAgent: boolean; csi: boolean }]>([
    ["everything", velero(), { nodeAgent: true, csi: true }],
    ["no node-agent", velero({ nodeAgent: false }), { nodeAgent: false, csi: true }],
    ["EnableCSI off", velero({ csi: { enabled: false, snapshotClasses: [CLASS] } }), { nodeAgent: true, csi: false }],
    [
      "no VolumeSnapshotClass",
      velero({ csi: { enabled: true, snapshotClasses: [] } }),
      { nodeAgent: true, csi: false },
    ],
    ["no detection", null, { nodeAgent: false, csi: false }],
  ])("%s", (_, v, want) => expect(clusterCapabilities(v)).toEqual(want));
});

describe("volumeDefaults", () => {
  it("a server that backs up every pod volume by default: opt-out preselected, and said", () => {
    expect(volumeDefaults(velero({ fsBackupDefault: "optOut" }))).toEqual({
      fsBackup: "optOut",
      move: false,
      fsBackupText: "This cluster's Velero backs up every pod volume by default (opt-out)",
      csiText: null,
      moveText: "This cluster's Velero keeps snapshots in the cluster's storage by default",
    });
  });

  it("a server with the default opt-in: opt-in, and said", () => {
    expect(volumeDefaults(velero())).toMatchObject({
      fsBackup: "optIn",
      fsBackupText: "This cluster's Velero backs up only the pod volumes that opt in by default (opt-in)",
    });
  });

  it("data movement by default is preselected where the cluster can move data (CSI and the node-agent)", () => {
    expect(volumeDefaults(velero({ moveDataByDefault: true }))).toMatchObject({
      move: true,
      moveText: "This cluster's Velero moves snapshot data to the location by default",
    });
    expect(volumeDefaults(velero({ moveDataByDefault: true, nodeAgent: false }))).toMatchObject({
      move: false,
      moveText: "Data movement is off on this cluster (no node-agent)",
    });
    expect(
      volumeDefaults(velero({ moveDataByDefault: true, csi: { enabled: true, snapshotClasses: [] } })),
    ).toMatchObject({ move: false, moveText: "Data movement is off on this cluster (no CSI snapshots)" });
  });

  it("without a node-agent, file-system backup is off whatever the server's flag, with the reason", () => {
    expect(volumeDefaults(velero({ nodeAgent: false, fsBackupDefault: "optOut" }))).toMatchObject({
      fsBackup: "optIn",
      fsBackupText: "File-system backup is off on this cluster (no node-agent), so no pod volume is copied",
    });
  });

  it("CSI snapshots off on the cluster name the setting that is missing", () => {
    expect(volumeDefaults(velero({ csi: { enabled: false, snapshotClasses: [CLASS] } })).csiText).toBe(
      "CSI snapshots are off on this cluster (EnableCSI is not among Velero's features)",
    );
    expect(volumeDefaults(velero({ csi: { enabled: true, snapshotClasses: [] } })).csiText).toBe(
      "CSI snapshots are off on this cluster (no VolumeSnapshotClass)",
    );
  });

  it("a record detected before Lifeboat read the defaults: opt-in and no data movement, said as not known yet", () => {
    expect(volumeDefaults(velero({ fsBackupDefault: undefined, moveDataByDefault: undefined }))).toEqual({
      fsBackup: "optIn",
      move: false,
      fsBackupText: FS_BACKUP_TEXT.unknown,
      csiText: null,
      moveText: null,
    });
  });

  it("no detection: nothing is available, and each option says why", () => {
    expect(volumeDefaults(undefined)).toEqual({
      fsBackup: "optIn",
      move: false,
      fsBackupText: FS_BACKUP_TEXT.noNodeAgent,
      csiText: "CSI snapshots are off on this cluster (EnableCSI is not among Velero's features)",
      moveText: "Data movement is off on this cluster (no node-agent, no CSI snapshots)",
    });
  });
});
