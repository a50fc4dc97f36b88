import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "@/sandbox/start";
import { serveCluster } from "@/sandbox/kube-api/server";
import { ensurePki } from "@/sandbox/pki";
import { kubectl } from "@/sandbox/testing/kubectl";
import { crdsSkipReason, haveCrds } from "@/sandbox/testing/paths";
import type { BackupInput } from "@/lib/schemas/protection";
// @ts-expect-error: a plain .mjs module without types
import { freePort } from "../../../scripts/lib/postgres.mjs";
import type { Db } from "../../db/client";
import { depsFor, type Deps } from "../../composition";
import { SyncEngine } from "../../sync/engine";
import { startHealthLoop } from "../clusters/health-loop";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { freshDatabase } from "../../testing/db";
import { startTcpProxy, type TcpProxy } from "../../testing/tcp-proxy";
import { until } from "../../testing/wait";

// Issue #15 §4, the reliability scenarios of backups: the object store going down, Velero restarted in the middle of
// a backup, a backup's data deleted from the bucket behind Velero's back, and a Schedule whose cluster is down while
// runs fall due. One sandbox cluster in this process (its API server and its Velero can be stopped and started
// again), attached to a console through the services; the sync engine follows it as the console's does.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

/** How often the sandbox's Velero validates a location and syncs its backups (Velero's default is a minute). */
const VALIDATION_MS = 1_000;
const SYNC_MS = 1_000;
/** How many times the Velero stand-in's S3 client tries one request (sandbox/storage/object-store.ts: maxAttempts). */
const ATTEMPTS_PER_REQUEST = 2;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-reliability-backups-"));
let sb: RunningSandbox;
let port = 0;
const reopened: { close: () => Promise<void> }[] = [];
let db: Db;
let d: Deps;
let sync: SyncEngine;
let clusterId = "";
let operator: ReturnType<typeof callerFor>;
let viewer: ReturnType<typeof callerFor>;
let credentialId = "";
/** A location on the sandbox's S3, reached directly; the cluster writes to it. */
let direct = "";

const cluster = () => sb.clusters[0].cluster;
const velero = () => sb.clusters[0].supervisor;
const objectOnCluster = (plural: string, name: string) =>
  cluster()
    .list(cluster().findType("velero.io", "v1", plural)!, "velero")
    .items.find((o) => o.metadata.name === name);
const backupsOnCluster = () => cluster().list(cluster().findType("velero.io", "v1", "backups")!, "velero").items;

const spec = (location: string): BackupInput => ({
  scope: { kind: "namespaces", include: ["guestbook"] },
  volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
  location,
  ttl: { value: 1, unit: "days" },
});
const backUp = (name: string, location: string) => operator.backup.create({ clusterId, name, spec: spec(location) });
const listed = async (name: string) => (await operator.backup.list({ clusterId, name }))[0] ?? null;
const deploymentOf = async (locationId: string) =>
  (await operator.location.list()).find((l) => l.id === locationId)?.deployments[0] ?? null;

/** A Lifeboat location at `endpoint` that the cluster writes to, once Velero finds it Available; its BSL's name. */
async function aLocation(name: string, endpoint: string) {
  const s3 = sb.storage.s3;
  const l = await operator.location.create({
    name,
    provider: "S3_COMPATIBLE",
    region: s3.region,
    endpoint,
    pathStyle: true,
    credentialId,
    bucket: "lifeboat-backups",
    prefix: `reliability/${name}`,
  });
  await operator.location.assign({ locationId: l.id, target: { kind: "cluster", id: clusterId }, readOnly: false });
  await until("the location Available on the page", async () => (await deploymentOf(l.id))?.phase === "Available");
  return { id: l.id, bsl: `lifeboat-${name}`, prefix: `reliability/${name}` };
}

beforeAll(async () => {
  if (!haveCrds) return;
  port = await freePort();
  sb = await startSandbox({
    dir,
    azurePort: null,
    s3Port: 0,
    clusters: [{ name: "relb", port, velero: { version: "v1.18.1", nodeAgent: false, csi: false } }],
    velero: { syncPeriodMs: SYNC_MS, validationPeriodMs: VALIDATION_MS, scheduleTickMs: 250 },
  });
  ({ db } = await freshDatabase());
  d = depsFor(db);
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  operator = callerFor(db, await signedIn(db, admin));
  const g = await aGroup(db, "reliability");
  clusterId = (
    await operator.cluster.attach({
      kubeconfig: sb.clusters[0].kubeconfig,
      name: "relb",
      groupId: g.id,
      description: "",
      labels: {},
    })
  ).id;
  const v = await aUser(db);
  await bind(db, "VIEWER", { userId: v.id }, { clusterGroupId: g.id });
  viewer = callerFor(db, await signedIn(db, v));
  const s3 = sb.storage.s3;
  credentialId = (
    await operator.credential.create({
      kind: "AWS_ACCESS_KEY",
      name: "reliability-s3",
      description: "",
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    })
  ).id;
  sync = new SyncEngine({ db, clientFor: (id) => d.clusters.forCluster(id) });
  sync.startCluster(clusterId);
  direct = (await aLocation("direct", s3.endpoint)).bsl;
}, 90_000);

