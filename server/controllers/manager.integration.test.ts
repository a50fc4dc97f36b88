import { beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../db/client";
import { attachedClusters } from "../testing/builders";
import { freshDatabase } from "../testing/db";
import { until } from "../testing/wait";
import { Lease } from "./lease";
import { ControllerManager, type Reconciler } from "./manager";

// The controller runtime against a real PostgreSQL: with several managers on one database, one leads and runs the
// reconcilers; the others stand by and take over when it stops (at once) or when its lease expires (a crash).
let db: Db;
let url: string;
beforeAll(async () => {
  ({ db, url } = await freshDatabase());
});

function counting(name: string) {
  const state = { running: 0, starts: 0 };
  const r: Reconciler = {
    name,
    start() {
      state.running++;
      state.starts++;
      return () => void state.running--;
    },
  };
  return { r, state };
}

describe("ControllerManager", () => {
  it("runs its reconcilers in one process only; a standby takes over at once when the leader stops", async () => {
    const a = counting("a");
    const b = counting("b");
    const leader = new ControllerManager(db, [a.r], { leaseName: "t1", renewMs: 100 });
    const standby = new ControllerManager(db, [b.r], { leaseName: "t1", renewMs: 100 });
    await leader.start();
    await standby.start();
    try {
      expect(leader.isLeader()).toBe(true);
      expect(standby.isLeader()).toBe(false);
      expect([a.state.running, b.state.running]).toEqual([1, 0]);
      const before = await new Lease(db, "t1", "probe", 1000).current();

      await leader.stop();
      expect(a.state.running).toBe(0);
      await until("the standby leads", async () => standby.isLeader(), 5_000, 20);
      expect(b.state.running).toBe(1);
      const after = await new Lease(db, "t1", "probe", 1000).current();
      expect(after!.holder).toBe(standby.holder);
      expect(after!.token).toBe(before!.token + 1n);
    } finally {
      await leader.stop();
      await standby.stop();
    }
  });

  it("takes over a lease whose holder vanished without giving it up, once it expires", async () => {
    const ghost = new Lease(db, "t2", "crashed-process", 400);
    expect((await ghost.acquire()).held).toBe(true);
    const c = counting("c");
    const m = new ControllerManager(db, [c.r], { leaseName: "t2", renewMs: 100 });
    await m.start();
    try {
      expect(m.isLeader()).toBe(false);
      expect(c.state.running).toBe(0);
      await until("the lease expires and is taken over", async () => m.isLeader(), 5_000, 20);
      expect(c.state.running).toBe(1);
      // The ghost cannot renew what it lost.
      expect((await ghost.acquire()).held).toBe(false);
    } finally {
      await m.stop();
    }
  });

  it("a leader that loses its lease (renewal refused) stops its reconcilers", async () => {
    const d = counting("d");
    const m = new ControllerManager(db, [d.r], { leaseName: "t3", renewMs: 100, leaseMs: 300 });
    await m.start();
    try {
      expect(d.state.running).toBe(1);
      // Someone else holds it now (as after a long pause of this process past the expiry).
      await db.$executeRaw`UPDATE "ControllerLease" SET "holder" = 'other', "expiresAt" = now() + interval '1 minute' WHERE "name" = 't3'`;
      await until("the manager stands by", async () => !m.isLeader(), 5_000, 20);
      expect(d.state.running).toBe(0);
    } finally {
      await m.stop();
    }
  });

  it("keeps its clusters while its process's pool is busy: the leases are renewed through their own connections", async () => {
    // A process whose every pooled connection is taken (a takeover's many first reads and writes): its leases still
    // renew, so it does not lose its clusters to the others and start them again.
    await attachedClusters(db, 3);
    const busy = createDb(url, { connections: 2 });
    const leases = createDb(url, { connections: 2 });
    const perCluster: Reconciler = { name: "per-cluster", scope: "cluster", start: () => () => undefined };
    const m = new ControllerManager(busy, [perCluster], { leaseMs: 1_500, renewMs: 300, leaseDb: leases });
    await m.start();
    try {
      await until("it owns the clusters", async () => m.clusters.ids().length === 3, 5_000, 20);
      const expiry = async () =>
        (await db.clusterLease.findMany({ where: { holder: m.holder }, select: { expiresAt: true } }))
          .map((l) => l.expiresAt.getTime())
          .reduce((a, b) => Math.min(a, b), Infinity);
      const first = await expiry();
      // Both of the process's connections held for 4 s (more than two leases).
      let held = true;
      const hold = Promise.all([busy.$executeRaw`SELECT pg_sleep(4)`, busy.$executeRaw`SELECT pg_sleep(4)`]).finally(
        () => (held = false),
      );
      await until("renewed twice over while the pool is held", async () => (await expiry()) > first + 1_500, 4_000, 50);
      expect(held).toBe(true);
      expect(m.clusters.ids()).toHaveLength(3);
      await hold;
    } finally {
      await m.stop();
      await busy.$disconnect();
      await leases.$disconnect();
    }
  });

  it("gives its clusters up while its process's pool does not answer, and takes its share again once it does", async () => {
    // A process whose every pooled connection hangs (cut off from PostgreSQL, queries that never return) syncs
    // nothing, yet its leases would renew through their own pool: past poolStuckMs it gives them up to the others.
    const ids = await attachedClusters(db, 3);
    const busy = createDb(url, { connections: 2 });
    const leases = createDb(url, { connections: 2 });
    const perCluster: Reconciler = { name: "per-cluster", scope: "cluster", start: () => () => undefined };
    const m = new ControllerManager(busy, [perCluster], {
      leaseMs: 1_500,
      renewMs: 300,
      poolStuckMs: 1_000,
      leaseDb: leases,
    });
    await m.start();
    try {
      const owned = async () => ids.every((id) => m.clusters.owns(id));
      await until("it owns the clusters", owned, 5_000, 20);
      const tokens = ids.map((id) => m.clusters.fence(id)!.token);
      const released = async () => {
        const [{ live }] = await db.$queryRaw<{ live: number }[]>`
          SELECT count(*)::int AS "live" FROM "ClusterLease" WHERE "holder" = ${m.holder} AND "expiresAt" > now()`;
        const member = await db.controllerMember.findUnique({ where: { holder: m.holder } });
        return live === 0 && !member;
      };
      expect(await released()).toBe(false);
      // Both of the process's connections held for 5 s (more than three leases): its pool answers nothing meanwhile.
      let held = true;
      const hold = Promise.all([busy.$executeRaw`SELECT pg_sleep(5)`, busy.$executeRaw`SELECT pg_sleep(5)`]).finally(
        () => (held = false),
      );
      await until(
        "its leases and membership given up while the pool is held",
        async () => (await released()) && m.clusters.ids().length === 0,
        4_000,
        50,
      );
      expect(held).toBe(true);
      await hold;
      await until("it owns the clusters again", owned, 5_000, 20);
      // Claimed anew after the give-up (a kept lease would have kept its token).
      ids.forEach((id, i) => expect(m.clusters.fence(id)!.token).toBeGreaterThan(tokens[i]));
    } finally {
      await m.stop();
      await busy.$disconnect();
      await leases.$disconnect();
    }
  });
});
