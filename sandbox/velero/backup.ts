import crypto from "node:crypto";
import type { KObject, ResourceType } from "../kube-api/types";
import { groupVersion } from "../kube-api/types";
import { VIRTUAL } from "../kube-api/builtins";
import { buildBackupTarball, gzipJson, gzipText, type BackupItem } from "./archive";
import { LABELS, nowIso, parseGoDuration, sleep, validLabelValue, type VeleroContext } from "./context";
import { namespaceIncluded, labelsMatch, qualifiedName, resourceIncluded, globMatch } from "./filters";
import { resolveLocationName, validateLocation } from "./bsl";
import { fsbBlocker, picksFsb, podNotRunning, quantityBytes, simulatedUsage, type VolumeSettings } from "./volumes";
import type { ObjectStore } from "../storage/object-store";

// Runs one Backup the way Velero 1.18 does (velero-api.md §2.1, §4, §8, §9): validation, spec defaults, item
// collection with the filters, volume decisions (FSB → PodVolumeBackups, CSI → VolumeSnapshots, data movement →
// DataUploads), progress, and the upload of every file of the backup's folder in the bucket.
type Results = { velero: string[]; cluster: string[]; namespaces: Record<string, string[]> };
const emptyResults = (): Results => ({ velero: [], cluster: [], namespaces: {} });
const NEVER_BACKED_UP = new Set([
  "events",
  "events.events.k8s.io",
  "backups.velero.io",
  "restores.velero.io",
  "deletebackuprequests.velero.io",
  "downloadrequests.velero.io",
  "serverstatusrequests.velero.io",
]);

export class BackupLog {
  private lines: string[] = [];
  constructor(private readonly backup: string) {}
  info(msg: string, src = "pkg/backup/backup.go") {
    this.lines.push(
      `time="${new Date().toISOString()}" level=info msg="${msg.replace(/"/g, '\\"')}" backup=${this.backup} logSource="${src}"`,
    );
  }
  warn(msg: string, src = "pkg/backup/backup.go") {
    this.lines.push(
      `time="${new Date().toISOString()}" level=warning msg="${msg.replace(/"/g, '\\"')}" backup=${this.backup} logSource="${src}"`,
    );
  }
  error(msg: string, src = "pkg/backup/item_backupper.go") {
    this.lines.push(
      `time="${new Date().toISOString()}" level=error msg="${msg.replace(/"/g, '\\"')}" backup=${this.backup} logSource="${src}"`,
    );
  }
  text() {
    return this.lines.join("\n") + "\n";
  }
}

function validationErrors(spec: any): string[] {
  const errs: string[] = [];
  const oldF =
    spec.includedResources?.length || spec.excludedResources?.length || spec.includeClusterResources !== undefined;
  const newF = [
    "includedClusterScopedResources",
    "excludedClusterScopedResources",
    "includedNamespaceScopedResources",
    "excludedNamespaceScopedResources",
  ].some((k) => spec[k]?.length);
  if (oldF && newF)
    errs.push(
      "include-resources, exclude-resources and include-cluster-resources are old filter parameters.\ninclude-cluster-scoped-resources, exclude-cluster-scoped-resources, include-namespace-scoped-resources and exclude-namespace-scoped-resources are new filter parameters.\nThey cannot be used together",
    );
  if (spec.labelSelector && spec.orLabelSelectors?.length)
    errs.push("encountered labelSelector as well as orLabelSelectors in backup spec, only one can be specified");
  for (const k of ["includedResources", "excludedResources"])
    for (const r of spec[k] ?? [])
      if (r === "*" && k === "excludedResources") errs.push(`excludes list cannot contain '*'`);
  for (const k of ["ttl", "csiSnapshotTimeout", "itemOperationTimeout"]) {
    if (spec[k] === undefined) continue;
    try {
      parseGoDuration(spec[k]);
    } catch (e) {
      errs.push(`invalid ${k}: ${(e as Error).message}`);
    }
  }
  return errs;
}

function matchesFault(patterns: string[], rt: ResourceType, o: KObject): boolean {
  const key = o.metadata.namespace
    ? `${qualifiedName(rt)}/${o.metadata.namespace}/${o.metadata.name}`
    : `${qualifiedName(rt)}/${o.metadata.name}`;
  return patterns.some((p) => globMatch(p, key));
}

