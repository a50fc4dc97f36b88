import { describe, expect, it } from "vitest";
import {
  backupOrigin,
  originInWords,
  backupFacts,
  bytesOf,
  filtersOf,
  logTextForBrowser,
  resourcesOf,
  resultsOf,
  volumesOf,
  volumeWorkOf,
} from "./projection";

describe("projections of Velero objects and files", () => {
  it("reads the shared filters: absent lists mean all, the labelSelector wins over orLabelSelectors", () => {
    expect(filtersOf({})).toEqual({
      includedNamespaces: null,
      excludedNamespaces: [],
      labelSelectors: [],
      includedResources: null,
      excludedResources: [],
      includeClusterResources: null,
    });
    expect(
      filtersOf({
        includedNamespaces: ["a"],
        labelSelector: { matchExpressions: [{ key: "tier", operator: "Exists" }] },
        orLabelSelectors: [{ matchLabels: { app: "web" } }],
        includeClusterResources: false,
        extra: "dropped",
      }),
    ).toMatchObject({
      includedNamespaces: ["a"],
      labelSelectors: [{ matchLabels: {}, matchExpressions: [{ key: "tier", operator: "Exists", values: [] }] }],
      includeClusterResources: false,
    });
    expect(filtersOf({ orLabelSelectors: [{ matchLabels: { app: "web", n: 1 } }, "x"] }).labelSelectors).toEqual([
      { matchLabels: { app: "web" }, matchExpressions: [] },
    ]);
  });

  it("reads the results, volume info and resource list files, and nothing that is not one", () => {
    expect(resultsOf({ errors: { namespaces: { shop: ["boom"] } }, warnings: { velero: ["w"], x: 1 } })).toEqual({
      errors: { velero: [], cluster: [], namespaces: { shop: ["boom"] } },
      warnings: { velero: ["w"], cluster: [], namespaces: {} },
    });
    expect(resultsOf(null)).toBeNull();
    expect(
      volumesOf([
        {
          pvcName: "data",
          pvcNamespace: "shop",
          backupMethod: "PodVolumeBackup",
          snapshotDataMoved: false,
          result: "succeeded",
          pvbInfo: { podName: "api-0", podNamespace: "shop", volumeName: "data", size: 10, nodeName: "n1" },
          pvInfo: { labels: { secret: "x" } },
        },
        { skipped: true, skippedReason: "hostPath" },
      ]),
    ).toEqual([
      {
        pvcName: "data",
        pvcNamespace: "shop",
        backupMethod: "PodVolumeBackup",
        snapshotDataMoved: false,
        skipped: false,
        skippedReason: null,
        result: "succeeded",
        pvbInfo: { podNamespace: "shop", podName: "api-0", volumeName: "data" },
      },
      {
        pvcName: null,
        pvcNamespace: null,
        backupMethod: null,
        snapshotDataMoved: false,
        skipped: true,
        skippedReason: "hostPath",
        result: null,
        pvbInfo: null,
      },
    ]);
    expect(volumesOf({ not: "a list" })).toBeNull();
    expect(resourcesOf({ "v1/Namespace": ["shop"] })).toEqual({ "v1/Namespace": ["shop"] });
    expect(resourcesOf(["v1/Namespace"])).toBeNull();
  });

  it("reads a Backup's spec and status facts", () => {
    expect(backupFacts({ snapshotMoveData: true }, { progress: {}, expiration: "2026-02-01T00:00:00Z" })).toMatchObject(
      {
        storageLocation: null,
        defaultVolumesToFsBackup: false,
        snapshotVolumes: null,
        snapshotMoveData: true,
        progress: { itemsBackedUp: null, totalItems: null },
        expiration: new Date("2026-02-01T00:00:00Z"),
        validationErrors: [],
      },
    );
    expect(backupFacts(null, null).progress).toBeNull();
  });

  it("reads volume progress", () => {
    expect(bytesOf({ progress: { totalBytes: 10 } })).toEqual({ done: 0, total: 10 });
    expect(bytesOf({ progress: { bytesDone: 5 } })).toBeNull();
    expect(
      volumeWorkOf({ kind: "datauploads", name: "d1", phase: null, spec: {}, status: { progress: { bytesDone: 1 } } }),
    ).toEqual({ method: "Data movement", volume: "DataUpload d1", phase: "New", bytesDone: 1, totalBytes: null });
  });
});

