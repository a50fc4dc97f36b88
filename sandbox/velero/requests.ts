import { gunzipJson } from "./archive";
import { LABELS, nowIso, validLabelValue, type VeleroContext } from "./context";
import type { KObject } from "../kube-api/types";

// DeleteBackupRequests, DownloadRequests, ServerStatusRequests, garbage collection and backup sync (§2.6–2.8, §4.1).

const TERMINAL = new Set(["Completed", "PartiallyFailed", "Failed", "FailedValidation"]);

export async function processDeleteRequest(ctx: VeleroContext, name: string) {
  const dbr = ctx.get("deletebackuprequests", name);
  if (!dbr || dbr.status?.phase === "Processed") return;
  const backupName = dbr.spec?.backupName;
  const errors: string[] = [];
  const finish = () =>
    ctx.mutate(
      "deletebackuprequests",
      name,
      (o) => void (o.status = { phase: "Processed", ...(errors.length ? { errors } : {}) }),
    );
  ctx.mutate("deletebackuprequests", name, (o) => {
    o.status = { phase: "InProgress" };
    o.metadata.labels = { ...(o.metadata.labels ?? {}), [LABELS.backupName]: validLabelValue(backupName ?? "") };
  });
  // Older requests for the same backup go.
  for (const other of ctx.list("deletebackuprequests"))
    if (other.metadata.name !== name && other.spec?.backupName === backupName)
      ctx.remove("deletebackuprequests", other.metadata.name!);
  const backup = backupName ? ctx.get("backups", backupName) : undefined;
  if (!backup) {
    errors.push(`backup ${backupName} not found`);
    return finish();
  }
  if (backup.status?.phase && !TERMINAL.has(backup.status.phase) && backup.status.phase !== "Deleting") {
    errors.push(`backup ${backupName} is still in progress, cannot delete it now`);
    return finish();
  }
  const bsl = ctx.get("backupstoragelocations", backup.spec?.storageLocation ?? "default");
  if (!bsl) errors.push(`backup storage location ${backup.spec?.storageLocation} not found`);
  else if (bsl.spec?.accessMode === "ReadOnly")
    errors.push(
      `cannot delete backup because backup storage location ${bsl.metadata.name} is currently in read-only mode`,
    );
  else if (bsl.status?.phase !== "Available")
    errors.push(`cannot delete backup because backup storage location ${bsl.metadata.name} is currently unavailable`);
  if (errors.length) return finish();
  ctx.mutate("backups", backupName, (o) => void (o.status = { ...(o.status ?? {}), phase: "Deleting" }));
  try {
    const store = ctx.storeFor(bsl!);
    await store.deletePrefix(`backups/${backupName}/`);
    for (const r of ctx.list("restores").filter((r) => r.spec?.backupName === backupName)) {
      await store.deletePrefix(`restores/${r.metadata.name}/`);
      ctx.remove("restores", r.metadata.name!);
    }
  } catch (e) {
    errors.push(`error deleting backup from backup storage: ${(e as Error).message}`);
    ctx.mutate(
      "backups",
      backupName,
      (o) => void (o.status = { ...(o.status ?? {}), phase: backup.status?.phase ?? "Completed" }),
    );
    return finish();
  }
  for (const kind of [
    ["podvolumebackups", "v1"],
    ["datauploads", "v2alpha1"],
  ] as const) {
    for (const o of ctx
      .list(kind[0], kind[1])
      .filter((x) => x.metadata.labels?.[LABELS.backupUid] === backup.metadata.uid))
      ctx.remove(kind[0], o.metadata.name!, kind[1]);
  }
  // CSI snapshots kept locally by this backup (the VolumeSnapshotContents' DeletionPolicy would delete the data).
  for (const [res, namespaced] of [
    ["volumesnapshots", true],
    ["volumesnapshotcontents", false],
  ] as const) {
    const t = ctx.cluster.findType("snapshot.storage.k8s.io", "v1", res);
    if (!t) continue;
    for (const o of ctx.cluster.list(t, undefined, {
      labelSelector: `${LABELS.backupName}=${validLabelValue(backupName)}`,
    }).items)
      ctx.cluster.delete(t, namespaced ? o.metadata.namespace : undefined, o.metadata.name!);
  }
  ctx.remove("backups", backupName);
  finish();
}

