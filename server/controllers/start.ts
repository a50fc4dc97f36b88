import { deps } from "../composition";
import { eventBus } from "../events/bus";
import { ControllerManager } from "./manager";
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
 * The console process's controller runtime: under the PostgreSQL lease, the sync of every attached cluster's Velero
 * objects, the managed locations' CloudFormation stacks, Velero's installs, the groups' Velero policies, the backups'
 * digests, the clusters' coverage summaries, the restore drills and their schedules, and (when `healthSeconds` > 0)
 * the periodic health checks with location healing.
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
    ...(healthSeconds > 0 ? [healthReconciler(d, healthSeconds * 1000)] : []),
  ];
  const manager = new ControllerManager(d.db, reconcilers);
  await manager.start();
  // A clean stop hands the lease over at once instead of after its expiry.
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => {
      void manager.stop().finally(() => {
        // Next's own handler exits when it has one; otherwise this was the only one, and the process ends here.
        if (process.listenerCount(signal) === 0) process.exit(0);
      });
    });
  return manager;
}
