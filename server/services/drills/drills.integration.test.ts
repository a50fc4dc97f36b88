import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterAccessFor, depsFor, type Deps } from "../../composition";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import { kubectl } from "@/sandbox/testing/kubectl";
import { SyncEngine } from "../../sync/engine";
import type { Db } from "../../db/client";
import { scheduleName as scheduleNameFor } from "@/lib/velero/names";
import type { DrillDetail } from "@/lib/schemas/drill";
import { advanceDrill } from "./drills";
import { runDrillSchedule } from "./schedules";

// Restore drills (#14 §4) end to end against the sandbox: two namespaces on east (one whose workload comes up, one
// whose image no registry serves) backed up; drills restore them into drill namespaces on east itself, beside the
// originals. The steps are driven with advanceDrill, as the restore-drills reconciler drives them.
let db: Db;
let d: Deps;
let caller: ReturnType<typeof callerFor>;
let sync: SyncEngine;
const suffix = Date.now().toString(36);
const good = `drl-${suffix}`;
const bad = `drlbad-${suffix}`;
const backupName = `east-drl-${suffix}`;
const schedule = scheduleNameFor({ cluster: "east", base: `drl-${suffix}` });
let eastId = "";
let groupId = "";
const kc = () => testSandbox().clusters[0].kubeconfig;
/** Drill namespaces a test kept, removed after. */
const kept: string[] = [];

const manifests = `
apiVersion: v1
kind: Namespace
metadata: {name: ${good}, labels: {team: shop}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: ${good}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${good}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: docker.io/library/nginx:1.27, volumeMounts: [{name: data, mountPath: /data}]}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${good}}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Namespace
metadata: {name: ${bad}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken, namespace: ${bad}}
spec:
  replicas: 1
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec: {containers: [{name: app, image: registry.unreachable.example/app:1}]}
`;

const TERMINAL = ["PASSED", "FAILED"];

/** Drives a drill the way the reconciler does (each step when it is due) until it has ended. */
async function finish(id: string, ms = 120_000): Promise<DrillDetail> {
  return until(
    `drill ${id} to end`,
    async () => {
      await advanceDrill(d, id);
      const got = await caller.drill.get({ clusterId: eastId, id });
      return TERMINAL.includes(got.phase) && got;
    },
    ms,
  );
}

async function namespaceJson(name: string): Promise<{ metadata: { labels?: Record<string, string> } } | null> {
  const got = await kubectl(kc(), ["get", "namespace", name, "-o", "json"]);
  return got.code === 0 ? JSON.parse(got.out) : null;
}

