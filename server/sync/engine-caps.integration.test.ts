import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { adminClients, clientOf, veleroObjects } from "../kube/testing-objects";
import { RESOURCES } from "../kube/resources";
import { CapExceededError } from "../kube/session";
import { freshDatabase } from "../testing/db";
import { kubeconfigText, listFaults } from "../testing/sandbox";
import { until } from "../testing/wait";
import type { BackoffPolicy } from "./backoff";
import { SyncEngine } from "./engine";
import type { SyncLimits } from "./admission";

// What one cluster can make the console hold (issue #9 §1), against both sandbox clusters and a real PostgreSQL. Each
// test syncs its own namespace (the Velero stand-in only works in "velero"), with caps lowered where reaching the real
// ones would take thousands of objects: past a cap, that kind on that cluster stops with a lastError saying which cap,
// while the cluster's other kinds and the other cluster keep syncing.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const run = crypto.randomBytes(3).toString("hex");
const nsName = (s: string) => `caps-${run}-${s}`;

let db: Db;
const clusters: string[] = [];
const engines: SyncEngine[] = [];

async function namespace(i: number, name: string) {
  await adminClients(kubeconfigText(i)).core.createNamespace({ body: { metadata: { name } } });
  return veleroObjects(kubeconfigText(i), name);
}

const backup = (n: string, spec: Record<string, unknown> = {}) => ({
  kind: "Backup",
  metadata: { name: n },
  spec: { includedNamespaces: ["payments"], ttl: "1h0m0s", ...spec },
});
const schedule = (n: string) => ({
  kind: "Schedule",
  metadata: { name: n },
  spec: { schedule: "0 3 * * *", paused: true, template: { includedNamespaces: ["payments"] } },
});

function engineFor(ns: string, limits: Partial<SyncLimits> = {}, backoff?: BackoffPolicy) {
  const e = new SyncEngine({
    db,
    namespace: ns,
    limits,
    backoff,
    clientFor: async (id) => clientOf(kubeconfigText(clusters.indexOf(id))),
  });
  engines.push(e);
  return e;
}

const stateOf = async (e: SyncEngine, cluster: number, kind: string) =>
  (await e.state(clusters[cluster])).find((s) => s.kind === kind);
const rows = (cluster: number, kind: string, ns: string) =>
  db.veleroObject.count({ where: { clusterId: clusters[cluster], kind, namespace: ns } });
const errorOf = (e: SyncEngine, cluster: number, kind: string, text: string) =>
  until(`${kind} on cluster ${cluster} to fail with "${text}"`, async () => {
    const s = await stateOf(e, cluster, kind);
    return s?.lastError?.includes(text) ? s.lastError : null;
  });
const listed = (e: SyncEngine, cluster: number, kind: string, ms?: number) =>
  until(
    `${kind} on cluster ${cluster} to be listed`,
    async () => {
      const s = await stateOf(e, cluster, kind);
      return s?.lastListAt && !s.lastError ? s : null;
    },
    ms,
  );

beforeAll(async () => {
  ({ db } = await freshDatabase());
  for (const label of ["east", "west"]) {
    const group = await db.clusterGroup.create({ data: { name: `caps-${run}-${label}` } });
    clusters.push((await db.cluster.create({ data: { name: `caps-${run}-${label}`, groupId: group.id } })).id);
  }
});

afterAll(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  await listFaults({ ignoreLimitIn: [] }).catch(() => undefined);
});

