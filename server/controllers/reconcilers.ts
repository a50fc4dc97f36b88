import type { Deps } from "../composition";
import { publish, type Change, type EventBus } from "../events/bus";
import { logger } from "../log";
import { startHealthLoop } from "../services/clusters/health-loop";
import { advanceStack, dueStacks } from "../services/protection/managed-locations";
import { advanceOperation, dueOperations } from "../services/velero/operations";
import { applyGroupPolicy, policiesInForce } from "../services/velero/group-policy";
import { SyncEngine } from "../sync/engine";
import { COVERAGE_KINDS } from "../kube/watch";
import { dueDigests, readDigest } from "../services/coverage/digests";
import { refreshSummary } from "../services/coverage/summaries";
import { advanceDrill, dueDrills } from "../services/drills/drills";
import { dueDrillSchedules, runDrillSchedule } from "../services/drills/schedules";
import type { ClusterScope, Reconciler } from "./manager";

// The console's reconcilers, run by the controller manager: the fleet-wide ones in the process holding the fleet
// lease, the cluster-scoped ones in every process for the clusters it owns.

/** How often the sync reconciler converges even without a notification (a lost NOTIFY, a row edited by hand). */
const SYNC_RESYNC_MS = 30_000;
/** Read-model changes are announced at most this often per cluster and kind (a list page is one announcement). */
const CHANGE_COALESCE_MS = 25;

/**
 * Sync: desired state = the attached clusters this process owns; observed = the engine's running loops; converge =
 * start the missing, stop the detached and those owned elsewhere now. Attach and detach announce "clusters", and a
 * change of ownership converges at once. Every read-model write is fenced by the cluster's lease token and announced
 * (coalesced) for the live pages.
 */
export class SyncReconciler implements Reconciler {
  readonly name = "sync";
  readonly scope = "cluster";
  engine: SyncEngine | null = null;

  constructor(
    private readonly d: Deps,
    private readonly bus: EventBus,
    private readonly opts: { resyncMs?: number } = {},
  ) {}

  start(clusters: ClusterScope) {
    const { d } = this;
    const pending = new Map<string, Change>();
    let flushTimer: NodeJS.Timeout | undefined;
    const flush = () => {
      flushTimer = undefined;
      const changes = [...pending.values()];
      pending.clear();
      for (const c of changes) void publish(d.db, c).catch(() => undefined);
    };
    const engine = new SyncEngine({
      db: d.db,
      clientFor: (id) => d.clusters.forCluster(id),
      fence: (id) => clusters.fence(id),
      onLeaseLost: (id) => clusters.drop(id),
      onChange: (clusterId, kind) => {
        pending.set(`${clusterId}/${kind}`, { topic: kind, clusterId });
        flushTimer ??= setTimeout(flush, CHANGE_COALESCE_MS);
      },
    });
    this.engine = engine;
    let converging: Promise<void> = Promise.resolve();
    let stopped = false;
    // Clusters whose loops are ending: each starts again (taken again, with a new token) only once its own have ended,
    // and no other cluster waits for them (a loop may take a while to end: a list page, a write waiting for the pool).
    const stopping = new Map<string, Promise<void>>();
    const stopOne = (id: string) => {
      if (stopping.has(id) || !engine.running().includes(id)) return;
      stopping.set(
        id,
        engine
          .stopCluster(id)
          .catch((e) =>
            logger.warn({ err: e instanceof Error ? e.message : String(e), clusterId: id }, "sync: stop failed"),
          )
          .finally(() => {
            stopping.delete(id);
            converge();
          }),
      );
    };
    const converge = () => {
      converging = converging
        .then(async () => {
          if (stopped) return;
          const attached = await d.db.cluster.findMany({
            where: { kubeconfigSecretId: { not: null }, id: { in: clusters.ids() } },
            select: { id: true },
          });
          const ids = new Set(attached.map((c) => c.id));
          for (const id of engine.running()) if (!ids.has(id)) stopOne(id);
          // Owned still (the list above was read before an await: a cluster lost meanwhile is not started again).
          if (!stopped) for (const id of ids) if (!stopping.has(id) && clusters.owns(id)) engine.startCluster(id);
        })
        .catch((e) => logger.warn({ err: e instanceof Error ? e.message : String(e) }, "sync: converging failed"));
    };
    const unsubscribe = this.bus.subscribe((c) => {
      if (c.topic === "clusters" || c.topic === "resync") converge();
    });
    // A cluster lost (or lost and taken again, with a new token) stops first: its loops end on their next write anyway.
    const unwatch = clusters.onChange((_gained, lost) => {
      for (const id of lost) stopOne(id);
      converge();
    });
    const timer = setInterval(converge, this.opts.resyncMs ?? SYNC_RESYNC_MS);
    timer.unref?.();
    converge();
    return async () => {
      stopped = true;
      unsubscribe();
      unwatch();
      clearInterval(timer);
      await converging;
      await Promise.all(stopping.values());
      await engine.stop();
      clearTimeout(flushTimer);
      flush();
      this.engine = null;
    };
  }
}

