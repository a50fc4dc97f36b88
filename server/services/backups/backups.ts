import type { Deps } from "../../composition";
import type { Db } from "../../db/client";
import { AppError, notFound } from "../../errors";
import { canOnCluster, roleOnCluster, visibleClusterWhere, type Access } from "../../rbac/access";
import { buildBackup, SpecError, toYaml } from "@/lib/velero/backup-spec";
import { ClusterError } from "../../kube/client";
import { downloadVeleroFile, type DownloadKind } from "./downloads";

// Backups: listed from the read model (kept by the sync engine), created on the cluster as Velero Backup objects.
export async function listBackups(db: Db, access: Access, filter: { clusterId?: string }) {
  const clusterWhere = visibleClusterWhere(access);
  const rows = await db.veleroObject.findMany({
    where: { kind: "backups", ...(filter.clusterId ? { clusterId: filter.clusterId } : {}), cluster: clusterWhere ?? undefined },
    orderBy: [{ createdAt: "desc" }, { name: "asc" }],
    take: 500,
    select: { clusterId: true, name: true, phase: true, labels: true, spec: true, status: true, createdAt: true, observedAt: true, cluster: { select: { name: true, state: true, lastSeenAt: true } } },
  });
  return rows.map((r) => {
    const spec = (r.spec ?? {}) as Record<string, any>;
    const status = (r.status ?? {}) as Record<string, any>;
    const labels = (r.labels ?? {}) as Record<string, string>;
    return {
      clusterId: r.clusterId, clusterName: r.cluster.name, clusterState: r.cluster.state, name: r.name, phase: r.phase ?? "New",
      itemsBackedUp: status.progress?.itemsBackedUp ?? null, totalItems: status.progress?.totalItems ?? null,
      errors: status.errors ?? 0, warnings: status.warnings ?? 0, queuePosition: status.queuePosition ?? null,
      startTimestamp: status.startTimestamp ? new Date(status.startTimestamp) : null, completionTimestamp: status.completionTimestamp ? new Date(status.completionTimestamp) : null,
      expiration: status.expiration ? new Date(status.expiration) : null, location: spec.storageLocation ?? null, schedule: labels["velero.io/schedule-name"] ?? null,
      failureReason: status.failureReason ?? null, createdAt: r.createdAt, observedAt: r.observedAt,
    };
  });
}

async function clusterFor(db: Db, access: Access, clusterId: string) {
  const c = await db.cluster.findFirst({ where: { AND: [{ id: clusterId }, visibleClusterWhere(access) ?? {}] }, select: { id: true, name: true, groupId: true, kubeconfigSecretId: true, velero: true } });
  if (!c) throw notFound("Cluster");
  return c;
}

/** The manifest the review step shows, exactly as it will be created. */
export async function previewBackup(db: Db, access: Access, input: { clusterId: string; name: string; spec: unknown }, createdBy: string) {
  const c = await clusterFor(db, access, input.clusterId);
  try {
    return { yaml: toYaml(buildBackup({ name: input.name, input: input.spec, cluster: { name: c.name }, createdBy })) };
  } catch (e) {
    if (e instanceof SpecError) throw new AppError("BAD_REQUEST", e.issues.map((i) => `${i.path}: ${i.message}`).join("; ") || e.message);
    throw e;
  }
}

export async function createBackup(d: Deps, access: Access, input: { clusterId: string; name: string; spec: unknown }, createdBy: string) {
  const c = await clusterFor(d.db, access, input.clusterId);
  if (!canOnCluster(access, "backup.create", c)) throw new AppError("FORBIDDEN", "Backing up this cluster needs the OPERATOR role on it");
  if (!(c.velero as { installed?: boolean } | null)?.installed) throw new AppError("PRECONDITION_FAILED", "Velero is not installed on this cluster");
  let manifest;
  try {
    manifest = buildBackup({ name: input.name, input: input.spec, cluster: { name: c.name }, createdBy });
  } catch (e) {
    if (e instanceof SpecError) throw new AppError("BAD_REQUEST", e.issues.map((i) => `${i.path}: ${i.message}`).join("; ") || e.message);
    throw e;
  }
  try {
    const kubeconfig = (await d.sealed.read(c.kubeconfigSecretId!)).toString();
    const { created } = await d.kube.createVeleroObject(kubeconfig, "backups", manifest as never);
    return { name: input.name, created, myRole: roleOnCluster(access, c) ?? null };
  } catch (e) {
    if (e instanceof ClusterError) throw new AppError("PRECONDITION_FAILED", `Could not create the backup on ${c.name} (${e.kind}): ${e.message}`);
    throw e;
  }
}

async function readableCluster(d: Deps, access: Access, clusterId: string) {
  const c = await clusterFor(d.db, access, clusterId);
  if (!c.kubeconfigSecretId) throw notFound("Cluster");
  return { ...c, kubeconfig: (await d.sealed.read(c.kubeconfigSecretId)).toString() };
}

/** What `velero backup describe --details` shows: the object, plus volume info, results and resource list from the bucket. */
export async function describeBackup(d: Deps, access: Access, clusterId: string, name: string) {
  const row = await d.db.veleroObject.findFirst({ where: { clusterId, kind: "backups", name, cluster: visibleClusterWhere(access) ?? undefined }, select: { spec: true, status: true, labels: true, phase: true, observedAt: true } });
  if (!row) throw notFound("Backup");
  const c = await readableCluster(d, access, clusterId);
  const fetchJson = async (kind: DownloadKind) => {
    try {
      const buf = await downloadVeleroFile(d, c.kubeconfig, { kind, name });
      return { data: buf ? JSON.parse(buf.toString()) : null, error: null as string | null };
    } catch (e) {
      return { data: null, error: e instanceof Error ? e.message : String(e) };
    }
  };
  const terminal = ["Completed", "PartiallyFailed", "Failed"].includes(row.phase ?? "");
  const [volumes, results, resources] = terminal ? await Promise.all([fetchJson("BackupVolumeInfos"), fetchJson("BackupResults"), fetchJson("BackupResourceList")]) : [null, null, null];
  return {
    name, clusterId, clusterName: c.name, phase: row.phase ?? "New", spec: row.spec as Record<string, unknown>, status: row.status as Record<string, unknown>, labels: row.labels as Record<string, string>, observedAt: row.observedAt,
    volumes: (volumes?.data as unknown[] | null) ?? null, results: (results?.data as Record<string, unknown> | null) ?? null, resources: (resources?.data as Record<string, string[]> | null) ?? null,
    downloadErrors: [volumes?.error, results?.error, resources?.error].filter((x): x is string => Boolean(x)),
  };
}

export async function backupLogs(d: Deps, access: Access, clusterId: string, name: string): Promise<{ text: string }> {
  if (!(await d.db.veleroObject.findFirst({ where: { clusterId, kind: "backups", name, cluster: visibleClusterWhere(access) ?? undefined }, select: { id: true } }))) throw notFound("Backup");
  const c = await readableCluster(d, access, clusterId);
  const buf = await downloadVeleroFile(d, c.kubeconfig, { kind: "BackupLog", name });
  if (!buf) throw new AppError("NOT_FOUND", "Velero has no log for this backup (it may still be running)");
  return { text: buf.toString() };
}
