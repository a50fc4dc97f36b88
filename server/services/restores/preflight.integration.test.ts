import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterAccessFor, depsFor } from "../../composition";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import { kubectl } from "@/sandbox/testing/kubectl";
import { CSI_CLASS, CSI_DRIVER } from "@/sandbox/seed";
import { SyncEngine } from "../../sync/engine";
import type { Db } from "../../db/client";
import { restoreFormDefaults, toRestoreInput, type RestoreFormValues } from "@/lib/forms/restore-form";
import { applyFix } from "@/lib/velero/preflight/fixes";
import { compareVersions, versionParts } from "@/lib/velero/versions";
import type { PreflightResult, PredictionRow } from "@/lib/schemas/preflight";
import type { RestoreInput } from "@/lib/schemas/protection";

// The restore pre-flight check (#14 §1–§2) end to end against the sandbox: a namespace on east with a custom resource
// whose CRD only east has and a claim on a storage class only east has, backed up to a location east and west share;
// the check into west finds both (with the fixes the wizard offers), the fixes applied as the wizard applies them pass
// it, and the restore created with its prediction does what was predicted, kind by kind.
let db: Db;
let caller: ReturnType<typeof callerFor>;
let sync: SyncEngine;
const suffix = Date.now().toString(36);
const ns = `pf-${suffix}`;
const storageClass = `fast-ssd-${suffix}`;
const group = `${suffix}.example.io`;
const crd = `widgets.${group}`;
const backupName = `east-pf-${suffix}`;
/** A backup on a location only east has: west's Velero never sees it. */
const eastOnlyBackup = `east-pf-only-${suffix}`;
let eastId = "";
let westId = "";
let groupId = "";
const kc = (i: number) => testSandbox().clusters[i].kubeconfig;
const version = (i: number) => testSandbox().clusters[i].kubernetesVersion;

const cluster = `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: ${storageClass}}
provisioner: ${CSI_DRIVER}
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${crd}}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: v1
kind: Namespace
metadata: {name: ${ns}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop-api, namespace: ${ns}}
spec:
  replicas: 1
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec: {serviceAccountName: shop, containers: [{name: api, image: registry.sandbox.io/shop/api:1.0}]}
---
apiVersion: v1
kind: Service
metadata: {name: shop-api, namespace: ${ns}}
spec:
  selector: {app: shop}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: shop, namespace: ${ns}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: ${ns}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ${storageClass}
  resources: {requests: {storage: 1Gi}}
`;

const widgets = `
apiVersion: ${group}/v1
kind: Widget
metadata: {name: blue, namespace: ${ns}}
spec: {colour: blue}
---
apiVersion: ${group}/v1
kind: Widget
metadata: {name: green, namespace: ${ns}}
spec: {colour: green}
`;

/** The wizard's form for restoring the namespace into west, every other option at its default. */
const form = (backup = backupName): RestoreFormValues => ({
  ...restoreFormDefaults({ clusterId: westId, backupName: backup }),
  scope: "namespaces",
  namespaces: ns,
});
const spec = (v: RestoreFormValues) => toRestoreInput(v) as RestoreInput;

const rowOf = (p: PreflightResult, kind: string, namespace: string | null = ns) =>
  p.prediction?.rows.find((r) => r.kind === kind && r.namespace === namespace);
const counts = (r: PredictionRow | undefined) =>
  r && { create: r.create, skip: r.skip, update: r.update, fail: r.fail, dropped: r.dropped };

/** The version finding the two sandbox clusters call for, east's backup into west (null: none). */
function expectedVersionFinding(): string | null {
  const [source, target] = [version(0), version(1)];
  const [sm, sn] = versionParts(source)!;
  const [tm, tn] = versionParts(target)!;
  if (compareVersions(`${tm}.${tn}`, `${sm}.${sn}`)! < 0) return "version-downgrade";
  if (compareVersions(target, source)! < 0) return "version-patch-older";
  return null;
}

