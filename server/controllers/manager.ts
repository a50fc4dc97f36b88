import crypto from "node:crypto";
import os from "node:os";
import type { Db } from "../db/client";
import { logger } from "../log";
import { Lease } from "./lease";

// The controller runtime: one manager per console process. It runs its reconcilers only while it holds the
// "controllers" lease in PostgreSQL, so with several console processes on one database each loop runs once; the others
// stay standby and take over within a lease period when the holder stops (at once when it stops cleanly).
// A reconciler is "desired state in PostgreSQL, observed state from the cluster, converge": it starts when the
// manager leads and is stopped when it no longer does.
export interface Reconciler {
  name: string;
  /** Starts the reconciler; the returned function stops it (and resolves once nothing of it runs). */
  start(): () => Promise<void> | void;
}

export interface ManagerOptions {
  leaseName?: string;
  /** How long a lease lasts without renewal. */
  leaseMs?: number;
  /** How often the leader renews and a standby tries to take over. */
  renewMs?: number;
  holder?: string;
}

export const DEFAULT_LEASE_MS = 15_000;
export const DEFAULT_RENEW_MS = 5_000;

export class ControllerManager {
  private readonly lease: Lease;
  private readonly renewMs: number;
  private running: { name: string; stop: () => Promise<void> | void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;
  private leading = false;

  constructor(
    private readonly db: Db,
    private readonly reconcilers: Reconciler[],
    opts: ManagerOptions = {},
  ) {
    const holder = opts.holder ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString("hex")}`;
    this.lease = new Lease(db, opts.leaseName ?? "controllers", holder, opts.leaseMs ?? DEFAULT_LEASE_MS);
    this.renewMs = opts.renewMs ?? DEFAULT_RENEW_MS;
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
    const first = this.tick();
    this.timer = setInterval(() => void this.tick(), this.renewMs);
    this.timer.unref?.();
    return first;
  }

  private tick(): Promise<void> {
    this.ticking = this.ticking.then(async () => {
      if (this.stopped) return;
      let held = false;
      try {
        held = (await this.lease.acquire()).held;
      } catch (e) {
        logger.warn({ err: e instanceof Error ? e.message : String(e) }, "controller lease: renewal failed");
      }
      if (this.stopped) return;
      if (held && !this.leading) await this.lead();
      else if (!held && this.leading) await this.follow("lost the lease");
    });
    return this.ticking;
  }

  private async lead() {
    this.leading = true;
    logger.info({ holder: this.holder }, "controllers: leading");
    for (const r of this.reconcilers) {
      try {
        this.running.push({ name: r.name, stop: r.start() });
      } catch (e) {
        logger.error(
          { reconciler: r.name, err: e instanceof Error ? e.message : String(e) },
          "a reconciler failed to start",
        );
      }
    }
  }

  private async follow(why: string) {
    this.leading = false;
    logger.warn({ holder: this.holder, why }, "controllers: standing by");
    const running = this.running;
    this.running = [];
    await Promise.all(running.map((r) => Promise.resolve(r.stop()).catch(() => undefined)));
  }

  /** Stops the reconcilers and gives the lease up, so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    if (this.leading) {
      await this.follow("stopping");
      await this.lease.release().catch(() => undefined);
    }
  }
}
