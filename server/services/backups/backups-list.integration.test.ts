import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { aCluster, aGroup, aUser, callerFor, signedIn } from "../../testing/builders";
import type { Db } from "../../db/client";

// The backups list from the read model (rows written here directly, as the sync engine would): the volume data copied so
// far by running backups (the sandbox moves too fast to catch it), and the pages of long lists.
let db: Db;
let caller: ReturnType<typeof callerFor>;
let clusterId = "";

const row = (
  kind: string,
  name: string,
  o: {
    phase?: string;
    labels?: Record<string, string>;
    spec?: object;
    status?: object;
    createdAt?: Date | null;
    cluster?: string;
  },
) =>
  db.veleroObject.create({
    data: {
      clusterId: o.cluster ?? clusterId,
      kind,
      namespace: "velero",
      name,
      uid: `${kind}-${name}`,
      resourceVersion: "1",
      phase: o.phase ?? null,
      labels: o.labels ?? {},
      spec: o.spec ?? {},
      status: o.status ?? {},
      createdAt: o.createdAt === undefined ? new Date() : o.createdAt,
    },
  });

beforeAll(async () => {
  ({ db } = await freshDatabase());
  caller = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  clusterId = (await aCluster(db, (await aGroup(db)).id, "bytes")).id;
  await row("backups", "running", { phase: "InProgress", status: { progress: { itemsBackedUp: 10, totalItems: 20 } } });
  await row("backups", "finished", { phase: "Completed" });
  await row("backups", "no-volumes", { phase: "InProgress" });
  await row("podvolumebackups", "running-a", {
    phase: "InProgress",
    labels: { "velero.io/backup-name": "running" },
    spec: { pod: { namespace: "shop", name: "api-0" }, volume: "data" },
    status: { progress: { totalBytes: 1000, bytesDone: 250 } },
  });
  await row("podvolumebackups", "running-b", { labels: { "velero.io/backup-name": "running" }, status: {} });
  await row("datauploads", "running-c", {
    phase: "Completed",
    labels: { "velero.io/backup-name": "running" },
    spec: { sourceNamespace: "shop", sourcePVC: "db-data" },
    status: { progress: { totalBytes: 3000, bytesDone: 3000 } },
  });
  await row("podvolumebackups", "finished-a", {
    labels: { "velero.io/backup-name": "finished" },
    status: { progress: { totalBytes: 500, bytesDone: 500 } },
  });
});

describe("volume bytes of running backups", () => {
  it("sums PodVolumeBackups and DataUploads that report progress, for running backups only", async () => {
    const list = await caller.backup.list({ clusterId });
    const by = Object.fromEntries(list.map((b) => [b.name, [b.volumeBytesDone, b.volumeBytesTotal]]));
    expect(by).toEqual({ running: [3250, 4000], finished: [null, null], "no-volumes": [null, null] });
  });
});

describe("a running backup's volumes", () => {
  it("shows each volume's PodVolumeBackup or DataUpload with its progress, from the read model", async () => {
    const b = await caller.backup.get({ clusterId, name: "running" });
    expect(b.volumes).toBeNull();
    expect(b.volumeWork).toEqual([
      {
        method: "File-system backup (kopia)",
        volume: "shop/api-0 volume data",
        phase: "InProgress",
        bytesDone: 250,
        totalBytes: 1000,
      },
      {
        method: "File-system backup (kopia)",
        volume: "PodVolumeBackup running-b",
        phase: "New",
        bytesDone: null,
        totalBytes: null,
      },
      { method: "Data movement", volume: "shop/db-data", phase: "Completed", bytesDone: 3000, totalBytes: 3000 },
    ]);
  });
});

describe("pages of backups", () => {
  it("walks a long list newest first in pages, without repeats or gaps, also when the row a cursor names is deleted meanwhile", async () => {
    const other = (await aCluster(db, (await aGroup(db)).id, "paged")).id;
    const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
    const names = ["p-a", "p-b", "p-c", "p-d", "p-e", "p-f", "p-g", "p-h"];
    const when = [t(5), t(4), t(4), t(4), t(3), t(2), null, null];
    for (let i = 0; i < names.length; i++)
      await row("backups", names[i], {
        cluster: other,
        phase: i % 3 === 0 ? "Failed" : "Completed",
        createdAt: when[i],
      });
    const all = (await caller.backup.page({ clusterId: other, limit: 100 })).items.map((b) => b.name);
    expect(all).toHaveLength(8);
    // Newest first; objects without a creation time (never from an API server, which always sets it) come first.
    expect(all.slice(0, 2).sort()).toEqual(["p-g", "p-h"]);
    expect(all[2]).toBe("p-a");
    expect(all.slice(-1)).toEqual(["p-f"]);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let deleted = "";
    do {
      const page: Awaited<ReturnType<typeof caller.backup.page>> = await caller.backup.page({
        clusterId: other,
        limit: 3,
        cursor,
      });
      seen.push(...page.items.map((b) => b.name));
      cursor = page.nextCursor;
      pages++;
      // The last row of the first page goes away before the next page is asked for.
      if (pages === 1) {
        deleted = page.items[2].name;
        await db.veleroObject.deleteMany({ where: { clusterId: other, name: deleted } });
      }
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(all);

    const failed = (await caller.backup.page({ clusterId: other, phases: ["Failed"], limit: 100 })).items
      .map((b) => b.name)
      .sort();
    expect(failed).toEqual(["p-a", "p-d", "p-g"].filter((n) => n !== deleted));
    await expect(caller.backup.page({ clusterId: other, cursor: "not-a-cursor", limit: 3 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });

    // Another user sees no page of a cluster they may not see.
    const stranger = callerFor(db, await signedIn(db, await aUser(db)));
    expect((await stranger.backup.page({ clusterId: other, limit: 100 })).items).toEqual([]);
  });
});

describe("backing up a failed backup again", () => {
  it("offers a new run of the Schedule that made it while that Schedule is on the cluster, else a new backup", async () => {
    await row("backups", "nightly-20261201", { phase: "Failed", labels: { "velero.io/schedule-name": "nightly" } });
    // The Schedule was deleted since (or never synced): a new backup, not a run of a Schedule that is gone.
    expect((await caller.backup.get({ clusterId, name: "nightly-20261201" })).again).toEqual({ schedule: null });
    await row("schedules", "nightly", { phase: "Enabled" });
    expect((await caller.backup.get({ clusterId, name: "nightly-20261201" })).again).toEqual({ schedule: "nightly" });
  });
});
