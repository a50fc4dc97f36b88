import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aCluster, aGroup, aUser, callerFor, signedIn } from "../../testing/builders";
import { NOT_SERVED } from "../../sync/engine";
import { readFacts } from "./facts";
import { observedMethod } from "./coverage";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import { veleroObjects } from "../../kube/testing-objects";
import { SyncEngine } from "../../sync/engine";
import { depsFor, type Deps } from "../../composition";
import type { Db } from "../../db/client";
import { COVERAGE_NAMESPACES, SEEDED_NAMESPACES } from "@/sandbox/seed";
import { PROTECTED_NAMESPACES } from "@/lib/schemas/protection";
import type { CoverageMethodName, ObservedVolume } from "@/lib/schemas/coverage";
import { readDigest } from "./digests";
import { refreshSummary } from "./summaries";
import { fleetDashboard } from "./dashboard";
import { loadAccess } from "../../rbac/access";

// Volume coverage against sandbox cluster 0 (Velero's stand-in, with the seeded coverage cases): the sync engine
// follows the cluster's pods, claims and volumes; the prediction (lib/velero/coverage) names each seeded case's method
// and reason; and for one real backup of everything, the stand-in (which implements Velero's decisions on its own, in
// sandbox/velero) did what the prediction said for every seeded volume.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

let db: Db;
let d: Deps;
let caller: ReturnType<typeof callerFor>;
let sync: SyncEngine;
let clusterId = "";
let bslName = "";
const suffix = Date.now().toString(36);
const NAMESPACES = new Set([...SEEDED_NAMESPACES, ...COVERAGE_NAMESPACES]);

const coverage = () => caller.coverage.get({ clusterId });

