import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { CHANNEL } from "../events/bus";
import { startClusters, type Sandbox, type SandboxCluster } from "../../sandbox/sandbox";
import { crdsSkipReason, haveCrds, VELERO_CRDS_DIR } from "../../sandbox/testing/paths";
import { aGroup, aUser, callerFor, signedIn } from "../testing/builders";
import { freshDatabase } from "../testing/db";
import { until } from "../testing/wait";
import { consoleProcess, type ConsoleProcess } from "../testing/console-process";

// Three console processes (their controller runtimes, as startControllers runs them) on one PostgreSQL and ten
// sandbox clusters: every cluster is owned and followed by exactly one process; a killed process's clusters are taken
// over by the others; a process paused past its leases (SIGSTOP) and resumed (SIGCONT) follows only what it owns
// again, and the read model equals the clusters.
// Short enough to keep the take-overs quick, long enough that a process starved on a loaded machine keeps its clusters
// (it trusts what it owns for two thirds of a lease from the last round the database confirmed, so about 1.7 s of
// starvation beyond a renewal): the notified rounds below expect the owners not to change.
const LEASE_SECONDS = 5;
const CLUSTERS = 10;
let db: Db;
let url: string;
let sb: Sandbox;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-replicas-"));
const clusterIds = new Map<string, SandboxCluster>();

function addBackup(c: SandboxCluster, name: string) {
  const backups = c.cluster.findType("velero.io", "v1", "backups")!;
  c.cluster.create(backups, "velero", {
    apiVersion: "velero.io/v1",
    kind: "Backup",
    metadata: { name },
    spec: { includedNamespaces: ["app"], storageLocation: "default", ttl: "720h0m0s" },
    status: { phase: "Completed", startTimestamp: "2026-12-01T01:00:00Z", completionTimestamp: "2026-12-01T01:01:00Z" },
  });
}

beforeAll(async () => {
  if (!haveCrds) return;
  ({ db, url } = await freshDatabase());
  sb = await startClusters(
    Array.from({ length: CLUSTERS }, (_, i) => ({ name: `replica-${i + 1}` })),
    { dir },
  );
  const crds = fs
    .readdirSync(VELERO_CRDS_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(VELERO_CRDS_DIR, f), "utf8")).map((d) => d.toJS()))
    .filter((d) => d?.kind === "CustomResourceDefinition");
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  const caller = callerFor(db, await signedIn(db, admin));
  const g = await aGroup(db);
  for (const [i, c] of sb.clusters.entries()) {
    const crdType = c.cluster.builtin("apiextensions.k8s.io", "customresourcedefinitions");
    for (const crd of crds) c.cluster.create(crdType, undefined, structuredClone(crd));
    c.cluster.create(c.cluster.builtin("", "namespaces"), undefined, { metadata: { name: "velero" } });
    for (let b = 0; b <= i; b++) addBackup(c, `nightly-${b}`);
    const attached = await caller.cluster.attach({
      kubeconfig: c.kubeconfig,
      name: c.name,
      groupId: g.id,
      description: "",
      labels: {},
    });
    clusterIds.set(attached.id, c);
  }
}, 120_000);

