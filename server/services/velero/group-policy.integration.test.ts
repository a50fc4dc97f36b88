import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { depsFor, type Deps } from "../../composition";
import { ControllerManager } from "../../controllers/manager";
import { veleroGroupPolicyReconciler, veleroInstallerReconciler } from "../../controllers/reconcilers";
import type { Db } from "../../db/client";
import { EventBus } from "../../events/bus";
import { onboardingManifest } from "../../kube/access";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { freshDatabase } from "../../testing/db";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import { until } from "../../testing/wait";
import { haveKubectl, kubectl } from "@/sandbox/testing/kubectl";
import { DEFAULT_VELERO_SETTINGS, type VeleroSettings } from "@/lib/schemas/velero";
import type { GroupClusterRow } from "@/lib/schemas/velero-group";
import { applyGroupPolicy } from "./group-policy";
import { startChange, startDisable } from "./operations";

// A cluster group's Velero policy, the whole way a console process applies it: a group admin sets the group's
// settings, a cluster without Velero (sandbox-3) is attached to the group afterwards, and the velero-group-policy
// reconciler under the controller lease installs Velero there without a review (the velero-installer reconciler runs
// the operation); changing the group's version upgrades it; a cluster running someone else's Velero (sandbox-1) is shown
// blocked and left alone; a failed operation of the policy's is not started again until an admin asks.
// sandbox-3 is used as found (another file installs and removes Velero there): Velero's workloads are removed at the
// end, and its CRDs too when they were not there before.
let db: Db;
let url: string;
let d: Deps;
let bus: EventBus;
let manager: ControllerManager;
let groupId: string;
let bareId: string;
let foreignId: string;
let adminId: string;
let crdsBefore = false;
let caller: ReturnType<typeof callerFor>;
const BARE = 2; // sandbox-3, started --without-velero
const FOREIGN = 0; // sandbox-1: a Velero the sandbox installed (someone else's, to Lifeboat)
const kubeconfigPath = () => testSandbox().clusters[BARE].kubeconfig;
const settings = (patch: Partial<VeleroSettings> = {}): VeleroSettings => ({
  ...DEFAULT_VELERO_SETTINGS,
  version: "v1.17.0",
  fsBackup: { enabled: true, default: "optIn" },
  ...patch,
});
const row = async (clusterId: string): Promise<GroupClusterRow> =>
  (await caller.veleroGroup.get({ groupId })).clusters.find((c) => c.clusterId === clusterId)!;
/** Waits until the cluster's row is in `state` (failing at once on a state it should not reach). */
const rowIn = (
  clusterId: string,
  state: GroupClusterRow["state"],
  unless: string[] = ["failed", "blocked"],
  ms = 90_000,
) =>
  until(
    `the cluster ${state}`,
    async () => {
      const r = await row(clusterId);
      if (r.state && unless.includes(r.state)) throw new Error(`${r.state}: ${r.message}`);
      return r.state === state && r;
    },
    ms,
  );
const operations = (clusterId: string) =>
  db.veleroOperation.findMany({ where: { clusterId }, orderBy: { createdAt: "asc" } });

beforeAll(async () => {
  ({ db, url } = await freshDatabase());
  d = depsFor(db);
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  adminId = admin.id;
  caller = callerFor(db, await signedIn(db, admin));
  groupId = (await aGroup(db)).id;
  if (!haveKubectl) return;
  crdsBefore = (await kubectl(kubeconfigPath(), ["get", "crd", "backups.velero.io"])).code === 0;
  // The "manage Velero" onboarding manifest, applied by the cluster's admin (Lifeboat's namespace for the installer).
  const manifest = onboardingManifest({ level: "manage" }).yaml;
  expect((await kubectl(kubeconfigPath(), ["apply", "-f", "-"], manifest)).code).toBe(0);
  bus = new EventBus(url);
  await bus.ready();
  manager = new ControllerManager(
    db,
    [veleroInstallerReconciler(d, bus, { tickMs: 200 }), veleroGroupPolicyReconciler(d, bus, { tickMs: 200 })],
    { renewMs: 200 },
  );
  await manager.start();
});
afterAll(async () => {
  await manager?.stop();
  await bus?.stop();
});

