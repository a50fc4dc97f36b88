import { deps } from "../composition";
import { leaseDb } from "../db/client";
import { eventBus } from "../events/bus";
import { ControllerManager } from "./manager";
import { handleShutdown } from "./shutdown";
import { env } from "../env";
import {
  backupDigestsReconciler,
  coverageSummariesReconciler,
  drillSchedulesReconciler,
  healthReconciler,
  managedStacksReconciler,
  restoreDrillsReconciler,
  SyncReconciler,
  veleroGroupPolicyReconciler,
  veleroInstallerReconciler,
} from "./reconcilers";

/**
 * The console process's controller runtime: for the clusters it owns (a lease per cluster), the sync of their Velero
 * objects, Velero's installs, the backups' digests, the coverage summaries, the restore drills and (when
 * `healthSeconds` > 0) the periodic health checks with location healing; under the fleet lease, the managed
 * locations' CloudFormation stacks, the groups' Velero policies and the drill schedules.
 */
export async function startControllers(healthSeconds: number): Promise<ControllerManager> {
  const d = deps();
  const bus = eventBus();
  const reconcilers = [
    new SyncReconciler(d, bus),
    managedStacksReconciler(d, bus),
    veleroInstallerReconciler(d, bus),
    veleroGroupPolicyReconciler(d, bus),
    backupDigestsReconciler(d, bus),
    coverageSummariesReconciler(d, bus),
    restoreDrillsReconciler(d, bus),
    drillSchedulesReconciler(d, bus),
    ...(healthSeconds > 0
      ? [healthReconciler(d, healthSeconds * 1000, Math.max(healthSeconds, env().LIFEBOAT_ACCESS_CHECK_SECONDS) * 1000)]
      : []),
  ];
  const leaseMs = env().LIFEBOAT_LEASE_SECONDS * 1000;
  const manager = new ControllerManager(d.db, reconcilers, {
    leaseMs,
    renewMs: Math.round(leaseMs / 3),
    leaseDb: leaseDb(),
  });
  await manager.start();
  // Attach and detach are announced: every process settles the new cluster's ownership at once.
  bus.subscribe((c) => {
    if (c.topic === "clusters") manager.nudge();
  });
  handleShutdown(manager);
  return manager;
}
