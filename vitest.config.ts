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
