import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { aCluster, aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import type { Db } from "../../db/client";
import { writeObjects } from "../../sync/read-model";
import { admit, DEFAULT_SYNC_LIMITS } from "../../sync/admission";

// The backups list's filters (#10 §3), applied on the server to rows written through the sync engine's write path.
let db: Db;
let admin: ReturnType<typeof callerFor>;
let alpha = "";
let beta = "";
const now = Date.now();
const hoursAgo = (h: number) => new Date(now - h * 3600_000);

const backup = (
  clusterId: string,
  name: string,
  o: { labels?: Record<string, string>; spec?: object; phase?: string; created: Date; completed?: Date },
) =>
  writeObjects(db, clusterId, [
    admit(
      {
        kind: "backups",
        namespace: "velero",
        name,
        uid: `u-${name}`,
        resourceVersion: "1",
        labels: o.labels ?? {},
        spec: o.spec ?? {},
        status: {
          phase: o.phase ?? "Completed",
          completionTimestamp: (o.completed ?? new Date(o.created.getTime() + 60_000)).toISOString(),
        },
        creationTimestamp: o.created.toISOString(),
      },
      DEFAULT_SYNC_LIMITS,
    ),
  ]);

beforeAll(async () => {
  ({ db } = await freshDatabase());
  const g = await aGroup(db);
  alpha = (await aCluster(db, g.id, "alpha")).id;
  beta = (await aCluster(db, (await aGroup(db)).id, "beta")).id;
  admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  const mine = { "lifeboat.io/cluster": "alpha" };
  await backup(alpha, "alpha-nightly-20261201", {
    labels: { ...mine, "velero.io/schedule-name": "nightly" },
    spec: { storageLocation: "shared", includedNamespaces: ["shop"] },
    created: hoursAgo(72),
  });
  await backup(alpha, "alpha-whole", {
    labels: mine,
    spec: { storageLocation: "local", excludedNamespaces: ["kube-system"] },
    phase: "Failed",
    created: hoursAgo(24),
  });
  await backup(alpha, "alpha-db-now", {
    spec: { storageLocation: "local", includedNamespaces: ["db"] },
    created: hoursAgo(1),
  });
  // A copy of beta's backup, synced into alpha through the shared location an hour after it completed.
  await backup(alpha, "beta-nightly-20261203", {
    labels: { "lifeboat.io/cluster": "beta", "velero.io/schedule-name": "nightly" },
    spec: { storageLocation: "shared", includedNamespaces: ["*"] },
    created: hoursAgo(1),
    completed: hoursAgo(2),
  });
  await backup(beta, "beta-nightly-20261203", {
    labels: { "lifeboat.io/cluster": "beta", "velero.io/schedule-name": "nightly" },
    spec: { storageLocation: "shared", includedNamespaces: ["*"] },
    created: hoursAgo(3),
    completed: hoursAgo(2),
  });
});

const names = async (filter: Parameters<typeof admin.backup.page>[0]) =>
  (await admin.backup.page(filter)).items.map((b) => `${b.clusterName}/${b.name}`).sort();

describe("backups list filters", () => {
  it("narrows by cluster, schedule, location and phase", async () => {
    expect(await names({ clusterId: beta })).toEqual(["beta/beta-nightly-20261203"]);
    expect(await names({ schedule: "nightly", clusterId: alpha })).toEqual([
      "alpha/alpha-nightly-20261201",
      "alpha/beta-nightly-20261203",
    ]);
    expect(await names({ location: "local" })).toEqual(["alpha/alpha-db-now", "alpha/alpha-whole"]);
    expect(await names({ phases: ["Failed"] })).toEqual(["alpha/alpha-whole"]);
  });

  it("narrows by namespace: backups that name it or take every namespace, unless they exclude it", async () => {
    expect(await names({ namespace: "shop" })).toEqual([
      "alpha/alpha-nightly-20261201",
      "alpha/alpha-whole",
      "alpha/beta-nightly-20261203",
      "beta/beta-nightly-20261203",
    ]);
    expect(await names({ namespace: "kube-system", clusterId: alpha })).toEqual(["alpha/beta-nightly-20261203"]);
  });

  it("narrows by creation time and by a part of the name, in any case", async () => {
    expect(await names({ from: hoursAgo(30), to: hoursAgo(2) })).toEqual([
      "alpha/alpha-whole",
      "beta/beta-nightly-20261203",
    ]);
    expect(await names({ search: "DB-N" })).toEqual(["alpha/alpha-db-now"]);
    expect(await names({ search: "%" })).toEqual([]);
  });

  it("marks the copies synced from another cluster's shared location, and hides them with one switch", async () => {
    const page = await admin.backup.page({ clusterId: alpha });
    const copy = page.items.find((b) => b.name === "beta-nightly-20261203")!;
    expect([copy.syncedCopy, copy.originCluster]).toEqual([true, "beta"]);
    expect(page.items.filter((b) => b.syncedCopy)).toHaveLength(1);
    const own = (await admin.backup.page({ clusterId: beta })).items[0];
    expect([own.syncedCopy, own.originCluster]).toEqual([false, "beta"]);
    expect(await names({ hideCopies: true, schedule: "nightly" })).toEqual([
      "alpha/alpha-nightly-20261201",
      "beta/beta-nightly-20261203",
    ]);
  });

  it("pages the filtered list with the same filter", async () => {
    const first = await admin.backup.page({ clusterId: alpha, hideCopies: true, limit: 2 });
    expect(first.items.map((b) => b.name)).toEqual(["alpha-db-now", "alpha-whole"]);
    const next = await admin.backup.page({ clusterId: alpha, hideCopies: true, limit: 2, cursor: first.nextCursor });
    expect([next.items.map((b) => b.name), next.nextCursor]).toEqual([["alpha-nightly-20261201"], null]);
  });

  it("never shows what the user may not see, whatever the filter", async () => {
    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterId: beta });
    const caller = callerFor(db, await signedIn(db, viewer));
    expect((await caller.backup.page({ clusterId: alpha })).items).toEqual([]);
    expect((await caller.backup.page({ schedule: "nightly" })).items.map((b) => b.clusterName)).toEqual(["beta"]);
    // Nor what the pickers offer: only beta's values, and nothing of a cluster out of sight.
    expect(await caller.backup.facets({})).toEqual({ namespaces: [], schedules: ["nightly"], locations: ["shared"] });
    expect(await caller.backup.facets({ clusterId: alpha })).toEqual({ namespaces: [], schedules: [], locations: [] });
  });

  it("offers the values the visible backups carry as the filters' choices: namespaces named, schedules, locations", async () => {
    expect(await admin.backup.facets({})).toEqual({
      namespaces: ["db", "shop"],
      schedules: ["nightly"],
      locations: ["local", "shared"],
    });
    expect(await admin.backup.facets({ clusterId: beta })).toEqual({
      namespaces: [],
      schedules: ["nightly"],
      locations: ["shared"],
    });
  });
});
