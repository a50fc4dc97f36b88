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

    expect(names(await A.overview.fleet())).toEqual(["mine"]);
    expect(names((await A.overview.dashboard({})).clusters)).toEqual(["mine"]);
    // Written without an announcement (as nothing in Lifeboat writes it): B, who sees what A sees (with another
    // role), is handed A's result; the others' are their own.
    await db.cluster.update({ where: { id: mine.id }, data: { name: "renamed" } });
    expect(names(await B.overview.fleet())).toEqual(["mine"]);
    expect(names((await B.overview.dashboard({})).clusters)).toEqual(["mine"]);
    expect(names((await B.overview.dashboard({ groupId: g.id })).clusters)).toEqual(["renamed"]);
    expect(names(await W.overview.fleet())).toEqual(["renamed", "theirs"]);
    expect(await S.overview.fleet()).toEqual([]);

    // A change heard on the bus: computed again.
    const heard = new Promise<void>((resolve) => {
      const off = bus.subscribe((c: Change) => {
        if (c.topic === "cluster" && c.clusterId === mine.id) {
          off();
          resolve();
        }
      });
    });
    await publish(db, { topic: "cluster", clusterId: mine.id });
    await heard;
    expect(names(await B.overview.fleet())).toEqual(["renamed"]);
    expect(names((await A.overview.dashboard({})).clusters)).toEqual(["renamed"]);
  });
});