/** Health: every attached cluster this process owns checked periodically, its locations healed after each good check. */
export function healthReconciler(d: Deps, intervalMs: number, fullMs = intervalMs): Reconciler {
  return {
    name: "health",
    scope: "cluster",
    start: (clusters) =>
      startHealthLoop(d, intervalMs, {
        owns: (id) => clusters.owns(id),
        fence: (id) => clusters.fence(id),
        onLeaseLost: (id) => clusters.drop(id),
        fullMs,
      }),
  };
}

/**
 * A reconciler over rows with a next poll time: on its tick, and whenever one of `topics` is announced, it advances
 * every due row, one at a time (the managed stacks, the Velero operations). A cluster-scoped one is given the
 * clusters its process owns (`due` looks at their rows only; nothing when it owns none) and converges when they change.
 */
function dueRowsReconciler(
  name: string,
  bus: EventBus,
  o: {
    topics: string[];
    tickMs: number;
    due: (clusterIds: string[] | null) => Promise<{ id: string }[]>;
    /** `clusters`: what a cluster-scoped reconciler's step acts for (its writes fenced by their leases). */
    advance: (id: string, clusters: ClusterScope) => Promise<void>;
    scope?: "fleet" | "cluster";
  },
): Reconciler {
  const perCluster = o.scope === "cluster";
  return {
    name,
    scope: o.scope ?? "fleet",
    start(clusters) {
      let stopped = false;
      let running: Promise<void> = Promise.resolve();
      let queued = false;
      const converge = () => {
        if (queued || stopped) return;
        queued = true;
        running = running
          .then(async () => {
            queued = false;
            const ids = perCluster ? clusters.ids() : null;
            if (ids && !ids.length) return;
            for (const { id } of await o.due(ids)) {
              if (stopped) return;
              await o.advance(id, clusters);
            }
          })
          .catch((e) => logger.warn({ err: e instanceof Error ? e.message : String(e) }, `${name}: converging failed`));
      };
      const unsubscribe = bus.subscribe((c) => {
        if (o.topics.includes(c.topic) || c.topic === "resync") converge();
      });
      const unwatch = perCluster ? clusters.onChange(converge) : () => undefined;
      const timer = setInterval(converge, o.tickMs);
      timer.unref?.();
      converge();
      return async () => {
        stopped = true;
        unsubscribe();
        unwatch();
        clearInterval(timer);
        await running;
      };
    },
  };
}

/** How often the managed-stacks reconciler looks for due stacks without being woken. */
const STACKS_TICK_MS = 2_000;

/**
 * Managed stacks: desired state = the ManagedStack rows (a stack to create, finish or delete); observed = what
 * CloudFormation and IAM say; converge = advanceStack on every row whose next poll is due, one at a time. Woken by
 * "locations" (a new provisioning) as well as by its tick.
 */
export function managedStacksReconciler(d: Deps, bus: EventBus, opts: { tickMs?: number } = {}): Reconciler {
  return dueRowsReconciler("managed-stacks", bus, {
    topics: ["locations"],
    tickMs: opts.tickMs ?? STACKS_TICK_MS,
    due: () => dueStacks(d),
    advance: (id) => advanceStack(d, id),
  });
}

