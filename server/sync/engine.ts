import { setMaxListeners } from "node:events";
import type { Db } from "../db/client";
import type { Prisma } from "../db/generated/client";
import { fencedWrite, LeaseLost, type Fence } from "../controllers/ownership";
import { VELERO_NAMESPACE } from "../kube/access";
import type { ClusterClient } from "../kube/cluster-client";
import {
  listKind,
  SYNCED_KINDS,
  watchKind,
  type SyncedKind,
  type VeleroItem,
  type WatchEventType,
} from "../kube/watch";
import { CapExceededError } from "../kube/session";
import { ClusterError } from "../kube/errors";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff";
import { writeObjects } from "./read-model";
import { Gate } from "@/lib/bounded";
import { admit, DEFAULT_SYNC_LIMITS, tooManyItems, type AdmittedItem, type SyncLimits } from "./admission";

// The sync engine: per connected cluster, one loop per synced Velero kind that lists (into VeleroObject rows, dropping
// rows the list no longer has), then watches from the list's resourceVersion. A loop whose SyncState holds a
// resourceVersion from an earlier run (a console restart, a cluster that reconnects) skips the list and watches from it,
// so a restart does not relist every cluster. A watch the server ended resumes from the last resourceVersion it
// delivered; a 410 (or a cluster whose history no longer matches the stored version) relists; any failure is recorded
// in SyncState and retried after an exponential, jittered backoff. Rows stay when a cluster is unreachable, so the
// console shows its last-known state and, through observedAt and SyncState, how old it is. What one cluster can make
// the console hold is capped (lib/limits.ts, admission.ts): past a cap the kind's loop fails with a CapExceededError,
// which stays its lastError (a reconnect does not clear it) and is retried with the same backoff.
/** The change topic of a cluster's sync state (SyncState rows). */
export const SYNC_STATE_TOPIC = "syncstate";

/** The lastError of an optional kind the cluster does not serve (its CRD is not installed): a state, retried slowly. */
export const NOT_SERVED = "The cluster does not serve";

export interface SyncEngineDeps {
  db: Db;
  /** The cluster's client (the cluster-access port's forCluster); asked again before every list and watch. */
  clientFor: (clusterId: string) => Promise<ClusterClient>;
  list?: typeof listKind;
  /** Told after every write to the read model (a list page, a watch event, rows dropped by a relist). */
  /** A kind's rows changed (topic: the kind), or a kind's sync state did (topic: SYNC_STATE_TOPIC). */
  onChange?: (clusterId: string, kind: string) => void;
  watch?: typeof watchKind;
  backoff?: BackoffPolicy;
  namespace?: string;
  /** The caps (default DEFAULT_SYNC_LIMITS, from lib/limits.ts); tests lower them. */
  limits?: Partial<SyncLimits>;
  /**
   * The fence of the cluster's lease (several console processes): every write to the read model and the sync state
   * runs in a transaction that holds it, and a cluster whose lease is lost stops writing (its loops end). Without
   * it, writes are not fenced (one process, tests).
   */
  fence?: (clusterId: string) => Fence | null;
  /** A write found the cluster's lease lost: its loops end, and the owner of the leases is told. */
  onLeaseLost?: (clusterId: string) => void;
}

export interface KindSyncState {
  kind: string;
  resourceVersion: string;
  lastListAt: Date | null;
  lastEventAt: Date | null;
  lastError: string | null;
  relists: number;
}

interface ClusterLoops {
  abort: AbortController;
  running: Promise<void>;
}

const MAX_ERROR_LENGTH = 2_000;

/**
 * How many list pages are written at once, over every cluster (a cold start lists 13 kinds of each attached cluster):
 * fewer than the database pool's connections (10), so watch events and the console's own requests still get one.
 */
export const LIST_WRITERS = 4;
/**
 * How many lists (every page of one kind on one cluster) are read at once, over every cluster: each holds a page of up
 * to `pageSize` objects, parsed, until it is written, so a cold start of many clusters keeps this many pages in memory
 * rather than one per cluster (100 clusters' Backup pages took 200 MiB). More than LIST_WRITERS, so the writers always
 * have a page ready while the next ones are read.
 */
export const LISTS_AT_ONCE = 16;

