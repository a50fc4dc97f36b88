import type { Db } from "../db/client";
import { Prisma } from "../db/generated/client";
import { logger } from "../log";

// Per-cluster ownership among the console processes on one database (#15 §1). Each process is a member (a heartbeat
// row) and owns a fair share of the attached clusters (their number over the live members) through a lease
// per cluster: it renews its leases every period, gives up what exceeds its share (so a new process gets clusters),
// and claims clusters nobody holds or whose lease expired (a process that died loses its clusters within
// lease + period). Every change of holder increases the cluster's token; writes made for a cluster carry it (see
// fencedWrite), so a process that lost its lease (paused, partitioned) cannot overwrite the new owner's work.
// Only the database's clock is used.

export interface Fence {
  clusterId: string;
  holder: string;
  token: bigint;
}

/** A write refused because this process no longer holds the cluster's lease. */
export class LeaseLost extends Error {
  constructor(readonly clusterId: string) {
    super(`this console process no longer owns cluster ${clusterId}`);
    this.name = "LeaseLost";
  }
}

type Tx = Prisma.TransactionClient;

/**
 * A fenced write's transaction left idle this long (its process paused or cut off mid-write) is ended by PostgreSQL,
 * which rolls it back and releases the lease row, so a paused process never blocks the takeover of its clusters.
 */
const FENCED_IDLE_MS = 5_000;
/** A fenced write's statement that runs this long (a hung query holds the lease row's lock too) is cancelled. */
const FENCED_STATEMENT_MS = 30_000;

/**
 * Runs `write` in a transaction that first locks the cluster's lease row FOR KEY SHARE with this holder and token: a
 * takeover (which claims the row FOR UPDATE, SKIP LOCKED) passes it by until the write commits, and a write after a
 * takeover finds no row and throws LeaseLost, writing nothing. The holder's own renewals and give-ups (updates of the
 * row's other columns) do not wait for its writes, nor the writes for them.
 */
export async function fencedWrite<T>(db: Db, fence: Fence, write: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(
    async (tx) => {
      // The cluster's row first, as a detach's DELETE locks it before its cascade reaches the lease row: taken in the
      // same order, a write and a detach wait for each other instead of deadlocking (the write's rows reference it).
      await tx.$queryRaw`
        SELECT set_config('idle_in_transaction_session_timeout', ${String(FENCED_IDLE_MS)}, true),
          set_config('statement_timeout', ${String(FENCED_STATEMENT_MS)}, true)
        FROM "Cluster" WHERE "id" = ${fence.clusterId} FOR KEY SHARE`;
      const held = await tx.$queryRaw<{ ok: number }[]>`
        SELECT 1 AS ok FROM "ClusterLease"
        WHERE "clusterId" = ${fence.clusterId} AND "holder" = ${fence.holder} AND "token" = ${fence.token}
          AND "expiresAt" > now()
        FOR KEY SHARE`;
      if (!held.length) throw new LeaseLost(fence.clusterId);
      return write(tx);
    },
    // A busy pool (a cold start, a takeover of many clusters) waits for a connection rather than failing the write.
    { maxWait: 15_000, timeout: 30_000 },
  );
}

/** The clusters a cluster-scoped reconciler acts for: each one's fence, and how to stop acting for one found lost. */
export interface LeaseScope {
  /** The fence for writes made for `clusterId` (null when not owned). */
  fence(clusterId: string): Fence | null;
  /** A write found the cluster's lease lost: stop acting for it now (it is renewed or claimed again if still due). */
  drop(clusterId: string): void;
}

/**
 * The writes a step makes for `clusterId`: under the cluster's lease when `fence` is given (the work of a cluster-scoped
 * reconciler: LeaseLost, writing nothing, once the process does not own it), plain otherwise (a user's request).
 */
export function leaseWriter(db: Db, clusterId: string, fence?: () => Fence | null) {
  return <T>(write: (tx: Tx) => Promise<T>): Promise<T> => {
    if (!fence) return write(db);
    const f = fence();
    if (!f) return Promise.reject(new LeaseLost(clusterId));
    return fencedWrite(db, f, write);
  };
}

/** What a process owns: cluster id → token. */
export type Owned = ReadonlyMap<string, bigint>;

