import type { Deps } from "../../composition";
import { AppError } from "../../errors";
import { rec, str } from "@/lib/velero/read";

/**
 * Refuses a backup or schedule that would write to a location ReadOnly on the cluster, before Velero is asked (its
 * Backup would only fail validation: "backup storage location … is currently in read-only mode"). ReadOnly is how a
 * cluster sees another's backups under one writer per bucket and prefix (#14 §3). Read from the read model: a location
 * the sync engine has not seen yet is left to Velero.
 */
export async function refuseReadOnlyTarget(d: Deps, c: { id: string; name: string }, spec: unknown) {
  const bslName = str(rec(spec).location);
  if (!bslName) return;
  const bsl = await d.db.veleroObject.findFirst({
    where: { clusterId: c.id, kind: "backupstoragelocations", name: bslName },
    select: { spec: true },
  });
  if (str(rec(bsl?.spec).accessMode) !== "ReadOnly") return;
  const dep = await d.db.locationDeployment.findFirst({
    where: { clusterId: c.id, bslName },
    select: { location: { select: { name: true } } },
  });
  throw new AppError(
    "PRECONDITION_FAILED",
    `${dep ? `The location ${dep.location.name}` : `The backup storage location ${bslName}`} is ReadOnly on ${c.name}: ` +
      `${c.name} restores from it and never writes there (one cluster writes to a bucket and prefix). Choose a location ` +
      `${c.name} writes to, or make ${c.name} the location's writer.`,
  );
}
