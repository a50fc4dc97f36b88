// The kinds Lifeboat reads or writes on a cluster, as group/version/plural, so the cluster-access port can reach any of
// them (built-in or custom) by path without a discovery round trip.
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const ref = (group: string, version: string, plural: string, kind: string, namespaced = true): ResourceRef => ({
  group,
  version,
  plural,
  kind,
  namespaced,
});
const velero = (plural: string, kind: string, version = "v1") => ref("velero.io", version, plural, kind);

export const RESOURCES = {
  // Velero
  backups: velero("backups", "Backup"),
  restores: velero("restores", "Restore"),
  schedules: velero("schedules", "Schedule"),
  backupstoragelocations: velero("backupstoragelocations", "BackupStorageLocation"),
  volumesnapshotlocations: velero("volumesnapshotlocations", "VolumeSnapshotLocation"),
  deletebackuprequests: velero("deletebackuprequests", "DeleteBackupRequest"),
  downloadrequests: velero("downloadrequests", "DownloadRequest"),
  serverstatusrequests: velero("serverstatusrequests", "ServerStatusRequest"),
  podvolumebackups: velero("podvolumebackups", "PodVolumeBackup"),
  podvolumerestores: velero("podvolumerestores", "PodVolumeRestore"),
  datauploads: velero("datauploads", "DataUpload", "v2alpha1"),
  datadownloads: velero("datadownloads", "DataDownload", "v2alpha1"),
  // core
  namespaces: ref("", "v1", "namespaces", "Namespace", false),
  secrets: ref("", "v1", "secrets", "Secret"),
  configmaps: ref("", "v1", "configmaps", "ConfigMap"),
  pods: ref("", "v1", "pods", "Pod"),
  serviceaccounts: ref("", "v1", "serviceaccounts", "ServiceAccount"),
  persistentvolumeclaims: ref("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
  persistentvolumes: ref("", "v1", "persistentvolumes", "PersistentVolume", false),
  nodes: ref("", "v1", "nodes", "Node", false),
  // others
  deployments: ref("apps", "v1", "deployments", "Deployment"),
  daemonsets: ref("apps", "v1", "daemonsets", "DaemonSet"),
  statefulsets: ref("apps", "v1", "statefulsets", "StatefulSet"),
  jobs: ref("batch", "v1", "jobs", "Job"),
  storageclasses: ref("storage.k8s.io", "v1", "storageclasses", "StorageClass", false),
  csidrivers: ref("storage.k8s.io", "v1", "csidrivers", "CSIDriver", false),
  volumesnapshotclasses: ref("snapshot.storage.k8s.io", "v1", "volumesnapshotclasses", "VolumeSnapshotClass", false),
  customresourcedefinitions: ref(
    "apiextensions.k8s.io",
    "v1",
    "customresourcedefinitions",
    "CustomResourceDefinition",
    false,
  ),
} as const satisfies Record<string, ResourceRef>;

export type KnownResource = keyof typeof RESOURCES;

export const apiVersionOf = (r: ResourceRef) => (r.group ? `${r.group}/${r.version}` : r.version);

/** The REST path of a collection or one object (and optionally its subresource). */
export function resourcePath(r: ResourceRef, o: { namespace?: string; name?: string; subresource?: string } = {}) {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && o.namespace ? `/namespaces/${encodeURIComponent(o.namespace)}` : "";
  const name = o.name !== undefined ? `/${encodeURIComponent(o.name)}` : "";
  const sub = o.subresource && o.name !== undefined ? `/${o.subresource}` : "";
  return `${base}${ns}/${r.plural}${name}${sub}`;
}

/** A Kubernetes object as the port hands it out: typed metadata, the rest unknown until a projection reads it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  finalizers?: string[];
  managedFields?: unknown[];
}

export interface ObjectList<T = KubeObject> {
  items: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}
