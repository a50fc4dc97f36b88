import type { KubeObject } from "./resources";

// What the read model keeps of the cluster objects volume coverage reads (issue #13, velero-api.md §8–§9): only the
// fields the rules use, so a pod's containers, env and status conditions never reach PostgreSQL. Labels are kept by the
// sync engine itself (VeleroObject.labels). Each projection reads untrusted input field by field, with bounded lists.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects read from the cluster, checked field by field
type Any = any;

const MAX_VOLUMES = 256;
const MAX_CONTAINERS = 64;
const MAX_ATTRIBUTES = 32;

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const optStr = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const rec = (v: unknown): Record<string, Any> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Any) : {});
const arr = (v: unknown, max: number): Any[] => (Array.isArray(v) ? v.slice(0, max) : []);
const deleting = (o: KubeObject) => Boolean(o.metadata?.deletionTimestamp);
const annotation = (o: KubeObject, key: string) => optStr(rec(o.metadata?.annotations)[key]);

/** A pod volume's source, in the names of Velero's volumeTypes condition. */
const VOLUME_SOURCES = [
  "persistentVolumeClaim",
  "emptyDir",
  "hostPath",
  "secret",
  "configMap",
  "projected",
  "downwardAPI",
  "csi",
  "ephemeral",
  "nfs",
] as const;

function podVolume(v: Any) {
  const source = VOLUME_SOURCES.find((s) => v?.[s] !== undefined && v?.[s] !== null) ?? "other";
  return {
    name: str(v?.name),
    source,
    ...(source === "persistentVolumeClaim" ? { claimName: str(v.persistentVolumeClaim?.claimName) } : {}),
    ...(source === "emptyDir" && typeof v.emptyDir?.sizeLimit === "string" ? { sizeLimit: v.emptyDir.sizeLimit } : {}),
    ...(source === "csi" ? { csiDriver: str(v.csi?.driver) } : {}),
    ...(source === "nfs" ? { nfs: { server: str(v.nfs?.server), path: str(v.nfs?.path) } } : {}),
  };
}

/** Pods: node, phase, volumes (name and source), the volumes some container mounts, FSB annotations, owner. */
export function projectPod(o: KubeObject) {
  const spec = rec(o.spec);
  const status = rec(o.status);
  const containers = [...arr(spec.initContainers, MAX_CONTAINERS), ...arr(spec.containers, MAX_CONTAINERS)];
  const mounted = new Set<string>();
  for (const c of containers) for (const m of arr(rec(c).volumeMounts, MAX_VOLUMES)) mounted.add(str(rec(m).name));
  for (const c of containers) for (const d of arr(rec(c).volumeDevices, MAX_VOLUMES)) mounted.add(str(rec(d).name));
  const owner = arr(o.metadata?.ownerReferences, 8).find((r) => rec(r).controller === true);
  return {
    spec: {
      nodeName: str(spec.nodeName),
      volumes: arr(spec.volumes, MAX_VOLUMES).map(podVolume),
      mounted: [...mounted].filter(Boolean).slice(0, MAX_VOLUMES),
      backupVolumes: annotation(o, "backup.velero.io/backup-volumes") ?? null,
      backupVolumesExcludes: annotation(o, "backup.velero.io/backup-volumes-excludes") ?? null,
      owner: owner ? { kind: str(owner.kind), name: str(owner.name) } : null,
    },
    status: { phase: str(status.phase), deleting: deleting(o) },
  };
}

/** PersistentVolumeClaims: class (null when unset, as Velero's CSI action tells apart), volume, mode, size, phase. */
export function projectPvc(o: KubeObject) {
  const spec = rec(o.spec);
  return {
    spec: {
      storageClassName: typeof spec.storageClassName === "string" ? spec.storageClassName : null,
      volumeName: str(spec.volumeName),
      volumeMode: spec.volumeMode === "Block" ? "Block" : "Filesystem",
      request: optStr(rec(rec(spec.resources).requests).storage) ?? null,
      snapshotClass: annotation(o, "velero.io/csi-volumesnapshot-class") ?? null,
    },
    status: { phase: str(rec(o.status).phase), deleting: deleting(o) },
  };
}

const PV_SOURCES = [
  "csi",
  "hostPath",
  "local",
  "nfs",
  "awsElasticBlockStore",
  "azureDisk",
  "azureFile",
  "gcePersistentDisk",
  "cinder",
  "vsphereVolume",
  "iscsi",
  "fc",
  "rbd",
  "cephfs",
  "glusterfs",
  "portworxVolume",
] as const;

/** PersistentVolumes: source type, CSI driver and attributes, NFS server/path, capacity, class, claim. */
export function projectPv(o: KubeObject) {
  const spec = rec(o.spec);
  const source = PV_SOURCES.find((s) => spec[s] !== undefined && spec[s] !== null) ?? "other";
  const attributes = Object.entries(rec(spec.csi?.volumeAttributes))
    .filter(([, v]) => typeof v === "string")
    .slice(0, MAX_ATTRIBUTES);
  const claim = rec(spec.claimRef);
  return {
    spec: {
      source,
      csiDriver: source === "csi" ? str(spec.csi.driver) || null : null,
      csiVolumeAttributes: Object.fromEntries(attributes),
      nfs: source === "nfs" ? { server: str(spec.nfs.server), path: str(spec.nfs.path) } : null,
      capacity: optStr(rec(spec.capacity).storage) ?? null,
      storageClassName: str(spec.storageClassName),
      claim: claim.name ? { namespace: str(claim.namespace), name: str(claim.name) } : null,
    },
    status: { phase: str(rec(o.status).phase) },
  };
}

/** Namespaces: only whether they are being deleted (their labels are kept as every object's). */
export const projectNamespace = (o: KubeObject) => ({ spec: {}, status: { deleting: deleting(o) } });

/** VolumeSnapshotClasses: driver and the default-class annotation (the Velero label is among the labels). */
export function projectSnapshotClass(o: KubeObject) {
  return {
    spec: {
      driver: str(o.driver),
      isDefault: annotation(o, "snapshot.storage.kubernetes.io/is-default-class") === "true",
      deletionPolicy: str(o.deletionPolicy),
    },
    status: {},
  };
}

/** VolumeSnapshotLocations: provider only (their config may name regions and profiles, not needed here). */
export const projectSnapshotLocation = (o: KubeObject) => ({
  spec: { provider: str(rec(o.spec).provider) },
  status: {},
});
