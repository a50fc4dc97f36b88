import net from "node:net";
import zlib from "node:zlib";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { MAX_LOG_TEXT_BYTES } from "@/lib/limits";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackupInput } from "@/lib/schemas/protection";
import YAML from "yaml";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox, veleroFaults } from "../../testing/sandbox";
import { veleroObjects } from "../../kube/testing-objects";
import { SyncEngine } from "../../sync/engine";
import { depsFor, type Deps } from "../../composition";
import { checkCluster, DISCONNECT_AFTER_FAILED_CHECKS } from "../clusters/clusters";
import type { Db } from "../../db/client";

// Backups end to end against sandbox cluster 0 (another process, with its Velero stand-in and S3 emulator): created
// through the router, followed to Completed by the sync engine, described, and deleted through a DeleteBackupRequest
// whose progress and errors the list shows; who may delete, and what is refused (running backups, unreachable clusters).
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

let db: Db;
let d: Deps;
let caller: ReturnType<typeof callerFor>;
let sync: SyncEngine;
let clusterId = "";
let groupId = "";
const suffix = Date.now().toString(36);
const bslName = `lifeboat-bk-${suffix}`;
const backupName = (n: string) => `east-bk-${suffix}-${n}`;
const objects = () => veleroObjects(kubeconfigText(0));

const rowOf = async (name: string, c = caller) => (await c.backup.list({ clusterId })).find((b) => b.name === name);

const spec = {
  scope: { kind: "namespaces", include: ["payments"] },
  volumes: { fsBackup: "off", csiSnapshots: true, dataMovement: false },
  location: bslName,
  ttl: { value: 1, unit: "days" },
} as BackupInput;