export class SyncEngine {
  private readonly clusters = new Map<string, ClusterLoops>();
  private readonly listWrites = new Gate(LIST_WRITERS);
  private readonly lists = new Gate(LISTS_AT_ONCE);
  private readonly list: typeof listKind;
  private readonly watch: typeof watchKind;
  private readonly backoff: BackoffPolicy;
  private readonly namespace: string;
  private readonly limits: SyncLimits;

  constructor(private readonly deps: SyncEngineDeps) {
    this.list = deps.list ?? listKind;
    this.watch = deps.watch ?? watchKind;
    this.backoff = deps.backoff ?? DEFAULT_BACKOFF;
    this.namespace = deps.namespace ?? VELERO_NAMESPACE;
    this.limits = { ...DEFAULT_SYNC_LIMITS, ...deps.limits };
  }

  /** Starts the loops of a cluster (no-op when they already run). */
  startCluster(clusterId: string): void {
    if (this.clusters.has(clusterId)) return;
    const abort = new AbortController();
    // One listener per synced kind's loop (and its waits) on this signal: more than Node's default warning threshold.
    setMaxListeners(4 * SYNCED_KINDS.length, abort.signal);
    // Settled, not all: a cluster counts as stopped only once every one of its loops has ended.
    const running = Promise.allSettled(SYNCED_KINDS.map((k) => this.loop(clusterId, k, abort.signal))).then(
      () => undefined,
    );
    this.clusters.set(clusterId, { abort, running });
  }

