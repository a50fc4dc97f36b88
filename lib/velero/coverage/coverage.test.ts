import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { computeCoverage, METHOD_RANK, summarize } from "./coverage";
import { buildLookup, chooseVsc } from "./decide";
import { toYaml } from "./reasons";
import { aCluster, aLargeCluster, aNamespace, aPlan, aPod, aPv, aPvc, aVsc, GiB } from "./fixtures";
import type {
  BackupPlan,
  ClusterFacts,
  CoverageMethod,
  PodFacts,
  PvcFacts,
  PvFacts,
  VeleroFacts,
  VolumeCoverage,
  VolumePolicy,
} from "./types";

// velero-api.md §9, one case per branch: the base cluster (fixtures.ts) is cassandra-0 in db, Running on n1 with a
// node-agent, its PVC data-cassandra-0 on a CSI PV of csi.example.com with a labelled VolumeSnapshotClass, and an
// emptyDir "cache"; each case bends it a little and reads what schedule "daily" does with one volume.

const PVC = "pvc/db/data-cassandra-0";
const CACHE = "pod/db/cassandra-0/cache";

interface Case {
  name: string;
  pod?: Partial<PodFacts>;
  pvc?: Partial<PvcFacts>;
  pv?: Partial<PvFacts>;
  velero?: Partial<VeleroFacts>;
  cluster?: Partial<ClusterFacts>;
  /** Volume policies of ConfigMap "vp", which the plan then names. */
  policies?: VolumePolicy[];
  plan?: Partial<BackupPlan["spec"]>;
  key?: string;
  method: CoverageMethod;
  rule: string;
  reason?: RegExp;
  fix?: RegExp | null;
  command?: string;
}

function factsOf(c: Omit<Case, "name" | "method" | "rule">): ClusterFacts {
  const base = aCluster();
  return aCluster({
    pods: [aPod(c.pod)],
    pvcs: [aPvc(c.pvc)],
    pvs: [aPv(c.pv)],
    ...(c.policies ? { resourcePolicies: [{ name: "vp", volumePolicies: c.policies }] } : {}),
    ...c.cluster,
    velero: { ...base.velero, ...c.velero },
  });
}

const planOf = (c: Pick<Case, "plan" | "policies">) =>
  aPlan("daily", { ...(c.policies ? { resourcePolicy: "vp" } : {}), ...c.plan });

function rowOf(rows: VolumeCoverage[], key: string): VolumeCoverage {
  const row = rows.find((r) => r.key === key);
  if (!row) throw new Error(`no row ${key} among ${rows.map((r) => r.key).join(", ")}`);
  return row;
}

const decisionOf = (c: Omit<Case, "name" | "method" | "rule">) =>
  rowOf(computeCoverage(factsOf(c), [planOf(c)]), c.key ?? PVC).decisions[0];

const policy = (conditions: VolumePolicy["conditions"], action: VolumePolicy["action"]): VolumePolicy => ({
  conditions,
  action,
});
const ON_CSI = { csi: { driver: "csi.example.com" } };
const ON_EMPTYDIR = { volumeTypes: ["emptyDir"] };
const OPT_IN: Partial<PodFacts> = { backupVolumes: "data" };

