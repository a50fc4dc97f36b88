import type { Deps } from "../../composition";
import { clusterLabelValue } from "@/lib/velero/names";
import { afterCursor, keysetOrderBy, toPage, type KeysetOrder } from "../../db/keyset";
import { LIST_LIMIT } from "@/lib/limits";
import type { Db } from "../../db/client";
import { AppError, notFound } from "../../errors";
import { canOnCluster, visibleClusterIds, visibleClusterWhere, type Access } from "../../rbac/access";
import { roleGrants } from "@/lib/rbac/permissions";
import type { ScopedCluster } from "../../trpc/scoped";
import { buildBackup, SpecError, toYaml } from "@/lib/velero/backup-spec";
import { backupInput } from "@/lib/schemas/protection";
import { missingNamespaceNotes } from "../namespaces/namespaces";
import { ClusterError } from "../../kube/errors";
import { Prisma } from "../../db/generated/client";
import { downloadVeleroFile, type DownloadKind } from "./downloads";
import {
  backupFacts,
  originInWords,
  bytesOf,
  logTextForBrowser,
  resourcesOf,
  resultsOf,
  volumesOf,
  volumeWorkOf,
} from "./projection";
import { FACET_LIMIT, type BackupDetail, type BackupFacets, type BackupFilter } from "@/lib/schemas/backup";
import { date, num, rec, str } from "@/lib/velero/read";
import { labelValue } from "@/lib/velero/names";
import { isFailed, isRestorable, isTerminal, wroteResults } from "@/lib/velero/phases";
import { clusterNamePrefix, isSameRequest } from "@/lib/velero/idempotency";
import {
  buildDeleteBackupRequest,
  deleteRequestName,
  isDeletable,
  isPending,
  newestDeletion,
  requestBackupName,
  type DeleteRequestRow,
} from "./deletion";
import { refuseReadOnlyTarget, refuseUnavailableTarget } from "../protection/writable";

// Backups: listed from the read model (kept by the sync engine), created on the cluster as Velero Backup objects, and
// deleted through DeleteBackupRequests whose progress the read model shows too.
export async function listBackups(db: Db, access: Access, filter: { clusterId?: string; name?: string }) {
  return (await backupsPage(db, access, { ...filter, limit: LIST_LIMIT })).items;
}

/** Newest first; NULL creation times first, as the index on (kind, createdAt desc, id) has them. */
const BACKUP_ORDER: KeysetOrder = { at: "createdAt", id: "id", idOrder: "asc" };

/**
 * One page of backups, newest first, for the lists: `cursor` is the nextCursor of the page before (keyset on the read
 * model row, so rows arriving meanwhile never shift a page). `phases` narrows to those phases.
 */