export async function runBackup(ctx: VeleroContext, name: string): Promise<void> {
  const log = new BackupLog(`${ctx.ns}/${name}`);
  let backup = ctx.get("backups", name);
  if (!backup) return;
  const spec = { ...(backup.spec ?? {}) };

  // Validation and the location.
  const errs = validationErrors(spec);
  const locName = resolveLocationName(ctx, spec.storageLocation);
  let bsl = ctx.get("backupstoragelocations", locName);
  if (!bsl)
    errs.push(
      `an existing backup storage location was not specified at backup creation time and the default '${locName}' was not found. Please address this issue (see \`velero backup-location -h\` for options) and create a new backup. Error: backupstoragelocations.velero.io "${locName}" not found`,
    );
  else {
    if (bsl.status?.phase !== "Available") await validateLocation(ctx, bsl);
    bsl = ctx.get("backupstoragelocations", locName)!;
    if (bsl.spec?.accessMode === "ReadOnly")
      errs.push(`backup can't be created because backup storage location ${locName} is currently in read-only mode`);
    else if (bsl.status?.phase !== "Available")
      errs.push(
        `backup can't be created because BackupStorageLocation ${locName} is in Unavailable status. please create a new backup after the BSL becomes available`,
      );
  }
  if (errs.length) {
    ctx.mutate("backups", name, (o) => {
      o.status = {
        ...(o.status ?? {}),
        phase: "FailedValidation",
        validationErrors: errs,
        completionTimestamp: nowIso(),
      };
      delete o.status.queuePosition;
    });
    return;
  }

  // Defaults written into the spec, as prepareBackupRequest does.
  const ttlMs = spec.ttl ? parseGoDuration(spec.ttl) : 720 * 3_600_000;
  const labelledExcluded = ctx.cluster
    .list(ctx.cluster.builtin("", "namespaces"), undefined)
    .items.filter((n) => n.metadata.labels?.[LABELS.excludeFromBackup] === "true")
    .map((n) => n.metadata.name!);
  spec.ttl ??= "720h0m0s";
  spec.csiSnapshotTimeout ??= "10m0s";
  spec.itemOperationTimeout ??= "4h0m0s";
  spec.storageLocation = locName;
  spec.defaultVolumesToFsBackup ??= ctx.opts.defaultVolumesToFsBackup ?? false;
  spec.snapshotMoveData ??= ctx.opts.defaultSnapshotMoveData ?? false;
  spec.volumeGroupSnapshotLabelKey ??= "velero.io/volume-group";
  if (!spec.includedNamespaces?.length) spec.includedNamespaces = ["*"];
  spec.excludedNamespaces = [...new Set([...(spec.excludedNamespaces ?? []), ...labelledExcluded])];
  if (!spec.excludedNamespaces.length) delete spec.excludedNamespaces;
  const started = new Date();
  const [major, minor] = ctx.cluster.version.replace(/^v/, "").split(".");
  backup = ctx.mutate("backups", name, (o) => {
    o.spec = spec;
    o.metadata.labels = { ...(o.metadata.labels ?? {}), [LABELS.storageLocation]: validLabelValue(locName) };
    o.metadata.annotations = {
      ...(o.metadata.annotations ?? {}),
      "velero.io/source-cluster-k8s-gitversion": ctx.cluster.version,
      "velero.io/source-cluster-k8s-major-version": major,
      "velero.io/source-cluster-k8s-minor-version": minor,
      "velero.io/resource-timeout": "10m0s",
    };
    o.status = {
      ...(o.status ?? {}),
      phase: "InProgress",
      startTimestamp: nowIso(),
      expiration: new Date(started.getTime() + ttlMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
      version: 1,
      formatVersion: "1.1.0",
      progress: {},
    };
    delete o.status.queuePosition;
  });
  if (!backup) return;
  const uid = backup.metadata.uid!;
  log.info(`Setting up backup temp file`);
  log.info(`Including namespaces: ${spec.includedNamespaces.join(", ")}`);
  log.info(`Excluding namespaces: ${(spec.excludedNamespaces ?? []).join(", ") || "<none>"}`);

  let store: ObjectStore;
  try {
    store = ctx.storeFor(bsl!);
    if (await store.exists(`backups/${name}/velero-backup.json`)) {
      ctx.mutate(
        "backups",
        name,
        (o) =>
          void (o.status = {
            ...o.status,
            phase: "Failed",
            failureReason: "backup already exists in object storage",
            completionTimestamp: nowIso(),
          }),
      );
      return;
    }
  } catch (e) {
    ctx.mutate(
      "backups",
      name,
      (o) =>
        void (o.status = {
          ...o.status,
          phase: "Failed",
          failureReason: `error checking if backup already exists in object storage: ${(e as Error).message}`,
          completionTimestamp: nowIso(),
        }),
    );
    return;
  }

  // Collect the items.
  const errors = emptyResults();
  const warnings = emptyResults();
  const addResult = (r: Results, ns: string | undefined, msg: string) =>
    ns ? (r.namespaces[ns] ??= []).push(msg) : r.cluster.push(msg);
  const nsType = ctx.cluster.builtin("", "namespaces");
  const allNamespaces = ctx.cluster
    .list(nsType, undefined)
    .items.filter((n) => !n.metadata.deletionTimestamp)
    .map((n) => n.metadata.name!);
  const namespaces = allNamespaces.filter((n) =>
    namespaceIncluded(n, spec.includedNamespaces, spec.excludedNamespaces),
  );
  const wholeCluster =
    spec.includedNamespaces.length === 1 && spec.includedNamespaces[0] === "*" && !spec.excludedNamespaces?.length;
  const newFilters = [
    "includedClusterScopedResources",
    "excludedClusterScopedResources",
    "includedNamespaceScopedResources",
    "excludedNamespaceScopedResources",
  ].some((k) => spec[k]?.length);
  const includeCluster: boolean | null = newFilters ? null : (spec.includeClusterResources ?? null);
  const nsResourceIncluded = (rt: ResourceType) =>
    newFilters
      ? resourceIncluded(rt, spec.includedNamespaceScopedResources, spec.excludedNamespaceScopedResources)
      : resourceIncluded(rt, spec.includedResources, spec.excludedResources);
  const clusterResourceIncluded = (rt: ResourceType) => {
    if (newFilters)
      return (
        Boolean(spec.includedClusterScopedResources?.length) &&
        resourceIncluded(rt, spec.includedClusterScopedResources, spec.excludedClusterScopedResources)
      );
    if (includeCluster === false) return false;
    if (!resourceIncluded(rt, spec.includedResources, spec.excludedResources)) return false;
    return includeCluster === true || wholeCluster;
  };
  const types = ctx.cluster
    .allTypes()
    .filter(
      (t) => !VIRTUAL.has(t.resource) && !NEVER_BACKED_UP.has(qualifiedName(t)) && (t.builtIn || t.storage !== false),
    );
  const picked: { rt: ResourceType; o: KObject }[] = [];
  const excludedByLabel = (o: KObject) => o.metadata.labels?.[LABELS.excludeFromBackup] === "true";
  for (const rt of types) {
    if (rt.namespaced) {
      if (!nsResourceIncluded(rt)) continue;
      for (const ns of namespaces)
        for (const o of ctx.cluster.list(rt, ns).items)
          if (labelsMatch(spec, o) && !excludedByLabel(o) && !o.metadata.deletionTimestamp) picked.push({ rt, o });
    } else if (rt.resource !== "namespaces" && clusterResourceIncluded(rt)) {
      for (const o of ctx.cluster.list(rt, undefined).items)
        if (labelsMatch(spec, o) && !excludedByLabel(o)) picked.push({ rt, o });
    }
  }
  // Namespace objects of the namespaces that hold backed-up items (or every included one without a label selector).
  const usedNs = new Set(picked.filter((p) => p.o.metadata.namespace).map((p) => p.o.metadata.namespace!));
  const nsObjects = namespaces
    .filter((n) => usedNs.has(n) || (!spec.labelSelector && !spec.orLabelSelectors?.length))
    .map((n) => ctx.cluster.get(nsType, undefined, n));
  picked.unshift(...nsObjects.filter((o) => !excludedByLabel(o)).map((o) => ({ rt: nsType, o })));

  // Additional items: PVs of included PVCs (unless cluster resources are explicitly off), CRDs of included CRs.
  const pvType = ctx.cluster.builtin("", "persistentvolumes");
  const pvcType = ctx.cluster.builtin("", "persistentvolumeclaims");
  const have = new Set(
    picked.map((p) => `${qualifiedName(p.rt)}/${p.o.metadata.namespace ?? ""}/${p.o.metadata.name}`),
  );
  const addExtra = (rt: ResourceType, o: KObject) => {
    const k = `${qualifiedName(rt)}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    if (!have.has(k)) {
      have.add(k);
      picked.push({ rt, o });
    }
  };
  const pvcsIncluded = picked.filter((p) => p.rt === pvcType).map((p) => p.o);
  if (includeCluster !== false) {
    for (const pvc of pvcsIncluded) {
      const pv = pvc.spec?.volumeName && ctx.cluster.store.get(pvType, undefined, pvc.spec.volumeName);
      if (pv) addExtra(pvType, ctx.cluster.present(pvType, pv));
    }
    const crdType = ctx.cluster.builtin("apiextensions.k8s.io", "customresourcedefinitions");
    for (const g of new Set(picked.filter((p) => !p.rt.builtIn).map((p) => `${p.rt.resource}.${p.rt.group}`))) {
      const crd = ctx.cluster.store.get(crdType, undefined, g);
      if (crd) addExtra(crdType, ctx.cluster.present(crdType, crd));
    }
  }

  // Volumes.
  const settings: VolumeSettings = {
    defaultVolumesToFsBackup: Boolean(spec.defaultVolumesToFsBackup),
    snapshotVolumes: spec.snapshotVolumes !== false,
    snapshotMoveData: Boolean(spec.snapshotMoveData),
    csi: ctx.opts.csi,
    nodeAgent: ctx.opts.nodeAgent,
    nodeAgentNodes: nodeAgentNodes(ctx),
    pvcsExcluded: !nsResourceIncluded(pvcType),
  };
  const volumeInfos: any[] = [];
  const pvbs: KObject[] = [];
  const dataUploads: KObject[] = [];
  const csiExtras: { rt: ResourceType; o: KObject }[] = [];
  const pvcAnnotations = new Map<string, Record<string, string>>();
  const fsbPvcs = new Set<string>();
  const failedPods = new Set<string>();
  const pods = picked.filter((p) => p.rt.resource === "pods" && p.rt.group === "").map((p) => p.o);
  const allPods = ctx.cluster.list(ctx.cluster.builtin("", "pods"), undefined).items;
  for (const pod of allPods)
    for (const v of pod.spec?.volumes ?? [])
      if (v.persistentVolumeClaim && picksFsb(pod, v, settings))
        fsbPvcs.add(`${pod.metadata.namespace}/${v.persistentVolumeClaim.claimName}`);

  for (const pod of pods) {
    for (const v of pod.spec?.volumes ?? []) {
      if (!picksFsb(pod, v, settings)) continue;
      const pvc = v.persistentVolumeClaim
        ? ctx.cluster.store.get(pvcType, pod.metadata.namespace, v.persistentVolumeClaim.claimName)
        : undefined;
      const pv = pvc?.spec?.volumeName ? ctx.cluster.store.get(pvType, undefined, pvc.spec.volumeName) : undefined;
      const blocker = fsbBlocker(pod, v, settings, pv);
      const pvInfo = pv
        ? { pvInfo: { reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy, labels: pv.metadata.labels ?? {} } }
        : {};
      const base = {
        pvcName: pvc?.metadata.name ?? "",
        pvcNamespace: pvc ? pod.metadata.namespace : "",
        pvName: pv?.metadata.name ?? "",
        backupMethod: "PodVolumeBackup",
        snapshotDataMoved: false,
        preserveLocalSnapshot: false,
      };
      if (blocker) {
        log.warn(blocker.warning, "pkg/podvolume/backupper.go");
        addResult(warnings, pod.metadata.namespace, blocker.warning);
        // The pod item fails once (not once per volume) when its node has no node-agent.
        if (blocker.error && !failedPods.has(pod.metadata.uid!)) {
          failedPods.add(pod.metadata.uid!);
          const msg = `error backing up item: pods ${pod.metadata.namespace}/${pod.metadata.name}: ${blocker.error}`;
          log.error(msg);
          addResult(errors, pod.metadata.namespace, msg);
        }
        volumeInfos.push({ ...base, skipped: true, skippedReason: blocker.skippedReason, ...pvInfo });
        continue;
      }
      const capacity = quantityBytes(pvc?.spec?.resources?.requests?.storage ?? v.emptyDir?.sizeLimit, 256 * 2 ** 20);
      const size = simulatedUsage(`${pod.metadata.uid}/${v.name}`, capacity);
      const pvb = ctx.create("podvolumebackups", {
        apiVersion: "velero.io/v1",
        kind: "PodVolumeBackup",
        metadata: {
          generateName: `${name}-`,
          labels: {
            [LABELS.backupName]: validLabelValue(name),
            [LABELS.backupUid]: uid,
            ...(pvc ? { [LABELS.pvcUid]: pvc.metadata.uid! } : {}),
          },
          ownerReferences: [{ apiVersion: "velero.io/v1", kind: "Backup", name, uid, controller: true }],
        },
        spec: {
          node: pod.spec.nodeName,
          pod: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
          volume: v.name,
          backupStorageLocation: locName,
          repoIdentifier: "",
          uploaderType: "kopia",
          tags: {
            backup: name,
            "backup-uid": uid,
            ns: pod.metadata.namespace,
            pod: pod.metadata.name,
            "pod-uid": pod.metadata.uid,
            volume: v.name,
            ...(pvc ? { "pvc-uid": pvc.metadata.uid } : {}),
          },
        },
      });
      pvbs.push(pvb);
      volumeInfos.push({
        ...base,
        skipped: false,
        pvbInfo: {
          snapshotHandle: "",
          size,
          uploaderType: "kopia",
          volumeName: v.name,
          podName: pod.metadata.name,
          podNamespace: pod.metadata.namespace,
          nodeName: pod.spec.nodeName,
        },
        _pvb: pvb.metadata.name,
        ...(pv
          ? { pvInfo: { reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy, labels: pv.metadata.labels ?? {} } }
          : {}),
      });
    }
  }

  const vscType = ctx.cluster.findType("snapshot.storage.k8s.io", "v1", "volumesnapshotclasses")!;
  const vsType = ctx.cluster.findType("snapshot.storage.k8s.io", "v1", "volumesnapshots")!;
  const vscontentType = ctx.cluster.findType("snapshot.storage.k8s.io", "v1", "volumesnapshotcontents")!;
  const scType = ctx.cluster.builtin("storage.k8s.io", "storageclasses");
  for (const pvc of pvcsIncluded) {
    const key = `${pvc.metadata.namespace}/${pvc.metadata.name}`;
    const fsb = fsbPvcs.has(key);
    const pv = pvc.spec?.volumeName ? ctx.cluster.store.get(pvType, undefined, pvc.spec.volumeName) : undefined;
    const base = {
      pvcName: pvc.metadata.name,
      pvcNamespace: pvc.metadata.namespace,
      pvName: pv?.metadata.name ?? "",
      snapshotDataMoved: false,
      preserveLocalSnapshot: false,
      ...(pv
        ? { pvInfo: { reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy, labels: pv.metadata.labels ?? {} } }
        : {}),
    };
    const actionFailed = (msg: string) =>
      addResult(
        errors,
        pvc.metadata.namespace,
        `error executing custom action (groupResource=persistentvolumeclaims, namespace=${pvc.metadata.namespace}, name=${pvc.metadata.name}): rpc error: code = Unknown desc = ${msg}`,
      );
    // The CSI PVC action (velero.io/csi-pvc-backupper, EnableCSI only) validates the claim before it asks whether to
    // snapshot: a claim without a storage class, or without a bound volume, fails the item even when FSB or
    // snapshotVolumes=false would have left it alone (pkg/backup/actions/csi/pvc_action.go validatePVCAndPV).
    if (settings.csi) {
      if (pvc.spec?.storageClassName === undefined || pvc.spec?.storageClassName === null) {
        actionFailed(`Cannot snapshot PVC ${key}, PVC has no storage class.`);
        continue;
      }
      if (!pvc.spec?.volumeName) {
        actionFailed(`PVC ${key} has no volume backing this claim`);
        continue;
      }
      if (pvc.status?.phase !== "Bound") {
        actionFailed(`PVC ${key} is in phase ${pvc.status?.phase ?? "Pending"} and is not bound to a volume`);
        continue;
      }
      if (!pv) {
        const pvName = pvc.spec.volumeName;
        actionFailed(`failed to get PV ${pvName} for PVC ${key}: persistentvolumes "${pvName}" not found`);
        continue;
      }
      if (!pv.spec?.csi) pvcAnnotations.set(key, { "backup.velero.io/skipped-no-csi-pv": "true" });
    }
    if (fsb) continue; // mutual exclusion: FSB wins
    if (!settings.snapshotVolumes) {
      volumeInfos.push({
        ...base,
        backupMethod: "",
        skipped: true,
        skippedReason: "Volume snapshots are disabled for the backup (snapshotVolumes=false)",
      });
      continue;
    }
    if (!pv) continue; // no volume: nothing for a snapshotter to take
    if (settings.csi && pv.spec?.csi) {
      const className: string = pvc.spec.storageClassName;
      const sc = className ? ctx.cluster.store.get(scType, undefined, className) : undefined;
      if (!sc) {
        actionFailed(
          "error getting storage class: " +
            (className ? `storageclasses.storage.k8s.io "${className}" not found` : "resource name may not be empty"),
        );
        continue;
      }
      // The VolumeSnapshotClass is chosen for the StorageClass's provisioner (pkg/util/csi/volume_snapshot.go).
      const driver: string = sc.provisioner;
      const classes = ctx.cluster.list(vscType, undefined).items.filter((c) => c.driver === driver);
      const vsc =
        classes.find((c) => pvc.metadata.annotations?.["velero.io/csi-volumesnapshot-class"] === c.metadata.name) ??
        classes.find(
          (c) =>
            backup!.metadata.annotations?.[`velero.io/csi-volumesnapshot-class_${driver.toLowerCase()}`] ===
            c.metadata.name,
        ) ??
        classes.find((c) => c.metadata.labels?.["velero.io/csi-volumesnapshot-class"] !== undefined) ??
        classes.find(
          (c) => c.metadata.annotations?.["snapshot.storage.kubernetes.io/is-default-class"] !== undefined,
        ) ??
        (classes.length === 1 ? classes[0] : undefined);
      if (!vsc) {
        actionFailed(
          `failed to get VolumeSnapshotClass for StorageClass ${sc.metadata.name}: error getting VolumeSnapshotClass: ` +
            `failed to get VolumeSnapshotClass for provisioner ${driver}: ensure that the desired VolumeSnapshotClass ` +
            `has the velero.io/csi-volumesnapshot-class label or snapshot.storage.kubernetes.io/is-default-class ` +
            `annotation, and that its driver matches the StorageClass provisioner`,
        );
        continue;
      }
      const restoreSize = pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage ?? "1Gi";
      const vsName = `velero-${pvc.metadata.name}-${crypto.randomBytes(3).toString("hex").slice(0, 5)}`;
      const vs = ctx.cluster.create(vsType, pvc.metadata.namespace, {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshot",
        metadata: { name: vsName, labels: { [LABELS.backupName]: validLabelValue(name), [LABELS.backupUid]: uid } },
        spec: { volumeSnapshotClassName: vsc.metadata.name, source: { persistentVolumeClaimName: pvc.metadata.name } },
      });
      const handle = `snap-${crypto.randomBytes(8).toString("hex")}`;
      const content = ctx.cluster.create(vscontentType, undefined, {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshotContent",
        metadata: { name: `snapcontent-${vs.metadata.uid}`, labels: { [LABELS.backupName]: validLabelValue(name) } },
        spec: {
          driver,
          deletionPolicy: vsc.deletionPolicy ?? "Delete",
          source: { volumeHandle: pv.spec.csi.volumeHandle },
          volumeSnapshotClassName: vsc.metadata.name,
          volumeSnapshotRef: {
            apiVersion: "snapshot.storage.k8s.io/v1",
            kind: "VolumeSnapshot",
            name: vsName,
            namespace: pvc.metadata.namespace,
            uid: vs.metadata.uid,
          },
        },
      });
      const readyVs = ctx.cluster.update(
        vsType,
        pvc.metadata.namespace,
        vsName,
        {
          ...vs,
          status: {
            boundVolumeSnapshotContentName: content.metadata.name,
            creationTime: nowIso(),
            readyToUse: true,
            restoreSize,
          },
        },
        { subresource: "status" },
      );
      const readyContent = ctx.cluster.update(
        vscontentType,
        undefined,
        content.metadata.name!,
        {
          ...content,
          status: {
            snapshotHandle: handle,
            creationTime: Date.now() * 1e6,
            readyToUse: true,
            restoreSize: quantityBytes(restoreSize, 2 ** 30),
          },
        },
        { subresource: "status" },
      );
      pvcAnnotations.set(key, {
        "velero.io/volume-snapshot-name": vsName,
        "backup.velero.io/must-include-additional-items": "true",
      });
      const size = quantityBytes(restoreSize, 2 ** 30);
      const csiSnapshotInfo = {
        snapshotHandle: handle,
        size,
        driver,
        vscName: readyContent.metadata.name,
        operationID: "",
      };
      if (settings.snapshotMoveData && settings.nodeAgent) {
        const du = ctx.create(
          "datauploads",
          {
            apiVersion: "velero.io/v2alpha1",
            kind: "DataUpload",
            metadata: {
              generateName: `${name}-`,
              labels: {
                [LABELS.backupName]: validLabelValue(name),
                [LABELS.backupUid]: uid,
                [LABELS.pvcUid]: pvc.metadata.uid!,
                "velero.io/async-operation-id": `du-${uid}.${pvc.metadata.uid}`,
              },
              ownerReferences: [{ apiVersion: "velero.io/v1", kind: "Backup", name, uid, controller: true }],
            },
            spec: {
              snapshotType: "CSI",
              csiSnapshot: {
                volumeSnapshot: vsName,
                storageClass: pvc.spec.storageClassName,
                snapshotClass: vsc.metadata.name,
                driver,
              },
              sourcePVC: pvc.metadata.name,
              sourceNamespace: pvc.metadata.namespace,
              datamover: "velero",
              backupStorageLocation: locName,
              operationTimeout: spec.csiSnapshotTimeout,
            },
          },
          "v2alpha1",
        );
        dataUploads.push(du);
        volumeInfos.push({
          ...base,
          backupMethod: "CSISnapshot",
          snapshotDataMoved: true,
          skipped: false,
          csiSnapshotInfo: { ...csiSnapshotInfo, operationID: `du-${uid}.${pvc.metadata.uid}` },
          snapshotDataMovementInfo: {
            dataMover: "velero",
            uploaderType: "kopia",
            retainedSnapshot: vsName,
            snapshotHandle: "",
            operationID: `du-${uid}.${pvc.metadata.uid}`,
            size: simulatedUsage(`${pvc.metadata.uid}`, size),
            incrementalSize: 0,
          },
          _du: du.metadata.name,
          _vs: vsName,
          _vsNs: pvc.metadata.namespace,
          _content: readyContent.metadata.name,
        });
      } else {
        if (settings.snapshotMoveData)
          addResult(
            warnings,
            pvc.metadata.namespace,
            `snapshot data movement for ${key} needs the node-agent: the snapshot stays local`,
          );
        csiExtras.push({ rt: vsType, o: readyVs }, { rt: vscontentType, o: readyContent });
        volumeInfos.push({ ...base, backupMethod: "CSISnapshot", skipped: false, csiSnapshotInfo });
      }
      continue;
    }
    // Native path: the sandbox has no VolumeSnapshotter plugin, so nothing can snapshot this volume.
    volumeInfos.push({
      ...base,
      backupMethod: "",
      skipped: true,
      skippedReason: "no applicable volumesnapshotter found",
    });
    log.info(
      `Persistent volume ${pv.metadata.name} is not a CSI volume or CSI is off, and no applicable volumesnapshotter found; skipping snapshot`,
      "pkg/backup/item_backupper.go",
    );
  }

  // Walk the items (progress, faults), then the volume operations.
  const total = picked.length + csiExtras.length;
  const items: BackupItem[] = [];
  const resourceList: Record<string, string[]> = {};
  const delay = (ctx.opts.itemDelayMs ?? 0) + ctx.faults.slowMs;
  const crashAt = ctx.faults.crashAfterItems;
  if (crashAt !== null) ctx.faults.crashAfterItems = null;
  let done = 0;
  let lastProgress = 0;
  const progress = (force = false) => {
    if (!force && Date.now() - lastProgress < 250) return;
    lastProgress = Date.now();
    ctx.mutate(
      "backups",
      name,
      (o) => void (o.status = { ...o.status, progress: { totalItems: total, itemsBackedUp: done } }),
    );
  };
  progress(true);
  for (const { rt, o } of [...picked, ...csiExtras]) {
    if (ctx.stopped) return;
    if (crashAt !== null && done >= crashAt) {
      log.error(`the server stopped while backing up (crash fault)`);
      ctx.crashed = true;
      return; // as if the process died: the Backup stays InProgress
    }
    if (delay) await sleep(delay);
    const ns = o.metadata.namespace;
    if (matchesFault(ctx.faults.failItems, rt, o)) {
      const msg = `error backing up item: ${qualifiedName(rt)} ${ns ? `${ns}/` : ""}${o.metadata.name}: fault injected by the sandbox`;
      log.error(msg);
      addResult(errors, ns, msg);
      done++;
      progress();
      continue;
    }
    const obj = structuredClone(o);
    delete obj.metadata.managedFields;
    if (rt === pvcType) {
      const extra = pvcAnnotations.get(`${ns}/${o.metadata.name}`);
      if (extra) obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), ...extra };
    }
    items.push({
      resource: rt.resource,
      group: rt.group,
      version: rt.version,
      namespace: rt.namespaced ? ns : undefined,
      name: o.metadata.name!,
      object: obj,
    });
    const k = `${groupVersion(rt)}/${rt.kind}`;
    (resourceList[k] ??= []).push(ns ? `${ns}/${o.metadata.name}` : o.metadata.name!);
    done++;
    progress();
  }
  progress(true);

  // File-system backups and data uploads run "on the node-agent".
  const volDelay = ctx.opts.volumeDelayMs ?? 100;
  const finishedPvbs: KObject[] = [];
  for (const info of volumeInfos.filter((v) => v._pvb)) {
    const startedAt = nowIso();
    for (const phase of ["Accepted", "Prepared", "InProgress"])
      ctx.mutate(
        "podvolumebackups",
        info._pvb,
        (o) =>
          void (o.status = {
            ...(o.status ?? {}),
            phase,
            ...(phase === "Accepted" ? { acceptedTimestamp: nowIso(), node: info.pvbInfo.nodeName } : {}),
            ...(phase === "InProgress"
              ? { startTimestamp: startedAt, progress: { totalBytes: info.pvbInfo.size, bytesDone: 0 } }
              : {}),
          }),
      );
    await sleep(volDelay / 2);
    ctx.mutate(
      "podvolumebackups",
      info._pvb,
      (o) =>
        void (o.status = {
          ...o.status,
          progress: { totalBytes: info.pvbInfo.size, bytesDone: Math.floor(info.pvbInfo.size / 2) },
        }),
    );
    await sleep(volDelay / 2);
    const snapshotID = crypto.createHash("sha256").update(`${uid}/${info._pvb}`).digest("hex").slice(0, 32);
    const ns = info.pvbInfo.podNamespace;
    await store.put(
      `kopia/${ns}/p${snapshotID}`,
      JSON.stringify({
        simulated: true,
        note: "the sandbox does not copy volume data; this object stands for the kopia snapshot",
        backup: name,
        pod: info.pvbInfo.podName,
        volume: info.pvbInfo.volumeName,
        bytes: info.pvbInfo.size,
      }),
    );
    const done = ctx.mutate(
      "podvolumebackups",
      info._pvb,
      (o) =>
        void (o.status = {
          ...o.status,
          phase: "Completed",
          snapshotID,
          path: `/host_pods/${o.spec.pod.uid}/volumes/kubernetes.io~empty-dir/${o.spec.volume}`,
          completionTimestamp: nowIso(),
          progress: { totalBytes: info.pvbInfo.size, bytesDone: info.pvbInfo.size },
          incrementalBytes: info.pvbInfo.size,
        }),
    );
    if (done) finishedPvbs.push(done);
    info.pvbInfo.snapshotHandle = snapshotID;
    info.startTimestamp = startedAt;
    info.completionTimestamp = nowIso();
    info.result = "succeeded";
  }
  for (const info of volumeInfos.filter((v) => v.backupMethod === "CSISnapshot" && !v._du)) {
    info.startTimestamp = info.startTimestamp ?? nowIso();
    info.completionTimestamp = nowIso();
    info.result = "succeeded";
  }
  if (dataUploads.length) {
    ctx.mutate(
      "backups",
      name,
      (o) =>
        void (o.status = {
          ...o.status,
          phase: errorsCount(errors) ? "WaitingForPluginOperationsPartiallyFailed" : "WaitingForPluginOperations",
          backupItemOperationsAttempted: dataUploads.length,
        }),
    );
  }
  const completedDus: KObject[] = [];
  for (const info of volumeInfos.filter((v) => v._du)) {
    const size = info.snapshotDataMovementInfo.size;
    for (const phase of ["Accepted", "Prepared", "InProgress"])
      ctx.mutate(
        "datauploads",
        info._du,
        (o) =>
          void (o.status = {
            ...(o.status ?? {}),
            phase,
            node: "node-1",
            ...(phase === "InProgress"
              ? { startTimestamp: nowIso(), progress: { totalBytes: size, bytesDone: 0 } }
              : {}),
          }),
        "v2alpha1",
      );
    await sleep(volDelay);
    const snapshotID = crypto.createHash("sha256").update(`${uid}/${info._du}`).digest("hex").slice(0, 32);
    await store.put(
      `kopia/${info.pvcNamespace}/p${snapshotID}`,
      JSON.stringify({ simulated: true, backup: name, pvc: info.pvcName, bytes: size }),
    );
    const du = ctx.mutate(
      "datauploads",
      info._du,
      (o) =>
        void (o.status = {
          ...o.status,
          phase: "Completed",
          snapshotID,
          path: `/${o.spec.sourceNamespace}/${o.spec.sourcePVC}`,
          completionTimestamp: nowIso(),
          progress: { totalBytes: size, bytesDone: size },
          incrementalBytes: size,
          dataMoverResult: { snapshotID },
        }),
      "v2alpha1",
    );
    if (du) completedDus.push(du);
    // The local snapshot is removed once the data is moved.
    try {
      ctx.cluster.delete(vsType, info._vsNs, info._vs);
      ctx.cluster.delete(vscontentType, undefined, info._content);
    } catch {
      /* already gone */
    }
    info.snapshotDataMovementInfo.snapshotHandle = snapshotID;
    info.startTimestamp ??= nowIso();
    info.completionTimestamp = nowIso();
    info.result = "succeeded";
  }
  const duType = ctx.type("datauploads", "v2alpha1");
  for (const du of completedDus)
    items.push({
      resource: duType.resource,
      group: duType.group,
      version: duType.version,
      namespace: ctx.ns,
      name: du.metadata.name!,
      object: du,
    });

  // Finalizing: write the backup's folder, then the terminal phase.
  const errCount = errorsCount(errors);
  ctx.mutate(
    "backups",
    name,
    (o) => void (o.status = { ...o.status, phase: errCount ? "FinalizingPartiallyFailed" : "Finalizing" }),
  );
  // The folder is written first (velero-backup.json with the terminal status), then the phase is set, so a backup
  // that reads Completed always has its files in the bucket.
  const current = ctx.get("backups", name);
  if (!current) return;
  const finalStatus: Record<string, unknown> = {
    ...current.status,
    phase: errCount ? "PartiallyFailed" : "Completed",
    completionTimestamp: nowIso(),
    errors: errCount || undefined,
    warnings: errorsCount(warnings) || undefined,
    progress: { totalItems: total, itemsBackedUp: done },
    csiVolumeSnapshotsAttempted: volumeInfos.filter((v) => v.backupMethod === "CSISnapshot").length || undefined,
    csiVolumeSnapshotsCompleted:
      volumeInfos.filter((v) => v.backupMethod === "CSISnapshot" && v.result === "succeeded").length || undefined,
    backupItemOperationsAttempted: dataUploads.length || undefined,
    backupItemOperationsCompleted: completedDus.length || undefined,
  };
  for (const k of Object.keys(finalStatus)) if (finalStatus[k] === undefined) delete finalStatus[k];
  const final = { ...current, status: finalStatus };
  log.info(`Backed up a total of ${done} items`);
  const cleanInfos = volumeInfos.map(({ _pvb, _du, _vs, _vsNs, _content, ...v }) => v);
  const dir = `backups/${name}/`;
  try {
    await store.put(`${dir}${name}.tar.gz`, buildBackupTarball(items));
    await store.put(`${dir}${name}-resource-list.json.gz`, gzipJson(resourceList));
    await store.put(`${dir}${name}-volumeinfo.json.gz`, gzipJson(cleanInfos));
    await store.put(`${dir}${name}-results.gz`, gzipJson({ errors, warnings }));
    await store.put(`${dir}${name}-podvolumebackups.json.gz`, gzipJson(finishedPvbs));
    await store.put(
      `${dir}${name}-itemoperations.json.gz`,
      gzipJson(
        completedDus.map((du) => ({
          spec: {
            backupName: name,
            backupUID: uid,
            backupItemAction: "velero.io/csi-pvc-backupper",
            resourceIdentifier: {
              Group: "",
              Resource: "persistentvolumeclaims",
              Namespace: du.spec.sourceNamespace,
              Name: du.spec.sourcePVC,
            },
            operationID: du.metadata.labels?.["velero.io/async-operation-id"],
          },
          status: {
            phase: "Completed",
            nCompleted: du.status?.progress?.bytesDone,
            nTotal: du.status?.progress?.totalBytes,
            operationUnits: "Bytes",
            created: du.metadata.creationTimestamp,
            started: du.status?.startTimestamp,
            updated: du.status?.completionTimestamp,
          },
        })),
      ),
    );
    await store.put(`${dir}${name}-volumesnapshots.json.gz`, gzipJson([]));
    await store.put(`${dir}${name}-logs.gz`, gzipText(log.text()));
    await store.put(`${dir}velero-backup.json`, JSON.stringify(final, null, 2));
  } catch (e) {
    ctx.mutate(
      "backups",
      name,
      (o) =>
        void (o.status = {
          ...o.status,
          phase: "Failed",
          failureReason: `error uploading backup: ${(e as Error).message}`,
          completionTimestamp: nowIso(),
        }),
    );
    return;
  }
  ctx.mutate("backups", name, (o) => void (o.status = finalStatus));
}

/** Nodes where a node-agent pod of Velero's namespace runs (nodeagent.IsRunningInNode: label role=node-agent). */
function nodeAgentNodes(ctx: VeleroContext): Set<string> {
  const pods = ctx.cluster.list(ctx.cluster.builtin("", "pods"), ctx.ns).items;
  return new Set(
    pods
      .filter((p) => p.metadata.labels?.role === "node-agent" && podNotRunning(p) === null)
      .map((p) => p.spec.nodeName as string),
  );
}

function errorsCount(r: Results): number {
  return r.velero.length + r.cluster.length + Object.values(r.namespaces).reduce((n, l) => n + l.length, 0);
}
