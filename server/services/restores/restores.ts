import type { Deps } from "../../composition";
import { LIST_LIMIT } from "@/lib/limits";
import type { Db } from "../../db/client";
import { AppError, notFound } from "../../errors";
import { visibleClusterWhere, type Access } from "../../rbac/access";
import type { ScopedCluster } from "../../trpc/scoped";
import { SpecError, toYaml } from "@/lib/velero/backup-spec";
import {
  buildRestore,
  restoreNotes,
  restoreOptionsNeedingClusterAdmin,
  STORAGE_CLASS_CONFIGMAP_NAME,
  storageClassConfigMap,
} from "@/lib/velero/restore-spec";
import { restoreInput, type RestoreInput } from "@/lib/schemas/protection";
import { ClusterError } from "../../kube/errors";
import { existingNamespaceNotes } from "../namespaces/namespaces";
import { downloadVeleroFile } from "../backups/downloads";
import { filtersOf, logTextForBrowser, resultsOf } from "../backups/projection";
import type { RunResults } from "@/lib/schemas/backup";
import type { RestoreDetail } from "@/lib/schemas/restore";
import { restorePrediction, type OutcomeRow } from "@/lib/schemas/preflight";
import { restoreOutcome } from "@/lib/velero/preflight/outcome";
import { Prisma } from "../../db/generated/client";
import { preflightRestore } from "./preflight";
import { bool, date, isRec, num, rec, str, stringMap, strs } from "@/lib/velero/read";
import { clusterNamePrefix, isSameRequest } from "@/lib/velero/idempotency";
import { isRestorable, isTerminal, phasesWhere, wroteResults } from "@/lib/velero/phases";

// Restores: listed from the read model (kept by the sync engine), created on the target cluster as Velero Restore
// objects of a backup that cluster can see (its own, or one Velero synced from a location it shares).
export interface RestoreRequest {
  clusterId: string;
  name: string;
  backupName: string;
  spec: unknown;
  /** Run the pre-flight check first and keep its prediction for the restore's page (#14 §2). */
  predict?: boolean;
  /** Labels Lifeboat itself puts on the Restore (a drill's lifeboat.io/drill), never an operator's. */
  systemLabels?: Record<string, string>;
}

const TERMINAL = phasesWhere("Restore", (p) => isTerminal("Restore", p));

const badRequest = (e: SpecError) =>
  new AppError(
    "BAD_REQUEST",
    e.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ") || e.message,
  );

export async function listRestores(db: Db, access: Access, filter: { clusterId?: string }) {
  const rows = await db.veleroObject.findMany({
    where: {
      kind: "restores",
      ...(filter.clusterId ? { clusterId: filter.clusterId } : {}),
      cluster: visibleClusterWhere(access) ?? undefined,
    },
    orderBy: [{ createdAt: "desc" }, { name: "asc" }],
    take: LIST_LIMIT,
    select: {
      clusterId: true,
      name: true,
      phase: true,
      spec: true,
      status: true,
      createdAt: true,
      observedAt: true,
      cluster: { select: { name: true, state: true } },
    },
  });
  return rows.map((r) => {
    const spec = rec(r.spec);
    const status = rec(r.status);
    const progress = rec(status.progress);
    const scheduleName = str(spec.scheduleName);
    return {
      clusterId: r.clusterId,
      clusterName: r.cluster.name,
      clusterState: r.cluster.state,
      name: r.name,
      phase: r.phase ?? "New",
      backupName: str(spec.backupName) ?? (scheduleName ? `latest of ${scheduleName}` : ""),
      itemsRestored: num(progress.itemsRestored),
      totalItems: num(progress.totalItems),
      errors: num(status.errors) ?? 0,
      warnings: num(status.warnings) ?? 0,
      namespaceMapping: stringMap(spec.namespaceMapping),
      startTimestamp: date(status.startTimestamp),
      completionTimestamp: date(status.completionTimestamp),
      failureReason: str(status.failureReason),
      validationErrors: strs(status.validationErrors),
      createdAt: r.createdAt,
      observedAt: r.observedAt,
    };
  });
}

