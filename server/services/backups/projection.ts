import type {
  BackupVolume,
  LabelSelectorView,
  ResourceFilters,
  ResultMessages,
  RunResults,
  VolumeWork,
} from "@/lib/schemas/backup";
import { MAX_LOG_TEXT_BYTES } from "@/lib/limits";
import { CLUSTER_LABEL } from "@/lib/velero/backup-spec";
import { bool, date, isRec, num, rec, recs, str, stringLists, stringMap, strList, strs } from "@/lib/velero/read";

// Velero's objects and files read into the output contracts of lib/schemas/backup.ts, field by field: whatever else
// the object carries stays on the server. Shared with restores (filters, results) and schedules (filters).

function selectorOf(v: unknown): LabelSelectorView {
  const s = rec(v);
  return {
    matchLabels: stringMap(s.matchLabels),
    matchExpressions: recs(s.matchExpressions).map((e) => ({
      key: str(e.key) ?? "",
      operator: str(e.operator) ?? "",
      values: strs(e.values),
    })),
  };
}

/** The filters of a Backup's or a Restore's spec (or a Schedule's template). */
export function filtersOf(spec: unknown): ResourceFilters {
  const s = rec(spec);
  return {
    includedNamespaces: strList(s.includedNamespaces),
    excludedNamespaces: strs(s.excludedNamespaces),
    labelSelectors: isRec(s.labelSelector) ? [selectorOf(s.labelSelector)] : recs(s.orLabelSelectors).map(selectorOf),
    includedResources: strList(s.includedResources),
    excludedResources: strs(s.excludedResources),
    includeClusterResources: bool(s.includeClusterResources),
  };
}

const messagesOf = (v: unknown): ResultMessages => {
  const m = rec(v);
  return { velero: strs(m.velero), cluster: strs(m.cluster), namespaces: stringLists(m.namespaces) };
};

/** A results file (`<backup>-results.gz`, `restore-<restore>-results.gz`): errors and warnings by place. */
export function resultsOf(file: unknown): RunResults | null {
  if (!isRec(file)) return null;
  return { errors: messagesOf(file.errors), warnings: messagesOf(file.warnings) };
}

/** A backup's volume info file (`<backup>-volumeinfo.json.gz`): one entry per volume. */
export function volumesOf(file: unknown): BackupVolume[] | null {
  if (!Array.isArray(file)) return null;
  return recs(file).map((v) => {
    const pvb = isRec(v.pvbInfo) ? v.pvbInfo : null;
    return {
      pvcName: str(v.pvcName),
      pvcNamespace: str(v.pvcNamespace),
      backupMethod: str(v.backupMethod),
      snapshotDataMoved: v.snapshotDataMoved === true,
      skipped: v.skipped === true,
      skippedReason: str(v.skippedReason),
      result: str(v.result),
      pvbInfo: pvb && {
        podNamespace: str(pvb.podNamespace),
        podName: str(pvb.podName),
        volumeName: str(pvb.volumeName),
      },
    };
  });
}

/** A backup's resource list file (`<backup>-resource-list.json.gz`): items by group/version/kind. */
export const resourcesOf = (file: unknown): Record<string, string[]> | null => (isRec(file) ? stringLists(file) : null);

/** The parts of a Backup's spec and status the detail page shows (velero-api.md §2.1). */
export function backupFacts(spec: unknown, status: unknown) {
  const sp = rec(spec);
  const st = rec(status);
  const progress = isRec(st.progress) ? st.progress : null;
  return {
    filters: filtersOf(sp),
    storageLocation: str(sp.storageLocation),
    ttl: str(sp.ttl),
    defaultVolumesToFsBackup: sp.defaultVolumesToFsBackup === true,
    snapshotVolumes: bool(sp.snapshotVolumes),
    snapshotMoveData: sp.snapshotMoveData === true,
    progress: progress && { itemsBackedUp: num(progress.itemsBackedUp), totalItems: num(progress.totalItems) },
    startTimestamp: date(st.startTimestamp),
    completionTimestamp: date(st.completionTimestamp),
    expiration: date(st.expiration),
    failureReason: str(st.failureReason),
    validationErrors: strs(st.validationErrors),
  };
}

/** Bytes copied so far and in all, from a PodVolumeBackup's or DataUpload's status; null until it reports a total. */
export function bytesOf(status: unknown): { done: number; total: number } | null {
  const p = rec(rec(status).progress);
  const total = num(p.totalBytes);
  return total === null ? null : { done: num(p.bytesDone) ?? 0, total };
}

