import type { Deps } from "../../composition";
import { AppError } from "../../errors";
import { ClusterError } from "../../kube/errors";
import type { ClusterClient } from "../../kube/cluster-client";
import type { ScopedCluster } from "../../trpc/scoped";
import { canOnCluster, visibleClusterWhere, type Access } from "../../rbac/access";
import { maySpread } from "../protection/locations";
import { modeSelect, readOnlyOn } from "../protection/location-modes";
import { restoreInput } from "@/lib/schemas/protection";
import type { PreflightResult } from "@/lib/schemas/preflight";
import { date, num, rec, str } from "@/lib/velero/read";
import { clusterLabelValue } from "@/lib/velero/names";
import { existingKey, existingQueries, preflight, type PreflightFacts } from "@/lib/velero/preflight/preflight";
import type { BackupContents } from "@/lib/velero/preflight/types";
import { mapBounded } from "@/lib/bounded";
import { downloadVeleroFile } from "../backups/downloads";
import { observedVolumes } from "../coverage/digests";
import { readBackupContents } from "./backup-contents";

// The restore pre-flight check (#14 §1–§2): gathers what the engine (lib/velero/preflight) compares — the backup as a
// cluster that sees it knows it (its live object for the source cluster's Kubernetes version, its contents and volume
// info through DownloadRequests), and the target cluster as it is now (discovery, storage classes, namespaces,
// node-agent, the names of the objects the restore would meet) — and runs it. Read-only on every cluster.

export interface PreflightRequest {
  backupName: string;
  spec: unknown;
  /** A cluster that sees the backup, when the target does not (yet): its contents are read there. */
  sourceClusterId?: string;
}

/** At most this many kinds × namespaces of the target are listed for the prediction. */
const MAX_EXISTING_READS = 200;
const READ_CONCURRENCY = 4;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, error: message(e) };
  }
}

