import crypto from "node:crypto";
import { adminClients } from "../../kube/testing-objects";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import { SyncEngine } from "../../sync/engine";
import { depsFor, type Deps } from "../../composition";
import { startHealthLoop } from "../clusters/health-loop";
import { reconcileCluster } from "./locations";
import { LeaseLost } from "../../controllers/ownership";
import type { Db } from "../../db/client";

// Target locations stay true on a cluster without anyone clicking: the phase and last validation come live from the
// sync engine's read model, and the health loop puts back what is missing, failed or edited there (and nothing else).
// Against the sandbox (another process): its cluster "east" runs the Velero stand-in, which validates every
// BackupStorageLocation by reaching the S3 emulator.
let db: Db;
let d: Deps;
let caller: ReturnType<typeof callerFor>;
let viewer: ReturnType<typeof callerFor>;
let sync: SyncEngine;
let eastId = "";
let groupId = "";
let credentialId = "";
const run = crypto.randomBytes(3).toString("hex");
const prefixOf = (what: string) => `location-health-it/${run}/${what}`;
const s3 = () => testSandbox().s3;
const BSL = { group: "velero.io", version: "v1", plural: "backupstoragelocations", namespace: "velero" } as const;

/** The cluster as anything else on it (kubectl, another controller) reaches it: plain client-node, admin kubeconfig. */
const onCluster = () => adminClients(kubeconfigText(0));
type KObj = {
  metadata: { generation?: number; resourceVersion?: string };
  spec: Record<string, any>;
  status?: Record<string, any>;
};
const readBsl = (name: string) =>
  onCluster()
    .custom.getNamespacedCustomObject({ ...BSL, name })
    .then(
      (o) => o as KObj,
      () => null,
    );
const readSecret = (name: string) =>
  onCluster()
    .core.readNamespacedSecret({ name: `${name}-credentials`, namespace: "velero" })
    .then(
      (o) => o,
      () => null,
    );

const synced = (name: string) =>
  db.veleroObject.findUnique({
    where: {
      clusterId_kind_namespace_name: { clusterId: eastId, kind: "backupstoragelocations", namespace: "velero", name },
    },
  });
const deploymentOf = (locationId: string) =>
  db.locationDeployment.findUniqueOrThrow({ where: { locationId_clusterId: { locationId, clusterId: eastId } } });
const listed = async (c: ReturnType<typeof callerFor>, locationId: string) =>
  (await c.location.list()).find((l) => l.id === locationId)!;

async function aLocation(name: string, assign?: { kind: "clusterGroup" | "cluster"; id: string }) {
  const l = await caller.location.create({
    name,
    provider: "S3_COMPATIBLE",
    region: "us-east-1",
    endpoint: s3().endpoint,
    pathStyle: true,
    credentialId,
    bucket: "lifeboat-backups",
    prefix: prefixOf(name),
  });
  // East writes: a group's clusters only read a location unless chosen as its writers (#14 §3).
  if (assign)
    await caller.location.assign({
      locationId: l.id,
      target: assign,
      readOnly: false,
      writers: assign.kind === "clusterGroup" ? [eastId] : [],
    });
  return l;
}

beforeAll(async () => {
  ({ db } = await freshDatabase());
  d = depsFor(db);
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  caller = callerFor(db, await signedIn(db, admin));
  groupId = (await aGroup(db, "live")).id;
  eastId = (
    await caller.cluster.attach({ kubeconfig: kubeconfigText(0), name: "east", groupId, description: "", labels: {} })
  ).id;
  const v = await aUser(db);
  await bind(db, "VIEWER", { userId: v.id }, { clusterGroupId: groupId });
  viewer = callerFor(db, await signedIn(db, v));
  credentialId = (
    await caller.credential.create({
      kind: "AWS_ACCESS_KEY",
      name: "health-s3",
      description: "",
      accessKeyId: s3().accessKeyId,
      secretAccessKey: s3().secretAccessKey,
    })
  ).id;
  sync = new SyncEngine({
    db,
    clientFor: (id) => d.clusters.forCluster(id),
  });
  sync.startCluster(eastId);
});

afterAll(async () => {
  // Take every location off the sandbox cluster again (unassigning removes the BackupStorageLocation and its Secret).
  for (const l of await caller.location.list())
    for (const a of l.assignments) await caller.location.unassign({ id: a.id }).catch(() => undefined);
  await sync?.stop();
});