beforeAll(async () => {
  ({ db } = await freshDatabase());
  d = depsFor(db);
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  caller = callerFor(db, await signedIn(db, admin));
  const groupId = (await aGroup(db, "coverage-fleet")).id;
  clusterId = (
    await caller.cluster.attach({ kubeconfig: kubeconfigText(0), name: "cov", groupId, description: "", labels: {} })
  ).id;
  const s3 = testSandbox().s3;
  const cred = await caller.credential.create({
    kind: "AWS_ACCESS_KEY",
    name: "coverage-s3",
    description: "",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  const loc = await caller.location.create({
    name: `cov-${suffix}`,
    provider: "S3_COMPATIBLE",
    region: "us-east-1",
    endpoint: s3.endpoint,
    pathStyle: true,
    credentialId: cred.id,
    bucket: "lifeboat-backups",
    prefix: `coverage-it-${suffix}`,
  });
  bslName = `lifeboat-cov-${suffix}`;
  // The group's clusters only read a location unless chosen as its writers (#14 §3): cov backs up there.
  await caller.location.assign({
    locationId: loc.id,
    target: { kind: "clusterGroup", id: groupId },
    readOnly: true,
    writers: [clusterId],
  });
  sync = new SyncEngine({ db, clientFor: (id) => d.clusters.forCluster(id) });
  sync.startCluster(clusterId);
  await until("the cluster's pods, claims and volumes to be read", async () => {
    const c = await coverage();
    return !c.problems.some((p) => p.includes("still reading")) && c.volumes.length > 0;
  });
  await until("the location to be Available", async () => {
    await caller.location.refresh({ id: loc.id });
    return (await caller.location.list())
      .find((x) => x.id === loc.id)!
      .deployments.some((x) => x.phase === "Available");
  });
});

afterAll(async () => {
  await veleroObjects(kubeconfigText(0))
    .remove("schedules", `cov-sched-${suffix}`)
    .catch(() => undefined);
  await sync?.stop();
});

describe("volume coverage", () => {
  it("keeps of pods only what the rules read, and follows the cluster's kinds cluster-wide", async () => {
    const pod = await db.veleroObject.findFirst({ where: { clusterId, kind: "pods", namespace: "analytics" } });
    expect(pod).not.toBeNull();
    expect(Object.keys(pod!.spec as object).sort()).toEqual(
      ["backupVolumes", "backupVolumesExcludes", "mounted", "nodeName", "owner", "volumes"].sort(),
    );
    expect(JSON.stringify(pod!.spec)).not.toContain("containers");
    const kinds = (await sync.state(clusterId)).map((s) => s.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(["pods", "persistentvolumeclaims", "persistentvolumes", "namespaces"]),
    );
  });

  it("names the method of each seeded case, with the reason and a fix for what is not covered (§9)", async () => {
    const c = await coverage();
    const byKey = new Map(c.volumes.map((v) => [v.key, v]));
    const onDemand = (key: string) => {
      const v = byKey.get(key);
      expect(v, key).toBeDefined();
      return v!.onDemand;
    };
    // A Pending pod's FSB is chosen, then skipped; a pod on the node without node-agent, likewise.
    expect(onDemand("pvc/analytics/spark-event-logs")).toMatchObject({ method: "SKIPPED" });
    expect(onDemand("pvc/analytics/spark-event-logs").reason).toMatch(/not running|Pending|not scheduled/i);
    expect(onDemand("pvc/analytics/notebook-workspace")).toMatchObject({ method: "SKIPPED" });
    expect(onDemand("pvc/analytics/notebook-workspace").reason).toContain("node-4");
    // A CSI driver without a VolumeSnapshotClass, and a claim without a storage class, are errors, with their fix.
    const clickhouse = c.volumes.find((v) => v.namespace === "analytics" && v.pvc?.startsWith("data-clickhouse"))!;
    expect(clickhouse.onDemand.method).toBe("ERROR");
    expect(clickhouse.onDemand.fix?.yaml).toContain("driver: nvme.csi.sandbox.io");
    expect(onDemand("pvc/batch-jobs/reports-archive").method).toBe("ERROR");
    // A hostPath volume is never covered.
    const varlog = c.volumes.find((v) => v.namespace === "batch-jobs" && v.volumeName === "varlog")!;
    expect(varlog.onDemand.method).toBe("NOT_COVERED");
    // FSB opt-in and CSI snapshots where the seed says.
    expect(c.volumes.some((v) => v.namespace === "web-cache" && v.onDemand.method === "FSB")).toBe(true);
    expect(c.volumes.some((v) => v.namespace === "cassandra" && v.onDemand.method === "CSI_SNAPSHOT")).toBe(true);
    // Protected namespaces are left out; batch-jobs is in no schedule of this test.
    expect(c.volumes.some((v) => (PROTECTED_NAMESPACES as readonly string[]).includes(v.namespace))).toBe(false);
    const reports = byKey.get("pvc/batch-jobs/reports-archive")!;
    if (!c.schedules.length) expect(reports.method).toBe("NOT_COVERED");
    expect(c.summary.volumes).toBe(c.volumes.length);
  });

  it("agrees with what the Velero stand-in does for a backup of everything, for every seeded volume", async () => {
    const predicted = (await coverage()).volumes.filter((v) => NAMESPACES.has(v.namespace));
    expect(predicted.length).toBeGreaterThan(8);
    const name = `cov-agree-${suffix}`;
    await veleroObjects(kubeconfigText(0)).create("backups", {
      kind: "Backup",
      metadata: { name },
      spec: { excludedNamespaces: [...PROTECTED_NAMESPACES], storageLocation: bslName, ttl: "1h0m0s" },
    });
    const row = await until("the backup to finish", async () => {
      const r = await db.veleroObject.findFirst({ where: { clusterId, kind: "backups", name } });
      return r && ["Completed", "PartiallyFailed", "Failed"].includes(r.phase ?? "") ? r : null;
    });
    await readDigest(d, row.id);
    const digest = await db.backupDigest.findUniqueOrThrow({
      where: { clusterId_backupName: { clusterId, backupName: name } },
    });
    expect(digest.error).toBeNull();
    const observed = digest.volumes as unknown as ObservedVolume[];
    const entryOf = (v: (typeof predicted)[number]) =>
      observed.find((o) =>
        v.pvc
          ? o.namespace === v.namespace && o.pvc === v.pvc
          : o.namespace === v.namespace && o.pod === v.pods[0] && o.volumeName === v.volumeName,
      );
    const did = (o: ObservedVolume | undefined): CoverageMethodName | "none" => {
      const m = o ? observedMethod(o) : "NOT_COVERED";
      return m === "NOT_COVERED" ? "none" : m;
    };
    // What the stand-in's volume info says for each method the prediction can give.
    const expected: Record<CoverageMethodName, (CoverageMethodName | "none")[]> = {
      FSB: ["FSB"],
      CSI_SNAPSHOT: ["CSI_SNAPSHOT"],
      CSI_DATA_MOVED: ["CSI_DATA_MOVED"],
      NATIVE_SNAPSHOT: ["NATIVE_SNAPSHOT"],
      CUSTOM: ["none"],
      SKIPPED: ["SKIPPED"],
      ERROR: ["none"],
      NOT_COVERED: ["none", "SKIPPED"],
    };
    const disagreements = predicted
      .map((v) => ({ key: v.key, predicted: v.onDemand.method, rule: v.onDemand.rule, did: did(entryOf(v)) }))
      .filter((x) => !expected[x.predicted].includes(x.did));
    expect(disagreements).toEqual([]);
  });

  it("fills 'last protected' from a schedule's backup and flags no mismatch where the backup did what was predicted", async () => {
    const schedule = `cov-sched-${suffix}`;
    await veleroObjects(kubeconfigText(0)).create("schedules", {
      kind: "Schedule",
      metadata: { name: schedule },
      spec: {
        schedule: "0 3 * * *",
        template: { includedNamespaces: ["web-cache", "batch-jobs"], storageLocation: bslName, ttl: "1h0m0s" },
      },
    });
    const row = await until("the schedule's first backup to finish", async () => {
      const r = await db.veleroObject.findFirst({
        where: { clusterId, kind: "backups", labels: { path: ["velero.io/schedule-name"], equals: schedule } },
      });
      return r && ["Completed", "PartiallyFailed", "Failed"].includes(r.phase ?? "") ? r : null;
    });
    await readDigest(d, row.id);
    const c = await until("the schedule in the prediction", async () => {
      const x = await coverage();
      return x.schedules.some((s) => s.name === schedule) ? x : null;
    });
    const mine = c.volumes.filter((v) => v.plans.includes(schedule));
    const cache = mine.find((v) => v.namespace === "web-cache" && v.method === "FSB")!;
    // The newest backup that carried it: the schedule's, or the backup of everything above if it completed later.
    expect(cache.lastProtected?.method).toBe("FSB");
    expect([row.name, `cov-agree-${suffix}`]).toContain(cache.lastProtected?.backup);
    expect(cache.mismatch).toBeNull();
    // batch-jobs: a claim without class (an error), a hostPath (not covered): the backup agrees, nothing is flagged.
    const batch = c.volumes.filter((v) => v.namespace === "batch-jobs");
    expect(batch.length).toBeGreaterThan(1);
    expect(batch.filter((v) => v.mismatch)).toEqual([]);
    expect(batch.every((v) => v.lastProtected === null)).toBe(true);
  });

  it("says nothing of snapshot locations a cluster without Velero's CRDs does not serve, and names a forbidden kind", async () => {
    // Without a cluster: the sync states as the engine leaves them (attaching sandbox-3 here would move its locations).
    const bare = await aCluster(db, (await aGroup(db, `cov-bare-${suffix}`)).id, `cov-bare-${suffix}`);
    const now = new Date();
    for (const kind of ["namespaces", "pods", "persistentvolumeclaims", "persistentvolumes"])
      await db.syncState.create({ data: { clusterId: bare.id, kind, lastListAt: now } });
    await db.syncState.create({
      data: {
        clusterId: bare.id,
        kind: "volumesnapshotlocations",
        lastError: `${NOT_SERVED} volumesnapshotlocations.velero.io`,
      },
    });
    await db.syncState.create({
      data: { clusterId: bare.id, kind: "volumesnapshotclasses", lastError: "pods is forbidden: 403 Forbidden" },
    });
    const { problems, facts } = await readFacts(db, bare.id, null);
    expect(problems.filter((p) => /snapshot locations/.test(p))).toEqual([]);
    expect(problems).toEqual([
      "Lifeboat may not watch volume snapshot classes on this cluster: apply the onboarding manifest again (cluster page → Access)",
    ]);
    expect(facts.snapshotLocations).toEqual([]);
  });

  it("shows the cluster on the fleet dashboard once its summary is computed, and to no one who may not see it", async () => {
    await refreshSummary(d, clusterId);
    const admin = await db.user.findFirstOrThrow({ where: { role: "ORG_ADMIN" } });
    const dash = await fleetDashboard(db, await loadAccess(db, admin.id, "ORG_ADMIN"));
    const row = dash.clusters.find((c) => c.clusterId === clusterId)!;
    expect(row.volumes).toBeGreaterThan(0);
    expect(row.coverageRatio).not.toBeNull();
    expect(dash.backupsPerDay).toHaveLength(30);
    const stranger = await aUser(db, { role: "MEMBER" });
    const none = await fleetDashboard(db, await loadAccess(db, stranger.id, "MEMBER"));
    expect(none.clusters).toEqual([]);
    expect(none.groups).toEqual([]);
  });
});
