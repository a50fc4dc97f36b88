import { defineConfig } from "vitest/config";

// Two layers: unit tests (pure, beside the code) and integration tests (real PostgreSQL; later the sandbox API server).
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
          name: "integration",
          include: ["{lib,server,scripts,sandbox,deploy}/**/*.integration.test.ts"],
          globalSetup: ["server/testing/global-setup.ts", "sandbox/testing/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
