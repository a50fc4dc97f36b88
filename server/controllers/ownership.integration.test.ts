import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { attachedClusters } from "../testing/builders";
import { freshDatabase } from "../testing/db";
import { until } from "../testing/wait";
import { ClusterOwnership, fencedWrite, LeaseLost } from "./ownership";

// Per-cluster ownership on a real PostgreSQL: several processes (here, ClusterOwnership instances on one database)
// share the attached clusters fairly, each exactly once; a process that stops renewing loses its clusters to the
// others once its leases expire, one that stops cleanly hands them over at once, a new one gets its share, and a write
// made with a lost lease's token is refused.
let db: Db;
beforeAll(async () => {
  ({ db } = await freshDatabase());
});

/** Each test starts with no attached cluster and no member left by the one before. */
async function detachAll() {
  await db.cluster.updateMany({ data: { kubeconfigSecretId: null } });
  await db.controllerMember.deleteMany();
}

const member = (name: string, leaseMs = 60_000) => new ClusterOwnership(db, name, { leaseMs, renewMs: 100 });
const owners = async () =>
  db.$queryRaw<{ clusterId: string; holder: string }[]>`
    SELECT "clusterId", "holder" FROM "ClusterLease" WHERE "expiresAt" > now() ORDER BY "clusterId"`;

/** Ticks every member until a round changes nothing (ownership settles in a few rounds). */
async function settle(ms: ClusterOwnership[]) {
  let before = "";
  for (let round = 0; round < 20; round++) {
    for (const m of ms) await m.tick();
    const now = JSON.stringify(ms.map((m) => [...m.current().keys()].sort()));
    if (now === before) return;
    before = now;
  }
  throw new Error("ownership did not settle in 20 rounds");
}

describe("ClusterOwnership", () => {
  it("shares ten clusters among three processes, each owned exactly once; a fourth gets its share", async () => {
    await detachAll();
    const ids = await attachedClusters(db, 10);
    const ms = [member("p1"), member("p2"), member("p3")];
    await settle(ms);
    const sizes = ms.map((m) => m.current().size).sort();
    expect(sizes).toEqual([3, 3, 4]);
    const all = ms.flatMap((m) => [...m.current().keys()]).sort();
    expect(all).toEqual([...ids].sort());
    expect((await owners()).map((o) => o.clusterId)).toEqual([...ids].sort());

    const p4 = member("p4");
    await settle([...ms, p4]);
    expect([...ms, p4].map((m) => m.current().size).sort()).toEqual([2, 2, 3, 3]);
    expect(new Set([...ms, p4].flatMap((m) => [...m.current().keys()])).size).toBe(10);
    for (const m of [...ms, p4]) await m.releaseAll();
  });

  it("takes a dead process's clusters over once its leases expire, with new tokens; a clean stop hands over at once", async () => {
    await detachAll();
    await attachedClusters(db, 6);
    // Only the dying process has a short lease: the others' must not expire on a loaded machine.
    const dying = member("dying", 400);
    const a = member("a");
    const b = member("b");
    await settle([dying, a, b]);
    const lost = [...dying.current()];
    expect(lost).toHaveLength(2);

    // `dying` stops renewing (killed): a and b take its clusters once the leases have expired.
    await until(
      "the others own every cluster",
      async () => {
        await a.tick();
        await b.tick();
        return a.current().size + b.current().size === 6;
      },
      10_000,
      50,
    );
    for (const [id, token] of lost) {
      const now = a.current().get(id) ?? b.current().get(id);
      expect(now! > token).toBe(true);
    }
    // Its stale fence writes nothing.
    const [id, token] = lost[0];
    await expect(
      fencedWrite(db, { clusterId: id, holder: "dying", token }, (tx) =>
        tx.cluster.update({ where: { id }, data: { name: "overwritten-by-a-stale-owner" } }),
      ),
    ).rejects.toBeInstanceOf(LeaseLost);
    expect((await db.cluster.findUniqueOrThrow({ where: { id } })).name).not.toBe("overwritten-by-a-stale-owner");
    // The owner's current fence writes.
    const owner = a.owns(id) ? a : b;
    await fencedWrite(db, owner.fence(id)!, (tx) => tx.syncState.create({ data: { clusterId: id, kind: "backups" } }));
    expect(await db.syncState.count({ where: { clusterId: id } })).toBe(1);

    // a stops cleanly: b owns everything at its next round, without waiting for an expiry.
    await a.releaseAll();
    expect(a.current().size).toBe(0);
    await b.tick();
    expect(b.current().size).toBe(6);
    await b.releaseAll();
  });

  it("drops the lease of a detached cluster and never claims it", async () => {
    await detachAll();
    const [keep, detach] = await attachedClusters(db, 2);
    const m = member("solo");
    await settle([m]);
    expect([...m.current().keys()].sort()).toEqual([keep, detach].sort());
    await db.cluster.update({ where: { id: detach }, data: { kubeconfigSecretId: null } });
    const changes: { gained: string[]; lost: string[] }[] = [];
    m.onChange((gained, lost) => changes.push({ gained, lost }));
    await m.tick();
    expect([...m.current().keys()]).toEqual([keep]);
    expect(changes).toEqual([{ gained: [], lost: [detach] }]);
    expect(await db.clusterLease.count({ where: { clusterId: detach } })).toBe(0);
    await m.releaseAll();
  });

  it("renews a lease while a write fenced by it is in flight; a takeover waits for that write to commit", async () => {
    await detachAll();
    const [id] = await attachedClusters(db, 1);
    const owner = member("a-owner", 400); // first by name: the single cluster is its share
    const other = member("b-other");
    await settle([owner, other]);
    expect(owner.owns(id)).toBe(true);
    const token = owner.current().get(id)!;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const write = fencedWrite(db, owner.fence(id)!, async (tx) => {
      entered();
      await gate;
      return tx.syncState.create({ data: { clusterId: id, kind: "backups" } });
    });
    await inside;
    // The owner's renewal does not wait for its write.
    const expiry = async () => (await db.clusterLease.findUniqueOrThrow({ where: { clusterId: id } })).expiresAt;
    const before = await expiry();
    await owner.tick();
    expect((await expiry()).getTime()).toBeGreaterThan(before.getTime());
    // The owner stops renewing (it died mid-write): its lease and membership expire, and the other, alone now, does
    // not take the cluster while the write is open …
    await until(
      "the owner's lease and membership expired",
      async () => {
        const [r] = await db.$queryRaw<{ expired: boolean }[]>`
          SELECT bool_and(t."expiresAt" <= now()) AS expired FROM (
            SELECT "expiresAt" FROM "ClusterLease" WHERE "clusterId" = ${id}
            UNION ALL SELECT "expiresAt" FROM "ControllerMember" WHERE "holder" = 'a-owner') t`;
        return r.expired;
      },
      3_000,
      20,
    );
    await other.tick();
    expect(other.owns(id)).toBe(false);
    // … the write, fenced when it began, commits; then the other takes the cluster, with a new token.
    release();
    await write;
    expect(await db.syncState.count({ where: { clusterId: id } })).toBe(1);
    await other.tick();
    expect(other.current().get(id)).toBe(token + 1n);
    await other.releaseAll();
  });
});
