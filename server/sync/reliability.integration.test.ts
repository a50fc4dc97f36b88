import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encode } from "next-auth/jwt";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "@/sandbox/start";
import { serveCluster } from "@/sandbox/kube-api/server";
import { ensurePki } from "@/sandbox/pki";
import { crdsSkipReason, haveCrds } from "@/sandbox/testing/paths";
import type { BackupInput } from "@/lib/schemas/protection";
// @ts-expect-error: a plain .mjs module without types
import { freePort } from "../../scripts/lib/postgres.mjs";
import { createDb, type Db } from "../db/client";
import { depsFor } from "../composition";
import { ControllerManager } from "../controllers/manager";
import { SyncReconciler } from "../controllers/reconcilers";
import { EventBus } from "../events/bus";
import { DATABASE_UNAVAILABLE } from "../errors";
import { SYNCED_KINDS } from "../kube/watch";
import { authSecret } from "../auth/options";
import { createRequestContext } from "../trpc/context";
import { aGroup, aUser, callerFor, signedIn } from "../testing/builders";
import { freshDatabase } from "../testing/db";
import { ownPostgres } from "../testing/own-postgres";
import { until } from "../testing/wait";
import { consoleProcess, type ConsoleProcess } from "../testing/console-process";
import { NOT_SERVED, SyncEngine } from "./engine";

// Issue #15 §4, the reliability scenarios of the read model: the API server of a cluster going away mid-sync and coming
// back, PostgreSQL restarted under the console, and the console itself restarted while a restore runs. One sandbox
// cluster in this process (its API server can be stopped and served again on the same address, its Velero keeps
// working meanwhile), a console attached to it through the services as an operator attaches one.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-reliability-sync-"));
let sb: RunningSandbox;
let port = 0;
/** The API server served again after a test stopped it (closed with the sandbox). */
const reopened: { close: () => Promise<void> }[] = [];
/** SyncReconciler's resync period: it converges at least this often (server/controllers/reconcilers.ts). */
const ONE_SYNC_PERIOD_MS = 30_000;

const cluster = () => sb.clusters[0].cluster;
const velero = () => sb.clusters[0].supervisor;
const VELERO_KINDS = SYNCED_KINDS.filter((k) => k.scope === "velero");

beforeAll(async () => {
  if (!haveCrds) return;
  port = await freePort();
  sb = await startSandbox({
    dir,
    azurePort: null,
    s3Port: 0,
    clusters: [{ name: "rel", port, velero: { version: "v1.18.1", nodeAgent: false, csi: false } }],
    // Validation and backup sync once a minute (as Velero's defaults): the objects change only when a test acts.
    velero: { syncPeriodMs: 60_000, validationPeriodMs: 60_000, scheduleTickMs: 250 },
  });
}, 60_000);

afterAll(async () => {
  for (const r of reopened) await r.close();
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Velero's objects on the cluster right now, as `kind/name` → resourceVersion. */
function onCluster(): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of VELERO_KINDS) {
    const t = cluster().findType(k.resource.group, k.resource.version, k.resource.plural);
    if (!t) continue;
    for (const o of cluster().list(t, "velero").items)
      out.set(`${k.kind}/${o.metadata.name}`, o.metadata.resourceVersion!);
  }
  return out;
}

/** The read model's rows of Velero's objects, the same way. */
async function inReadModel(db: Db, clusterId: string): Promise<Map<string, string>> {
  const rows = await db.veleroObject.findMany({
    where: { clusterId, kind: { in: VELERO_KINDS.map((k) => k.kind) } },
    select: { kind: true, name: true, resourceVersion: true },
  });
  return new Map(rows.map((r) => [`${r.kind}/${r.name}`, r.resourceVersion]));
}

/** Whether the read model holds exactly what the cluster has, each object at its current resourceVersion. */
async function equalsCluster(db: Db, clusterId: string): Promise<boolean> {
  const [want, have] = [onCluster(), await inReadModel(db, clusterId)];
  return want.size === have.size && [...want].every(([k, rv]) => have.get(k) === rv);
}

const backupsType = () => cluster().findType("velero.io", "v1", "backups")!;
const objectOnCluster = (plural: string, name: string) =>
  cluster()
    .list(cluster().findType("velero.io", "v1", plural)!, "velero")
    .items.find((o) => o.metadata.name === name);
const phaseOnCluster = (plural: string, name: string) =>
  objectOnCluster(plural, name)?.status?.phase as string | undefined;

/** A Backup made on the cluster by anything but Lifeboat (kubectl, a script), straight into its store. */
function backupOnCluster(name: string, storageLocation: string) {
  cluster().create(backupsType(), "velero", {
    apiVersion: "velero.io/v1",
    kind: "Backup",
    metadata: { name },
    spec: { includedNamespaces: ["guestbook"], storageLocation },
  });
}

