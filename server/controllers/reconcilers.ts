import type { Deps } from "../composition";
import { publish, type Change, type EventBus } from "../events/bus";
import { logger } from "../log";
import { startHealthLoop } from "../services/clusters/health-loop";
import { advanceStack, dueStacks } from "../services/protection/managed-locations";
import { SyncEngine } from "../sync/engine";
import type { Reconciler } from "./manager";

// The console's reconcilers, run by the controller manager while it leads.

/** How often the sync reconciler converges even without a notification (a lost NOTIFY, a row edited by hand). */
const SYNC_RESYNC_MS = 30_000;
/** Read-model changes are announced at most this often per cluster and kind (a list page is one announcement). */
const CHANGE_COALESCE_MS = 25;

/**
 * Sync: desired state = the attached clusters (rows with a kubeconfig); observed = the engine's running loops;
 * converge = start the missing, stop the detached. Attach and detach announce "clusters", so it converges at once.
 * Every read-model write is announced (coalesced) for the live pages.
 */
export class SyncReconciler implements Reconciler {
  readonly name = "sync";
  engine: SyncEngine | null = null;

  constructor(
    private readonly d: Deps,
    private readonly bus: EventBus,
    private readonly opts: { resyncMs?: number } = {},
  ) {}

  start() {
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
      onChange: (clusterId, kind) => {
        pending.set(`${clusterId}/${kind}`, { topic: kind, clusterId });
        flushTimer ??= setTimeout(flush, CHANGE_COALESCE_MS);
      },
    });
    this.engine = engine;
    let converging: Promise<void> = Promise.resolve();
    let stopped = false;
    const converge = () => {
      converging = converging
        .then(async () => {
          if (stopped) return;
          const attached = await d.db.cluster.findMany({
            where: { kubeconfigSecretId: { not: null } },
            select: { id: true },
          });
          const ids = new Set(attached.map((c) => c.id));
          for (const id of engine.running()) if (!ids.has(id)) await engine.stopCluster(id);
          if (!stopped) for (const id of ids) engine.startCluster(id);
        })
        .catch((e) => logger.warn({ err: e instanceof Error ? e.message : String(e) }, "sync: converging failed"));
    };
    const unsubscribe = this.bus.subscribe((c) => {
      if (c.topic === "clusters" || c.topic === "resync") converge();
    });
    const timer = setInterval(converge, this.opts.resyncMs ?? SYNC_RESYNC_MS);
    timer.unref?.();
    converge();
    return async () => {
      stopped = true;
      unsubscribe();
      clearInterval(timer);
      await converging;
      await engine.stop();
      clearTimeout(flushTimer);
      flush();
      this.engine = null;
    };
  }
}

/** Health: every attached cluster checked periodically, its target locations healed after each good check. */
export function healthReconciler(d: Deps, intervalMs: number): Reconciler {
  return { name: "health", start: () => startHealthLoop(d, intervalMs) };
}

/** How often the managed-stacks reconciler looks for due stacks without being woken. */
const STACKS_TICK_MS = 2_000;

/**
 * Managed stacks: desired state = the ManagedStack rows (a stack to create, finish or delete); observed = what
 * CloudFormation and IAM say; converge = advanceStack on every row whose next poll is due, one at a time. Woken by
 * "locations" (a new provisioning) as well as by its tick.
 */
export function managedStacksReconciler(d: Deps, bus: EventBus, opts: { tickMs?: number } = {}): Reconciler {
  return {
    name: "managed-stacks",
    start() {
      let stopped = false;
      let running: Promise<void> = Promise.resolve();
      let queued = false;
      const converge = () => {
        if (queued || stopped) return;
        queued = true;
        running = running
          .then(async () => {
            queued = false;
            for (const { id } of await dueStacks(d)) {
              if (stopped) return;
              await advanceStack(d, id);
            }
          })
          .catch((e) =>
            logger.warn({ err: e instanceof Error ? e.message : String(e) }, "managed stacks: converging failed"),
          );
      };
      const unsubscribe = bus.subscribe((c) => {
        if (c.topic === "locations" || c.topic === "resync") converge();
      });
      const timer = setInterval(converge, opts.tickMs ?? STACKS_TICK_MS);
      timer.unref?.();
      converge();
      return async () => {
        stopped = true;
        unsubscribe();
        clearInterval(timer);
        await running;
      };
    },
  };
}