  /** Stops a cluster's loops and waits until none runs; its rows and SyncState stay. */
  async stopCluster(clusterId: string): Promise<void> {
    const c = this.clusters.get(clusterId);
    if (!c) return;
    c.abort.abort();
    try {
      await c.running;
    } finally {
      this.clusters.delete(clusterId);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.clusters.keys()].map((id) => this.stopCluster(id)));
  }

  running(): string[] {
    return [...this.clusters.keys()];
  }

  async state(clusterId: string): Promise<KindSyncState[]> {
    const rows = await this.deps.db.syncState.findMany({ where: { clusterId }, orderBy: { kind: "asc" } });
    return rows.map((r) => ({
      kind: r.kind,
      resourceVersion: r.resourceVersion,
      lastListAt: r.lastListAt,
      lastEventAt: r.lastEventAt,
      lastError: r.lastError,
      relists: r.relists,
    }));
  }

  /** Velero's namespace for Velero's kinds; "" (every namespace, or none for a cluster-scoped kind) for the others. */
  private namespaceOf(kind: SyncedKind): string {
    return kind.scope === "cluster" ? "" : this.namespace;
  }

  // ---- the loop -------------------------------------------------------------------------------------------------------

  private async loop(clusterId: string, kind: SyncedKind, signal: AbortSignal): Promise<void> {
    let resourceVersion: string | undefined; // undefined: not read from SyncState yet; "" = list first
    let relist = false; // the next list follows a 410
    let failures = 0;
    let capped = false; // the last failure was a cap: a reconnect does not clear it
    const tally: Tally = { rows: undefined };
    while (!signal.aborted) {
      try {
        resourceVersion ??= await this.storedResourceVersion(clusterId, kind.kind);
        const client = await this.deps.clientFor(clusterId);
        if (signal.aborted) break;
        if (!resourceVersion) {
          resourceVersion = await this.relist(clusterId, kind, client, relist, tally, signal);
          relist = false;
          failures = 0;
          capped = false;
          if (signal.aborted) break;
        }
        tally.rows ??= await this.deps.db.veleroObject.count({ where: { clusterId, kind: kind.kind } });
        // Stopped meanwhile (the cluster detached, or owned by another process now): no watch is started, since an
        // abort listener added to a signal already aborted never fires and the watch would live until its timeout.
        if (signal.aborted) break;
        const from = resourceVersion;
        const w = this.watch(
          client,
          kind,
          from,
          (type, item) => {
            // An event older than where the watch started: the cluster's history was reset (restored etcd, a new cluster
            // at the same address), so the stored version means nothing there.
            if (olderThan(item.resourceVersion, from))
              throw new HistoryMismatch(
                `the cluster sent ${kind.kind} at resourceVersion ${item.resourceVersion}, older than ${from}`,
              );
            return this.apply(clusterId, kind, type, item, tally);
          },
          {
            namespace: this.namespaceOf(kind),
            maxLineBytes: this.limits.maxWatchLineBytes,
            // Connected again after failures: the state stops showing the old error even before anything changes
            // (unless it was a cap, which the same event would pass again).
            onOpen: () => {
              if (failures === 0 || capped) return;
              failures = 0;
              void this.saveState(clusterId, kind.kind, { lastError: null }).catch(() => undefined);
            },
          },
        );
        const onAbort = () => w.stop();
        signal.addEventListener("abort", onAbort, { once: true });
        const end = await w.done.finally(() => signal.removeEventListener("abort", onAbort));
        if (end.lastResourceVersion) resourceVersion = end.lastResourceVersion;
        if (end.reason === "gone" || (end.reason === "error" && historyMismatch(end.error))) {
          resourceVersion = "";
          relist = true;
          continue;
        }
        if (end.reason === "error") throw end.error ?? new Error("the watch failed");
        failures = 0;
        await this.saveState(clusterId, kind.kind, { resourceVersion });
      } catch (e) {
        if (signal.aborted) break;
        // Not this process's to write any more: it stops at once, and ownership is told, so the cluster is stopped
        // here and started again should the next round renew or claim it (its loops are not left ended for good).
        if (e instanceof LeaseLost) {
          this.deps.onLeaseLost?.(clusterId);
          break;
        }
        failures++;
        capped = e instanceof CapExceededError;
        if (kind.optional && e instanceof ClusterError && e.status === 404) {
          // Not served (yet): no rows, a state that says so, and a retry at the backoff's slowest pace.
          failures = Math.max(failures, 30);
          const gone = await this.write(clusterId, (db) =>
            db.veleroObject.deleteMany({ where: { clusterId, kind: kind.kind } }),
          ).catch(() => ({ count: 0 }));
          if (gone.count) this.deps.onChange?.(clusterId, kind.kind);
          resourceVersion = "";
        }
        const lastError =
          kind.optional && e instanceof ClusterError && e.status === 404
            ? `${NOT_SERVED} ${kind.resource.plural}.${kind.resource.group || "core"}`
            : messageOf(e);
        await this.saveState(clusterId, kind.kind, { lastError }).catch(() => undefined);
        await sleep(backoffDelay(failures, this.backoff), signal);
      }
    }
  }

  /** Where an earlier run of this loop got to ("" when it never listed). */
  private async storedResourceVersion(clusterId: string, kind: string): Promise<string> {
    const s = await this.deps.db.syncState.findUnique({
      where: { clusterId_kind: { clusterId, kind } },
      select: { resourceVersion: true },
    });
    return s?.resourceVersion ?? "";
  }

  /** Lists the kind into the read model and removes rows of this cluster+kind the list did not return. */
  private async relist(
    clusterId: string,
    kind: SyncedKind,
    client: ClusterClient,
    after410: boolean,
    tally: Tally,
    signal: AbortSignal,
  ): Promise<string> {
    let listStart = new Date();
    let seen = 0;
    tally.rows = undefined; // unknown until the list is complete
    // Through the lists' gate (see LISTS_AT_ONCE); a loop stopped while it waits leaves the line and lists nothing.
    const { resourceVersion, count } = await this.lists.run(() => {
      listStart = new Date();
      return this.list(client, kind, {
        namespace: this.namespaceOf(kind),
        pageSize: this.limits.pageSize,
        onPage: async (items) => {
          seen += items.length;
          if (seen > this.limits.maxItemsPerKind) throw tooManyItems(kind.kind, this.namespaceOf(kind), this.limits);
          // Through the gate: however many clusters list at once, their pages take at most LIST_WRITERS of the
          // database's connections, so a watch event of a cluster already followed is written at once. A loop stopped
          // while its page waits (detached, owned elsewhere now) leaves the line and writes nothing.
          const admitted = items.map((i) => admit(i, this.limits));
          await this.listWrites.run(() => this.upsert(clusterId, admitted), signal);
          this.deps.onChange?.(clusterId, kind.kind);
        },
        onRestart: () => {
          listStart = new Date();
          seen = 0;
        },
      });
    }, signal);
    // Every row the list wrote has observedAt >= listStart; older rows were not in the list.
    const dropped = await this.write(clusterId, (db) =>
      db.veleroObject.deleteMany({ where: { clusterId, kind: kind.kind, observedAt: { lt: listStart } } }),
    );
    await this.saveState(clusterId, kind.kind, {
      resourceVersion,
      lastListAt: new Date(),
      lastError: null,
      ...(after410 ? { relists: { increment: 1 } } : {}),
    });
    if (dropped.count) this.deps.onChange?.(clusterId, kind.kind);
    tally.rows = count;
    return resourceVersion;
  }

  private async apply(
    clusterId: string,
    kind: SyncedKind,
    type: WatchEventType,
    item: VeleroItem,
    tally: Tally,
  ): Promise<void> {
    if (type === "DELETED") {
      const gone = await this.write(clusterId, (db) =>
        db.veleroObject.deleteMany({
          where: { clusterId, kind: kind.kind, namespace: item.namespace, name: item.name },
        }),
      );
      if (tally.rows !== undefined) tally.rows -= gone.count;
    } else {
      const admitted = admit(item, this.limits);
      if (tally.rows !== undefined && tally.rows >= this.limits.maxItemsPerKind) {
        const known = await this.deps.db.veleroObject.findUnique({
          where: {
            clusterId_kind_namespace_name: { clusterId, kind: kind.kind, namespace: item.namespace, name: item.name },
          },
          select: { id: true },
        });
        if (!known) throw tooManyItems(kind.kind, this.namespaceOf(kind), this.limits);
      }
      const inserted = await this.upsert(clusterId, [admitted]);
      if (tally.rows !== undefined) tally.rows += inserted;
    }
    this.deps.onChange?.(clusterId, kind.kind);
    await this.saveState(clusterId, kind.kind, {
      resourceVersion: item.resourceVersion,
      lastEventAt: new Date(),
      lastError: null,
    });
  }

  // ---- writes ---------------------------------------------------------------------------------------------------------

  /** A write made for the cluster: fenced by its lease when the engine runs under ownership (see `fence`). */
  private write<T>(clusterId: string, fn: (db: Db | Prisma.TransactionClient) => Promise<T>): Promise<T> {
    if (!this.deps.fence) return fn(this.deps.db);
    const fence = this.deps.fence(clusterId);
    if (!fence) return Promise.reject(new LeaseLost(clusterId));
    return fencedWrite(this.deps.db, fence, fn);
  }

  private upsert(clusterId: string, items: AdmittedItem[]): Promise<number> {
    return this.write(clusterId, (db) => writeObjects(db, clusterId, items));
  }

  private async saveState(
    clusterId: string,
    kind: string,
    s: {
      resourceVersion?: string;
      lastListAt?: Date;
      lastEventAt?: Date;
      lastError?: string | null;
      relists?: { increment: number };
    },
  ): Promise<void> {
    const { relists, ...plain } = s;
    await this.write(clusterId, (db) =>
      db.syncState.upsert({
        where: { clusterId_kind: { clusterId, kind } },
        create: { clusterId, kind, ...plain, relists: relists?.increment ?? 0 },
        update: { ...plain, ...(relists ? { relists } : {}) },
      }),
    );
    // The cluster page's sync table follows this state live (coalesced with the kind's own change).
    this.deps.onChange?.(clusterId, SYNC_STATE_TOPIC);
  }
}

/** Rows of the loop's kind in the read model (undefined: not counted yet), kept so a watch cannot pass the cap. */
interface Tally {
  rows: number | undefined;
}

class HistoryMismatch extends Error {}

/**
 * Whether the watch could not continue from its resourceVersion although the server did not say 410: an event older
 * than the start, or an apiserver refusing a version from its future ("Too large resource version").
 */
function historyMismatch(e: Error | undefined): boolean {
  return e instanceof HistoryMismatch || /too large resource version/i.test(e?.message ?? "");
}

/** resourceVersions are opaque, but every Kubernetes apiserver uses etcd revisions: compare them only when both are. */
function olderThan(rv: string, from: string): boolean {
  return /^\d+$/.test(rv) && /^\d+$/.test(from) && BigInt(rv) < BigInt(from);
}

function messageOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > MAX_ERROR_LENGTH ? `${m.slice(0, MAX_ERROR_LENGTH)}…` : m;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
