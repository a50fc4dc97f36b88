// Integration tests run against a real PostgreSQL: the one named by LIFEBOAT_TEST_PG_URL where it is set, or an
// embedded one started here. A migrated template database is made once per run, under a name of the run's own (two
// runs may share a server, and a run cut short leaves its template there); each test file clones it (freshDatabase(),
// which finds its name in LIFEBOAT_TEST_TEMPLATE_DB).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import pg from "pg";

// Both integration projects name this setup; vitest runs each project's in the one main process. The first call makes
// the database server and the template, the others wait for it; the last teardown stops it.
interface Shared {
  users: number;
  ready: Promise<void>;
  stop?: () => Promise<void>;
  dataDir?: string;
  template?: string;
}
const holder = globalThis as { lifeboatTestPostgres?: Shared };

export async function setup() {
  const shared = (holder.lifeboatTestPostgres ??= { users: 0, ready: Promise.resolve() });
  if (shared.users++ === 0) shared.ready = start(shared);
  await shared.ready;
}

async function start(shared: Shared) {
  // Sealing keys for the run: never a file in the checkout.
  process.env.LIFEBOAT_SECRET_KEY ??= crypto.randomBytes(32).toString("base64");
  process.env.LIFEBOAT_ALLOW_LOOPBACK ??= "1";
  if (!process.env.LIFEBOAT_TEST_PG_URL) {
    // @ts-expect-error: a plain .mjs module without types
    const { freePort, startEmbeddedPostgres } = await import("../../scripts/lib/postgres.mjs");
    const port = await freePort();
    shared.dataDir = path.resolve(`.data/vitest-pg-${port}`);
    const server = await startEmbeddedPostgres({ dir: shared.dataDir, port, databases: [], fresh: true });
    shared.stop = server.stop;
    process.env.LIFEBOAT_TEST_PG_URL = server.url("postgres");
  }
  const template = `lifeboat_template_${crypto.randomBytes(4).toString("hex")}`;
  shared.template = template;
  const admin = new pg.Client({ connectionString: process.env.LIFEBOAT_TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();
  process.env.LIFEBOAT_TEST_TEMPLATE_DB = template;
  const url = new URL(process.env.LIFEBOAT_TEST_PG_URL!);
  url.pathname = `/${template}`;
  const r = spawnSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url.toString() },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`migrating the template database failed:\n${r.stdout}\n${r.stderr}`);
}

export async function teardown() {
  const shared = holder.lifeboatTestPostgres;
  if (!shared || --shared.users > 0) return;
  delete holder.lifeboatTestPostgres;
  if (shared.stop) await shared.stop();
  else if (shared.template && process.env.LIFEBOAT_TEST_PG_URL) {
    // A server of the caller's: leave it as found.
    const admin = new pg.Client({ connectionString: process.env.LIFEBOAT_TEST_PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${shared.template}" WITH (FORCE)`);
    await admin.end();
  }
  if (shared.dataDir) {
    fs.rmSync(shared.dataDir, { recursive: true, force: true });
    fs.rmSync(`${shared.dataDir}.password`, { force: true });
  }
}
