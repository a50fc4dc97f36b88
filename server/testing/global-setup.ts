// Integration tests run against a real PostgreSQL: the one named by LIFEBOAT_TEST_PG_URL (npm test starts it), or an
// embedded one started here. A migrated template database is made once; each test file clones it (freshDatabase()).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import pg from "pg";

export const TEMPLATE_DB = "lifeboat_template";

let stop: (() => Promise<void>) | undefined;
let dataDir: string | undefined;

export async function setup() {
  // Sealing keys for the run: never a file in the checkout.
  process.env.LIFEBOAT_SECRET_KEY ??= crypto.randomBytes(32).toString("base64");
  process.env.LIFEBOAT_ALLOW_LOOPBACK ??= "1";
  if (!process.env.LIFEBOAT_TEST_PG_URL) {
    // @ts-expect-error: a plain .mjs module without types
    const { freePort, startEmbeddedPostgres } = await import("../../scripts/lib/postgres.mjs");
    const port = await freePort();
    dataDir = path.resolve(`.data/vitest-pg-${port}`);
    const server = await startEmbeddedPostgres({ dir: dataDir, port, databases: [], fresh: true });
    stop = server.stop;
    process.env.LIFEBOAT_TEST_PG_URL = server.url("postgres");
  }
  const admin = new pg.Client({ connectionString: process.env.LIFEBOAT_TEST_PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DB}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${TEMPLATE_DB}"`);
  await admin.end();
  const url = new URL(process.env.LIFEBOAT_TEST_PG_URL!);
  url.pathname = `/${TEMPLATE_DB}`;
  const r = spawnSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url.toString() },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`migrating the template database failed:\n${r.stdout}\n${r.stderr}`);
}

export async function teardown() {
  await stop?.();
  if (dataDir) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(`${dataDir}.password`, { force: true });
  }
}
