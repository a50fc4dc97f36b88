// Volume coverage (velero-api.md §8, §9): what the rule engine reads of a cluster and of each backup plan, and what it
// answers per volume. Pure data: the server's coverage service fills ClusterFacts from the sync engine's read model
// (only the fields below are kept of pods, claims, volumes, classes and namespaces), the engine decides, the browser
// shows the answer (lib/schemas/coverage.ts).

/** A pod volume's source, as Velero's volume-type conditions name them (internal/resourcepolicies/volume_types_conditions.go). */
export type VolumeSourceType =
  | "persistentVolumeClaim"
  | "emptyDir"
  | "hostPath"
  | "secret"
  | "configMap"
  | "projected"
  | "downwardAPI"
  | "csi"
  | "ephemeral"
  | "nfs"
  | "local"
  | "other";

export interface PodVolumeFacts {
  name: string;
  source: VolumeSourceType;
  /** For source "persistentVolumeClaim". */
  claimName?: string;
  /** emptyDir's sizeLimit in bytes, when set. */
  sizeBytes?: number | null;
  /** For source "csi" (an inline CSI volume): its driver, which a volume policy's csi condition reads. */
  csiDriver?: string | null;
  /** For source "nfs": its server and path, which a volume policy's nfs condition reads. */
  nfs?: { server: string; path: string } | null;
}

export interface PodFacts {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** backup.velero.io/backup-volumes (comma-separated, as on the pod). */
  backupVolumes?: string;
  /** backup.velero.io/backup-volumes-excludes. */
  backupVolumesExcludes?: string;
  /** Empty when not scheduled. */
  nodeName: string;
  /** status.phase ("Running", "Pending", "Succeeded", …). */
  phase: string;
  /** metadata.deletionTimestamp is set. */
  deleting: boolean;
  volumes: PodVolumeFacts[];
  /** Names of the volumes some container (or init container) mounts. */
  mounted: string[];
  /** The controller owning the pod ("StatefulSet/cassandra"), for the wording of fixes. */
  owner?: { kind: string; name: string } | null;
}