describe("logTextForBrowser (the log text cap, #9 §1)", () => {
  it("sends a log within the cap whole", () => {
    expect(logTextForBrowser(Buffer.from("line 1\nline 2\n"), 100)).toBe("line 1\nline 2\n");
  });

  it("sends the last part of a longer log from a line start, after a first line saying what was left out", () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${String(i).padStart(2, "0")}`).join("\n") + "\n";
    const text = logTextForBrowser(Buffer.from(lines), 50);
    const [note, ...rest] = text.split("\n");
    expect(rest.join("\n")).toBe("line 34\nline 35\nline 36\nline 37\nline 38\nline 39\n");
    expect(note).toBe(
      "[Lifeboat: this log is 320 bytes; only its last 48 bytes are shown, the first 272 bytes are left out]",
    );
  });

  it("cuts the default at 2 MiB and never inside a UTF-8 character", () => {
    const log = Buffer.from("é".repeat(2 * 1024 * 1024)); // 4 MiB, no newline
    const text = logTextForBrowser(log);
    const [note, body] = text.split("\n");
    expect(note).toBe(
      "[Lifeboat: this log is 4 MiB; only its last 2 MiB are shown, the first 2,097,152 bytes are left out]",
    );
    expect(body).toBe("é".repeat(1024 * 1024));
  });
});

describe("backupOrigin", () => {
  const done = { phase: "Completed", completionTimestamp: "2026-12-01T10:05:00Z" };
  const at = (creationTimestamp: string | null, labels: Record<string, string> = {}, status: unknown = done) => ({
    creationTimestamp,
    labels,
    status,
  });
  it("a backup made here by Lifeboat is its own: created before it completed, with this cluster's label", () => {
    expect(backupOrigin(at("2026-12-01T10:00:00Z", { "lifeboat.io/cluster": "prod" }), "prod")).toEqual({
      syncedCopy: false,
      originCluster: "prod",
    });
  });
  it("a backup made here outside Lifeboat (no label) is its own too", () => {
    expect(backupOrigin(at("2026-12-01T10:00:00Z"), "prod").syncedCopy).toBe(false);
    // Velero's timestamps have seconds: a backup that completes within its first second is not a copy.
    expect(backupOrigin(at("2026-12-01T10:05:00Z"), "prod").syncedCopy).toBe(false);
  });
  it("a copy synced after it completed on another cluster is a copy, with that cluster as origin", () => {
    expect(backupOrigin(at("2026-12-01T11:00:00Z", { "lifeboat.io/cluster": "staging" }), "prod")).toEqual({
      syncedCopy: true,
      originCluster: "staging",
    });
  });
  it("a copy synced within the second its original completed is a copy when another cluster's label says so", () => {
    expect(backupOrigin(at("2026-12-01T10:05:00Z", { "lifeboat.io/cluster": "staging" }), "prod").syncedCopy).toBe(
      true,
    );
  });
  it("a copy of a backup made outside Lifeboat elsewhere is a copy with no known origin", () => {
    expect(backupOrigin(at("2026-12-01T11:00:00Z"), "prod")).toEqual({ syncedCopy: true, originCluster: null });
  });
  it("this cluster's own backup synced back (e.g. after the object was deleted) is still its own", () => {
    expect(backupOrigin(at("2026-12-01T11:00:00Z", { "lifeboat.io/cluster": "prod" }), "prod").syncedCopy).toBe(false);
  });
  it("a running backup, or one without a creation time, is not a copy", () => {
    expect(backupOrigin(at("2026-12-01T11:00:00Z", {}, { phase: "InProgress" }), "prod").syncedCopy).toBe(false);
    expect(backupOrigin(at(null), "prod").syncedCopy).toBe(false);
    expect(backupOrigin(at("2026-12-01T11:00:00Z", {}, { completionTimestamp: "garbage" }), "prod").syncedCopy).toBe(
      false,
    );
  });
});

describe("originInWords", () => {
  it("says where a backup was made", () => {
    expect(originInWords({ syncedCopy: false, originCluster: "prod" }, "prod")).toBe("Made on prod");
    expect(originInWords({ syncedCopy: false, originCluster: null }, "prod")).toBe("Made on prod (outside Lifeboat)");
    expect(originInWords({ syncedCopy: true, originCluster: "staging" }, "prod")).toBe(
      "Copy synced from a shared location; the original was made on staging",
    );
    expect(originInWords({ syncedCopy: true, originCluster: null }, "prod")).toMatch(
      /another cluster, outside Lifeboat/,
    );
  });
});