/** A running backup's PodVolumeBackup (file-system backup) or DataUpload (data movement), for the volumes table. */
export function volumeWorkOf(r: {
  kind: string;
  name: string;
  phase: string | null;
  spec: unknown;
  status: unknown;
}): VolumeWork {
  const spec = rec(r.spec);
  const pod = rec(spec.pod);
  const progress = rec(rec(r.status).progress);
  const fsb = r.kind === "podvolumebackups";
  return {
    method: fsb ? "File-system backup (kopia)" : "Data movement",
    volume: fsb
      ? pod.name
        ? `${str(pod.namespace) ?? ""}/${str(pod.name)} volume ${str(spec.volume) ?? ""}`
        : `PodVolumeBackup ${r.name}`
      : spec.sourcePVC
        ? `${str(spec.sourceNamespace) ?? ""}/${str(spec.sourcePVC)}`
        : `DataUpload ${r.name}`,
    phase: r.phase ?? "New",
    bytesDone: num(progress.bytesDone),
    totalBytes: num(progress.totalBytes),
  };
}

const size = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`
    : bytes >= 1024
      ? `${Math.round((bytes / 1024) * 10) / 10} KiB`
      : `${bytes} bytes`;

/**
 * A backup's or restore's log as the browser gets it (backup.logs, restore.logs): whole up to `max` bytes
 * (MAX_LOG_TEXT_BYTES); a longer one is cut to its last `max` bytes from a line start, after a first line saying so and
 * how much was left out. (The download itself is capped at MAX_DOWNLOAD_BYTES packed, MAX_UNZIPPED_BYTES unpacked.)
 */
export function logTextForBrowser(log: Buffer, max = MAX_LOG_TEXT_BYTES): string {
  if (log.byteLength <= max) return log.toString("utf8");
  let start = log.byteLength - max;
  const nl = log.indexOf(0x0a, start);
  if (nl >= 0 && nl + 1 < log.byteLength) start = nl + 1;
  else while (start < log.byteLength && (log[start] & 0xc0) === 0x80) start++; // not inside a UTF-8 character
  const note =
    `[Lifeboat: this log is ${size(log.byteLength)}; only its last ${size(log.byteLength - start)} are shown, ` +
    `the first ${start.toLocaleString("en-US")} bytes are left out]`;
  return `${note}\n${log.subarray(start).toString("utf8")}`;
}

/** Where a Backup in a cluster's read model was made (decided by the sync engine, stored on the row). */
export interface BackupOrigin {
  /** A copy Velero synced from a shared location, made on another cluster: not this cluster's own backup. */
  syncedCopy: boolean;
  /** The lifeboat.io/cluster label: the cluster Lifeboat made it on; null for a backup made outside Lifeboat. */
  originCluster: string | null;
}

/**
 * Whether a Backup is a copy synced from another cluster's shared location (#10 §3, §5). Velero's backup sync creates
 * the Backup object after the backup completed elsewhere, with the labels it had there; so a copy is created after its
 * completionTimestamp and carries no lifeboat.io/cluster label of the cluster it sits in. A backup made here, by
 * Lifeboat or outside it, is created before it completes. `ownLabel` is clusterLabelValue of the cluster's name.
 */
export function backupOrigin(
  o: { labels: Record<string, string>; creationTimestamp?: string | null; status: unknown },
  ownLabel: string,
): BackupOrigin {
  const originCluster = o.labels[CLUSTER_LABEL] || null;
  const created = o.creationTimestamp ? Date.parse(o.creationTimestamp) : NaN;
  const completedAt = str(rec(o.status).completionTimestamp);
  const completed = completedAt ? Date.parse(completedAt) : NaN;
  // A copy is created by Velero's backup sync after the original completed elsewhere. Timestamps have whole seconds:
  // a copy synced within the second its original completed has equal ones, so another cluster's label decides then.
  const syncedCopy = originCluster !== ownLabel && (originCluster ? created >= completed : created > completed);
  return { syncedCopy, originCluster };
}

/** The detail's "Origin": where a backup was made, from what the sync engine stored (backupOrigin). */
export function originInWords(o: BackupOrigin, clusterName: string): string {
  if (!o.syncedCopy) return `Made on ${clusterName}${o.originCluster ? "" : " (outside Lifeboat)"}`;
  return o.originCluster
    ? `Copy synced from a shared location; the original was made on ${o.originCluster}`
    : "Copy synced from a shared location; the original was made on another cluster, outside Lifeboat";
}