const cases: Case[] = [
  // --- 0: item filters ----------------------------------------------------------------------------------------
  {
    name: "§9 0/namespace: a namespace outside the included namespaces is not covered",
    plan: { includedNamespaces: ["web"] },
    method: "NOT_COVERED",
    rule: "0/namespace",
    reason: /schedule daily leaves it out: namespace db is not among its included namespaces/,
    fix: /Add namespace db to the namespaces of schedule daily/,
  },
  {
    name: "§9 0/namespace: a namespace matching an excluded glob is not covered",
    plan: { excludedNamespaces: ["d*"] },
    method: "NOT_COVERED",
    rule: "0/namespace",
    reason: /matches its excluded namespace pattern "d\*"/,
  },
  {
    name: "§9 0/namespace-label: a namespace labelled velero.io/exclude-from-backup=true is not covered",
    cluster: { namespaces: [aNamespace({ labels: { "velero.io/exclude-from-backup": "true" } })] },
    method: "NOT_COVERED",
    rule: "0/namespace-label",
    command: "kubectl label namespace db velero.io/exclude-from-backup-",
  },
  {
    name: "§9 0/deleting: a namespace being deleted is not covered, and there is nothing to fix",
    cluster: { namespaces: [aNamespace({ deleting: true })] },
    method: "NOT_COVERED",
    rule: "0/deleting",
    fix: null,
  },
  {
    name: "§9 0/label: a PVC labelled velero.io/exclude-from-backup=true is not covered",
    pvc: { labels: { "velero.io/exclude-from-backup": "true" } },
    method: "NOT_COVERED",
    rule: "0/label",
    reason: /PVC data-cassandra-0 is labelled velero.io\/exclude-from-backup=true/,
    command: "kubectl -n db label pvc data-cassandra-0 velero.io/exclude-from-backup-",
  },
  {
    name: "§9 0/deleting: a PVC being deleted is not covered",
    pvc: { deleting: true },
    method: "NOT_COVERED",
    rule: "0/deleting",
    fix: null,
  },
  {
    name: "§9 0/resource: PVCs excluded by the old resource filters",
    plan: { excludedResources: ["persistentvolumeclaims"] },
    method: "NOT_COVERED",
    rule: "0/resource",
    reason: /its resource filters leave out persistentvolumeclaims/,
  },
  {
    name: "§9 0/resource: PVCs missing from the old included resources",
    plan: { includedResources: ["pods", "deployments.apps"] },
    method: "NOT_COVERED",
    rule: "0/resource",
  },
  {
    name: "§9 0/resource: PVCs excluded by the new namespace-scoped filters (short name)",
    plan: { excludedNamespaceScopedResources: ["pvc"] },
    method: "NOT_COVERED",
    rule: "0/resource",
  },
  {
    name: "§9 0/selector: a PVC matching no label selector and mounted by no backed-up pod is not covered",
    plan: { labelSelectors: [{ matchLabels: { app: "web" }, matchExpressions: [] }] },
    method: "NOT_COVERED",
    rule: "0/selector",
    reason: /do not match its label selector "app=web" and no pod it backs up mounts the PVC/,
  },
  {
    name: "§9 0: the label selector does not apply to a PVC a backed-up pod mounts (an additional item of the pod)",
    pvc: { labels: {} },
    plan: { labelSelectors: [{ matchLabels: { app: "cassandra" }, matchExpressions: [] }] },
    method: "CSI_SNAPSHOT",
    rule: "B.c/CSI",
  },
  {
    name: "§9 0/label: an additional item still obeys its exclusion label",
    pvc: { labels: { "velero.io/exclude-from-backup": "true" } },
    plan: { labelSelectors: [{ matchLabels: { app: "cassandra" }, matchExpressions: [] }] },
    method: "NOT_COVERED",
    rule: "0/label",
  },
  {
    name: "§9 0/selector: a pod being deleted brings no additional item",
    pod: { deleting: true },
    pvc: { labels: {} },
    plan: { labelSelectors: [{ matchLabels: { app: "cassandra" }, matchExpressions: [] }] },
    method: "NOT_COVERED",
    rule: "0/selector",
  },
  {
    name: "§9 0/selector: the pod volume of a pod the selectors leave out is not covered",
    key: CACHE,
    pod: { backupVolumes: "cache" },
    plan: {
      labelSelectors: [
        { matchLabels: {}, matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }] },
        { matchLabels: { app: "web" }, matchExpressions: [] },
      ],
    },
    method: "NOT_COVERED",
    rule: "0/selector",
    reason: /pod cassandra-0 do not match its label selectors "tier in \(web, api\)" or "app=web"$/,
    fix: /Label pod cassandra-0 so that it matches/,
  },
  {
    name: "§9 0/plan: old and new resource filters mixed make Velero refuse the whole backup",
    plan: { includedResources: ["pods"], excludedNamespaceScopedResources: ["secrets"] },
    method: "ERROR",
    rule: "0/plan",
    reason: /Velero refuses the backups of schedule daily \(FailedValidation\): it mixes/,
  },
  {
    name: "§9 0/plan: a resource policy ConfigMap that does not exist fails the backup",
    plan: { resourcePolicy: "missing" },
    method: "ERROR",
    rule: "0/plan",
    reason: /resource policy ConfigMap missing does not exist/,
    fix: /Create ConfigMap missing in the Velero namespace/,
  },
  {
    name: "§9 0/plan: an invalid resource policy fails the backup",
    cluster: { resourcePolicies: [{ name: "vp", volumePolicies: [], invalid: 'version must be "v1"' }] },
    plan: { resourcePolicy: "vp" },
    method: "ERROR",
    rule: "0/plan",
    reason: /resource policy vp is invalid: version must be "v1"/,
  },

  // --- A: file-system backup ---------------------------------------------------------------------------------
  {
    name: "§9 A.a/hostpath: a hostPath pod volume is never copied",
    key: "pod/db/cassandra-0/logs",
    pod: {
      volumes: [...aPod().volumes, { name: "logs", source: "hostPath" }],
      mounted: ["data", "cache", "logs"],
      backupVolumes: "logs",
    },
    method: "NOT_COVERED",
    rule: "A.a/hostpath",
    reason: /hostPath volume: Velero can neither copy nor snapshot/,
  },
  {
    name: "§9 A.b: a volume policy fs-backup copies the PVC from its pod",
    policies: [policy(ON_CSI, "fs-backup")],
    method: "FSB",
    rule: "A.b",
    reason: /file-system backup \(kopia\) from pod cassandra-0/,
  },
  {
    name: "§9 A.b: a volume policy fs-backup copies an emptyDir",
    key: CACHE,
    policies: [policy(ON_EMPTYDIR, "fs-backup")],
    method: "FSB",
    rule: "A.b",
  },
  {
    name: "§9 A.b/skip: a volume policy skip on a pod volume",
    key: CACHE,
    pod: { backupVolumes: "cache" },
    policies: [policy(ON_EMPTYDIR, "skip")],
    method: "NOT_COVERED",
    rule: "A.b/skip",
    reason: /volume policy #1 of resource policy vp skips it/,
  },
  {
    name: "§9 A.b/custom: a volume policy custom hands a pod volume to an external plugin",
    key: CACHE,
    policies: [policy({ volumeTypes: ["nfs"] }, "skip"), policy(ON_EMPTYDIR, "custom")],
    method: "CUSTOM",
    rule: "A.b/custom",
    reason: /volume policy #2 of resource policy vp hands it to an external plugin/,
  },
  {
    name: "§9 A.b/snapshot: a volume policy snapshot cannot snapshot a pod volume",
    key: CACHE,
    pod: { backupVolumes: "cache" },
    policies: [policy(ON_EMPTYDIR, "snapshot")],
    method: "NOT_COVERED",
    rule: "A.b/snapshot",
  },
  {
    name: "§9 A.b/no-pod: fs-backup for a PVC no backed-up pod mounts leaves it without a copy",
    cluster: { pods: [] },
    policies: [policy(ON_CSI, "fs-backup")],
    method: "NOT_COVERED",
    rule: "A.b/no-pod",
  },
  {
    name: "§9 A.b: a matching policy wins over the pod's opt-in annotation",
    pod: OPT_IN,
    policies: [policy(ON_CSI, "snapshot")],
    method: "CSI_SNAPSHOT",
    rule: "B.a/CSI",
  },
  {
    name: "§9 A.c: a PVC named in backup.velero.io/backup-volumes is copied with FSB",
    pod: OPT_IN,
    method: "FSB",
    rule: "A.c",
  },
  {
    name: "§9 A.c: opt-out (the plan's defaultVolumesToFsBackup) copies every volume",
    plan: { defaultVolumesToFsBackup: true },
    method: "FSB",
    rule: "A.c",
  },
  {
    name: "§9 A.c: the server's --default-volumes-to-fs-backup applies when the plan says nothing",
    velero: { defaultVolumesToFsBackup: true },
    method: "FSB",
    rule: "A.c",
  },
  {
    name: "§9 A.c: the plan's defaultVolumesToFsBackup false overrides the server's",
    velero: { defaultVolumesToFsBackup: true },
    plan: { defaultVolumesToFsBackup: false },
    method: "CSI_SNAPSHOT",
    rule: "B.c/CSI",
  },
  {
    name: "§9 A.c: in opt-out mode a volume in backup-volumes-excludes is snapshotted instead",
    plan: { defaultVolumesToFsBackup: true },
    pod: { backupVolumesExcludes: "cache, data" },
    method: "CSI_SNAPSHOT",
    rule: "B.c/CSI",
  },
  {
    name: "§9 A.c/not-opted-in: an emptyDir not opted into FSB is not covered",
    key: CACHE,
    method: "NOT_COVERED",
    rule: "A.c/not-opted-in",
    reason: /emptyDir volume cache of pod cassandra-0 is not opted into file-system backup/,
    fix: /^Annotate pod cassandra-0 with backup.velero.io\/backup-volumes=cache\. Pod cassandra-0 is managed by StatefulSet\/cassandra/,
    command: "kubectl -n db annotate pod cassandra-0 backup.velero.io/backup-volumes=cache --overwrite",
  },
  {
    name: "§9 A.c/not-opted-in: the fix adds the volume to the pod's existing opt-in list",
    key: CACHE,
    pod: { backupVolumes: "data" },
    method: "NOT_COVERED",
    rule: "A.c/not-opted-in",
    command: "kubectl -n db annotate pod cassandra-0 backup.velero.io/backup-volumes=data,cache --overwrite",
  },
  {
    name: "§9 A.c/not-opted-in: in opt-out mode the fix takes the volume out of the excludes",
    key: CACHE,
    plan: { defaultVolumesToFsBackup: true },
    pod: { backupVolumesExcludes: "cache" },
    method: "NOT_COVERED",
    rule: "A.c/not-opted-in",
    reason: /pod cassandra-0 excludes emptyDir volume cache from file-system backup/,
    command: "kubectl -n db annotate pod cassandra-0 backup.velero.io/backup-volumes-excludes-",
  },
  {
    name: "§9 A.c/not-running: FSB chosen for a Pending pod is skipped, with no snapshot instead",
    pod: { ...OPT_IN, phase: "Pending" },
    method: "SKIPPED",
    rule: "A.c/not-running",
    reason: /the pod is Pending .* Velero takes no snapshot of a volume chosen for file-system backup/,
    command: "kubectl -n db annotate pod cassandra-0 backup.velero.io/backup-volumes-",
  },
  {
    name: "§9 A.c/not-scheduled: FSB chosen for an unscheduled pod is skipped",
    pod: { ...OPT_IN, phase: "Pending", nodeName: "" },
    method: "SKIPPED",
    rule: "A.c/not-scheduled",
  },
  {
    name: "§9 A.c/no-node-agent: FSB chosen on a cluster without node-agent is skipped",
    pod: OPT_IN,
    velero: { nodeAgentNodes: null },
    method: "SKIPPED",
    rule: "A.c/no-node-agent",
    fix: /^Enable file-system backup \(node-agent\) on this cluster/,
  },
  {
    name: "§9 A.c/no-node-agent-on-node: FSB chosen on a node without a node-agent pod is skipped",
    pod: OPT_IN,
    velero: { nodeAgentNodes: ["n2"] },
    method: "SKIPPED",
    rule: "A.c/no-node-agent-on-node",
    fix: /^Let node-agent run on node n1 \(it has no node-agent pod: check its taints against the DaemonSet's tolerations\)/,
  },
  {
    name: "§9 A.c/block: FSB chosen for a block-mode PVC is skipped",
    pod: { ...OPT_IN, mounted: ["cache", "config"] },
    pvc: { volumeMode: "Block" },
    method: "SKIPPED",
    rule: "A.c/block",
  },
  {
    name: "§9 A.c/not-mounted: FSB chosen for a volume no container mounts is skipped",
    pod: { ...OPT_IN, mounted: ["cache"] },
    method: "SKIPPED",
    rule: "A.c/not-mounted",
  },
  {
    name: "§9 A.c/hostpath: FSB chosen for a PVC on a hostPath PV is skipped",
    pod: OPT_IN,
    pv: { csiDriver: null, source: "hostPath" },
    method: "SKIPPED",
    rule: "A.c/hostpath",
  },
  {
    name: "§9 A.c/not-running: FSB of an emptyDir in a Pending pod is skipped",
    key: CACHE,
    pod: { backupVolumes: "cache", phase: "Pending" },
    method: "SKIPPED",
    rule: "A.c/not-running",
    fix: /^Get pod cassandra-0 Running/,
  },
  {
    name: "§9 A.b/not-running: FSB chosen by a policy is skipped too, and the fix is the policy's",
    pod: { phase: "Pending" },
    policies: [policy(ON_CSI, "fs-backup")],
    method: "SKIPPED",
    rule: "A.b/not-running",
    fix: /change volume policy #1 of resource policy vp so that this volume gets action snapshot/,
  },

  // --- B: snapshots ------------------------------------------------------------------------------------------
  {
    name: "§9 B.a/skip: a volume policy skip leaves the PVC out",
    policies: [policy(ON_CSI, "skip")],
    method: "NOT_COVERED",
    rule: "B.a/skip",
    reason: /volume policy #1 of resource policy vp skips it/,
  },
  {
    name: "§9 B.a/custom: a volume policy custom hands the PVC to an external plugin",
    policies: [policy({ storageClass: ["fast"] }, "custom")],
    method: "CUSTOM",
    rule: "B.a/custom",
  },
  {
    name: "§9 B.a/CSI: a volume policy snapshot snapshots even when the plan turns snapshots off",
    policies: [policy({ capacity: { min: GiB, max: null } }, "snapshot")],
    plan: { snapshotVolumes: false },
    method: "CSI_SNAPSHOT",
    rule: "B.a/CSI",
  },
  {
    name: "§9 B.a/unbound: a Pending PVC without a matching policy errors under EnableCSI",
    pvc: { phase: "Pending", volumeName: "" },
    method: "ERROR",
    rule: "B.a/unbound",
    reason: /PVC data-cassandra-0 is Pending: it has no volume, and Velero's CSI plugin reports an error/,
    fix: /skip unbound PVCs with a volume policy/,
  },
  {
    name: "§9 B.a/unbound: without EnableCSI an unbound PVC has nothing to back up",
    pvc: { phase: "Pending", volumeName: "" },
    velero: { csiEnabled: false },
    method: "NOT_COVERED",
    rule: "B.a/unbound",
  },
  {
    name: "§9 B.a/skip: a pvcPhase skip policy silences an unbound PVC",
    pvc: { phase: "Lost", volumeName: "" },
    policies: [policy({ pvcPhase: ["Pending", "Lost"] }, "skip")],
    method: "NOT_COVERED",
    rule: "B.a/skip",
  },
  {
    name: "§9 B.a/unbound: a Bound PVC whose PV is gone errors like an unbound one",
    cluster: { pvs: [] },
    method: "ERROR",
    rule: "B.a/unbound",
    reason: /PV pv-data of PVC data-cassandra-0 cannot be found/,
  },
  {
    name: "§9 B.b: a pod outside the backup that opts the PVC into FSB rules its snapshot out",
    pod: { ...OPT_IN, labels: { app: "other" } },
    plan: { labelSelectors: [{ matchLabels: { app: "cassandra" }, matchExpressions: [] }] },
    method: "NOT_COVERED",
    rule: "B.b",
    reason: /pod cassandra-0 names volume data for file-system backup, which stops Velero from snapshotting/,
    command: "kubectl -n db annotate pod cassandra-0 backup.velero.io/backup-volumes-",
  },
  {
    name: "§9 B.b: so does an opted-in pod being deleted (any phase counts)",
    pod: { ...OPT_IN, deleting: true },
    method: "NOT_COVERED",
    rule: "B.b",
    reason: /pod cassandra-0 is being deleted$/,
  },
  {
    name: "§9 B.c/snapshot-volumes-off: snapshotVolumes false and no FSB leaves the PVC uncovered",
    plan: { snapshotVolumes: false },
    method: "NOT_COVERED",
    rule: "B.c/snapshot-volumes-off",
    command: "kubectl -n db annotate pod cassandra-0 backup.velero.io/backup-volumes=data --overwrite",
  },
  {
    name: "§9 B.c/CSI: a CSI PV with a VolumeSnapshotClass gets a CSI snapshot",
    method: "CSI_SNAPSHOT",
    rule: "B.c/CSI",
    reason: /^CSI snapshot with VolumeSnapshotClass fast-snap, kept in the storage system$/,
  },
  {
    name: "§9 B.c/data-moved: the plan's snapshotMoveData moves the snapshot's data",
    plan: { snapshotMoveData: true },
    method: "CSI_DATA_MOVED",
    rule: "B.c/data-moved",
  },
  {
    name: "§9 B.c/data-moved: the server's --default-snapshot-move-data applies when the plan says nothing",
    velero: { defaultSnapshotMoveData: true },
    method: "CSI_DATA_MOVED",
    rule: "B.c/data-moved",
  },
  {
    name: "§9 B.c/CSI: the plan's snapshotMoveData false overrides the server's default",
    velero: { defaultSnapshotMoveData: true },
    plan: { snapshotMoveData: false },
    method: "CSI_SNAPSHOT",
    rule: "B.c/CSI",
  },
  {
    name: "§9 B.c/no-node-agent: data movement without a node-agent errors",
    plan: { snapshotMoveData: true },
    velero: { nodeAgentNodes: null },
    method: "ERROR",
    rule: "B.c/no-node-agent",
    fix: /^Enable file-system backup \(node-agent\)/,
  },
  {
    name: "§9 B.c/no-storage-class: a PVC without a storage class errors in the CSI plugin",
    pvc: { storageClassName: null },
    method: "ERROR",
    rule: "B.c/no-storage-class",
    fix: /^Set a storage class on PVC data-cassandra-0/,
    command: `kubectl -n db patch pvc data-cassandra-0 -p '{"spec":{"storageClassName":"fast"}}'`,
  },
  {
    name: "§9 B.c/no-storage-class: an empty storage class errors too",
    pvc: { storageClassName: "" },
    method: "ERROR",
    rule: "B.c/no-storage-class",
  },
  {
    name: "§9 B.c/no-storage-class: the CSI plugin checks it before the PV, even for a non-CSI PV",
    pvc: { storageClassName: null },
    pv: { csiDriver: null, source: "azureDisk" },
    cluster: { snapshotLocations: [{ name: "azure", provider: "velero.io/azure" }] },
    method: "ERROR",
    rule: "B.c/no-storage-class",
  },
  {
    name: "§9 B.c/no-snapshot-api: without the snapshot.storage.k8s.io API CSI snapshots error",
    cluster: { snapshotApi: false },
    method: "ERROR",
    rule: "B.c/no-snapshot-api",
    fix: /external-snapshotter/,
  },
  {
    name: "§9 B.c/no-vsc: a CSI PV whose driver has no VolumeSnapshotClass errors",
    cluster: { volumeSnapshotClasses: [aVsc({ driver: "ebs.csi.aws.com" })] },
    method: "ERROR",
    rule: "B.c/no-vsc",
    reason: /no VolumeSnapshotClass exists for driver csi.example.com/,
    fix: /^Add a VolumeSnapshotClass for driver csi.example.com$/,
  },
  {
    name: "§9 B.c/no-vsc: several classes for the driver, none labelled or default, errors",
    cluster: {
      volumeSnapshotClasses: [aVsc({ name: "a", veleroLabel: false }), aVsc({ name: "b", veleroLabel: false })],
    },
    method: "ERROR",
    rule: "B.c/no-vsc",
    command: "kubectl label volumesnapshotclass a velero.io/csi-volumesnapshot-class=true",
  },
  {
    name: "§9 B.c/no-vsc: a PVC annotation naming another driver's class does not help",
    pvc: { snapshotClass: "ebs" },
    cluster: { volumeSnapshotClasses: [aVsc({ name: "ebs", driver: "ebs.csi.aws.com" })] },
    method: "ERROR",
    rule: "B.c/no-vsc",
    reason: /the annotation naming ebs does not help: it is for ebs.csi.aws.com/,
  },
  {
    name: "§9 B.c/CSI: a PVC annotation naming another driver's class is passed over for the driver's own",
    pvc: { snapshotClass: "ebs" },
    cluster: { volumeSnapshotClasses: [aVsc({ name: "ebs", driver: "ebs.csi.aws.com" }), aVsc()] },
    method: "CSI_SNAPSHOT",
    rule: "B.c/CSI",
    reason:
      /VolumeSnapshotClass fast-snap.*names VolumeSnapshotClass ebs, which is for driver ebs.csi.aws.com, so Velero passed over it/,
  },
  {
    name: "§9 B.c/native: without EnableCSI an EBS PV is snapshotted by the aws VolumeSnapshotLocation",
    velero: { csiEnabled: false },
    pv: { csiDriver: null, source: "awsElasticBlockStore" },
    cluster: { snapshotLocations: [{ name: "aws-default", provider: "velero.io/aws" }] },
    method: "NATIVE_SNAPSHOT",
    rule: "B.c/native",
    reason: /native snapshot by VolumeSnapshotLocation aws-default \(provider velero.io\/aws\)/,
  },
  {
    name: "§9 B.c/native: a non-CSI PV goes the native way even with EnableCSI",
    pv: { csiDriver: null, source: "azureDisk" },
    cluster: {
      snapshotLocations: [
        { name: "aws", provider: "aws" },
        { name: "azure", provider: "azure" },
      ],
    },
    method: "NATIVE_SNAPSHOT",
    rule: "B.c/native",
    reason: /VolumeSnapshotLocation azure/,
  },
  {
    name: "§9 B.c/native: without EnableCSI a CSI PV of the EBS driver is the aws plugin's",
    velero: { csiEnabled: false },
    pv: { csiDriver: "ebs.csi.aws.com" },
    cluster: { snapshotLocations: [{ name: "aws", provider: "velero.io/aws" }] },
    method: "NATIVE_SNAPSHOT",
    rule: "B.c/native",
  },
  {
    name: "§9 B.c/no-vsl: no VolumeSnapshotLocation knows the PV: no applicable volumesnapshotter found",
    pv: { csiDriver: null, source: "awsElasticBlockStore" },
    cluster: { snapshotLocations: [{ name: "gcp", provider: "velero.io/gcp" }] },
    method: "SKIPPED",
    rule: "B.c/no-vsl",
    reason: /^no applicable volumesnapshotter found for PV pv-data \(awsElasticBlockStore\)$/,
    fix: /^Add a VolumeSnapshotLocation for provider aws$/,
  },
  {
    name: "§9 B.c/no-vsl: a CSI PV without EnableCSI and without a plugin for its driver is skipped",
    velero: { csiEnabled: false },
    method: "SKIPPED",
    rule: "B.c/no-vsl",
    fix: /--features=EnableCSI/,
  },
  {
    name: "§9 B.c/no-vsl: an NFS PV has no snapshotter: the fix is FSB",
    pv: { csiDriver: null, source: "nfs", nfs: { server: "s", path: "/p" } },
    method: "SKIPPED",
    rule: "B.c/no-vsl",
    fix: /^No snapshotter handles nfs volumes: copy PVC data-cassandra-0 with file-system backup/,
  },
  {
    name: "§9 B.c/hostpath: a hostPath PV cannot be snapshotted",
    pv: { csiDriver: null, source: "hostPath" },
    method: "NOT_COVERED",
    rule: "B.c/hostpath",
  },
];