afterAll(async () => {
  await sync?.stop();
  for (const r of reopened) await r.close();
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveCrds)(`backups through failures${haveCrds ? "" : ` ${crdsSkipReason}`}`, () => {
  it(
    "object store down: the location goes Unavailable, new backups are refused up front with the reason, and the store sees no retry storm",
    { timeout: 120_000 },
    async () => {
      const proxy: TcpProxy = await startTcpProxy(sb.storage.s3.endpoint);
      // Lifeboat's own checks and healing run meanwhile, as in the console (every half second here).
      const stopHealth = startHealthLoop(d, 500, { sync });
      try {
        const store = await aLocation("store", proxy.url);
        await backUp("relb-store-up", store.bsl);
        await until(
          "a backup while the store is up to complete",
          async () => (await listed("relb-store-up"))?.phase === "Completed",
        );
        await operator.schedule.create({
          clusterId,
          name: "relb-store-nightly",
          spec: spec(store.bsl),
          cron: "0 3 * * *",
          paused: true,
        });

        proxy.down();
        const downAt = Date.now();
        const unavailable = await until("the location Unavailable on the page", async () => {
          const dep = await deploymentOf(store.id);
          return dep?.phase === "Unavailable" ? dep : null;
        });
        expect(unavailable.message).toContain(`BackupStorageLocation "${store.bsl}" is unavailable`);

        // Refused before Velero is asked, with Velero's reason: no Backup is made to fail validation.
        const refusal = {
          code: "PRECONDITION_FAILED",
          message: expect.stringContaining(`${store.bsl} is Unavailable on relb`),
        };
        const refused = await backUp("relb-store-down", store.bsl).catch((e: Error) => e);
        expect(refused).toMatchObject(refusal);
        expect((refused as Error).message).toContain(unavailable.message!);
        expect(objectOnCluster("backups", "relb-store-down")).toBeUndefined();
        await expect(operator.schedule.backupNow({ clusterId, name: "relb-store-nightly" })).rejects.toMatchObject(
          refusal,
        );
        expect(
          backupsOnCluster().filter((b) => b.metadata.labels?.["velero.io/schedule-name"] === "relb-store-nightly"),
        ).toEqual([]);
        // A location elsewhere still takes backups.
        await expect(backUp("relb-store-elsewhere", direct)).resolves.toMatchObject({ created: true });

        // No storm: Velero tries the store once a validation period (its S3 client twice at most) and syncs nothing
        // while the location is Unavailable; Lifeboat's checks, healing and refusals reach no store at all.
        await until(
          "Velero to have tried the store a few times",
          async () => proxy.attemptsWhileDown >= 3 * ATTEMPTS_PER_REQUEST,
        );
        const periods = Math.ceil((Date.now() - downAt) / VALIDATION_MS) + 1;
        expect(proxy.attemptsWhileDown).toBeLessThanOrEqual(ATTEMPTS_PER_REQUEST * periods);

        // Back: Available again at the next validation, and backups are taken again.
        proxy.up();
        await until("the location Available again", async () => (await deploymentOf(store.id))?.phase === "Available");
        await backUp("relb-store-back", store.bsl);
        await until(
          "the backup made after the return to complete",
          async () => (await listed("relb-store-back"))?.phase === "Completed",
        );
      } finally {
        await stopHealth();
        await proxy.close();
      }
    },
  );

  it(
    "Velero restarted mid-backup: the backup ends Failed with Velero's reason, and backing up again is offered",
    { timeout: 90_000 },
    async () => {
      const name = "relb-restarted";
      velero().faults.slowMs = 500;
      try {
        await backUp(name, direct);
        await until("the backup shown running", async () => (await listed(name))?.phase === "InProgress");
        const old = velero().current;
        // An operator's `kubectl rollout restart`: a new pod, so a new Velero server process.
        const r = await kubectl(sb.clusters[0].kubeconfigPath, [
          "-n",
          "velero",
          "rollout",
          "restart",
          "deployment/velero",
        ]);
        expect(r.code, r.err).toBe(0);
        await until("a new Velero server", async () => velero().current !== null && velero().current !== old);
      } finally {
        velero().faults.slowMs = 0;
      }
      const reason = 'found a backup with status "InProgress" during the server starting, mark it as "Failed"';
      const failed = await until("the backup shown Failed", async () => {
        const b = await listed(name);
        return b?.phase === "Failed" ? b : null;
      });
      expect(failed.failureReason).toBe(reason);
      expect(await operator.backup.get({ clusterId, name })).toMatchObject({
        phase: "Failed",
        failureReason: reason,
        again: { schedule: null },
      });
      // Offered to whoever may back up there only.
      expect((await viewer.backup.get({ clusterId, name })).again).toBeNull();
      // And what it offers works: the same backup, made again, completes on the restarted server.
      await backUp(`${name}-again`, direct);
      await until("the new backup to complete", async () => (await listed(`${name}-again`))?.phase === "Completed");
      expect((await operator.backup.get({ clusterId, name: `${name}-again` })).again).toBeNull();
    },
  );

  it(
    "a backup deleted from the bucket out of band: its row says so after Velero's next backup sync",
    { timeout: 90_000 },
    async () => {
      await backUp("relb-gone", direct);
      await backUp("relb-kept", direct);
      await until(
        "both backups to complete",
        async () =>
          (await listed("relb-gone"))?.phase === "Completed" && (await listed("relb-kept"))?.phase === "Completed",
      );
      // Someone empties backups/relb-gone/ in the bucket (a lifecycle rule, a script), telling nobody.
      const s3 = sb.storage.s3;
      const bucket = new S3Client({
        region: s3.region,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
      try {
        const prefix = "reliability/direct/backups/relb-gone/";
        const found = await bucket.send(new ListObjectsV2Command({ Bucket: "lifeboat-backups", Prefix: prefix }));
        expect(found.Contents?.length).toBeGreaterThan(0);
        for (const o of found.Contents ?? [])
          await bucket.send(new DeleteObjectCommand({ Bucket: "lifeboat-backups", Key: o.Key! }));
      } finally {
        bucket.destroy();
      }
      // Velero's backup sync removes a Completed backup no longer in its location; the read model follows.
      await until(
        "the backup gone from the list",
        async () => (await listed("relb-gone")) === null,
        10 * SYNC_MS + 20_000,
      );
      expect(objectOnCluster("backups", "relb-gone")).toBeUndefined();
      await expect(operator.backup.get({ clusterId, name: "relb-gone" })).rejects.toMatchObject({ code: "NOT_FOUND" });
      // Only that one: the other backup in the same location stays.
      expect(await listed("relb-kept")).toMatchObject({ phase: "Completed" });
    },
  );

  it(
    "a schedule during a cluster outage: no backlog of runs when the cluster is back, one run and then the next on time",
    { timeout: 120_000 },
    async () => {
      const name = "relb-hourly";
      const runsOnCluster = () =>
        backupsOnCluster().filter((b) => b.metadata.labels?.["velero.io/schedule-name"] === name);
      const shownRuns = async () =>
        (await operator.backup.list({ clusterId })).filter((b) => b.schedule === name).map((b) => b.name);
      await operator.schedule.create({ clusterId, name, spec: spec(direct), cron: "@every 1h" });
      // A new Schedule runs at once.
      const first = await until("the schedule's first run to complete", async () => {
        const runs = runsOnCluster();
        return runs.length === 1 && runs[0].status?.phase === "Completed" ? runs[0].metadata.name : null;
      });

      // The whole cluster goes down: its API server and Velero with it.
      await sb.clusters[0].close();
      await velero().stop();
      // The outage spans ten runs: Velero last ran the schedule ten hours ago, as it will find on its return.
      const schedules = cluster().findType("velero.io", "v1", "schedules")!;
      const s = cluster().get(schedules, "velero", name)!;
      const tenHoursAgo = new Date(Date.now() - 10 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      cluster().update(schedules, "velero", name, { ...s, status: { ...s.status, lastBackup: tenHoursAgo } });

      // Back: the API server on its address, and Velero.
      reopened.push(await serveCluster(cluster(), { port, tls: ensurePki(path.join(dir, "pki"))! }));
      velero().start();
      const catchUp = await until("one run for the missed ones, completed", async () => {
        const runs = runsOnCluster().filter((b) => b.metadata.name !== first);
        return runs.length >= 1 && runs.every((b) => b.status?.phase === "Completed") ? runs : null;
      });
      // Velero's schedule controller has looked at the schedule again since that run finished: a Schedule made now
      // runs at its first look, and it looks at every Schedule in one pass.
      cluster().create(schedules, "velero", {
        apiVersion: "velero.io/v1",
        kind: "Schedule",
        metadata: { name: "relb-canary" },
        spec: { schedule: "@every 1h", template: { includedNamespaces: ["guestbook"], storageLocation: direct } },
      });
      await until("the canary schedule's first run", async () =>
        backupsOnCluster().some((b) => b.metadata.labels?.["velero.io/schedule-name"] === "relb-canary"),
      );
      expect(catchUp).toHaveLength(1);
      expect(runsOnCluster()).toHaveLength(2);
      // The console shows the same two runs, and the next one an hour after the catch-up, not in the past.
      await until("the console to show both runs", async () => (await shownRuns()).length === 2);
      expect((await shownRuns()).sort()).toEqual([first, catchUp[0].metadata.name].sort());
      const row = await until("the schedule's last run shown", async () => {
        const r = (await operator.schedule.list({ clusterId })).find((x) => x.name === name);
        return r?.lastBackupAt && r.lastBackupAt.getTime() > Date.now() - 3_600_000 ? r : null;
      });
      expect(row.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
      await operator.schedule.delete({ clusterId, name });
    },
  );
});