/** The backup, as the target cluster sees it; restoring needs it to have finished with data. */
async function restorableBackup(db: Db, clusterId: string, clusterName: string, backupName: string) {
  const b = await db.veleroObject.findFirst({
    where: { clusterId, kind: "backups", name: backupName },
    select: { phase: true },
  });
  if (!b)
    throw new AppError(
      "NOT_FOUND",
      `${clusterName} does not see a backup named ${backupName}: a backup from another cluster appears once both ` +
        "share its target location and Velero has synced it",
    );
  if (!isRestorable(b.phase))
    throw new AppError(
      "PRECONDITION_FAILED",
      `The backup ${backupName} is ${b.phase ?? "New"}: only Completed or PartiallyFailed backups can be restored`,
    );
}

/**
 * Restoring cluster-scoped resources, or updating existing objects, needs CLUSTER_ADMIN on the target: checked for the
 * preview as for the restore, so the review step already says which option an operator must change.
 */
function requireRoleFor(c: { name: string; role: ScopedCluster["role"] }, input: RestoreInput) {
  if (c.role === "CLUSTER_ADMIN") return;
  const needs = restoreOptionsNeedingClusterAdmin(input);
  if (!needs.length) return;
  const what = needs.map((n) => n.option).join(" and ");
  throw new AppError(
    "FORBIDDEN",
    `${what} needs the CLUSTER_ADMIN role on ${c.name} (you are ${c.role}): ` +
      "restore without it, or ask a cluster admin to run this restore",
  );
}

function manifests(c: { name: string; role: ScopedCluster["role"] }, input: RestoreRequest, createdBy: string) {
  try {
    const restore = buildRestore({
      name: input.name,
      backupName: input.backupName,
      input: input.spec,
      cluster: { name: c.name },
      createdBy,
    });
    const parsed = restoreInput.parse(input.spec);
    const mapping =
      parsed.storageClassMapping && Object.keys(parsed.storageClassMapping).length ? parsed.storageClassMapping : null;
    requireRoleFor(c, parsed);
    return { restore, configMap: mapping ? storageClassConfigMap(mapping) : null, notes: restoreNotes(parsed) };
  } catch (e) {
    if (e instanceof SpecError) throw badRequest(e);
    throw e;
  }
}

/** Velero fails every item whose new StorageClass does not exist: said before anything is written, and on review. */
async function requireStorageClasses(d: Deps, c: ScopedCluster, configMap: { data: Record<string, string> } | null) {
  if (!configMap) return;
  const classes = await d.kube.listStorageClasses(await d.clusters.forCluster(c.id));
  const missing = [...new Set(Object.values(configMap.data))].filter((to) => !classes.includes(to));
  if (missing.length)
    throw new AppError(
      "PRECONDITION_FAILED",
      `${c.name} has no StorageClass ${missing.join(", ")} to map volumes to (it has ${classes.join(", ") || "none"})`,
    );
}

/**
 * The namespaces the restore writes into, where Lifeboat can name them: the chosen ones, or those the backup named,
 * each through the namespace mapping. A whole-cluster backup's namespaces are not known without its contents.
 */
async function restoreTargets(db: Db, clusterId: string, backupName: string, input: RestoreInput) {
  let sources: string[];
  if (input.scope.kind === "namespaces") sources = input.scope.include;
  else {
    const b = await db.veleroObject.findFirst({
      where: { clusterId, kind: "backups", name: backupName },
      select: { spec: true },
    });
    const excluded = input.scope.kind === "excludeNamespaces" ? input.scope.exclude : [];
    sources = strs(rec(b?.spec).includedNamespaces).filter((n) => n !== "*" && !excluded.includes(n));
  }
  const mapping = input.namespaceMapping ?? {};
  return sources.map((n) => mapping[n] ?? n);
}

/**
 * The manifests the review step shows, exactly as they will be created, and what the options really do on this
 * cluster: the storage-class check that create makes (so Review shows its error before Create), and what happens in
 * target namespaces that already exist.
 */