beforeAll(async () => {
  ({ db } = await freshDatabase());
  d = depsFor(db);
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  caller = callerFor(db, await signedIn(db, admin));
  const g = await aGroup(db, `drills-${suffix}`);
  groupId = g.id;
  const c = await caller.cluster.attach({
    kubeconfig: kubeconfigText(0),
    name: "east",
    groupId,
    description: "",
    labels: {},
  });
  eastId = c.id;
  const s3 = testSandbox().s3;
  const cred = await caller.credential.create({
    kind: "AWS_ACCESS_KEY",
    name: "drills-s3",
    description: "",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  const location = await caller.location.create({
    name: `drl-${suffix}`,
    provider: "S3_COMPATIBLE",
    region: "us-east-1",
    endpoint: s3.endpoint,
    pathStyle: true,
    credentialId: cred.id,
    bucket: "lifeboat-backups",
    prefix: `drl-${suffix}`,
  });
  await caller.location.assign({ locationId: location.id, target: { kind: "cluster", id: eastId }, readOnly: false });
  sync = new SyncEngine({ db, clientFor: (id) => clusterAccessFor(db, d.sealed).forCluster(id) });
  sync.startCluster(eastId);
  await until("the location to be Available", async () => {
    await caller.location.refresh({ id: location.id });
    const l = (await caller.location.list()).find((x) => x.id === location.id);
    return l?.deployments.length === 1 && l.deployments[0].phase === "Available";
  });
  const applied = await kubectl(kc(), ["apply", "-f", "-"], manifests);
  expect(applied.code, applied.err).toBe(0);
  await until("the original workload to be ready", async () => {
    const pvc = await kubectl(kc(), ["get", "pvc", "data", "-n", good, "-o", "jsonpath={.status.phase}"]);
    const ready = await kubectl(kc(), [
      "get",
      "deployment",
      "web",
      "-n",
      good,
      "-o",
      "jsonpath={.status.readyReplicas}",
    ]);
    return pvc.out === "Bound" && ready.out === "1";
  });
}, 120_000);

afterAll(async () => {
  await sync?.stop();
  const pvs = await kubectl(kc(), ["get", "pv", "-o", "json"]);
  const ours = new Set([good, bad, ...kept]);
  const volumes =
    pvs.code === 0
      ? (JSON.parse(pvs.out).items as { metadata: { name: string }; spec?: { claimRef?: { namespace?: string } } }[])
          .filter((pv) => [...ours].some((n) => pv.spec?.claimRef?.namespace?.startsWith(n)))
          .map((pv) => pv.metadata.name)
      : [];
  for (const n of [good, bad, ...kept])
    await kubectl(kc(), ["delete", "namespace", n, "--ignore-not-found", "--wait=true"]);
  if (volumes.length) await kubectl(kc(), ["delete", "pv", ...volumes, "--ignore-not-found"]);
  await kubectl(kc(), ["delete", "schedules.velero.io", schedule, "-n", "velero", "--ignore-not-found"]);
}, 120_000);

describe("restore drills", () => {
  it("backs both namespaces up on east", async () => {
    await caller.backup.create({
      clusterId: eastId,
      name: backupName,
      spec: {
        scope: { kind: "namespaces", include: [good, bad] },
        volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
        location: `lifeboat-drl-${suffix}`,
        ttl: { value: 7, unit: "days" },
      },
    });
    await until("the backup to complete", async () =>
      (await caller.backup.list({ clusterId: eastId })).some((b) => b.name === backupName && b.phase === "Completed"),
    );
  });

  let firstDrill = "";
  it("a drill of the namespace beside the original passes, timed, then removes its namespace and only it", async () => {
    const started = await caller.drill.start({ clusterId: eastId, backupName, namespaces: [good] });
    firstDrill = started.id;
    const before = await caller.drill.get({ clusterId: eastId, id: started.id });
    const target = before.mapping[good];
    expect(target).toMatch(new RegExp(`^${good}-drill-\\d{8}$`));
    expect(before).toMatchObject({ phase: "RESTORING", backupName, keep: false, restoreName: started.restoreName });
    // The Restore is labelled with the drill's id, and restores the namespace under its drill name.
    const restore = await kubectl(kc(), [
      "get",
      "restores.velero.io",
      started.restoreName,
      "-n",
      "velero",
      "-o",
      "json",
    ]);
    expect(restore.code, restore.err).toBe(0);
    const obj = JSON.parse(restore.out);
    expect(obj.metadata.labels["lifeboat.io/drill"]).toBe(started.id);
    expect(obj.spec).toMatchObject({ includedNamespaces: [good], namespaceMapping: { [good]: target } });

    const drill = await finish(started.id);
    expect(drill.failureReason).toBeNull();
    expect(drill).toMatchObject({ phase: "PASSED", verdict: "PASSED", errors: 0, cleanupError: null, lastError: null });
    expect(drill.recoverySeconds).toEqual(expect.any(Number));
    expect(drill.restoredAt).not.toBeNull();
    expect(drill.verifiedAt!.getTime()).toBeGreaterThanOrEqual(drill.restoredAt!.getTime());
    expect(drill.recoverySeconds).toBe(Math.round((drill.verifiedAt!.getTime() - drill.startedAt.getTime()) / 1000));
    expect(drill.cleanedAt).not.toBeNull();
    expect(drill.checks.restore).toMatchObject({ phase: "Completed", errors: 0 });
    expect(drill.totalItems).toBeGreaterThan(0);
    expect(drill.itemsRestored).toBe(drill.totalItems);
    expect(drill.checks.namespaces).toEqual([
      expect.objectContaining({
        source: good,
        namespace: target,
        exists: true,
        claims: { bound: 1, total: 1, notBound: [] },
        pods: expect.objectContaining({ notReady: [] }),
      }),
    ]);
    const check = drill.checks.namespaces[0];
    expect(check.pods.total).toBeGreaterThan(0);
    expect(check.pods.ready).toBe(check.pods.total);
    expect(check.workloads).toMatchObject({ total: 1, ready: 1 });
    expect(drill.checks.labelled).toEqual([target]);
    expect(drill.checks.cleanup).toMatchObject({ deleted: [target], leftAlone: [] });

    // The drill namespace is gone; the original is as it was.
    expect(await namespaceJson(target)).toBeNull();
    const original = await namespaceJson(good);
    expect(original?.metadata.labels).toEqual(expect.objectContaining({ team: "shop" }));
    expect(original?.metadata.labels?.["velero.io/restore-name"]).toBeUndefined();
    const pvc = await kubectl(kc(), ["get", "pvc", "data", "-n", good, "-o", "jsonpath={.status.phase}"]);
    expect(pvc.out).toBe("Bound");
    const ready = await kubectl(kc(), [
      "get",
      "deployment",
      "web",
      "-n",
      good,
      "-o",
      "jsonpath={.status.readyReplicas}",
    ]);
    expect(ready.out).toBe("1");
  }, 150_000);

  it("the reconciler acts once on a row however many times it runs (it claims the row by phase and attempts)", async () => {
    const started = await caller.drill.start({ clusterId: eastId, backupName, namespaces: [good], keep: true });
    const row = () => db.restoreDrill.findUniqueOrThrow({ where: { id: started.id } });
    const first = await row();
    expect(first.attempts).toBe(0);
    // Advanced under the target cluster's lease (#15 §1), a process that lost it (another holds it with a newer token,
    // or it holds nothing) claims nothing, so takes no step, and stops acting for the cluster.
    await db.clusterLease.create({
      data: { clusterId: eastId, holder: "the-owner", token: 2n, expiresAt: new Date(Date.now() + 10 * 60_000) },
    });
    try {
      for (const token of [1n, null]) {
        const dropped: string[] = [];
        const lease = {
          fence: (id: string) => (token === null ? null : { clusterId: id, holder: "the-owner", token }),
          drop: (id: string) => void dropped.push(id),
        };
        await advanceDrill(d, started.id, new Date(Math.max(first.nextAttemptAt.getTime(), Date.now()) + 1), lease);
        expect(dropped).toEqual([eastId]);
        expect(await row()).toEqual(first);
      }
    } finally {
      await db.clusterLease.delete({ where: { clusterId: eastId } });
    }
    // Two reconcilers find the row due at the same moment: one claims it, the other does nothing. Twice over.
    for (const claims of [1, 2]) {
      const r = await row();
      const due = new Date(Math.max(r.nextAttemptAt.getTime(), Date.now()) + 1);
      await Promise.all([advanceDrill(d, started.id, due), advanceDrill(d, started.id, due)]);
      expect((await row()).attempts).toBe(claims);
    }
    // Before its next attempt, a run does nothing.
    const waiting = await row();
    await advanceDrill(d, started.id, new Date(waiting.nextAttemptAt.getTime() - 1));
    expect((await row()).attempts).toBe(2);

    // keep: true leaves the drill namespace, labelled as the drill's.
    const drill = await finish(started.id);
    expect(drill).toMatchObject({
      phase: "PASSED",
      verdict: "PASSED",
      keep: true,
      cleanedAt: null,
      cleanupError: null,
    });
    const target = drill.mapping[good];
    kept.push(target);
    const ns = await namespaceJson(target);
    expect(ns?.metadata.labels).toMatchObject({
      "velero.io/restore-name": drill.restoreName,
      "lifeboat.io/drill": drill.id,
    });
    const deployment = await kubectl(kc(), ["get", "deployment", "web", "-n", target, "-o", "name"]);
    expect(deployment.out.trim()).toBe("deployment.apps/web");

    // A drill of the same day then gets another name, beside the kept one.
    const next = await caller.drill.start({ clusterId: eastId, backupName, namespaces: [good] });
    const again = await finish(next.id);
    // (On the same UTC day; a run that crosses midnight between the two drills gets the next day's name.)
    const sameDay = again.mapping[good].startsWith(target);
    expect(again.mapping[good]).toBe(sameDay ? `${target}-2` : again.mapping[good]);
    expect(again.mapping[good]).not.toBe(target);
    expect(again).toMatchObject({ phase: "PASSED" });
    expect(await namespaceJson(again.mapping[good])).toBeNull();
    expect(await namespaceJson(target)).not.toBeNull();
  }, 240_000);

  it("the cleanup deletes only namespaces labelled as the drill's: one that is not is left, and said so", async () => {
    const started = await caller.drill.start({ clusterId: eastId, backupName, namespaces: [good] });
    const verifying = await until("the restore to finish", async () => {
      await advanceDrill(d, started.id);
      const got = await caller.drill.get({ clusterId: eastId, id: started.id });
      return got.phase !== "RESTORING" && got;
    });
    expect(verifying.phase).toBe("VERIFYING");
    const target = verifying.mapping[good];
    kept.push(target);
    expect(verifying.checks.labelled).toEqual([target]);
    // Someone takes the namespace over meanwhile (here: its drill label removed).
    const unlabelled = await kubectl(kc(), ["label", "namespace", target, "lifeboat.io/drill-"]);
    expect(unlabelled.code, unlabelled.err).toBe(0);
    const drill = await finish(started.id);
    expect(drill).toMatchObject({ phase: "PASSED", cleanedAt: null });
    expect(drill.cleanupError).toMatch(new RegExp(`^Left ${target} in place: not labelled as this drill's`));
    expect(drill.checks.cleanup).toMatchObject({ deleted: [], leftAlone: [target] });
    expect(await namespaceJson(target)).not.toBeNull();
  }, 150_000);

  it("two drills of the same namespace started at once get different drill namespaces, and neither takes the other's", async () => {
    const [a, b] = await Promise.all(
      [0, 1].map(() => caller.drill.start({ clusterId: eastId, backupName, namespaces: [good] })),
    );
    const [da, db2] = [await finish(a.id), await finish(b.id)];
    expect(da.mapping[good]).not.toBe(db2.mapping[good]);
    for (const x of [da, db2]) {
      expect(x).toMatchObject({ phase: "PASSED", cleanupError: null });
      expect(x.checks.labelled).toEqual([x.mapping[good]]);
      expect(await namespaceJson(x.mapping[good])).toBeNull();
    }
  }, 300_000);

  let failedDrill = "";
  it("a drill whose pods never become Ready fails with what was not ready, and is cleaned up all the same", async () => {
    const started = await caller.drill.start({
      clusterId: eastId,
      backupName,
      namespaces: [bad],
      verifyTimeoutSeconds: 10,
    });
    failedDrill = started.id;
    const drill = await finish(started.id);
    const target = drill.mapping[bad];
    expect(drill).toMatchObject({ phase: "FAILED", verdict: "FAILED", recoverySeconds: null, verifiedAt: null });
    expect(drill.failureReason).toMatch(
      new RegExp(
        `^Not ready 10 s after the restore: .*pods? ${target}/broken-\\S+ \\((ErrImagePull|ImagePullBackOff)\\)`,
      ),
    );
    expect(drill.checks.restore).toMatchObject({ phase: "Completed" });
    expect(drill.checks.namespaces[0]).toMatchObject({ namespace: target, exists: true, pods: { ready: 0 } });
    expect(drill.cleanedAt).not.toBeNull();
    expect(drill.cleanupError).toBeNull();
    expect(await namespaceJson(target)).toBeNull();
    expect(await namespaceJson(bad)).not.toBeNull();
  }, 150_000);

  it("a drill of a schedule restores its latest backup; a drill schedule starts one at a time", async () => {
    await caller.schedule.create({
      clusterId: eastId,
      name: schedule,
      cron: "0 3 * * *",
      paused: true,
      spec: {
        scope: { kind: "namespaces", include: [good] },
        volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
        location: `lifeboat-drl-${suffix}`,
        ttl: { value: 7, unit: "days" },
      },
    });
    const made = await caller.schedule.backupNow({ clusterId: eastId, name: schedule });
    await until("the schedule's backup to complete", async () =>
      (await caller.backup.list({ clusterId: eastId })).some((b) => b.name === made.name && b.phase === "Completed"),
    );

    const ds = await caller.drill.schedules.create({ clusterId: eastId, scheduleName: schedule });
    expect(ds).toMatchObject({ scheduleName: schedule, intervalDays: 7, cron: null, keep: false, enabled: true });
    expect(ds.sourceClusterId).toBe(eastId);
    expect(ds.nextRunAt.getTime()).toBeLessThanOrEqual(Date.now());
    await expect(caller.drill.schedules.create({ clusterId: eastId, scheduleName: schedule })).rejects.toMatchObject({
      code: "CONFLICT",
    });

    await runDrillSchedule(d, ds.id);
    const [after] = (await caller.drill.schedules.list({ clusterId: eastId })).filter((s) => s.id === ds.id);
    expect(after.lastError).toBeNull();
    expect(after.lastDrillId).not.toBeNull();
    expect(after.nextRunAt.getTime() - after.lastRunAt!.getTime()).toBe(7 * 86_400_000);
    const drills = await caller.drill.list({ drillScheduleId: ds.id });
    expect(drills).toHaveLength(1);
    expect(drills[0]).toMatchObject({ id: after.lastDrillId, scheduleName: schedule, backupName: made.name });
    expect(Object.keys(drills[0].mapping)).toEqual([good]);

    // Not due again before its next run; at its next run, skipped while the drill goes on.
    await runDrillSchedule(d, ds.id);
    await runDrillSchedule(d, ds.id, new Date(after.nextRunAt.getTime() + 1));
    expect(await caller.drill.list({ drillScheduleId: ds.id })).toHaveLength(1);
    const skipped = (await caller.drill.schedules.list({ clusterId: eastId })).find((s) => s.id === ds.id)!;
    expect(skipped.lastError).toMatch(/was skipped: drill \S+ has not finished/);

    expect(await finish(drills[0].id)).toMatchObject({ phase: "PASSED" });
    expect(await caller.drill.schedules.delete({ clusterId: eastId, id: ds.id })).toEqual({ id: ds.id });
    expect(await caller.drill.schedules.list({ clusterId: eastId })).toEqual([]);
    await caller.schedule.delete({ clusterId: eastId, name: schedule });
  }, 240_000);

  it("the group's evidence: when each namespace was last proven restorable, and the failure", async () => {
    const e = await caller.drill.evidence({ groupId });
    expect(e).toMatchObject({ groupId, groupName: `drills-${suffix}` });
    const rowOf = (ns: string) => e.rows.find((r) => r.namespace === ns);
    const shop = rowOf(good)!;
    expect(shop).toMatchObject({ clusterId: eastId, clusterName: "east", failedSince: null, drills: 7 });
    expect(shop.lastPassed).toMatchObject({ targetClusterId: eastId, targetClusterName: "east" });
    expect(shop.lastPassed!.recoverySeconds).toEqual(expect.any(Number));
    expect(shop.lastPassed!.drillId).not.toBe(firstDrill);
    expect(rowOf(bad)).toMatchObject({ lastPassed: null, failedSince: { drillId: failedDrill }, drills: 1 });
    expect(rowOf(bad)!.failedSince!.failureReason).toMatch(/^Not ready/);
    // JSON as it is downloaded.
    expect(JSON.parse(JSON.stringify(e)).rows).toHaveLength(2);
  });

  it("an operator may run drills; a viewer may read the evidence but not start one; others see nothing", async () => {
    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: groupId });
    const vc = callerFor(db, await signedIn(db, viewer));
    expect((await vc.drill.evidence({ groupId })).rows).toHaveLength(2);
    expect((await vc.drill.list({ clusterId: eastId })).length).toBe(8);
    await expect(vc.drill.start({ clusterId: eastId, backupName })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(vc.drill.schedules.create({ clusterId: eastId, scheduleName: schedule })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });

    const stranger = callerFor(db, await signedIn(db, await aUser(db)));
    expect(await stranger.drill.list({})).toEqual([]);
    await expect(stranger.drill.get({ clusterId: eastId, id: failedDrill })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(stranger.drill.evidence({ groupId })).rejects.toMatchObject({
      code: expect.stringMatching(/^(FORBIDDEN|NOT_FOUND)$/),
    });

    // A backup the target does not see, or a namespace the backup does not hold, is refused before anything is made.
    await expect(caller.drill.start({ clusterId: eastId, backupName: "east-no-such-backup" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(
      caller.drill.start({ clusterId: eastId, backupName, namespaces: ["not-in-the-backup"] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("not-in-the-backup") });
    const audit = await db.auditEvent.findFirst({
      where: { action: "drill.start", outcome: "SUCCESS", targetId: failedDrill },
      select: { targetType: true, scope: true },
    });
    expect(audit).toEqual({ targetType: "drill", scope: `cluster:${eastId}` });
  });
});
