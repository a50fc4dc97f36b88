import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { publish, type EventBus } from "../events/bus";
import { freshDatabaseWithBus } from "../testing/db";
import { aCluster, aGroup, aUser, bind, signedIn } from "../testing/builders";
import { makeContext } from "../trpc/init";
import { appRouter } from "./_app";

// Pushed updates through the real router and PostgreSQL LISTEN/NOTIFY: a subscriber hears changes of the clusters it
// may see, and of no other cluster (an attach elsewhere is told without its id).
let db: Db;
let bus: EventBus;
beforeAll(async () => {
  ({ db, bus } = await freshDatabaseWithBus());
});

describe("live.changes", () => {
  it("streams the changes of visible clusters only, after a first 'connected'", async () => {
    const mine = await aGroup(db);
    const theirs = await aGroup(db);
    const seen = await aCluster(db, mine.id);
    const unseen = await aCluster(db, theirs.id);
    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: mine.id });
    const ctx = makeContext(
      db,
      { requestId: crypto.randomUUID(), clientIp: "127.0.0.1", userAgent: "vitest" },
      await signedIn(db, viewer),
    );
    const abort = new AbortController();
    const stream = await appRouter.createCaller({ ...ctx, events: bus }, { signal: abort.signal }).live.changes();
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ topic: "connected" });

    await publish(db, { topic: "backups", clusterId: unseen.id });
    await publish(db, { topic: "clusters", clusterId: unseen.id });
    await publish(db, { topic: "backups", clusterId: seen.id });
    expect((await it.next()).value).toEqual({ topic: "clusters" });
    expect((await it.next()).value).toEqual({ topic: "backups", clusterId: seen.id });
    abort.abort();
    await it.return?.();
  });

  it("refuses an anonymous subscriber", async () => {
    const ctx = makeContext(db, { requestId: crypto.randomUUID(), clientIp: "127.0.0.1", userAgent: "vitest" }, null);
    await expect(appRouter.createCaller({ ...ctx, events: bus }).live.changes()).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });
});
