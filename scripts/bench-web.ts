// `npm run bench:web`: what a browser pays to open the console. A production console (`next start`) on its own
// embedded PostgreSQL follows BENCH_WEB_CLUSTERS sandbox clusters (default 100); Chromium signs in once, then opens every
// route in a fresh context (nothing cached) and records the JavaScript it downloaded (compressed bytes, as sent) and
// the largest contentful paint. Prints figures beside their goals (#10 §6); asserts nothing. Builds first when stale.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pct, until } from "./lib/bench";
import type { Browser } from "@playwright/test";
import { startConsole, type BenchConsole } from "./lib/console";
import {
  firstLoadJs,
  JS_GOAL_KB,
  launchChromium,
  LCP_GOAL_MS,
  paintTimes,
  ROUTES,
  signInBrowser,
  type PaintTimes,
} from "./lib/web";
// @ts-expect-error: plain .mjs helpers without types
import { buildIfNeeded, ensureChromium, killChildren, root } from "./lib/setup.mjs";
// @ts-expect-error: plain .mjs helpers without types
import { embeddedUrl, freePort } from "./lib/postgres.mjs";

const CLUSTERS = Number(process.env.BENCH_WEB_CLUSTERS ?? 100);
const LCP_ROUNDS = Number(process.env.BENCH_WEB_LCP_ROUNDS ?? 5);
const BACKUPS_PER_CLUSTER = Number(process.env.BENCH_WEB_BACKUPS ?? 10);
const LCP_ROUTES = ["/", "/backups"];

const dir = path.join(root, ".data/bench-web");
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
process.env.LIFEBOAT_SECRET_KEY ??= crypto.randomBytes(32).toString("base64");
process.env.LIFEBOAT_ALLOW_LOOPBACK ??= "1";
process.env.LIFEBOAT_LOG_LEVEL ??= "warn";
const admin = { email: "bench-web@example.com", password: crypto.randomBytes(12).toString("base64url") };

buildIfNeeded();
if (!ensureChromium()) throw new Error("bench:web measures in Chromium, and there is none (see above)");
const [pgPort, webPort] = [await freePort(), await freePort()];
const { startSandbox, defaultPlan } = await import("../sandbox/start");
const s0 = performance.now();
const sandbox = await startSandbox({
  dir: path.join(dir, "sandbox"),
  clusters: defaultPlan(CLUSTERS),
  s3Port: 0,
  azurePort: null,
});
let server: BenchConsole | undefined;
let browser: Browser | undefined;
let exitCode = 0;
try {
  server = await startConsole({
    port: webPort,
    fresh: true,
    env: {
      DATABASE_URL: "",
      LIFEBOAT_DATA_DIR: dir,
      LIFEBOAT_PG_PORT: String(pgPort),
      LIFEBOAT_ADMIN_EMAIL: admin.email,
      LIFEBOAT_ADMIN_PASSWORD: admin.password,
    },
  });
  const base = server.base;
  const { createDb } = await import("../server/db/client");
  const { depsFor } = await import("../server/composition");
  const { loadAccess } = await import("../server/rbac/access");
  const { attachCluster } = await import("../server/services/clusters/clusters");
  const { scopedGroup } = await import("../server/rbac/scope");
  const db = createDb(embeddedUrl({ dir: path.join(dir, "pg"), port: pgPort, name: "lifeboat" }));
  const d = depsFor(db);
  const user = await until(
    "the bootstrapped admin",
    () => db.user.findUnique({ where: { email: admin.email } }),
    60_000,
    100,
  );
  const group = await db.clusterGroup.create({ data: { name: "bench-web" } });
  const access = await loadAccess(db, user.id, user.role);
  const scope = await scopedGroup(db, access, group.id, "cluster.attach");
  const { veleroObjects } = await import("../server/kube/testing-objects");
  let firstCluster = "";
  for (const c of sandbox.clusters) {
    const kubeconfig = fs.readFileSync(c.kubeconfigPath, "utf8");
    // A few finished backups per cluster, for the lists and the overview to show.
    for (let i = 0; i < BACKUPS_PER_CLUSTER; i++)
      await veleroObjects(kubeconfig).create("backups", {
        kind: "Backup",
        metadata: { name: `${c.name}-bench-${i}` },
        spec: { includedNamespaces: ["payments"], storageLocation: "default" },
      });
    const row = await attachCluster(d, scope, { name: c.name, description: "", labels: {}, kubeconfig }, user.id);
    firstCluster ||= row.id;
  }
  // The console's runtime syncs every cluster: wait until each has rows in the read model.
  await until(
    `the read model of ${CLUSTERS} clusters`,
    async () => (await db.syncState.count({ where: { kind: "backups", lastListAt: { not: null } } })) >= CLUSTERS,
    300_000,
    500,
  );
  await db.$disconnect();
  console.log(
    `\nThe console in the browser: ${CLUSTERS} clusters attached and synced in ${((performance.now() - s0) / 1000).toFixed(0)} s`,
  );

  browser = await launchChromium();
  const session = await signInBrowser(browser, base, admin);
  const urlOf = (r: string) => r.replace(":cluster", firstCluster);

  console.log(`\nFirst-load JavaScript per route, compressed as sent (goal: ≤ ${JS_GOAL_KB} KB each)`);
  for (const route of ROUTES) {
    const { kb, files } = await firstLoadJs(browser, session, urlOf(route));
    const mark = kb <= JS_GOAL_KB ? "✓" : "✗";
    console.log(`${route.padEnd(40)} ${kb.toFixed(0).padStart(6)} KB  (${files} files)  ${mark}`);
  }

  console.log(`\nLargest contentful paint, cold (fresh context), ${CLUSTERS} clusters (goal: ≤ ${LCP_GOAL_MS} ms)`);
  for (const route of LCP_ROUTES) {
    const runs: PaintTimes[] = [];
    for (let i = 0; i < LCP_ROUNDS; i++) runs.push(await paintTimes(browser, session, urlOf(route)));
    const [lcps, ttfbs, fcps, htmls] = (["lcp", "ttfb", "fcp", "html"] as const).map((k) => runs.map((r) => r[k]));
    const elements = new Set(runs.map((r) => r.of));
    const p50 = pct(lcps, 0.5);
    const ms = (n: number) => `${n.toFixed(0).padStart(5)} ms`;
    console.log(
      `${route.padEnd(40)} p50 ${ms(p50)}  max ${ms(Math.max(...lcps))}  (${lcps.length})  ${p50 <= LCP_GOAL_MS ? "✓" : "✗"}` +
        `   (first byte p50 ${ms(pct(ttfbs, 0.5))}, whole HTML ${ms(pct(htmls, 0.5))}, first contentful paint p50 ${ms(pct(fcps, 0.5))}; largest: <${[...elements].join(">, <")}>)`,
    );
  }
} catch (e) {
  console.error(`✖ ${(e as Error).message}`);
  exitCode = 1;
} finally {
  await browser?.close();
  await server?.stop();
  killChildren("SIGTERM");
  await sandbox.stop();
}
process.exit(exitCode);
