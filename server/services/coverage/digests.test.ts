import { describe, expect, it } from "vitest";
import { namespacesOf, observedVolumes } from "./digests";

describe("namespacesOf (a backup's resource list)", () => {
  it("names the namespaces of namespaced items, not a Namespace object alone, nor cluster-scoped names", () => {
    const list = {
      "v1/Pod": ["shop/web-0", "shop/web-1", "db/mysql-0"],
      "v1/Namespace": ["shop", "db", "empty"],
      "rbac.authorization.k8s.io/v1/ClusterRole": ["admin"],
      "v1/PersistentVolume": ["pv-1"],
    };
    // "empty": its Namespace object only (Velero backs up a listed namespace's object even when no item matched).
    expect(namespacesOf(list)?.sort()).toEqual(["db", "shop"]);
  });
  it("is null for what is not a resource list", () => {
    expect(namespacesOf(["x"])).toBeNull();
    expect(namespacesOf(null)).toBeNull();
  });
});

describe("observedVolumes (a backup's volume info)", () => {
  it("reads each entry's method, data movement, skip and failure", () => {
    const [fsb, moved, failed, skipped] = observedVolumes([
      {
        pvcName: "data",
        pvcNamespace: "db",
        backupMethod: "PodVolumeBackup",
        pvbInfo: { podName: "db-0", volumeName: "data", size: 42 },
      },
      {
        pvcName: "logs",
        pvcNamespace: "db",
        backupMethod: "CSISnapshot",
        snapshotDataMoved: true,
        snapshotDataMovementInfo: { size: 7 },
      },
      { pvcName: "tmp", pvcNamespace: "db", backupMethod: "CSISnapshot", result: "failed" },
      {
        pvcNamespace: "",
        backupMethod: "",
        skipped: true,
        skippedReason: "pod is not running",
        pvbInfo: { podNamespace: "web", podName: "w", volumeName: "cache" },
      },
    ]);
    expect(fsb).toMatchObject({
      namespace: "db",
      pvc: "data",
      backupMethod: "PodVolumeBackup",
      bytes: 42,
      failed: false,
    });
    expect(moved).toMatchObject({ dataMoved: true, bytes: 7 });
    expect(failed.failed).toBe(true);
    expect(skipped).toMatchObject({
      namespace: "web",
      pvc: null,
      pod: "w",
      volumeName: "cache",
      skipped: true,
      reason: "pod is not running",
    });
  });
});
