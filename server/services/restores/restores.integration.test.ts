import { clusterAccessFor } from "../../composition";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RestoreInput } from "@/lib/schemas/protection";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox, veleroFaults } from "../../testing/sandbox";
import { kubectl } from "@/sandbox/testing/kubectl";
import { SyncEngine } from "../../sync/engine";
import { depsFor } from "../../composition";
import type { Db } from "../../db/client";

// Restores end to end against the two sandbox clusters (another process): a namespace backed up by label, deleted with
// kubectl, restored under another name through the service, its objects back; the same backup restored into the other
// cluster, which sees it through the shared location; storage-class mapping through Velero's ConfigMap; scoping.
let db: Db;
let caller: ReturnType<typeof callerFor>;
let sync: SyncEngine;
const suffix = Date.now().toString(36);
const ns = `shop-${suffix}`;
const clusterIds: string[] = [];
let backupName = "";
const kc = (i: number) => testSandbox().clusters[i].kubeconfig;

const workload = `
apiVersion: v1
kind: Namespace
metadata: {name: ${ns}, labels: {app: shop}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: shop-config, namespace: ${ns}, labels: {app: shop}}
data: {greeting: hello}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop-api, namespace: ${ns}, labels: {app: shop}}
spec:
  replicas: 1
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec: {containers: [{name: api, image: registry.sandbox.io/shop/api:1.0}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: unlabelled, namespace: ${ns}}
data: {x: "y"}
`;

