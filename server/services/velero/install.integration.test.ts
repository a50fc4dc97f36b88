import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { spawnSync } from "node:child_process";
import { clientOf } from "../../kube/testing-objects";
import { probeCluster } from "../../kube/probe";
import { depsFor, type Deps } from "../../composition";
import { ControllerManager } from "../../controllers/manager";
import { veleroInstallerReconciler } from "../../controllers/reconcilers";
import type { Db } from "../../db/client";
import { EventBus } from "../../events/bus";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { freshDatabase } from "../../testing/db";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import { until } from "../../testing/wait";
import { haveKubectl, kubectl } from "@/sandbox/testing/kubectl";
import { DEFAULT_VELERO_SETTINGS, type VeleroSettings } from "@/lib/schemas/velero";
import { approveOperation, startChange, startDisable, startInstall, startRepair, startTakeOver } from "./operations";
import { veleroDriftOf } from "./drift";
import { veleroStatusOf } from "./view";
import { checkCluster } from "../clusters/clusters";
import { SyncEngine } from "../../sync/engine";
import type { BackupInput } from "@/lib/schemas/protection";
import { parseInstallArgs, renderVeleroObjects, seedInstallArgs } from "@/sandbox/velero/installer";
import { onboardingManifest } from "../../kube/access";

// Installing Velero on a sandbox cluster that has none (sandbox-3), the whole way a console process does it: the
// velero-installer reconciler under the controller lease runs Velero's installer in a Job, the objects wait for review,
// an approval applies them, the rollout is followed, and a ServerStatusRequest must answer with the version and plugins.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1"; // the S3 emulator of the delete-backups test

let db: Db;
let url: string;
let d: Deps;
let bus: EventBus;
let manager: ControllerManager;
let sync: SyncEngine | undefined;
let caller: ReturnType<typeof callerFor>;
let clusterId: string;
let adminId: string;
let groupId: string;
const BARE = 2; // sandbox-3: started --without-velero by the integration project's sandbox
const kubeconfigPath = () => testSandbox().clusters[BARE].kubeconfig;
const settings = (patch: Partial<VeleroSettings> = {}): VeleroSettings => ({
  ...DEFAULT_VELERO_SETTINGS,
  version: "v1.17.0",
  fsBackup: { enabled: true, default: "optIn" },
  ...patch,
});
/** One field of Velero's Deployment on the bare cluster, as kubectl's jsonpath prints it. */
const veleroDeployment = (jsonpath: string) =>
  kubectl(kubeconfigPath(), ["get", "deploy", "velero", "-n", "velero", "-o", `jsonpath=${jsonpath}`]);
const operation = (id: string) => db.veleroOperation.findUniqueOrThrow({ where: { id } });
const settled = (id: string, phases: string[], ms = 60_000) =>
  until(
    `operation in ${phases.join(" or ")}`,
    async () => {
      const op = await operation(id);
      return phases.includes(op.phase) && op;
    },
    ms,
  );

beforeAll(async () => {
  ({ db, url } = await freshDatabase());
  d = depsFor(db);
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  adminId = admin.id;
  caller = callerFor(db, await signedIn(db, admin));
  const g = await aGroup(db);
  groupId = g.id;
  const c = await caller.cluster.attach({
    kubeconfig: kubeconfigText(BARE),
    name: "bare",
    groupId: g.id,
    description: "",
    labels: {},
  });
  clusterId = c.id;
  // The "manage Velero" onboarding manifest, applied by the cluster's admin: Lifeboat's namespace, where Velero's
  // installer runs as its own service account.
  const manifest = onboardingManifest({ level: "manage" }).yaml;
  expect((await kubectl(kubeconfigPath(), ["apply", "-f", "-"], manifest)).code).toBe(0);
  bus = new EventBus(url);
  await bus.ready();
  manager = new ControllerManager(db, [veleroInstallerReconciler(d, bus, { tickMs: 200 })], { renewMs: 200 });
  await manager.start();
});
afterAll(async () => {
  await sync?.stop();
  await manager?.stop();
  await bus?.stop();
});

