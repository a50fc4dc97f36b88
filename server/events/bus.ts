import pg from "pg";
import type { Db } from "../db/client";
import { logger } from "../log";

// Change notifications through PostgreSQL LISTEN/NOTIFY, so every console process (and every copy of this module a
// bundler may make) hears what any of them wrote: the sync engine's read-model writes, cluster checks, location
// deployments, attach and detach. Payloads are small JSON ({ clusterId, topic }); what changed is read from the
// database, never from the notification.
export const CHANNEL = "lifeboat_changes";

/** What a change is about: the read model's kinds, and the console's own rows that pages show live. */
export type Topic =
  | "backups"
  | "restores"
  | "schedules"
  | "backupstoragelocations"
  | "deletebackuprequests"
  | "podvolumebackups"
  | "datauploads"
  /** A cluster's check found something new (state, error, access, version, Velero), or it was edited. */
  | "cluster"
  /** A cluster's check found it as it was: only the times of its last check moved. */
  | "checked"
  | "clusters"
  | "locations"
  | "velero"
  | "coverage"
  | "digests"
  | "drills"
  /** A cluster group's recovery point objective (summaries are computed again). */
  | "groups"
  /** A cluster group created, renamed, re-described or deleted (pages that show groups). */
  | "group";

export interface Change {
  topic: Topic | string;
  clusterId?: string;
}

/** Tells every listening process that something changed (inside a transaction: when it commits). */
export async function publish(db: Db, change: Change): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(change)})`;
}

type Handler = (c: Change) => void;

export interface BusOptions {
  /** How often the LISTEN connection is asked a trivial query, to find out it still answers. */
  heartbeatMs?: number;
  /** How long a heartbeat may go unanswered before the connection counts as lost. */
  answerMs?: number;
}

/**
 * One LISTEN connection per process, shared by every subscriber; it reconnects after a failure (and tells subscribers
 * with a `resync` change, since notifications sent meanwhile are lost). A connection can also die without a word (a
 * NAT or firewall forgetting it, a database host gone from the network): nothing is heard on it, and it would count
 * as listening while deaf. So it is asked `SELECT 1` every heartbeat; one unanswered for `answerMs` counts as a
 * failure (notifications come over the same socket as the answer). TCP keep-alive is on as well.
 */
export class EventBus {
  private client: pg.Client | null = null;
  private readonly handlers = new Set<Handler>();
  private connecting: Promise<void> | null = null;
  private stopped = false;
  private connections = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly heartbeatMs: number;
  private readonly answerMs: number;

  constructor(
    private readonly url: string,
    o: BusOptions = {},
  ) {
    this.heartbeatMs = o.heartbeatMs ?? 15_000;
    this.answerMs = o.answerMs ?? 10_000;
  }

  /** Calls `fn` with every change until the returned function is called. */
  subscribe(fn: Handler): () => void {
    this.handlers.add(fn);
    void this.ensure();
    return () => void this.handlers.delete(fn);
  }

  /**
   * Which LISTEN is in place, counted from 1 (each reconnect makes a new one), or null while none is: changes are then
   * unheard until a reconnect says `resync`.
   */
  get listening(): number | null {
    return this.client ? this.connections : null;
  }

  /** Resolves once the LISTEN is in place (tests wait for it before writing). */
  ready(): Promise<void> {
    return this.ensure();
  }

  private ensure(): Promise<void> {
    if (this.client || this.stopped) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    // Connecting and LISTEN have the heartbeat's deadline too: a reconnect onto a dead path fails and is tried again.
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: this.answerMs,
      query_timeout: this.answerMs,
    });
    let failed = false;
    const retry = (err: unknown) => {
      if (failed) return;
      failed = true;
      if (this.client === client) {
        this.client = null;
        clearInterval(this.heartbeat);
      }
      // A query still waiting on the dead connection (a heartbeat) is rejected as it closes.
      void close(client);
      if (this.stopped) return;
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "change notifications lost; reconnecting");
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        void this.ensure().then(() => this.emit({ topic: "resync" }));
      }, 1000);
      this.retryTimer.unref?.();
    };
    try {
      await client.connect();
      client.on("notification", (m) => {
        if (m.channel !== CHANNEL || !m.payload) return;
        try {
          this.emit(JSON.parse(m.payload) as Change);
        } catch {
          /* not ours */
        }
      });
      client.on("error", retry);
      client.on("end", () => retry(new Error("connection ended")));
      await client.query(`LISTEN ${CHANNEL}`);
      // Failed while LISTEN was answered (an error read with its answer): retry has ended it and will reconnect.
      if (failed) return;
      if (this.stopped) {
        await close(client);
        return;
      }
      this.client = client;
      this.connections++;
      this.beat(client, retry);
    } catch (e) {
      retry(e);
    }
  }

  /** Asks the connection `SELECT 1` every heartbeat; no answer within `answerMs` (or an error) fails it. */
  private beat(client: pg.Client, fail: (err: unknown) => void) {
    let waiting = false;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (waiting) return;
      waiting = true;
      let answered = false;
      // Judged after the sockets are read (setImmediate): an event loop that stalled past answerMs, with the answer
      // waiting to be read, is not a dead connection.
      const late = setTimeout(
        () =>
          setImmediate(() => {
            if (!answered)
              fail(new Error(`the connection did not answer a heartbeat within ${this.answerMs / 1000} s`));
          }),
        this.answerMs,
      );
      late.unref?.();
      client.query("SELECT 1").then(
        () => {
          answered = true;
          waiting = false;
          clearTimeout(late);
        },
        (e) => {
          answered = true;
          clearTimeout(late);
          fail(e);
        },
      );
    }, this.heartbeatMs);
    this.heartbeat.unref?.();
  }

  private emit(c: Change) {
    for (const h of [...this.handlers]) {
      try {
        h(c);
      } catch (e) {
        logger.warn({ err: e instanceof Error ? e.message : String(e) }, "a change handler failed");
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    const c = this.client;
    this.client = null;
    if (c) await close(c);
  }
}

/**
 * Ends a connection, deaf from now on: a connection that died without a word never says it closed, so after 2 s its
 * socket is destroyed (else it stays open until TCP keep-alive gives up on it).
 */
async function close(c: pg.Client): Promise<void> {
  c.removeAllListeners();
  c.on("error", () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    c.end().then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2_000))),
  ]);
  clearTimeout(timer);
  if (!ended) (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

const globalForBus = globalThis as unknown as { lifeboatBus?: EventBus };

/** The process's bus, on DATABASE_URL. */
export function eventBus(): EventBus {
  if (globalForBus.lifeboatBus) return globalForBus.lifeboatBus;
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  return (globalForBus.lifeboatBus = new EventBus(url));
}
