#!/usr/bin/env node
// `npm test`: installs what is missing (npm packages; Debian's chromium through apt-get when absent and root), then runs
// every layer — formatting and lint, unit, integration (real PostgreSQL), build, end to end (Chromium against `next start`) — and ends with
// one line `N passed, N failed` summed over the layers. Exits non-zero on any failure.
import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { chromiumPath, dataDir, ensureChromium, ensureInstalled, root } from "./lib/setup.mjs";
import { ensurePostgresUser } from "./lib/postgres.mjs";

const resultsDir = path.join(dataDir, "test-results");
const totals = { passed: 0, failed: 0, skipped: 0 };
const layers = [];
const failures = []; // "layer: test name — first line of the error", printed again at the end (CI shows the output's tail)

const firstLine = (text) =>
  String(text ?? "")
    // eslint-disable-next-line no-control-regex -- colours in a test runner's message
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split("\n")
    .map((l) => l.trim())
    .find(Boolean)
    ?.slice(0, 300) ?? "";

function step(name, cmd, args, env = {}) {
  console.log(`\n» ${name}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  return { status: r.status ?? 1, seconds: Math.round((Date.now() - t0) / 1000) };
}

function record(layer, passed, failed, skipped, seconds) {
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  layers.push(`${layer}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""} (${seconds}s)`);
}

const readJson = (f) => (fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : null);

try {
  ensureInstalled();
} catch (err) {
  console.error(`✖ ${err.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const haveChromium = ensureChromium();
fs.rmSync(resultsDir, { recursive: true, force: true });
fs.mkdirSync(resultsDir, { recursive: true });
const baseEnv = {
  NEXT_TELEMETRY_DISABLED: "1",
  DATABASE_URL: "",
  LIFEBOAT_LOG_LEVEL: process.env.LIFEBOAT_LOG_LEVEL ?? "warn",
};

// Lint: Prettier's formatting and ESLint (one check each).
const fmt = step(
  "Formatting (prettier --check)",
  process.execPath,
  ["node_modules/prettier/bin/prettier.cjs", "--check", "--log-level", "warn", "."],
  baseEnv,
);
record("prettier", fmt.status === 0 ? 1 : 0, fmt.status === 0 ? 0 : 1, 0, fmt.seconds);
const lint = step("Lint (eslint)", process.execPath, ["node_modules/eslint/bin/eslint.js", "--quiet", "."], baseEnv);
record("eslint", lint.status === 0 ? 1 : 0, lint.status === 0 ? 0 : 1, 0, lint.seconds);

// Unit and integration (vitest). Two vitest runs side by side, each with its own embedded PostgreSQL: the unit files and
// then the integration files that share the sandbox of that run's global setup, one at a time; beside them, one at a
// time, the integration files that need no shared sandbox (vitest.config.ts says which is which). One vitest run would
// run every file without file parallelism one after another.
function spawnPrefixed(label, args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      let rest = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop();
        for (const line of lines) out.write(`[${label}] ${line}\n`);
      });
      stream.on("close", () => rest && out.write(`[${label}] ${rest}\n`));
    }
    child.on("error", (err) => {
      console.error(`[${label}] ${err.message}`);
      resolve(1);
    });
    // "close" waits for the pipes, which a process the run left behind may hold: once the run has exited, its output
    // gets a moment to drain, then the pipes are let go.
    child.on("exit", (code, signal) => {
      const drained = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 2_000);
      child.once("close", () => {
        clearTimeout(drained);
        resolve(code ?? (signal ? 1 : 0));
      });
    });
  });
}
// Both runs may start an embedded PostgreSQL at once: as root, its user is made first, once. Should that fail, each
// run's global setup fails with the reason, counted below.
try {
  ensurePostgresUser();
} catch (err) {
  console.error(`✖ ${err.message}`);
}
console.log("\n» Unit and integration tests (vitest, two runs side by side)");
const vitestRuns = [
  { label: "unit+integration", projects: ["unit", "integration"] },
  { label: "integration-own", projects: ["integration-own"] },
].map((run) => ({ ...run, json: path.join(resultsDir, `vitest-${run.label}.json`) }));
const t0 = Date.now();
const statuses = await Promise.all(
  vitestRuns.map((run) =>
    spawnPrefixed(
      run.label,
      [
        "node_modules/vitest/vitest.mjs",
        "run",
        ...run.projects.flatMap((p) => ["--project", p]),
        "--reporter=default",
        "--reporter=json",
        `--outputFile.json=${run.json}`,
      ],
      baseEnv,
    ),
  ),
);
const vitestSeconds = Math.round((Date.now() - t0) / 1000);
const vitest = { passed: 0, failed: 0, skipped: 0 };
vitestRuns.forEach((run, i) => {
  const vr = readJson(run.json);
  const status = statuses[i];
  if (!vr) {
    vitest.failed += 1;
    failures.push(`unit+integration: the vitest run of ${run.projects.join(", ")} wrote no report (exit ${status})`);
    return;
  }
  vitest.passed += vr.numPassedTests;
  vitest.failed += vr.numFailedTests + (status !== 0 && vr.numFailedTests === 0 ? 1 : 0);
  vitest.skipped += vr.numPendingTests + vr.numTodoTests;
  for (const file of vr.testResults ?? []) {
    const rel = path.relative(root, file.name ?? "");
    if (file.status === "failed" && !(file.assertionResults ?? []).some((a) => a.status === "failed"))
      failures.push(`unit+integration: ${rel} — ${firstLine(file.message)}`);
    for (const a of file.assertionResults ?? [])
      if (a.status === "failed")
        failures.push(`unit+integration: ${rel} › ${a.fullName ?? a.title} — ${firstLine(a.failureMessages?.[0])}`);
  }
});
record("unit+integration", vitest.passed, vitest.failed, vitest.skipped, vitestSeconds);