export interface PvcFacts {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** spec.storageClassName: null when unset (Velero's CSI action then errors), "" when set to empty. */
  storageClassName: string | null;
  /** spec.volumeName ("" when not bound). */
  volumeName: string;
  /** status.phase: Bound, Pending, Lost. */
  phase: string;
  volumeMode: "Filesystem" | "Block";
  /** spec.resources.requests.storage in bytes (null when unreadable). */
  requestBytes: number | null;
  /** velero.io/csi-volumesnapshot-class annotation. */
  snapshotClass?: string;
  deleting: boolean;
}

export interface PvFacts {
  name: string;
  /** spec.csi.driver, when the PV is a CSI volume. */
  csiDriver: string | null;
  csiVolumeAttributes?: Record<string, string>;
  /** The PV's source type (csi, hostPath, local, nfs, awsElasticBlockStore, …), as Velero's volumeTypes condition reads it. */
  source: string;
  nfs?: { server: string; path: string } | null;
  capacityBytes: number | null;
  storageClassName: string;
  labels: Record<string, string>;
}

export interface VolumeSnapshotClassFacts {
  name: string;
  driver: string;
  /** Carries the label velero.io/csi-volumesnapshot-class (any value). */
  veleroLabel: boolean;
  /** Annotated snapshot.storage.kubernetes.io/is-default-class: "true". */
  isDefault: boolean;
}

export interface NamespaceFacts {
  name: string;
  labels: Record<string, string>;
  deleting: boolean;
}

/** A VolumeSnapshotLocation (native snapshots): only its provider matters to the prediction. */
export interface SnapshotLocationFacts {
  name: string;
  provider: string;
}

/** One volume policy of a resource-policy ConfigMap (velero-api.md §7.3); conditions absent = not constrained. */
export interface VolumePolicy {
  conditions: {
    /** "min,max" in bytes; either side may be null. */
    capacity?: { min: number | null; max: number | null };
    storageClass?: string[];
    csi?: { driver?: string; volumeAttributes?: Record<string, string> };
    nfs?: { server?: string; path?: string };
    volumeTypes?: string[];
    pvcLabels?: Record<string, string>;
    pvcPhase?: string[];
  };
  action: "skip" | "snapshot" | "fs-backup" | "custom";
}

export interface ResourcePolicyFacts {
  /** The ConfigMap's name in the Velero namespace. */
  name: string;
  volumePolicies: VolumePolicy[];
  /** Why the ConfigMap cannot be used (not version v1, not exactly one key, unparsable): Velero fails the backup. */
  invalid?: string;
}

/** Velero's server as it runs on the cluster. */
export interface VeleroFacts {
  /** --features includes EnableCSI. */
  csiEnabled: boolean;
  /** --default-volumes-to-fs-backup. */
  defaultVolumesToFsBackup: boolean;
  /** --default-snapshot-move-data. */
  defaultSnapshotMoveData: boolean;
  /**
   * Nodes on which a node-agent pod is Running; null when the cluster has no node-agent at all (FSB and data
   * movement impossible).
   */
  nodeAgentNodes: string[] | null;
}

export interface ClusterFacts {
  velero: VeleroFacts;
  namespaces: NamespaceFacts[];
  pods: PodFacts[];
  pvcs: PvcFacts[];
  pvs: PvFacts[];
  volumeSnapshotClasses: VolumeSnapshotClassFacts[];
  snapshotLocations: SnapshotLocationFacts[];
  resourcePolicies: ResourcePolicyFacts[];
  /** The snapshot.storage.k8s.io API is served (external-snapshotter installed). */
  snapshotApi: boolean;
}

export interface SelectorRequirementFacts {
  key: string;
  operator: string; // In, NotIn, Exists, DoesNotExist
  values: string[];
}
export interface SelectorFacts {
  matchLabels: Record<string, string>;
  matchExpressions: SelectorRequirementFacts[];
}

/** A backup plan: a Schedule's template, or "an on-demand backup of everything" when no schedule covers a volume. */
export interface BackupPlan {
  /** The Schedule's name, or "" for the on-demand backup. */
  name: string;
  paused: boolean;
  /** A Backup's spec after Velero's defaults (velero-api.md §2.1); absent fields as Velero reads them. */
  spec: {
    includedNamespaces: string[]; // [] or ["*"] = all
    excludedNamespaces: string[];
    includedResources: string[]; // [] or ["*"] = all
    excludedResources: string[];
    includedNamespaceScopedResources: string[];
    excludedNamespaceScopedResources: string[];
    /** labelSelector, or the ORed orLabelSelectors; [] = everything. */
    labelSelectors: SelectorFacts[];
    snapshotVolumes: boolean | null;
    defaultVolumesToFsBackup: boolean | null;
    snapshotMoveData: boolean | null;
    /** spec.resourcePolicy.name (a ConfigMap). */
    resourcePolicy: string | null;
    /** The Backup's annotations velero.io/csi-volumesnapshot-class_<driver>, by driver. */
    snapshotClassByDriver: Record<string, string>;
  };
}

export type CoverageMethod =
  | "FSB" // file-system backup (kopia)
  | "CSI_SNAPSHOT" // CSI snapshot kept in the storage system
  | "CSI_DATA_MOVED" // CSI snapshot + data movement to the location
  | "NATIVE_SNAPSHOT" // a VolumeSnapshotLocation's plugin
  | "CUSTOM" // a resource policy hands it to an external plugin
  | "SKIPPED" // Velero chose a method that will not run (pod not Running, no node-agent, …)
  | "ERROR" // the backup will report an error for it (PVC without storage class, no VolumeSnapshotClass, …)
  | "NOT_COVERED"; // no backup carries its data

/** Best first: the order in which a volume's protection is reported (and the schedules giving it are listed). */
export const METHOD_RANK = [
  "CSI_DATA_MOVED",
  "FSB",
  "CSI_SNAPSHOT",
  "NATIVE_SNAPSHOT",
  "CUSTOM",
  "SKIPPED",
  "ERROR",
  "NOT_COVERED",
] as const satisfies readonly CoverageMethod[];

/** The methods that put the volume's data somewhere (CUSTOM: an external plugin has it, by the operator's policy). */
export const PROTECTING_METHODS: ReadonlySet<CoverageMethod> = new Set<CoverageMethod>([
  "CSI_DATA_MOVED",
  "FSB",
  "CSI_SNAPSHOT",
  "NATIVE_SNAPSHOT",
  "CUSTOM",
]);

/** A concrete way to make a volume covered: words, and where it applies, what to run or apply. */
export interface CoverageFix {
  text: string;
  /** A kubectl command, or a YAML snippet to apply. */
  command?: string;
  yaml?: string;
}

/** What one plan does with one volume. */
export interface PlanDecision {
  /** BackupPlan.name ("" = on-demand backup of everything). */
  plan: string;
  method: CoverageMethod;
  /** velero-api.md §9 branch that decided, e.g. "0", "A.c", "B.a", "B.c/CSI". */
  rule: string;
  /** Why, when the method is not a protection (SKIPPED, ERROR, NOT_COVERED), or a note on it. */
  reason: string | null;
  fix: CoverageFix | null;
}

/** One volume: a PVC (with the pods that mount it), or a pod volume that is not a PVC (emptyDir, hostPath, …). */
export interface VolumeCoverage {
  /** "pvc/<ns>/<name>" or "pod/<ns>/<pod>/<volume>". */
  key: string;
  namespace: string;
  pvc: string | null;
  pv: string | null;
  /** The pods mounting it (a PVC may have none); for a pod volume, its pod. */
  pods: string[];
  /** The pod volume's name (for a PVC: the name in the first mounting pod). */
  volumeName: string | null;
  source: string;
  storageClass: string | null;
  csiDriver: string | null;
  bytes: number | null;
  /** The best method over the plans (data moved > FSB > CSI > native > custom > skipped > error > not covered). */
  method: CoverageMethod;
  /** The plans that give it that method. */
  plans: string[];
  reason: string | null;
  fix: CoverageFix | null;
  rule: string;
  /** One per schedule (paused ones included, never covering). */
  decisions: PlanDecision[];
  /**
   * What an on-demand backup of everything would do with it: shown when no running schedule covers the volume (its
   * method is then NOT_COVERED, "in no schedule"), and when the cluster has no schedule at all.
   */
  onDemand: PlanDecision;
}
