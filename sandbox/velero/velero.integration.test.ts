import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { startSandbox, type RunningSandbox } from "../start";
import { objectStoreFor, type ObjectStore } from "../storage/object-store";
import { parseBackupTarball, readTarGz, gunzipJson } from "./archive";
import { admitCustomResource } from "../kube-api/structural-schema";
import { crdsSkipReason, haveCrds, VELERO_CRDS_DIR } from "../testing/paths";

// The Velero stand-in driven through @kubernetes/client-node, as the console will drive a real Velero, with its
// output checked against Velero's documented bucket layout and its objects against Velero's real CRDs.
let sb: RunningSandbox;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-velero-"));
const NS = "velero";
let co1: k8s.CustomObjectsApi;
let co2: k8s.CustomObjectsApi;
let core1: k8s.CoreV1Api;
let core2: k8s.CoreV1Api;
let bucket: ObjectStore;

const until = async <T>(fn: () => Promise<T | undefined | null | false>, ms = 15_000): Promise<T> => {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
};
const ref = (plural: string, version = "v1") => ({ group: "velero.io", version, namespace: NS, plural });
const getObj = async (co: k8s.CustomObjectsApi, plural: string, name: string, version = "v1") =>
  (await co.getNamespacedCustomObject({ ...ref(plural, version), name }).catch(() => null)) as any;
const phaseOf = (co: k8s.CustomObjectsApi, plural: string, name: string, phases: string[]) =>
  until(async () => {
    const o = await getObj(co, plural, name);
    return o && phases.includes(o.status?.phase) ? o : null;
  });
const create = (co: k8s.CustomObjectsApi, plural: string, body: object, version = "v1") =>
  co.createNamespacedCustomObject({
    ...ref(plural, version),
    body: { apiVersion: `velero.io/${version}`, ...body },
  }) as Promise<any>;

function clientsFor(kubeconfig: string) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  return {
    co: kc.makeApiClient(k8s.CustomObjectsApi),
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    ext: kc.makeApiClient(k8s.ApiextensionsV1Api),
  };
}

async function addLocation(
  co: k8s.CustomObjectsApi,
  core: k8s.CoreV1Api,
  name: string,
  prefix: string,
  extra: object = {},
) {
  const cloud = `[default]\naws_access_key_id=${sb.storage.s3.accessKeyId}\naws_secret_access_key=${sb.storage.s3.secretAccessKey}\n`;
  await core
    .createNamespacedSecret({ namespace: NS, body: { metadata: { name: `creds-${name}` }, stringData: { cloud } } })
    .catch(() => undefined);
  await create(co, "backupstoragelocations", {
    kind: "BackupStorageLocation",
    metadata: { name },
    spec: {
      provider: "aws",
      objectStorage: { bucket: "lifeboat-backups", prefix },
      credential: { name: `creds-${name}`, key: "cloud" },
      config: { region: "us-east-1", s3ForcePathStyle: "true", s3Url: sb.storage.s3.endpoint },
      ...extra,
    },
  });
}

