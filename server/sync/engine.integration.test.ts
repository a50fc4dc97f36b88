import crypto from "node:crypto";
import https from "node:https";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminal, phasesWhere } from "@/lib/velero/phases";
import YAML from "yaml";
import type { Db } from "../db/client";
import { clientOf, veleroObjects } from "../kube/testing-objects";
import { listKind, SYNCED_KINDS } from "../kube/watch";
import { freshDatabase } from "../testing/db";
import { kubeconfigText } from "../testing/sandbox";
import { SyncEngine } from "./engine";

// The sync engine against sandbox cluster 0 (another process, with its Velero stand-in) and a real PostgreSQL. The
// sandbox's test controls end every watch (as an apiserver restart would) and compact history (so resuming answers 410).
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const run = crypto.randomBytes(3).toString("hex");
const name = (s: string) => `sync-${run}-${s}`;
const TERMINAL = new Set<string>(phasesWhere("Backup", (p) => isTerminal("Backup", p)));

/** POST /sandbox/v1/<control> as the sandbox admin, verifying the server against the kubeconfig's CA. */
function control(kubeconfig: string, what: "drop-watches" | "compact"): Promise<unknown> {
  const kc = YAML.parse(kubeconfig);
  const cluster = kc.clusters[0].cluster;
  const token = kc.users[0].user.token as string;
  const url = new URL(`${String(cluster.server).replace(/\/+$/, "")}/sandbox/v1/${what}`);
  const ca = Buffer.from(cluster["certificate-authority-data"], "base64");
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: "POST", ca, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () =>
          (res.statusCode ?? 500) < 300
            ? resolve(JSON.parse(body || "{}"))
            : reject(new Error(`${what}: ${res.statusCode} ${body}`)),
        );
      },
    );
    req.on("error", reject);
    req.end("{}");
  });
}

async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newCluster(db: Db, label: string) {
  const group = await db.clusterGroup.create({ data: { name: `sync-${run}-${label}` } });
  return db.cluster.create({ data: { name: `sync-${run}-${label}`, groupId: group.id } });
}

