import fs from "node:fs";
import path from "node:path";
import pg from "pg";
// @ts-expect-error: a plain .mjs module without types
import { freePort, passwordFileOf, startEmbeddedPostgres } from "../../scripts/lib/postgres.mjs";

// For integration tests that stop and restart PostgreSQL itself: an embedded server of their own (not the one every
// test file shares), its database migrated with every migration as `prisma migrate deploy` runs them, on a fixed port
// and data directory, so a restart brings back the same server at the same address with the same data.
const MIGRATIONS = path.resolve(import.meta.dirname, "../../prisma/migrations");

export interface OwnPostgres {
  /** The migrated database's connection string (the same across restarts). */
  url: string;
  /** Stops the server (a fast shutdown: sessions are ended, as a restart or failover ends them). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  remove(): Promise<void>;
}

interface Embedded {
  url: (name: string) => string;
  stop: () => Promise<void>;
}

export async function ownPostgres(database = "lifeboat"): Promise<OwnPostgres> {
  const port: number = await freePort();
  const dir = path.resolve(`.data/vitest-own-pg-${port}`);
  let server: Embedded | null = await startEmbeddedPostgres({ dir, port, databases: [database], fresh: true });
  const url = server!.url(database);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const migrations = fs
      .readdirSync(MIGRATIONS, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    for (const m of migrations) await c.query(fs.readFileSync(path.join(MIGRATIONS, m, "migration.sql"), "utf8"));
  } finally {
    await c.end();
  }
  const stop = async () => {
    const s = server;
    server = null;
    await s?.stop();
  };
  return {
    url,
    stop,
    start: async () => {
      if (!server) server = await startEmbeddedPostgres({ dir, port, databases: [] });
    },
    remove: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(passwordFileOf(dir), { force: true });
    },
  };
}
