import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { createDb, type Db } from "../db/client";
import { depsFor, type Deps } from "../composition";

// A migration's test keeps what was there: a database of its own, migrated up to the migration before it, gets rows
// written the old way (`seed`), then the migration itself and every later one (so that it matches the generated
// client), each run as `prisma migrate deploy` runs one script.

const MIGRATIONS = path.resolve(import.meta.dirname, "../../prisma/migrations");

const urlOf = (database: string) => {
  const u = new URL(process.env.LIFEBOAT_TEST_PG_URL!);
  u.pathname = `/${database}`;
  return u.toString();
};

async function withClient<T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: urlOf(database) });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const migrate = (c: pg.Client, migration: string) =>
  c.query(fs.readFileSync(path.join(MIGRATIONS, migration, "migration.sql"), "utf8"));

export interface MigratedDb {
  db: Db;
  d: Deps;
  /** The migrations applied before `mine` (none would mean `mine` is not a migration here). */
  before: string[];
  /** Drops the database. */
  drop(): Promise<void>;
}

export async function migratedThrough(
  mine: string,
  seed: (c: pg.Client, d: Deps) => Promise<unknown>,
): Promise<MigratedDb> {
  const migrations = fs
    .readdirSync(MIGRATIONS, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const at = migrations.indexOf(mine);
  const before = at < 0 ? [] : migrations.slice(0, at);
  const after = at < 0 ? [] : migrations.slice(at + 1);
  const name = `lifeboat_m_${crypto.randomBytes(4).toString("hex")}`;
  const drop = async () => {
    await withClient("postgres", (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  };
  if (!before.length) return { db: undefined as never, d: undefined as never, before, drop };
  await withClient("postgres", (c) => c.query(`CREATE DATABASE "${name}"`));
  const db = createDb(urlOf(name));
  const d = depsFor(db);
  await withClient(name, async (c) => {
    for (const m of before) await migrate(c, m);
    await seed(c, d);
    await migrate(c, mine);
    for (const m of after) await migrate(c, m);
  });
  return {
    db,
    d,
    before,
    drop: async () => {
      await db.$disconnect();
      await drop();
    },
  };
}