/**
 * A console's view of the sandbox cluster on `db`: an admin, the cluster attached (named "rel"), and a target location
 * on the sandbox's S3 that the cluster writes to, Available.
 */
async function consoleOn(db: Db, tag: string) {
  const d = depsFor(db);
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  const principal = await signedIn(db, admin);
  const caller = callerFor(db, principal);
  const g = await aGroup(db, `rel-${tag}`);
  const { id: clusterId } = await caller.cluster.attach({
    kubeconfig: sb.clusters[0].kubeconfig,
    name: "rel",
    groupId: g.id,
    description: "",
    labels: {},
  });
  const s3 = sb.storage.s3;
  const cred = await caller.credential.create({
    kind: "AWS_ACCESS_KEY",
    name: `rel-${tag}`,
    description: "",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  const loc = await caller.location.create({
    name: `rel-${tag}`,
    provider: "S3_COMPATIBLE",
    region: s3.region,
    endpoint: s3.endpoint,
    pathStyle: true,
    credentialId: cred.id,
    bucket: "lifeboat-backups",
    prefix: `reliability/${tag}`,
  });
  await caller.location.assign({
    locationId: loc.id,
    target: { kind: "cluster", id: clusterId },
    readOnly: false,
    writers: [],
  });
  const location = `lifeboat-rel-${tag}`;
  await until(
    "Velero to find the location Available",
    async () => phaseOnCluster("backupstoragelocations", location) === "Available",
  );
  const spec: BackupInput = {
    scope: { kind: "namespaces", include: ["guestbook"] },
    volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
    location,
    ttl: { value: 1, unit: "days" },
  };
  const backUp = (name: string) => caller.backup.create({ clusterId, name, spec });
  return { d, caller, principal, clusterId, location, backUp };
}

/** A paused Schedule on the cluster: an object of another kind, deleted while the console cannot see it. */
function pausedSchedule(name: string) {
  cluster().create(cluster().findType("velero.io", "v1", "schedules")!, "velero", {
    apiVersion: "velero.io/v1",
    kind: "Schedule",
    metadata: { name },
    spec: { schedule: "@daily", paused: true, template: { includedNamespaces: ["guestbook"] } },
  });
}

describe.skipIf(!haveCrds)(`the read model through outages${haveCrds ? "" : ` ${crdsSkipReason}`}`, () => {
  it(
    "API server down mid-sync and back: the last-known rows are kept, no phase is rewritten, and the read model equals the cluster within 30 s of its return",
    { timeout: 120_000 },
    async () => {
      const { db } = await freshDatabase();
      const lb = await consoleOn(db, "api");
      // The engine as the console runs it: the cluster's client from its stored kubeconfig, the default backoff.
      const engine = new SyncEngine({ db, clientFor: (id) => lb.d.clusters.forCluster(id) });
      engine.startCluster(lb.clusterId);
      const row = (kind: string, name: string) =>
        db.veleroObject.findFirst({ where: { clusterId: lb.clusterId, kind, name } });
      try {
        await lb.backUp("rel-api-before");
        pausedSchedule("rel-api-paused");
        await until("the first backup Completed in the read model", async () => {
          const r = await row("backups", "rel-api-before");
          return r?.phase === "Completed";
        });
        // A backup that runs when the API server goes away (each item takes a while).
        velero().faults.slowMs = 300;
        await lb.backUp("rel-api-midway");
        await until(
          "the read model to show the backup running",
          async () => (await row("backups", "rel-api-midway"))?.phase === "InProgress",
        );
        velero().faults.slowMs = 0; // read when a backup starts: this one stays slow

        // Gone: every connection dropped, nothing listening. Velero goes on meanwhile: the running backup finishes,
        // another is made and finishes, the paused schedule is deleted.
        await sb.clusters[0].close();
        await until("the failure recorded in the sync state", async () =>
          (await engine.state(lb.clusterId)).some((s) => s.kind === "backups" && s.lastError),
        );
        const lastKnown = await db.veleroObject.findMany({
          where: { clusterId: lb.clusterId },
          orderBy: { id: "asc" },
        });
        expect(lastKnown.find((r) => r.kind === "backups" && r.name === "rel-api-midway")?.phase).toBe("InProgress");
        backupOnCluster("rel-api-meanwhile", lb.location);
        cluster().delete(cluster().findType("velero.io", "v1", "schedules")!, "velero", "rel-api-paused");
        await until(
          "both backups to finish on the cluster",
          async () =>
            phaseOnCluster("backups", "rel-api-midway") === "Completed" &&
            phaseOnCluster("backups", "rel-api-meanwhile") === "Completed",
        );
        // The last-known rows, untouched: the running backup still InProgress, nothing rewritten, nothing dropped.
        expect(await db.veleroObject.findMany({ where: { clusterId: lb.clusterId }, orderBy: { id: "asc" } })).toEqual(
          lastKnown,
        );
        expect(await lb.caller.backup.list({ clusterId: lb.clusterId, name: "rel-api-midway" })).toMatchObject([
          { phase: "InProgress" },
        ]);

        // Back on the same address with the same state (an API server restart, the end of an outage).
        reopened.push(await serveCluster(cluster(), { port, tls: ensurePki(path.join(dir, "pki"))! }));
        await until("the read model to equal the cluster again", () => equalsCluster(db, lb.clusterId), 30_000);
        expect(await row("backups", "rel-api-midway")).toMatchObject({ phase: "Completed" });
        expect(await row("backups", "rel-api-meanwhile")).toMatchObject({ phase: "Completed" });
        expect(await row("schedules", "rel-api-paused")).toBeNull();
        await until("the error cleared", async () =>
          (await engine.state(lb.clusterId)).every(
            (s) => s.lastError === null || s.lastError.startsWith("The cluster does not serve"),
          ),
        );
      } finally {
        velero().faults.slowMs = 0;
        await engine.stop();
      }
    },
  );

  it(
    "PostgreSQL restarted: calls in flight fail with a retryable error, and sync resumes from the stored resourceVersions with nothing lost or duplicated",
    { timeout: 120_000 },
    async () => {
      const pgs = await ownPostgres();
      const db = createDb(pgs.url);
      const bus = new EventBus(pgs.url);
      let manager: ControllerManager | null = null;
      const locker = new pg.Client({ connectionString: pgs.url });
      locker.on("error", () => undefined);
      try {
        const lb = await consoleOn(db, "pg");
        const { clusterId } = lb;
        // The console's controllers as a process runs them: the cluster owned under a lease, writes fenced by it.
        manager = new ControllerManager(db, [new SyncReconciler(lb.d, bus)], { leaseMs: 3_000, renewMs: 1_000 });
        await manager.start();
        await lb.backUp("rel-pg-before");
        pausedSchedule("rel-pg-paused");
        await until("the backup Completed in the read model", async () =>
          (await lb.caller.backup.list({ clusterId, name: "rel-pg-before" })).some((b) => b.phase === "Completed"),
        );
        await until("the read model to equal the cluster", () => equalsCluster(db, clusterId));
        // Every kind's first list recorded (a list writes its rows before its sync state), the cluster-wide ones too.
        await until("every kind's first list recorded", async () => {
          const states = await db.syncState.findMany({ where: { clusterId } });
          return (
            states.length === SYNCED_KINDS.length &&
            states.every((s) => s.lastListAt || s.lastError?.startsWith(NOT_SERVED))
          );
        });
        const listedBefore = await db.syncState.findMany({
          where: { clusterId },
          select: { kind: true, lastListAt: true, relists: true },
          orderBy: { kind: "asc" },
        });
        const cookie = `next-auth.session-token=${await encode({
          token: { sid: lb.principal.sessionId, sub: lb.principal.userId },
          secret: authSecret(),
        })}`;
        // Signed in through the cookie, before the restart.
        expect((await createRequestContext(new Headers({ cookie }), db)).principal?.userId).toBe(lb.principal.userId);

        // A call in flight: reading the backups while a lock holds the table, when PostgreSQL goes away.
        await locker.connect();
        await locker.query("BEGIN");
        await locker.query('LOCK TABLE "VeleroObject" IN ACCESS EXCLUSIVE MODE');
        const inFlight = lb.caller.backup.list({ clusterId }).then(
          () => null,
          (e: unknown) => e,
        );
        // (A reader waits for AccessShareLock; the engine's writes would wait for RowExclusiveLock.)
        await until("the call to wait for the table", async () => {
          const r = await locker.query<{ n: number }>(`
            SELECT count(*)::int AS n FROM pg_locks
            WHERE NOT granted AND relation = '"VeleroObject"'::regclass AND mode = 'AccessShareLock'`);
          return r.rows[0].n > 0;
        });
        await pgs.stop();
        const retryable = { code: "SERVICE_UNAVAILABLE", message: DATABASE_UNAVAILABLE };
        expect(await inFlight).toMatchObject(retryable);
        // While it is down: a query, a mutation, and a request's sign-in all answer the same, never "signed out".
        await expect(lb.caller.backup.list({ clusterId })).rejects.toMatchObject(retryable);
        await expect(lb.backUp("rel-pg-refused")).rejects.toMatchObject(retryable);
        await expect(createRequestContext(new Headers({ cookie }), db)).rejects.toMatchObject(retryable);
        // Meanwhile on the cluster: a backup made and finished, the schedule deleted.
        backupOnCluster("rel-pg-meanwhile", lb.location);
        cluster().delete(cluster().findType("velero.io", "v1", "schedules")!, "velero", "rel-pg-paused");
        await until(
          "the backup made meanwhile to finish on the cluster",
          async () => phaseOnCluster("backups", "rel-pg-meanwhile") === "Completed",
        );

        await pgs.start();
        await until("the read model to equal the cluster again", () => equalsCluster(db, clusterId), 30_000);
        // Resumed from where each kind was (the resourceVersions stored in SyncState): nothing was listed again.
        expect(
          await db.syncState.findMany({
            where: { clusterId },
            select: { kind: true, lastListAt: true, relists: true },
            orderBy: { kind: "asc" },
          }),
        ).toEqual(listedBefore);
        // Nothing lost, nothing twice: one row per object, the refused backup nowhere.
        expect(await db.veleroObject.count({ where: { clusterId, kind: "backups" } })).toBe(
          cluster().list(backupsType(), "velero").items.length,
        );
        expect(phaseOnCluster("backups", "rel-pg-refused")).toBeUndefined();
        expect(await lb.caller.backup.list({ clusterId })).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ name: "rel-pg-before", phase: "Completed" }),
            expect.objectContaining({ name: "rel-pg-meanwhile", phase: "Completed" }),
          ]),
        );
        expect((await createRequestContext(new Headers({ cookie }), db)).principal?.userId).toBe(lb.principal.userId);
      } finally {
        await manager?.stop();
        await bus.stop();
        await locker.end().catch(() => undefined);
        await db.$disconnect();
        await pgs.remove();
      }
    },
  );

  it(
    "console restarted during a restore: the restore's progress is shown again within one sync period",
    { timeout: 150_000 },
    async () => {
      const { db, url } = await freshDatabase();
      const lb = await consoleOn(db, "console");
      const { clusterId } = lb;
      const shown = async (name: string) =>
        (await lb.caller.restore.list({ clusterId })).find((r) => r.name === name) ?? null;
      const first = consoleProcess(url, { leaseSeconds: 5, healthSeconds: 5 });
      let second: ConsoleProcess | null = null;
      try {
        await first.ready;
        await lb.backUp("rel-console-source");
        await until("the backup to complete", async () =>
          (await lb.caller.backup.list({ clusterId, name: "rel-console-source" })).some((b) => b.phase === "Completed"),
        );
        // A restore that takes a while (each item 1.5 s).
        velero().faults.slowMs = 1_500;
        const name = "rel-console-restore";
        await lb.caller.restore.create({
          clusterId,
          name,
          backupName: "rel-console-source",
          spec: {
            scope: { kind: "all" },
            namespaceMapping: { guestbook: "guestbook-restored" },
            restorePVs: true,
            existingResourcePolicy: "none",
          },
        });
        const before = await until("the restore's progress shown", async () => {
          const r = await shown(name);
          return r?.phase === "InProgress" && (r.itemsRestored ?? 0) > 0 ? r : null;
        });

        // The console process dies (no clean stop: its lease runs out), and a new one starts.
        first.child.kill("SIGKILL");
        await first.exited;
        second = consoleProcess(url, { leaseSeconds: 5, healthSeconds: 5 });
        await second.ready;
        // Still running there: what the new process has to show is a restore in progress.
        expect(phaseOnCluster("restores", name)).toBe("InProgress");
        const again = await until(
          "the restore's progress shown again, as the cluster has it now",
          async () => {
            const r = await shown(name);
            const status = objectOnCluster("restores", name)?.status;
            return r &&
              r.phase === status?.phase &&
              r.itemsRestored === (status?.progress?.itemsRestored ?? null) &&
              r.itemsRestored! > before.itemsRestored!
              ? r
              : null;
          },
          ONE_SYNC_PERIOD_MS,
        );
        expect(again.totalItems).toBe(before.totalItems);
        velero().faults.slowMs = 0;
        const done = await until("the restore shown Completed, as it is on the cluster", async () => {
          const r = await shown(name);
          return r?.phase === "Completed" && phaseOnCluster("restores", name) === "Completed" ? r : null;
        });
        expect(done.itemsRestored).toBe(done.totalItems);
      } finally {
        velero().faults.slowMs = 0;
        for (const p of [first, second]) p?.child.kill("SIGKILL");
        await Promise.all([first.exited, second?.exited]);
      }
    },
  );
});