export async function previewRestore(d: Deps, c: ScopedCluster, input: RestoreRequest, createdBy: string) {
  const m = manifests(c, input, createdBy);
  const parsed = restoreInput.parse(input.spec);
  let notes = m.notes;
  try {
    await requireStorageClasses(d, c, m.configMap);
    const targets = await restoreTargets(d.db, c.id, input.backupName, parsed);
    const existing = await existingNamespaceNotes(d, c, targets, parsed.existingResourcePolicy);
    // The namespace notes say what the general "existing objects" note says, for the namespaces at hand.
    if (existing.length) notes = [...existing, ...notes];
  } catch (e) {
    if (e instanceof ClusterError)
      throw new AppError("PRECONDITION_FAILED", `Could not check the restore on ${c.name} (${e.kind}): ${e.message}`);
    throw e;
  }
  return { yaml: toYaml(m.restore), configMapYaml: m.configMap ? toYaml(m.configMap) : null, notes };
}

export async function createRestore(d: Deps, c: ScopedCluster, input: RestoreRequest, createdBy: string) {
  if (!(c.velero as { installed?: boolean } | null)?.installed)
    throw new AppError("PRECONDITION_FAILED", "Velero is not installed on this cluster");
  const prefix = clusterNamePrefix(c.name);
  if (!input.name.startsWith(prefix))
    throw new AppError(
      "BAD_REQUEST",
      `name: restores on ${c.name} are named ${prefix}…, so they stay unique in a bucket shared with other clusters`,
    );
  const m = manifests(c, input, createdBy);
  if (input.systemLabels) m.restore.metadata.labels = { ...(m.restore.metadata.labels ?? {}), ...input.systemLabels };
  await restorableBackup(d.db, c.id, c.name, input.backupName);
  try {
    const client = await d.clusters.forCluster(c.id);
    await requireStorageClasses(d, c, m.configMap);
    // The prediction is made before the Restore exists (after, every object would already be there), and before the
    // storage-class ConfigMap is written (the busy check below only sees restores that exist, so nothing slow may sit
    // between it and the Restore). A check that fails does not stop the restore: its page has no prediction then.
    const checked = input.predict
      ? await preflightRestore(d, null, c, { backupName: input.backupName, spec: input.spec }).catch(() => null)
      : null;
    // The ConfigMap first (Velero reads it when the restore runs); without a mapping, remove Lifeboat's earlier one so
    // it does not apply to this restore. A ConfigMap someone else made is left alone (and refused when we need ours).
    // The ConfigMap is read when each restore runs, so it must not change under one that has not finished.
    const running = await d.db.veleroObject.findMany({
      where: {
        clusterId: c.id,
        kind: "restores",
        OR: [{ phase: null }, { phase: { notIn: TERMINAL } }],
        name: { not: input.name },
      },
      select: { name: true },
      take: 3,
    });
    const busy = running.length
      ? `The storage-class mapping on ${c.name} can't change while restore ${running.map((r) => r.name).join(", ")} ` +
        "has not finished (Velero reads it as each restore runs); wait for it, or restore with the same mapping"
      : undefined;
    await d.kube.applyStorageClassMapping(client, m.configMap, { name: STORAGE_CLASS_CONFIGMAP_NAME, busy });
    const { created, object } = await d.kube.createVeleroObject(client, "restores", m.restore as never);
    if (!created && !isSameRequest(object, m.restore))
      throw new AppError("CONFLICT", `${c.name} already has a restore named ${input.name}; choose another name`);
    if (created && !checked?.prediction)
      // A restore of the same name made before (and since deleted) must not lend this one its prediction.
      await d.db.restorePrediction.deleteMany({ where: { clusterId: c.id, restoreName: input.name } });
    if (created && checked?.prediction) {
      const data = {
        backupName: input.backupName,
        prediction: checked.prediction as unknown as Prisma.InputJsonValue,
        verdict: checked.verdict,
        findings: checked.findings.map((f) => f.id),
      };
      await d.db.restorePrediction.upsert({
        where: { clusterId_restoreName: { clusterId: c.id, restoreName: input.name } },
        create: { clusterId: c.id, restoreName: input.name, ...data },
        update: { ...data, createdAt: new Date() },
      });
    }
    return { name: input.name, created };
  } catch (e) {
    if (e instanceof ClusterError)
      throw new AppError("PRECONDITION_FAILED", `Could not create the restore on ${c.name} (${e.kind}): ${e.message}`);
    throw e;
  }
}

