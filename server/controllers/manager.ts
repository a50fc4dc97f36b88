import crypto from "node:crypto";
import os from "node:os";
import type { Db } from "../db/client";
import { logger } from "../log";
import { Lease } from "./lease";
import { ClusterOwnership, type LeaseScope } from "./ownership";

// The controller runtime: one manager per console process, several processes on one database sharing the work.
// A reconciler is "desired state in PostgreSQL, observed state from the cluster, converge", of one of two scopes:
// - "fleet" (group-wide desired state, stacks, schedules): runs in the one process holding the "controllers" lease;
//   the others stand by and take over within a lease period when the holder stops (at once when it stops cleanly);
// - "cluster" (sync, health, coverage, digests, Velero operations, drills): runs in every process, for the clusters
//   that process owns (ownership.ts: a fair share each, taken over when a process dies, writes fenced by token).

/** The clusters a cluster-scoped reconciler works for: those its process owns now, and how that changes. */
export interface ClusterScope extends LeaseScope {
  ids(): string[];
  owns(clusterId: string): boolean;
  /** Called with the clusters gained and lost after each change; returns a function that unsubscribes. */
  onChange(fn: (gained: string[], lost: string[]) => void): () => void;
}

export interface Reconciler {
  name: string;
  /** "fleet" (the default) or "cluster" (see above). */
  scope?: "fleet" | "cluster";
  /** Starts the reconciler; the returned function stops it (and resolves once nothing of it runs). */
  start(clusters: ClusterScope): () => Promise<void> | void;
}

export interface ManagerOptions {
  leaseName?: string;
  /** How long a lease lasts without renewal. */
  leaseMs?: number;
  /** How often the leader renews and a standby tries to take over. */
  renewMs?: number;
  holder?: string;
  /**
   * The client the leases are renewed through (the fleet lease, the clusters' leases and the membership): a small pool
   * of their own, so a renewal does not queue behind the reconcilers' queries. The manager's `db` when not given.
   */
  leaseDb?: Db;
  /**
   * With a `leaseDb` of its own: how long the manager's `db` may go without answering before this process gives its
   * clusters (and the fleet lease) up until it answers again. Default: 4 leases, at least a minute.
   */
  poolStuckMs?: number;
}

export const DEFAULT_LEASE_MS = 15_000;
export const DEFAULT_RENEW_MS = 5_000;

export class ControllerManager {
  private readonly lease: Lease;
  private readonly ownership: ClusterOwnership;
  private readonly renewMs: number;
  private readonly poolStuckMs: number;
  private readonly leaseMs: number;
  /** The pool probe (only when the leases have a pool of their own): in flight, and when it last answered. */
  private readonly probes: boolean;
  private probing = false;
  private answeredAt = process.hrtime.bigint();
  private stuck = false;
  /** The fleet reconcilers' stops begun when the pool got stuck (not waited for then). */
  private followed: Promise<void> = Promise.resolve();
  private running: { name: string; stop: () => Promise<void> | void }[] = [];
  private clusterRunning: { name: string; stop: () => Promise<void> | void }[] | null = null;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  /** The round waiting behind the running one, if any. */
  private queued: Promise<void> | undefined;
  private stopped = false;
  private leading = false;

