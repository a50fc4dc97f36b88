// `npm run bench` (part): volume coverage (#13). The time to compute a cluster's coverage with 5,000 pods and 5,000
// PVCs (the rule engine alone, and the whole coverage.get path from the read model), and the fleet dashboard's query
// time over 100 clusters. Prints figures beside their goals; asserts nothing.
import path from "node:path";
import { samples } from "./lib/bench";
// @ts-expect-error: plain .mjs helpers without types
import { startEmbeddedPostgres } from "./lib/postgres.mjs";
// @ts-expect-error: plain .mjs helpers without types
import { migrate, root } from "./lib/setup.mjs";
import { createDb } from "../server/db/client";
import { depsFor } from "../server/composition";
import { writeObjects } from "../server/sync/read-model";
import { admit, DEFAULT_SYNC_LIMITS } from "../server/sync/admission";
import { loadAccess } from "../server/rbac/access";
import { clusterCoverage } from "../server/services/coverage/coverage";
import { refreshSummary } from "../server/services/coverage/summaries";
import { fleetDashboard } from "../server/services/coverage/dashboard";
import { computeCoverage } from "../lib/velero/coverage/coverage";
import { aLargeCluster, aPlan } from "../lib/velero/coverage/fixtures";

const PODS = Number(process.env.BENCH_COVERAGE_PODS ?? 5_000);
const CLUSTERS = 100;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const line = (label: string, value: string, goal: string) =>
  console.log(`${label.padEnd(66)} ${value.padStart(18)}   goal: ${goal}`);

console.log(`\nVolume coverage (#13), ${PODS} pods and ${PODS} PVCs`);
const facts = aLargeCluster(PODS);
const plans = [
  aPlan("daily"),
  aPlan("hourly", { includedNamespaces: ["ns-1*"] }),
  aPlan("weekly", { snapshotMoveData: true }),
];
const engine = await samples(10, () => computeCoverage(facts, plans));
line(
  "rule engine: computeCoverage, 3 schedules (median / max)",
  `${pct(engine, 50).toFixed(0)} / ${Math.max(...engine).toFixed(0)} ms`,
  "under 1 s",
);

const pg = await startEmbeddedPostgres({
  dir: path.join(root, ".data/bench-coverage-pg"),
  port: 54371,
  databases: ["bench"],
  fresh: true,
});
try {
  migrate(pg.url("bench"));
  const db = createDb(pg.url("bench"));
  const d = depsFor(db);
  const group = await db.clusterGroup.create({ data: { name: "bench" } });
  const big = await db.cluster.create({
    data: { name: "big", groupId: group.id, velero: { installed: true, nodeAgent: true, csi: { enabled: true } } },
  });
  // The read model as the sync engine writes it (projected rows), in pages of 500.
  const item = (
    kind: string,
    namespace: string,
    name: string,
    labels: Record<string, string>,
    spec: unknown,
    status: unknown,
  ) =>
    admit(
      { kind, namespace, name, uid: `${kind}-${namespace}-${name}`, resourceVersion: "1", labels, spec, status },
      DEFAULT_SYNC_LIMITS,
    );
  const rows = [
    ...facts.namespaces.map((n) => item("namespaces", "", n.name, n.labels, {}, { deleting: false })),
    ...facts.pods.map((p) =>
      item(
        "pods",
        p.namespace,
        p.name,
        p.labels,
        {
          nodeName: p.nodeName,
          volumes: p.volumes,
          mounted: p.mounted,
          backupVolumes: p.backupVolumes ?? null,
          backupVolumesExcludes: null,
          owner: p.owner,
        },
        { phase: p.phase, deleting: false },
      ),
    ),
    ...facts.pvcs.map((c) =>
      item(
        "persistentvolumeclaims",
        c.namespace,
        c.name,
        c.labels,
        {
          storageClassName: c.storageClassName,
          volumeName: c.volumeName,
          volumeMode: c.volumeMode,
          request: "10Gi",
          snapshotClass: null,
        },
        { phase: c.phase, deleting: false },
      ),
    ),
    ...facts.pvs.map((v) =>
      item(
        "persistentvolumes",
        "",
        v.name,
        {},
        {
          source: v.source,
          csiDriver: v.csiDriver,
          csiVolumeAttributes: {},
          nfs: null,
          capacity: "10Gi",
          storageClassName: v.storageClassName,
          claim: null,
        },
        {},
      ),
    ),
    ...facts.volumeSnapshotClasses.map((c) =>
      item(
        "volumesnapshotclasses",
        "",
        c.name,
        c.veleroLabel ? { "velero.io/csi-volumesnapshot-class": "true" } : {},
        { driver: c.driver, isDefault: c.isDefault },
        {},
      ),
    ),
  ];
  for (let i = 0; i < rows.length; i += 500) await writeObjects(db, big.id, rows.slice(i, i + 500));
  for (const kind of ["namespaces", "pods", "persistentvolumeclaims", "persistentvolumes", "volumesnapshotclasses"])
    await db.syncState.create({ data: { clusterId: big.id, kind, lastListAt: new Date() } });
  const full = await samples(5, () => clusterCoverage(d, big.id));
  line(
    "coverage.get path: read model → rules → observed (median / max)",
    `${pct(full, 50).toFixed(0)} / ${Math.max(...full).toFixed(0)} ms`,
    "under 1 s",
  );

  // The fleet: 100 clusters with their summaries, 30 days of backups (3 a day) and their digests.
  const small = aLargeCluster(20);

  for (let c = 0; c < CLUSTERS; c++) {
    const cl = await db.cluster.create({
      data: { name: `c${c}`, groupId: group.id, velero: { installed: true, nodeAgent: true, csi: { enabled: true } } },
    });

    const backups = Array.from({ length: 90 }, (_, i) => {
      const at = new Date(Date.now() - i * 8 * 3_600_000).toISOString();
      return admit(
        {
          kind: "backups",
          namespace: "velero",
          name: `b-${c}-${i}`,
          uid: `u-${c}-${i}`,
          resourceVersion: "1",
          labels: {},
          spec: { storageLocation: `loc-${c % 5}` },
          status: { phase: i % 9 ? "Completed" : "PartiallyFailed", completionTimestamp: at },
          creationTimestamp: at,
        },
        DEFAULT_SYNC_LIMITS,
      );
    });
    await writeObjects(db, cl.id, backups);
    await db.backupDigest.createMany({
      data: backups.map((b, i) => ({
        clusterId: cl.id,
        backupName: b.item.name,
        backupUid: b.item.uid,
        phase: "Completed",
        location: `loc-${c % 5}`,
        completedAt: new Date(b.item.creationTimestamp!),
        bytes: 1e9 + i,
        fetchedAt: new Date(),
      })),
    });
    await db.coverageSummary.create({
      data: {
        clusterId: cl.id,
        volumes: small.pods.length * 2,
        covered: small.pods.length,
        breaches: c % 3,
        namespaces: 50,
      },
    });
  }
  await refreshSummary(d, big.id);
  const admin = await db.user.create({ data: { email: "bench@example.com", name: "Bench", role: "ORG_ADMIN" } });
  const access = await loadAccess(db, admin.id, "ORG_ADMIN");
  const dash = await samples(100, () => fleetDashboard(db, access));
  line(
    `fleet dashboard over ${CLUSTERS + 1} clusters (p50 / p95)`,
    `${pct(dash, 50).toFixed(1)} / ${pct(dash, 95).toFixed(1)} ms`,
    "p95 under 100 ms",
  );
  await db.$disconnect();
} finally {
  await pg.stop();
}