describe.skipIf(!haveKubectl)(
  "installing Velero with its own installer" + (haveKubectl ? "" : " (skipped: no kubectl)"),
  () => {
    it("a registry the cluster cannot reach fails the render with the kubelet's reason, and nothing is applied", async () => {
      process.env.LIFEBOAT_VELERO_PULL_TIMEOUT_SECONDS = "5"; // time for a loaded machine to see the pull fail
      try {
        const { id } = await startInstall(
          d,
          clusterId,
          { settings: settings({ registry: "registry.unreachable.example" }) },
          adminId,
        );
        const op = await settled(id, ["FAILED"]);
        expect(op.message).toContain(
          "The cluster could not pull registry.unreachable.example/velero/velero:v1.17.0 within 5 s",
        );
        expect(op.message).toContain("dial tcp: lookup registry.unreachable.example: no such host");
        expect(op.message).toContain("Nothing was applied.");
        await until("the render Job removed", async () => (await operation(id)).jobName === null);
        // (The manifest made the namespace velero, for its Role; the installer's objects are not there.)
        const crd = await kubectl(kubeconfigPath(), ["get", "crd", "backups.velero.io"]);
        expect(crd.err).toContain("not found");
        const jobs = await kubectl(kubeconfigPath(), ["get", "jobs", "-n", "lifeboat-system", "-o", "name"]);
        expect(jobs.out.trim()).toBe("");
      } finally {
        delete process.env.LIFEBOAT_VELERO_PULL_TIMEOUT_SECONDS;
      }
    });

    it("renders, waits for review, applies what was approved, rolls out, and Velero answers as the version asked for", async () => {
      const { id } = await startInstall(d, clusterId, { settings: settings() }, adminId);
      await expect(startInstall(d, clusterId, { settings: settings() }, adminId)).rejects.toThrow(
        "Another Velero operation is already running on this cluster",
      );
      const review = await settled(id, ["REVIEW", "FAILED"]);
      expect(review).toMatchObject({ phase: "REVIEW", jobName: null });
      const rendered = review.rendered as { objects: { kind: string }[]; fromOverlay: Record<string, string[]> };
      expect(rendered.objects.filter((o) => o.kind === "CustomResourceDefinition")).toHaveLength(13);
      expect(rendered.objects.slice(13).map((o) => o.kind)).toEqual([
        "Namespace",
        "ServiceAccount",
        "ClusterRoleBinding",
        "Deployment",
        "DaemonSet",
      ]);
      // Nothing is written before the approval; a stale digest approves nothing.
      expect((await kubectl(kubeconfigPath(), ["get", "crd", "backups.velero.io"])).code).not.toBe(0);
      await expect(approveOperation(d, clusterId, id, "stale", adminId)).rejects.toThrow("review them again");
      await approveOperation(d, clusterId, id, review.renderedDigest!, adminId);

      const done = await settled(id, ["SUCCEEDED", "FAILED"]);
      expect(done).toMatchObject({ phase: "SUCCEEDED", message: "Velero v1.17.0 runs on the cluster" });
      expect((done.steps as { name: string; state: string }[]).map((s) => `${s.name}:${s.state}`)).toEqual([
        "render:done",
        "crds:done",
        "established:done",
        "namespace-rbac:done",
        "workloads:done",
        "rollout:done",
        "verify:done",
      ]);
      const installation = await db.veleroInstallation.findUniqueOrThrow({ where: { clusterId } });
      expect(installation).toMatchObject({
        management: "MANAGED",
        version: "v1.17.0",
        appliedDigest: review.renderedDigest,
      });
      const cluster = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
      expect(cluster.velero).toMatchObject({
        installed: true,
        serverVersion: "v1.17.0",
        nodeAgent: true,
        csi: { enabled: true },
      });

      const got = await kubectl(kubeconfigPath(), [
        "get",
        "deploy,ds",
        "-n",
        "velero",
        "-o",
        "json",
        "--show-managed-fields",
      ]);
      const items = JSON.parse(got.out).items as {
        kind: string;
        metadata: { name: string; labels: Record<string, string>; managedFields: { manager: string }[] };
      }[];
      expect(items.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Deployment/velero", "DaemonSet/node-agent"]);
      for (const o of items) {
        expect(o.metadata.labels["app.kubernetes.io/managed-by"]).toBe("lifeboat");
        expect(o.metadata.managedFields.map((m) => m.manager)).toContain("lifeboat-velero");
      }
      const jobs = await kubectl(kubeconfigPath(), ["get", "jobs,pods", "-n", "lifeboat-system", "-o", "name"]);
      expect(jobs).toMatchObject({ code: 0, out: "" });
      // The operation is marked SUCCEEDED before its ServerStatusRequest is removed.
      await until("the ServerStatusRequest removed", async () => {
        const r = await kubectl(kubeconfigPath(), ["get", "serverstatusrequests", "-n", "velero", "-o", "name"]);
        return r.code === 0 && r.out.trim() === "";
      });
      await expect(startInstall(d, clusterId, { settings: settings() }, adminId)).rejects.toThrow(
        "Lifeboat already runs Velero on this cluster",
      );
    });

    it("through the router: a viewer sees the installation read-only, an outsider sees nothing", async () => {
      const viewer = await aUser(db);
      await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: groupId });
      const asViewer = callerFor(db, await signedIn(db, viewer));
      const status = await asViewer.velero.get({ clusterId });
      expect(status).toMatchObject({ management: "MANAGED", version: "v1.17.0", accessLevel: "MANAGE" });
      expect(status.operation).toMatchObject({ kind: "INSTALL", phase: "SUCCEEDED", objectCount: 18 });
      const detail = await asViewer.velero.operation({ clusterId, operationId: status.operation!.id });
      expect(detail.objects.find((o) => o.kind === "DaemonSet")).toMatchObject({
        namespace: "velero",
        name: "node-agent",
        fromOverlay: ["metadata.labels.app.kubernetes.io/managed-by"],
      });
      expect(detail.objects[0].yaml).toContain("kind: CustomResourceDefinition");
      await expect(asViewer.velero.install({ clusterId, settings: settings() })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      // Someone who views another group's clusters: this one does not exist for them.
      const other = await aUser(db);
      await bind(db, "VIEWER", { userId: other.id }, { clusterGroupId: (await aGroup(db)).id });
      const outsider = callerFor(db, await signedIn(db, other));
      await expect(outsider.velero.get({ clusterId })).rejects.toMatchObject({ code: "NOT_FOUND" });
      const audited = await db.auditEvent.findMany({ where: { action: "velero.install" } });
      expect(audited.some((a) => a.outcome === "DENIED")).toBe(true);
    });

    it("changes a setting: the installer renders again, the review shows the Deployment's diff, and it rolls out", async () => {
      await expect(startChange(d, clusterId, { settings: settings(), whenBusy: "refuse" }, adminId)).rejects.toThrow(
        "nothing to change",
      );
      const optOut = settings({ fsBackup: { enabled: true, default: "optOut" } });
      const { id } = await startChange(d, clusterId, { settings: optOut, whenBusy: "refuse" }, adminId);
      const review = await settled(id, ["REVIEW", "FAILED"]);
      expect(review).toMatchObject({
        kind: "CONFIGURE",
        phase: "REVIEW",
        message: "1 of Velero's objects change: review and apply them",
      });
      const changes = (
        review.rendered as {
          changes: { kind: string; name: string; change: string; lines: { op: string; text: string }[] }[];
        }
      ).changes;
      const changed = changes.filter((c) => c.change !== "same");
      expect(changed.map((c) => `${c.kind}/${c.name}:${c.change}`)).toEqual(["Deployment/velero:update"]);
      expect(changed[0].lines.filter((l) => l.op !== " ").map((l) => `${l.op}${l.text.trim()}`)).toEqual([
        "+- --default-volumes-to-fs-backup=true",
      ]);
      await approveOperation(d, clusterId, id, review.renderedDigest!, adminId);
      expect(await settled(id, ["SUCCEEDED", "FAILED"])).toMatchObject({ phase: "SUCCEEDED" });
      const args = await veleroDeployment("{.spec.template.spec.containers[0].args}");
      expect(args.out).toContain("--default-volumes-to-fs-backup");
      const installation = await db.veleroInstallation.findUniqueOrThrow({ where: { clusterId } });
      expect(installation.appliedSettings).toMatchObject({ fsBackup: { default: "optOut" } });
    });

    it("an upgrade is refused while a backup runs, unless asked to wait; then CRDs and workloads move to the new version", async () => {
      const busy = await db.veleroObject.create({
        data: {
          clusterId,
          kind: "backups",
          namespace: "velero",
          name: "nightly-running",
          uid: "u-run",
          resourceVersion: "1",
          phase: "InProgress",
        },
      });
      const upgrade = settings({ version: "v1.18.1", fsBackup: { enabled: true, default: "optOut" } });
      await expect(startChange(d, clusterId, { settings: upgrade, whenBusy: "refuse" }, adminId)).rejects.toThrow(
        "1 backup or restore is running on this cluster (Backup nightly-running)",
      );
      await expect(
        startChange(
          d,
          clusterId,
          { settings: settings({ version: "v1.16.0" as string }), whenBusy: "refuse" },
          adminId,
        ),
      ).rejects.toThrow();
      const { id } = await startChange(d, clusterId, { settings: upgrade, whenBusy: "wait" }, adminId);
      const review = await settled(id, ["REVIEW", "FAILED"]);
      expect(review.kind).toBe("UPGRADE");
      await approveOperation(d, clusterId, id, review.renderedDigest!, adminId);
      await until("waiting for the backup", async () =>
        (await operation(id)).message?.startsWith(
          "Waiting for what runs on the cluster to finish: Backup nightly-running",
        ),
      );
      expect((await operation(id)).phase).toBe("APPLYING");
      await db.veleroObject.update({ where: { id: busy.id }, data: { phase: "Completed" } });
      expect(await settled(id, ["SUCCEEDED", "FAILED"], 90_000)).toMatchObject({
        phase: "SUCCEEDED",
        message: "Velero v1.18.1 runs on the cluster",
      });
      const image = await kubectl(kubeconfigPath(), [
        "get",
        "deploy,ds",
        "-n",
        "velero",
        "-o",
        "jsonpath={.items[*].spec.template.spec.containers[0].image}",
      ]);
      expect(image.out.split(" ")).toEqual(["velero/velero:v1.18.1", "velero/velero:v1.18.1"]);
      await db.veleroObject.delete({ where: { id: busy.id } });
    });

    it("shows a hand edit as drift and puts it back", async () => {
      expect(await veleroDriftOf(d, clusterId)).toMatchObject({ drifted: false, objects: [] });
      // Someone sets the server's image back by hand (replicas, which Velero's installer does not set, are not drift).
      const edit = await kubectl(kubeconfigPath(), [
        "-n",
        "velero",
        "set",
        "image",
        "deploy/velero",
        "velero=velero/velero:v1.17.0",
      ]);
      expect(edit.code).toBe(0);
      const drift = await veleroDriftOf(d, clusterId);
      expect(drift.drifted).toBe(true);
      expect(drift.objects.map((o) => `${o.kind}/${o.name}`)).toEqual(["Deployment/velero"]);
      expect(drift.objects[0].lines.filter((l) => l.op !== " ").map((l) => `${l.op}${l.text.trim()}`)).toEqual([
        "-image: velero/velero:v1.17.0",
        "+image: velero/velero:v1.18.1",
      ]);
      const { id } = await startRepair(d, clusterId, adminId);
      expect(await settled(id, ["SUCCEEDED", "FAILED"], 90_000)).toMatchObject({ kind: "REPAIR", phase: "SUCCEEDED" });
      expect(await veleroDriftOf(d, clusterId)).toMatchObject({ drifted: false });
    });

    it("disables data protection keeping the backups: Velero's workloads go, its CRDs stay", async () => {
      await expect(
        startDisable(d, clusterId, { backups: "keep", deleteCrds: false, confirmName: "not-it" }, adminId),
      ).rejects.toThrow("Type the cluster's name, bare, to confirm");
      const { id } = await startDisable(
        d,
        clusterId,
        { backups: "keep", deleteCrds: false, confirmName: "bare" },
        adminId,
      );
      const done = await settled(id, ["SUCCEEDED", "FAILED"], 90_000);
      expect(done).toMatchObject({
        phase: "SUCCEEDED",
        message:
          "Velero was removed from the cluster; its backups stay in storage, restorable into another cluster. Its CRDs stay.",
      });
      const left = await kubectl(kubeconfigPath(), ["get", "deploy,ds", "-n", "velero", "-o", "name"]);
      expect(left.out.trim()).toBe("");
      expect((await kubectl(kubeconfigPath(), ["get", "crd", "backups.velero.io"])).code).toBe(0);
      expect(await db.veleroInstallation.findUniqueOrThrow({ where: { clusterId } })).toMatchObject({
        management: "DISABLED",
      });
      const cluster = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
      expect(cluster.velero).toMatchObject({ installed: false });
    });
    it("takes over a Velero someone else installed after Lifeboat removed its own, then removes it again", async () => {
      // Someone installs Velero v1.17.0 by hand (what `velero install` renders, applied with kubectl; the CRDs are there).
      const parsed = parseInstallArgs(seedInstallArgs({ version: "v1.17.0", nodeAgent: true, csi: true }), "v1.17.0");
      if (!parsed.ok) throw new Error(parsed.error);
      const theirs = renderVeleroObjects({ version: "v1.17.0", flags: parsed.flags }).filter(
        (o) => o.kind !== "CustomResourceDefinition",
      );
      // Their server runs beside a sidecar that Velero's render does not have, and a finalizer keeps their Deployment
      // a while once it is deleted: the take-over replaces it, and applies Lifeboat's only once it has gone.
      const FINALIZER = "example.com/keep";
      for (const o of theirs)
        if (o.kind === "Deployment") {
          Object.assign(o.metadata, { finalizers: [FINALIZER] });
          const { template } = o.spec as { template: { spec: { containers: { name: string; image: string }[] } } };
          template.spec.containers.push({ name: "metrics-proxy", image: template.spec.containers[0].image });
        }
      const applied = await kubectl(
        kubeconfigPath(),
        ["apply", "--validate=false", "-f", "-"],
        theirs.map((o) => stringify(o)).join("---\n"),
      );
      expect(applied.code, applied.err).toBe(0);
      // Detected once their server runs and their node-agent is ready (a check can come between the two).
      await until("their Velero detected, its node-agent ready", async () => {
        await checkCluster(d, clusterId);
        const seen = await veleroStatusOf(db, clusterId);
        return seen.management === "ADOPTED" && seen.detectedSettings?.fsBackup.enabled === true;
      });
      const status = await veleroStatusOf(db, clusterId);
      expect(status.detectedSettings).toMatchObject({
        version: "v1.17.0",
        fsBackup: { enabled: true, default: "optIn" },
        csi: { enabled: true },
      });
      await expect(startInstall(d, clusterId, { settings: settings() }, adminId)).rejects.toThrow(
        "Velero is already installed on this cluster by someone else",
      );

      const { id } = await startTakeOver(
        d,
        clusterId,
        { settings: status.detectedSettings!, whenBusy: "refuse" },
        adminId,
      );
      const review = await settled(id, ["REVIEW", "FAILED"]);
      expect(review).toMatchObject({ kind: "TAKE_OVER", phase: "REVIEW" });
      const changes = (
        review.rendered as { changes: { kind: string; change: string; lines: { op: string; text: string }[] }[] }
      ).changes;
      const deployment = changes.find((c) => c.kind === "Deployment")!;
      expect(deployment.change).toBe("update");
      expect(
        deployment.lines.some((l) => l.op === "+" && l.text.includes("app.kubernetes.io/managed-by: lifeboat")),
      ).toBe(true);
      expect(deployment.lines[0]).toEqual({
        op: "-",
        text: "# replaced: container metrics-proxy is not in Velero's render",
      });
      await approveOperation(d, clusterId, id, review.renderedDigest!, adminId);
      // Their Deployment is deleted; its finalizer holds it, and nothing of Lifeboat's is applied onto it meanwhile.
      const waiting = await until("the take-over waiting for their Deployment to go", async () => {
        const op = await operation(id);
        return (op.phase !== "APPLYING" || op.message?.includes("Waiting for Deployment velero/velero to go")) && op;
      });
      expect(waiting).toMatchObject({ phase: "APPLYING" });
      // The page names what it waits for, as a step of its own.
      expect((await veleroStatusOf(db, clusterId)).operation).toMatchObject({ replaces: ["Deployment velero/velero"] });
      const held = await veleroDeployment("{.metadata.deletionTimestamp} {.spec.template.spec.containers[*].name}");
      expect(held.out.trim()).toMatch(/^\S+ velero metrics-proxy$/);
      // Their cleanup done, the finalizer goes, and with it their Deployment: Lifeboat's is applied in its place.
      const released = await kubectl(kubeconfigPath(), [
        "patch",
        "deploy",
        "velero",
        "-n",
        "velero",
        "--type=merge",
        "-p",
        JSON.stringify({ metadata: { finalizers: null } }),
      ]);
      expect(released.code, released.err).toBe(0);
      expect(await settled(id, ["SUCCEEDED", "FAILED"], 90_000)).toMatchObject({ phase: "SUCCEEDED" });
      const containers = await veleroDeployment("{.spec.template.spec.containers[*].name} {.metadata.finalizers}");
      expect(containers.out.trim()).toBe("velero");
      expect(await veleroStatusOf(db, clusterId)).toMatchObject({ management: "MANAGED", version: "v1.17.0" });
      const labels = await veleroDeployment("{.metadata.labels.app\\.kubernetes\\.io/managed-by}");
      expect(labels.out).toBe("lifeboat");
      // Putting it back later re-applies Lifeboat's own Deployment in place: the take-over's replacement is not redone.
      const uid = (await veleroDeployment("{.metadata.uid}")).out;
      const repair = await startRepair(d, clusterId, adminId);
      expect(await settled(repair.id, ["SUCCEEDED", "FAILED"], 90_000)).toMatchObject({ phase: "SUCCEEDED" });
      expect((await veleroDeployment("{.metadata.uid}")).out).toBe(uid);
    });
    it("disables data protection deleting the cluster's backups first: Velero removes them from storage, then itself goes", async () => {
      // A location on sandbox-3 (the S3 emulator) and a backup into it, followed to Completed by the sync engine.
      const s3 = testSandbox().s3;
      const cred = await caller.credential.create({
        kind: "AWS_ACCESS_KEY",
        name: "install-s3",
        description: "",
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
      });
      const loc = await caller.location.create({
        name: "install-loc",
        provider: "S3_COMPATIBLE",
        region: "us-east-1",
        endpoint: s3.endpoint,
        pathStyle: true,
        credentialId: cred.id,
        bucket: "lifeboat-backups",
        prefix: `install-it-${Date.now().toString(36)}`,
      });
      await caller.location.assign({
        locationId: loc.id,
        target: { kind: "clusterGroup", id: groupId },
        readOnly: true,
        writers: [clusterId], // a group's clusters only read it unless chosen as writers (#14 §3)
      });
      sync = new SyncEngine({ db, clientFor: (id) => d.clusters.forCluster(id) });
      sync.startCluster(clusterId);
      await until("the location Available on sandbox-3", async () => {
        await caller.location.refresh({ id: loc.id });
        return (await caller.location.list())
          .find((x) => x.id === loc.id)!
          .deployments.some((x) => x.phase === "Available");
      });
      const { name } = await caller.backup.create({
        clusterId,
        name: "bare-before-disable",
        spec: {
          scope: { kind: "namespaces", include: ["web-cache"] },
          volumes: { fsBackup: "optIn", csiSnapshots: false, dataMovement: false },
          location: "lifeboat-install-loc",
          ttl: { value: 1, unit: "days" },
        } as BackupInput,
      });
      await until("the backup Completed", async () => {
        const row = await db.veleroObject.findFirst({ where: { clusterId, kind: "backups", name } });
        return row?.phase === "Completed";
      });

      const secret = ["get", "secret", "lifeboat-install-loc-credentials", "-n", "velero", "-o", "name"];
      expect((await kubectl(kubeconfigPath(), secret)).code).toBe(0);

      // Everything asked: the backups first, then the locations, Velero, and its CRDs and namespace (sandbox-3 is
      // left as the integration sandbox started it, without Velero's CRDs).
      const { id } = await startDisable(
        d,
        clusterId,
        { backups: "delete", deleteCrds: true, confirmName: "bare" },
        adminId,
      );
      const done = await settled(id, ["SUCCEEDED", "FAILED"], 120_000);
      expect(done).toMatchObject({
        phase: "SUCCEEDED",
        message: "Velero was removed from the cluster, with its backups. Its CRDs and namespace were deleted.",
      });
      expect((done.steps as { name: string; state: string }[]).map((x) => `${x.name}:${x.state}`)).toEqual([
        "delete-backups:done",
        "locations:done",
        "workloads:done",
        "crds:done",
      ]);
      expect(await db.veleroObject.count({ where: { clusterId, kind: "backups", name } })).toBe(0);
      expect(await db.locationDeployment.count({ where: { clusterId } })).toBe(0);
      expect((await kubectl(kubeconfigPath(), secret)).code).not.toBe(0);
      for (const crd of ["backups.velero.io", "backupstoragelocations.velero.io", "restores.velero.io"])
        expect((await kubectl(kubeconfigPath(), ["get", "crd", crd])).code, crd).not.toBe(0);
      await until(
        "the velero namespace gone",
        async () => (await kubectl(kubeconfigPath(), ["get", "ns", "velero"])).code !== 0,
      );
      // Lifeboat's own roles there went with it (the dialog says so): the cluster's admin applies the manage manifest
      // again, as before enabling data protection here another time.
      const manifest = onboardingManifest({ level: "manage" }).yaml;
      expect((await kubectl(kubeconfigPath(), ["apply", "-f", "-"], manifest)).code).toBe(0);
      expect(await db.veleroInstallation.findUniqueOrThrow({ where: { clusterId } })).toMatchObject({
        management: "DISABLED",
      });
    });
    it("with only operate access left (the manage binding removed), Lifeboat's service account probes as OPERATE", async () => {
      // Lifeboat's own identity, as the onboarding manifest's command prints it (the test attached as the admin).
      const { command } = onboardingManifest({ level: "manage" });
      const printed = spawnSync("bash", ["-c", command], {
        encoding: "utf8",
        env: { ...process.env, KUBECONFIG: kubeconfigPath() },
      });
      expect(printed.status, printed.stderr).toBe(0);
      const asLifeboat = await clientOf(printed.stdout);
      expect((await probeCluster(asLifeboat)).accessLevel).toBe("MANAGE");
      const removed = await kubectl(kubeconfigPath(), ["delete", "clusterrolebinding", "lifeboat-velero-manager"]);
      expect(removed.code, removed.err).toBe(0);
      try {
        const probe = await probeCluster(asLifeboat);
        expect(probe.accessLevel).toBe("OPERATE");
        expect(probe.missingManage.length).toBeGreaterThan(0);
      } finally {
        // The manage manifest again, as the cluster's admin would (the files after this one install here).
        const manifest = onboardingManifest({ level: "manage" }).yaml;
        expect((await kubectl(kubeconfigPath(), ["apply", "-f", "-"], manifest)).code).toBe(0);
      }
      expect((await probeCluster(asLifeboat)).accessLevel).toBe("MANAGE");
    });
  },
);
