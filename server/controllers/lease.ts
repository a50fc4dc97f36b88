import type { Db } from "../db/client";

// A lease in PostgreSQL: one holder at a time, renewed before it expires; once it has expired (its holder stopped,
// crashed or lost the database) another process takes it. Each change of holder increases the token (a fencing token
// for writes made on the lease's behalf). Clocks: only the database's now() is used, so process clocks may drift.
export interface LeaseState {
  held: boolean;
  token: bigint | null;
}

export class Lease {
  constructor(
    private readonly db: Db,
    readonly name: string,
    readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes or renews the lease; `held` says whether this holder has it now. */
  async acquire(): Promise<LeaseState> {
    const rows = await this.db.$queryRaw<{ token: bigint }[]>`
      INSERT INTO "ControllerLease" ("name", "holder", "token", "expiresAt", "acquiredAt")
      VALUES (${this.name}, ${this.holder}, 1, now() + make_interval(secs => ${this.ttlMs / 1000}), now())
      ON CONFLICT ("name") DO UPDATE SET
        "token" = CASE WHEN "ControllerLease"."holder" = EXCLUDED."holder" THEN "ControllerLease"."token"
                       ELSE "ControllerLease"."token" + 1 END,
        "acquiredAt" = CASE WHEN "ControllerLease"."holder" = EXCLUDED."holder" THEN "ControllerLease"."acquiredAt"
                            ELSE now() END,
        "holder" = EXCLUDED."holder",
        "expiresAt" = EXCLUDED."expiresAt"
      WHERE "ControllerLease"."holder" = EXCLUDED."holder" OR "ControllerLease"."expiresAt" < now()
      RETURNING "token"`;
    return rows.length ? { held: true, token: rows[0].token } : { held: false, token: null };
  }

  /** Gives the lease up at once (a clean stop), so a standby takes over without waiting for the expiry. */
  async release(): Promise<void> {
    await this.db.$executeRaw`
      UPDATE "ControllerLease" SET "expiresAt" = now() - interval '1 millisecond'
      WHERE "name" = ${this.name} AND "holder" = ${this.holder}`;
  }

  /** Who holds the lease now (null when nobody does). */
  async current(): Promise<{ holder: string; token: bigint; expiresAt: Date } | null> {
    const rows = await this.db.$queryRaw<{ holder: string; token: bigint; expiresAt: Date }[]>`
      SELECT "holder", "token", "expiresAt" FROM "ControllerLease" WHERE "name" = ${this.name} AND "expiresAt" >= now()`;
    return rows[0] ?? null;
  }
}
