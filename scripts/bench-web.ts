// `npm run bench:web`: what a browser pays to open the console. A production console (`next start`) on its own
// embedded PostgreSQL follows BENCH_WEB_CLUSTERS sandbox clusters (default 100); Chromium signs in once, then opens every
// route in a fresh context (nothing cached) and records the JavaScript it downloaded (compressed bytes, as sent) and
// the largest contentful paint. Prints figures beside their goals (#10 §6); asserts nothing. Builds first when stale.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pct, until } from "./lib/bench";
import { chromium, type Browser, type BrowserContextOptions } from "@playwright/test";
// @ts-expect-error: plain .mjs helpers without types
import { buildIfNeeded, killChildren, root, spawnChild } from "./lib/setup.mjs";
// @ts-expect-error: plain .mjs helpers without types
import { embeddedUrl, freePort } from "./lib/postgres.mjs";

const CLUSTERS = Number(process.env.BENCH_WEB_CLUSTERS ?? 100);
const LCP_ROUNDS = Number(process.env.BENCH_WEB_LCP_ROUNDS ?? 5);
const BACKUPS_PER_CLUSTER = Number(process.env.BENCH_WEB_BACKUPS ?? 10);
const JS_GOAL_KB = 200;
const LCP_GOAL_MS = 1_000;
const ROUTES = [
  "/",
  "/clusters",
  "/clusters/:cluster",
  "/backups",
  "/restores",
  "/schedules",
  "/data-protection/credentials",
  "/data-protection/locations",
  "/admin/audit",
  "/admin/users",
  "/admin/teams",
  "/admin/cluster-groups",
];
const LCP_ROUTES = ["/", "/backups"];

const dir = path.join(root, ".data/bench-web");
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
process.env.LIFEBOAT_SECRET_KEY ??= crypto.randomBytes(32).toString("base64");
process.env.LIFEBOAT_ALLOW_LOOPBACK ??= "1";
process.env.LIFEBOAT_LOG_LEVEL ??= "warn";
const admin = { email: "bench-web@example.com", password: crypto.randomBytes(12).toString("base64url") };

buildIfNeeded();
const [pgPort, webPort] = [await freePort(), await freePort()];
const { startSandbox, defaultPlan } = await import("../sandbox/start");
const s0 = performance.now();
const sandbox = await startSandbox({
  dir: path.join(dir, "sandbox"),
  clusters: defaultPlan(CLUSTERS),
  s3Port: 0,
  azurePort: null,
});
const server = spawnChild(
  process.execPath,
  ["scripts/serve.mjs", "--port", String(webPort), "--host", "127.0.0.1", "--fresh"],
  {
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      DATABASE_URL: "",
      LIFEBOAT_DATA_DIR: dir,
      LIFEBOAT_PG_PORT: String(pgPort),
      NEXTAUTH_URL: `http://127.0.0.1:${webPort}`,
      LIFEBOAT_ADMIN_EMAIL: admin.email,
      LIFEBOAT_ADMIN_PASSWORD: admin.password,
    },
  },
);
let browser: Browser | undefined;
let exitCode = 0;
try {
  const base = `http://127.0.0.1:${webPort}`;
  await until("the console's /api/healthz", () => fetch(`${base}/api/healthz`).then((r) => r.ok), 240_000, 100);
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

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
  const signIn = await browser.newContext({ baseURL: base });
  const p = await signIn.newPage();
  await p.goto("/signin");
  await p.getByLabel("Email").fill(admin.email);
  await p.getByLabel("Password").fill(admin.password);
  await p.getByRole("button", { name: "Sign in", exact: true }).click();
  await p.waitForURL((u) => !u.pathname.startsWith("/signin"), { timeout: 60_000 });
  const session: BrowserContextOptions = { baseURL: base, storageState: await signIn.storageState() };
  await signIn.close();
  const urlOf = (r: string) => r.replace(":cluster", firstCluster);

  console.log(`\nFirst-load JavaScript per route, compressed as sent (goal: ≤ ${JS_GOAL_KB} KB each)`);
  for (const route of ROUTES) {
    const ctx = await browser.newContext(session);
    const page = await ctx.newPage();
    const scripts: Promise<number>[] = [];
    page.on("requestfinished", (req) => {
      if (req.resourceType() === "script") scripts.push(req.sizes().then((s) => s.responseBodySize));
    });
    await page.goto(urlOf(route), { waitUntil: "networkidle" });
    const kb = (await Promise.all(scripts)).reduce((a, b) => a + b, 0) / 1024;
    const mark = kb <= JS_GOAL_KB ? "✓" : "✗";
    console.log(`${route.padEnd(40)} ${kb.toFixed(0).padStart(6)} KB  (${scripts.length} files)  ${mark}`);
    await ctx.close();
  }

  console.log(`\nLargest contentful paint, cold (fresh context), ${CLUSTERS} clusters (goal: ≤ ${LCP_GOAL_MS} ms)`);
  for (const route of LCP_ROUTES) {
    const [lcps, ttfbs, fcps, htmls]: number[][] = [[], [], [], []];
    const elements = new Set<string>();
    for (let i = 0; i < LCP_ROUNDS; i++) {
      const ctx = await browser.newContext(session);
      const page = await ctx.newPage();
      await page.addInitScript(() => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          const last = entries[entries.length - 1] as PerformanceEntry & { element?: { tagName: string } | null };
          (window as unknown as { __lcp: number }).__lcp = last.startTime;
          (window as unknown as { __lcpOf: string }).__lcpOf = last.element?.tagName ?? "?";
        }).observe({ type: "largest-contentful-paint", buffered: true });
      });
      await page.goto(urlOf(route), { waitUntil: "networkidle" });
      const t = await page.evaluate(() => ({
        lcp: (window as unknown as { __lcp?: number }).__lcp ?? NaN,
        ttfb: (performance.getEntriesByType("navigation" as never)[0] as unknown as { responseStart: number })
          .responseStart,
        fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
        html: (performance.getEntriesByType("navigation" as never)[0] as unknown as { responseEnd: number })
          .responseEnd,
        of: (window as unknown as { __lcpOf?: string }).__lcpOf ?? "?",
      }));
      lcps.push(t.lcp);
      ttfbs.push(t.ttfb);
      fcps.push(t.fcp);
      htmls.push(t.html);
      elements.add(t.of.toLowerCase());
      await ctx.close();
    }
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
  killChildren("SIGTERM");
  await new Promise((r) => (server.exitCode !== null ? r(null) : server.once("exit", r)));
  await sandbox.stop();
}
process.exit(exitCode);
