import crypto from "node:crypto";
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/client";
import { backupOrigin } from "../services/backups/projection";
import { clusterLabelValue } from "@/lib/velero/names";
import type { AdmittedItem } from "./admission";

// The read model's one write path: a page of a cluster's Velero objects as VeleroObject rows. A Backup's origin (a copy
// synced from another cluster's shared location, and the cluster that made it) is decided here, once per write, so
// the lists, the detail and the overview read the same answer.

/** One INSERT … ON CONFLICT for a whole page (Prisma has no bulk upsert); returns how many rows are new. */
export async function writeObjects(
  db: Db | Prisma.TransactionClient,
  clusterId: string,
  items: AdmittedItem[],
): Promise<number> {
  if (items.length === 0) return 0;
  const now = new Date().toISOString();
  const ts = (iso: string | undefined) =>
    iso ? Prisma.sql`(${iso}::timestamptz AT TIME ZONE 'UTC')` : Prisma.sql`NULL`;
  let ownLabel: string | undefined;
  if (items.some((i) => i.item.kind === "backups")) {
    const c = await db.cluster.findUnique({ where: { id: clusterId }, select: { name: true } });
    ownLabel = c ? clusterLabelValue(c.name) : "";
  }
  const rows = items.map(({ item: i, labels, spec, status }) => {
    const phase = phaseOf(i.status);
    const created = validDate(i.creationTimestamp);
    const origin =
      i.kind === "backups"
        ? backupOrigin({ labels: i.labels, creationTimestamp: created, status: i.status }, ownLabel ?? "")
        : { syncedCopy: false, originCluster: null };
    return Prisma.sql`(${crypto.randomUUID()}, ${clusterId}, ${i.kind}, ${i.namespace}, ${i.name}, ${String(i.uid)},
      ${String(i.resourceVersion)}, ${phase}, ${labels}::jsonb, ${spec}::jsonb,
      ${status}::jsonb, ${ts(created)}, ${ts(now)}, ${origin.syncedCopy}, ${origin.originCluster})`;
  });
  // xmax is 0 on a row this statement inserted (an updated row carries the updating transaction's id).
  const written = await db.$queryRaw<{ inserted: boolean }[]>`
    INSERT INTO "VeleroObject" ("id", "clusterId", "kind", "namespace", "name", "uid", "resourceVersion", "phase",
      "labels", "spec", "status", "createdAt", "observedAt", "syncedCopy", "originCluster")
    VALUES ${Prisma.join(rows)}
    ON CONFLICT ("clusterId", "kind", "namespace", "name") DO UPDATE SET
      "uid" = EXCLUDED."uid", "resourceVersion" = EXCLUDED."resourceVersion", "phase" = EXCLUDED."phase", "labels" = EXCLUDED."labels",
      "spec" = EXCLUDED."spec", "status" = EXCLUDED."status", "createdAt" = EXCLUDED."createdAt", "observedAt" = EXCLUDED."observedAt",
      "syncedCopy" = EXCLUDED."syncedCopy", "originCluster" = EXCLUDED."originCluster"
    RETURNING ("xmax" = 0) AS "inserted"`;
  return written.filter((w) => w.inserted).length;
}

function phaseOf(status: unknown): string | null {
  const p = (status as { phase?: unknown } | null)?.phase;
  return typeof p === "string" ? p : null;
}

function validDate(s: string | undefined): string | undefined {
  return s && !Number.isNaN(Date.parse(s)) ? s : undefined;
}