describe("§9 decisions, one case per branch", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const d = decisionOf(c);
    expect({ method: d.method, rule: d.rule }).toEqual({ method: c.method, rule: c.rule });
    expect(d.plan).toBe("daily");
    if (c.reason) expect(d.reason).toMatch(c.reason);
    if (c.fix === null) expect(d.fix).toBeNull();
    else if (c.fix) expect(d.fix?.text).toMatch(c.fix);
    if (c.command) expect(d.fix?.command).toBe(c.command);
    // A reason for every outcome that does not protect, a fix for every one that can be fixed.
    if (["SKIPPED", "ERROR", "NOT_COVERED"].includes(d.method)) {
      expect(d.reason).toBeTruthy();
      if (!d.rule.endsWith("deleting")) expect(d.fix?.text).toBeTruthy();
    }
  });

  it("FSB of a PVC without a storage class under EnableCSI notes the error the CSI plugin still reports", () => {
    const d = decisionOf({ pod: OPT_IN, pvc: { storageClassName: null } });
    expect(d.method).toBe("FSB");
    expect(d.reason).toMatch(/still reports an error for the PVC: it has no storage class/);
  });
});

describe("§8 VolumeSnapshotClass selection order", () => {
  const driver = "csi.example.com";
  const plan = (byDriver: Record<string, string> = {}) => aPlan("daily", { snapshotClassByDriver: byDriver });
  const choose = (classes: ReturnType<typeof aVsc>[], pvc: Partial<PvcFacts> = {}, byDriver = {}) =>
    chooseVsc(buildLookup(aCluster({ volumeSnapshotClasses: classes })), driver, aPvc(pvc), plan(byDriver));
  const labelled = aVsc({ name: "labelled" });
  const byDefault = aVsc({ name: "by-default", veleroLabel: false, isDefault: true });
  const plain = aVsc({ name: "plain", veleroLabel: false });
  const pvcNamed = aVsc({ name: "PVC-Named", veleroLabel: false });
  const backupNamed = aVsc({ name: "backup-named", veleroLabel: false });

  it.each<[string, ReturnType<typeof choose>, string | null, string | null]>([
    [
      "1. the PVC's annotation velero.io/csi-volumesnapshot-class (names compared without case)",
      choose(
        [labelled, byDefault, pvcNamed, backupNamed],
        { snapshotClass: "pvc-named" },
        { [driver]: "backup-named" },
      ),
      "PVC-Named",
      "pvc-annotation",
    ],
    [
      "2. the Backup's annotation velero.io/csi-volumesnapshot-class_<driver>",
      choose([labelled, byDefault, backupNamed], {}, { [driver]: "backup-named" }),
      "backup-named",
      "backup-annotation",
    ],
    [
      "3. the driver's class labelled velero.io/csi-volumesnapshot-class",
      choose([plain, byDefault, labelled]),
      "labelled",
      "label",
    ],
    [
      "4. the driver's class annotated snapshot.storage.kubernetes.io/is-default-class",
      choose([plain, byDefault]),
      "by-default",
      "default",
    ],
    ["5. the driver's only class", choose([plain, aVsc({ name: "ebs", driver: "ebs.csi.aws.com" })]), "plain", "only"],
    ["6. several classes and none chosen: none", choose([plain, backupNamed]), null, null],
    ["6. no class for the driver: none", choose([aVsc({ driver: "ebs.csi.aws.com" })]), null, null],
    [
      "a class of another driver is never labelled-in for this one",
      choose([aVsc({ name: "ebs", driver: "ebs.csi.aws.com" }), plain, byDefault]),
      "by-default",
      "default",
    ],
  ])("%s", (_name, choice, name, via) => {
    expect(choice.vsc?.name ?? null).toBe(name);
    if (choice.vsc) expect(choice.via).toBe(via);
  });

  it("a PVC annotation naming no class, or another driver's, is passed over and the search goes on", () => {
    const missing = choose([labelled], { snapshotClass: "gone" });
    expect(missing).toMatchObject({ vsc: { name: "labelled" }, via: "label" });
    expect(missing.ignored).toEqual([{ name: "gone", via: "pvc-annotation", driver: null }]);
    const other = choose([labelled, aVsc({ name: "ebs", driver: "ebs.csi.aws.com" })], {}, { [driver]: "ebs" });
    expect(other.ignored).toEqual([{ name: "ebs", via: "backup-annotation", driver: "ebs.csi.aws.com" }]);
  });

  it("with no class left the candidates are named for the fix", () => {
    expect(choose([plain, backupNamed])).toMatchObject({ vsc: null, candidates: ["plain", "backup-named"] });
  });
});

