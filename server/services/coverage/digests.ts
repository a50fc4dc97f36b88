import { Prisma } from "../../db/generated/client";
import type { Deps } from "../../composition";
import { downloadVeleroFile } from "../backups/downloads";
import type { ObservedVolume } from "@/lib/schemas/coverage";
import { phasesWhere, wroteResults } from "@/lib/velero/phases";
import { date, isRec, num, rec, recs, str, stringLists } from "@/lib/velero/read";

// Observed coverage (#13 §2): what each finished backup of a cluster really did with its volumes, read once from its
// volume info and results files (DownloadRequests through the cluster, files from the bucket, both bounded by
// downloads.ts) into a BackupDigest row. A finished backup does not change, so a digest is read once; a failure is kept
// as the row's error and retried with a growing delay. Run by the backup-digests reconciler (server/controllers).

/** Only backups finished in this window are read (older ones do not decide a recovery point or a mismatch). */
export const DIGEST_WINDOW_DAYS = 30;
/** At most this many volume entries are kept of one backup. */
const MAX_VOLUMES = 5_000;
const MAX_ERROR = 1_000;

const FINISHED = phasesWhere("Backup", (p) => wroteResults("Backup", p));

/** Backups of connected clusters that need a digest now: finished, made here, in the window, not read or due again. */
export async function dueDigests(
  d: Deps,
  clusterIds: readonly string[] | null = null,
  now = new Date(),
  limit = 20,
): Promise<{ id: string }[]> {
  const since = new Date(now.getTime() - DIGEST_WINDOW_DAYS * 86_400_000);
  if (clusterIds && !clusterIds.length) return [];
  const only = clusterIds ? Prisma.sql`AND v."clusterId" IN (${Prisma.join(clusterIds)})` : Prisma.empty;
  return d.db.$queryRaw<{ id: string }[]>`
    SELECT v.id FROM "VeleroObject" v
    JOIN "Cluster" c ON c.id = v."clusterId"
    LEFT JOIN "BackupDigest" g ON g."clusterId" = v."clusterId" AND g."backupName" = v.name
    WHERE v.kind = 'backups' AND NOT v."syncedCopy" AND v.phase IN (${Prisma.join(FINISHED)})
      AND v."createdAt" >= ${since} AND c.state = 'CONNECTED' AND c."kubeconfigSecretId" IS NOT NULL ${only}
      AND (g.id IS NULL OR g."backupUid" <> v.uid OR (g."fetchedAt" IS NULL AND g."nextAttemptAt" <= ${now}))
    ORDER BY v."createdAt" DESC
    LIMIT ${limit}`;
}

/** Reads one backup's files into its digest (or records why not). Returns whether the digest changed. */
export async function readDigest(d: Deps, veleroObjectId: string): Promise<{ clusterId: string } | null> {
  const b = await d.db.veleroObject.findUnique({
    where: { id: veleroObjectId },
    select: { clusterId: true, name: true, uid: true, phase: true, spec: true, status: true, createdAt: true },
  });
  if (!b) return null;
  const base = {
    backupUid: b.uid,
    phase: b.phase ?? "",
    location: str(rec(b.spec).storageLocation) ?? "",
    completedAt: date(rec(b.status).completionTimestamp) ?? b.createdAt,
  };
  const key = { clusterId_backupName: { clusterId: b.clusterId, backupName: b.name } };
  try {
    const client = await d.clusters.forCluster(b.clusterId);
    const [info, results, list] = await Promise.all([
      downloadVeleroFile(d, b.clusterId, client, { kind: "BackupVolumeInfos", name: b.name }),
      downloadVeleroFile(d, b.clusterId, client, { kind: "BackupResults", name: b.name }),
      downloadVeleroFile(d, b.clusterId, client, { kind: "BackupResourceList", name: b.name }),
    ]);
    const namespaces = list ? namespacesOf(JSON.parse(list.toString())) : null;
    const volumes = info ? observedVolumes(JSON.parse(info.toString())) : [];
    const errorNamespaces = results
      ? Object.keys(stringLists(rec(rec(JSON.parse(results.toString())).errors).namespaces))
      : [];
    const bytes = volumes.reduce((n, v) => n + (v.skipped ? 0 : (v.bytes ?? 0)), 0);
    const data = {
      ...base,
      volumes: volumes as unknown as Prisma.InputJsonValue,
      errorNamespaces,
      namespaces: namespaces ?? [],
      namespacesKnown: namespaces !== null,
      bytes,
      error: null,
      fetchedAt: new Date(),
    };
    await d.db.backupDigest.upsert({
      where: key,
      create: { clusterId: b.clusterId, backupName: b.name, ...data, attempts: 1 },
      update: { ...data, attempts: { increment: 1 } },
    });
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).slice(0, MAX_ERROR);
    const prior = await d.db.backupDigest.findUnique({ where: key, select: { attempts: true, backupUid: true } });
    const attempts = prior && prior.backupUid === b.uid ? prior.attempts + 1 : 1;
    const nextAttemptAt = new Date(Date.now() + Math.min(3_600_000, 15_000 * 2 ** Math.min(attempts, 10)));
    const data = {
      ...base,
      volumes: [],
      errorNamespaces: [],
      bytes: 0,
      error: message,
      fetchedAt: null,
      attempts,
      nextAttemptAt,
    };
    await d.db.backupDigest.upsert({
      where: key,
      create: { clusterId: b.clusterId, backupName: b.name, ...data },
      update: data,
    });
  }
  return { clusterId: b.clusterId };
}

/** A volume info file (`<backup>-volumeinfo.json.gz`) as ObservedVolume entries; anything else is empty. */
export function observedVolumes(file: unknown): ObservedVolume[] {
  if (!Array.isArray(file)) return [];
  return recs(file.slice(0, MAX_VOLUMES)).map((v) => {
    const pvb = isRec(v.pvbInfo) ? v.pvbInfo : null;
    const moved = isRec(v.snapshotDataMovementInfo) ? v.snapshotDataMovementInfo : null;
    return {
      namespace: str(v.pvcNamespace) || str(pvb?.podNamespace) || "",
      pvc: str(v.pvcName) || null,
      pod: str(pvb?.podName) || null,
      volumeName: str(pvb?.volumeName) || null,
      backupMethod: str(v.backupMethod) ?? "",
      dataMoved: v.snapshotDataMoved === true,
      skipped: v.skipped === true,
      failed: v.result === "failed",
      reason: str(v.skippedReason) || null,
      bytes: num(pvb?.size) ?? num(moved?.size) ?? null,
    };
  });
}

const MAX_NAMESPACES = 10_000;

/**
 * The namespaces a backup holds items of, from its resource list (`{"v1/Pod": ["ns/name", …], "v1/Namespace":
 * ["ns"], …}`): namespaced items name theirs before the slash. Namespace objects alone do not count: Velero backs up
 * every listed namespace's object even when none of its items matched a label selector. Null when there are more than
 * Lifeboat keeps (then the backup's filters decide).
 */
export function namespacesOf(file: unknown): string[] | null {
  if (!isRec(file)) return null;
  const out = new Set<string>();
  for (const items of Object.values(stringLists(file))) {
    for (const item of items) {
      const slash = item.indexOf("/");
      if (slash <= 0) continue;
      out.add(item.slice(0, slash));
      if (out.size > MAX_NAMESPACES) return null;
    }
  }
  return [...out];
}
