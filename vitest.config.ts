import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
const integrationDirs = ["lib", "server", "scripts", "sandbox", "deploy"];
const integrationFiles = integrationDirs.flatMap((dir) =>
  fs.existsSync(path.join(root, dir))
    ? (fs.readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" }) as string[])
        .filter((f) => f.endsWith(".integration.test.ts") && !f.split(path.sep).includes("node_modules"))
        .map((f) => path.join(dir, f).split(path.sep).join("/"))
    : [],
);
// Integration files run one at a time in a project. Those that use the sandbox started by the "integration" project's
// global setup (they import server/testing/sandbox or server/testing/locations, or read LIFEBOAT_TEST_SANDBOX) share
// its clusters, buckets and Velero; the others ("integration-own": a database each, their own sandbox or API server
// where they need one) share nothing with them. `npm test` runs the two projects in two vitest processes side by side
// (scripts/test.mjs); one vitest process (`npm run test:integration`) runs them one file after another.
const sharesSandbox = (file: string) =>
  /testing\/(sandbox|locations)(\.[jt]s)?["']|LIFEBOAT_TEST_SANDBOX/.test(
    fs.readFileSync(path.join(root, file), "utf8"),
  );
const sharedSandboxFiles = integrationFiles.filter(sharesSandbox);
const ownFiles = integrationFiles.filter((f) => !sharedSandboxFiles.includes(f));

const integration = {
  globalSetup: ["server/testing/global-setup.ts"],
  fileParallelism: false,
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

// Two layers: unit tests (pure, beside the code) and integration tests (real PostgreSQL, the sandbox's API servers,
// emulators and Velero), the latter in two projects that run side by side.
export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    environment: "node",
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // Unit files reuse their worker's process (modules imported once per worker instead of once per file:
          // 100 s → 41 s here); the setup file gives each file the run's starting environment. Integration files keep
          // a process each: they start controllers, servers and module-level state that must not outlive them.
          isolate: false,
          setupFiles: ["server/testing/unit-setup.ts"],
          include: ["{lib,server,scripts,sandbox,components,deploy}/**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "node_modules/**"],
        },
      },
      {
        extends: true,
        test: {
          ...integration,
          name: "integration",
          include: sharedSandboxFiles,
          globalSetup: [...integration.globalSetup, "sandbox/testing/global-setup.ts"],
        },
      },
      {
        extends: true,
        test: { ...integration, name: "integration-own", include: ownFiles },
      },
    ],
  },
});
