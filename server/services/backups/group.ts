import type { Deps } from "../../composition";
import type { Access } from "../../rbac/access";
import { scopedCluster, type ScopedGroup } from "../../rbac/scope";
import { AppError } from "../../errors";
import { logger } from "../../log";
import { clusterNamePrefix } from "@/lib/velero/idempotency";
import type { GroupBackupResult } from "@/lib/schemas/backup";
import type { groupBackupSpec } from "@/lib/schemas/protection";
import type { z } from "zod";
import { createBackup } from "./backups";

/** Backups created at once (each is one request to its cluster): 100 clusters in a few rounds, no burst of 100. */
const CONCURRENCY = 16;
const NAME_MAX = 63;

/**
 * Backs up every attached cluster of a group in one action (#15 P7): the same spec on each, named
 * `<cluster>-<name>`, at the location given or, without one, at the location Lifeboat made writable on each cluster
 * (a group's clusters write to places of their own: one writer per bucket and prefix). Each cluster goes through the
 * same checks as its own "Back up now" (Velero installed, a writable location, the name free); one that fails says why
 * and does not stop the others.
 */
export async function backUpGroup(
  d: Deps,
  access: Access,
  group: ScopedGroup,
  input: { name: string; spec: z.infer<typeof groupBackupSpec> },
  createdBy: string,
): Promise<GroupBackupResult> {
  const clusters = await d.db.cluster.findMany({
    where: { groupId: group.id, kubeconfigSecretId: { not: null } },
    select: { id: true, name: true, velero: true },
    orderBy: { name: "asc" },
  });
  if (!clusters.length) throw new AppError("PRECONDITION_FAILED", `The group ${group.name} has no attached cluster`);
  const writable = input.spec.location
    ? null
    : await writableLocations(
        d,
        clusters.map((c) => c.id),
      );
  const results: GroupBackupResult["clusters"] = new Array(clusters.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < clusters.length; i = next++) {
      const c = clusters[i];
      const name = `${clusterNamePrefix(c.name)}${input.name}`;
      const location = input.spec.location ?? writable!.get(c.id) ?? null;
      const base = { clusterId: c.id, clusterName: c.name, name: null, location, created: false };
      if (name.length > NAME_MAX) {
        results[i] = { ...base, error: `${name} is longer than ${NAME_MAX} characters: choose a shorter name` };
        continue;
      }
      // Said first: without Velero there is no location on the cluster either.
      if (!(c.velero as { installed?: boolean } | null)?.installed) {
        results[i] = { ...base, error: "Velero is not installed on this cluster" };
        continue;
      }
      if (!location) {
        results[i] = {
          ...base,
          error: `No location is writable on ${c.name}: assign one to it (or make it a writer of its group's location)`,
        };
        continue;
      }
      try {
        const scoped = await scopedCluster(d.db, access, c.id, "backup.create");
        const r = await createBackup(d, scoped, { name, spec: { ...input.spec, location } }, createdBy);
        results[i] = { ...base, name: r.name, created: r.created, error: null };
      } catch (e) {
        // A refusal says why (it is worded for the operator); anything else is logged, not shown.
        if (!(e instanceof AppError))
          logger.error({ clusterId: c.id, err: e instanceof Error ? e.message : String(e) }, "group backup failed");
        results[i] = {
          ...base,
          error: e instanceof AppError ? e.message : `Lifeboat could not back up ${c.name}: an internal error (logged)`,
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, clusters.length) }, worker));
  return { clusters: results };
}

/** Per cluster, the first (by name) location Lifeboat applied there ReadWrite without error. */
async function writableLocations(d: Deps, clusterIds: string[]): Promise<Map<string, string>> {
  const rows = await d.db.locationDeployment.findMany({
    where: { clusterId: { in: clusterIds }, readOnly: false, appliedAt: { not: null }, error: null },
    select: { clusterId: true, bslName: true },
    orderBy: { bslName: "asc" },
  });
  const out = new Map<string, string>();
  for (const r of rows) if (!out.has(r.clusterId)) out.set(r.clusterId, r.bslName);
  return out;
}