describe("sync caps", () => {
  it("more objects of a kind than the read model keeps: that kind stops with lastError, other kinds and the other cluster go on", async () => {
    const ns = nsName("items");
    const east = await namespace(0, ns);
    const west = await namespace(1, ns);
    for (const b of ["b1", "b2", "b3"]) await east.create("backups", backup(b));
    await east.create("schedules", schedule("s1"));
    await west.create("backups", backup("b1"));
    const engine = engineFor(ns, { maxItemsPerKind: 2 });
    engine.startCluster(clusters[0]);
    engine.startCluster(clusters[1]);

    const message = await errorOf(engine, 0, "backups", "more than 2 backups");
    expect(message).toBe(
      `The cluster has more than 2 backups in ${ns}, more than Lifeboat keeps of one kind from one cluster; ` +
        "sync of backups on this cluster stopped",
    );
    expect(await rows(0, "backups", ns)).toBeLessThanOrEqual(2);
    await listed(engine, 0, "schedules");
    expect(await rows(0, "schedules", ns)).toBe(1);
    await listed(engine, 1, "backups");
    expect(await rows(1, "backups", ns)).toBe(1);

    // Through the watch too: west's third backup is past the cap, and west's schedules still arrive.
    await west.create("backups", backup("b2"));
    await until("west's second backup", async () => (await rows(1, "backups", ns)) === 2);
    await west.create("backups", backup("b3"));
    await errorOf(engine, 1, "backups", "more than 2 backups");
    await west.create("schedules", schedule("s1"));
    await until("west's schedule", async () => (await rows(1, "schedules", ns)) === 1);
    expect(await rows(1, "backups", ns)).toBe(2);
    expect((await stateOf(engine, 1, "backups"))?.lastError).toContain("more than 2 backups");
  });

  it("refuses a list page with more items than it asked for", async () => {
    const ns = nsName("page");
    const east = await namespace(0, ns);
    for (const b of ["b1", "b2", "b3"]) await east.create("backups", backup(b));
    await east.create("schedules", schedule("s1"));
    await listFaults({ ignoreLimitIn: [ns] });
    const client = await clientOf(kubeconfigText(0));
    const refused = await client.listAll(RESOURCES.backups, { namespace: ns, limit: 2 }).catch((e) => e);
    expect(refused).toBeInstanceOf(CapExceededError);
    expect(refused.message).toMatch(
      /answered 3 backups to a list page that asked for at most 2; Lifeboat refuses the page$/,
    );

    const engine = engineFor(ns, { pageSize: 2 });
    engine.startCluster(clusters[0]);
    await errorOf(engine, 0, "backups", "answered 3 backups to a list page that asked for at most 2");
    expect(await rows(0, "backups", ns)).toBe(0);
    await listed(engine, 0, "schedules"); // one schedule fits in a page of 2
    await listFaults({ ignoreLimitIn: [] });
  });

  it("refuses an object larger than the byte cap (256 KiB) with a clear message; the other objects of the cluster sync", async () => {
    const ns = nsName("bytes");
    const west = await namespace(1, ns);
    const huge = Array.from({ length: 3000 }, (_, i) => `namespace-${i}-${"x".repeat(90)}`);
    await west.create("backups", backup("huge", { includedNamespaces: huge }));
    await west.create("schedules", schedule("s1"));
    const engine = engineFor(ns);
    engine.startCluster(clusters[1]);
    const message = await errorOf(engine, 1, "backups", "huge");
    expect(message).toMatch(
      new RegExp(
        `^The backups object huge in ${ns} is 3\\d\\d(\\.\\d)? KiB as JSON \\(labels, spec and status\\), ` +
          "more than the 256 KiB Lifeboat keeps of one object; sync of backups on this cluster stopped$",
      ),
    );
    expect(await rows(1, "backups", ns)).toBe(0);
    await listed(engine, 1, "schedules");
    expect(await rows(1, "schedules", ns)).toBe(1);
  });

  it("stops a kind whose watch sends an event longer than the line cap, with a clear lastError", async () => {
    const ns = nsName("line");
    const east = await namespace(0, ns);
    await east.create("backups", backup("small"));
    // A long backoff: the retry's relist (which may carry the object, under the object cap) clears the error, and under
    // load the first retry (0.25–0.5 s by default) came before this test read it.
    const engine = engineFor(ns, { maxWatchLineBytes: 16 * 1024 }, { baseMs: 60_000, maxMs: 60_000 });
    engine.startCluster(clusters[0]);
    // One transient failure of the first list under load waits a whole backoff (a minute) before its retry.
    await listed(engine, 0, "backups", 75_000);
    const long = Array.from({ length: 300 }, (_, i) => `namespace-${i}-${"y".repeat(90)}`);
    // A long object reaches the engine as a watch event only while its watch runs: after a transient failure under
    // load, the retry's relist carries it instead. So another one is created every few seconds until one arrives on a
    // live watch (at most one backoff later).
    let created = 0;
    let lastAt = 0;
    const message = await until(
      'backups on cluster 0 to fail with "watch event"',
      async () => {
        const s = await stateOf(engine, 0, "backups");
        if (s?.lastError?.includes("watch event")) return s.lastError;
        if (Date.now() - lastAt > 3_000) {
          lastAt = Date.now();
          await east.create("backups", backup(`long-${created++}`, { includedNamespaces: long }));
        }
        return null;
      },
      120_000,
    );
    expect(message).toMatch(
      /^The cluster at https:\/\/\S+ sent a watch event larger than 16384 bytes, more than Lifeboat reads of one event; it stopped the watch$/,
    );
    // (No row count here: the retry relists, and a list page may carry the object, which is under the object cap.)
    // The test's own time: with this backoff, one transient failure of the first list waits a minute before its retry.
  }, 210_000);
});