/** The PersistentVolumes of claims in our namespace (provisioned by the sandbox's CSI provisioner). */
async function volumesOf(i: number): Promise<string[]> {
  const got = await kubectl(kc(i), ["get", "pv", "-o", "json"]);
  if (got.code !== 0) return [];
  const items = (JSON.parse(got.out).items ?? []) as {
    metadata: { name: string };
    spec?: { claimRef?: { namespace?: string } };
  }[];
  return items.filter((pv) => pv.spec?.claimRef?.namespace === ns).map((pv) => pv.metadata.name);
}

beforeAll(async () => {
  ({ db } = await freshDatabase());
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  caller = callerFor(db, await signedIn(db, admin));
  const g = await aGroup(db, `preflight-fleet-${suffix}`);
  groupId = g.id;
  for (const [i, name] of [
    [0, "east"],
    [1, "west"],
  ] as const) {
    const c = await caller.cluster.attach({
      kubeconfig: kubeconfigText(i),
      name,
      groupId: g.id,
      description: "",
      labels: {},
    });
    if (i === 0) eastId = c.id;
    else westId = c.id;
  }
  const s3 = testSandbox().s3;
  const cred = await caller.credential.create({
    kind: "AWS_ACCESS_KEY",
    name: "preflight-s3",
    description: "",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  const location = (name: string) =>
    caller.location.create({
      name,
      provider: "S3_COMPATIBLE",
      region: "us-east-1",
      endpoint: s3.endpoint,
      pathStyle: true,
      credentialId: cred.id,
      bucket: "lifeboat-backups",
      prefix: `${name}-it`,
    });
  const shared = await location(`pf-${suffix}`);
  const eastOnly = await location(`pf-east-${suffix}`);
  // One writer per bucket and prefix (#14 §3): east backs up to the shared location, west restores from it.
  await caller.location.assign({
    locationId: shared.id,
    target: { kind: "clusterGroup", id: g.id },
    readOnly: true,
    writers: [eastId],
  });
  await caller.location.assign({ locationId: eastOnly.id, target: { kind: "cluster", id: eastId }, readOnly: false });
  const sealed = depsFor(db).sealed;
  sync = new SyncEngine({ db, clientFor: (id) => clusterAccessFor(db, sealed).forCluster(id) });
  for (const id of [eastId, westId]) sync.startCluster(id);
  await until("the locations to be Available", async () => {
    await caller.location.refresh({ id: shared.id });
    await caller.location.refresh({ id: eastOnly.id });
    const list = await caller.location.list();
    const [s, e] = [shared.id, eastOnly.id].map((id) => list.find((x) => x.id === id)!);
    return (
      s.deployments.length === 2 &&
      e.deployments.length === 1 &&
      [...s.deployments, ...e.deployments].every((d) => d.phase === "Available")
    );
  });

  const applied = await kubectl(kc(0), ["apply", "-f", "-"], cluster);
  expect(applied.code, applied.err).toBe(0);
  // The Widgets once east's API server serves the new CRD.
  await until(
    "the Widgets to be created",
    async () => (await kubectl(kc(0), ["apply", "-f", "-"], widgets)).code === 0,
  );
  await until("the claim to be Bound", async () => {
    const got = await kubectl(kc(0), ["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.status.phase}"]);
    return got.out === "Bound";
  });
}, 120_000);

afterAll(async () => {
  await sync?.stop();
  const volumes = [await volumesOf(0), await volumesOf(1)];
  for (const i of [0, 1]) {
    await kubectl(kc(i), ["delete", "namespace", ns, "--ignore-not-found", "--wait=true"]);
    if (volumes[i].length) await kubectl(kc(i), ["delete", "pv", ...volumes[i], "--ignore-not-found"]);
  }
  await kubectl(kc(0), ["delete", "crd", crd, "--ignore-not-found"]);
  await kubectl(kc(0), ["delete", "storageclass", storageClass, "--ignore-not-found"]);
  await kubectl(kc(1), ["delete", "configmap", "change-storage-class-config", "-n", "velero", "--ignore-not-found"]);
}, 60_000);

describe("restore pre-flight check", () => {
  it("backs up the namespace on east, to the location west shares and to one only east has", async () => {
    for (const [name, location] of [
      [backupName, `lifeboat-pf-${suffix}`],
      [eastOnlyBackup, `lifeboat-pf-east-${suffix}`],
    ])
      await caller.backup.create({
        clusterId: eastId,
        name,
        spec: {
          scope: { kind: "namespaces", include: [ns] },
          volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
          location,
          ttl: { value: 7, unit: "days" },
        },
      });
    await until("both backups to complete", async () => {
      const list = await caller.backup.list({ clusterId: eastId });
      return [backupName, eastOnlyBackup].every((n) => list.some((b) => b.name === n && b.phase === "Completed"));
    });
    await until("west to see the backup on the shared location", async () =>
      (await caller.backup.list({ clusterId: westId })).find((b) => b.name === backupName && b.phase === "Completed"),
    );
  });

  it("into west: the CRD the restore leaves out and the storage class west lacks are errors, each with its fix", async () => {
    const p = await caller.restore.preflight({ clusterId: westId, backupName, spec: spec(form()) });
    expect(p).toMatchObject({ clusterId: westId, clusterName: "west", backupName, verdict: "errors" });
    const versionFinding = expectedVersionFinding();
    expect(p.findings.map((f) => f.id).sort()).toEqual(
      [
        `crd-not-restored:${crd}`,
        `storage-class-missing:${storageClass}`,
        ...(versionFinding ? [versionFinding] : []),
      ].sort(),
    );
    // The stand-in backs the CRD up with its Widgets (an additional item, as Velero does): it is in the backup, but a
    // namespace-scoped restore with cluster-scoped resources on auto leaves it out.
    expect(p.findings.find((f) => f.id === `crd-not-restored:${crd}`)).toMatchObject({
      check: "crds",
      severity: "error",
      count: 2,
      items: expect.arrayContaining([`${ns}/blue`, `${ns}/green`]),
      fix: { kind: "includeClusterResources" },
      altFix: { kind: "excludeResources", resources: [crd] },
    });
    // West's default class (the sandbox's CSI class) is the fix.
    expect(p.findings.find((f) => f.id === `storage-class-missing:${storageClass}`)).toMatchObject({
      check: "storageClasses",
      severity: "error",
      // The claim (and the backed-up volume it was bound to, see the report of #14's pre-flight integration test).
      items: expect.arrayContaining([`claim ${ns}/data`]),
      fix: { kind: "mapStorageClass", from: storageClass, to: CSI_CLASS },
    });
    if (versionFinding === "version-downgrade")
      expect(p.findings.find((f) => f.id === versionFinding)?.title).toBe(
        `Restoring from Kubernetes ${version(0)} into an older ${version(1)}`,
      );

    // The prediction: nothing of the namespace is on west yet, so every restored object is created; the Widgets are
    // passed over (their kind is not served and their CRD is not restored); the claim's CSI volume is re-provisioned.
    expect(p.prediction).not.toBeNull();
    expect(p.prediction!.caveats).toEqual([]);
    const zero = { create: 0, skip: 0, update: 0, fail: 0, dropped: 0 };
    expect(counts(rowOf(p, "Namespace"))).toEqual({ ...zero, create: 1 });
    expect(counts(rowOf(p, "Deployment"))).toEqual({ ...zero, create: 1 });
    expect(counts(rowOf(p, "Service"))).toEqual({ ...zero, create: 1 });
    // Its own and the namespace's "default".
    expect(counts(rowOf(p, "ServiceAccount"))).toEqual({ ...zero, create: 2 });
    expect(counts(rowOf(p, "PersistentVolumeClaim"))).toEqual({ ...zero, create: 1 });
    expect(counts(rowOf(p, "Widget"))).toEqual({ ...zero, dropped: 2 });
    expect(rowOf(p, "Widget")?.groupVersion).toBe(`${group}/v1`);
    expect(counts(rowOf(p, "PersistentVolume", null))).toEqual({ ...zero, skip: 1 });
    expect(p.prediction!.rows.every((r) => r.unknownExisting === null)).toBe(true);
    expect(p.prediction!.total.dropped).toBe(2);
    expect(p.prediction!.total.fail).toBe(0);
  });

  it("with the fixes applied as the wizard applies them (Widgets excluded, the class mapped), the check passes", async () => {
    const first = await caller.restore.preflight({ clusterId: westId, backupName, spec: spec(form()) });
    let v = form();
    for (const f of first.findings.filter((x) => x.severity === "error")) {
      // The CRD finding's second way out: exclude the Widgets (restoring cluster-scoped resources would bring the CRD).
      const fix = f.id.startsWith("crd-not-restored:") ? f.altFix : f.fix;
      expect(fix, f.id).not.toBeNull();
      v = applyFix(v, fix!);
    }
    expect(v.excludeResources).toBe(crd);
    expect(v.scMap).toEqual([{ from: storageClass, to: CSI_CLASS }]);
    const p = await caller.restore.preflight({ clusterId: westId, backupName, spec: spec(v) });
    expect(p.findings.filter((f) => f.severity === "error")).toEqual([]);
    const versionFinding = expectedVersionFinding();
    expect(p.verdict).toBe(versionFinding === "version-downgrade" ? "warnings" : "pass");
    expect(p.findings.map((f) => f.id)).toEqual(versionFinding ? [versionFinding] : []);
    expect(rowOf(p, "Widget")).toBeUndefined();
    expect(counts(rowOf(p, "PersistentVolumeClaim"))).toMatchObject({ create: 1, fail: 0 });
    expect(p.prediction!.total.dropped).toBe(0);
  });

  it("a backup west does not see is checked through the cluster that has it; one no cluster has is NOT_FOUND", async () => {
    const p = await caller.restore.preflight({
      clusterId: westId,
      backupName: eastOnlyBackup,
      spec: spec(form(eastOnlyBackup)),
      sourceClusterId: eastId,
    });
    expect(p.verdict).toBe("errors");
    expect(p.findings.find((f) => f.id === "backup-not-seen")).toMatchObject({
      check: "backup",
      severity: "error",
      title: "west's Velero does not see this backup",
      detail: expect.stringContaining("A backup made on east appears on west"),
    });
    // The wizard offers to share east's location with west (ReadOnly), which an organization admin may do.
    const eastOnly = (await caller.location.list()).find((l) => l.name === `pf-east-${suffix}`)!;
    expect(p.share).toEqual({
      locationId: eastOnly.id,
      locationName: `pf-east-${suffix}`,
      onTarget: false,
      applied: false,
      mayShare: true,
    });
    // Its contents were read on east: the same findings and prediction as the shared backup's.
    expect(p.findings.map((f) => f.id)).toEqual(
      expect.arrayContaining([`crd-not-restored:${crd}`, `storage-class-missing:${storageClass}`]),
    );
    expect(counts(rowOf(p, "Deployment"))).toMatchObject({ create: 1 });

    // Without a source, west alone: nothing to check.
    await expect(
      caller.restore.preflight({ clusterId: westId, backupName: eastOnlyBackup, spec: spec(form(eastOnlyBackup)) }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining(eastOnlyBackup) });
    const missing = `no-such-backup-${suffix}`;
    await expect(
      caller.restore.preflight({
        clusterId: westId,
        backupName: missing,
        spec: spec(form(missing)),
        sourceClusterId: eastId,
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: `No cluster you can see has a backup named ${missing}` });
  });

  it("an operator may check; a viewer may not; a user without a binding is told nothing exists", async () => {
    const request = { clusterId: westId, backupName, spec: spec(form()) };
    const operator = await aUser(db);
    await bind(db, "OPERATOR", { userId: operator.id }, { clusterGroupId: groupId });
    const oc = callerFor(db, await signedIn(db, operator));
    expect((await oc.restore.preflight(request)).verdict).toBe("errors");
    const unseen = await oc.restore.preflight({ ...request, backupName: eastOnlyBackup, sourceClusterId: eastId });
    expect(unseen.findings.map((f) => f.id)).toContain("backup-not-seen");
    // Sharing the location with west needs location.assign there.
    expect(unseen.share).toMatchObject({ onTarget: false, mayShare: false });

    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: groupId });
    const vc = callerFor(db, await signedIn(db, viewer));
    await expect(vc.restore.preflight(request)).rejects.toMatchObject({ code: "FORBIDDEN" });

    const stranger = callerFor(db, await signedIn(db, await aUser(db)));
    // The permission is checked before the cluster is looked up (router-walk: FORBIDDEN or NOT_FOUND).
    await expect(stranger.restore.preflight(request)).rejects.toMatchObject({
      code: expect.stringMatching(/^(FORBIDDEN|NOT_FOUND)$/),
    });
  });

  it("offers the share to a CLUSTER_ADMIN of west only when they also administer every scope the location reaches", async () => {
    const request = {
      clusterId: westId,
      backupName: eastOnlyBackup,
      spec: spec(form(eastOnlyBackup)),
      sourceClusterId: eastId,
    };
    // CLUSTER_ADMIN of west, operator of east, where the location is assigned: its keys are not theirs to give.
    const westAdmin = await aUser(db);
    await bind(db, "OPERATOR", { userId: westAdmin.id }, { clusterGroupId: groupId });
    await bind(db, "CLUSTER_ADMIN", { userId: westAdmin.id }, { clusterId: westId });
    const wc = callerFor(db, await signedIn(db, westAdmin));
    expect((await wc.restore.preflight(request)).share).toMatchObject({
      locationName: `pf-east-${suffix}`,
      onTarget: false,
      mayShare: false,
    });
    const groupAdmin = await aUser(db);
    await bind(db, "CLUSTER_ADMIN", { userId: groupAdmin.id }, { clusterGroupId: groupId });
    const gc = callerFor(db, await signedIn(db, groupAdmin));
    expect((await gc.restore.preflight(request)).share).toMatchObject({
      locationName: `pf-east-${suffix}`,
      onTarget: false,
      mayShare: true,
    });
  });

  it("the restore created with its prediction does what was predicted, kind by kind", async () => {
    let v = form();
    v = applyFix(v, { kind: "excludeResources", resources: [crd] });
    v = applyFix(v, { kind: "mapStorageClass", from: storageClass, to: CSI_CLASS });
    const name = `west-pf-${suffix}`;
    expect(await caller.restore.create({ clusterId: westId, name, backupName, spec: spec(v), predict: true })).toEqual({
      name,
      created: true,
    });
    await until("the restore on west to finish", async () =>
      (await caller.restore.list({ clusterId: westId })).find(
        (x) => x.name === name && ["Completed", "PartiallyFailed", "Failed"].includes(x.phase),
      ),
    );
    const d = await caller.restore.get({ clusterId: westId, name });
    expect(d.phase).toBe("Completed");
    expect(d.downloadError).toBeNull();
    expect(d.prediction).not.toBeNull();
    expect(d.outcome).not.toBeNull();
    const prediction = d.prediction!;
    const outcome = d.outcome!;
    // Each row (namespace, apiVersion, kind) of the prediction against the restore's resource list counted the same
    // way: created = create, updated = update, skipped = skip, failed = fail. Nothing was predicted dropped (the
    // Widgets are excluded), so both have the same rows.
    expect(prediction.total.dropped).toBe(0);
    const key = (r: { namespace: string | null; groupVersion: string; kind: string }) =>
      `${r.namespace ?? ""} ${r.groupVersion}/${r.kind}`;
    const predicted = Object.fromEntries(
      prediction.rows.map((r) => [key(r), { created: r.create, updated: r.update, skipped: r.skip, failed: r.fail }]),
    );
    const did = Object.fromEntries(
      outcome.map((r) => [key(r), { created: r.created, updated: r.updated, skipped: r.skipped, failed: r.failed }]),
    );
    expect(did).toEqual(predicted);
    expect(Object.keys(did)).toEqual(
      expect.arrayContaining([
        `${ns} v1/Namespace`,
        `${ns} apps/v1/Deployment`,
        `${ns} v1/Service`,
        `${ns} v1/ServiceAccount`,
        `${ns} v1/PersistentVolumeClaim`,
        // The claim's CSI volume, re-provisioned rather than restored: skipped, as predicted.
        " v1/PersistentVolume",
      ]),
    );
    expect(Object.keys(did).some((k) => k.endsWith("/Widget"))).toBe(false);

    // And on west: the claim on west's class, no Widgets (their kind is not served there).
    const pvc = await kubectl(kc(1), ["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.storageClassName}"]);
    expect(pvc.out).toBe(CSI_CLASS);
    const deployment = await kubectl(kc(1), ["get", "deployment", "shop-api", "-n", ns, "-o", "name"]);
    expect(deployment.out.trim()).toBe("deployment.apps/shop-api");
  });

  it("shared ReadOnly with west, east's backup is restorable there but deleting it from west is refused with the reason (#14 §3)", async () => {
    const eastOnly = (await caller.location.list()).find((l) => l.name === `pf-east-${suffix}`)!;
    const request = {
      clusterId: westId,
      backupName: eastOnlyBackup,
      spec: spec(form(eastOnlyBackup)),
      sourceClusterId: eastId,
    };
    // West's read model held still, so what west sees changes only as this test says.
    await sync.stopCluster(westId);
    // A different backup of that name on west (made on another cluster): sharing would not bring east's, no offer.
    const other = await db.veleroObject.create({
      data: {
        clusterId: westId,
        kind: "backups",
        namespace: "velero",
        name: eastOnlyBackup,
        uid: `other-${suffix}`,
        resourceVersion: "1",
        phase: "Completed",
        syncedCopy: true,
        originCluster: "elsewhere",
      },
    });
    expect((await caller.restore.preflight(request)).share).toBeNull();
    await db.veleroObject.delete({ where: { id: other.id } });

    await caller.location.assign({ locationId: eastOnly.id, target: { kind: "cluster", id: westId }, readOnly: true });
    // Shared, before Velero's backup sync brings the backup: west holds the location.
    expect((await caller.restore.preflight(request)).share).toEqual({
      locationId: eastOnly.id,
      locationName: `pf-east-${suffix}`,
      onTarget: true,
      applied: true,
      mayShare: true,
    });
    sync.startCluster(westId);
    await until("west to see east's backup through the ReadOnly location", async () =>
      (await caller.backup.list({ clusterId: westId })).some(
        (b) => b.name === eastOnlyBackup && b.phase === "Completed",
      ),
    );
    await expect(caller.backup.delete({ clusterId: westId, name: eastOnlyBackup })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(
        new RegExp(`stored in the location pf-east-${suffix}, which is ReadOnly on west.*Delete the backup on east`),
      ),
    });
    // Nothing was asked of Velero: no DeleteBackupRequest on west.
    const dbrs = await kubectl(kc(1), ["get", "deletebackuprequests", "-n", "velero", "-o", "name"]);
    expect(dbrs.out).not.toContain(eastOnlyBackup);
    // The check into west now sees it.
    const r = await caller.restore.preflight({
      clusterId: westId,
      backupName: eastOnlyBackup,
      spec: spec(form(eastOnlyBackup)),
    });
    expect(r.findings.map((f) => f.id)).not.toContain("backup-not-seen");
  });
});
