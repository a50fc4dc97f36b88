import { defineConfig } from "@playwright/test";

// End to end in Debian's Chromium against `next start`, with a fresh embedded PostgreSQL and a real OpenID provider
// on loopback. Specs run in order, one at a time: 01-setup performs first-run setup (00-a11y, before it, checks the
// accessibility check on pages of its own).
// LIFEBOAT_E2E_PORT_OFFSET moves every port of the run (console, OIDC provider, sandbox, PostgreSQL), so two
// checkouts on one host can run their e2e at once.
const OFFSET = Number(process.env.LIFEBOAT_E2E_PORT_OFFSET ?? 0);
const PORT = 3100 + OFFSET;
const OIDC_PORT = 3190 + OFFSET;
export const SANDBOX_PORT = 16543 + OFFSET;
// The sandbox's Entra ID / ARM stand-in: a fixed port, because the console's environment names it.
export const ENTRA_PORT = 16553 + OFFSET;
const ENTRA_URL = `http://127.0.0.1:${ENTRA_PORT}`;
export const PG_PORT = 54359 + OFFSET;
export const BASE_URL = `http://127.0.0.1:${PORT}`;
// One id per run (workers inherit it): the canary test reads this run's server log and captured responses only.
process.env.LIFEBOAT_E2E_RUN ??= String(Date.now());
export const SERVER_LOG = `.data/e2e/server-${process.env.LIFEBOAT_E2E_RUN}.log`;

export default defineConfig({
  testDir: "e2e",
  testMatch: /.*\.spec\.ts/,
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  outputDir: ".data/e2e-results",
  reporter: [["list"], ["json", { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT ?? ".data/test-results/e2e.json" }]],
  use: {
    baseURL: BASE_URL,
    browserName: "chromium",
    headless: true,
    screenshot: "only-on-failure",
    // No trace: recording one for every test (to keep a failing test's) took a fifth of the layer's time on 2 cores,
    // its screencast and DOM snapshots competing with the console for the CPU. For a failure's trace, run again with
    // `npm run e2e -- --trace retain-on-failure`.
    trace: "off",
    // The browser asks for reduced motion, as the console honours it: no waiting for dialogs and menus to fade or
    // grow before a click or a check (the console's animations are MUI's own, switched off together).
    reducedMotion: "reduce",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    {
      // Three sandbox clusters (two with Velero, sandbox-3 without: Lifeboat installs it there), the S3 and Azure Blob emulators (with the Entra ID / ARM stand-in) and moto
      // (where python3 has it), in their own process: the console attaches the clusters by kubeconfig.
      command: `node node_modules/tsx/dist/cli.mjs sandbox/cli.ts --clusters 3 --without-velero sandbox-3 --dir .data/e2e/sandbox --base-port ${SANDBOX_PORT} --s3-port 0 --azure-port 0 --entra-port ${ENTRA_PORT} --aws-port 0`,
      url: `https://127.0.0.1:${SANDBOX_PORT}/healthz`,
      ignoreHTTPSErrors: true,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "ignore",
      gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    },
    {
      command: "node e2e/oidc/provider.mjs",
      url: `http://127.0.0.1:${OIDC_PORT}/.well-known/openid-configuration`,
      env: { OIDC_PORT: String(OIDC_PORT), OIDC_REDIRECT_URI: `${BASE_URL}/api/auth/callback/oidc` },
      reuseExistingServer: false,
      stdout: "ignore",
      gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    },
    {
      command: `node scripts/serve.mjs --port ${PORT} --host 127.0.0.1 --fresh`,
      url: `${BASE_URL}/api/healthz`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      env: {
        DATABASE_URL: "",
        LIFEBOAT_DATA_DIR: ".data/e2e",
        LIFEBOAT_PG_PORT: String(PG_PORT),
        NEXTAUTH_URL: BASE_URL,
        LIFEBOAT_ALLOW_LOOPBACK: "1",
        // Azure service principals sign in at the sandbox's Entra ID / ARM stand-in.
        LIFEBOAT_AZURE_AUTHORITY_HOST: ENTRA_URL,
        LIFEBOAT_AZURE_RESOURCE_MANAGER: ENTRA_URL,
        // No health checks: the controller runtime alone must follow attached clusters (attach → NOTIFY → sync).
        LIFEBOAT_HEALTH_INTERVAL_SECONDS: "0",
        // An installer image the cluster cannot pull fails within seconds, not the default three minutes.
        LIFEBOAT_VELERO_PULL_TIMEOUT_SECONDS: "5",
        LIFEBOAT_ADMIN_EMAIL: "",
        LIFEBOAT_ADMIN_PASSWORD: "",
        LIFEBOAT_OIDC_ISSUER: `http://127.0.0.1:${OIDC_PORT}`,
        LIFEBOAT_OIDC_CLIENT_ID: "lifeboat",
        LIFEBOAT_OIDC_CLIENT_SECRET: "lifeboat-e2e-client-secret",
        // Every log line at info and above, also as JSON in a file the canary test searches.
        LIFEBOAT_LOG_FILE: SERVER_LOG,
        LIFEBOAT_LOG_LEVEL: "info",
        LIFEBOAT_OIDC_SCOPES: "openid email profile groups",
        LIFEBOAT_OIDC_NAME: "Example SSO",
      },
    },
  ],
});