describe("target locations stay live and heal", () => {
  let live: { id: string; name: string };
  const liveName = `live-${run}`;

  it("an S3-compatible location turns CRC32 checksums off in the BackupStorageLocation, and Velero still validates it", async () => {
    live = await aLocation(liveName, { kind: "clusterGroup", id: groupId });
    const bsl = await readBsl(`lifeboat-${liveName}`);
    expect(bsl?.spec.config).toEqual({
      region: "us-east-1",
      s3Url: s3().endpoint,
      s3ForcePathStyle: "true",
      checksumAlgorithm: "",
    });
    expect(bsl?.spec).toMatchObject({
      provider: "aws",
      objectStorage: { bucket: "lifeboat-backups", prefix: prefixOf(liveName) },
      accessMode: "ReadWrite",
    });
    await until(
      "Velero to validate the location Available",
      async () => (await readBsl(`lifeboat-${liveName}`))?.status?.phase === "Available",
    );
  });

  it(
    "shows phase, message and last validation live to a viewer, with nobody refreshing",
    { timeout: 90_000 },
    async () => {
      const available = await until("the viewer to see Available", async () => {
        const dep = (await listed(viewer, live.id)).deployments[0];
        return dep?.phase === "Available" && dep.lastValidationTime ? dep : null;
      });
      expect(available).toMatchObject({
        clusterName: "east",
        bslName: `lifeboat-${liveName}`,
        message: null,
        error: null,
      });
      // Nothing was stored by a refresh: this came from the read model.
      expect(await deploymentOf(live.id)).toMatchObject({ phase: null, lastValidationTime: null });

      // A folder Velero does not own appears under the prefix: Velero marks the location Unavailable, and the page shows it.
      const bucket = new S3Client({
        region: "us-east-1",
        endpoint: s3().endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: s3().accessKeyId, secretAccessKey: s3().secretAccessKey },
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
      const foreign = { Bucket: "lifeboat-backups", Key: `${prefixOf(liveName)}/not-velero/file.txt` };
      try {
        await bucket.send(new PutObjectCommand({ ...foreign, Body: "x" }));
        const unavailable = await until("the viewer to see Unavailable", async () => {
          const dep = (await listed(viewer, live.id)).deployments[0];
          return dep?.phase === "Unavailable" ? dep : null;
        });
        expect(unavailable.message).toContain("invalid top-level directories");
        expect(unavailable.lastValidationTime!.getTime()).toBeGreaterThan(available.lastValidationTime!.getTime());
        await bucket.send(new DeleteObjectCommand(foreign));
        await until(
          "the viewer to see Available again",
          async () => (await listed(viewer, live.id)).deployments[0]?.phase === "Available",
        );
      } finally {
        await bucket.send(new DeleteObjectCommand(foreign)).catch(() => undefined);
        bucket.destroy();
      }
    },
  );

  it("Refresh status still reads the cluster directly and stores what it saw", async () => {
    await caller.location.refresh({ id: live.id });
    const stored = await deploymentOf(live.id);
    expect(stored.phase).toBe("Available");
    expect(stored.lastValidationTime).not.toBeNull();
    expect((await listed(caller, live.id)).deployments[0].phase).toBe("Available");
  });

  it("reconciling a cluster where everything is in place writes nothing", async () => {
    await until("the read model to hold the BackupStorageLocation", () => synced(`lifeboat-${liveName}`));
    const before = {
      deployment: await deploymentOf(live.id),
      bsl: await readBsl(`lifeboat-${liveName}`),
      secret: await readSecret(`lifeboat-${liveName}`),
    };
    expect(await reconcileCluster(d, eastId)).toEqual({ applied: [], failed: [], removed: [] });
    expect((await deploymentOf(live.id)).appliedAt).toEqual(before.deployment.appliedAt);
    expect((await readBsl(`lifeboat-${liveName}`))?.metadata.generation).toBe(before.bsl?.metadata.generation);
    expect((await readSecret(`lifeboat-${liveName}`))?.metadata?.resourceVersion).toBe(
      before.secret?.metadata?.resourceVersion,
    );
  });

  it("puts back a BackupStorageLocation deleted by hand once the read model shows it gone", async () => {
    await onCluster().custom.deleteNamespacedCustomObject({ ...BSL, name: `lifeboat-${liveName}` });
    await until(
      "the read model to drop the BackupStorageLocation",
      async () => !(await synced(`lifeboat-${liveName}`)),
    );
    expect(await reconcileCluster(d, eastId)).toEqual({ applied: [liveName], failed: [], removed: [] });
    expect((await readBsl(`lifeboat-${liveName}`))?.spec.config).toMatchObject({ checksumAlgorithm: "" });
    expect(await deploymentOf(live.id)).toMatchObject({ error: null });
    await until(
      "the new BackupStorageLocation to read Available on the page",
      async () => (await listed(viewer, live.id)).deployments[0]?.phase === "Available",
    );
  });

  it("puts back a credentials Secret deleted by hand once Velero finds the location Unavailable", async () => {
    const name = `lifeboat-${liveName}`;
    await onCluster().core.deleteNamespacedSecret({ name: `${name}-credentials`, namespace: "velero" });
    await until(
      "the location to read Unavailable on the page",
      async () => (await listed(viewer, live.id)).deployments[0]?.phase === "Unavailable",
    );
    expect((await listed(viewer, live.id)).deployments[0]?.message).toContain("credentials");
    expect(await reconcileCluster(d, eastId)).toEqual({ applied: [liveName], failed: [], removed: [] });
    expect(await readSecret(name)).not.toBeNull();
    await until(
      "the location to read Available again",
      async () => (await listed(viewer, live.id)).deployments[0]?.phase === "Available",
      60_000,
    );
  });

  it("restores a BackupStorageLocation edited by hand", async () => {
    const name = `lifeboat-${liveName}`;
    await onCluster().custom.patchNamespacedCustomObject({
      ...BSL,
      name,
      body: [
        { op: "replace", path: "/spec/accessMode", value: "ReadOnly" },
        { op: "remove", path: "/spec/config/checksumAlgorithm" },
      ],
    });
    await until(
      "the read model to show the edit",
      async () => ((await synced(name))?.spec as { accessMode?: string } | undefined)?.accessMode === "ReadOnly",
    );
    expect(await reconcileCluster(d, eastId)).toEqual({ applied: [liveName], failed: [], removed: [] });
    expect((await readBsl(name))?.spec).toMatchObject({ accessMode: "ReadWrite", config: { checksumAlgorithm: "" } });
    // The next reconcile judges "changed on the cluster" from the read model: the repair must have reached it.
    await until("the read model to show the repair", async () => {
      const spec = (await synced(name))?.spec as { accessMode?: string; config?: Record<string, string> } | undefined;
      return spec?.accessMode === "ReadWrite" && spec.config?.checksumAlgorithm === "";
    });
  });

  it("applies an assignment whose deployment is missing, and removes a deployment no longer assigned", async () => {
    const l = await aLocation(`orphan-${run}`);
    // The assignment row exists but nothing was applied (say the console stopped between the two).
    const a = await db.locationAssignment.create({
      data: { locationId: l.id, clusterId: eastId },
      select: { id: true },
    });
    expect(await reconcileCluster(d, eastId)).toEqual({ applied: [l.name], failed: [], removed: [] });
    expect(await readBsl(`lifeboat-${l.name}`)).not.toBeNull();
    expect(await deploymentOf(l.id)).toMatchObject({ error: null, readOnly: false });

    // The assignment is gone but the deployment stayed (a removal that failed, or a race with an assign).
    await db.locationAssignment.delete({ where: { id: a.id } });
    expect(await reconcileCluster(d, eastId)).toEqual({ applied: [], failed: [], removed: [l.name] });
    expect(await readBsl(`lifeboat-${l.name}`)).toBeNull();
    expect(await readSecret(`lifeboat-${l.name}`)).toBeNull();
    expect(
      await db.locationDeployment.findUnique({
        where: { locationId_clusterId: { locationId: l.id, clusterId: eastId } },
      }),
    ).toBeNull();
    await caller.location.delete({ id: l.id });
  });

  it("a process that lost the cluster's lease heals nothing there, on the cluster or in its rows", async () => {
    const l = await aLocation(`fenced-${run}`);
    const a = await db.locationAssignment.create({
      data: { locationId: l.id, clusterId: eastId },
      select: { id: true },
    });
    const deployment = () =>
      db.locationDeployment.findUnique({ where: { locationId_clusterId: { locationId: l.id, clusterId: eastId } } });
    await db.clusterLease.create({
      data: { clusterId: eastId, holder: "the-new-owner", token: 7n, expiresAt: new Date(Date.now() + 60_000) },
    });
    try {
      const owner = () => ({ clusterId: eastId, holder: "the-new-owner", token: 7n });
      // A process that held it before (token 6), and one whose lease has lapsed (no fence).
      const lost = [() => ({ ...owner(), token: 6n }), () => null];
      for (const fence of lost) await expect(reconcileCluster(d, eastId, { fence })).rejects.toBeInstanceOf(LeaseLost);
      expect(await readBsl(`lifeboat-${l.name}`)).toBeNull();
      expect(await deployment()).toBeNull();
      // Its owner applies it.
      expect(await reconcileCluster(d, eastId, { fence: owner })).toEqual({
        applied: [l.name],
        failed: [],
        removed: [],
      });
      expect(await readBsl(`lifeboat-${l.name}`)).not.toBeNull();
      expect(await deployment()).toMatchObject({ error: null });

      // Unassigned: only the owner takes it off.
      await db.locationAssignment.delete({ where: { id: a.id } });
      for (const fence of lost) await expect(reconcileCluster(d, eastId, { fence })).rejects.toBeInstanceOf(LeaseLost);
      expect(await readBsl(`lifeboat-${l.name}`)).not.toBeNull();
      expect(await deployment()).toMatchObject({ error: null });
      expect(await reconcileCluster(d, eastId, { fence: owner })).toEqual({
        applied: [],
        failed: [],
        removed: [l.name],
      });
      expect(await readBsl(`lifeboat-${l.name}`)).toBeNull();
      expect(await deployment()).toBeNull();
    } finally {
      await db.clusterLease.delete({ where: { clusterId: eastId } });
      await db.locationAssignment.deleteMany({ where: { id: a.id } });
      await reconcileCluster(d, eastId);
      await caller.location.delete({ id: l.id });
    }
  });

  it(
    "the health loop applies a location that failed before once the cluster runs Velero, then leaves it alone",
    { timeout: 90_000 },
    async () => {
      // The cluster was attached before Velero was installed: assigning records the failure and applies nothing.
      await db.cluster.update({
        where: { id: eastId },
        data: { velero: { installed: false, reason: "no velero namespace" } },
      });
      const late = await aLocation(`late-${run}`, { kind: "cluster", id: eastId });
      expect(await deploymentOf(late.id)).toMatchObject({
        appliedAt: null,
        error: expect.stringContaining("Velero is not installed"),
      });
      expect(await readBsl(`lifeboat-${late.name}`)).toBeNull();

      const stop = startHealthLoop(d, 200, { sync });
      try {
        // The check finds Velero, and the loop applies the location.
        const healed = await until("the health loop to apply the location", async () => {
          const dep = await deploymentOf(late.id);
          return dep.error === null && dep.appliedAt ? dep : null;
        });
        expect(await readBsl(`lifeboat-${late.name}`)).not.toBeNull();
        await until(
          "the read model to hold both BackupStorageLocations",
          async () => (await synced(`lifeboat-${late.name}`)) && (await synced(`lifeboat-${liveName}`)),
        );

        // Everything is in place now. Checks run one after another (check, then heal), so once the next check has begun,
        // the heal that may have read the read model before it held both is over; after two more, the loop has healed
        // twice more, and re-applied nothing and written nothing on the cluster.
        const checkedAt = async () =>
          (await db.cluster.findUniqueOrThrow({ where: { id: eastId } })).lastCheckAt!.getTime();
        const nextCheck = async () => {
          const t = await checkedAt();
          await until("the next check", async () => (await checkedAt()) > t);
        };
        await nextCheck();
        const before = {
          late: await deploymentOf(late.id),
          live: await deploymentOf(live.id),
          bsl: await readBsl(`lifeboat-${late.name}`),
          secret: await readSecret(`lifeboat-${late.name}`),
        };
        await nextCheck();
        await nextCheck();
        expect((await deploymentOf(late.id)).appliedAt).toEqual(before.late.appliedAt);
        expect((await deploymentOf(live.id)).appliedAt).toEqual(before.live.appliedAt);
        expect((await readBsl(`lifeboat-${late.name}`))?.metadata.generation).toBe(before.bsl?.metadata.generation);
        expect((await readSecret(`lifeboat-${late.name}`))?.metadata?.resourceVersion).toBe(
          before.secret?.metadata?.resourceVersion,
        );
        expect(healed.appliedAt!.getTime()).toBeLessThanOrEqual(before.late.appliedAt!.getTime());
      } finally {
        stop();
      }
    },
  );
});
