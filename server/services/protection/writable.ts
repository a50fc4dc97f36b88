import type { Deps } from "../../composition";
import { AppError } from "../../errors";
import { modeSelect, readOnlyOn } from "./location-modes";
import { VELERO_NAMESPACE } from "../../kube/access";
import { rec, str } from "@/lib/velero/read";

/**
 * Refuses a backup (or a schedule's) that would write to a Lifeboat location ReadOnly on the cluster, before Velero is
 * asked: its Backup would only fail validation ("backup storage location … is currently in read-only mode"). ReadOnly
 * is how a cluster sees another's backups under one writer per bucket and prefix (#14 §3). Decided from what Lifeboat
 * wants there (its assignments) and what it last applied (a new writer waits for the old one to stop). A backup storage location
 * Lifeboat did not make, or none named (Velero's default), is left to Velero.
 */
export async function refuseReadOnlyTarget(d: Deps, c: { id: string; name: string }, bslName: string | null) {
  if (!bslName) return;
  const dep = await d.db.locationDeployment.findFirst({
    where: { clusterId: c.id, bslName },
    select: {
      readOnly: true,
      location: { select: { name: true, readOnly: true, assignments: { select: modeSelect } } },
    },
  });
  const cluster = await d.db.cluster.findUnique({ where: { id: c.id }, select: { groupId: true } });
  if (!dep || !cluster) return;
  const ro = readOnlyOn(dep.location, dep.location.assignments, { id: c.id, groupId: cluster.groupId });
  if (ro === null) return; // no longer assigned there: Lifeboat is taking it off, Velero decides meanwhile
  if (!ro) {
    // Its writer by the assignments, but still ReadOnly there: waiting for the cluster that wrote before to stop.
    if (dep.readOnly)
      throw new AppError(
        "PRECONDITION_FAILED",
        `${c.name} is the writer of ${dep.location.name} but is still ReadOnly there: it writes once the cluster that ` +
          "wrote there before has stopped (the location's status says what it waits for)",
      );
    return;
  }
  throw new AppError(
    "PRECONDITION_FAILED",
    dep.location.readOnly
      ? `The location ${dep.location.name} is read-only on every cluster it is assigned to: choose another location, ` +
          `or turn off its "Read-only on every assigned cluster" (Edit) first.`
      : `The location ${dep.location.name} is ReadOnly on ${c.name}: ${c.name} restores from it and never writes ` +
          `there (one cluster writes to a bucket and prefix). Choose a location ${c.name} writes to, or make ` +
          `${c.name} the location's writer.`,
  );
}

/**
 * Refuses a backup to a location Velero finds Unavailable on the cluster, with Velero's reason, before Velero is asked:
 * its Backup would only fail validation ("BackupStorageLocation … is in Unavailable status"), and each try reaches for
 * the store again. Read from the read model (the sync engine follows the BackupStorageLocations live); none named means
 * the cluster's default one. A location not validated yet, or not synced, is left to Velero.
 */
export async function refuseUnavailableTarget(d: Deps, c: { id: string; name: string }, bslName: string | null) {
  const bsl = await d.db.veleroObject.findFirst({
    where: {
      clusterId: c.id,
      kind: "backupstoragelocations",
      namespace: VELERO_NAMESPACE,
      ...(bslName ? { name: bslName } : { spec: { path: ["default"], equals: true } }),
    },
    select: { name: true, phase: true, status: true },
  });
  if (bsl?.phase !== "Unavailable") return;
  const message = str(rec(bsl.status).message);
  throw new AppError(
    "PRECONDITION_FAILED",
    `The backup storage location ${bsl.name} is Unavailable on ${c.name}, so Velero would refuse this backup` +
      `${message ? `: ${message}` : ""}. Back up once Velero finds it Available again (its status is on the Locations ` +
      "page), or choose another location.",
  );
}