describe("SyncEngine against a sandbox cluster", () => {
  let db: Db;
  let clusterId: string;
  let engine: SyncEngine;
  const kubeconfig = () => kubeconfigText(0);
  const objects = () => veleroObjects(kubeconfig());
  // Closed while the test wants the engine disconnected: each loop opens the kubeconfig before it lists or watches.
  let gate: Promise<void> = Promise.resolve();
  /** How many loops are waiting at the gate right now. */
  let waiting = 0;

  const row = (kind: string, n: string) =>
    db.veleroObject.findUnique({
      where: { clusterId_kind_namespace_name: { clusterId, kind, namespace: "velero", name: n } },
    });
  const stateOf = async (kind: string) => (await engine.state(clusterId)).find((s) => s.kind === kind);
  const backup = (n: string) =>
    objects().create("backups", {
      kind: "Backup",
      metadata: { name: n },
      spec: { includedNamespaces: ["payments"], ttl: "1h0m0s" },
    });
  /** Waits until the CR reached a terminal phase and its row shows that phase. */
  const settled = (n: string) =>
    eventually(
      `${n} settles in the read model`,
      async () => {
        const cr = await objects().get("backups", n);
        const r = await row("backups", n);
        return r &&
          TERMINAL.has(cr?.status?.phase) &&
          r.phase === cr.status.phase &&
          r.resourceVersion === cr.metadata.resourceVersion
          ? r
          : null;
      },
      30_000,
    );

  beforeAll(async () => {
    ({ db } = await freshDatabase());
    clusterId = (await newCluster(db, "a")).id;
    await Promise.all(["b1", "b2", "b3"].map((b) => backup(name(b))));
    await objects().create("schedules", {
      kind: "Schedule",
      metadata: { name: name("s1") },
      spec: { schedule: "0 3 * * *", paused: true, template: { includedNamespaces: ["payments"] } },
    });
    engine = new SyncEngine({
      db,
      clientFor: async () => {
        waiting++;
        try {
          await gate;
        } finally {
          waiting--;
        }
        return clientOf(kubeconfig());
      },
    });
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it("lists every synced kind into the read model, and each row's phase follows its Backup", async () => {
    engine.startCluster(clusterId);
    const rows = await Promise.all(["b1", "b2", "b3"].map((b) => settled(name(b))));
    for (const r of rows) {
      expect(r).toMatchObject({ kind: "backups", namespace: "velero", spec: { includedNamespaces: ["payments"] } });
      expect(r.uid).not.toBe("");
      expect(r.createdAt).toBeInstanceOf(Date);
    }
    // Each kind lists on its own loop: the Schedule's may land a moment after the Backups settled.
    expect(await eventually("the Schedule's row", () => row("schedules", name("s1")))).toMatchObject({
      phase: null,
      spec: { paused: true },
    });
    const states = await eventually("a SyncState per kind", async () => {
      const s = await engine.state(clusterId);
      return s.length === SYNCED_KINDS.length && s.every((k) => k.lastListAt) ? s : null;
    });
    expect(states.map((s) => s.kind).sort()).toEqual(SYNCED_KINDS.map((k) => k.kind).sort());
    expect(states.every((s) => s.relists === 0 && s.lastError === null && s.resourceVersion !== "")).toBe(true);
  });

  it("sees a new Backup and its status changes through the watch, without relisting", async () => {
    const before = await stateOf("backups");
    await backup(name("b4"));
    const r = await settled(name("b4"));
    expect(TERMINAL.has(r.phase!)).toBe(true);
    const after = await stateOf("backups");
    expect(after).toMatchObject({ relists: 0, lastError: null });
    expect(after!.lastListAt).toEqual(before!.lastListAt);
    expect(after!.lastEventAt).not.toBeNull();
  });

  it("resumes from its resourceVersion after the server ends the watches", async () => {
    const before = await stateOf("backups");
    await control(kubeconfig(), "drop-watches");
    await objects().patchLabels("backups", name("b1"), { "sync-test": "resumed" });
    await eventually(
      "the label change arrives",
      async () => ((await row("backups", name("b1")))?.labels as Record<string, string>)?.["sync-test"] === "resumed",
    );
    const after = await stateOf("backups");
    expect(after).toMatchObject({ relists: 0, lastError: null });
    expect(after!.lastListAt).toEqual(before!.lastListAt); // resumed, not listed again
  });

  it("relists after history was compacted while it was disconnected, dropping what was deleted meanwhile", async () => {
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    await control(kubeconfig(), "drop-watches");
    await eventually("every loop waits at the gate", async () => waiting === SYNCED_KINDS.length);
    await objects().remove("schedules", name("s1"));
    await objects().patchLabels("backups", name("b2"), { "sync-test": "while-away" });
    await control(kubeconfig(), "compact");
    await objects().patchLabels("backups", name("b3"), { "sync-test": "after-compact" }); // resuming from any older version is now 410
    open();
    gate = Promise.resolve();

    await eventually("the deleted Schedule's row is gone", async () => (await row("schedules", name("s1"))) === null);
    await eventually("changes made while away arrive", async () => {
      const [b2, b3] = await Promise.all([row("backups", name("b2")), row("backups", name("b3"))]);
      return (
        (b2?.labels as any)?.["sync-test"] === "while-away" && (b3?.labels as any)?.["sync-test"] === "after-compact"
      );
    });
    // A relist removes the rows it did not see, then records itself: the count may come a moment after the rows.
    await eventually("both kinds count their relist", async () => {
      const states = await engine.state(clusterId);
      return ["schedules", "backups"].every((k) => states.find((s) => s.kind === k)!.relists >= 1);
    });
    // The read model matches the cluster: the same Backups of this run, with the same resourceVersions.
    const { items } = await (async () => {
      const all: { name: string; resourceVersion: string }[] = [];
      await listKind(
        await clientOf(kubeconfig()),
        SYNCED_KINDS.find((k) => k.kind === "backups")!,
        { onPage: async (page) => void all.push(...page) },
      );
      return { items: all.filter((i) => i.name.startsWith(`sync-${run}-`)) };
    })();
    const rows = await db.veleroObject.findMany({
      where: { clusterId, kind: "backups", name: { startsWith: `sync-${run}-` } },
      orderBy: { name: "asc" },
    });
    expect(rows.map((r) => [r.name, r.resourceVersion])).toEqual(
      items.sort((a, b) => a.name.localeCompare(b.name)).map((i) => [i.name, i.resourceVersion]),
    );
  });

  it("keeps the rows and no loop after stopCluster", async () => {
    await engine.stopCluster(clusterId);
    expect(engine.running()).toEqual([]);
    const count = await db.veleroObject.count({ where: { clusterId } });
    await backup(name("b5"));
    await sleep(1_500);
    expect(await row("backups", name("b5"))).toBeNull();
    expect(await db.veleroObject.count({ where: { clusterId } })).toBe(count);
  });

  it("a new engine on the same database resumes every kind from its stored resourceVersion: what changed while stopped arrives, and nothing is listed", async () => {
    // The previous test stopped the engine and created b5 meanwhile; now one Backup goes and a Schedule comes too.
    await objects().remove("backups", name("b4"));
    await objects().create("schedules", {
      kind: "Schedule",
      metadata: { name: name("s2") },
      spec: { schedule: "0 4 * * *", paused: true, template: { includedNamespaces: ["payments"] } },
    });
    const before = await engine.state(clusterId);
    expect(before).toHaveLength(SYNCED_KINDS.length);
    expect(before.every((s) => s.resourceVersion !== "")).toBe(true);

    let lists = 0;
    const counting: typeof listKind = (...args) => (lists++, listKind(...args));
    engine = new SyncEngine({ db, clientFor: () => clientOf(kubeconfig()), list: counting });
    engine.startCluster(clusterId);
    await settled(name("b5"));
    await eventually("the deleted Backup's row is gone", async () => (await row("backups", name("b4"))) === null);
    expect(await eventually("the new Schedule arrives", () => row("schedules", name("s2")))).toMatchObject({
      spec: { schedule: "0 4 * * *" },
    });

    expect(lists).toBe(0);
    const after = await engine.state(clusterId);
    for (const s of after) {
      const b = before.find((k) => k.kind === s.kind)!;
      expect({ kind: s.kind, lastListAt: s.lastListAt, relists: s.relists, lastError: s.lastError }).toEqual({
        kind: b.kind,
        lastListAt: b.lastListAt,
        relists: b.relists,
        lastError: null,
      });
    }
  });

  it("a new engine relists when the history behind its stored resourceVersions was compacted while it was stopped", async () => {
    await engine.stopCluster(clusterId);
    await objects().remove("schedules", name("s2"));
    await objects().patchLabels("backups", name("b5"), { "sync-test": "while-stopped" });
    await control(kubeconfig(), "compact"); // every stored resourceVersion is now older than the history: resuming answers 410
    const before = await engine.state(clusterId);

    let lists = 0;
    const counting: typeof listKind = (...args) => (lists++, listKind(...args));
    engine = new SyncEngine({ db, clientFor: () => clientOf(kubeconfig()), list: counting });
    engine.startCluster(clusterId);
    const after = await eventually("every kind relists", async () => {
      const s = await engine.state(clusterId);
      return s.every((k) => k.relists > before.find((b) => b.kind === k.kind)!.relists) ? s : null;
    });
    expect(await row("schedules", name("s2"))).toBeNull();
    expect(((await row("backups", name("b5")))?.labels as Record<string, string>)?.["sync-test"]).toBe("while-stopped");
    for (const s of after) {
      const b = before.find((k) => k.kind === s.kind)!;
      expect(s.relists).toBe(b.relists + 1);
      expect(s.lastListAt!.getTime()).toBeGreaterThan(b.lastListAt!.getTime());
    }
    expect(lists).toBeGreaterThanOrEqual(SYNCED_KINDS.length);
  });

  it("relists when a stored resourceVersion belongs to another history (the cluster was rebuilt), instead of keeping rows that are gone", async () => {
    await engine.stopCluster(clusterId);
    await db.syncState.update({
      where: { clusterId_kind: { clusterId, kind: "backups" } },
      data: { resourceVersion: "999999999" },
    });
    // Older than the stored version, so a watch from it never tells of these.
    await objects().remove("backups", name("b5"));
    await backup(name("b6"));
    const before = await stateOf("backups");

    let lists = 0;
    const counting: typeof listKind = (...args) => (lists++, listKind(...args));
    engine = new SyncEngine({ db, clientFor: () => clientOf(kubeconfig()), list: counting });
    engine.startCluster(clusterId);
    let poke = 0;
    // The API server answers a watch from its future with 504 "Too large resource version" (one that accepted it would
    // send events older than the start instead, which the engine also takes as a reset history); either way it relists.
    await eventually("the backups loop relists", async () => {
      await objects().patchLabels("backups", name("b1"), { "sync-test": `poke-${++poke}` });
      return (await stateOf("backups"))!.relists > before!.relists;
    });
    await settled(name("b6"));
    expect(await row("backups", name("b5"))).toBeNull();
    expect((await stateOf("backups"))!.relists).toBe(before!.relists + 1);
    expect(lists).toBe(1); // the other kinds resumed
  });

  it("records the error and backs off when nothing answers at the cluster's address", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const kc = YAML.parse(kubeconfig());
    kc.clusters[0].cluster.server = `https://127.0.0.1:${port}`;
    const dead = YAML.stringify(kc);
    const down = (await newCluster(db, "down")).id;
    const tries = new Map<string, number>();
    const counting: typeof listKind = (...args) => (
      tries.set(args[1].kind, (tries.get(args[1].kind) ?? 0) + 1),
      listKind(...args)
    );
    const e = new SyncEngine({ db, clientFor: () => clientOf(dead), list: counting });
    const t0 = Date.now();
    e.startCluster(down);
    await eventually("every kind's failure recorded, and each kind tried twice more", async () => {
      const s = await e.state(down);
      return s.length === SYNCED_KINDS.length && s.every((k) => k.lastError && (tries.get(k.kind) ?? 0) >= 3);
    });
    await e.stop();
    const elapsedMs = Date.now() - t0;
    const states = await e.state(down);
    expect(states).toHaveLength(SYNCED_KINDS.length);
    for (const s of states) {
      expect(s.lastError).toMatch(/connection refused/);
      expect(s.lastError).not.toContain(kc.users[0].user.token);
      expect(s.lastListAt).toBeNull();
    }
    // Without backoff each loop would try hundreds of times. The k-th wait is at least 250 ms × 2^(k-1) (until the
    // 20 s cap, far beyond this test), so a loop has tried at most 1 + log2(elapsed / 250 ms + 1) times (one more for a
    // try in flight).
    const lists = [...tries.values()].reduce((a, b) => a + b, 0);
    expect(lists).toBeLessThanOrEqual(SYNCED_KINDS.length * Math.floor(2 + Math.log2(elapsedMs / 250 + 1)));
    expect(e.running()).toEqual([]);
  });
});