export async function backupsPage(
  db: Db,
  access: Access,
  filter: BackupFilter & { name?: string; cursor?: string; limit: number },
) {
  const visible = await visibleClusterIds(db, access);
  const clusterIds = filter.clusterId
    ? visible === null || visible.includes(filter.clusterId)
      ? [filter.clusterId]
      : []
    : visible;
  const scope: Prisma.VeleroObjectWhereInput = clusterIds === null ? {} : { clusterId: { in: clusterIds } };
  const where: Prisma.VeleroObjectWhereInput = {
    kind: "backups",
    ...scope,
    ...(filter.name ? { name: filter.name } : {}),
    ...(filter.phases?.length ? { phase: { in: filter.phases } } : {}),
    AND: [...backupFilterWhere(filter), ...(filter.cursor ? [afterCursor(filter.cursor, BACKUP_ORDER)] : [])],
  };
  const found = await db.veleroObject.findMany({
    where,
    orderBy: keysetOrderBy(BACKUP_ORDER),
    take: filter.limit + 1,
    select: {
      id: true,
      clusterId: true,
      name: true,
      uid: true,
      phase: true,
      labels: true,
      spec: true,
      status: true,
      createdAt: true,
      observedAt: true,
      syncedCopy: true,
      originCluster: true,
      cluster: { select: { name: true, state: true, lastSeenAt: true, groupId: true } },
    },
  });
  const { items: rows, nextCursor } = toPage(found, filter.limit, (r) => ({ at: r.createdAt, id: r.id }));
  // Only the deletion requests of the backups on this page (the lists poll every second).
  const names = [...new Set(rows.map((r) => r.name))];
  const requests = names.length
    ? await deleteRequests(db, { ...scope, OR: names.map((n) => ({ spec: { path: ["backupName"], equals: n } })) })
    : new Map<string, DeleteRequestRow[]>();
  const bytes = await volumeBytes(
    db,
    scope,
    rows.filter((r) => !isTerminal("Backup", r.phase)),
  );
  const items = rows.map((r) => {
    const spec = rec(r.spec);
    const status = rec(r.status);
    const progress = rec(status.progress);
    const volume = bytes.get(requestKey(r.clusterId, labelValue(r.name)));
    return {
      volumeBytesDone: volume?.done ?? null,
      volumeBytesTotal: volume?.total ?? null,
      clusterId: r.clusterId,
      clusterName: r.cluster.name,
      clusterState: r.cluster.state,
      name: r.name,
      phase: r.phase ?? "New",
      itemsBackedUp: num(progress.itemsBackedUp),
      totalItems: num(progress.totalItems),
      errors: num(status.errors) ?? 0,
      warnings: num(status.warnings) ?? 0,
      queuePosition: num(status.queuePosition),
      startTimestamp: date(status.startTimestamp),
      completionTimestamp: date(status.completionTimestamp),
      expiration: date(status.expiration),
      location: str(spec.storageLocation),
      schedule: str(rec(r.labels)["velero.io/schedule-name"]),
      failureReason: str(status.failureReason),
      createdAt: r.createdAt,
      observedAt: r.observedAt,
      deletion: newestDeletion(requests.get(requestKey(r.clusterId, r.name)) ?? [], r.uid || null),
      canDelete: canOnCluster(access, "backup.delete", { id: r.clusterId, groupId: r.cluster.groupId }),
      syncedCopy: r.syncedCopy,
      originCluster: r.originCluster,
    };
  });
  return { items, nextCursor };
}

/**
 * What the backups list's filters offer to pick from, among the backups the user may see (of one cluster when given):
 * the namespaces they name, the schedules that made them and their locations; each sorted, distinct, at most
 * FACET_LIMIT. ("*" and absent lists, which mean every namespace, name none.)
 */
export async function backupFacets(db: Db, access: Access, input: { clusterId?: string }): Promise<BackupFacets> {
  const clusters = await db.cluster.findMany({
    where: { AND: [visibleClusterWhere(access) ?? {}, input.clusterId ? { id: input.clusterId } : {}] },
    select: { id: true },
  });
  const ids = clusters.map((c) => c.id);
  if (!ids.length) return { namespaces: [], schedules: [], locations: [] };
  const values = (rows: { v: string }[]) => rows.map((r) => r.v);
  const [namespaces, schedules, locations] = await Promise.all([
    db.$queryRaw<{ v: string }[]>`
      SELECT DISTINCT ns AS v FROM "VeleroObject", jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(spec->'includedNamespaces') = 'array' THEN spec->'includedNamespaces' ELSE '[]' END) AS ns
      WHERE kind = 'backups' AND "clusterId" = ANY(${ids}) AND ns <> '*' ORDER BY v LIMIT ${FACET_LIMIT}`,
    db.$queryRaw<{ v: string }[]>`
      SELECT DISTINCT labels->>'velero.io/schedule-name' AS v FROM "VeleroObject"
      WHERE kind = 'backups' AND "clusterId" = ANY(${ids}) AND labels ? 'velero.io/schedule-name'
      ORDER BY v LIMIT ${FACET_LIMIT}`,
    db.$queryRaw<{ v: string }[]>`
      SELECT DISTINCT spec->>'storageLocation' AS v FROM "VeleroObject"
      WHERE kind = 'backups' AND "clusterId" = ANY(${ids}) AND jsonb_typeof(spec->'storageLocation') = 'string'
      ORDER BY v LIMIT ${FACET_LIMIT}`,
  ]);
  return { namespaces: values(namespaces), schedules: values(schedules), locations: values(locations) };
}