  constructor(
    private readonly db: Db,
    private readonly reconcilers: Reconciler[],
    opts: ManagerOptions = {},
  ) {
    const holder = opts.holder ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString("hex")}`;
    const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.leaseMs = leaseMs;
    const leaseDb = opts.leaseDb ?? db;
    this.lease = new Lease(leaseDb, opts.leaseName ?? "controllers", holder, leaseMs);
    this.renewMs = opts.renewMs ?? DEFAULT_RENEW_MS;
    this.ownership = new ClusterOwnership(leaseDb, holder, { leaseMs, renewMs: this.renewMs });
    // Renewed through a pool of their own, the leases would outlive a main pool that no longer answers (every
    // connection hung): the process would keep clusters it cannot sync. On one client, the renewals stall with it.
    this.probes = leaseDb !== db;
    this.poolStuckMs = opts.poolStuckMs ?? Math.max(4 * leaseMs, 60_000);
  }

  /** What this process owns (cluster-scoped reconcilers act only for these). */
  get clusters(): ClusterScope {
    const o = this.ownership;
    return {
      ids: () => [...o.current().keys()],
      owns: (id) => o.owns(id),
      fence: (id) => o.fence(id),
      drop: (id) => o.drop(id),
      onChange: (fn) => o.onChange(fn),
    };
  }

  /** The reconciler of that name (tests and reports look into it). */
  reconciler(name: string): Reconciler | undefined {
    return this.reconcilers.find((r) => r.name === name);
  }

  /** Runs a round now (a cluster attached or detached: its ownership is settled at once, not at the next period). */
  nudge(): void {
    if (!this.stopped && this.timer) void this.tick();
  }

  private fleet() {
    return this.reconcilers.filter((r) => (r.scope ?? "fleet") === "fleet");
  }

  private perCluster() {
    return this.reconcilers.filter((r) => r.scope === "cluster");
  }

  get holder(): string {
    return this.lease.holder;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Starts competing for the lease; resolves after the first attempt (leading or standby). */
  start(): Promise<void> {
    this.stopped = false;
    this.answeredAt = process.hrtime.bigint();
    const first = this.tick();
    this.timer = setInterval(() => void this.tick(), this.renewMs);
    this.timer.unref?.();
    return first;
  }

  /** Starts a trivial query on the main pool unless one is in flight; only its answers count (a failure is none). */
  private probe(): void {
    if (!this.probes || this.probing) return;
    this.probing = true;
    // A probe on a half-open connection may not end for minutes: after a lease another is sent (this one still counts
    // if it answers).
    const expired = setTimeout(() => (this.probing = false), this.leaseMs);
    expired.unref?.();
    void this.db.$executeRaw`SELECT 1`
      .then(
        () => void (this.answeredAt = process.hrtime.bigint()),
        () => undefined,
      )
      .finally(() => {
        clearTimeout(expired);
        this.probing = false;
      });
  }

  /** Whether the main pool has not answered for `poolStuckMs`; says so once when that changes. */
  private poolStuck(): boolean {
    const silentMs = Number(process.hrtime.bigint() - this.answeredAt) / 1e6;
    const stuck = this.probes && silentMs > this.poolStuckMs;
    if (stuck && !this.stuck) {
      const seconds = Math.round(silentMs / 1000);
      const owns = this.ownership.current().size > 0 || this.leading;
      logger.warn(
        { holder: this.holder, seconds },
        `the database pool has not answered for ${seconds} s: this process ` +
          (owns ? "gives its clusters up" : "claims no cluster") +
          " until it answers",
      );
    } else if (!stuck && this.stuck) {
      logger.info({ holder: this.holder }, "the database pool answers again: this process takes its share again");
    }
    this.stuck = stuck;
    return stuck;
  }

  /**
   * Queues a round behind the one running. At most one waits: while a round is held up (a lease renewal stuck on the
   * database), the timer's periods and nudges join the waiting round instead of piling up rounds that would then run
   * back to back.
   */
  private tick(): Promise<void> {
    this.probe();
    if (this.queued) return this.queued;
    const queued = this.ticking.then(() => {
      this.queued = undefined;
      // A round that fails is said so and ends; the next period runs the next one (the chain never rejects).
      return this.round().catch((e) => {
        logger.error(
          { holder: this.holder, err: e instanceof Error ? e.message : String(e) },
          "controllers: a round failed",
        );
      });
    });
    this.queued = queued;
    this.ticking = queued;
    return queued;
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    const stuck = this.poolStuck();
    if (this.perCluster().length) {
      this.ownership.standAside(stuck);
      await this.ownership.tick();
      if (this.stopped) return;
      // Started once, after the first round of ownership: they follow its changes themselves.
      if (!this.clusterRunning) this.clusterRunning = this.startAll(this.perCluster());
    }
    if (!this.fleet().length) return;
    // Not renewed, the fleet lease expires and a replica whose pool answers takes the fleet-wide work over.
    // The fleet reconcilers' stops are not waited for here: stuck on the same pool, they would hold up every round
    // (and the process's return once the pool answers); leading again, or stopping, waits for them.
    if (stuck) {
      if (this.leading) this.followed = this.follow("database pool stuck");
      return;
    }
    let held = false;
    try {
      held = (await this.lease.acquire()).held;
    } catch (e) {
      logger.warn({ err: e instanceof Error ? e.message : String(e) }, "controller lease: renewal failed");
    }
    if (this.stopped) return;
    if (held && !this.leading) await this.lead();
    else if (!held && this.leading) await this.follow("lost the lease");
  }

  private startAll(reconcilers: Reconciler[]) {
    const running: { name: string; stop: () => Promise<void> | void }[] = [];
    for (const r of reconcilers) {
      try {
        running.push({ name: r.name, stop: r.start(this.clusters) });
      } catch (e) {
        logger.error(
          { reconciler: r.name, err: e instanceof Error ? e.message : String(e) },
          "a reconciler failed to start",
        );
      }
    }
    return running;
  }

  private async lead() {
    await this.followed;
    this.leading = true;
    logger.info({ holder: this.holder }, "controllers: leading");
    this.running = this.startAll(this.fleet());
  }

  private async follow(why: string) {
    this.leading = false;
    logger.warn({ holder: this.holder, why }, "controllers: standing by");
    const running = this.running;
    this.running = [];
    await Promise.all(running.map((r) => Promise.resolve(r.stop()).catch(() => undefined)));
  }

  /** Stops the reconcilers and gives the leases up, so the other processes take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    const perCluster = this.clusterRunning ?? [];
    this.clusterRunning = null;
    await Promise.all([
      (async () => {
        await this.followed;
        if (!this.leading) return;
        await this.follow("stopping");
        await this.lease.release().catch(() => undefined);
      })(),
      (async () => {
        await Promise.all(perCluster.map((r) => Promise.resolve(r.stop()).catch(() => undefined)));
        if (perCluster.length) await this.ownership.releaseAll().catch(() => undefined);
      })(),
    ]);
  }
}
