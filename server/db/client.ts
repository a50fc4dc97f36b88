import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";

export type Db = PrismaClient;

/**
 * A client of `url`; `connections` caps its pool (pg's default, 10, otherwise), and `keepIdle` keeps its connections
 * open however long they idle (pg closes them after 10 s by default).
 */
export function createDb(url: string, opts: { connections?: number; keepIdle?: boolean } = {}): Db {
  return new PrismaClient({
    adapter: new PrismaPg({
      connectionString: url,
      ...(opts.connections ? { max: opts.connections } : {}),
      ...(opts.keepIdle ? { idleTimeoutMillis: 0 } : {}),
    }),
  });
}

const globalForDb = globalThis as unknown as { lifeboatDb?: Db; lifeboatLeaseDb?: Db };

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error("DATABASE_URL is not set: start the console with `npm start`, `npm run dev` or `npm run demo`");
  return url;
}

/** The process-wide client, created on first use from DATABASE_URL (set by the launcher for the embedded server). */
export function db(): Db {
  globalForDb.lifeboatDb ??= createDb(databaseUrl());
  return globalForDb.lifeboatDb;
}

/**
 * The controller leases' own client, of two connections: a renewal never waits behind the queries of the process's
 * pool (a takeover of many clusters reads and writes hundreds of rows at once), so a busy process keeps its leases.
 */
export function leaseDb(): Db {
  // Kept open between renewals (every third of a lease, which may be longer than pg's idle timeout).
  globalForDb.lifeboatLeaseDb ??= createDb(databaseUrl(), { connections: 2, keepIdle: true });
  return globalForDb.lifeboatLeaseDb;
}