/** The list's filters (BackupFilter) beyond cluster and phase, as conditions on the read model's rows. */
function backupFilterWhere(f: BackupFilter): Prisma.VeleroObjectWhereInput[] {
  const and: Prisma.VeleroObjectWhereInput[] = [];
  // Prisma hands `contains` to LIKE as is: its wildcards are escaped so "%" or "_" in a search match themselves.
  if (f.search) and.push({ name: { contains: f.search.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" } });
  if (f.schedule) and.push({ labels: { path: ["velero.io/schedule-name"], equals: labelValue(f.schedule) } });
  if (f.location) and.push({ spec: { path: ["storageLocation"], equals: f.location } });
  if (f.from) and.push({ createdAt: { gte: f.from } });
  if (f.to) and.push({ createdAt: { lte: f.to } });
  if (f.hideCopies) and.push({ syncedCopy: false });
  if (f.namespace) {
    // Included: named, or every namespace (no list, an empty one, or "*"); and not excluded.
    and.push({
      OR: [
        { spec: { path: ["includedNamespaces"], array_contains: [f.namespace] } },
        { spec: { path: ["includedNamespaces"], array_contains: ["*"] } },
        { spec: { path: ["includedNamespaces"], equals: Prisma.AnyNull } },
        { spec: { path: ["includedNamespaces"], equals: [] } },
      ],
    });
    and.push({
      OR: [
        { spec: { path: ["excludedNamespaces"], equals: Prisma.AnyNull } },
        { NOT: { spec: { path: ["excludedNamespaces"], array_contains: [f.namespace] } } },
      ],
    });
  }
  return and;
}

const requestKey = (clusterId: string, backupName: string) => `${clusterId}/${backupName}`;

/**
 * Volume data copied so far by running backups: the progress of their PodVolumeBackups (file-system backup) and
 * DataUploads (data movement), summed per backup. Keyed by cluster and the backup's velero.io/backup-name label value.
 */
async function volumeBytes(
  db: Db,
  scope: Prisma.VeleroObjectWhereInput,
  running: { clusterId: string; name: string }[],
): Promise<Map<string, { done: number; total: number }>> {
  const out = new Map<string, { done: number; total: number }>();
  if (!running.length) return out;
  const rows = await db.veleroObject.findMany({
    where: {
      ...scope,
      kind: { in: ["podvolumebackups", "datauploads"] },
      OR: [...new Set(running.map((r) => labelValue(r.name)))].map((v) => ({
        labels: { path: ["velero.io/backup-name"], equals: v },
      })),
    },
    select: { clusterId: true, labels: true, status: true },
  });
  for (const r of rows) {
    const b = bytesOf(r.status);
    if (!b) continue;
    const key = requestKey(r.clusterId, str(rec(r.labels)["velero.io/backup-name"]) ?? "");
    const sum = out.get(key) ?? { done: 0, total: 0 };
    out.set(key, { done: sum.done + b.done, total: sum.total + b.total });
  }
  return out;
}

/** DeleteBackupRequests in the read model, by cluster and backup name. */
async function deleteRequests(db: Db, where: Prisma.VeleroObjectWhereInput): Promise<Map<string, DeleteRequestRow[]>> {
  const rows = await db.veleroObject.findMany({
    where: { ...where, kind: "deletebackuprequests" },
    select: { clusterId: true, name: true, labels: true, spec: true, status: true, createdAt: true },
  });
  const byBackup = new Map<string, DeleteRequestRow[]>();
  for (const r of rows) {
    const backup = requestBackupName(r);
    if (!backup) continue;
    const key = requestKey(r.clusterId, backup);
    byBackup.set(key, [...(byBackup.get(key) ?? []), r]);
  }
  return byBackup;
}

/**
 * The manifest the review step shows, exactly as it will be created, and what Lifeboat found on the cluster: a named
 * namespace it does not have (a typo backs up nothing, and Velero says nothing about it).
 */
export async function previewBackup(
  d: Deps,
  c: ScopedCluster,
  input: { name: string; spec: unknown },
  createdBy: string,
) {
  let yaml: string;
  try {
    yaml = toYaml(buildBackup({ name: input.name, input: input.spec, cluster: { name: c.name }, createdBy }));
  } catch (e) {
    if (e instanceof SpecError)
      throw new AppError("BAD_REQUEST", e.issues.map((i) => `${i.path}: ${i.message}`).join("; ") || e.message);
    throw e;
  }
  const scope = backupInput.parse(input.spec).scope;
  const notes = scope.kind === "namespaces" ? await missingNamespaceNotes(d, c, scope.include) : [];
  return { yaml, notes };
}

export async function createBackup(
  d: Deps,
  c: ScopedCluster,
  input: { name: string; spec: unknown },
  createdBy: string,
) {
  if (!(c.velero as { installed?: boolean } | null)?.installed)
    throw new AppError("PRECONDITION_FAILED", "Velero is not installed on this cluster");
  const prefix = clusterNamePrefix(c.name);
  if (!input.name.startsWith(prefix))
    throw new AppError(
      "BAD_REQUEST",
      `name: backups on ${c.name} are named ${prefix}…, so they stay unique in a bucket shared with other clusters`,
    );
  let manifest;
  try {
    manifest = buildBackup({ name: input.name, input: input.spec, cluster: { name: c.name }, createdBy });
  } catch (e) {
    if (e instanceof SpecError)
      throw new AppError("BAD_REQUEST", e.issues.map((i) => `${i.path}: ${i.message}`).join("; ") || e.message);
    throw e;
  }
  await refuseReadOnlyTarget(d, c, str(rec(manifest.spec).storageLocation));
  await refuseUnavailableTarget(d, c, str(rec(manifest.spec).storageLocation));
  try {
    const client = await d.clusters.forCluster(c.id);
    const { created, object } = await d.kube.createVeleroObject(client, "backups", manifest as never);
    // A double submit finds its own backup; any other object with that name is another backup.
    if (!created && !isSameRequest(object, manifest))
      throw new AppError("CONFLICT", `${c.name} already has a backup named ${input.name}; choose another name`);
    return { name: input.name, created, myRole: c.role };
  } catch (e) {
    if (e instanceof ClusterError)
      throw new AppError("PRECONDITION_FAILED", `Could not create the backup on ${c.name} (${e.kind}): ${e.message}`);
    throw e;
  }
}

/**
 * What `velero backup describe --details` shows: the spec and status in facts, plus volume info, results and resource
 * list from the bucket.
 */
export async function describeBackup(d: Deps, c: ScopedCluster, name: string): Promise<BackupDetail> {
  const clusterId = c.id;
  const row = await d.db.veleroObject.findFirst({
    where: { clusterId, kind: "backups", name },
    select: {
      uid: true,
      namespace: true,
      spec: true,
      status: true,
      labels: true,
      phase: true,
      observedAt: true,
      syncedCopy: true,
      originCluster: true,
    },
  });
  if (!row) {
    // A backup whose deletion request was processed without errors is gone: say so rather than "not found".
    const requests =
      (await deleteRequests(d.db, { clusterId, spec: { path: ["backupName"], equals: name } })).get(
        requestKey(clusterId, name),
      ) ?? [];
    const last = newestDeletion(requests, null);
    if (last?.phase === "Processed" && last.errors.length === 0)
      throw new AppError("NOT_FOUND", `Backup ${name} was deleted`);
    throw notFound("Backup");
  }
  // The cluster is reached only for the downloads of a finished backup.
  let client: ReturnType<Deps["clusters"]["forCluster"]> | undefined;
  const fetchJson = async (kind: DownloadKind) => {
    try {
      if (!c.kubeconfigSecretId) throw new AppError("PRECONDITION_FAILED", `${c.name} has no kubeconfig`);
      client ??= d.clusters.forCluster(c.id);
      const buf = await downloadVeleroFile(d, c.id, await client, { kind, name });
      return { data: buf ? (JSON.parse(buf.toString()) as unknown) : null, error: null as string | null };
    } catch (e) {
      return { data: null, error: e instanceof Error ? e.message : String(e) };
    }
  };
  const terminal = wroteResults("Backup", row.phase);
  // A disconnected cluster can't answer DownloadRequests: show its last-known state without waiting on three timeouts.
  const reachable = c.state !== "DISCONNECTED";
  const schedule = str(rec(row.labels)["velero.io/schedule-name"]);
  const again =
    isFailed("Backup", row.phase) &&
    !isRestorable(row.phase) &&
    !row.syncedCopy &&
    roleGrants("backup.create", { orgRole: "MEMBER", clusterRole: c.role });
  const [[volumes, results, resources], requests, moving, scheduleRow] = await Promise.all([
    terminal && reachable
      ? Promise.all([fetchJson("BackupVolumeInfos"), fetchJson("BackupResults"), fetchJson("BackupResourceList")])
      : Promise.resolve([null, null, null] as const),
    deleteRequests(d.db, { clusterId, spec: { path: ["backupName"], equals: name } }),
    terminal ? Promise.resolve([]) : volumeWork(d.db, clusterId, name),
    // Backing up again runs the Schedule that made it only while that Schedule is still on the cluster.
    again && schedule
      ? d.db.veleroObject.findFirst({
          where: { clusterId, kind: "schedules", namespace: row.namespace, name: schedule },
          select: { id: true },
        })
      : null,
  ]);
  return {
    name,
    clusterId,
    clusterName: c.name,
    phase: row.phase ?? "New",
    observedAt: row.observedAt,
    schedule,
    syncedCopy: row.syncedCopy,
    origin: originInWords(row, c.name),
    ...backupFacts(row.spec, row.status),
    volumes: volumesOf(volumes?.data),
    results: resultsOf(results?.data),
    resources: resourcesOf(resources?.data),
    downloadErrors:
      terminal && !reachable
        ? [`${c.name} is disconnected: volume results, errors and the resource list can't be fetched until it is back`]
        : [volumes?.error, results?.error, resources?.error].filter((x): x is string => Boolean(x)),
    deletion: newestDeletion(requests.get(requestKey(clusterId, name)) ?? [], row.uid || null),
    canDelete: roleGrants("backup.delete", { orgRole: "MEMBER", clusterRole: c.role }),
    volumeWork: moving,
    again: again ? { schedule: scheduleRow ? schedule : null } : null,
  };
}

/** While a backup runs: each volume's PodVolumeBackup (file-system backup) or DataUpload (data movement), with progress. */
async function volumeWork(db: Db, clusterId: string, backup: string) {
  const rows = await db.veleroObject.findMany({
    where: {
      clusterId,
      kind: { in: ["podvolumebackups", "datauploads"] },
      labels: { path: ["velero.io/backup-name"], equals: labelValue(backup) },
    },
    orderBy: { name: "asc" },
    select: { kind: true, name: true, phase: true, spec: true, status: true },
  });
  return rows.map(volumeWorkOf);
}

/**
 * Deletes a backup through a DeleteBackupRequest (velero-api.md §2.6): Velero then removes its data in the bucket, its
 * snapshots, its restores, and finally the Backup object, in every cluster that shares the location (backup sync
 * removes the copies). Answers the request's name; a second submit while one is pending answers the same request.
 */
export async function deleteBackup(d: Deps, c: ScopedCluster, input: { name: string }, requestedBy: string) {
  const row = await d.db.veleroObject.findFirst({
    where: { clusterId: c.id, kind: "backups", name: input.name },
    select: { uid: true, originCluster: true, syncedCopy: true },
  });
  if (!row || !c.kubeconfigSecretId) throw notFound("Backup");
  const requests =
    (await deleteRequests(d.db, { clusterId: c.id, spec: { path: ["backupName"], equals: input.name } })).get(
      requestKey(c.id, input.name),
    ) ?? [];
  const newest = newestDeletion(requests, row.uid || null);
  if (isPending(newest)) return { name: input.name, requestName: newest!.requestName, created: false };
  if (c.state === "DISCONNECTED") {
    const seen = c.lastSeenAt ? `, last seen ${c.lastSeenAt.toISOString()}` : "";
    throw new AppError(
      "PRECONDITION_FAILED",
      `${c.name} is unreachable${seen} (${c.lastError ?? "its last checks failed"}); Velero deletes backups on the cluster, so try again once it is connected`,
    );
  }
  const client = await d.clusters.forCluster(c.id);
  try {
    // The live object, not the read model: its phase decides, and a cluster that does not answer is refused here.
    const live = await d.kube.getVeleroObject(client, "backups", input.name);
    if (!live) throw new AppError("NOT_FOUND", `Backup ${input.name} no longer exists on ${c.name}`);
    const phase = str(rec(live.status).phase) || "New";
    if (phase !== "Deleting" && !isDeletable(phase)) {
      throw new AppError(
        "PRECONDITION_FAILED",
        `Backup ${input.name} is ${phase}: Velero deletes a backup only once it has finished ` +
          "(Completed, PartiallyFailed, Failed or FailedValidation); try again then",
      );
    }
    await refuseReadOnlyLocation(
      d,
      c,
      input.name,
      str(rec(live.spec).storageLocation) ?? "default",
      row.originCluster,
      row.syncedCopy,
    );
    const uid: string | null = live.metadata?.uid || row.uid || null;
    const requestName = deleteRequestName(input.name, uid ?? "", newest?.requestName ?? null);
    const manifest = buildDeleteBackupRequest({
      backupName: input.name,
      backupUid: uid,
      requestName,
      cluster: { name: c.name },
      createdBy: requestedBy,
    });
    const { created } = await d.kube.createVeleroObject(client, "deletebackuprequests", manifest);
    return { name: input.name, requestName, created };
  } catch (e) {
    throw e instanceof AppError
      ? e
      : new AppError("PRECONDITION_FAILED", `Could not delete the backup on ${c.name}: ${clusterReason(e)}`);
  }
}

/**
 * Velero does not delete a backup whose location is ReadOnly on the cluster (its DeleteBackupRequest fails with "cannot
 * delete backup because backup storage location … is currently in read-only mode"): said before anything is written,
 * with where it can be deleted. A ReadOnly location is how a cluster sees another's backups without touching them
 * (#14 §3).
 */
async function refuseReadOnlyLocation(
  d: Deps,
  c: ScopedCluster,
  backupName: string,
  bslName: string,
  origin: string | null,
  copy: boolean,
) {
  const bsl = await d.db.veleroObject.findFirst({
    where: { clusterId: c.id, kind: "backupstoragelocations", name: bslName },
    select: { spec: true },
  });
  if (str(rec(bsl?.spec).accessMode) !== "ReadOnly") return;
  const dep = await d.db.locationDeployment.findFirst({
    where: { clusterId: c.id, bslName },
    select: { location: { select: { name: true } } },
  });
  const where = dep ? `the location ${dep.location.name}` : `the backup storage location ${bslName}`;
  if (!copy)
    throw new AppError(
      "PRECONDITION_FAILED",
      `${backupName} is stored in ${where}, which is ReadOnly on ${c.name}, and Velero deletes nothing there: make ` +
        `${c.name} the location's writer to delete it`,
    );
  // The copy names the cluster that made it by its label: the name of the cluster that carries that label.
  const writer = origin
    ? (await d.db.cluster.findMany({ select: { name: true } })).find((x) => clusterLabelValue(x.name) === origin)?.name
    : undefined;
  throw new AppError(
    "PRECONDITION_FAILED",
    `${backupName} is stored in ${where}, which is ReadOnly on ${c.name}: ${c.name} only restores from it, and Velero ` +
      `deletes nothing there. Delete the backup on ${writer ?? "the cluster that wrote it"}.`,
  );
}

/** Why a call to the cluster failed, in words (client-node's network errors keep the reason in `cause`). */
function clusterReason(e: unknown): string {
  if (e instanceof ClusterError) return `${e.kind}: ${e.message}`;
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: { message?: string; code?: string } }).cause;
  const detail = cause?.message ?? cause?.code;
  return detail && !e.message.includes(detail) ? `${e.message} (${detail})` : e.message;
}

export async function backupLogs(d: Deps, c: ScopedCluster, name: string): Promise<{ text: string }> {
  if (!(await d.db.veleroObject.findFirst({ where: { clusterId: c.id, kind: "backups", name }, select: { id: true } })))
    throw notFound("Backup");
  if (!c.kubeconfigSecretId) throw notFound("Cluster");
  let buf: Buffer | null;
  try {
    buf = await downloadVeleroFile(d, c.id, await d.clusters.forCluster(c.id), { kind: "BackupLog", name });
  } catch (e) {
    // Like restore.logs: an unreachable cluster or a failed download is a precondition, with its reason.
    if (e instanceof ClusterError || e instanceof AppError)
      throw e instanceof AppError
        ? e
        : new AppError("PRECONDITION_FAILED", `Could not fetch the log from ${c.name}: ${e.message}`);
    throw e;
  }
  if (!buf) throw new AppError("NOT_FOUND", "Velero has no log for this backup (it may still be running)");
  return { text: logTextForBrowser(buf) };
}