afterAll(async () => {
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every attached cluster owned and followed by exactly one of `ps`, none by two, in shares of `sizes`. */
async function sharedOnce(ps: ConsoleProcess[], sizes: number[]) {
  const reports = await Promise.all(ps.map((p) => p.report()));
  const owned = reports.flatMap((r) => r.owned);
  const syncing = reports.flatMap((r) => r.syncing);
  const all = [...clusterIds.keys()].sort();
  const ok =
    JSON.stringify([...owned].sort()) === JSON.stringify(all) &&
    JSON.stringify([...syncing].sort()) === JSON.stringify(all) &&
    reports.every((r) => JSON.stringify(r.owned) === JSON.stringify(r.syncing)) &&
    JSON.stringify(reports.map((r) => r.owned.length).sort()) === JSON.stringify(sizes);
  return ok ? reports : null;
}

/** The read model holds exactly the Backups each cluster has. */
async function readModelMatches() {
  for (const [id, c] of clusterIds) {
    const backups = c.cluster.findType("velero.io", "v1", "backups")!;
    const onCluster = c.cluster
      .list(backups, "velero")
      .items.map((o) => o.metadata.name ?? "")
      .sort();
    const rows = (await db.veleroObject.findMany({ where: { clusterId: id, kind: "backups" }, select: { name: true } }))
      .map((r) => r.name)
      .sort();
    if (JSON.stringify(rows) !== JSON.stringify(onCluster)) return false;
  }
  return true;
}

/** Each console process's connections carry its name (application_name): a notification says who sent it. */
const processUrl = (name: string) => `${url}${url.includes("?") ? "&" : "?"}application_name=${name}`;

/**
 * The test's own LISTEN on the console's change channel: per cluster, the "backups" notifications heard, each with the
 * name of the process that sent it (looked up by the sending backend's pid while its connection is open).
 */
async function listenForBackups() {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const heard = new Map<string, Promise<string>[]>();
  client.on("notification", (m) => {
    const change = JSON.parse(m.payload ?? "{}") as { topic?: string; clusterId?: string };
    if (change.topic !== "backups" || !change.clusterId) return;
    const sender = client
      .query<{ name: string }>("SELECT application_name AS name FROM pg_stat_activity WHERE pid = $1", [m.processId])
      .then((r) => r.rows[0]?.name ?? `gone (pid ${m.processId})`);
    heard.set(change.clusterId, [...(heard.get(change.clusterId) ?? []), sender]);
  });
  await client.query(`LISTEN ${CHANNEL}`);
  return { heard, close: () => client.end() };
}

describe.skipIf(!haveCrds)("several console processes on one database " + (haveCrds ? "" : crdsSkipReason), () => {
  it("share the clusters, take a killed one's over, and a paused one cannot write with its lost leases", async () => {
    const start = (name: string) => consoleProcess(processUrl(name), { leaseSeconds: LEASE_SECONDS, healthSeconds: 0 });
    const ps = [start("replica-1"), start("replica-2"), start("replica-3")];
    try {
      await Promise.all(ps.map((p) => p.ready));
      // Each cluster owned and followed once; shares of 3, 3 and 4.
      const first = await until(
        "the three processes share the ten clusters",
        () => sharedOnce(ps, [3, 3, 4]),
        60_000,
        200,
      );
      expect(first.map((r) => r.owned.length).sort()).toEqual([3, 3, 4]);
      await until("the read model holds every cluster's Backups", readModelMatches, 60_000, 200);

      // Killed: the two others take its clusters over, and follow what changes there.
      const [killed, paused, survivor] = ps;
      const killedOwned = first[0].owned;
      killed.child.kill("SIGKILL");
      await killed.exited;
      const second = await until(
        "the two others own every cluster",
        () => sharedOnce([paused, survivor], [5, 5]),
        60_000,
        200,
      );
      expect(second.map((r) => r.owned.length).sort()).toEqual([5, 5]);
      const taken = clusterIds.get(killedOwned[0])!;
      addBackup(taken, "after-the-kill");
      await until("a Backup made after the kill is synced by the new owner", readModelMatches, 60_000, 200);

      // Paused past its leases: the survivor takes everything; what changes meanwhile is the survivor's to write.
      const pausedOwned = second[0].holder === (await paused.report()).holder ? second[0].owned : second[1].owned;
      const leasesBefore = await db.clusterLease.findMany({ where: { clusterId: { in: pausedOwned } } });
      paused.child.kill("SIGSTOP");
      try {
        await until(
          "the survivor owns every cluster",
          async () => {
            const r = await survivor.report();
            return r.owned.length === CLUSTERS && r.syncing.length === CLUSTERS;
          },
          60_000,
          200,
        );
        for (const id of pausedOwned) {
          const c = clusterIds.get(id)!;
          addBackup(c, "while-paused");
          const backups = c.cluster.findType("velero.io", "v1", "backups")!;
          c.cluster.delete(backups, "velero", "nightly-0");
        }
        await until("the survivor syncs what changed meanwhile", readModelMatches, 60_000, 200);
      } finally {
        paused.child.kill("SIGCONT");
      }
      // The paused process's tokens are stale: each of its clusters changed holder (token + 1 at least).
      const leasesAfter = await db.clusterLease.findMany({ where: { clusterId: { in: pausedOwned } } });
      for (const before of leasesBefore)
        expect(leasesAfter.find((l) => l.clusterId === before.clusterId)!.token).toBeGreaterThan(before.token);
      // Resumed, it follows again only what it owns (a fair share, with new tokens), and nothing it wrote with the
      // old ones is left: the read model equals the clusters.
      const third = await until(
        "the two processes share the clusters again",
        () => sharedOnce([paused, survivor], [5, 5]),
        60_000,
        200,
      );
      expect(third.map((r) => r.owned.length).sort()).toEqual([5, 5]);
      for (const c of clusterIds.values()) addBackup(c, "after-resume");
      await until("the read model equals the clusters", readModelMatches, 60_000, 200);
      expect(await db.veleroObject.count({ where: { kind: "backups" } })).toBe(
        [...clusterIds.values()].reduce(
          (n, c) => n + c.cluster.list(c.cluster.findType("velero.io", "v1", "backups")!, "velero").items.length,
          0,
        ),
      );
      // Each change notified by its cluster's owner only: one Backup more on every cluster, three times over, is heard
      // at least once per round, and every notification of a cluster comes from the process that owns it (a second
      // process following a cluster would write and notify its changes too).
      const ROUNDS = 3;
      const listener = await listenForBackups();
      try {
        for (let round = 1; round <= ROUNDS; round++) {
          for (const c of clusterIds.values()) addBackup(c, `notified-${round}`);
          await until(
            `every cluster's Backup of round ${round} is notified`,
            async () => [...clusterIds.keys()].every((id) => (listener.heard.get(id)?.length ?? 0) >= round),
            60_000,
            100,
          );
        }
        const ownerOf = new Map<string, string>();
        for (const [name, p] of [
          ["replica-2", paused],
          ["replica-3", survivor],
        ] as const)
          for (const id of (await p.report()).owned) ownerOf.set(id, name);
        for (const id of clusterIds.keys()) {
          const senders = await Promise.all(listener.heard.get(id)!);
          expect({ cluster: id, senders: [...new Set(senders)] }).toEqual({ cluster: id, senders: [ownerOf.get(id)] });
        }
      } finally {
        await listener.close();
      }
      await until("the read model equals the clusters after the notified rounds", readModelMatches, 60_000, 200);
      // Nothing the processes did was audited (their work is not a user's), so nothing twice: the only audit rows are
      // the test's own ten attaches, one each.
      const audited = await db.auditEvent.findMany({ select: { action: true, outcome: true } });
      expect(audited.map((a) => `${a.action} ${a.outcome}`)).toEqual(Array(CLUSTERS).fill("cluster.attach SUCCESS"));
    } finally {
      for (const p of ps) {
        p.child.kill("SIGCONT");
        p.child.kill("SIGTERM");
      }
      await Promise.all(ps.map((p) => p.exited));
    }
  }, 300_000);
});
