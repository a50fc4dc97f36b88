import fs from "node:fs";
import path from "node:path";
import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";

// Every response any page of the journeys receives (HTML, JSON, scripts, styles) is appended to one file, which the
// last spec searches for secrets (the canary test): specs import `test` from here, not from @playwright/test.
export const RESPONSES_FILE = path.resolve(`.data/e2e/responses-${process.env.LIFEBOAT_E2E_RUN}.log`);

// The build's own files (/_next/static/, named by their content, so one address is always the same bytes) are written
// once per worker: each new browser context loads them again, and they were ~90% of the bytes read from the browser.
const capturedStatic = new Set<string>();
// Each context is listened to once: the test's own context comes through the patched `browser.newContext` as well as
// the `context` fixture.
const captured = new WeakSet<BrowserContext>();

function capture(context: BrowserContext) {
  if (captured.has(context)) return;
  captured.add(context);
  context.on("response", async (response) => {
    const type = response.headers()["content-type"] ?? "";
    if (type.includes("text/event-stream") || response.status() === 204 || response.request().method() === "HEAD")
      return;
    const url = response.url();
    const once = response.status() === 200 && new URL(url).pathname.startsWith("/_next/static/");
    if (once) {
      if (capturedStatic.has(url)) return;
      capturedStatic.add(url);
    }
    const body = await response.text().catch(() => null);
    if (body === null) {
      if (once) capturedStatic.delete(url); // read again when it loads next
      return;
    }
    fs.appendFileSync(RESPONSES_FILE, `\n=== ${response.status()} ${url}\n${body}`);
  });
}

export const test = base.extend<object, object>({
  context: async ({ context }, use) => {
    capture(context);
    await use(context);
  },
  browser: [
    async ({ browser }, use) => {
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const context = await newContext(options);
        capture(context);
        return context;
      };
      await use(browser);
    },
    { scope: "worker" },
  ],
});
export { expect };

// Accounts the journeys share: 01-setup creates the admin through first-run setup.
export const ADMIN = { name: "Ada Admin", email: "admin@example.com", password: "e2e-admin-password-1" };
export const VIEWER = { name: "Vic Viewer", email: "viewer@example.com", password: "e2e-viewer-password-1" };

export async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Account" }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
}

/** A tRPC mutation sent as the page's session, the way a hand-crafted request would be. */
export async function rawMutation(page: Page, path: string, input: unknown) {
  const origin = new URL(page.url()).origin;
  const res = await page.request.post(`/api/trpc/${path}`, {
    data: { json: input },
    headers: { origin, "content-type": "application/json" },
  });
  return { status: res.status(), body: await res.json() };
}

/** A sandbox cluster's kubeconfig, as an operator would paste it (the sandbox writes them under .data/e2e/sandbox). */
export function sandboxKubeconfig(name: "sandbox-1" | "sandbox-2" | "sandbox-3"): string {
  return fs.readFileSync(path.resolve(".data/e2e/sandbox", `${name}.kubeconfig`), "utf8");
}
