import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { aCluster, aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import type { Db } from "../../db/client";
import { writeObjects } from "../../sync/read-model";
import { admit, DEFAULT_SYNC_LIMITS } from "../../sync/admission";

// The Overview's protection status, from read model rows written through the sync engine's write path (writeObjects).
let db: Db;
const now = Date.now();
const hoursAgo = (h: number) => new Date(now - h * 3600_000);
let n = 0;
/** A Backup as the sync engine writes it; `completedAt` before `createdAt` is how a synced copy looks. */
const backup = (
  clusterId: string,
  phase: string,
  createdAt: Date,
  labels: Record<string, string> = {},
  completedAt: Date | null = phase === "Completed" ? createdAt : null,
) => {
  const item = {
    kind: "backups",
    namespace: "velero",
    name: `b-${++n}`,
    uid: `u-${n}`,
    resourceVersion: "1",
    labels,
    spec: {},
    status: { phase, ...(completedAt ? { completionTimestamp: completedAt.toISOString() } : {}) },
    creationTimestamp: createdAt.toISOString(),
  };
  return writeObjects(db, clusterId, [admit(item, DEFAULT_SYNC_LIMITS)]);
};

beforeAll(async () => {
  ({ db } = await freshDatabase());
});

describe("fleet status", () => {
  it("says per visible cluster whether it is protected, counting only its own backups, with what runs and what failed lately", async () => {
    const g = await aGroup(db, "fleet");
    const velero = { installed: true, nodeAgent: true, csi: { enabled: true, snapshotClasses: [] } };
    const [fresh, stale, never, , elsewhere, outside] = await Promise.all(
      ["fresh", "stale", "never", "bare", "elsewhere", "outside"].map((name) => aCluster(db, g.id, name)),
    );
    await db.cluster.updateMany({
      where: { id: { in: [fresh.id, stale.id, never.id, elsewhere.id, outside.id] } },
      data: { velero },
    });
    // A copy of a backup made outside Lifeboat on another cluster (no label), synced an hour after it completed there:
    // "elsewhere" never backed itself up.
    await backup(elsewhere.id, "Completed", hoursAgo(1), {}, hoursAgo(2));
    // A backup made on "outside" with the velero CLI (no label, created before it completed) is its own.
    await backup(outside.id, "Completed", hoursAgo(3), {}, hoursAgo(2.9));
    await backup(fresh.id, "Completed", hoursAgo(2), { "lifeboat.io/cluster": "fresh" });
    await backup(fresh.id, "InProgress", hoursAgo(0.1));
    await backup(fresh.id, "Failed", hoursAgo(5));
    await backup(fresh.id, "PartiallyFailed", hoursAgo(30)); // older than a day: not counted
    await backup(stale.id, "Completed", hoursAgo(50));
    // A copy of fresh's backup, synced through the shared location: it does not make "never" protected.
    await backup(never.id, "Completed", hoursAgo(1), { "lifeboat.io/cluster": "fresh" }, hoursAgo(2));
    await db.veleroObject.create({
      data: {
        clusterId: fresh.id,
        kind: "schedules",
        namespace: "velero",
        name: "nightly",
        uid: "s1",
        resourceVersion: "1",
      },
    });

    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: g.id });
    const rows = await callerFor(db, await signedIn(db, viewer)).overview.fleet();
    const by = Object.fromEntries(
      rows.map((r) => [r.clusterName, [r.protection, r.running, r.failedLastDay, r.schedules]]),
    );
    expect(by).toEqual({
      bare: ["NO_VELERO", 0, 0, 0],
      elsewhere: ["NEVER", 0, 0, 0],
      outside: ["PROTECTED", 0, 0, 0],
      fresh: ["PROTECTED", 1, 1, 1],
      never: ["NEVER", 0, 0, 0],
      stale: ["STALE", 0, 0, 0],
    });

    const stranger = callerFor(db, await signedIn(db, await aUser(db)));
    expect(await stranger.overview.fleet()).toEqual([]);
  });
});