describe.skipIf(!haveCrds)("Velero stand-in " + (haveCrds ? "" : crdsSkipReason), () => {
  beforeAll(async () => {
    sb = await startSandbox({
      dir,
      azurePort: null,
      clusters: [
        { name: "east", velero: { version: "v1.18.1", nodeAgent: true, csi: true } },
        {
          name: "west",
          kubernetesVersion: "v1.30.8",
          // A Velero installed without the Azure plugin.
          velero: { version: "v1.18.1", nodeAgent: true, csi: true, objectStorePlugins: ["velero.io/aws"] },
        },
        { name: "bare", velero: false },
      ],
      velero: { syncPeriodMs: 300, validationPeriodMs: 400, gcPeriodMs: 300, scheduleTickMs: 100, volumeDelayMs: 20 },
    });
    ({ co: co1, core: core1 } = clientsFor(sb.clusters[0].kubeconfig));
    ({ co: co2, core: core2 } = clientsFor(sb.clusters[1].kubeconfig));
    bucket = objectStoreFor(
      {
        provider: "aws",
        bucket: "lifeboat-backups",
        prefix: "east",
        config: { region: "us-east-1", s3ForcePathStyle: "true", s3Url: sb.storage.s3.endpoint },
      },
      { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    );
    await addLocation(co1, core1, "default", "east", { default: true });
  }, 60_000);
  afterAll(async () => {
    await sb?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a cluster without Velero has no velero namespace and serves no velero.io kinds", async () => {
    const bare = clientsFor(sb.clusters[2].kubeconfig);
    const nss = (await bare.core.listNamespace()).items.map((n) => n.metadata!.name);
    expect(nss).not.toContain("velero");
    expect(sb.clusters[2].cluster.typeOf("velero.io", "backups")).toBeUndefined();
  });

  it("validates locations by reaching the bucket; foreign top-level folders or an unreachable bucket make one Unavailable", async () => {
    const ok = await phaseOf(co1, "backupstoragelocations", "default", ["Available"]);
    expect(ok.status.lastValidationTime).toBeTruthy();
    const foreign = objectStoreFor(
      {
        provider: "aws",
        bucket: "lifeboat-backups",
        prefix: "foreign",
        config: { region: "us-east-1", s3ForcePathStyle: "true", s3Url: sb.storage.s3.endpoint },
      },
      { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    );
    await foreign.put("photos/cat.jpg", "meow");
    await addLocation(co1, core1, "foreign", "foreign");
    const bad = await phaseOf(co1, "backupstoragelocations", "foreign", ["Unavailable"]);
    expect(bad.status.message).toContain("Backup store contains invalid top-level directories: [photos]");
    sb.clusters[0].velero!.faults.unreachableLocations.push("cut");
    await addLocation(co1, core1, "cut", "cut");
    const cut = await phaseOf(co1, "backupstoragelocations", "cut", ["Unavailable"]);
    expect(cut.status.message).toMatch(/Unreachable/);
  });

  it("keeps a location whose ObjectStore plugin Velero does not run Unavailable, in Velero's words", async () => {
    await create(co2, "serverstatusrequests", { kind: "ServerStatusRequest", metadata: { name: "ssr-w" }, spec: {} });
    const ssr = await phaseOf(co2, "serverstatusrequests", "ssr-w", ["Processed"]);
    const stores = ssr.status.plugins.filter((p: { kind: string }) => p.kind === "ObjectStore");
    expect(stores).toEqual([{ name: "velero.io/aws", kind: "ObjectStore" }]);
    await addLocation(co2, core2, "no-azure", "no-azure", {
      provider: "velero.io/azure",
      config: { storageAccount: "devstoreaccount1", storageAccountURI: "http://127.0.0.1:1/devstoreaccount1" },
    });
    const bsl = await phaseOf(co2, "backupstoragelocations", "no-azure", ["Unavailable"]);
    expect(bsl.status.message).toBe(
      'BackupStorageLocation "no-azure" is unavailable: unable to locate ObjectStore plugin named velero.io/azure',
    );
  });

  it("backs up by label selector, reports progress, and writes Velero's bucket layout", async () => {
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "payments-1" },
      spec: { includedNamespaces: ["*"], labelSelector: { matchLabels: { app: "payments-api" } }, ttl: "24h0m0s" },
    });
    const b = await phaseOf(co1, "backups", "payments-1", [
      "Completed",
      "PartiallyFailed",
      "Failed",
      "FailedValidation",
    ]);
    expect(b.status.phase).toBe("Completed");
    expect(b.status.progress.itemsBackedUp).toBe(b.status.progress.totalItems);
    expect(b.status.formatVersion).toBe("1.1.0");
    expect(b.spec).toMatchObject({
      storageLocation: "default",
      ttl: "24h0m0s",
      csiSnapshotTimeout: "10m0s",
      defaultVolumesToFsBackup: false,
    });
    expect(b.metadata.labels["velero.io/storage-location"]).toBe("default");

    const keys = (await bucket.list("backups/payments-1/")).map((k) => k.replace("backups/payments-1/", ""));
    expect(keys.sort()).toEqual(
      [
        "payments-1-itemoperations.json.gz",
        "payments-1-logs.gz",
        "payments-1-podvolumebackups.json.gz",
        "payments-1-resource-list.json.gz",
        "payments-1-results.gz",
        "payments-1-volumeinfo.json.gz",
        "payments-1-volumesnapshots.json.gz",
        "payments-1.tar.gz",
        "velero-backup.json",
      ].sort(),
    );
    const tarNames = (await readTarGz((await bucket.get("backups/payments-1/payments-1.tar.gz"))!)).map((e) => e.name);
    expect(tarNames[0]).toBe("metadata/version");
    expect(tarNames).toContain("resources/deployments.apps/v1-preferredversion/namespaces/payments/payments-api.json");
    expect(tarNames).toContain("resources/deployments.apps/namespaces/payments/payments-api.json");
    expect(tarNames).toContain("resources/namespaces/cluster/payments.json");
    expect(tarNames.some((n) => n.startsWith("resources/pods/namespaces/payments/payments-api-"))).toBe(true);
    const items = (await parseBackupTarball((await bucket.get("backups/payments-1/payments-1.tar.gz"))!)).items;
    expect(items.every((i) => i.namespace === "payments" || i.namespace === undefined)).toBe(true);
    const list = gunzipJson<Record<string, string[]>>(
      (await bucket.get("backups/payments-1/payments-1-resource-list.json.gz"))!,
    );
    expect(list["apps/v1/Deployment"]).toEqual(["payments/payments-api"]);
    const stored = JSON.parse((await bucket.get("backups/payments-1/velero-backup.json"))!.toString());
    expect(stored).toMatchObject({ kind: "Backup", metadata: { name: "payments-1" }, status: { phase: "Completed" } });
    const results = gunzipJson<any>((await bucket.get("backups/payments-1/payments-1-results.gz"))!);
    expect(results).toMatchObject({ errors: { velero: [], cluster: [], namespaces: {} } });
    expect(zlib.gunzipSync((await bucket.get("backups/payments-1/payments-1-logs.gz"))!).toString()).toContain(
      "backup=velero/payments-1",
    );
  });

  it("decides volumes as Velero does: FSB opt-in, opt-out excludes, CSI snapshots, non-CSI skipped", async () => {
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "volumes-1" },
      spec: { includedNamespaces: ["web-cache", "payments", "model-serving", "cassandra"] },
    });
    await phaseOf(co1, "backups", "volumes-1", ["Completed", "PartiallyFailed"]);
    const infos = gunzipJson<any[]>((await bucket.get("backups/volumes-1/volumes-1-volumeinfo.json.gz"))!);
    const by = (pred: (v: any) => boolean) => infos.filter(pred);
    expect(by((v) => v.backupMethod === "PodVolumeBackup" && v.pvbInfo?.volumeName === "cache")).toHaveLength(1); // opt-in annotation
    expect(by((v) => v.pvbInfo?.volumeName === "tmp")).toHaveLength(0); // not opted in (and excluded)
    expect(
      by((v) => v.backupMethod === "CSISnapshot")
        .map((v) => v.pvcName)
        .sort(),
    ).toEqual([
      "cassandra-data-cassandra-0",
      "cassandra-data-cassandra-1",
      "cassandra-data-cassandra-2",
      "payments-data",
    ]);
    expect(by((v) => v.pvcName === "my-model-pvc")[0]).toMatchObject({
      skipped: true,
      skippedReason: "no applicable volumesnapshotter found",
    });
    const pvbs = (await co1.listNamespacedCustomObject({
      ...ref("podvolumebackups"),
      labelSelector: "velero.io/backup-name=volumes-1",
    })) as any;
    expect(pvbs.items).toHaveLength(1);
    expect(pvbs.items[0]).toMatchObject({
      spec: { volume: "cache", uploaderType: "kopia", pod: { namespace: "web-cache" } },
      status: { phase: "Completed" },
    });
    expect((await bucket.list("kopia/web-cache/")).length).toBe(1);
    const tar = (await parseBackupTarball((await bucket.get("backups/volumes-1/volumes-1.tar.gz"))!)).items;
    const pvc = tar.find((i) => i.resource === "persistentvolumeclaims" && i.name === "payments-data")!.object as any;
    expect(pvc.metadata.annotations["velero.io/volume-snapshot-name"]).toMatch(/^velero-payments-data-/);
    expect(tar.some((i) => i.resource === "volumesnapshots" && i.namespace === "payments")).toBe(true);
    expect(tar.some((i) => i.resource === "persistentvolumes")).toBe(true);
  });

  it("covers issue #13's cases as Velero does: no storage class, no VolumeSnapshotClass, a Pending pod, hostPath, a node without node-agent", async () => {
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "coverage-1" },
      spec: { includedNamespaces: ["batch-jobs", "analytics"] },
    });
    const b = await phaseOf(co1, "backups", "coverage-1", ["Completed", "PartiallyFailed", "Failed"]);
    expect(b.status).toMatchObject({ phase: "PartiallyFailed", errors: 3, warnings: 2 });
    expect(b.status.csiVolumeSnapshotsAttempted).toBeUndefined();
    const pods = (await core1.listNamespacedPod({ namespace: "analytics" })).items;
    const pod = (app: string) => pods.find((p) => p.metadata!.labels?.app === app)!.metadata!.name!;
    const [pending, notebook] = [pod("spark-history"), pod("gpu-notebook")];

    const results = gunzipJson<any>((await bucket.get("backups/coverage-1/coverage-1-results.gz"))!);
    const action = (ns: string, pvc: string) =>
      `error executing custom action (groupResource=persistentvolumeclaims, namespace=${ns}, name=${pvc}): rpc error: code = Unknown desc = `;
    expect(results.errors.namespaces["batch-jobs"]).toEqual([
      `${action("batch-jobs", "reports-archive")}Cannot snapshot PVC batch-jobs/reports-archive, PVC has no storage class.`,
    ]);
    expect([...results.errors.namespaces.analytics].sort()).toEqual(
      [
        `${action("analytics", "data-clickhouse-0")}failed to get VolumeSnapshotClass for StorageClass fast-nvme: ` +
          "error getting VolumeSnapshotClass: failed to get VolumeSnapshotClass for provisioner nvme.csi.sandbox.io: " +
          "ensure that the desired VolumeSnapshotClass has the velero.io/csi-volumesnapshot-class label or " +
          "snapshot.storage.kubernetes.io/is-default-class annotation, and that its driver matches the StorageClass provisioner",
        `error backing up item: pods analytics/${notebook}: daemonset pod not found in running state in node node-4`,
      ].sort(),
    );
    const notScheduled = `pod is not scheduled, name=${pending}, namespace=analytics, phase=Pending`;
    const noAgent = "daemonset pod not found in running state in node node-4";
    expect([...results.warnings.namespaces.analytics].sort()).toEqual(
      [
        `Skip pod volume event-logs of pod analytics/${pending}: ${notScheduled}`,
        `Skip pod volume workspace of pod analytics/${notebook}: ${noAgent}`,
      ].sort(),
    );
    expect(results.warnings.namespaces["batch-jobs"]).toBeUndefined(); // the hostPath volume is simply not chosen

    // Volume information: the two chosen file-system backups, skipped with Velero's reasons; nothing else (the claims
    // the CSI action failed have no entry, the hostPath volume was never a candidate).
    const infos = gunzipJson<any[]>((await bucket.get("backups/coverage-1/coverage-1-volumeinfo.json.gz"))!);
    expect(infos.map((v) => v.pvcName).sort()).toEqual(["notebook-workspace", "spark-event-logs"]);
    expect(infos.find((v) => v.pvcName === "spark-event-logs")).toMatchObject({
      pvcNamespace: "analytics",
      backupMethod: "PodVolumeBackup",
      skipped: true,
      skippedReason: `encountered a problem with backing up the PVC of pod analytics/${pending}: ${notScheduled}`,
      pvInfo: { reclaimPolicy: "Delete" },
    });
    expect(infos.find((v) => v.pvcName === "notebook-workspace")).toMatchObject({
      skipped: true,
      skippedReason: `encountered a problem with backing up the PVC of pod analytics/${notebook}: ${noAgent}`,
    });
    expect(infos.every((v) => !v.pvbInfo && v.pvName)).toBe(true);

    // No PodVolumeBackup, no snapshot, no kopia data; the objects themselves are all in the tarball.
    const pvbs = (await co1.listNamespacedCustomObject({
      ...ref("podvolumebackups"),
      labelSelector: "velero.io/backup-name=coverage-1",
    })) as any;
    expect(pvbs.items).toEqual([]);
    expect(await bucket.list("kopia/analytics/")).toEqual([]);
    expect(await bucket.list("kopia/batch-jobs/")).toEqual([]);
    const tar = (await parseBackupTarball((await bucket.get("backups/coverage-1/coverage-1.tar.gz"))!)).items;
    expect(tar.filter((i) => i.resource === "volumesnapshots")).toEqual([]);
    expect(tar.some((i) => i.resource === "pods" && i.name === pending)).toBe(true);
    expect(tar.some((i) => i.resource === "daemonsets" && i.name === "log-shipper")).toBe(true);
    expect(tar.some((i) => i.resource === "persistentvolumes" && i.name === "reports-archive-2021")).toBe(true);
    const archive = tar.find((i) => i.resource === "persistentvolumeclaims" && i.name === "reports-archive")!
      .object as any;
    expect(archive.spec.storageClassName).toBeUndefined();
  });

  it("fails a claim without a storage class even when the backup takes no snapshots (the CSI action checks it first)", async () => {
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "coverage-2" },
      spec: { includedNamespaces: ["batch-jobs"], snapshotVolumes: false },
    });
    const b = await phaseOf(co1, "backups", "coverage-2", ["Completed", "PartiallyFailed", "Failed"]);
    expect(b.status).toMatchObject({ phase: "PartiallyFailed", errors: 1 });
    const results = gunzipJson<any>((await bucket.get("backups/coverage-2/coverage-2-results.gz"))!);
    expect(results.errors.namespaces["batch-jobs"][0]).toContain(
      "Cannot snapshot PVC batch-jobs/reports-archive, PVC has no storage class.",
    );
  });

  it("keeps the node-agent off the tainted GPU node: its pods and numbers stay at three nodes, kube-proxy runs on all four", async () => {
    const apps = clientsFor(sb.clusters[0].kubeconfig).apps;
    const nodes = (await core1.listNode()).items;
    expect(nodes.map((n) => n.metadata!.name).sort()).toEqual(["node-1", "node-2", "node-3", "node-4"]);
    expect(nodes.find((n) => n.metadata!.name === "node-4")!.spec!.taints).toEqual([
      { key: "dedicated", value: "gpu", effect: "NoSchedule" },
    ]);
    const agents = (await core1.listNamespacedPod({ namespace: NS, labelSelector: "role=node-agent" })).items;
    expect(agents.map((p) => p.spec!.nodeName).sort()).toEqual(["node-1", "node-2", "node-3"]);
    const ds = await apps.readNamespacedDaemonSet({ name: "node-agent", namespace: NS });
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3 });
    const proxies = (await core1.listNamespacedPod({ namespace: "kube-system", labelSelector: "k8s-app=kube-proxy" }))
      .items;
    expect(proxies.map((p) => p.spec!.nodeName).sort()).toEqual(["node-1", "node-2", "node-3", "node-4"]);
    const proxy = await apps.readNamespacedDaemonSet({ name: "kube-proxy", namespace: "kube-system" });
    expect(proxy.status).toMatchObject({ desiredNumberScheduled: 4, numberReady: 4 });
  });

  it("moves snapshot data with DataUploads when asked, and the local snapshot is removed", async () => {
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "moved-1" },
      spec: { includedNamespaces: ["payments"], snapshotMoveData: true },
    });
    const b = await phaseOf(co1, "backups", "moved-1", ["Completed", "PartiallyFailed"]);
    expect(b.status).toMatchObject({
      phase: "Completed",
      backupItemOperationsAttempted: 1,
      backupItemOperationsCompleted: 1,
    });
    const dus = (await co1.listNamespacedCustomObject({
      ...ref("datauploads", "v2alpha1"),
      labelSelector: "velero.io/backup-name=moved-1",
    })) as any;
    expect(dus.items[0]).toMatchObject({
      spec: { sourcePVC: "payments-data", snapshotType: "CSI" },
      status: { phase: "Completed" },
    });
    const infos = gunzipJson<any[]>((await bucket.get("backups/moved-1/moved-1-volumeinfo.json.gz"))!);
    expect(infos.find((v) => v.pvcName === "payments-data")).toMatchObject({
      backupMethod: "CSISnapshot",
      snapshotDataMoved: true,
      result: "succeeded",
    });
    const tar = (await parseBackupTarball((await bucket.get("backups/moved-1/moved-1.tar.gz"))!)).items;
    expect(tar.some((i) => i.resource === "datauploads" && i.group === "velero.io")).toBe(true);
  });

  it("queues backups one at a time with a queue position", async () => {
    // q-2 is Queued only while q-1 runs: slow enough (a delay per item, read when a backup starts) that a poll sees it.
    sb.clusters[0].velero!.faults.slowMs = 100;
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "q-1" },
      spec: { includedNamespaces: ["guestbook"] },
    });
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "q-2" },
      spec: { includedNamespaces: ["guestbook"] },
    });
    const queued = await until(async () => {
      const o = await getObj(co1, "backups", "q-2");
      return o?.status?.phase === "Queued" && o.status.queuePosition >= 1 ? o : null;
    });
    expect(queued.status.queuePosition).toBeGreaterThanOrEqual(1);
    sb.clusters[0].velero!.faults.slowMs = 0;
    await phaseOf(co1, "backups", "q-2", ["Completed"]);
  });

  it("fails chosen items (PartiallyFailed with the errors in the results) and refuses invalid specs (FailedValidation)", async () => {
    sb.clusters[0].velero!.faults.failItems = ["configmaps/web-cache/*"];
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "partial-1" },
      spec: { includedNamespaces: ["web-cache"] },
    });
    const b = await phaseOf(co1, "backups", "partial-1", ["PartiallyFailed", "Completed"]);
    sb.clusters[0].velero!.faults.failItems = [];
    expect(b.status.phase).toBe("PartiallyFailed");
    expect(b.status.errors).toBeGreaterThanOrEqual(1);
    const results = gunzipJson<any>((await bucket.get("backups/partial-1/partial-1-results.gz"))!);
    expect(results.errors.namespaces["web-cache"][0]).toContain("fault injected");

    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "invalid-1" },
      spec: { labelSelector: { matchLabels: { a: "b" } }, orLabelSelectors: [{ matchLabels: { c: "d" } }] },
    });
    const v = await phaseOf(co1, "backups", "invalid-1", ["FailedValidation"]);
    expect(v.status.validationErrors[0]).toContain("only one can be specified");
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "nowhere-1" },
      spec: { storageLocation: "missing" },
    });
    expect((await phaseOf(co1, "backups", "nowhere-1", ["FailedValidation"])).status.validationErrors[0]).toContain(
      '"missing" not found',
    );
  });

  it("after a crash mid-backup, the restarted server marks the InProgress backup Failed", async () => {
    const old = sb.clusters[0].velero!;
    old.faults.crashAfterItems = 3;
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "crashed-1" },
      spec: { includedNamespaces: ["guestbook"] },
    });
    await phaseOf(co1, "backups", "crashed-1", ["InProgress"]);
    await until(async () => old.ctx.crashed);
    old.faults.crashAfterItems = null; // the switches belong to the cluster and outlive the process
    await sb.clusters[0].supervisor.restart(); // the pod restarted: a new server with the same configuration
    expect(sb.clusters[0].velero).not.toBe(old);
    const b = await phaseOf(co1, "backups", "crashed-1", ["Failed"]);
    expect(b.status.failureReason).toBe(
      'found a backup with status "InProgress" during the server starting, mark it as "Failed"',
    );
  });

  it("answers DownloadRequests with a URL that serves the file, and ServerStatusRequests with version and plugins", async () => {
    await create(co1, "downloadrequests", {
      kind: "DownloadRequest",
      metadata: { name: "logs-1" },
      spec: { target: { kind: "BackupLog", name: "payments-1" } },
    });
    const dr = await phaseOf(co1, "downloadrequests", "logs-1", ["Processed"]);
    const res = await fetch(dr.status.downloadURL);
    expect(res.ok).toBe(true);
    expect(zlib.gunzipSync(Buffer.from(await res.arrayBuffer())).toString()).toContain("Backed up a total of");
    await create(co1, "serverstatusrequests", { kind: "ServerStatusRequest", metadata: { name: "ssr-1" }, spec: {} });
    const ssr = await phaseOf(co1, "serverstatusrequests", "ssr-1", ["Processed"]);
    expect(ssr.status.serverVersion).toBe("v1.18.1");
    expect(ssr.status.plugins).toEqual(
      expect.arrayContaining([
        { name: "velero.io/aws", kind: "ObjectStore" },
        { name: "velero.io/csi-pvc-backupper", kind: "BackupItemAction" },
      ]),
    );
  });

  it("creates scheduled backups named <schedule>-<timestamp> with the schedule label, and not while paused", async () => {
    await create(co1, "schedules", {
      kind: "Schedule",
      metadata: { name: "hourly" },
      spec: { schedule: "@every 1h", template: { includedNamespaces: ["guestbook"], ttl: "2h0m0s" } },
    });
    const s = await until(async () =>
      (await getObj(co1, "schedules", "hourly"))?.status?.lastBackup ? getObj(co1, "schedules", "hourly") : null,
    );
    expect(s.status.phase).toBe("Enabled");
    const backups = (await co1.listNamespacedCustomObject({
      ...ref("backups"),
      labelSelector: "velero.io/schedule-name=hourly",
    })) as any;
    expect(backups.items).toHaveLength(1);
    expect(backups.items[0].metadata.name).toMatch(/^hourly-\d{14}$/);
    expect(backups.items[0].spec.ttl).toBe("2h0m0s");
    await create(co1, "schedules", {
      kind: "Schedule",
      metadata: { name: "broken" },
      spec: { schedule: "61 * * * *", template: {} },
    });
    expect((await phaseOf(co1, "schedules", "broken", ["FailedValidation"])).status.validationErrors[0]).toContain(
      "invalid schedule",
    );
    await create(co1, "schedules", {
      kind: "Schedule",
      metadata: { name: "paused" },
      spec: { schedule: "* * * * *", paused: true, template: {} },
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(
      (
        (await co1.listNamespacedCustomObject({
          ...ref("backups"),
          labelSelector: "velero.io/schedule-name=paused",
        })) as any
      ).items,
    ).toHaveLength(0);
  });

  it("skipImmediately records lastSkipped instead of running, once, on creation and on unpause of a due schedule", async () => {
    const patch = (name: string, body: object) =>
      co1.patchNamespacedCustomObject(
        { ...ref("schedules"), name, body },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      );
    const backupsOf = async (name: string) =>
      (
        (await co1.listNamespacedCustomObject({
          ...ref("backups"),
          labelSelector: `velero.io/schedule-name=${name}`,
        })) as any
      ).items as any[];
    const skipped = (name: string, after = "") =>
      until(async () => {
        const o = await getObj(co1, "schedules", name);
        return o?.status?.lastSkipped && o.status.lastSkipped > after ? o : null;
      });

    // On creation: skipped, the flag cleared, no backup.
    await create(co1, "schedules", {
      kind: "Schedule",
      metadata: { name: "skip-new" },
      spec: { schedule: "0 3 * * *", skipImmediately: true, template: {} },
    });
    const created = await skipped("skip-new");
    expect(created.spec.skipImmediately).toBe(false);
    expect(created.status.lastBackup).toBeUndefined();
    expect(await backupsOf("skip-new")).toHaveLength(0);

    // A paused schedule whose last backup was two days ago: its daily run fell due while paused.
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await create(co1, "schedules", {
      kind: "Schedule",
      metadata: { name: "due" },
      spec: { schedule: "0 3 * * *", paused: true, template: {} },
    });
    await patch("due", { status: { lastBackup: twoDaysAgo } });
    // Unpaused with skipImmediately in one patch: skipped, not run.
    await patch("due", { spec: { paused: false, skipImmediately: true } });
    const resumed = await skipped("due");
    expect(resumed.spec).toMatchObject({ paused: false, skipImmediately: false });
    expect(resumed.status.lastBackup).toBe(twoDaysAgo);
    expect(await backupsOf("due")).toHaveLength(0);

    // Paused again with the run due once more (no lastSkipped): unpausing without the flag runs it at once.
    await patch("due", { spec: { paused: true } });
    await patch("due", { status: { lastSkipped: null } });
    await patch("due", { spec: { paused: false } });
    const ran = await until(async () => {
      const o = await getObj(co1, "schedules", "due");
      return o?.status?.lastBackup && o.status.lastBackup !== twoDaysAgo ? o : null;
    });
    expect(ran.status.lastSkipped).toBeUndefined();
    const backups = await backupsOf("due");
    expect(backups).toHaveLength(1);
    expect(backups[0].metadata.name).toMatch(/^due-\d{14}$/);
  });

  it("restores a deleted namespace with its objects, labelled with the backup and restore", async () => {
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "guestbook-1" },
      spec: { includedNamespaces: ["guestbook"] },
    });
    await phaseOf(co1, "backups", "guestbook-1", ["Completed"]);
    const before = (await core1.listNamespacedService({ namespace: "guestbook" })).items
      .map((s) => s.metadata!.name)
      .sort();
    await core1.deleteNamespace({ name: "guestbook" });
    await until(async () => !(await core1.readNamespace({ name: "guestbook" }).catch(() => null)));
    await create(co1, "restores", {
      kind: "Restore",
      metadata: { name: "guestbook-r1" },
      spec: { backupName: "guestbook-1" },
    });
    const r = await phaseOf(co1, "restores", "guestbook-r1", [
      "Completed",
      "PartiallyFailed",
      "Failed",
      "FailedValidation",
    ]);
    expect(r.status.phase).toBe("Completed");
    const svcs = (await core1.listNamespacedService({ namespace: "guestbook" })).items;
    expect(svcs.map((s) => s.metadata!.name).sort()).toEqual(before);
    expect(svcs[0].metadata!.labels).toMatchObject({
      "velero.io/backup-name": "guestbook-1",
      "velero.io/restore-name": "guestbook-r1",
    });
    const keys = await bucket.list("restores/guestbook-r1/");
    expect(keys.map((k) => k.split("/").pop()).sort()).toEqual([
      "guestbook-r1-volumeinfo.json.gz",
      "restore-guestbook-r1-logs.gz",
      "restore-guestbook-r1-resource-list.json.gz",
      "restore-guestbook-r1-results.gz",
    ]);
  });

  it("cross-cluster: a backup from east appears on west through a location on the same bucket and is restored with a namespace mapping", async () => {
    await addLocation(co2, core2, "from-east", "east", { accessMode: "ReadOnly" });
    const synced = await until(async () => getObj(co2, "backups", "payments-1"));
    expect(synced.spec.storageLocation).toBe("from-east");
    expect(synced.status.phase).toBe("Completed");
    await create(co2, "restores", {
      kind: "Restore",
      metadata: { name: "payments-to-west" },
      spec: { backupName: "payments-1", namespaceMapping: { payments: "payments-copy" } },
    });
    const r = await phaseOf(co2, "restores", "payments-to-west", [
      "Completed",
      "PartiallyFailed",
      "Failed",
      "FailedValidation",
    ]);
    expect(r.status.phase).toBe("Completed");
    const appsEast = clientsFor(sb.clusters[0].kubeconfig).apps;
    const appsWest = clientsFor(sb.clusters[1].kubeconfig).apps;
    const src = await appsEast.readNamespacedDeployment({ name: "payments-api", namespace: "payments" });
    const dst = await appsWest.readNamespacedDeployment({ name: "payments-api", namespace: "payments-copy" });
    expect(dst.spec).toEqual(src.spec); // field by field
    const { "velero.io/backup-name": b, "velero.io/restore-name": rn, ...dstLabels } = dst.metadata!.labels ?? {};
    expect([b, rn]).toEqual(["payments-1", "payments-to-west"]);
    expect(dstLabels).toEqual(src.metadata!.labels ?? {});
    const pvc = await core2.readNamespacedPersistentVolumeClaim({ name: "payments-data", namespace: "payments-copy" });
    expect(pvc.spec!.storageClassName).toBe("csi-standard");
    // The secondary's ReadOnly location keeps it from deleting the primary's data.
    await create(co2, "deletebackuprequests", {
      kind: "DeleteBackupRequest",
      metadata: { name: "try-delete" },
      spec: { backupName: "payments-1" },
    });
    expect((await phaseOf(co2, "deletebackuprequests", "try-delete", ["Processed"])).status.errors[0]).toContain(
      "read-only",
    );
    expect(await bucket.exists("backups/payments-1/velero-backup.json")).toBe(true);
  });

  describe("kinds the target cluster does not serve, as Velero 1.18 restores them", () => {
    const crd = (plural: string, kind: string, versions: { name: string; served: boolean; storage: boolean }[]) => ({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `${plural}.example.com` },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
        versions: versions.map((v) => ({
          ...v,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
            },
          },
        })),
      },
    });
    /** On east: the CRD, a namespace named after its plural, and two custom resources in it. */
    async function seedEast(plural: string, kind: string) {
      const { co, core, ext } = clientsFor(sb.clusters[0].kubeconfig);
      await ext.createCustomResourceDefinition({
        body: crd(plural, kind, [{ name: "v1", served: true, storage: true }]),
      });
      await core.createNamespace({ body: { metadata: { name: plural } } });
      for (const [n, size] of [
        ["a", 1],
        ["b", 2],
      ] as const)
        await co.createNamespacedCustomObject({
          group: "example.com",
          version: "v1",
          namespace: plural,
          plural,
          body: {
            apiVersion: "example.com/v1",
            kind,
            metadata: { name: `${kind.toLowerCase()}-${n}` },
            spec: { size },
          },
        });
    }
    /** Backs up on east, waits for the backup on west (through the read-only location on east's prefix), restores there. */
    async function backupAndRestoreOnWest(backup: string, backupSpec: object) {
      await create(co1, "backups", { kind: "Backup", metadata: { name: backup }, spec: backupSpec });
      expect((await phaseOf(co1, "backups", backup, ["Completed", "PartiallyFailed", "Failed"])).status.phase).toBe(
        "Completed",
      );
      if (!(await getObj(co2, "backupstoragelocations", "from-east")))
        await addLocation(co2, core2, "from-east", "east", { accessMode: "ReadOnly" });
      await until(async () => getObj(co2, "backups", backup));
      const restore = `${backup}-to-west`;
      await create(co2, "restores", { kind: "Restore", metadata: { name: restore }, spec: { backupName: backup } });
      const r = await phaseOf(co2, "restores", restore, ["Completed", "PartiallyFailed", "Failed", "FailedValidation"]);
      const file = async (f: string) => (await bucket.get(`restores/${restore}/${f}`))!;
      return {
        r,
        log: zlib.gunzipSync(await file(`restore-${restore}-logs.gz`)).toString(),
        results: gunzipJson<any>(await file(`restore-${restore}-results.gz`)),
        list: gunzipJson<Record<string, string[]>>(await file(`restore-${restore}-resource-list.json.gz`)),
      };
    }
    const skipLine = (resource: string) =>
      new RegExp(
        `level=info msg="Skipping restore of resource because it cannot be resolved via discovery" logSource="pkg/restore/restore.go" resource=${resource.replace(/\./g, "\\.")} restore=velero/`,
      );

    it("restores custom resources whose CRD the same restore brings, after the CRD", async () => {
      await seedEast("gadgets", "Gadget");
      expect(sb.clusters[1].cluster.typeOf("example.com", "gadgets")).toBeUndefined();
      const { r, log, results, list } = await backupAndRestoreOnWest("gadgets-1", { includedNamespaces: ["gadgets"] });
      expect(r.status.phase).toBe("Completed");
      expect(r.status.errors).toBeUndefined();
      expect(results.errors).toEqual({ velero: [], cluster: [], namespaces: {} });
      expect(list["apiextensions.k8s.io/v1/CustomResourceDefinition"]).toEqual(["gadgets.example.com(created)"]);
      expect(list["example.com/v1/Gadget"]).toEqual(["gadgets/gadget-a(created)", "gadgets/gadget-b(created)"]);
      expect(log).not.toContain("cannot be resolved via discovery");
      const { co, ext } = clientsFor(sb.clusters[1].kubeconfig);
      const restoredCrd = await ext.readCustomResourceDefinition({ name: "gadgets.example.com" });
      const gadgets = (
        (await co.listNamespacedCustomObject({
          group: "example.com",
          version: "v1",
          namespace: "gadgets",
          plural: "gadgets",
        })) as any
      ).items;
      expect(gadgets.map((g: any) => [g.metadata.name, g.spec.size])).toEqual([
        ["gadget-a", 1],
        ["gadget-b", 2],
      ]);
      // Written after the CRD: every custom resource's resourceVersion is past the CRD's.
      for (const g of gadgets)
        expect(Number(g.metadata.resourceVersion)).toBeGreaterThan(Number(restoredCrd.metadata!.resourceVersion));
      expect(gadgets[0].metadata.labels).toMatchObject({ "velero.io/restore-name": "gadgets-1-to-west" });
    });

    it("skips custom resources whose CRD is neither on the target nor in the backup: an info line, no error", async () => {
      await seedEast("widgets", "Widget");
      const { r, log, results, list } = await backupAndRestoreOnWest("widgets-1", {
        includedNamespaces: ["widgets"],
        includeClusterResources: false,
      });
      expect(r.status.phase).toBe("Completed");
      expect(r.status.errors).toBeUndefined();
      expect(r.status.warnings).toBeUndefined();
      expect(results).toEqual({
        errors: { velero: [], cluster: [], namespaces: {} },
        warnings: { velero: [], cluster: [], namespaces: {} },
      });
      expect(log).toMatch(skipLine("widgets.example.com"));
      expect(log.match(/cannot be resolved via discovery/g)).toHaveLength(1); // once per group-resource
      // Not in the resource list, not counted: the namespace (and its default ServiceAccount) are all there is. The
      // namespace is made for the first item restored into it, not restored as an item: it is not counted either.
      expect(list["v1/Namespace"]).toEqual(["widgets(created)"]);
      expect(Object.keys(list).filter((k) => k.startsWith("example.com/"))).toEqual([]);
      const { ["v1/Namespace"]: _namespaces, ...items } = list;
      expect(r.status.progress.totalItems).toBe(Object.values(items).flat().length);
      expect(r.status.progress.itemsRestored).toBe(r.status.progress.totalItems);
      expect(sb.clusters[1].cluster.typeOf("example.com", "widgets")).toBeUndefined();
      expect(await core2.readNamespace({ name: "widgets" })).toBeTruthy();
    });

    it("fails an item whose group-resource the target knows at another version only (PartiallyFailed, 404 in the results)", async () => {
      await seedEast("gizmos", "Gizmo");
      // West knows gizmos.example.com, at v2; v1 is defined there but no longer served.
      await clientsFor(sb.clusters[1].kubeconfig).ext.createCustomResourceDefinition({
        body: crd("gizmos", "Gizmo", [
          { name: "v2", served: true, storage: true },
          { name: "v1", served: false, storage: false },
        ]),
      });
      const { r, log, results, list } = await backupAndRestoreOnWest("gizmos-1", {
        includedNamespaces: ["gizmos"],
        includeClusterResources: false,
      });
      expect(r.status.phase).toBe("PartiallyFailed");
      expect(r.status.errors).toBe(2);
      expect(results.errors).toEqual({
        velero: [],
        cluster: [],
        namespaces: {
          gizmos: [
            "error restoring gizmos.example.com/gizmos/gizmo-a: the server could not find the requested resource",
            "error restoring gizmos.example.com/gizmos/gizmo-b: the server could not find the requested resource",
          ],
        },
      });
      expect(list["v1/Namespace"]).toEqual(["gizmos(created)"]);
      expect(list["example.com/v1/Gizmo"]).toEqual(["gizmos/gizmo-a(failed)", "gizmos/gizmo-b(failed)"]);
      expect(Object.keys(list).filter((k) => k.startsWith("example.com/"))).toEqual(["example.com/v1/Gizmo"]);
      expect(log).not.toContain("cannot be resolved via discovery");
      expect(log).toContain(
        'level=error msg="error restoring gizmos.example.com/gizmos/gizmo-a: the server could not find the requested resource"',
      );
      const gizmos = sb.clusters[1].cluster.typeOf("example.com", "gizmos")!;
      expect(sb.clusters[1].cluster.list(gizmos, "gizmos").items).toEqual([]);
    });
  });

  it("deletes a backup through a DeleteBackupRequest: bucket data first, then the Backup", async () => {
    await create(co1, "deletebackuprequests", {
      kind: "DeleteBackupRequest",
      metadata: { name: "del-1" },
      spec: { backupName: "partial-1" },
    });
    await phaseOf(co1, "deletebackuprequests", "del-1", ["Processed"]);
    expect(await bucket.list("backups/partial-1/")).toEqual([]);
    expect(await getObj(co1, "backups", "partial-1")).toBeNull();
  });

  it("expires backups past their TTL through garbage collection", async () => {
    // A short TTL would race the test: under load a backup can complete after its expiration and be collected before
    // a poll sees it Completed. So the TTL is long, checked in status.expiration, and then moved into the past, as the
    // passing of time would (Backup declares no status subresource: status is written through the object).
    await create(co1, "backups", {
      kind: "Backup",
      metadata: { name: "short-lived" },
      spec: { includedNamespaces: ["mysql"], ttl: "1h" },
    });
    const done = await phaseOf(co1, "backups", "short-lived", ["Completed"]);
    // Both are cut to the second and taken a moment apart: a second's boundary may fall between them.
    const ttlMs = Date.parse(done.status.expiration) - Date.parse(done.status.startTimestamp);
    expect(ttlMs).toBeGreaterThanOrEqual(3_599_000);
    expect(ttlMs).toBeLessThanOrEqual(3_600_000);
    expect(await bucket.exists("backups/short-lived/velero-backup.json")).toBe(true);
    await co1.patchNamespacedCustomObject(
      {
        ...ref("backups"),
        name: "short-lived",
        body: { status: { expiration: new Date(Date.now() - 1_000).toISOString().replace(/\.\d{3}Z$/, "Z") } },
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    // GC runs every 300 ms here; under a full test run's load a pass can lag well behind, so the wait is generous.
    await until(async () => !(await getObj(co1, "backups", "short-lived")), 60_000);
    expect(await bucket.exists("backups/short-lived/velero-backup.json")).toBe(false);
  }, 90_000);

  it("every velero.io object the stand-in wrote validates against Velero's CRDs", () => {
    const schemas = new Map<string, any>();
    for (const f of fs.readdirSync(VELERO_CRDS_DIR).filter((f) => f.endsWith(".yaml"))) {
      const crd = parseYaml(fs.readFileSync(path.join(VELERO_CRDS_DIR, f), "utf8"));
      for (const v of crd.spec.versions) schemas.set(`${crd.spec.names.plural}/${v.name}`, v.schema.openAPIV3Schema);
    }
    let checked = 0;
    for (const c of sb.clusters.slice(0, 2)) {
      for (const t of c.cluster.allTypes().filter((t) => t.group === "velero.io")) {
        for (const o of c.cluster.list(t, NS).items) {
          const r = admitCustomResource(o, schemas.get(`${t.resource}/${t.version}`));
          expect(r.errors, `${t.resource}/${o.metadata.name}`).toEqual([]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