const DOWNLOAD_KEYS: Record<string, (n: string) => string> = {
  BackupLog: (n) => `backups/${n}/${n}-logs.gz`,
  BackupContents: (n) => `backups/${n}/${n}.tar.gz`,
  BackupVolumeSnapshots: (n) => `backups/${n}/${n}-volumesnapshots.json.gz`,
  BackupItemOperations: (n) => `backups/${n}/${n}-itemoperations.json.gz`,
  BackupResourceList: (n) => `backups/${n}/${n}-resource-list.json.gz`,
  BackupResults: (n) => `backups/${n}/${n}-results.gz`,
  BackupVolumeInfos: (n) => `backups/${n}/${n}-volumeinfo.json.gz`,
  CSIBackupVolumeSnapshots: (n) => `backups/${n}/${n}-csi-volumesnapshots.json.gz`,
  CSIBackupVolumeSnapshotContents: (n) => `backups/${n}/${n}-csi-volumesnapshotcontents.json.gz`,
  RestoreLog: (n) => `restores/${n}/restore-${n}-logs.gz`,
  RestoreResults: (n) => `restores/${n}/restore-${n}-results.gz`,
  RestoreResourceList: (n) => `restores/${n}/restore-${n}-resource-list.json.gz`,
  RestoreItemOperations: (n) => `restores/${n}/restore-${n}-itemoperations.json.gz`,
  RestoreVolumeInfo: (n) => `restores/${n}/${n}-volumeinfo.json.gz`,
};

