import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { aCluster, aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { freshDatabase } from "../../testing/db";
import { DEFAULT_VELERO_SETTINGS } from "@/lib/schemas/velero";

// The fleet's Velero versions through the router, from cluster records as detection and the installer leave them:
// who runs Velero where, its node-agent and plugin tags, what the cluster's Kubernetes makes of it, and what is newer;
// scoped to the clusters the caller may see.
let db: Db;
let groupA: string;
let groupB: string;
let onlyB: string;

const detected = (version: string, o: { images?: boolean; nodeAgent?: boolean } = {}) => ({
  installed: true,
  serverVersion: version,
  nodeAgent: o.nodeAgent ?? true,
  csi: { enabled: true, snapshotClasses: [] },
  ...(o.images === false
    ? {}
    : {
        images: {
          server: `velero/velero:${version}`,
          nodeAgent: `registry.example:5000/velero/velero:${version}`,
          plugins: [
            { name: "velero-velero-plugin-for-aws", image: "velero/velero-plugin-for-aws:v1.13.0" },
            {
              name: "velero-velero-plugin-for-microsoft-azure",
              image: "velero/velero-plugin-for-microsoft-azure@sha256:ab",
            },
          ],
        },
      }),
});

async function cluster(groupId: string, name: string, data: Prisma.ClusterUpdateInput) {
  const c = await aCluster(db, groupId, name);
  await db.cluster.update({ where: { id: c.id }, data });
  return c.id;
}

beforeAll(async () => {
  ({ db } = await freshDatabase());
  groupA = (await aGroup(db, "versions-a")).id;
  groupB = (await aGroup(db, "versions-b")).id;
  await cluster(groupA, "a-adopted", { kubernetesVersion: "v1.33.1", velero: detected("v1.17.0") });
  const managed = await cluster(groupA, "a-managed", {
    kubernetesVersion: "v1.34.1",
    velero: detected("v1.18.1", { nodeAgent: false }),
  });
  await db.veleroInstallation.create({ data: { clusterId: managed, management: "MANAGED", version: "v1.18.1" } });
  await cluster(groupA, "a-off", {
    kubernetesVersion: "v1.30.8",
    velero: {
      installed: false,
      reason: "no namespace",
      nodeAgent: false,
      csi: { enabled: false, snapshotClasses: [] },
    },
  });
  onlyB = await cluster(groupB, "b-old", {
    kubernetesVersion: "v1.29.4",
    velero: detected("v1.14.1", { images: false }),
  });
});

describe("the fleet's Velero versions", () => {
  it("says per cluster who runs which Velero, its node-agent and plugins, how it goes with Kubernetes, and what is newer", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const rows = await callerFor(db, await signedIn(db, admin)).veleroFleet.versions();
    expect(rows.map((r) => r.clusterName)).toEqual(["a-adopted", "a-managed", "a-off", "b-old"]);
    const [adopted, managed, off, old] = rows;
    expect(adopted).toMatchObject({
      groupName: "versions-a",
      management: "ADOPTED",
      veleroVersion: "v1.17.0",
      nodeAgentRunning: true,
      nodeAgent: "v1.17.0",
      plugins: [
        { name: "velero.io/aws", version: "v1.13.0" },
        { name: "velero.io/azure", version: null },
      ],
      kubernetesVersion: "v1.33.1",
      compatibility: { level: "tested" },
      newestRelease: "v1.18.1",
      upgradeAvailable: true,
    });
    expect(managed).toMatchObject({
      management: "MANAGED",
      veleroVersion: "v1.18.1",
      nodeAgentRunning: false,
      nodeAgent: null,
      compatibility: { level: "tested" },
      upgradeAvailable: false,
    });
    expect(off).toMatchObject({
      management: "OFF",
      veleroVersion: null,
      nodeAgentRunning: false,
      nodeAgent: null,
      plugins: [],
      kubernetesVersion: "v1.30.8",
      compatibility: null,
      upgradeAvailable: false,
    });
    // Detected before Lifeboat read images: the node-agent runs, its tag is unknown.
    expect(old).toMatchObject({
      management: "ADOPTED",
      veleroVersion: "v1.14.1",
      nodeAgentRunning: true,
      nodeAgent: null,
      plugins: [],
      compatibility: { level: "tested" },
      upgradeAvailable: true,
    });
  });

  it("shows a user only the clusters their bindings reach, and nothing (not a refusal) to someone bound to none", async () => {
    const viewerOfA = await aUser(db);
    await bind(db, "VIEWER", { userId: viewerOfA.id }, { clusterGroupId: groupA });
    const seenByA = await callerFor(db, await signedIn(db, viewerOfA)).veleroFleet.versions();
    expect(seenByA.map((r) => r.clusterName)).toEqual(["a-adopted", "a-managed", "a-off"]);

    const operatorOfB = await aUser(db);
    await bind(db, "OPERATOR", { userId: operatorOfB.id }, { clusterId: onlyB });
    const seenByB = await callerFor(db, await signedIn(db, operatorOfB)).veleroFleet.versions();
    expect(seenByB.map((r) => r.clusterName)).toEqual(["b-old"]);

    const nobody = await aUser(db);
    expect(await callerFor(db, await signedIn(db, nobody)).veleroFleet.versions()).toEqual([]);
  });

  it("offers an upgrade where the caller may make it, shows the operation under way, and leaves a group's clusters to its policy", async () => {
    const groupC = (await aGroup(db, "versions-c")).id;
    const managed = (version: string) => ({
      kubernetesVersion: "v1.33.1",
      accessLevel: "MANAGE" as const,
      velero: detected(version),
    });
    const older = await cluster(groupC, "c-older", managed("v1.17.0"));
    const busy = await cluster(groupC, "c-upgrading", managed("v1.17.0"));
    for (const id of [older, busy])
      await db.veleroInstallation.create({ data: { clusterId: id, management: "MANAGED", version: "v1.17.0" } });
    await db.veleroOperation.create({
      data: {
        clusterId: busy,
        kind: "UPGRADE",
        phase: "ROLLING_OUT",
        settings: { ...DEFAULT_VELERO_SETTINGS, version: "v1.18.1" },
        steps: [
          { name: "render", state: "done", at: "2026-12-06T01:00:00Z" },
          { name: "review", state: "done", at: "2026-12-06T01:00:05Z" },
          { name: "established", state: "done", at: "2026-12-06T01:00:08Z" },
          { name: "workloads", state: "done", at: "2026-12-06T01:00:09Z" },
          { name: "rollout", state: "running", at: "2026-12-06T01:00:10Z" },
        ],
        progress: { ready: 1, desired: 2 },
      },
    });
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: groupC });
    const ofC = async (u: typeof admin) =>
      (await callerFor(db, await signedIn(db, u)).veleroFleet.versions()).filter((r) => r.groupName === "versions-c");

    const [olderRow, busyRow] = await ofC(admin);
    expect(olderRow).toMatchObject({
      clusterName: "c-older",
      upgradeAvailable: true,
      canUpgrade: true,
      operation: null,
    });
    expect(busyRow).toMatchObject({
      clusterName: "c-upgrading",
      upgradeAvailable: true,
      canUpgrade: false,
      operation: { kind: "UPGRADE", phase: "ROLLING_OUT", version: "v1.18.1", progress: { ready: 1, desired: 2 } },
    });
    // A viewer sees the same versions and progress, and no upgrade to make.
    expect((await ofC(viewer)).map((r) => [r.clusterName, r.canUpgrade, r.operation?.kind ?? null])).toEqual([
      ["c-older", false, null],
      ["c-upgrading", false, "UPGRADE"],
    ]);
    // Under the group's policy, the group upgrades it: no upgrade of the cluster alone.
    await db.groupVeleroPolicy.create({
      data: { groupId: groupC, settings: { ...DEFAULT_VELERO_SETTINGS, version: "v1.17.0" }, whenBusy: "refuse" },
    });
    expect((await ofC(admin)).map((r) => [r.clusterName, r.groupPolicy, r.canUpgrade])).toEqual([
      ["c-older", true, false],
      ["c-upgrading", true, false],
    ]);
  });
});