export async function preflightRestore(
  d: Deps,
  /** The caller's access, to read the backup on a source cluster they see; null: the target's view only. */
  access: Access | null,
  target: ScopedCluster,
  req: PreflightRequest,
  now = new Date(),
): Promise<PreflightResult> {
  const parsed = restoreInput.safeParse(req.spec);
  if (!parsed.success)
    throw new AppError("BAD_REQUEST", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  const input = parsed.data;
  const select = { clusterId: true, phase: true, spec: true, status: true, syncedCopy: true, originCluster: true };
  const found = await d.db.veleroObject.findFirst({
    where: { clusterId: target.id, kind: "backups", name: req.backupName },
    select,
  });
  // The source the operator came from (a cluster they see), when it is not the target.
  const fromSource =
    req.sourceClusterId && req.sourceClusterId !== target.id && access
      ? await d.db.veleroObject.findFirst({
          where: {
            clusterId: req.sourceClusterId,
            kind: "backups",
            name: req.backupName,
            cluster: visibleClusterWhere(access) ?? undefined,
          },
          select: { ...select, cluster: { select: { name: true } } },
        })
      : null;
  // A backup of the same name on the target counts only if it is the same backup: both name the same cluster as the
  // one that made it (a copy names it by label; an own backup is its holder's), or either cannot say.
  const origin = (row: { syncedCopy: boolean; originCluster: string | null }, holder: string) =>
    row.syncedCopy ? row.originCluster : clusterLabelValue(holder);
  const same = (() => {
    if (!found || !fromSource) return true;
    const a = origin(found, target.name);
    const b = origin(fromSource, fromSource.cluster.name);
    return a === null || b === null || a === b;
  })();
  const seen = found && same ? found : null;
  // The backup as a cluster that sees it knows it: the target, or the source the operator came from.
  let source: (typeof seen & { clusterName: string }) | null = null;
  if (seen) source = { ...seen, clusterName: target.name };
  else if (fromSource) source = { ...fromSource, clusterName: fromSource.cluster.name };
  if (!source) throw new AppError("NOT_FOUND", `No cluster you can see has a backup named ${req.backupName}`);
  const targetRow = await d.db.cluster.findUnique({
    where: { id: target.id },
    select: { kubernetesVersion: true },
  });

  let targetClient: ClusterClient;
  let reader: ClusterClient;
  try {
    targetClient = await d.clusters.forCluster(target.id);
    reader = source.clusterId === target.id ? targetClient : await d.clusters.forCluster(source.clusterId);
  } catch (e) {
    if (e instanceof ClusterError)
      throw new AppError("PRECONDITION_FAILED", `Could not reach the clusters for the check (${e.kind}): ${e.message}`);
    throw e;
  }

  const [live, contents, volumes, served, classes, namespaces] = await Promise.all([
    settle(d.kube.getVeleroObject(reader, "backups", req.backupName)),
    settle(
      downloadVeleroFile(
        d,
        source.clusterId,
        reader,
        { kind: "BackupContents", name: req.backupName },
        { timeoutMs: 30_000 },
      ).then(async (buf): Promise<BackupContents> => {
        if (!buf) throw new Error("Velero has no contents file for this backup in its location");
        return readBackupContents(buf);
      }),
    ),
    settle(
      downloadVeleroFile(d, source.clusterId, reader, { kind: "BackupVolumeInfos", name: req.backupName }).then((buf) =>
        // A backup from before Velero 1.13 has no volume info file: nothing is known of its volumes.
        buf ? observedVolumes(JSON.parse(buf.toString())) : [],
      ),
    ),
    settle(d.kube.servedResources(targetClient)),
    settle(d.kube.storageClassFacts(targetClient)),
    settle(d.kube.listNamespaces(targetClient)),
  ]);

  const annotations = live.ok ? (rec(live.value?.metadata).annotations as Record<string, unknown> | undefined) : null;
  const status = rec(source.status);
  const velero = target.velero as { installed?: boolean; nodeAgent?: boolean } | null;
  const facts: Omit<PreflightFacts, "existing"> = {
    now,
    backup: {
      name: req.backupName,
      phase: source.phase ?? "New",
      errors: num(status.errors) ?? 0,
      warnings: num(status.warnings) ?? 0,
      expiration: date(status.expiration),
      sourceCluster: source.syncedCopy ? source.originCluster : source.clusterName,
      sourceKubernetes: str(rec(annotations)["velero.io/source-cluster-k8s-gitversion"]),
      sameCluster: Boolean(seen && !seen.syncedCopy),
      contents: contents.ok ? contents.value : null,
      contentsError: contents.ok ? null : contents.error,
      volumes: volumes.ok ? volumes.value : null,
      volumesError: volumes.ok ? null : volumes.error,
    },
    target: {
      name: target.name,
      kubernetes: targetRow?.kubernetesVersion ?? null,
      served: served.ok ? served.value.resources : null,
      servedError: served.ok ? null : served.error,
      unavailable: served.ok ? served.value.unavailable : [],
      storageClasses: classes.ok ? classes.value : null,
      namespaces: namespaces.ok ? namespaces.value : null,
      nodeAgent: velero?.installed ? Boolean(velero.nodeAgent) : null,
      seesBackup: Boolean(seen),
    },
  };

  const queries = existingQueries(facts, input);
  const existing = new Map<string, readonly string[] | { error: string }>();
  for (const q of queries.slice(MAX_EXISTING_READS))
    existing.set(existingKey(q.resource, q.namespace), { error: "not read: too many kinds" });
  const reads = await mapBounded(queries.slice(0, MAX_EXISTING_READS), READ_CONCURRENCY, (q) =>
    // A namespace that does not exist holds nothing: no need to ask.
    q.namespace && facts.target.namespaces && !facts.target.namespaces.includes(q.namespace)
      ? Promise.resolve({ ok: true as const, value: { names: [] as string[], truncated: false } })
      : settle(
          d.kube.objectNames(
            targetClient,
            { groupVersion: q.groupVersion, resource: q.plural, namespaced: q.namespaced },
            q.namespace ?? undefined,
          ),
        ),
  );
  queries.slice(0, MAX_EXISTING_READS).forEach((q, i) => {
    const r = reads[i];
    existing.set(
      existingKey(q.resource, q.namespace),
      r.ok
        ? r.value.names
        : { error: r.error.includes("403") || /forbidden/i.test(r.error) ? "not allowed to list them" : r.error },
    );
  });
  const result = preflight({ ...facts, existing }, input, { clusterId: target.id, backupName: req.backupName });
  // A backup of that name the target has, made by another cluster, is not replaced by a sync: nothing to offer.
  return { ...result, share: seen || found ? null : await shareOffer(d, access, source, target.id) };
}

/**
 * The Lifeboat location a backup the target does not see is stored in, as the cluster that sees it holds it: the
 * wizard offers to share it with the target ReadOnly (#14 §3). Null for a location made outside Lifeboat.
 */
async function shareOffer(
  d: Deps,
  access: Access | null,
  source: { clusterId: string; spec: unknown },
  targetId: string,
) {
  const bslName = str(rec(source.spec).storageLocation);
  if (!bslName) return null;
  const dep = await d.db.locationDeployment.findFirst({
    where: { clusterId: source.clusterId, bslName },
    select: { location: { select: { id: true, name: true } } },
  });
  if (!dep) return null;
  // Held there when an assignment reaches the target (then sharing it again is no answer); applied, or its status says
  // why not.
  const [location, cluster, applied] = await Promise.all([
    d.db.location.findUnique({
      where: { id: dep.location.id },
      select: { readOnly: true, assignments: { select: modeSelect } },
    }),
    d.db.cluster.findUnique({ where: { id: targetId }, select: { id: true, groupId: true } }),
    d.db.locationDeployment.findFirst({
      where: { locationId: dep.location.id, clusterId: targetId, error: null, appliedAt: { not: null } },
      select: { clusterId: true },
    }),
  ]);
  const onTarget = Boolean(location && cluster && readOnlyOn(location, location.assignments, cluster) !== null);
  // Sharing it there needs location.assign on the target and the right to spread the location's keys (assignLocation).
  const mayShare = Boolean(
    access &&
    cluster &&
    canOnCluster(access, "location.assign", cluster) &&
    (await maySpread(d, access, dep.location.id)),
  );
  return {
    locationId: dep.location.id,
    locationName: dep.location.name,
    onTarget,
    applied: Boolean(applied),
    mayShare,
  };
}
