import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { publish, type Change, type EventBus } from "../../events/bus";
import { freshDatabaseWithBus } from "../../testing/db";
import { aCluster, aGroup, aUser, bind, signedIn } from "../../testing/builders";
import { makeContext } from "../../trpc/init";
import { appRouter } from "../../routers/_app";

// The fleet overview through the real router, on a real bus: viewers who see the same clusters share one result until
// a change is heard; a viewer who sees other clusters, or the same view with another input, never gets it.
let db: Db;
let bus: EventBus;
beforeAll(async () => {
  ({ db, bus } = await freshDatabaseWithBus());
});

const names = (rows: { clusterName: string }[]) => rows.map((r) => r.clusterName).sort();
/** Resolves once the bus has handed on a change of `topic` (after the shared results heard it: they listen first). */
const heard = (topic: string) =>
  new Promise<void>((resolve) => {
    const off = bus.subscribe((c: Change) => {
      if (c.topic === topic) {
        off();
        resolve();
      }
    });
  });

describe("the shared fleet overview", () => {
  it("is computed once per change for viewers who see the same clusters, and only for them", async () => {
    const g = await aGroup(db);
    const other = await aGroup(db);
    const mine = await aCluster(db, g.id, "mine");
    await aCluster(db, other.id, "theirs");
    const [a, b, wide, stranger] = [await aUser(db), await aUser(db), await aUser(db), await aUser(db)];
    await bind(db, "VIEWER", { userId: a.id }, { clusterGroupId: g.id });
    await bind(db, "OPERATOR", { userId: b.id }, { clusterGroupId: g.id });
    await bind(db, "VIEWER", { userId: wide.id }, { clusterGroupId: g.id });
    await bind(db, "VIEWER", { userId: wide.id }, { clusterGroupId: other.id });
    const caller = async (u: typeof a) =>
      appRouter.createCaller({
        ...makeContext(
          db,
          { requestId: crypto.randomUUID(), clientIp: null, userAgent: "vitest" },
          await signedIn(db, u),
        ),
        events: bus,
      });
    const [A, B, W, S] = [await caller(a), await caller(b), await caller(wide), await caller(stranger)];

    const [fleetA, dashA] = await Promise.all([A.overview.fleet(), A.overview.dashboard({})]);
    expect([names(fleetA), names(dashA.clusters)]).toEqual([["mine"], ["mine"]]);
    // Written without an announcement (Lifeboat's own rename announces it): B, who sees what A sees (with another
    // role), is handed A's results; the others' are their own. (Asked at once: a shared result lasts 2 s at most.)
    await db.cluster.update({ where: { id: mine.id }, data: { name: "renamed" } });
    const [fleetB, dashB, dashBGroup, fleetW, fleetS] = await Promise.all([
      B.overview.fleet(),
      B.overview.dashboard({}),
      B.overview.dashboard({ groupId: g.id }),
      W.overview.fleet(),
      S.overview.fleet(),
    ]);
    expect(names(fleetB)).toEqual(["mine"]);
    expect(names(dashB.clusters)).toEqual(["mine"]);
    expect(names(dashBGroup.clusters)).toEqual(["renamed"]);
    expect(names(fleetW)).toEqual(["renamed", "theirs"]);
    expect(fleetS).toEqual([]);

    // A change heard on the bus: computed again.
    const cluster = heard("cluster");
    await publish(db, { topic: "cluster", clusterId: mine.id });
    await cluster;
    expect(names(await B.overview.fleet())).toEqual(["renamed"]);
    expect(names((await A.overview.dashboard({})).clusters)).toEqual(["renamed"]);

    // A group renamed through the console is announced: the next overview shows its new name.
    const admin = await caller(await aUser(db, { role: "ORG_ADMIN" }));
    const group = heard("group");
    await admin.clusterGroup.update({ id: g.id, name: "renamed-group" });
    await group;
    expect((await B.overview.fleet()).map((r) => r.groupName)).toEqual(["renamed-group"]);
  });
});