/** How often the Velero installer looks for due operations without being woken. */
const VELERO_TICK_MS = 1_000;

/**
 * Velero installer: desired state = the VeleroOperation rows (an install to render, apply, roll out and verify);
 * observed = the cluster's Jobs, Velero's objects and its ServerStatusRequest; converge = advanceOperation on every row
 * whose next step is due. Woken by "velero" (a new operation, an approval) as well as by its tick.
 */
export function veleroInstallerReconciler(d: Deps, bus: EventBus, opts: { tickMs?: number } = {}): Reconciler {
  return dueRowsReconciler("velero-installer", bus, {
    topics: ["velero"],
    tickMs: opts.tickMs ?? VELERO_TICK_MS,
    scope: "cluster",
    due: (ids) => dueOperations(d, ids),
    advance: (id, clusters) => advanceOperation(d, id, clusters),
  });
}

/** How often the group policies are applied without being woken. */
const GROUP_POLICY_TICK_MS = 5_000;

/**
 * Velero group policies: desired state = the GroupVeleroPolicy rows in force (every cluster of the group runs Velero
 * with the group's settings); observed = each cluster's installation, access and latest operation; converge = start
 * the install, upgrade or change a cluster needs (auto-approved), one pass over each policy's group at a time. Woken
 * by "velero" (a policy set, an operation that ended) and "clusters" (a cluster attached to the group or moved into
 * it) and "cluster" (a check that found new access), as well as by its tick.
 */
export function veleroGroupPolicyReconciler(d: Deps, bus: EventBus, opts: { tickMs?: number } = {}): Reconciler {
  return dueRowsReconciler("velero-group-policy", bus, {
    topics: ["velero", "clusters", "cluster"],
    tickMs: opts.tickMs ?? GROUP_POLICY_TICK_MS,
    due: () => policiesInForce(d),
    advance: (id) => applyGroupPolicy(d, id),
  });
}

/** How often the backup digests are looked for without being woken. */
const DIGESTS_TICK_MS = 10_000;

/**
 * Backup digests (#13 observed coverage): desired state = a BackupDigest for every finished backup of the last 30 days
 * made on a connected cluster; observed = the BackupDigest rows; converge = read the due backups' volume info and
 * results (readDigest), newest first, one at a time, then announce the cluster's coverage. Woken by "backups".
 */
export function backupDigestsReconciler(d: Deps, bus: EventBus, opts: { tickMs?: number } = {}): Reconciler {
  return dueRowsReconciler("backup-digests", bus, {
    topics: ["backups"],
    tickMs: opts.tickMs ?? DIGESTS_TICK_MS,
    scope: "cluster",
    due: (ids) => dueDigests(d, ids),
    advance: async (id) => {
      const done = await readDigest(d, id);
      if (done) await publish(d.db, { topic: "digests", clusterId: done.clusterId });
    },
  });
}

/** How often restore drills are looked for without being woken (a waiting step polls every 2 s itself). */
const DRILLS_TICK_MS = 1_000;

/**
 * Restore drills (#14 §4): desired state = the RestoreDrill rows still going (a restore to follow, checks to make,
 * namespaces to clean up); observed = the Restore in the read model and the drill namespaces on the target; converge =
 * advanceDrill on every row whose next step is due, one at a time (each claims its row first, so several replicas never
 * act twice). Woken by "drills" (a drill started) and "restores" (a Restore changed) as well as by its tick.
 */
export function restoreDrillsReconciler(d: Deps, bus: EventBus, opts: { tickMs?: number } = {}): Reconciler {
  return dueRowsReconciler("restore-drills", bus, {
    topics: ["drills", "restores"],
    tickMs: opts.tickMs ?? DRILLS_TICK_MS,
    scope: "cluster",
    due: (ids) => dueDrills(d, ids),
    advance: (id, clusters) => advanceDrill(d, id, new Date(), clusters),
  });
}

/** How often the drill schedules are looked at without being woken. */
const DRILL_SCHEDULES_TICK_MS = 30_000;