describe("computeCoverage rows", () => {
  it("a PVC row and a pod-volume row; config-like volumes are not listed", () => {
    const rows = computeCoverage(aCluster(), [aPlan()]);
    expect(rows.map((r) => r.key)).toEqual([PVC, CACHE]);
    expect(rowOf(rows, PVC)).toMatchObject({
      namespace: "db",
      pvc: "data-cassandra-0",
      pv: "pv-data",
      pods: ["cassandra-0"],
      volumeName: "data",
      source: "csi",
      storageClass: "fast",
      csiDriver: "csi.example.com",
      bytes: 10 * GiB,
    });
    expect(rowOf(rows, CACHE)).toMatchObject({
      pvc: null,
      pv: null,
      pods: ["cassandra-0"],
      volumeName: "cache",
      source: "emptyDir",
      storageClass: null,
      bytes: GiB,
    });
  });

  it("an unbound PVC without pods has a row of its own with its requested size", () => {
    const rows = computeCoverage(aCluster({ pods: [], pvcs: [aPvc({ phase: "Pending", volumeName: "" })] }), [aPlan()]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      pv: null,
      pods: [],
      volumeName: null,
      source: "persistentVolumeClaim",
      bytes: 10 * GiB,
    });
  });

  it("volumes in the protected namespaces are left out entirely", () => {
    const facts = aCluster({
      namespaces: [aNamespace(), aNamespace({ name: "kube-system" }), aNamespace({ name: "velero" })],
      pods: [
        aPod(),
        aPod({ namespace: "kube-system", name: "etcd-0" }),
        aPod({ namespace: "velero", name: "node-agent-x" }),
      ],
      pvcs: [aPvc(), aPvc({ namespace: "kube-system" })],
    });
    expect(computeCoverage(facts, [aPlan()]).map((r) => r.key)).toEqual([PVC, CACHE]);
  });

  it("an RWX PVC mounted by several pods is one volume, copied by the pod that can run the copy", () => {
    const pending = aPod({ name: "web-0", phase: "Pending", backupVolumes: "shared" });
    const running = aPod({ name: "web-1", backupVolumes: "shared" });
    const mount = (p: PodFacts): PodFacts => ({
      ...p,
      volumes: [{ name: "shared", source: "persistentVolumeClaim", claimName: "data-cassandra-0" }],
      mounted: ["shared"],
    });
    const rows = computeCoverage(aCluster({ pods: [mount(pending), mount(running)] }), [aPlan()]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ pods: ["web-0", "web-1"], volumeName: "shared", method: "FSB", rule: "A.c" });
    expect(rows[0].reason).toMatch(/from pod web-1/);
  });

  it("a generic ephemeral volume is one row with its PVC <pod>-<volume>, copied through the pod", () => {
    const pod = aPod({
      volumes: [{ name: "scratch", source: "ephemeral" }],
      mounted: ["scratch"],
      backupVolumes: "scratch",
    });
    const rows = computeCoverage(aCluster({ pods: [pod], pvcs: [aPvc({ name: "cassandra-0-scratch" })] }), [aPlan()]);
    expect(rows.map((r) => r.key)).toEqual(["pvc/db/cassandra-0-scratch"]);
    expect(rows[0]).toMatchObject({ pods: ["cassandra-0"], method: "FSB", rule: "A.c" });
  });

  it("an ephemeral volume whose PVC is not there yet is a pod-volume row", () => {
    const pod = aPod({ volumes: [{ name: "scratch", source: "ephemeral" }], mounted: ["scratch"] });
    expect(computeCoverage(aCluster({ pods: [pod], pvcs: [] }), [aPlan()]).map((r) => r.key)).toEqual([
      "pod/db/cassandra-0/scratch",
    ]);
  });
});