/** The parts of a Restore's spec and status the detail page shows (velero-api.md §2.2). */
function restoreFacts(spec: unknown, status: unknown) {
  const sp = rec(spec);
  const st = rec(status);
  const progress = isRec(st.progress) ? st.progress : null;
  return {
    backupName: str(sp.backupName),
    scheduleName: str(sp.scheduleName),
    filters: filtersOf(sp),
    namespaceMapping: stringMap(sp.namespaceMapping),
    restorePVs: bool(sp.restorePVs),
    existingResourcePolicy: str(sp.existingResourcePolicy),
    progress: progress && { itemsRestored: num(progress.itemsRestored), totalItems: num(progress.totalItems) },
    startTimestamp: date(st.startTimestamp),
    completionTimestamp: date(st.completionTimestamp),
    errors: num(st.errors) ?? 0,
    warnings: num(st.warnings) ?? 0,
    failureReason: str(st.failureReason),
    validationErrors: strs(st.validationErrors),
  };
}

/** `velero restore describe`: the options and status in facts, plus errors and warnings per namespace from the bucket. */
export async function describeRestore(d: Deps, c: ScopedCluster, name: string): Promise<RestoreDetail> {
  const clusterId = c.id;
  const row = await d.db.veleroObject.findFirst({
    where: { clusterId, kind: "restores", name },
    select: { spec: true, status: true, phase: true, observedAt: true },
  });
  if (!row) throw notFound("Restore");
  let results: RunResults | null = null;
  let outcome: OutcomeRow[] | null = null;
  let downloadError: string | null = null;
  const predicted = await d.db.restorePrediction.findUnique({
    where: { clusterId_restoreName: { clusterId, restoreName: name } },
    select: { prediction: true },
  });
  const prediction = predicted ? restorePrediction.safeParse(predicted.prediction) : null;
  if (wroteResults("Restore", row.phase) && c.state !== "DISCONNECTED") {
    try {
      if (!c.kubeconfigSecretId) throw notFound("Cluster");
      const client = await d.clusters.forCluster(c.id);
      const [buf, list] = await Promise.all([
        downloadVeleroFile(d, c.id, client, { kind: "RestoreResults", name }),
        // Only where there is a prediction to set it beside.
        prediction?.success ? downloadVeleroFile(d, c.id, client, { kind: "RestoreResourceList", name }) : null,
      ]);
      if (buf) results = resultsOf(JSON.parse(buf.toString()));
      if (list) outcome = restoreOutcome(JSON.parse(list.toString()));
    } catch (e) {
      downloadError = e instanceof Error ? e.message : String(e);
    }
  }
  return {
    name,
    clusterId,
    clusterName: c.name,
    clusterState: c.state,
    phase: row.phase ?? "New",
    observedAt: row.observedAt,
    ...restoreFacts(row.spec, row.status),
    results,
    prediction: prediction?.success ? prediction.data : null,
    outcome,
    downloadError,
  };
}

export async function restoreLogs(d: Deps, c: ScopedCluster, name: string): Promise<{ text: string }> {
  if (
    !(await d.db.veleroObject.findFirst({ where: { clusterId: c.id, kind: "restores", name }, select: { id: true } }))
  )
    throw notFound("Restore");
  if (!c.kubeconfigSecretId) throw notFound("Cluster");
  try {
    const buf = await downloadVeleroFile(d, c.id, await d.clusters.forCluster(c.id), { kind: "RestoreLog", name });
    if (!buf) throw new AppError("NOT_FOUND", "Velero has no log for this restore (it may still be running)");
    return { text: logTextForBrowser(buf) };
  } catch (e) {
    if (e instanceof ClusterError)
      throw new AppError("PRECONDITION_FAILED", `Could not fetch the log from ${c.name} (${e.kind}): ${e.message}`);
    throw e;
  }
}