/**
 * Drill schedules (#14 §4): desired state = the enabled DrillSchedule rows (a drill of a schedule's latest backup
 * every so often); observed = their drills; converge = start a drill for each due schedule (one at a time per
 * schedule: a run is skipped while its previous drill is going). Woken by "drills" (a schedule made) and its tick.
 */
export function drillSchedulesReconciler(d: Deps, bus: EventBus, opts: { tickMs?: number } = {}): Reconciler {
  return dueRowsReconciler("drill-schedules", bus, {
    topics: ["drills"],
    tickMs: opts.tickMs ?? DRILL_SCHEDULES_TICK_MS,
    due: () => dueDrillSchedules(d),
    advance: (id) => runDrillSchedule(d, id),
  });
}

/** What a cluster's coverage is computed from: a change to any of these recomputes its summary. */
const COVERAGE_INPUTS = new Set<string>([
  ...COVERAGE_KINDS,
  "schedules",
  "backups",
  "volumesnapshotlocations",
  "digests",
  "cluster",
  "velero",
]);
/** Changes to one cluster are gathered this long before its coverage is computed again. */
const COVERAGE_DEBOUNCE_MS = 1_000;
/** Every attached cluster is computed again this often (recovery points age without any change). */
const COVERAGE_REFRESH_MS = 5 * 60_000;

/**
 * Coverage summaries (#13): desired state = a CoverageSummary per attached cluster that reflects its read model;
 * observed = the rows; converge = refreshSummary for every cluster a change touched (debounced per cluster), and for
 * every attached cluster periodically. Each refresh announces "coverage" for the live pages.
 */
export function coverageSummariesReconciler(
  d: Deps,
  bus: EventBus,
  opts: { debounceMs?: number; refreshMs?: number } = {},
): Reconciler {
  return {
    name: "coverage-summaries",
    scope: "cluster",
    start(clusters) {
      let stopped = false;
      const dirty = new Set<string>();
      let timer: NodeJS.Timeout | undefined;
      let running: Promise<void> | null = null;
      // One worker takes clusters out of `dirty` one at a time, so a cluster marked again while it waits is refreshed
      // once, and nothing piles up when refreshes are slower than changes.
      const work = async () => {
        while (!stopped && dirty.size) {
          const id = dirty.values().next().value as string;
          dirty.delete(id);
          await refreshSummary(d, id).catch((e) =>
            logger.warn({ err: e instanceof Error ? e.message : String(e), clusterId: id }, "coverage: refresh failed"),
          );
        }
      };
      const flush = () => {
        timer = undefined;
        if (running) return; // the running worker reaches what was marked meanwhile
        running = work().finally(() => {
          running = null;
          if (dirty.size && !stopped) timer ??= setTimeout(flush, opts.debounceMs ?? COVERAGE_DEBOUNCE_MS);
        });
      };
      const mark = (id: string) => {
        if (stopped || !clusters.owns(id)) return;
        dirty.add(id);
        timer ??= setTimeout(flush, opts.debounceMs ?? COVERAGE_DEBOUNCE_MS);
      };
      const all = async () => {
        const rows = await d.db.cluster.findMany({
          where: { kubeconfigSecretId: { not: null }, id: { in: clusters.ids() } },
          select: { id: true },
        });
        rows.forEach((r) => mark(r.id));
      };
      const unwatch = clusters.onChange((gained) => gained.forEach(mark));
      const unsubscribe = bus.subscribe((c) => {
        if (c.topic === "resync" || c.topic === "clusters" || c.topic === "groups") void all().catch(() => undefined);
        else if (c.clusterId && COVERAGE_INPUTS.has(c.topic)) mark(c.clusterId);
      });
      const interval = setInterval(() => void all().catch(() => undefined), opts.refreshMs ?? COVERAGE_REFRESH_MS);
      interval.unref?.();
      void all().catch(() => undefined);
      return async () => {
        stopped = true;
        unsubscribe();
        unwatch();
        clearInterval(interval);
        clearTimeout(timer);
        await running;
      };
    },
  };
}