export async function processDownloadRequest(ctx: VeleroContext, name: string) {
  const dr = ctx.get("downloadrequests", name);
  if (!dr || dr.status?.phase === "Processed") return;
  const { kind, name: target } = dr.spec?.target ?? {};
  const keyOf = DOWNLOAD_KEYS[kind];
  if (!keyOf) return; // the CRD's enum refuses other kinds already
  let backupName = target;
  if (kind.startsWith("Restore")) backupName = ctx.get("restores", target)?.spec?.backupName;
  const backup = backupName ? ctx.get("backups", backupName) : undefined;
  const bsl = backup ? ctx.get("backupstoragelocations", backup.spec?.storageLocation ?? "default") : undefined;
  if (!backup || !bsl) return; // Velero logs the error and leaves the request New; it expires
  const url = await ctx.storeFor(bsl).signedUrl(keyOf(target), 600);
  ctx.mutate(
    "downloadrequests",
    name,
    (o) =>
      void (o.status = {
        phase: "Processed",
        downloadURL: url,
        expiration: new Date(Date.now() + 600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      }),
  );
  setTimeout(() => !ctx.stopped && ctx.remove("downloadrequests", name), 600_000).unref();
}

/** The ObjectStore plugins this Velero runs (the plugin images installed with it). */
export const objectStorePlugins = (ctx: VeleroContext) =>
  ctx.opts.objectStorePlugins ?? ["velero.io/aws", "velero.io/azure"];

export function serverPlugins(ctx: VeleroContext) {
  const plugins = [
    ...objectStorePlugins(ctx).map((name) => ({ name, kind: "ObjectStore" })),
    { name: "velero.io/pod", kind: "BackupItemAction" },
    { name: "velero.io/pv", kind: "BackupItemAction" },
    { name: "velero.io/service-account", kind: "BackupItemAction" },
    { name: "velero.io/change-storage-class", kind: "RestoreItemAction" },
    { name: "velero.io/pod", kind: "RestoreItemAction" },
    { name: "velero.io/service", kind: "RestoreItemAction" },
  ];
  if (ctx.opts.csi)
    plugins.push(
      { name: "velero.io/csi-pvc-backupper", kind: "BackupItemAction" },
      { name: "velero.io/csi-volumesnapshot-backupper", kind: "BackupItemAction" },
      { name: "velero.io/csi-pvc-restorer", kind: "RestoreItemAction" },
      { name: "velero.io/csi-volumesnapshot-delete", kind: "DeleteItemAction" },
    );
  return plugins;
}

export async function processServerStatusRequest(ctx: VeleroContext, name: string) {
  ctx.mutate(
    "serverstatusrequests",
    name,
    (o) =>
      void (o.status = {
        phase: "Processed",
        processedTimestamp: nowIso(),
        serverVersion: ctx.opts.version,
        plugins: serverPlugins(ctx),
      }),
  );
  setTimeout(() => !ctx.stopped && ctx.remove("serverstatusrequests", name), 60_000).unref();
}

/** GC: expired backups are deleted through a DeleteBackupRequest, unless their location is ReadOnly/missing/unavailable. */
export async function collectGarbage(ctx: VeleroContext) {
  const now = Date.now();
  for (const b of ctx.list("backups")) {
    if (!b.status?.expiration || Date.parse(b.status.expiration) > now || b.status.phase === "Deleting") continue;
    const bsl = ctx.get("backupstoragelocations", b.spec?.storageLocation ?? "default");
    const failure = !bsl
      ? "BSLNotFound"
      : bsl.spec?.accessMode === "ReadOnly"
        ? "BSLReadOnly"
        : bsl.status?.phase !== "Available"
          ? "BSLUnavailable"
          : null;
    if (failure) {
      if (b.metadata.labels?.[LABELS.gcFailure] !== failure)
        ctx.mutate(
          "backups",
          b.metadata.name!,
          (o) => void (o.metadata.labels = { ...(o.metadata.labels ?? {}), [LABELS.gcFailure]: failure }),
        );
      continue;
    }
    if (
      ctx
        .list("deletebackuprequests")
        .some((d) => d.spec?.backupName === b.metadata.name && d.status?.phase !== "Processed")
    )
      continue;
    ctx.create("deletebackuprequests", {
      apiVersion: "velero.io/v1",
      kind: "DeleteBackupRequest",
      metadata: {
        generateName: `${b.metadata.name}-`,
        labels: { [LABELS.backupName]: validLabelValue(b.metadata.name!), [LABELS.backupUid]: b.metadata.uid! },
      },
      spec: { backupName: b.metadata.name },
    });
  }
}

/** Backup sync from the bucket (§4.1): backups in the bucket but not in the cluster become Backup CRs here. */
export async function syncBackups(ctx: VeleroContext, bsl: KObject) {
  const store = ctx.storeFor(bsl);
  const local = bsl.metadata.name!;
  const inBucket = (await store.listPrefixes("backups/")).map((p) => p.replace(/^backups\//, "").replace(/\/$/, ""));
  const existing = new Set(ctx.list("backups").map((b) => b.metadata.name));
  for (const name of inBucket.filter((n) => !existing.has(n))) {
    const raw = await store.get(`backups/${name}/velero-backup.json`);
    if (!raw) continue;
    let b: KObject;
    try {
      b = JSON.parse(raw.toString());
    } catch {
      continue;
    }
    const phase = b.status?.phase;
    if (phase?.startsWith("WaitingForPluginOperations") || phase?.startsWith("Finalizing")) {
      if (!b.status?.expiration || Date.parse(b.status.expiration) > Date.now()) continue;
      b.status.phase = "PartiallyFailed";
    }
    const created = ctx.create("backups", {
      apiVersion: "velero.io/v1",
      kind: "Backup",
      metadata: {
        name,
        labels: { ...(b.metadata.labels ?? {}), [LABELS.storageLocation]: validLabelValue(local) },
        annotations: b.metadata.annotations,
      },
      spec: { ...(b.spec ?? {}), storageLocation: local },
      status: b.status, // kept as uploaded: the CRD has no status subresource, so it is created with the object
    });
    const pvbsRaw = await store.get(`backups/${name}/${name}-podvolumebackups.json.gz`);
    for (const pvb of pvbsRaw ? gunzipJson<KObject[]>(pvbsRaw) : []) {
      try {
        ctx.create("podvolumebackups", {
          apiVersion: "velero.io/v1",
          kind: "PodVolumeBackup",
          metadata: {
            name: pvb.metadata.name,
            labels: { ...(pvb.metadata.labels ?? {}), [LABELS.backupUid]: created.metadata.uid! },
            ownerReferences: [
              { apiVersion: "velero.io/v1", kind: "Backup", name, uid: created.metadata.uid!, controller: true },
            ],
          },
          spec: { ...pvb.spec, backupStorageLocation: local },
          status: pvb.status,
        });
      } catch {
        /* exists */
      }
    }
  }
  // Orphans: Completed/PartiallyFailed backups of this location that are gone from the bucket.
  const present = new Set(inBucket);
  for (const b of ctx.list("backups")) {
    if (b.spec?.storageLocation !== local || !["Completed", "PartiallyFailed"].includes(b.status?.phase)) continue;
    if (!present.has(b.metadata.name!)) ctx.remove("backups", b.metadata.name!);
  }
  ctx.mutate(
    "backupstoragelocations",
    local,
    (o) => void (o.status = { ...(o.status ?? {}), lastSyncedTime: nowIso() }),
  );
}
