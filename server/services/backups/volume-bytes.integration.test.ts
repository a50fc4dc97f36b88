import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { aCluster, aGroup, aUser, callerFor, signedIn } from "../../testing/builders";
import type { Db } from "../../db/client";

// The backups list sums the volume data copied so far by a running backup's PodVolumeBackups and DataUploads, as the
// sync engine stores them in the read model (rows written here directly: the sandbox moves too fast to catch it).
let db: Db;
let caller: ReturnType<typeof callerFor>;
let clusterId = "";

const row = (kind: string, name: string, o: { phase?: string; labels?: Record<string, string>; status?: object }) =>
  db.veleroObject.create({ data: { clusterId, kind, namespace: "velero", name, uid: `${kind}-${name}`, resourceVersion: "1", phase: o.phase ?? null, labels: o.labels ?? {}, status: o.status ?? {}, createdAt: new Date() } });

beforeAll(async () => {
  ({ db } = await freshDatabase());
  caller = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  clusterId = (await aCluster(db, (await aGroup(db)).id, "bytes")).id;
  await row("backups", "running", { phase: "InProgress", status: { progress: { itemsBackedUp: 10, totalItems: 20 } } });
  await row("backups", "finished", { phase: "Completed" });
  await row("backups", "no-volumes", { phase: "InProgress" });
  await row("podvolumebackups", "running-a", { labels: { "velero.io/backup-name": "running" }, status: { progress: { totalBytes: 1000, bytesDone: 250 } } });
  await row("podvolumebackups", "running-b", { labels: { "velero.io/backup-name": "running" }, status: {} });
  await row("datauploads", "running-c", { labels: { "velero.io/backup-name": "running" }, status: { progress: { totalBytes: 3000, bytesDone: 3000 } } });
  await row("podvolumebackups", "finished-a", { labels: { "velero.io/backup-name": "finished" }, status: { progress: { totalBytes: 500, bytesDone: 500 } } });
});

describe("volume bytes of running backups", () => {
  it("sums PodVolumeBackups and DataUploads that report progress, for running backups only", async () => {
    const list = await caller.backup.list({ clusterId });
    const by = Object.fromEntries(list.map((b) => [b.name, [b.volumeBytesDone, b.volumeBytesTotal]]));
    expect(by).toEqual({ running: [3250, 4000], finished: [null, null], "no-volumes": [null, null] });
  });
});
