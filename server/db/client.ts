import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";

export type Db = PrismaClient;

export function createDb(url: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
}

const globalForDb = globalThis as unknown as { lifeboatDb?: Db };

/** The process-wide client, created on first use from DATABASE_URL (set by the launcher for the embedded server). */
export function db(): Db {
  if (!globalForDb.lifeboatDb) {
    const url = process.env.DATABASE_URL;
    if (!url)
      throw new Error("DATABASE_URL is not set: start the console with `npm start`, `npm run dev` or `npm run demo`");
    globalForDb.lifeboatDb = createDb(url);
  }
  return globalForDb.lifeboatDb;
}