export interface OwnershipOptions {
  /** How long a lease (and a membership) lasts without renewal. */
  leaseMs: number;
  /** How often leases are renewed, given up and claimed. */
  renewMs: number;
}

const EMPTY: Owned = new Map();

export class ClusterOwnership {
  private owned = new Map<string, bigint>();
  private listeners = new Set<(gained: string[], lost: string[]) => void>();
  /** process.hrtime at the start of the last round the database confirmed (renewals are at or after it). */
  private startedAt: bigint | null = null;
  /** Standing aside (its process's database pool does not answer), and whether everything was given up since. */
  private aside = false;
  private givenUp = false;

  constructor(
    private readonly db: Db,
    readonly holder: string,
    private readonly opts: OwnershipOptions,
  ) {}

  /**
   * The clusters this process owns now, with their tokens: none once the last round the database confirmed is older
   * than a lease less a period (a tick that hangs, a process resumed after a pause acts for nothing it may have lost).
   */
  current(): Owned {
    if (this.startedAt === null) return this.owned;
    const since = Number(process.hrtime.bigint() - this.startedAt) / 1e6;
    return since < this.opts.leaseMs - this.opts.renewMs ? this.owned : EMPTY;
  }

  /** Stops acting for a cluster at once (a write found its lease lost); the next round renews or claims it again. */
  drop(clusterId: string): void {
    if (!this.owned.has(clusterId)) return;
    const next = new Map(this.owned);
    next.delete(clusterId);
    this.replace(next);
  }

  owns(clusterId: string): boolean {
    return this.current().has(clusterId);
  }

  /** The fence for writes made for `clusterId`, or null when this process does not own it. */
  fence(clusterId: string): Fence | null {
    const token = this.current().get(clusterId);
    return token === undefined ? null : { clusterId, holder: this.holder, token };
  }

