import type { Db } from "../../db/client";
import { SCHEMA_VERSION } from "../../db/schema-version";
import { isDraining } from "../../lifecycle";

export interface Readiness {
  ready: boolean;
  status: "ok" | "draining" | "degraded";
  /** "not granted": the console's role lacks rights on the controllers' tables (run console-role.sql again). */
  database: "ok" | "unreachable" | "not migrated" | "not granted";
  /** The migration this build needs (the database must have it). */
  schema: string;
}

/**
 * Whether this console process should be sent requests: it is not draining, PostgreSQL answers, and the database has
 * this build's newest migration (a console started before its migration Job finished waits for it).
 */
export async function readiness(db: Db): Promise<Readiness> {
  const base = { schema: SCHEMA_VERSION };
  try {
    await db.$queryRaw`SELECT 1`;
  } catch {
    return { ...base, ready: false, status: isDraining() ? "draining" : "degraded", database: "unreachable" };
  }
  let migrated = false;
  try {
    const rows = await db.$queryRaw<{ n: number }[]>`
      SELECT 1 AS n FROM "_prisma_migrations"
      WHERE "migration_name" = ${SCHEMA_VERSION} AND "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`;
    migrated = rows.length > 0;
  } catch {
    // No migrations table yet: nothing migrated.
  }
  // The controllers' own tables: a console role granted before they existed (console-role.sql not run again after
  // the upgrade) could serve pages but would sync, check and heal nothing.
  if (migrated) {
    const [rights] = await db.$queryRaw<{ ok: boolean }[]>`
      SELECT has_table_privilege('"ClusterLease"', 'SELECT, INSERT, UPDATE, DELETE')
        AND has_table_privilege('"ControllerMember"', 'SELECT, INSERT, UPDATE, DELETE') AS ok`.catch(() => [
      { ok: false },
    ]);
    if (!rights?.ok)
      return { ...base, ready: false, status: isDraining() ? "draining" : "degraded", database: "not granted" };
  }
  const database = migrated ? "ok" : "not migrated";
  if (isDraining()) return { ...base, ready: false, status: "draining", database };
  return { ...base, ready: migrated, status: migrated ? "ok" : "degraded", database };
}
