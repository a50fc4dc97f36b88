import crypto from "node:crypto";
import pg from "pg";
import { afterAll } from "vitest";
import { createDb, type Db } from "../db/client";
import { EventBus } from "../events/bus";

function serverUrl(database: string) {
  const base = process.env.LIFEBOAT_TEST_PG_URL;
  if (!base)
    throw new Error(
      "LIFEBOAT_TEST_PG_URL is not set: run integration tests through one of vitest's integration projects",
    );
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl("postgres") });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A migrated database of its own for one test file (cloned from the template), dropped after the file. */
export async function freshDatabase(): Promise<{ db: Db; url: string }> {
  const template = process.env.LIFEBOAT_TEST_TEMPLATE_DB;
  if (!template)
    throw new Error("LIFEBOAT_TEST_TEMPLATE_DB is not set: the integration projects' global setup sets it");
  const name = `lifeboat_t_${crypto.randomBytes(4).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = serverUrl(name);
  const db = createDb(url);
  afterAll(async () => {
    await db.$disconnect();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  });
  return { db, url };
}

/** freshDatabase, with a change bus listening on it (stopped after the file). */
export async function freshDatabaseWithBus(): Promise<{ db: Db; url: string; bus: EventBus }> {
  const fresh = await freshDatabase();
  const bus = new EventBus(fresh.url);
  afterAll(() => bus.stop());
  await bus.ready();
  return { ...fresh, bus };
}