describe("the best decision over the schedules", () => {
  const facts = aCluster();
  const run = (...plans: BackupPlan[]) => rowOf(computeCoverage(facts, plans), PVC);

  it("the best method over the running schedules, and the schedules that give it", () => {
    const row = run(
      aPlan("daily"),
      aPlan("hourly", { snapshotMoveData: true }),
      aPlan("weekly", { snapshotMoveData: true }),
    );
    expect(row).toMatchObject({ method: "CSI_DATA_MOVED", plans: ["hourly", "weekly"], rule: "B.c/data-moved" });
    expect(row.decisions.map((d) => [d.plan, d.method])).toEqual([
      ["daily", "CSI_SNAPSHOT"],
      ["hourly", "CSI_DATA_MOVED"],
      ["weekly", "CSI_DATA_MOVED"],
    ]);
  });

  it("a covering schedule wins over one that leaves the volume out", () => {
    const row = run(aPlan("web", { includedNamespaces: ["web"] }), aPlan("daily"));
    expect(row).toMatchObject({ method: "CSI_SNAPSHOT", plans: ["daily"] });
  });

  it("paused schedules have decisions but never cover", () => {
    const row = run(aPlan("daily"), aPlan("nightly", { snapshotMoveData: true }, true));
    expect(row).toMatchObject({ method: "CSI_SNAPSHOT", plans: ["daily"] });
    expect(row.decisions.map((d) => d.plan)).toEqual(["daily", "nightly"]);
    expect(row.decisions[1].method).toBe("CSI_DATA_MOVED");
  });

  it("§9 0: only in paused schedules", () => {
    const row = run(aPlan("nightly", {}, true), aPlan("web", { includedNamespaces: ["web"] }));
    expect(row).toMatchObject({
      method: "NOT_COVERED",
      plans: [],
      rule: "0",
      reason: "only in paused schedule nightly",
    });
    expect(row.fix).toEqual({ text: "Unpause schedule nightly", command: "velero schedule unpause nightly" });
  });

  it("§9 0: a namespace in no schedule", () => {
    const row = run(aPlan("web", { includedNamespaces: ["web"] }));
    expect(row).toMatchObject({ method: "NOT_COVERED", rule: "0", reason: "namespace db is in no schedule" });
    expect(row.fix?.text).toBe("Namespace db is in no schedule: add it to a schedule");
    expect(row.onDemand).toMatchObject({ plan: "", method: "CSI_SNAPSHOT", rule: "B.c/CSI" });
  });

  it("§9 0: a schedule takes the namespace but leaves the volume out: its reason", () => {
    const row = run(aPlan("labelled", { labelSelectors: [{ matchLabels: { app: "web" }, matchExpressions: [] }] }));
    expect(row).toMatchObject({ method: "NOT_COVERED", rule: "0" });
    expect(row.reason).toMatch(/^schedule labelled leaves it out: the labels of PVC data-cassandra-0 do not match/);
  });

  it("§9 0: no schedule at all; the on-demand backup's answer is there", () => {
    const row = run();
    expect(row).toMatchObject({
      method: "NOT_COVERED",
      plans: [],
      rule: "0",
      reason: "no schedule backs up this cluster",
    });
    expect(row.decisions).toEqual([]);
    expect(row.onDemand).toMatchObject({ plan: "", method: "CSI_SNAPSHOT" });
    expect(row.fix?.text).toBe("Create a schedule that backs up namespace db");
  });

  it("the on-demand backup uses the server's defaults", () => {
    const f = aCluster({ velero: { ...aCluster().velero, defaultVolumesToFsBackup: true } });
    expect(rowOf(computeCoverage(f, []), PVC).onDemand).toMatchObject({ method: "FSB", rule: "A.c" });
  });

  it("a plan-wide error counts as including the volume", () => {
    const row = run(aPlan("broken", { resourcePolicy: "missing" }));
    expect(row).toMatchObject({ method: "ERROR", plans: ["broken"], rule: "0/plan" });
  });

  it("METHOD_RANK is the order of the issue", () => {
    expect(METHOD_RANK).toEqual([
      "CSI_DATA_MOVED",
      "FSB",
      "CSI_SNAPSHOT",
      "NATIVE_SNAPSHOT",
      "CUSTOM",
      "SKIPPED",
      "ERROR",
      "NOT_COVERED",
    ]);
  });
});