// Build (type-checks everything, tests included), then end to end against `next start`.
const b = step("Production build (next build)", process.execPath, ["node_modules/next/dist/bin/next", "build"], {
  ...baseEnv,
  NODE_ENV: "production",
});
if (b.status !== 0) record("build", 0, 1, 0, b.seconds);
else if (!haveChromium) record("e2e", 0, 1, 0, 0);
else {
  const e2eJson = path.join(resultsDir, "e2e.json");
  const e = step(
    "End-to-end tests (Playwright, Chromium)",
    process.execPath,
    ["node_modules/@playwright/test/cli.js", "test"],
    { ...baseEnv, PLAYWRIGHT_JSON_OUTPUT: e2eJson, CHROMIUM_PATH: chromiumPath },
  );
  const er = readJson(e2eJson);
  if (er?.stats) {
    const errors = er.errors?.length ?? 0; // e.g. a web server that did not start
    record(
      "e2e",
      er.stats.expected + er.stats.flaky,
      er.stats.unexpected + errors + (e.status !== 0 && er.stats.unexpected + errors === 0 ? 1 : 0),
      er.stats.skipped,
      e.seconds,
    );
  } else record("e2e", 0, 1, 0, e.seconds);
  const walk = (suite, trail) => {
    for (const spec of suite.specs ?? [])
      for (const t of spec.tests ?? [])
        if (t.status === "unexpected") {
          const last = t.results?.[t.results.length - 1];
          failures.push(`e2e: ${[...trail, spec.title].join(" › ")} — ${firstLine(last?.error?.message)}`);
        }
    for (const child of suite.suites ?? []) walk(child, [...trail, child.title]);
  };
  for (const suite of er?.suites ?? []) walk(suite, [suite.title]);
  for (const err of er?.errors ?? []) failures.push(`e2e: ${firstLine(err.message)}`);
}

if (failures.length) console.log(`\nFailed:\n${failures.map((f) => `  ✖ ${f}`).join("\n")}`);
console.log(`\n${layers.join("\n")}`);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}`);
process.exit(totals.failed ? 1 : 0);
