#!/usr/bin/env node
// The migration Job's command (deploy/base/migrate-job.yaml; `node scripts/migrate.mjs` from a checkout works too):
// applies Prisma's migrations to DATABASE_URL (connect as the schema's owner), then, when LIFEBOAT_CONSOLE_ROLE names
// the console's own restricted role, grants it what prisma/roles/console-role.sql grants (README, "Running under a
// restricted role"). The image has no psql, hence this script. Exits non-zero, saying why, on any failure.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import pg from "pg";

const root = path.resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);

function fail(message) {
  console.error(`migrate: ${message}`);
  process.exit(1);
}

if (!process.env.DATABASE_URL) fail("DATABASE_URL is not set (the schema owner's connection string).");
const role = process.env.LIFEBOAT_CONSOLE_ROLE;
// A role name goes into SQL as an identifier: only plain names are taken.
if (role && !/^[a-z_][a-z0-9_]{0,62}$/.test(role))
  fail(`LIFEBOAT_CONSOLE_ROLE "${role}" is not a plain role name (lower-case letters, digits, _; 63 at most).`);

const cli = require.resolve("prisma/build/index.js");
const run = spawnSync(process.execPath, [cli, "migrate", "deploy"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
});
if (run.status !== 0) fail(`prisma migrate deploy failed (exit ${run.status ?? run.signal}).`);

if (role) {
  const sql = fs
    .readFileSync(path.join(root, "prisma/roles/console-role.sql"), "utf8")
    .replace(/\blifeboat_console\b/g, `"${role}"`);
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  try {
    await client.connect();
    await client.query(sql);
  } catch (e) {
    fail(`granting the console's role ${role} failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  console.log(`migrate: granted the console's role ${role} what prisma/roles/console-role.sql grants.`);
}
