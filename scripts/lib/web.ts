// What a browser pays to open the console, measured in Chromium (bench-web and bench-scale use these): the JavaScript a
// route downloads on its first load, and its paint times, each in a fresh context (nothing cached).
import { performance } from "node:perf_hooks";
import { chromium, type Browser, type BrowserContextOptions, type Request } from "@playwright/test";
import { until } from "./bench";

export const JS_GOAL_KB = 200;
export const LCP_GOAL_MS = 1_000;
/** The console's routes (":cluster" is a cluster's id). */
export const ROUTES = [
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

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
}

/** Signs in through the sign-in page; the signed-in state, for the contexts that follow. */
export async function signInBrowser(
  browser: Browser,
  base: string,
  user: { email: string; password: string },
): Promise<BrowserContextOptions> {
  const signIn = await browser.newContext({ baseURL: base });
  const p = await signIn.newPage();
  await p.goto("/signin");
  await p.getByLabel("Email").fill(user.email);
  await p.getByLabel("Password").fill(user.password);
  await p.getByRole("button", { name: "Sign in", exact: true }).click();
  await p.waitForURL((u) => !u.pathname.startsWith("/signin"), { timeout: 60_000 });
  const session: BrowserContextOptions = { baseURL: base, storageState: await signIn.storageState() };
  await signIn.close();
  return session;
}

/**
 * The JavaScript a route's first load downloads: compressed bytes as sent, and how many files. Chunks a page imports
 * once it has hydrated (charts) count too: after the network is idle, the page's main thread must be idle and no script
 * requested for 500 ms (a page that hydrates for long would otherwise look idle before it asks for them).
 */
export async function firstLoadJs(
  browser: Browser,
  session: BrowserContextOptions,
  url: string,
): Promise<{ kb: number; files: number }> {
  const ctx = await browser.newContext(session);
  const page = await ctx.newPage();
  const scripts: Promise<number>[] = [];
  let loading = 0;
  let lastScriptAt = performance.now();
  const isScript = (req: Request) => req.resourceType() === "script";
  page.on("request", (req) => {
    if (!isScript(req)) return;
    loading++;
    lastScriptAt = performance.now();
  });
  page.on("requestfailed", (req) => {
    if (isScript(req)) loading--;
  });
  page.on("requestfinished", (req) => {
    if (!isScript(req)) return;
    loading--;
    lastScriptAt = performance.now();
    scripts.push(req.sizes().then((s) => s.responseBodySize));
  });
  await page.goto(url, { waitUntil: "networkidle" });
  await page.evaluate(() => new Promise<void>((r) => requestIdleCallback(() => r(), { timeout: 5_000 })));
  await until(
    "no script loading for 500 ms",
    async () => loading === 0 && performance.now() - lastScriptAt >= 500,
    30_000,
    50,
  );
  const kb = (await Promise.all(scripts)).reduce((a, b) => a + b, 0) / 1024;
  await ctx.close();
  return { kb, files: scripts.length };
}

export interface PaintTimes {
  lcp: number;
  ttfb: number;
  fcp: number;
  html: number;
  /** The largest contentful paint's element (tag name). */
  of: string;
}

/** One cold load of `url` (a fresh context): its largest contentful paint, first byte, whole HTML, first paint. */
export async function paintTimes(browser: Browser, session: BrowserContextOptions, url: string): Promise<PaintTimes> {
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
  await page.goto(url, { waitUntil: "networkidle" });
  const t = await page.evaluate(() => ({
    lcp: (window as unknown as { __lcp?: number }).__lcp ?? NaN,
    ttfb: (performance.getEntriesByType("navigation" as never)[0] as unknown as { responseStart: number })
      .responseStart,
    fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
    html: (performance.getEntriesByType("navigation" as never)[0] as unknown as { responseEnd: number }).responseEnd,
    of: (window as unknown as { __lcpOf?: string }).__lcpOf ?? "?",
  }));
  await ctx.close();
  return { ...t, of: t.of.toLowerCase() };
}
