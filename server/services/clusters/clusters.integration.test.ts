import net from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { clientOf } from "../../kube/testing-objects";
import { freshDatabase } from "../../testing/db";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { parse as parseYaml, stringify as toYamlText } from "yaml";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import { depsFor, type Deps } from "../../composition";
import { checkCluster, DISCONNECT_AFTER_FAILED_CHECKS } from "./clusters";
import { onboardingManifest } from "../../kube/access";
import { startHealthLoop } from "./health-loop";
import { SyncEngine } from "../../sync/engine";
import { EventBus } from "../../events/bus";
import { until } from "../../testing/wait";
import { ControllerManager } from "../../controllers/manager";
import { LeaseLost } from "../../controllers/ownership";
import { SyncReconciler } from "../../controllers/reconcilers";
import type { Db } from "../../db/client";

// Attaching real sandbox clusters (in their own process) through the router, with real sealing and real checks.
let db: Db;
let url: string;
let d: Deps;
let closedPort = 0;
/** A loopback port nothing listens on (fetch refuses "bad ports" such as 9 before connecting, so pick a real one). */
const closed = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
beforeAll(async () => {
  ({ db, url } = await freshDatabase());
  d = depsFor(db);
  closedPort = await closed();
});

describe("clusters", () => {
  it("previews a kubeconfig live, attaches the cluster with the kubeconfig sealed, and lists it for those who may see it", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const prod = await aGroup(db, "prod");
    const caller = callerFor(db, await signedIn(db, admin));
    const preview = await caller.cluster.preview({ kubeconfig: kubeconfigText(0), groupId: prod.id });
    expect(preview.kubernetesVersion).toBe(testSandbox().clusters[0].kubernetesVersion);
    expect(preview.missingAccess).toEqual([]);
    // The admin kubeconfig is a user in system:masters: everything is allowed, and Lifeboat's namespace is unknown.
    expect(preview).toMatchObject({ accessLevel: "MANAGE", missingManageAccess: [], lifeboatNamespace: null });
    expect(preview.velero).toMatchObject({
      installed: true,
      serverVersion: "v1.18.1",
      nodeAgent: true,
      csi: { enabled: true },
    });

    const c = await caller.cluster.attach({
      kubeconfig: kubeconfigText(0),
      name: "east",
      groupId: prod.id,
      description: "primary",
      labels: { env: "prod" },
    });
    expect(c).toMatchObject({
      name: "east",
      state: "CONNECTED",
      groupName: "prod",
      labels: { env: "prod" },
      myRole: "CLUSTER_ADMIN",
      missingAccess: [],
      accessLevel: "MANAGE",
      missingManageAccess: [],
      lifeboatNamespace: null,
    });
    expect(JSON.stringify(c)).not.toContain("token");
    const row = await db.cluster.findUniqueOrThrow({ where: { id: c.id } });
    expect(row).toMatchObject({ accessLevel: "MANAGE", missingManageAccess: [], lifeboatNamespace: null });
    // The server's volume defaults and the images that run are kept with the detection, and shown.
    const server = { fsBackupDefault: "optIn", moveDataByDefault: false };
    const images = { server: "velero/velero:v1.18.1", nodeAgent: "velero/velero:v1.18.1" };
    expect(row.velero).toMatchObject({ ...server, images });
    expect(c.velero).toMatchObject({ ...server, images });
    expect(c.velero?.images?.plugins.map((p) => p.image)).toContain("velero/velero-plugin-for-aws:v1.14.0");
    const sealed = await db.sealedSecret.findUniqueOrThrow({ where: { id: row.kubeconfigSecretId! } });
    expect(Buffer.from(sealed.ciphertext).toString("latin1")).not.toContain("sbx-admin");
    expect((await d.sealed.read(row.kubeconfigSecretId!, "kubeconfig")).toString()).toContain("sbx-admin");

    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: prod.id });
    const vc = callerFor(db, await signedIn(db, viewer));
    expect((await vc.cluster.list()).map((x) => x.name)).toEqual(["east"]);
    // The stored detection is read through its contract: what it does not declare is dropped, and a record that does
    // not fit it is none (until the next check writes it again) rather than a failed list.
    await db.cluster.update({ where: { id: c.id }, data: { velero: { ...(row.velero as object), extra: "x" } } });
    const [listed] = await vc.cluster.list();
    expect(listed.velero).toMatchObject({ installed: true, ...server, images });
    expect(listed.velero).not.toHaveProperty("extra");
    await db.cluster.update({ where: { id: c.id }, data: { velero: { installed: "yes" } } });
    expect((await vc.cluster.list())[0].velero).toBeNull();
    await db.cluster.update({ where: { id: c.id }, data: { velero: row.velero as object } });
    await expect(vc.cluster.detach({ id: c.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const stranger = callerFor(db, await signedIn(db, await aUser(db)));
    expect(await stranger.cluster.list()).toEqual([]);
    await expect(stranger.cluster.get({ id: c.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("serves the onboarding manifest at either level, operate by default, to those who may attach", async () => {
    const caller = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
    const byDefault = await caller.cluster.onboarding();
    expect(byDefault).toEqual(onboardingManifest());
    expect(await caller.cluster.onboarding({ level: "operate" })).toEqual(byDefault);
    const manage = await caller.cluster.onboarding({ level: "manage" });
    expect(manage).toEqual(onboardingManifest({ level: "manage" }));
    expect(manage.yaml).toMatch(/CLUSTER-ADMIN-EQUIVALENT/);
    expect(manage.command).toBe(byDefault.command);
    await expect(caller.cluster.onboarding({ level: "admin" } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const stranger = callerFor(db, await signedIn(db, await aUser(db)));
    await expect(stranger.cluster.onboarding({ level: "manage" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("explains a bad kubeconfig and an unreachable server, and saves nothing", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const g = await aGroup(db);
    const caller = callerFor(db, await signedIn(db, admin));
    const before = await db.sealedSecret.count();
    await expect(
      caller.cluster.attach({
        kubeconfig: "apiVersion: v1\nkind: Config\nclusters: [",
        name: "broken",
        groupId: g.id,
        description: "",
        labels: {},
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const unreachable = kubeconfigText(0).replace(
      /server: https:\/\/127\.0\.0\.1:\d+/,
      `server: https://127.0.0.1:${closedPort}`,
    );
    await expect(
      caller.cluster.attach({ kubeconfig: unreachable, name: "gone", groupId: g.id, description: "", labels: {} }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    expect(await db.sealedSecret.count()).toBe(before);
    expect(await db.cluster.count({ where: { name: { in: ["broken", "gone"] } } })).toBe(0);
  });

  it("attaching needs CLUSTER_ADMIN on the group: an operator is refused, a stranger is told it does not exist", async () => {
    const g = await aGroup(db);
    const op = await aUser(db);
    await bind(db, "OPERATOR", { userId: op.id }, { clusterGroupId: g.id });
    const input = { kubeconfig: kubeconfigText(1), name: "west", groupId: g.id, description: "", labels: {} };
    await expect(callerFor(db, await signedIn(db, op)).cluster.attach(input)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const ca = await aUser(db);
    const other = await aGroup(db);
    await bind(db, "CLUSTER_ADMIN", { userId: ca.id }, { clusterGroupId: other.id });
    await expect(callerFor(db, await signedIn(db, ca)).cluster.attach(input)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("previewing is checked like attaching, on the group the cluster would join (#9 §3)", async () => {
    const a = await aGroup(db);
    const b = await aGroup(db);
    const mixed = await aUser(db);
    await bind(db, "OPERATOR", { userId: mixed.id }, { clusterGroupId: a.id });
    await bind(db, "CLUSTER_ADMIN", { userId: mixed.id }, { clusterGroupId: b.id });
    const mc = callerFor(db, await signedIn(db, mixed));
    await expect(mc.cluster.preview({ kubeconfig: kubeconfigText(1), groupId: a.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const hidden = await aGroup(db);
    await expect(mc.cluster.preview({ kubeconfig: kubeconfigText(1), groupId: hidden.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await mc.cluster.preview({ kubeconfig: kubeconfigText(1), groupId: b.id })).kubernetesVersion).toBe(
      testSandbox().clusters[1].kubernetesVersion,
    );
    const denied = await db.auditEvent.findMany({
      where: { actorId: mixed.id, action: "cluster.preview", outcome: "DENIED" },
      select: { scope: true },
    });
    expect(denied.map((e) => e.scope).sort()).toEqual([`clusterGroup:${a.id}`, `clusterGroup:${hidden.id}`].sort());
  });

  it("the preview names the locations and credentials whose storage keys attaching writes to the cluster (#9 §3)", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const caller = callerFor(db, await signedIn(db, admin));
    const shared = await aGroup(db);
    const bare = await aGroup(db);
    const s3 = testSandbox().s3;
    const cred = await caller.credential.create({
      kind: "AWS_ACCESS_KEY",
      name: "keys-preview-s3",
      description: "",
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
    const loc = await caller.location.create({
      name: "keys-preview",
      provider: "S3_COMPATIBLE",
      region: "us-east-1",
      endpoint: s3.endpoint,
      pathStyle: true,
      credentialId: cred.id,
      bucket: "lifeboat-backups",
      prefix: "keys-preview",
    });
    await caller.location.assign({
      locationId: loc.id,
      target: { kind: "clusterGroup", id: shared.id },
      readOnly: true,
    });
    const p = await caller.cluster.preview({ kubeconfig: kubeconfigText(1), groupId: shared.id });
    expect(p.keys).toEqual([
      {
        location: "keys-preview",
        provider: "S3_COMPATIBLE",
        bucket: "lifeboat-backups",
        prefix: "keys-preview",
        credential: "keys-preview-s3",
        readOnly: true,
      },
    ]);
    expect(JSON.stringify(p)).not.toContain(s3.secretAccessKey);
    expect((await caller.cluster.preview({ kubeconfig: kubeconfigText(1), groupId: bare.id })).keys).toEqual([]);
  });

  it("a kubeconfig that skips TLS verification is attached only on explicit confirmation, and the cluster says so (#9 §2)", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const g = await aGroup(db);
    const caller = callerFor(db, await signedIn(db, admin));
    const doc = parseYaml(kubeconfigText(1));
    delete doc.clusters[0].cluster["certificate-authority-data"];
    doc.clusters[0].cluster["insecure-skip-tls-verify"] = true;
    const insecure = toYamlText(doc);
    const input = { kubeconfig: insecure, groupId: g.id, name: "unverified", description: "", labels: {} };
    const before = await db.sealedSecret.count();
    // One at a time: a second call started early could be refused before anything awaits it (an unhandled rejection).
    for (const refused of [() => caller.cluster.preview(input), () => caller.cluster.attach(input)])
      await expect(refused()).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining("insecure-skip-tls-verify"),
      });
    await expect(caller.cluster.attach({ ...input, allowInsecureTls: false })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(await db.sealedSecret.count()).toBe(before);
    expect(await db.cluster.count({ where: { name: "unverified" } })).toBe(0);

    expect((await caller.cluster.preview({ ...input, allowInsecureTls: true })).insecureTls).toBe(true);
    const c = await caller.cluster.attach({ ...input, allowInsecureTls: true });
    expect(c).toMatchObject({ state: "CONNECTED", insecureTls: true });
    expect((await caller.cluster.get({ id: c.id })).insecureTls).toBe(true);
    expect((await caller.cluster.preview({ kubeconfig: kubeconfigText(1), groupId: g.id })).insecureTls).toBe(false);
    await caller.cluster.detach({ id: c.id });
  });

  it(`a cluster that fails ${DISCONNECT_AFTER_FAILED_CHECKS} checks in a row is Disconnected with its last-seen time, and reconnects`, async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const g = await aGroup(db);
    const caller = callerFor(db, await signedIn(db, admin));
    const c = await caller.cluster.attach({
      kubeconfig: kubeconfigText(1),
      name: "flaky",
      groupId: g.id,
      description: "",
      labels: {},
    });
    const row = await db.cluster.findUniqueOrThrow({ where: { id: c.id } });
    const good = (await d.sealed.read(row.kubeconfigSecretId!, "kubeconfig")).toString();
    await d.sealed.replace(
      row.kubeconfigSecretId!,
      good.replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${closedPort}`),
    );
    for (let i = 1; i < DISCONNECT_AFTER_FAILED_CHECKS; i++)
      expect((await checkCluster(d, c.id)).state).toBe("CONNECTED");
    const down = await checkCluster(d, c.id);
    expect(down).toMatchObject({
      state: "DISCONNECTED",
      failedChecks: DISCONNECT_AFTER_FAILED_CHECKS,
      lastError: expect.stringMatching(/Unreachable/),
    });
    expect(down.lastSeenAt).toEqual(row.lastSeenAt);
    await d.sealed.replace(row.kubeconfigSecretId!, good);
    // "Check again" stores the access found afresh (a failed check left the last known one alone).
    expect(down).toMatchObject({ accessLevel: "MANAGE" });
    await db.cluster.update({
      where: { id: c.id },
      data: { accessLevel: "NONE", missingAccess: ["stale"], missingManageAccess: ["stale"], lifeboatNamespace: "old" },
    });
    expect(await caller.cluster.refresh({ id: c.id })).toMatchObject({
      state: "CONNECTED",
      failedChecks: 0,
      lastError: null,
      accessLevel: "MANAGE",
      missingAccess: [],
      missingManageAccess: [],
      lifeboatNamespace: null,
    });
  });

  it('a check that finds something new says "cluster"; one that finds the cluster as it was says "checked"', async () => {
    const bus = new EventBus(url);
    await bus.ready();
    try {
      const admin = await aUser(db, { role: "ORG_ADMIN" });
      const c = await callerFor(db, await signedIn(db, admin)).cluster.attach({
        kubeconfig: kubeconfigText(1),
        name: "announced",
        groupId: (await aGroup(db)).id,
        description: "",
        labels: {},
      });
      /** The topic the next check of `c` announces (listened for before the check). */
      const announced = async (check: () => Promise<unknown>) => {
        const topic = new Promise<string>((resolve) => {
          const off = bus.subscribe((ch) => {
            if (ch.clusterId === c.id && (ch.topic === "cluster" || ch.topic === "checked")) {
              off();
              resolve(ch.topic);
            }
          });
        });
        await check();
        return topic;
      };
      await checkCluster(d, c.id);
      expect(await announced(() => checkCluster(d, c.id))).toBe("checked");
      expect(await announced(() => checkCluster(d, c.id, { full: false }))).toBe("checked");
      await db.cluster.update({ where: { id: c.id }, data: { accessLevel: "NONE", missingAccess: ["stale"] } });
      expect(await announced(() => checkCluster(d, c.id))).toBe("cluster");
      expect(await db.cluster.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ accessLevel: "MANAGE" });
    } finally {
      await bus.stop();
    }
  });

  /** An attached cluster whose sealed kubeconfig now names a port nothing listens on. */
  async function anUnreachableCluster(name: string) {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const g = await aGroup(db);
    const c = await callerFor(db, await signedIn(db, admin)).cluster.attach({
      kubeconfig: kubeconfigText(1),
      name,
      groupId: g.id,
      description: "",
      labels: {},
    });
    const secretId = (await db.cluster.findUniqueOrThrow({ where: { id: c.id } })).kubeconfigSecretId!;
    await d.sealed.replace(
      secretId,
      kubeconfigText(1).replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${closedPort}`),
    );
    return c;
  }

  it("failed checks made at the same time (the health loop and a Refresh) are each counted", async () => {
    const c = await anUnreachableCluster("counted");
    const n = DISCONNECT_AFTER_FAILED_CHECKS + 1;
    await Promise.all(Array.from({ length: n }, () => checkCluster(d, c.id)));
    expect(await db.cluster.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({
      failedChecks: n,
      state: "DISCONNECTED",
    });
  });

  it("the health loop checks clusters periodically and marks an unreachable one Disconnected", async () => {
    const c = await anUnreachableCluster("watched");
    const stop = startHealthLoop(d, 100);
    try {
      const t0 = Date.now();
      while ((await db.cluster.findUniqueOrThrow({ where: { id: c.id } })).state !== "DISCONNECTED") {
        if (Date.now() - t0 > 15_000) throw new Error("never disconnected");
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      stop();
    }
    expect((await db.cluster.findUniqueOrThrow({ where: { id: c.id } })).failedChecks).toBeGreaterThanOrEqual(
      DISCONNECT_AFTER_FAILED_CHECKS,
    );
  });

  it("a check made under a lease writes only while the lease is held: a stale token, or none, writes nothing", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const g = await aGroup(db);
    const c = await callerFor(db, await signedIn(db, admin)).cluster.attach({
      kubeconfig: kubeconfigText(1),
      name: "fenced-check",
      groupId: g.id,
      description: "",
      labels: {},
    });
    await db.clusterLease.create({
      data: { clusterId: c.id, holder: "the-new-owner", token: 7n, expiresAt: new Date(Date.now() + 60_000) },
    });
    const lastCheck = async () => (await db.cluster.findUniqueOrThrow({ where: { id: c.id } })).lastCheckAt!.getTime();
    const before = await lastCheck();
    // A process that held it before (token 6) and one whose lease has lapsed (no fence) write nothing.
    for (const fence of [() => ({ clusterId: c.id, holder: "the-new-owner", token: 6n }), () => null])
      await expect(checkCluster(d, c.id, { full: false, fence })).rejects.toBeInstanceOf(LeaseLost);
    expect(await lastCheck()).toBe(before);
    // Its holder with its token writes.
    const r = await checkCluster(d, c.id, {
      full: false,
      fence: () => ({ clusterId: c.id, holder: "the-new-owner", token: 7n }),
    });
    expect(r.state).toBe("CONNECTED");
    expect(await lastCheck()).toBeGreaterThan(before);
  });

  it("the health loop runs the sync engine for attached clusters, fills the read model, and stops it after detach", async () => {
    const { db: own } = await freshDatabase();
    const od = depsFor(own);
    const admin = await aUser(own, { role: "ORG_ADMIN" });
    const g = await aGroup(own);
    const caller = callerFor(own, await signedIn(own, admin));
    const c = await caller.cluster.attach({
      kubeconfig: kubeconfigText(0),
      name: "synced",
      groupId: g.id,
      description: "",
      labels: {},
    });
    const sync = new SyncEngine({ db: own, clientFor: () => clientOf(kubeconfigText(0)) });
    const stop = startHealthLoop(od, 200, { sync });
    try {
      const t0 = Date.now();
      while (!(await own.syncState.count({ where: { clusterId: c.id, lastListAt: { not: null } } }))) {
        if (Date.now() - t0 > 15_000) throw new Error("the engine never listed");
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(sync.running()).toEqual([c.id]);
      await caller.cluster.detach({ id: c.id });
      const t1 = Date.now();
      while (sync.running().length) {
        if (Date.now() - t1 > 5_000) throw new Error("the engine kept running after detach");
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      stop();
      await sync.stop();
    }
  });

  it("detaching removes the row and its sealed kubeconfig, and is audited", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const g = await aGroup(db);
    const caller = callerFor(db, await signedIn(db, admin));
    const c = await caller.cluster.attach({
      kubeconfig: kubeconfigText(1),
      name: "temporary",
      groupId: g.id,
      description: "",
      labels: {},
    });
    const secretId = (await db.cluster.findUniqueOrThrow({ where: { id: c.id } })).kubeconfigSecretId!;
    await caller.cluster.detach({ id: c.id });
    expect(await db.cluster.findUnique({ where: { id: c.id } })).toBeNull();
    expect(await db.sealedSecret.findUnique({ where: { id: secretId } })).toBeNull();
    expect(
      await db.auditEvent.findFirst({ where: { action: "cluster.detach", targetId: c.id, outcome: "SUCCESS" } }),
    ).not.toBeNull();
  });

  it("detaching with removal takes Lifeboat's locations and storage-class ConfigMap off the cluster; an unreachable cluster stays attached", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const g = await aGroup(db);
    const caller = callerFor(db, await signedIn(db, admin));
    const c = await caller.cluster.attach({
      kubeconfig: kubeconfigText(1),
      name: "leaving",
      groupId: g.id,
      description: "",
      labels: {},
    });
    const s3 = testSandbox().s3;
    const cred = await caller.credential.create({
      kind: "AWS_ACCESS_KEY",
      name: `detach-${Date.now()}`,
      description: "",
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
    const loc = await caller.location.create({
      name: `detach-${Date.now().toString(36)}`,
      provider: "S3_COMPATIBLE",
      region: "us-east-1",
      endpoint: s3.endpoint,
      pathStyle: true,
      credentialId: cred.id,
      bucket: "lifeboat-backups",
      prefix: `detach-it-${Date.now()}`,
    });
    await caller.location.assign({ locationId: loc.id, target: { kind: "cluster", id: c.id }, readOnly: false });
    const kubeconfig = kubeconfigText(1);
    await d.kube.applyStorageClassMapping(
      await clientOf(kubeconfig),
      { metadata: { name: "change-storage-class-config" }, data: { standard: "fast" } },
      { name: "change-storage-class-config" },
    );
    expect(await d.kube.locationStatus(await clientOf(kubeconfig), `lifeboat-${loc.name}`)).not.toBeNull();

    // Unreachable: nothing is forgotten, and the message says what to do.
    const secretId = (await db.cluster.findUniqueOrThrow({ where: { id: c.id } })).kubeconfigSecretId!;
    const good = await d.sealed.read(secretId, "kubeconfig");
    await d.sealed.replace(
      secretId,
      Buffer.from(kubeconfig.replace(/server: https:\/\/[^\s]+/, `server: https://127.0.0.1:${closedPort}`)),
    );
    await expect(caller.cluster.detach({ id: c.id, removeFromCluster: true })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringContaining("detach without removing"),
    });
    expect(await db.cluster.findUnique({ where: { id: c.id } })).not.toBeNull();
    await d.sealed.replace(secretId, good);

    const r = await caller.cluster.detach({ id: c.id, removeFromCluster: true });
    expect(r.removed).toEqual(
      expect.arrayContaining([
        `BackupStorageLocation lifeboat-${loc.name} and its credentials Secret`,
        "ConfigMap change-storage-class-config",
      ]),
    );
    expect(await d.kube.locationStatus(await clientOf(kubeconfig), `lifeboat-${loc.name}`)).toBeNull();
    expect(await db.cluster.findUnique({ where: { id: c.id } })).toBeNull();
  });

  it("attaching starts following the cluster's Velero objects at once (no health check needed), shown per kind; detaching stops it", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const g = await aGroup(db);
    const caller = callerFor(db, await signedIn(db, admin));
    // The controller runtime as a console process runs it: the sync reconciler under the lease, told of attach and
    // detach through PostgreSQL notifications.
    const bus = new EventBus(url);
    await bus.ready();
    const sync = new SyncReconciler(d, bus);
    const manager = new ControllerManager(db, [sync], { renewMs: 200 });
    await manager.start();
    const running = () => sync.engine?.running() ?? [];
    try {
      const c = await caller.cluster.attach({
        kubeconfig: kubeconfigText(0),
        name: "followed",
        groupId: g.id,
        description: "",
        labels: {},
      });
      await until("the sync starts following it", async () => running().includes(c.id), 5_000, 20);
      expect(running()).toContain(c.id);
      // Thirteen kinds are followed at once, in no set order: wait until each of Velero's has had its first list.
      const velero = [
        "backups",
        "restores",
        "schedules",
        "backupstoragelocations",
        "deletebackuprequests",
        "podvolumebackups",
        "datauploads",
      ];
      let kinds: Awaited<ReturnType<typeof caller.cluster.sync>> = [];
      const listed = () => kinds.filter((k) => k.lastListAt).map((k) => k.kind);
      await until(
        "each of Velero's kinds has had its first list",
        async () => {
          kinds = await caller.cluster.sync({ id: c.id });
          return velero.every((k) => listed().includes(k));
        },
        20_000,
        100,
      );
      expect(listed()).toEqual(expect.arrayContaining(velero));
      expect(kinds.every((k) => k.lastError === null)).toBe(true);
      await caller.cluster.detach({ id: c.id });
      await until("the sync stops following it", async () => !running().includes(c.id), 5_000, 20);
      expect(running()).not.toContain(c.id);
    } finally {
      await manager.stop();
      await bus.stop();
    }
  });
});
