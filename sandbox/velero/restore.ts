import type { KObject, ResourceType } from "../kube-api/types";
import { groupVersion } from "../kube-api/types";
import { ApiError } from "../kube-api/errors";
import { gzipJson, gzipText, parseBackupTarball, type BackupItem } from "./archive";
import { LABELS, nowIso, sleep, validLabelValue, type VeleroContext } from "./context";
import { labelsMatch, namespaceIncluded, qualifiedName, resourceIncluded } from "./filters";

// Runs one Restore as Velero does (velero-api.md §2.2, §7.1): validation, the backup's tarball read back from the
// bucket, filters, namespace mapping, the change-storage-class ConfigMap, priorities, existing-resource policy,
// restore labels, PodVolumeRestores / DataDownloads for volume data, and results, logs and lists under restores/<name>/.
const NON_RESTORABLE = new Set([
  "nodes",
  "events",
  "events.events.k8s.io",
  "backups.velero.io",
  "restores.velero.io",
  "resticrepositories.velero.io",
  "csinodes.storage.k8s.io",
  "volumeattachments.storage.k8s.io",
]);
const PRIORITIES = [
  "customresourcedefinitions",
  "namespaces",
  "storageclasses",
  "volumesnapshotclass.snapshot.storage.k8s.io",
  "volumesnapshotcontents.snapshot.storage.k8s.io",
  "volumesnapshots.snapshot.storage.k8s.io",
  "datauploads.velero.io",
  "persistentvolumes",
  "persistentvolumeclaims",
  "clusterroles",
  "roles",
  "serviceaccounts",
  "secrets",
  "configmaps",
  "limitranges",
  "pods",
  "replicasets.apps",
  "clusterclasses.cluster.x-k8s.io",
  "endpoints",
  "services",
];
const priority = (q: string, resource: string) => {
  const i = PRIORITIES.findIndex((p) => p === q || p === resource);
  return i < 0 ? PRIORITIES.length : i;
};
type Results = { velero: string[]; cluster: string[]; namespaces: Record<string, string[]> };