describe("fixes", () => {
  it("a controller-owned pod's fix carries its pod template's annotation as YAML", () => {
    const d = decisionOf({ key: CACHE, pod: { backupVolumes: "data" } });
    expect(d.fix?.text).toMatch(/set the annotation in StatefulSet\/cassandra's pod template as well/);
    expect(parseYaml(d.fix!.yaml!)).toEqual({
      spec: { template: { metadata: { annotations: { "backup.velero.io/backup-volumes": "data,cache" } } } },
    });
  });

  it("taking a volume out of FSB removes the annotation from the pod template too", () => {
    const d = decisionOf({ pod: { ...OPT_IN, phase: "Pending" } });
    expect(d.fix?.text).toMatch(/remove the annotation from StatefulSet\/cassandra's pod template too/);
    expect(parseYaml(d.fix!.yaml!)).toEqual({
      spec: { template: { metadata: { annotations: { "backup.velero.io/backup-volumes": null } } } },
    });
  });

  it("fix YAML quotes what YAML would not read back as the same string", () => {
    const tricky = ["true", "no", "1", "1e3", "0.5", "", "a b", "x: y", "#c", "-", "data,cache", "ünï", 'q"'];
    const map = Object.fromEntries(tricky.map((v, i) => [`k${i}`, v]));
    expect(parseYaml(toYaml({ top: map, list: [{ a: "1" }, "on"], empty: {} }))).toEqual({
      top: map,
      list: [{ a: "1" }, "on"],
      empty: {},
    });
  });

  it("a ReplicaSet's pod: the template is its Deployment's", () => {
    const d = decisionOf({ key: CACHE, pod: { owner: { kind: "ReplicaSet", name: "web-5d8f" } } });
    expect(d.fix?.text).toMatch(
      /managed by ReplicaSet\/web-5d8f: set the annotation in the pod template of its Deployment/,
    );
  });

  it("a bare pod: no template", () => {
    const d = decisionOf({ key: CACHE, pod: { owner: null } });
    expect(d.fix?.text).toBe("Annotate pod cassandra-0 with backup.velero.io/backup-volumes=cache");
    expect(d.fix?.yaml).toBeUndefined();
  });

  it("the VolumeSnapshotClass to add, as YAML", () => {
    const d = decisionOf({ cluster: { volumeSnapshotClasses: [] } });
    expect(parseYaml(d.fix!.yaml!)).toEqual({
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotClass",
      metadata: { name: "csi.example.com-velero", labels: { "velero.io/csi-volumesnapshot-class": "true" } },
      driver: "csi.example.com",
      deletionPolicy: "Retain",
    });
  });

  it("the skip policy for unbound PVCs, as YAML", () => {
    const d = decisionOf({ pvc: { phase: "Pending", volumeName: "" } });
    expect(parseYaml(d.fix!.yaml!)).toEqual({
      volumePolicies: [{ conditions: { pvcPhase: ["Pending", "Lost"] }, action: { type: "skip" } }],
    });
  });
});

describe("summarize", () => {
  it("counts volumes, covered volumes, and volumes and known bytes per method", () => {
    const facts = aCluster({
      pods: [aPod({ backupVolumes: "cache" }), aPod({ name: "cassandra-1", volumes: [], mounted: [] })],
      pvcs: [aPvc(), aPvc({ name: "orphan", volumeName: "", phase: "Pending", requestBytes: null })],
    });
    const s = summarize(computeCoverage(facts, [aPlan()]));
    expect(s.volumes).toBe(3);
    expect(s.covered).toBe(2);
    expect(s.byMethod.CSI_SNAPSHOT).toEqual({ volumes: 1, bytes: 10 * GiB, unsized: 0 });
    expect(s.byMethod.FSB).toEqual({ volumes: 1, bytes: GiB, unsized: 0 });
    expect(s.byMethod.ERROR).toEqual({ volumes: 1, bytes: 0, unsized: 1 });
    expect(s.byMethod.NOT_COVERED).toEqual({ volumes: 0, bytes: 0, unsized: 0 });
    expect(Object.keys(s.byMethod)).toEqual([...METHOD_RANK]);
  });

  it("no rows", () => {
    expect(summarize([])).toMatchObject({ volumes: 0, covered: 0 });
  });
});

describe("the large-cluster generator (for the bench)", () => {
  it("gives one PVC row and one emptyDir row per pod, each with a decision per schedule", () => {
    const rows = computeCoverage(aLargeCluster(500), [
      aPlan("a"),
      aPlan("b", { defaultVolumesToFsBackup: true }),
      aPlan("c"),
    ]);
    expect(rows).toHaveLength(1000);
    expect(rows.every((r) => r.decisions.length === 3)).toBe(true);
    const s = summarize(rows);
    expect(s.byMethod.FSB.volumes + s.byMethod.CSI_DATA_MOVED.volumes + s.byMethod.SKIPPED.volumes).toBe(1000);
  });
});
