import type { ClusterClient } from "./cluster-client";
import { ClusterError } from "./errors";
import { RESOURCES, type KubeObject } from "./resources";

// What the pre-checks before installing Velero read on a cluster (#12 §1): the Kubernetes version, whether the CSI
// snapshot API is served, the StorageClasses' provisioners and which of them are CSI drivers, the
// VolumeSnapshotClasses, and the labels of Velero's namespace (Pod Security admission). Only reads; each read that the
// cluster refuses is reported with its reason instead of failing the others. Nothing here decides anything.

export const SNAPSHOT_GROUP = "snapshot.storage.k8s.io";
/** The VolumeSnapshotClass label Velero picks a class by (any value). */
export const VELERO_SNAPSHOT_CLASS_LABEL = "velero.io/csi-volumesnapshot-class";
export const DEFAULT_SNAPSHOT_CLASS_ANNOTATION = "snapshot.storage.kubernetes.io/is-default-class";

/** A read's result, or why the cluster did not answer it (e.g. 403: Lifeboat may not read it). */
export type Read<T> = { ok: true; value: T } | { ok: false; reason: string; status?: number };

async function read<T>(p: Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    if (e instanceof ClusterError) return { ok: false, reason: e.message, status: e.status };
    throw e;
  }
}

export interface SnapshotClassFacts {
  name: string;
  driver: string;
  /** Labelled velero.io/csi-volumesnapshot-class. */
  labelled: boolean;
  /** Annotated snapshot.storage.kubernetes.io/is-default-class: "true". */
  isDefault: boolean;
}

export interface PrecheckFacts {
  kubernetesVersion: string;
  /** The served versions of snapshot.storage.k8s.io; null when the group is not served. Read only for CSI. */
  snapshotApi?: Read<string[] | null>;
  storageClasses?: Read<{ name: string; provisioner: string }[]>;
  /** The names of the cluster's CSIDriver objects. */
  csiDrivers?: Read<string[]>;
  snapshotClasses?: Read<SnapshotClassFacts[]>;
  /** Velero's namespace's labels, null when the namespace does not exist. */
  namespaceLabels: Read<Record<string, string> | null>;
}

/** The versions of snapshot.storage.k8s.io the API server serves (discovery), or null when it serves none. */
export async function snapshotApiVersions(c: ClusterClient): Promise<string[] | null> {
  try {
    const group = await c.session.request<{ versions?: { version?: string }[] }>(
      `discover the ${SNAPSHOT_GROUP} API (GET /apis/${SNAPSHOT_GROUP})`,
      { path: `/apis/${SNAPSHOT_GROUP}` },
    );
    return (group?.versions ?? []).map((v) => v.version).filter((v): v is string => typeof v === "string");
  } catch (e) {
    if (e instanceof ClusterError && e.status === 404) return null;
    throw e;
  }
}

type StorageClassView = KubeObject & { provisioner?: unknown };
type SnapshotClassView = KubeObject & { driver?: unknown };

export async function storageClassProvisioners(c: ClusterClient): Promise<{ name: string; provisioner: string }[]> {
  const items = await c.listItems<StorageClassView>(RESOURCES.storageclasses);
  return items
    .map((sc) => ({
      name: sc.metadata?.name ?? "",
      provisioner: typeof sc.provisioner === "string" ? sc.provisioner : "",
    }))
    .filter((sc) => sc.name && sc.provisioner)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function csiDriverNames(c: ClusterClient): Promise<string[]> {
  const items = await c.listItems(RESOURCES.csidrivers);
  return items
    .map((d) => d.metadata?.name)
    .filter((n): n is string => Boolean(n))
    .sort();
}

/** The VolumeSnapshotClasses; none when the snapshot API is not served. */
export async function snapshotClassFacts(c: ClusterClient): Promise<SnapshotClassFacts[]> {
  let items: SnapshotClassView[];
  try {
    items = await c.listItems<SnapshotClassView>(RESOURCES.volumesnapshotclasses);
  } catch (e) {
    if (e instanceof ClusterError && e.status === 404) return [];
    throw e;
  }
  return items
    .map((o) => ({
      name: o.metadata?.name ?? "",
      driver: typeof o.driver === "string" ? o.driver : "",
      labelled: o.metadata?.labels?.[VELERO_SNAPSHOT_CLASS_LABEL] !== undefined,
      isDefault: o.metadata?.annotations?.[DEFAULT_SNAPSHOT_CLASS_ANNOTATION] === "true",
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A namespace's labels, or null when it does not exist. */
export async function namespaceLabels(c: ClusterClient, namespace: string): Promise<Record<string, string> | null> {
  const ns = await c.get(RESOURCES.namespaces, namespace);
  return ns ? { ...(ns.metadata?.labels ?? {}) } : null;
}

/**
 * Everything the pre-checks read, in parallel: the version first (a cluster that does not answer it fails the whole
 * read with its ClusterError), then the CSI facts when CSI snapshots are chosen and the namespace's labels.
 */
export async function readPrecheckFacts(
  c: ClusterClient,
  o: { namespace: string; csi: boolean },
): Promise<PrecheckFacts> {
  const version = await c.version();
  const [namespace, csi] = await Promise.all([
    read(namespaceLabels(c, o.namespace)),
    o.csi
      ? Promise.all([
          read(snapshotApiVersions(c)),
          read(storageClassProvisioners(c)),
          read(csiDriverNames(c)),
          read(snapshotClassFacts(c)),
        ])
      : null,
  ]);
  return {
    kubernetesVersion: version.gitVersion,
    namespaceLabels: namespace,
    ...(csi ? { snapshotApi: csi[0], storageClasses: csi[1], csiDrivers: csi[2], snapshotClasses: csi[3] } : {}),
  };
}