export async function runRestore(ctx: VeleroContext, name: string): Promise<void> {
  const restore = ctx.get("restores", name);
  if (!restore || (restore.status?.phase && restore.status.phase !== "New")) return;
  const spec = restore.spec ?? {};
  const errs: string[] = [];
  if (Boolean(spec.backupName) === Boolean(spec.scheduleName))
    errs.push("Either a backup or schedule must be specified as a source for the restore, but not both");
  if (spec.labelSelector && spec.orLabelSelectors?.length)
    errs.push("encountered labelSelector as well as orLabelSelectors in restore spec, only one can be specified");
  if (spec.existingResourcePolicy && !["none", "update"].includes(spec.existingResourcePolicy))
    errs.push(`Invalid existing resource policy ${spec.existingResourcePolicy}`);
  for (const r of spec.includedResources ?? [])
    if (NON_RESTORABLE.has(r)) errs.push(`${r} are non-restorable resources`);
  let backupName = spec.backupName;
  if (spec.scheduleName && !spec.backupName) {
    const latest = ctx
      .list("backups")
      .filter(
        (b) =>
          b.metadata.labels?.[LABELS.scheduleName] === validLabelValue(spec.scheduleName) &&
          b.status?.phase === "Completed",
      )
      .sort((a, b) => String(b.status?.startTimestamp).localeCompare(String(a.status?.startTimestamp)))[0];
    if (!latest) errs.push(`No backups found for schedule`);
    backupName = latest?.metadata.name;
  }
  const backup = backupName ? ctx.get("backups", backupName) : undefined;
  if (backupName && !backup) errs.push(`Error retrieving backup: backups.velero.io "${backupName}" not found`);
  else if (backup && !["Completed", "PartiallyFailed"].includes(backup.status?.phase))
    errs.push(`backup ${backupName} is not in a restorable phase (${backup.status?.phase ?? "New"})`);
  const bsl = backup ? ctx.get("backupstoragelocations", backup.spec?.storageLocation ?? "default") : undefined;
  if (backup && !bsl)
    errs.push(
      `Error retrieving backup storage location: backupstoragelocations.velero.io "${backup.spec?.storageLocation}" not found`,
    );
  if (errs.length) {
    ctx.mutate(
      "restores",
      name,
      (o) => void (o.status = { phase: "FailedValidation", validationErrors: errs, completionTimestamp: nowIso() }),
    );
    return;
  }
  const started = nowIso();
  ctx.mutate("restores", name, (o) => {
    o.status = { phase: "InProgress", startTimestamp: started };
    if (spec.scheduleName && !spec.backupName) o.spec = { ...o.spec, backupName };
  });

  const log: string[] = [];
  // logrus's text format: time, level and msg, then the fields sorted by key (logSource, resource, restore).
  const say = (level: string, msg: string, fields: Record<string, string> = {}) =>
    log.push(
      [
        `time="${new Date().toISOString()}" level=${level} msg="${msg.replace(/"/g, '\\"')}"`,
        ...Object.entries({ ...fields, logSource: '"pkg/restore/restore.go"', restore: `${ctx.ns}/${name}` })
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, v]) => `${k}=${v}`),
      ].join(" "),
    );
  const errors: Results = { velero: [], cluster: [], namespaces: {} };
  const warnings: Results = { velero: [], cluster: [], namespaces: {} };
  const add = (r: Results, ns: string | undefined, m: string) =>
    ns ? (r.namespaces[ns] ??= []).push(m) : r.cluster.push(m);
  const store = ctx.storeFor(bsl!);
  let items: BackupItem[];
  try {
    const tar = await store.get(`backups/${backupName}/${backupName}.tar.gz`);
    if (!tar) throw new Error(`backup tarball backups/${backupName}/${backupName}.tar.gz not found in the location`);
    items = (await parseBackupTarball(tar)).items;
  } catch (e) {
    ctx.mutate(
      "restores",
      name,
      (o) =>
        void (o.status = {
          ...o.status,
          phase: "Failed",
          failureReason: `error downloading backup: ${(e as Error).message}`,
          completionTimestamp: nowIso(),
        }),
    );
    return;
  }

  // Velero's getOrderedResourceCollection: the backup's group-resources in priority order (the rest alphabetically),
  // each resolved via the target's discovery when its turn comes; one it cannot resolve is skipped (logged, no
  // error). Then the filters, on the source namespaces, then the mapping.
  const mapping: Record<string, string> = spec.namespaceMapping ?? {};
  // Velero's namespaceIncludesExcludes.IncludeEverything(): every namespace included and none excluded.
  const wholeBackup =
    (!spec.includedNamespaces?.length ||
      (spec.includedNamespaces.length === 1 && spec.includedNamespaces[0] === "*")) &&
    !spec.excludedNamespaces?.length;
  const storageClassMap = storageClassMapping(ctx);
  type Selected = { rt: ResourceType; item: BackupItem };
  let claims: Map<string, BackupItem> | undefined;
  /** Would the restore bring this claim back (its namespace, the claims resource and its labels selected)? */
  const claimRestored = (ns: string | undefined, claimName: string | undefined) => {
    const pvcType = ctx.cluster.builtin("", "persistentvolumeclaims");
    claims ??= new Map(
      items
        .filter((i) => i.group === "" && i.resource === "persistentvolumeclaims")
        .map((i) => [`${i.namespace}/${i.name}`, i]),
    );
    const pvc = claims.get(`${ns}/${claimName}`);
    return Boolean(
      pvc &&
      ns &&
      namespaceIncluded(ns, spec.includedNamespaces, spec.excludedNamespaces) &&
      resourceIncluded(pvcType, spec.includedResources, spec.excludedResources) &&
      labelsMatch(spec, pvc.object as KObject),
    );
  };
  const select = (batch: BackupItem[]): Selected[] => {
    const byResource = new Map<string, BackupItem[]>();
    for (const item of batch) {
      const q = qualifiedName({ resource: item.resource, group: item.group });
      const list = byResource.get(q);
      if (list) list.push(item);
      else byResource.set(q, [item]);
    }
    const order = [...byResource.entries()].sort(
      ([a, [x]], [b, [y]]) => priority(a, x!.resource) - priority(b, y!.resource) || (a < b ? -1 : a > b ? 1 : 0),
    );
    const out: Selected[] = [];
    for (const [q, group] of order) {
      const rt = ctx.cluster.typeOf(group[0]!.group, group[0]!.resource);
      if (!rt) {
        say("info", "Skipping restore of resource because it cannot be resolved via discovery", { resource: q });
        continue;
      }
      if (NON_RESTORABLE.has(q) || NON_RESTORABLE.has(rt.resource)) continue;
      if (!resourceIncluded(rt, spec.includedResources, spec.excludedResources)) continue;
      for (const item of group) {
        const obj = item.object as KObject;
        if (!labelsMatch(spec, obj)) continue;
        if (rt.namespaced) {
          if (!namespaceIncluded(item.namespace!, spec.includedNamespaces, spec.excludedNamespaces)) continue;
        } else if (rt.resource === "namespaces") {
          // Never restored through the filters: a namespace is made when the first item is restored into it.
          continue;
        } else {
          // Cluster-scoped: includeClusterResources true → all; false → none; nil → only when every namespace is
          // restored and none excluded (pkg/restore/restore.go), else only as additional items: the PV of a restored
          // claim (the AddPVFromPVC action). A CRD is not one: without it its custom resources are passed over.
          if (spec.includeClusterResources === false) continue;
          if (spec.includeClusterResources !== true && !wholeBackup) {
            const claim = (obj as { spec?: { claimRef?: { namespace?: string; name?: string } } }).spec?.claimRef;
            if (rt.resource !== "persistentvolumes" || !claim || !claimRestored(claim.namespace, claim.name)) continue;
          }
        }
        out.push({ rt, item });
      }
    }
    return out;
  };

  const selected: Selected[] = [];
  let total = 0;
  let restoredCount = 0;
  const resourceList: Record<string, string[]> = {};
  // Keyed as Velero keys its restored items: the backed-up object's apiVersion and kind.
  const record = (o: KObject, rt: ResourceType, ns: string | undefined, n: string, outcome: string) =>
    (resourceList[o.apiVersion && o.kind ? `${o.apiVersion}/${o.kind}` : `${groupVersion(rt)}/${rt.kind}`] ??= []).push(
      `${ns ? `${ns}/` : ""}${n}(${outcome})`,
    );
  const policy = spec.existingResourcePolicy === "update" ? "update" : "none";
  const pvbs = ctx
    .list("podvolumebackups")
    .filter((p) => p.metadata.labels?.[LABELS.backupName] === validLabelValue(backupName!));
  const progress = () =>
    ctx.mutate(
      "restores",
      name,
      (o) => void (o.status = { ...o.status, progress: { totalItems: total, itemsRestored: restoredCount } }),
    );
  const reprovisionedClaims = new Set<string>();
  /** Pods this restore created (a PodVolumeRestore is made only for a pod it created). */
  const createdPods = new Set<string>();
  // Claims whose data comes back from a CSI snapshot, moved data or Kopia: their PVs are re-provisioned.
  const pvcsFromSnapshots = new Set(
    items
      .filter(
        (i) =>
          i.group === "" &&
          i.resource === "persistentvolumeclaims" &&
          ((i.object as KObject).metadata.annotations?.["velero.io/volume-snapshot-name"] ||
            (i.object as KObject).metadata.annotations?.["velero.io/data-upload-name"] ||
            pvbs.some((p) => p.spec?.tags?.["pvc-uid"] === (i.object as KObject).metadata.uid)),
      )
      .map((i) => `${i.namespace}/${i.name}`),
  );
  // Velero's EnsureNamespaceExistsAndIsReady: before the first item restored into a namespace, the namespace is made
  // (from its backed-up object, renamed by the mapping) unless it exists; only a namespace made is recorded.
  const nsType = ctx.cluster.builtin("", "namespaces");
  const namespaceObjects = new Map(
    items.filter((i) => i.group === "" && i.resource === "namespaces").map((i) => [i.name, i.object as KObject]),
  );
  const ensured = new Set<string>();
  const ensureNamespace = (target: string, source: string) => {
    if (ensured.has(target)) return;
    ensured.add(target);
    try {
      if (ctx.cluster.get(nsType, undefined, target)) return;
    } catch {
      // not found: made below
    }
    // Velero's getNamespace: the backed-up namespace's labels, annotations and spec under the target name; the
    // restore's own labels are not added to it.
    const backedUp = namespaceObjects.get(source);
    const obj: KObject = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: target,
        ...(backedUp?.metadata.labels ? { labels: { ...backedUp.metadata.labels } } : {}),
        ...(backedUp?.metadata.annotations ? { annotations: { ...backedUp.metadata.annotations } } : {}),
      },
      ...(backedUp?.spec ? { spec: structuredClone(backedUp.spec) } : {}),
    };
    try {
      ctx.cluster.create(nsType, undefined, obj);
      record(obj, nsType, undefined, target, "created");
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409))
        add(errors, target, `error creating namespace ${target}: ${(e as Error).message}`);
    }
  };
  /** Restores a batch in order; false when the server stopped meanwhile. */
  const restoreBatch = async (batch: Selected[]): Promise<boolean> => {
    for (const s of batch) selected.push(s);
    total += batch.length;
    progress();
    for (const { rt, item } of batch) {
      if (ctx.stopped) return false;
      if (ctx.opts.itemDelayMs || ctx.faults.slowMs) await sleep((ctx.opts.itemDelayMs ?? 0) + ctx.faults.slowMs);
      const src = structuredClone(item.object as KObject);
      const srcNs = item.namespace;
      const ns = srcNs ? (mapping[srcNs] ?? srcNs) : undefined;
      const obj = prepare(src, rt, {
        ns,
        name,
        backupName: backupName!,
        restorePVs: spec.restorePVs !== false,
        storageClassMap,
        mapping,
        restoreStatus: spec.restoreStatus,
      });
      if (ns && srcNs) ensureNamespace(ns, srcNs);
      // A PV whose claim is re-provisioned from a snapshot, moved data or FSB is not restored (the claim gets a new
      // volume); without data, one whose reclaim policy is Delete is re-provisioned too, any other restored as it was.
      if (rt.resource === "persistentvolumes") {
        const claim = src.spec?.claimRef;
        if (
          (claim && pvcsFromSnapshots.has(`${claim.namespace}/${claim.name}`)) ||
          (src.spec?.persistentVolumeReclaimPolicy ?? "Delete") === "Delete"
        ) {
          // Velero's pvsToProvision: the claim of a re-provisioned volume loses its volumeName (it gets a new one).
          if (claim) reprovisionedClaims.add(`${claim.namespace}/${claim.name}`);
          record(obj, rt, undefined, src.metadata.name!, "skipped");
          restoredCount++;
          continue;
        }
        // Restored as it was: its claim reference is reset (the claim is a new object), into the mapped namespace.
        if (claim)
          obj.spec.claimRef = {
            ...claim,
            namespace: (claim.namespace && mapping[claim.namespace]) || claim.namespace,
            uid: undefined,
            resourceVersion: undefined,
          };
      }
      // A claim keeps its volumeName unless its volume is re-provisioned (then it binds to a new one).
      if (rt.resource === "persistentvolumeclaims" && !reprovisionedClaims.has(`${srcNs}/${src.metadata.name}`)) {
        const volumeName = (item.object as KObject).spec?.volumeName;
        if (volumeName) obj.spec.volumeName = volumeName;
      }
      const targetName = obj.metadata.name!;
      // Velero writes the item at its backed-up apiVersion: a version the target does not serve for this
      // group-resource (an old CRD version, a removed beta) answers 404 and the item fails.
      const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
      const version = apiVersion ? apiVersion.slice(apiVersion.lastIndexOf("/") + 1) : item.version;
      const at = ctx.cluster.findType(rt.group, version, rt.resource);
      try {
        if (!at) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        ctx.cluster.create(at, at.namespaced ? ns : undefined, obj);
        record(obj, rt, ns, targetName, "created");
        if (rt.resource === "pods") createdPods.add(`${srcNs}/${src.metadata.name}`);
      } catch (e) {
        if (at && e instanceof ApiError && e.code === 409 && e.reason === "AlreadyExists") {
          if (policy === "update" || rt.resource === "serviceaccounts") {
            try {
              const live = ctx.cluster.get(at, at.namespaced ? ns : undefined, targetName);
              ctx.cluster.update(at, at.namespaced ? ns : undefined, targetName, {
                ...obj,
                metadata: {
                  ...live.metadata,
                  labels: { ...(live.metadata.labels ?? {}), ...(obj.metadata.labels ?? {}) },
                  annotations: { ...(live.metadata.annotations ?? {}), ...(obj.metadata.annotations ?? {}) },
                },
                ...(at.status ? { status: live.status } : {}),
              });
              record(obj, rt, ns, targetName, "updated");
            } catch (u) {
              add(
                warnings,
                ns,
                `could not restore, ${rt.kind} "${targetName}" already exists. Warning: the in-cluster version is different than the backed-up version: ${(u as Error).message}`,
              );
              record(obj, rt, ns, targetName, "skipped");
            }
          } else {
            add(
              warnings,
              ns,
              `could not restore, ${rt.kind} "${targetName}" already exists. Warning: the in-cluster version is different than the backed-up version`,
            );
            record(obj, rt, ns, targetName, "skipped");
          }
        } else {
          const msg = `error restoring ${qualifiedName(rt)}/${ns ? `${ns}/` : ""}${targetName}: ${(e as Error).message}`;
          add(errors, ns, msg);
          say("error", msg);
          record(obj, rt, ns, targetName, "failed");
        }
      }
      restoredCount++;
      progress();
    }
    return true;
  };

  // CustomResourceDefinitions first; then everything else, resolved after them (Velero refreshes discovery when the
  // first pass created or updated a CRD), so custom resources whose CRD this restore brings are restored too.
  const isCrd = (i: BackupItem) => i.group === "apiextensions.k8s.io" && i.resource === "customresourcedefinitions";
  if (!(await restoreBatch(select(items.filter(isCrd))))) return;
  if (!(await restoreBatch(select(items.filter((i) => !isCrd(i)))))) return;

  // Volume data: PodVolumeRestores for FSB'd pods, DataDownloads for moved CSI data.
  const restoreObj = ctx.get("restores", name)!;
  const volumeInfos: unknown[] = [];
  // Pod volumes come back whenever the restore includes claims and volumes, whatever restorePVs says ("Do not create
  // podvolumerestore when current restore excludes pv/pvc", pkg/restore/restore.go).
  const podVolumes =
    resourceIncluded(
      ctx.cluster.builtin("", "persistentvolumeclaims"),
      spec.includedResources,
      spec.excludedResources,
    ) && resourceIncluded(ctx.cluster.builtin("", "persistentvolumes"), spec.includedResources, spec.excludedResources);
  if (podVolumes) {
    for (const pvb of pvbs.filter((p) => p.status?.phase === "Completed")) {
      const srcNs = pvb.spec?.pod?.namespace;
      if (!createdPods.has(`${srcNs}/${pvb.spec?.pod?.name}`)) continue;
      const ns = mapping[srcNs] ?? srcNs;
      const pvr = ctx.create("podvolumerestores", {
        apiVersion: "velero.io/v1",
        kind: "PodVolumeRestore",
        metadata: {
          generateName: `${name}-`,
          labels: { [LABELS.restoreName]: validLabelValue(name), [LABELS.restoreUid]: restoreObj.metadata.uid! },
          ownerReferences: [
            { apiVersion: "velero.io/v1", kind: "Restore", name, uid: restoreObj.metadata.uid!, controller: true },
          ],
        },
        spec: {
          pod: { kind: "Pod", namespace: ns, name: pvb.spec.pod.name },
          volume: pvb.spec.volume,
          backupStorageLocation: bsl!.metadata.name,
          repoIdentifier: "",
          uploaderType: "kopia",
          snapshotID: pvb.status?.snapshotID,
          sourceNamespace: srcNs,
        },
      });
      await sleep(ctx.opts.volumeDelayMs ?? 50);
      const bytes = pvb.status?.progress?.totalBytes ?? 0;
      ctx.mutate(
        "podvolumerestores",
        pvr.metadata.name!,
        (o) =>
          void (o.status = {
            phase: "Completed",
            startTimestamp: nowIso(),
            completionTimestamp: nowIso(),
            progress: { totalBytes: bytes, bytesDone: bytes },
          }),
      );
      volumeInfos.push({
        pvcName: "",
        pvcNamespace: ns,
        restoreMethod: "PodVolumeRestore",
        snapshotDataMoved: false,
        pvrInfo: {
          snapshotHandle: pvb.status?.snapshotID,
          uploaderType: "kopia",
          volumeName: pvb.spec.volume,
          podName: pvb.spec.pod.name,
          podNamespace: ns,
        },
      });
    }
  }

  // As Velero does, the logs and results are in the bucket before the phase says the restore has finished.
  const errCount = count(errors);
  say("info", `restore completed`);
  const dir = `restores/${name}/`;
  let uploadError: string | null = null;
  try {
    await store.put(`${dir}restore-${name}-logs.gz`, gzipText(log.join("\n") + "\n"));
    await store.put(`${dir}restore-${name}-results.gz`, gzipJson({ errors, warnings }));
    await store.put(`${dir}restore-${name}-resource-list.json.gz`, gzipJson(resourceList));
    await store.put(`${dir}${name}-volumeinfo.json.gz`, gzipJson(volumeInfos));
  } catch (e) {
    uploadError = `error uploading restore results: ${(e as Error).message}`;
  }
  ctx.mutate("restores", name, (o) => {
    o.status = {
      ...o.status,
      phase: errCount || uploadError ? "PartiallyFailed" : "Completed",
      completionTimestamp: nowIso(),
      progress: { totalItems: total, itemsRestored: restoredCount },
    };
    if (uploadError) o.status.failureReason = uploadError;
    if (errCount) o.status.errors = errCount;
    if (count(warnings)) o.status.warnings = count(warnings);
  });
}