beforeAll(async () => {
  ({ db } = await freshDatabase());
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  caller = callerFor(db, await signedIn(db, admin));
  const g = await aGroup(db, "restore-fleet");
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
    clusterIds.push(c.id);
  }
  const s3 = testSandbox().s3;
  const cred = await caller.credential.create({
    kind: "AWS_ACCESS_KEY",
    name: "restores-s3",
    description: "",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  const loc = await caller.location.create({
    name: `restores-${suffix}`,
    provider: "S3_COMPATIBLE",
    region: "us-east-1",
    endpoint: s3.endpoint,
    pathStyle: true,
    credentialId: cred.id,
    bucket: "lifeboat-backups",
    prefix: `restores-it-${suffix}`,
  });
  // One writer per bucket and prefix (#14 §3): east backs up there, west restores from it (ReadOnly).
  await caller.location.assign({
    locationId: loc.id,
    target: { kind: "clusterGroup", id: g.id },
    readOnly: true,
    writers: [clusterIds[0]],
  });
  const sealed = depsFor(db).sealed;
  sync = new SyncEngine({
    db,
    clientFor: (id) => clusterAccessFor(db, sealed).forCluster(id),
  });
  for (const id of clusterIds) sync.startCluster(id);
  await until("the location to be Available on both clusters", async () => {
    await caller.location.refresh({ id: loc.id });
    const l = (await caller.location.list()).find((x) => x.id === loc.id)!;
    return l.deployments.length === 2 && l.deployments.every((d) => d.phase === "Available");
  });
  const applied = await kubectl(kc(0), ["apply", "-f", "-"], workload);
  expect(applied.code, applied.err).toBe(0);
});

afterAll(async () => {
  await sync?.stop();
  await kubectl(kc(0), ["delete", "namespace", ns, `${ns}-restored`, "--ignore-not-found"]);
});

describe("restores", () => {
  it("backs up a namespace by label, and the backup is restorable once Completed", async () => {
    backupName = `east-shop-${suffix}`;
    await caller.backup.create({
      clusterId: clusterIds[0],
      name: backupName,
      spec: {
        scope: { kind: "labels", selectors: [{ matchLabels: { app: "shop" } }], mode: "include" },
        volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
        location: `lifeboat-restores-${suffix}`,
        ttl: { value: 1, unit: "days" },
      },
    });
    await until("the backup to complete", async () =>
      (await caller.backup.list({ clusterId: clusterIds[0] })).find(
        (b) => b.name === backupName && b.phase === "Completed",
      ),
    );
  });

  it("previews the exact Restore, with what its options really do, and refuses input that does not parse", async () => {
    const p = await caller.restore.preview({
      clusterId: clusterIds[0],
      name: `east-shop-restore-${suffix}`,
      backupName,
      spec: {
        scope: { kind: "all" },
        namespaceMapping: { [ns]: `${ns}-restored` },
        restorePVs: true,
        existingResourcePolicy: "none",
      },
    });
    expect(p.yaml).toContain("kind: Restore");
    expect(p.yaml).toContain(`${ns}: ${ns}-restored`);
    expect(p.configMapYaml).toBeNull();
    expect(p.notes.map((n) => n.code)).toContain("namespace-mapping");
    await expect(
      caller.restore.preview({
        clusterId: clusterIds[0],
        name: "bad",
        backupName,
        spec: {
          scope: { kind: "labels", selectors: [{ matchLabels: { "-bad": "x" } }] },
          restorePVs: true,
          existingResourcePolicy: "none",
        },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("-bad") });
  });

  it("the review already says what Create would refuse, and what restoring into an existing namespace does (#10 §2)", async () => {
    const base = {
      scope: { kind: "namespaces", include: [ns] },
      restorePVs: true,
      existingResourcePolicy: "none",
    } as RestoreInput;
    const request = (spec: RestoreInput) => ({
      clusterId: clusterIds[0],
      name: `east-shop-review-${suffix}`,
      backupName,
      spec,
    });
    // A storage-class mapping to a class east lacks: the preview refuses it, as create does.
    await expect(
      caller.restore.preview(request({ ...base, storageClassMapping: { standard: "no-such-class" } })),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringContaining("east has no StorageClass no-such-class to map volumes to"),
    });
    // The namespace exists (the workload is there): skipped with a warning each, or patched.
    const skip = await caller.restore.preview(request(base));
    const note = skip.notes.find((n) => n.code === `namespace-exists:${ns}`);
    expect(note?.text).toMatch(new RegExp(`^${ns} already exists on east.*skipped, each reported as a warning`));
    const update = await caller.restore.preview(request({ ...base, existingResourcePolicy: "update" }));
    expect(update.notes.find((n) => n.code === `namespace-exists:${ns}`)?.text).toContain(
      "updated (patched) to their backed-up state",
    );
    // Mapped to a namespace that does not exist: nothing to warn about.
    const mapped = await caller.restore.preview(request({ ...base, namespaceMapping: { [ns]: `${ns}-elsewhere` } }));
    expect(mapped.notes.map((n) => n.code)).not.toContain(`namespace-exists:${ns}`);
    expect(mapped.notes.some((n) => n.code.startsWith("namespace-exists:"))).toBe(false);
  });

  it("restores a namespace deleted with kubectl under another name: its labelled objects are back", async () => {
    const del = await kubectl(kc(0), ["delete", "namespace", ns, "--wait=true"]);
    expect(del.code, del.err).toBe(0);
    const name = `east-shop-restore-${suffix}`;
    const r = await caller.restore.create({
      clusterId: clusterIds[0],
      name,
      backupName,
      spec: {
        scope: { kind: "all" },
        namespaceMapping: { [ns]: `${ns}-restored` },
        restorePVs: true,
        existingResourcePolicy: "none",
      },
    });
    expect(r).toEqual({ name, created: true });
    // A double submit creates one restore.
    expect(
      await caller.restore.create({
        clusterId: clusterIds[0],
        name,
        backupName,
        spec: {
          scope: { kind: "all" },
          namespaceMapping: { [ns]: `${ns}-restored` },
          restorePVs: true,
          existingResourcePolicy: "none",
        },
      }),
    ).toEqual({ name, created: false });
    const row = await until("the restore to complete", async () =>
      (await caller.restore.list({ clusterId: clusterIds[0] })).find((x) => x.name === name && x.phase === "Completed"),
    );
    expect(row).toMatchObject({
      backupName,
      clusterName: "east",
      namespaceMapping: { [ns]: `${ns}-restored` },
      errors: 0,
    });
    expect(row.totalItems).toBeGreaterThan(0);
    expect(row.itemsRestored).toBe(row.totalItems);

    const got = await kubectl(kc(0), ["get", "deployments,configmaps", "-n", `${ns}-restored`, "-o", "name"]);
    expect(got.out).toContain("deployment.apps/shop-api");
    expect(got.out).toContain("configmap/shop-config");
    expect(got.out).not.toContain("configmap/unlabelled");

    const detail = await caller.restore.get({ clusterId: clusterIds[0], name });
    expect(detail.phase).toBe("Completed");
    expect(detail.results).not.toBeNull();
    expect(detail.downloadError).toBeNull();
    expect((await caller.restore.logs({ clusterId: clusterIds[0], name })).text.length).toBeGreaterThan(0);
  });

  it("restores into the other cluster, which sees the backup through the shared location; a storage-class mapping becomes Velero's ConfigMap", async () => {
    await until("the backup to be synced to west", async () =>
      (await caller.backup.list({ clusterId: clusterIds[1] })).find(
        (b) => b.name === backupName && b.phase === "Completed",
      ),
    );
    const name = `west-shop-${suffix}`;
    // A mapping to a StorageClass the cluster lacks is refused before anything is written.
    await expect(
      caller.restore.create({
        clusterId: clusterIds[1],
        name,
        backupName,
        spec: {
          scope: { kind: "namespaces", include: [ns] },
          storageClassMapping: { "csi-standard": "fast" },
          restorePVs: false,
          existingResourcePolicy: "update",
        },
      }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringContaining("west has no StorageClass fast to map volumes to (it has csi-standard"),
    });
    expect(
      (await kubectl(kc(1), ["get", "restores", name, "-n", "velero", "--ignore-not-found", "-o", "name"])).out.trim(),
    ).toBe("");
    await caller.restore.create({
      clusterId: clusterIds[1],
      name,
      backupName,
      spec: {
        scope: { kind: "namespaces", include: [ns] },
        storageClassMapping: { "csi-standard": "legacy-hostpath" },
        restorePVs: false,
        existingResourcePolicy: "update",
      },
    });
    const cm = await kubectl(kc(1), [
      "get",
      "configmap",
      "change-storage-class-config",
      "-n",
      "velero",
      "-o",
      "jsonpath={.data.csi-standard}",
    ]);
    expect(cm.out).toBe("legacy-hostpath");
    await until("the restore on west to finish", async () =>
      (await caller.restore.list({ clusterId: clusterIds[1] })).find(
        (x) => x.name === name && ["Completed", "PartiallyFailed"].includes(x.phase),
      ),
    );
    const got = await kubectl(kc(1), ["get", "deployment", "shop-api", "-n", ns, "-o", "name"]);
    expect(got.out.trim()).toBe("deployment.apps/shop-api");

    // The next restore without a mapping removes Lifeboat's ConfigMap, so the old mapping does not apply to it.
    await caller.restore.create({
      clusterId: clusterIds[1],
      name: `west-shop-again-${suffix}`,
      backupName,
      spec: { scope: { kind: "namespaces", include: [ns] }, restorePVs: false, existingResourcePolicy: "none" },
    });
    const gone = await kubectl(kc(1), [
      "get",
      "configmap",
      "change-storage-class-config",
      "-n",
      "velero",
      "--ignore-not-found",
      "-o",
      "name",
    ]);
    expect(gone.out.trim()).toBe("");
    await kubectl(kc(1), ["delete", "namespace", ns, "--ignore-not-found"]);
  });

  it("does not change the storage-class mapping under a restore that has not finished", async () => {
    const spec = (extra: object) =>
      ({
        scope: { kind: "namespaces", include: [ns] },
        restorePVs: false,
        existingResourcePolicy: "none",
        ...extra,
      }) as RestoreInput;
    await veleroFaults({ slowMs: 1000 }, 1);
    try {
      const slow = `west-slow-${suffix}`;
      await caller.restore.create({ clusterId: clusterIds[1], name: slow, backupName, spec: spec({}) });
      await until("the slow restore to be seen running", async () =>
        (await caller.restore.list({ clusterId: clusterIds[1] })).find(
          (x) => x.name === slow && x.phase === "InProgress",
        ),
      );
      await expect(
        caller.restore.create({
          clusterId: clusterIds[1],
          name: `west-mapped-${suffix}`,
          backupName,
          spec: spec({ storageClassMapping: { "csi-standard": "legacy-hostpath" } }),
        }),
      ).rejects.toMatchObject({
        code: "PRECONDITION_FAILED",
        message: expect.stringContaining(`while restore ${slow} has not finished`),
      });
      expect(
        (
          await kubectl(kc(1), [
            "get",
            "configmap",
            "change-storage-class-config",
            "-n",
            "velero",
            "--ignore-not-found",
            "-o",
            "name",
          ])
        ).out.trim(),
      ).toBe("");
      // The same (no) mapping needs no change, so it may run alongside.
      expect(
        (
          await caller.restore.create({
            clusterId: clusterIds[1],
            name: `west-unmapped-${suffix}`,
            backupName,
            spec: spec({}),
          })
        ).created,
      ).toBe(true);
    } finally {
      await veleroFaults({ slowMs: 0 }, 1);
    }
    await until(
      "both restores to finish",
      async () =>
        (await caller.restore.list({ clusterId: clusterIds[1] })).filter(
          (x) =>
            [`west-slow-${suffix}`, `west-unmapped-${suffix}`].includes(x.name) &&
            ["Completed", "PartiallyFailed"].includes(x.phase),
        ).length === 2,
      40_000,
    );
    await kubectl(kc(1), ["delete", "namespace", ns, "--ignore-not-found"]);
  });

  it("refuses a name without the cluster's prefix, and a name another restore already has", async () => {
    await expect(
      caller.restore.create({
        clusterId: clusterIds[0],
        name: `west-${suffix}`,
        backupName,
        spec: { scope: { kind: "all" }, restorePVs: true, existingResourcePolicy: "none" },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("are named east-") });
    await expect(
      caller.restore.create({
        clusterId: clusterIds[0],
        name: `east-shop-restore-${suffix}`,
        backupName,
        spec: { scope: { kind: "all" }, restorePVs: false, existingResourcePolicy: "none" },
      }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("already has a restore named") });
  });

  it("explains a backup the cluster cannot see", async () => {
    await expect(
      caller.restore.create({
        clusterId: clusterIds[0],
        name: `east-nothing-${suffix}`,
        backupName: "no-such-backup",
        spec: { scope: { kind: "all" }, restorePVs: true, existingResourcePolicy: "none" },
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("share its target location") });
  });

  it("a viewer sees restores and may not create one; a user without a binding sees nothing and gets NOT_FOUND", async () => {
    const viewer = await aUser(db);
    const g = await db.cluster.findUniqueOrThrow({ where: { id: clusterIds[0] }, select: { groupId: true } });
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: g.groupId });
    const vc = callerFor(db, await signedIn(db, viewer));
    expect((await vc.restore.list({})).length).toBeGreaterThan(0);
    await expect(
      vc.restore.create({
        clusterId: clusterIds[0],
        name: `east-viewer-try-${suffix}`,
        backupName,
        spec: { scope: { kind: "all" }, restorePVs: true, existingResourcePolicy: "none" },
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });

    const stranger = callerFor(db, await signedIn(db, await aUser(db)));
    expect(await stranger.restore.list({})).toEqual([]);
    await expect(
      stranger.restore.get({ clusterId: clusterIds[0], name: `east-shop-restore-${suffix}` }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      stranger.restore.preview({
        clusterId: clusterIds[0],
        name: "x",
        backupName,
        spec: { scope: { kind: "all" }, restorePVs: true, existingResourcePolicy: "none" },
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/NOT_FOUND|FORBIDDEN/) });
  });

  it("never restores into or from a protected namespace; cluster-scoped resources and updates need CLUSTER_ADMIN (#9 §3)", async () => {
    const base = { scope: { kind: "all" }, restorePVs: true, existingResourcePolicy: "none" } as RestoreInput;
    const req = (name: string, spec: RestoreInput) => ({ clusterId: clusterIds[0], name, backupName, spec });
    for (const target of ["kube-system", "velero", "tkg-system", "vmware-system-tmc"]) {
      for (const call of [caller.restore.preview, caller.restore.create])
        await expect(
          call(req(`east-into-${target}-${suffix}`, { ...base, namespaceMapping: { [ns]: target } })),
        ).rejects.toMatchObject({
          code: "BAD_REQUEST",
          message: expect.stringMatching(new RegExp(`Nothing is restored into \\\\?"${target}`)),
        });
      await expect(
        caller.restore.create(
          req(`east-from-${target}-${suffix}`, { ...base, scope: { kind: "namespaces", include: [target] } }),
        ),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringMatching(new RegExp(`\\\\?"${target}\\\\?" is never restored`)),
      });
    }
    const everything = await caller.restore.preview(req(`east-all-${suffix}`, base));
    expect(everything.yaml).toMatch(
      /excludedNamespaces:\n\s+- kube-system\n\s+- velero\n\s+- tkg-system\n\s+- vmware-system-tmc/,
    );

    const operator = await aUser(db);
    const g = await db.cluster.findUniqueOrThrow({ where: { id: clusterIds[0] }, select: { groupId: true } });
    await bind(db, "OPERATOR", { userId: operator.id }, { clusterGroupId: g.groupId });
    const oc = callerFor(db, await signedIn(db, operator));
    expect((await oc.restore.preview(req(`east-op-${suffix}`, base))).yaml).toContain("kind: Restore");
    for (const [spec, option] of [
      [{ ...base, includeClusterResources: true }, "Restoring cluster-scoped resources"],
      [{ ...base, existingResourcePolicy: "update" }, "Updating objects that already exist"],
    ] as const) {
      for (const call of [oc.restore.preview, oc.restore.create])
        await expect(call(req(`east-op-try-${suffix}`, spec))).rejects.toMatchObject({
          code: "FORBIDDEN",
          message: expect.stringContaining(`${option} needs the CLUSTER_ADMIN role on east (you are OPERATOR)`),
        });
    }
    expect(await db.veleroObject.count({ where: { kind: "restores", name: `east-op-try-${suffix}` } })).toBe(0);
    const denied = await db.auditEvent.count({
      where: { actorId: operator.id, action: "restore.create", outcome: "DENIED" },
    });
    expect(denied).toBe(2);
    // A cluster admin (here an organization admin) may choose both.
    const both = await caller.restore.preview(
      req(`east-admin-${suffix}`, { ...base, includeClusterResources: true, existingResourcePolicy: "update" }),
    );
    expect(both.yaml).toContain("includeClusterResources: true");
  });
});