describe.skipIf(!haveKubectl)("a cluster group's Velero policy" + (haveKubectl ? "" : " (skipped: no kubectl)"), () => {
  it("installs the group's Velero, without a review, on a cluster attached after the policy was set", async () => {
    await caller.veleroGroup.set({ groupId, settings: settings(), whenBusy: "refuse" });
    expect(await caller.veleroGroup.get({ groupId })).toMatchObject({
      policy: { settings: { version: "v1.17.0" }, whenBusy: "refuse", enabled: true },
      clusters: [],
    });
    const bare = await caller.cluster.attach({
      kubeconfig: kubeconfigText(BARE),
      name: "bare",
      groupId,
      description: "",
      labels: {},
    });
    bareId = bare.id;
    const installing = await rowIn(bareId, "installing");
    expect(installing).toMatchObject({ clusterName: "bare", operation: { kind: "INSTALL", version: "v1.17.0" } });
    const done = await rowIn(bareId, "in policy");
    expect(done).toMatchObject({
      management: "MANAGED",
      version: "v1.17.0",
      reason: null,
      operation: { kind: "INSTALL", phase: "SUCCEEDED", message: "Velero v1.17.0 runs on the cluster" },
    });
    // One operation, applied without anyone approving it.
    const ops = await operations(bareId);
    expect(ops.map((o) => `${o.kind}:${o.phase}`)).toEqual(["INSTALL:SUCCEEDED"]);
    expect(ops[0].approvedAt).toBeNull();
    const images = await kubectl(kubeconfigPath(), [
      "get",
      "deploy,ds",
      "-n",
      "velero",
      "-o",
      "jsonpath={.items[*].spec.template.spec.containers[0].image}",
    ]);
    expect(images.out.split(" ")).toEqual(["velero/velero:v1.17.0", "velero/velero:v1.17.0"]);
  }, 120_000);

  it("shows a cluster that runs someone else's Velero as blocked, with the reason, and starts nothing there", async () => {
    const foreign = await caller.cluster.attach({
      kubeconfig: kubeconfigText(FOREIGN),
      name: "foreign",
      groupId,
      description: "",
      labels: {},
    });
    foreignId = foreign.id;
    const blocked = await rowIn(foreignId, "blocked", []);
    expect(blocked).toMatchObject({
      management: "ADOPTED",
      reason: "someone else's Velero",
      retryable: false,
      operation: null,
    });
    expect(blocked.message).toContain("take it over on the cluster's page");
    // A pass of the policy (as its reconciler makes on every tick) leaves it alone.
    const policy = await db.groupVeleroPolicy.findUniqueOrThrow({ where: { groupId } });
    await applyGroupPolicy(d, policy.id);
    expect(await operations(foreignId)).toEqual([]);
  });

  it("upgrades every cluster of the group when the group's version changes", async () => {
    await caller.veleroGroup.set({ groupId, settings: settings({ version: "v1.18.1" }), whenBusy: "refuse" });
    const upgrading = await rowIn(bareId, "upgrading");
    expect(upgrading.operation).toMatchObject({ kind: "UPGRADE", version: "v1.18.1" });
    expect(await rowIn(bareId, "in policy")).toMatchObject({
      management: "MANAGED",
      version: "v1.18.1",
      operation: { kind: "UPGRADE", phase: "SUCCEEDED", message: "Velero v1.18.1 runs on the cluster" },
    });
    const images = await kubectl(kubeconfigPath(), [
      "get",
      "deploy,ds",
      "-n",
      "velero",
      "-o",
      "jsonpath={.items[*].spec.template.spec.containers[0].image}",
    ]);
    expect(images.out.split(" ")).toEqual(["velero/velero:v1.18.1", "velero/velero:v1.18.1"]);
    expect((await operations(bareId)).map((o) => `${o.kind}:${o.phase}:${o.approvedAt}`)).toEqual([
      "INSTALL:SUCCEEDED:null",
      "UPGRADE:SUCCEEDED:null",
    ]);
    expect((await row(foreignId)).state).toBe("blocked");
  }, 120_000);

  it("does not start a failed operation of its own again for the same settings, until an admin asks", async () => {
    process.env.LIFEBOAT_VELERO_PULL_TIMEOUT_SECONDS = "5"; // time for a loaded machine to see the pull fail
    try {
      const unreachable = settings({ version: "v1.18.1", registry: "registry.unreachable.example" });
      await caller.veleroGroup.set({ groupId, settings: unreachable, whenBusy: "refuse" });
      const failed = await rowIn(bareId, "failed", ["blocked"]);
      expect(failed).toMatchObject({ retryable: true, operation: { kind: "CONFIGURE", phase: "FAILED" } });
      expect(failed.message).toContain("The cluster could not pull registry.unreachable.example/velero/velero:v1.18.1");
      // Passes of the policy start nothing more.
      const policy = await db.groupVeleroPolicy.findUniqueOrThrow({ where: { groupId } });
      await applyGroupPolicy(d, policy.id);
      await applyGroupPolicy(d, policy.id);
      expect(await operations(bareId)).toHaveLength(3);
      await expect(caller.veleroGroup.retry({ groupId, clusterId: foreignId })).rejects.toMatchObject({
        code: "CONFLICT",
      });
      // Retry: one more operation, which fails the same way.
      await caller.veleroGroup.retry({ groupId, clusterId: bareId });
      await until("a second try", async () => (await operations(bareId)).length === 4);
      expect(await rowIn(bareId, "failed", ["blocked"])).toMatchObject({ operation: { phase: "FAILED" } });
      expect((await operations(bareId)).map((o) => `${o.kind}:${o.phase}`).slice(2)).toEqual([
        "CONFIGURE:FAILED",
        "CONFIGURE:FAILED",
      ]);
    } finally {
      delete process.env.LIFEBOAT_VELERO_PULL_TIMEOUT_SECONDS;
    }
    // Back to the settings the cluster runs with: in policy, nothing to start (the failures applied nothing).
    await caller.veleroGroup.set({ groupId, settings: settings({ version: "v1.18.1" }), whenBusy: "refuse" });
    expect(await rowIn(bareId, "in policy")).toMatchObject({ version: "v1.18.1" });
    expect(await operations(bareId)).toHaveLength(4);
  }, 120_000);

  it("through the router: a viewer of the group reads it, may not change it; another group's viewer sees nothing", async () => {
    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: groupId });
    const asViewer = callerFor(db, await signedIn(db, viewer));
    const status = await asViewer.veleroGroup.get({ groupId });
    expect(status.clusters.map((c) => `${c.clusterName}:${c.state}`)).toEqual(["bare:in policy", "foreign:blocked"]);
    await expect(asViewer.veleroGroup.set({ groupId, settings: settings(), whenBusy: "refuse" })).rejects.toMatchObject(
      { code: "FORBIDDEN" },
    );
    await expect(asViewer.veleroGroup.remove({ groupId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const other = await aUser(db);
    await bind(db, "VIEWER", { userId: other.id }, { clusterGroupId: (await aGroup(db)).id });
    const outsider = callerFor(db, await signedIn(db, other));
    await expect(outsider.veleroGroup.get({ groupId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const audited = await db.auditEvent.findMany({ where: { action: "veleroGroup.set", outcome: "SUCCESS" } });
    expect(audited.length).toBeGreaterThanOrEqual(4);
  });

  it("stopping the policy leaves Velero where it runs; then Velero's workloads are removed from sandbox-3", async () => {
    // While the group enables it, removing Velero from one of its clusters is refused (the policy would reinstall it).
    await expect(
      startDisable(d, bareId, { backups: "keep", deleteCrds: false, confirmName: "bare" }, adminId),
    ).rejects.toThrow("so Velero would be installed here again: change the group's settings, stop its policy");
    // ... and so is changing its settings there (the policy would put them back).
    await expect(
      startChange(
        d,
        bareId,
        {
          settings: settings({ version: "v1.18.1", csi: { enabled: false, moveDataByDefault: false } }),
          whenBusy: "refuse",
        },
        adminId,
      ),
    ).rejects.toThrow("so the policy would put its settings back");
    await caller.veleroGroup.remove({ groupId });
    const status = await caller.veleroGroup.get({ groupId });
    expect(status.policy).toMatchObject({ enabled: false, settings: { version: "v1.18.1" } });
    expect(status.clusters.map((c) => `${c.clusterName}:${c.management}:${c.state}`)).toEqual([
      "bare:MANAGED:null",
      "foreign:ADOPTED:null",
    ]);
    await expect(caller.veleroGroup.remove({ groupId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    // Leave sandbox-3 as the other file leaves it: Velero disabled, its workloads gone (its CRDs too if new).
    const { id } = await startDisable(d, bareId, { backups: "keep", deleteCrds: false, confirmName: "bare" }, adminId);
    await until("Velero removed", async () => {
      const op = await db.veleroOperation.findUniqueOrThrow({ where: { id } });
      if (op.phase === "FAILED") throw new Error(op.message ?? "failed");
      return op.phase === "SUCCEEDED";
    });
    const left = await kubectl(kubeconfigPath(), ["get", "deploy,ds", "-n", "velero", "-o", "name"]);
    expect(left.out.trim()).toBe("");
    // Not installed again: the policy no longer applies.
    const policy = await db.groupVeleroPolicy.findUniqueOrThrow({ where: { groupId } });
    await applyGroupPolicy(d, policy.id);
    expect((await operations(bareId)).at(-1)).toMatchObject({ kind: "DISABLE", phase: "SUCCEEDED" });
    if (!crdsBefore) {
      const crds = await kubectl(kubeconfigPath(), ["delete", "crd", "-l", "component=velero", "--wait=false"]);
      expect(crds.code).toBe(0);
    }
  }, 60_000);
});
