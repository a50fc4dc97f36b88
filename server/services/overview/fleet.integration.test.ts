import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { aCluster, aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import type { Db } from "../../db/client";

// The Overview's protection status, from read model rows written here as the sync engine would write them.
let db: Db;
const now = Date.now();
const hoursAgo = (h: number) => new Date(now - h * 3600_000);
let n = 0;
const backup = (clusterId: string, phase: string, createdAt: Date, labels: Record<string, string> = {}) =>
  db.veleroObject.create({
    data: {
      clusterId,
      kind: "backups",
      namespace: "velero",
      name: `b-${++n}`,
      uid: `u-${n}`,
      resourceVersion: "1",
      phase,
      labels,
      createdAt,
    },
  });

beforeAll(async () => {
  ({ db } = await freshDatabase());
});

describe("fleet status", () => {
  it("says per visible cluster whether it is protected, counting only its own backups, with what runs and what failed lately", async () => {
    const g = await aGroup(db, "fleet");
    const velero = { installed: true, nodeAgent: true, csi: { enabled: true, snapshotClasses: [] } };
    const [fresh, stale, never] = await Promise.all(
      ["fresh", "stale", "never", "bare"].map((name) => aCluster(db, g.id, name)),
    );
    await db.cluster.updateMany({ where: { id: { in: [fresh.id, stale.id, never.id] } }, data: { velero } });
    await backup(fresh.id, "Completed", hoursAgo(2), { "lifeboat.io/cluster": "fresh" });
    await backup(fresh.id, "InProgress", hoursAgo(0.1));
    await backup(fresh.id, "Failed", hoursAgo(5));
    await backup(fresh.id, "PartiallyFailed", hoursAgo(30)); // older than a day: not counted
    await backup(stale.id, "Completed", hoursAgo(50));
    // A copy of fresh's backup, synced through the shared location: it does not make "never" protected.
    await backup(never.id, "Completed", hoursAgo(2), { "lifeboat.io/cluster": "fresh" });
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
      fresh: ["PROTECTED", 1, 1, 1],
      never: ["NEVER", 0, 0, 0],
      stale: ["STALE", 0, 0, 0],
    });

    const stranger = callerFor(db, await signedIn(db, await aUser(db)));
    expect(await stranger.overview.fleet()).toEqual([]);
  });
});