  /** Calls `fn` with the clusters gained and lost after each change; returns a function that unsubscribes. */
  onChange(fn: (gained: string[], lost: string[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * While `aside`, a round gives every lease and the membership up (once) and neither heartbeats nor claims: the
   * others' shares grow and they take the clusters over. Then rounds renew and claim as before.
   */
  standAside(aside: boolean): void {
    if (!aside) this.givenUp = false;
    this.aside = aside;
  }

  private ttl() {
    return Prisma.sql`clock_timestamp() + make_interval(secs => ${this.opts.leaseMs / 1000})`;
  }

  /**
   * One round: the heartbeat, the renewal of what is held (leases of detached clusters are dropped), the share given
   * up or claimed. A database error leaves what is owned as it was until the lease would have expired.
   */
  async tick(): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      await this.round();
      this.startedAt = started;
    } catch (e) {
      logger.warn({ err: e instanceof Error ? e.message : String(e) }, "cluster ownership: renewal failed");
      // Past the lease (less a period, for the clocks' sake) another process may own them: stop acting for them.
      if (this.current() === EMPTY) this.replace(new Map());
    }
  }

  private async round() {
    const { db, holder } = this;
    if (this.aside) {
      if (!this.givenUp) await this.releaseAll();
      this.givenUp = true;
      return;
    }
    await db.$executeRaw`
      INSERT INTO "ControllerMember" ("holder", "expiresAt") VALUES (${holder}, ${this.ttl()})
      ON CONFLICT ("holder") DO UPDATE SET "expiresAt" = EXCLUDED."expiresAt"`;
    await db.$executeRaw`DELETE FROM "ControllerMember" WHERE "expiresAt" < now() - interval '1 minute'`;
    // A detached cluster is nobody's to sync (one with a fenced write in flight is dropped at a later round: the
    // renewals below never wait for a write).
    await db.$executeRaw`
      DELETE FROM "ClusterLease" WHERE "clusterId" IN (
        SELECT l."clusterId" FROM "ClusterLease" l JOIN "Cluster" c ON c."id" = l."clusterId"
        WHERE l."holder" = ${holder} AND c."kubeconfigSecretId" IS NULL
        FOR UPDATE OF l SKIP LOCKED)`;
    const renewed = await db.$queryRaw<{ clusterId: string; token: bigint }[]>`
      UPDATE "ClusterLease" SET "expiresAt" = ${this.ttl()}
      WHERE "holder" = ${holder} AND "expiresAt" > now()
      RETURNING "clusterId", "token"`;
    const owned = new Map(renewed.map((r) => [r.clusterId, r.token]));
    // A fair share: the attached clusters over the live members, the remainder to the first members by name.
    const members = await db.$queryRaw<{ holder: string }[]>`
      SELECT "holder" FROM "ControllerMember" WHERE "expiresAt" > now() ORDER BY "holder"`;
    const [{ clusters }] = await db.$queryRaw<{ clusters: number }[]>`
      SELECT count(*)::int AS "clusters" FROM "Cluster" WHERE "kubeconfigSecretId" IS NOT NULL`;
    const n = Math.max(1, members.length);
    const rank = members.findIndex((m) => m.holder === holder);
    const share = Math.floor(clusters / n) + (rank >= 0 && rank < clusters % n ? 1 : 0);
    if (owned.size > share) {
      // Give up the most recently acquired first (the longest-held keep their warm caches).
      const excess = await db.$queryRaw<{ clusterId: string }[]>`
        UPDATE "ClusterLease" SET "expiresAt" = now() - interval '1 millisecond'
        WHERE "clusterId" IN (
          SELECT "clusterId" FROM "ClusterLease" WHERE "holder" = ${holder} AND "expiresAt" > now()
          ORDER BY "acquiredAt" DESC, "clusterId" LIMIT ${owned.size - share})
        AND "holder" = ${holder}
        RETURNING "clusterId"`;
      for (const r of excess) owned.delete(r.clusterId);
    } else if (owned.size < share) {
      const want = share - owned.size;
      // Clusters nobody ever held, then leases that expired; SKIP LOCKED: two processes never claim the same row.
      const fresh = await db.$queryRaw<{ clusterId: string; token: bigint }[]>`
        INSERT INTO "ClusterLease" ("clusterId", "holder", "token", "expiresAt")
        SELECT c."id", ${holder}, 1, ${this.ttl()} FROM "Cluster" c
        WHERE c."kubeconfigSecretId" IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM "ClusterLease" l WHERE l."clusterId" = c."id")
        ORDER BY c."id" LIMIT ${want}
        ON CONFLICT ("clusterId") DO NOTHING
        RETURNING "clusterId", "token"`;
      for (const r of fresh) owned.set(r.clusterId, r.token);
      if (owned.size < share) {
        const taken = await db.$queryRaw<{ clusterId: string; token: bigint }[]>`
          UPDATE "ClusterLease" l SET "holder" = ${holder}, "token" = l."token" + 1, "expiresAt" = ${this.ttl()},
            "acquiredAt" = now()
          WHERE l."clusterId" IN (
            SELECT e."clusterId" FROM "ClusterLease" e JOIN "Cluster" c ON c."id" = e."clusterId"
            WHERE e."expiresAt" <= now() AND c."kubeconfigSecretId" IS NOT NULL
            ORDER BY e."expiresAt" LIMIT ${share - owned.size}
            FOR UPDATE OF e SKIP LOCKED)
          AND l."expiresAt" <= now()
          RETURNING l."clusterId", l."token"`;
        for (const r of taken) owned.set(r.clusterId, r.token);
      }
    }
    this.replace(owned);
  }

  private replace(next: Map<string, bigint>) {
    const gained = [...next.keys()].filter((id) => this.owned.get(id) !== next.get(id));
    const lost = [...this.owned.keys()].filter((id) => this.owned.get(id) !== next.get(id));
    this.owned = next;
    if (gained.length || lost.length) for (const fn of this.listeners) fn(gained, lost);
  }

  /** Gives every lease and the membership up at once (a clean stop), so the others take the clusters over now. */
  async releaseAll(): Promise<void> {
    const { db, holder } = this;
    try {
      await db.$executeRaw`
        UPDATE "ClusterLease" SET "expiresAt" = now() - interval '1 millisecond' WHERE "holder" = ${holder}`;
      await db.$executeRaw`DELETE FROM "ControllerMember" WHERE "holder" = ${holder}`;
    } finally {
      // Acting for nothing from now on, even when the database did not hear it (the leases then expire by themselves).
      this.replace(new Map());
    }
  }
}
