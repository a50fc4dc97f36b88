// Integration tests run against a real PostgreSQL: the one named by LIFEBOAT_TEST_PG_URL (npm test starts it), or an
// embedded one started here. A migrated template database is made once; each test file clones it (freshDatabase()).
import path from "node:path";
import { spawnSync } from "node:child_process";
import pg from "pg";

export const TEMPLATE_DB = "lifeboat_template";
let stop: (() => Promise<void>) | undefined;

export async function setup() {
  if (!process.env.LIFEBOAT_TEST_PG_URL) {
    // @ts-expect-error: a plain .mjs module without types
    const { startEmbeddedPostgres } = await import("../../scripts/lib/postgres.mjs");
    const port = 54349;
    const server = await startEmbeddedPostgres({ dir: path.resolve(".data/vitest-pg"), port, databases: [], fresh: true });
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
  const r = spawnSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url.toString() }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`migrating the template database failed:\n${r.stdout}\n${r.stderr}`);
}

export async function teardown() {
  await stop?.();
}
