// `npm run bench:runtime`: the controller runtime through the real server. A console (`next start`, health checks off,
// so only the runtime's attach → NOTIFY → sync path can act) runs on its own embedded PostgreSQL; this process attaches
// a sandbox cluster the way the attach procedure does (same service, same database) and measures how long until the
// server's sync has written the cluster's first rows into the read model. Prints figures beside the goal; asserts
// nothing. Builds the console first when .next is missing or older than the sources.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pct, until } from "./lib/bench";
import { startConsole, type BenchConsole } from "./lib/console";
// @ts-expect-error: plain .mjs helpers without types
import { buildIfNeeded, killChildren, root } from "./lib/setup.mjs";
// @ts-expect-error: plain .mjs helpers without types
import { embeddedUrl, freePort } from "./lib/postgres.mjs";

const ROUNDS = Number(process.env.BENCH_ATTACH_ROUNDS ?? 8);
const GOAL_MS = 2_000;

const dir = path.join(root, ".data/bench-runtime");
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
process.env.LIFEBOAT_SECRET_KEY ??= crypto.randomBytes(32).toString("base64");
process.env.LIFEBOAT_ALLOW_LOOPBACK ??= "1";
process.env.LIFEBOAT_LOG_LEVEL ??= "warn";

buildIfNeeded();
const [pgPort, webPort] = [await freePort(), await freePort()];
const { startSandbox, defaultPlan } = await import("../sandbox/start");
const sandbox = await startSandbox({
  dir: path.join(dir, "sandbox"),
  clusters: defaultPlan(1),
  s3Port: 0,
  azurePort: null,
});
let server: BenchConsole | undefined;
let exitCode = 0;
try {
  const t0 = performance.now();
  server = await startConsole({
    port: webPort,
    fresh: true,
    env: {
      DATABASE_URL: "",
      LIFEBOAT_DATA_DIR: dir,
      LIFEBOAT_PG_PORT: String(pgPort),
      LIFEBOAT_HEALTH_INTERVAL_SECONDS: "0",
    },
  });
  const { createDb } = await import("../server/db/client");
  const { depsFor } = await import("../server/composition");
  const { loadAccess } = await import("../server/rbac/access");
  const { attachCluster, detachCluster } = await import("../server/services/clusters/clusters");
  const { veleroObjects } = await import("../server/kube/testing-objects");
  const { scopedCluster, scopedGroup } = await import("../server/rbac/scope");
  const db = createDb(embeddedUrl({ dir: path.join(dir, "pg"), port: pgPort, name: "lifeboat" }));
  const d = depsFor(db);
  // The runtime is up when its lease is held (the instrumentation hook starts it with the server).
  await until(
    "the controller lease",
    () => db.controllerLease.findFirst({ where: { expiresAt: { gt: new Date() } } }),
    60_000,
    50,
  );
  console.log(
    `\nController runtime in \`next start\` (goal: attach → first rows in the read model within ${GOAL_MS} ms)`,
  );
  console.log(`${"server up, lease held".padEnd(58)} ${(performance.now() - t0).toFixed(0).padStart(8)} ms`);

  const kubeconfig = fs.readFileSync(sandbox.clusters[0].kubeconfigPath, "utf8");
  await veleroObjects(kubeconfig).create("backups", {
    kind: "Backup",
    metadata: { name: "bench-first-row" },
    spec: { includedNamespaces: ["*"] },
  });
  const admin = await db.user.create({ data: { email: "bench@example.com", name: "Bench", role: "ORG_ADMIN" } });
  const group = await db.clusterGroup.create({ data: { name: "bench" } });
  const access = await loadAccess(db, admin.id, admin.role);
  const attachMs: number[] = [];
  const firstRowsMs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const a0 = performance.now();
    const c = await attachCluster(
      d,
      await scopedGroup(db, access, group.id, "cluster.attach"),
      { name: `bench-${i}`, description: "", labels: {}, kubeconfig },
      admin.id,
    );
    const a1 = performance.now();
    await until(
      "the first synced rows",
      () => db.veleroObject.findFirst({ where: { clusterId: c.id }, select: { id: true } }),
      30_000,
    );
    const a2 = performance.now();
    attachMs.push(a1 - a0);
    firstRowsMs.push(a2 - a1);
    await detachCluster(d, await scopedCluster(db, access, c.id, "cluster.detach"), { removeFromCluster: false });
  }
  const row = (label: string, xs: number[]) =>
    console.log(
      `${label.padEnd(58)} p50 ${pct(xs, 0.5).toFixed(0).padStart(5)} ms  p95 ${pct(xs, 0.95).toFixed(0).padStart(5)} ms  (${xs.length})`,
    );
  row("attach (probe, seal, insert, NOTIFY)", attachMs);
  row("attach committed → first rows written by the server", firstRowsMs);
  row(
    "attach started → first rows (the goal's figure)",
    attachMs.map((a, i) => a + firstRowsMs[i]),
  );
  await db.$disconnect();
} catch (e) {
  console.error(`✖ ${(e as Error).message}`);
  exitCode = 1;
} finally {
  await server?.stop();
  killChildren("SIGTERM");
  await sandbox.stop();
}
process.exit(exitCode);
