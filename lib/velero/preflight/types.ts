// The restore pre-flight check's facts and findings (#14 §1, §2): what Lifeboat knows of a backup (its contents, read
// from the backup's tarball in the bucket, and its volume info) and of the cluster it would be restored into, compared
// before a Restore is created. Pure data: gathered by server/services/restores/preflight.ts, judged by this folder.

/** One object in a backup's tarball (`resources/<resource>[.<group>]/…/<name>.json`), at the version Velero stored. */
export interface ContentItem {
  /** The resource as Velero's filters name it: "deployments.apps", "pods", "widgets.shop.example.io". */
  resource: string;
  /** "apps/v1", "v1", "shop.example.io/v1alpha1": the object's apiVersion. */
  groupVersion: string;
  kind: string;
  /** null for a cluster-scoped object. */
  namespace: string | null;
  name: string;
  labels: Record<string, string>;
}

/** A PersistentVolumeClaim in the backup, with what a storage-class check needs. */
export interface ContentClaim {
  namespace: string;
  name: string;
  /**
   * The class Kubernetes uses: the volume.beta.kubernetes.io/storage-class annotation when set, else
   * spec.storageClassName; null when neither is set, "" when set to empty (static binding).
   */
  storageClass: string | null;
  volumeName: string | null;
}

/** A PersistentVolume in the backup. */
export interface ContentVolume {
  name: string;
  storageClass: string | null;
  /** spec.csi.driver, when the PV is a CSI volume. */
  csiDriver: string | null;
  claim: { namespace: string; name: string } | null;
  /** spec.persistentVolumeReclaimPolicy ("Delete", "Retain"); null when unset. */
  reclaimPolicy: string | null;
}

/** A CustomResourceDefinition in the backup (restored before the custom resources it defines). */
export interface ContentCrd {
  /** "<plural>.<group>" */
  name: string;
  group: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** The versions it serves. */
  versions: string[];
}

/** What a backup's tarball holds, as far as the pre-flight check reads it. */
export interface BackupContents {
  /** One entry per object (the version Velero restores: the preferred one when several were stored). */
  items: ContentItem[];
  claims: ContentClaim[];
  volumes: ContentVolume[];
  /** StatefulSets' volumeClaimTemplates' storage classes (Velero's change-storage-class action maps them too). */
  statefulSets: { namespace: string; name: string; storageClasses: string[] }[];
  crds: ContentCrd[];
  /** True when the tarball held more objects than Lifeboat reads (the lists are then partial). */
  truncated: boolean;
}