function count(r: Results) {
  return r.velero.length + r.cluster.length + Object.values(r.namespaces).reduce((n, l) => n + l.length, 0);
}

/** The change-storage-class plugin's ConfigMap in the velero namespace: data maps old class → new class. */
function storageClassMapping(ctx: VeleroContext): Record<string, string> {
  const cms = ctx.cluster.list(ctx.cluster.builtin("", "configmaps"), ctx.ns, {
    labelSelector: "velero.io/plugin-config,velero.io/change-storage-class=RestoreItemAction",
  }).items;
  return Object.assign({}, ...cms.map((c) => c.data ?? {}));
}

/** Velero's reset of an item for restore (metadata, status, restore labels) plus the item actions we model. */
function prepare(
  o: KObject,
  rt: ResourceType,
  c: {
    ns?: string;
    name: string;
    backupName: string;
    restorePVs: boolean;
    storageClassMap: Record<string, string>;
    mapping: Record<string, string>;
    restoreStatus?: { includedResources?: string[]; excludedResources?: string[] };
  },
): KObject {
  const md = o.metadata;
  for (const k of [
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "ownerReferences",
  ])
    delete md[k];
  if (c.ns) md.namespace = c.ns;
  md.labels = {
    ...(md.labels ?? {}),
    [LABELS.backupName]: validLabelValue(c.backupName),
    [LABELS.restoreName]: validLabelValue(c.name),
  };
  const keepStatus =
    c.restoreStatus?.includedResources?.some((r) => r === "*" || r === rt.resource || r === qualifiedName(rt)) &&
    !c.restoreStatus?.excludedResources?.some((r) => r === rt.resource || r === qualifiedName(rt));
  if (!keepStatus && md.annotations?.["velero.io/restore-status"] !== "true") delete o.status;
  const sc = (name: string | undefined) => (name && c.storageClassMap[name]) || name;
  switch (qualifiedName(rt)) {
    case "persistentvolumeclaims":
      delete o.spec?.volumeName;
      for (const a of [
        "pv.kubernetes.io/bind-completed",
        "pv.kubernetes.io/bound-by-controller",
        "volume.kubernetes.io/selected-node",
        "velero.io/volume-snapshot-name",
        "backup.velero.io/must-include-additional-items",
        "backup.velero.io/skipped-no-csi-pv",
      ])
        delete md.annotations?.[a];
      if (o.spec?.storageClassName) o.spec.storageClassName = sc(o.spec.storageClassName);
      break;
    case "persistentvolumes":
      if (o.spec?.storageClassName) o.spec.storageClassName = sc(o.spec.storageClassName);
      break;
    case "statefulsets.apps":
      for (const t of o.spec?.volumeClaimTemplates ?? [])
        if (t.spec?.storageClassName) t.spec.storageClassName = sc(t.spec.storageClassName);
      break;
    case "services":
      if (o.spec?.clusterIP && o.spec.clusterIP !== "None") {
        delete o.spec.clusterIP;
        delete o.spec.clusterIPs;
      }
      for (const p of o.spec?.ports ?? []) delete p.nodePort;
      break;
    case "pods":
      delete o.spec?.nodeName;
      break;
  }
  return o;
}