beforeAll(async () => {
  ({ db } = await freshDatabase());
  d = depsFor(db);
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  caller = callerFor(db, await signedIn(db, admin));
  groupId = (await aGroup(db, "backup-fleet")).id;
  clusterId = (
    await caller.cluster.attach({ kubeconfig: kubeconfigText(0), name: "east", groupId, description: "", labels: {} })
  ).id;
  const s3 = testSandbox().s3;
  const cred = await caller.credential.create({
    kind: "AWS_ACCESS_KEY",
    name: "backups-s3",
    description: "",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  const loc = await caller.location.create({
    name: `bk-${suffix}`,
    provider: "S3_COMPATIBLE",
    region: "us-east-1",
    endpoint: s3.endpoint,
    pathStyle: true,
    credentialId: cred.id,
    bucket: "lifeboat-backups",
    prefix: `backups-it-${suffix}`,
  });
  // One writer per bucket and prefix (#14 §3): east writes, the group's other clusters would only read.
  await caller.location.assign({
    locationId: loc.id,
    target: { kind: "clusterGroup", id: groupId },
    readOnly: true,
    writers: [clusterId],
  });
  sync = new SyncEngine({
    db,
    clientFor: (id) => d.clusters.forCluster(id),
  });
  sync.startCluster(clusterId);
  await until("the location to be Available", async () => {
    await caller.location.refresh({ id: loc.id });
    return (await caller.location.list())
      .find((x) => x.id === loc.id)!
      .deployments.some((x) => x.phase === "Available");
  });
});

afterAll(async () => {
  await veleroFaults({ unreachableLocations: [], slowMs: 0 }).catch(() => undefined);
  await sync?.stop();
});

describe("backups", () => {
  it("flags a named namespace the cluster does not have on review, with the closest one it has (#10 §2)", async () => {
    const { namespaces } = await caller.backup.namespaces({ clusterId });
    expect(namespaces).toContain("payments");
    const p = await caller.backup.preview({
      clusterId,
      name: backupName("typo"),
      spec: { ...spec, scope: { kind: "namespaces", include: ["paymnts", "payments", "team-*"] } },
    });
    expect(p.yaml).toContain("kind: Backup");
    expect(p.notes).toEqual([
      {
        code: "no-namespace:paymnts",
        severity: "warning",
        text: "paymnts: no such namespace on east; did you mean payments?",
      },
    ]);
    expect((await caller.backup.preview({ clusterId, name: backupName("fine"), spec })).notes).toEqual([]);
  });

  it("creates a backup, sees it reach Completed in the list through the sync engine, and describes it", async () => {
    const created = await caller.backup.create({ clusterId, name: backupName("1"), spec });
    expect(created).toEqual({ name: backupName("1"), created: true });
    const row = await until("the backup to complete", async () => {
      const r = await rowOf(backupName("1"));
      return r?.phase === "Completed" ? r : null;
    });
    expect(row).toMatchObject({ clusterName: "east", location: bslName, errors: 0, deletion: null, canDelete: true });
    expect(row.completionTimestamp).toBeInstanceOf(Date);

    const described = await caller.backup.get({ clusterId, name: backupName("1") });
    expect(described).toMatchObject({
      phase: "Completed",
      clusterName: "east",
      deletion: null,
      canDelete: true,
      downloadErrors: [],
    });
    expect(Object.keys(described.resources ?? {})).toContain("v1/Namespace");
  });

  it("sends the browser the last 2 MiB of a longer log, after a note of what was left out; the file is not fetched again (#9 §1)", async () => {
    const name = backupName("log");
    await caller.backup.create({ clusterId, name, spec });
    await until("the backup to complete", async () => (await rowOf(name))?.phase === "Completed");
    // The cluster's Velero wrote a 3 MiB log (as a long-running backup's is): the download reads it whole (it is
    // within the download caps), the browser gets its end.
    const lines = Array.from({ length: 60_000 }, (_, i) => `time="2026-01-01T00:00:00Z" level=info msg="item ${i}"`);
    const log = Buffer.from(lines.join("\n") + "\n");
    const s3 = testSandbox().s3;
    const bucket = new S3Client({
      region: "us-east-1",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    await bucket.send(
      new PutObjectCommand({
        Bucket: "lifeboat-backups",
        Key: `backups-it-${suffix}/backups/${name}/${name}-logs.gz`,
        Body: zlib.gzipSync(log),
      }),
    );
    const { text } = await caller.backup.logs({ clusterId, name });
    const [note, ...rest] = text.split("\n");
    const shown = rest.join("\n");
    expect(note).toMatch(
      /^\[Lifeboat: this log is \d\.\d MiB; only its last 2 MiB are shown, the first [\d,]+ bytes are left out\]$/,
    );
    expect(Buffer.byteLength(shown)).toBeLessThanOrEqual(MAX_LOG_TEXT_BYTES);
    expect(log.toString().endsWith(shown)).toBe(true);
    expect(shown.startsWith('time="')).toBe(true);
    expect(shown.endsWith(`msg="item 59999"\n`)).toBe(true);

    // The file of a finished backup cannot change: opening it again is served from the cache (no new DownloadRequest,
    // no fetch), so the bucket's object is not read again even when someone rewrites it (#9 §1).
    await bucket.send(
      new PutObjectCommand({
        Bucket: "lifeboat-backups",
        Key: `backups-it-${suffix}/backups/${name}/${name}-logs.gz`,
        Body: zlib.gzipSync("rewritten\n"),
      }),
    );
    expect((await caller.backup.logs({ clusterId, name })).text).toBe(text);
  });

  it("a viewer may not delete; an operator elsewhere who views this cluster neither; a cluster one cannot see is not found", async () => {
    const other = await aGroup(db);
    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: groupId });
    const vc = callerFor(db, await signedIn(db, viewer));
    expect(await rowOf(backupName("1"), vc)).toMatchObject({ phase: "Completed", canDelete: false });
    await expect(vc.backup.delete({ clusterId, name: backupName("1") })).rejects.toMatchObject({ code: "FORBIDDEN" });

    const elsewhere = await aUser(db);
    await bind(db, "OPERATOR", { userId: elsewhere.id }, { clusterGroupId: other.id });
    await bind(db, "VIEWER", { userId: elsewhere.id }, { clusterId });
    await expect(
      callerFor(db, await signedIn(db, elsewhere)).backup.delete({ clusterId, name: backupName("1") }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("OPERATOR") });

    const stranger = await aUser(db);
    await bind(db, "OPERATOR", { userId: stranger.id }, { clusterGroupId: other.id });
    const sc = callerFor(db, await signedIn(db, stranger));
    await expect(sc.backup.delete({ clusterId, name: backupName("1") })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(sc.backup.list({ clusterId })).resolves.toEqual([]);

    await expect(caller.backup.delete({ clusterId, name: backupName("nope") })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await objects().get("backups", backupName("1"))).toMatchObject({ status: { phase: "Completed" } });
  });

  it("shows the errors of a deletion Velero could not complete, and a double submit makes one request", async () => {
    await veleroFaults({ unreachableLocations: [bslName] });
    try {
      const [a, b] = await Promise.all([
        caller.backup.delete({ clusterId, name: backupName("1") }),
        caller.backup.delete({ clusterId, name: backupName("1") }),
      ]);
      expect(a.requestName).toBe(b.requestName);
      expect([a.created, b.created].sort()).toEqual([false, true]);
      // The request and the Backup are followed by separate watches: wait for both to have arrived.
      const row = await until("the request to be processed with errors", async () => {
        const r = await rowOf(backupName("1"));
        return r?.deletion?.phase === "Processed" && r.phase !== "Deleting" ? r : null;
      });
      expect(row.deletion).toMatchObject({
        requestName: a.requestName,
        errors: [expect.stringMatching(/backup storage|unavailable/)],
      });
      expect(row.phase).toBe("Completed"); // still there, with its data
    } finally {
      await veleroFaults({ unreachableLocations: [] });
    }
  });

  it("deletes through a new DeleteBackupRequest: it is processed, the backup leaves the list and the cluster, and its page says it was deleted", async () => {
    const cleared = Date.now();
    // Velero refuses deletions while the location is Unavailable: wait for a validation after the fault was cleared.
    await until(
      "the location to be validated Available again",
      async () => {
        const bsl = await objects().get("backupstoragelocations", bslName);
        return bsl?.status?.phase === "Available" && Date.parse(bsl.status.lastValidationTime) > cleared;
      },
      20_000,
    );
    // Its page shows the failed request too.
    const described = await caller.backup.get({ clusterId, name: backupName("1") });
    expect(described).toMatchObject({
      phase: "Completed",
      deletion: { phase: "Processed", errors: [expect.stringMatching(/backup storage|unavailable/)] },
    });
    const failed = described.deletion!.requestName;
    const r = await caller.backup.delete({ clusterId, name: backupName("1") });
    expect(r).toMatchObject({ name: backupName("1"), created: true });
    expect(r.requestName).not.toBe(failed); // a retry, not the processed request again

    await until("the backup to leave the list", async () => !(await rowOf(backupName("1"))));
    const request = await until("the request to be Processed in the read model", () =>
      db.veleroObject.findFirst({
        where: { clusterId, kind: "deletebackuprequests", name: r.requestName, phase: "Processed" },
      }),
    );
    expect(request.spec).toEqual({ backupName: backupName("1") });
    expect(request.labels).toMatchObject({ "velero.io/backup-name": backupName("1"), "lifeboat.io/cluster": "east" });
    expect((request.labels as Record<string, string>)["velero.io/backup-uid"]).toMatch(/.+/);
    expect((request.status as { errors?: string[] }).errors ?? []).toEqual([]);
    expect(await objects().get("backups", backupName("1"))).toBeNull();
    await expect(caller.backup.get({ clusterId, name: backupName("1") })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("was deleted"),
    });
    const audit = await db.auditEvent.findFirst({
      where: { action: "backup.delete", outcome: "SUCCESS", targetId: backupName("1") },
    });
    expect(audit).toMatchObject({ targetType: "backup", scope: `cluster:${clusterId}` });
  });

  it("refuses to delete a backup that is still running, with the reason", async () => {
    await veleroFaults({ slowMs: 300 });
    try {
      await caller.backup.create({ clusterId, name: backupName("2"), spec });
      await until("the backup to be InProgress", async () => (await rowOf(backupName("2")))?.phase === "InProgress");
      await expect(caller.backup.delete({ clusterId, name: backupName("2") })).rejects.toMatchObject({
        code: "PRECONDITION_FAILED",
        message: expect.stringMatching(/is InProgress: Velero deletes a backup only once it has finished/),
      });
    } finally {
      await veleroFaults({ slowMs: 0 });
    }
    await until(
      "the slowed backup to complete",
      async () => (await rowOf(backupName("2")))?.phase === "Completed",
      60_000,
    );
    expect((await rowOf(backupName("2")))!.deletion).toBeNull();
  }, 90_000);

  it("refuses to delete on a cluster it cannot reach, with the reason", async () => {
    await sync.stopCluster(clusterId);
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const kc = YAML.parse(kubeconfigText(0));
    kc.clusters[0].cluster.server = `https://127.0.0.1:${port}`;
    const { kubeconfigSecretId } = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    await d.sealed.replace(kubeconfigSecretId!, YAML.stringify(kc));

    await expect(caller.backup.delete({ clusterId, name: backupName("2") })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/^Could not delete the backup on east: .*(ECONNREFUSED|refused)/),
    });
    for (let i = 0; i < DISCONNECT_AFTER_FAILED_CHECKS; i++) await checkCluster(d, clusterId);
    const c = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    expect(c.state).toBe("DISCONNECTED");
    await expect(caller.backup.delete({ clusterId, name: backupName("2") })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringContaining(`east is unreachable, last seen`),
    });
    // The last-known state stays listed.
    expect(await rowOf(backupName("2"))).toMatchObject({ phase: "Completed", clusterState: "DISCONNECTED" });
  });
});
