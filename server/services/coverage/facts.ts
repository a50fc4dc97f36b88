import type { Db } from "../../db/client";
import { VELERO_NAMESPACE } from "../../kube/access";
import { COVERAGE_KINDS } from "../../kube/watch";
import { NOT_SERVED } from "../../sync/engine";
import type {
  BackupPlan,
  ClusterFacts,
  PodFacts,
  PvcFacts,
  PvFacts,
  VolumeSourceType,
} from "@/lib/velero/coverage/types";
import { quantityBytes } from "@/lib/velero/quantity";
import { bool, isRec, rec, recs, str, stringMap, strs } from "@/lib/velero/read";

// The read model (the sync engine's rows of coverage kinds, the cluster's detected Velero, its schedules) read into the
// rule engine's input (lib/velero/coverage/types.ts). Rows hold only the projections of server/kube/coverage-projections.ts.

interface Row {
  kind: string;
  namespace: string;
  name: string;
  labels: unknown;
  spec: unknown;
  status: unknown;
}

/** The cluster's Velero as last detected (Cluster.velero): what the server runs with. */
export interface DetectedVelero {
  installed?: boolean;
  nodeAgent?: boolean;
  csi?: { enabled?: boolean };
  fsBackupDefault?: "optIn" | "optOut";
  moveDataByDefault?: boolean;
}

const KIND_WORDS: Record<string, string> = {
  namespaces: "namespaces",
  pods: "pods",
  persistentvolumeclaims: "persistent volume claims",
  persistentvolumes: "persistent volumes",
  volumesnapshotclasses: "volume snapshot classes",
  volumesnapshotlocations: "volume snapshot locations",
};

/** Every coverage kind's rows of one cluster, with what keeps the picture from being complete. */
export async function readFacts(
  db: Db,
  clusterId: string,
  velero: DetectedVelero | null,
): Promise<{ facts: ClusterFacts; problems: string[] }> {
  const [rows, states, vsls] = await Promise.all([
    db.veleroObject.findMany({
      where: { clusterId, kind: { in: COVERAGE_KINDS } },
      select: { kind: true, namespace: true, name: true, labels: true, spec: true, status: true },
    }),
    db.syncState.findMany({ where: { clusterId, kind: { in: [...COVERAGE_KINDS, "volumesnapshotlocations"] } } }),
    db.veleroObject.findMany({
      where: { clusterId, kind: "volumesnapshotlocations" },
      select: { name: true, spec: true },
    }),
  ]);
  const problems: string[] = [];
  let snapshotApi = true;
  for (const kind of [...COVERAGE_KINDS, "volumesnapshotlocations"]) {
    const s = states.find((x) => x.kind === kind);
    const words = KIND_WORDS[kind] ?? kind;
    if (kind === "volumesnapshotclasses" && s?.lastError?.startsWith(NOT_SERVED)) {
      snapshotApi = false;
      continue;
    }
    // Without Velero's CRDs there are no snapshot locations to read (and the page already says Velero is missing).
    if (kind === "volumesnapshotlocations" && s?.lastError?.startsWith(NOT_SERVED)) continue;
    if (s?.lastError && /forbidden|403/i.test(s.lastError))
      problems.push(
        `Lifeboat may not watch ${words} on this cluster: apply the onboarding manifest again (cluster page → Access)`,
      );
    else if (s?.lastError) problems.push(`Reading ${words} failed: ${s.lastError}`);
    else if (!s?.lastListAt) problems.push(`Lifeboat is still reading the cluster's ${words}`);
  }
  const by = (kind: string) => rows.filter((r) => r.kind === kind);
  const pods = by("pods").map(podOf);
  const nodeAgentNodes = pods
    .filter((p) => p.namespace === VELERO_NAMESPACE && p.labels.name === "node-agent" && p.phase === "Running")
    .map((p) => p.nodeName)
    .filter(Boolean);
  const facts: ClusterFacts = {
    velero: {
      csiEnabled: Boolean(velero?.csi?.enabled),
      defaultVolumesToFsBackup: velero?.fsBackupDefault === "optOut",
      defaultSnapshotMoveData: Boolean(velero?.moveDataByDefault),
      nodeAgentNodes: nodeAgentNodes.length || velero?.nodeAgent ? [...new Set(nodeAgentNodes)] : null,
    },
    namespaces: by("namespaces").map((r) => ({
      name: r.name,
      labels: stringMap(r.labels),
      deleting: bool(rec(r.status).deleting) ?? false,
    })),
    pods,
    pvcs: by("persistentvolumeclaims").map(pvcOf),
    pvs: by("persistentvolumes").map(pvOf),
    volumeSnapshotClasses: by("volumesnapshotclasses").map((r) => ({
      name: r.name,
      driver: str(rec(r.spec).driver) ?? "",
      veleroLabel: "velero.io/csi-volumesnapshot-class" in stringMap(r.labels),
      isDefault: rec(r.spec).isDefault === true,
    })),
    snapshotLocations: vsls.map((v) => ({ name: v.name, provider: str(rec(v.spec).provider) ?? "" })),
    resourcePolicies: [],
    snapshotApi,
  };
  return { facts, problems };
}

function podOf(r: Row): PodFacts {
  const s = rec(r.spec);
  const owner = isRec(s.owner) ? { kind: str(s.owner.kind) ?? "", name: str(s.owner.name) ?? "" } : null;
  return {
    namespace: r.namespace,
    name: r.name,
    labels: stringMap(r.labels),
    ...(str(s.backupVolumes) !== null ? { backupVolumes: str(s.backupVolumes)! } : {}),
    ...(str(s.backupVolumesExcludes) !== null ? { backupVolumesExcludes: str(s.backupVolumesExcludes)! } : {}),
    nodeName: str(s.nodeName) ?? "",
    phase: str(rec(r.status).phase) ?? "",
    deleting: rec(r.status).deleting === true,
    volumes: recs(s.volumes).map((v) => ({
      name: str(v.name) ?? "",
      source: (str(v.source) ?? "other") as VolumeSourceType,
      ...(str(v.claimName) ? { claimName: str(v.claimName)! } : {}),
      ...(str(v.sizeLimit) ? { sizeBytes: quantityBytes(str(v.sizeLimit)) } : {}),
      ...(str(v.csiDriver) ? { csiDriver: str(v.csiDriver) } : {}),
      ...(isRec(v.nfs) ? { nfs: { server: str(v.nfs.server) ?? "", path: str(v.nfs.path) ?? "" } } : {}),
    })),
    mounted: strs(s.mounted),
    owner,
  };
}

function pvcOf(r: Row): PvcFacts {
  const s = rec(r.spec);
  return {
    namespace: r.namespace,
    name: r.name,
    labels: stringMap(r.labels),
    storageClassName: str(s.storageClassName),
    volumeName: str(s.volumeName) ?? "",
    phase: str(rec(r.status).phase) ?? "",
    volumeMode: s.volumeMode === "Block" ? "Block" : "Filesystem",
    requestBytes: quantityBytes(str(s.request)),
    ...(str(s.snapshotClass) ? { snapshotClass: str(s.snapshotClass)! } : {}),
    deleting: rec(r.status).deleting === true,
  };
}

function pvOf(r: Row): PvFacts {
  const s = rec(r.spec);
  const nfs = isRec(s.nfs) ? { server: str(s.nfs.server) ?? "", path: str(s.nfs.path) ?? "" } : null;
  return {
    name: r.name,
    csiDriver: str(s.csiDriver),
    csiVolumeAttributes: stringMap(s.csiVolumeAttributes),
    source: str(s.source) ?? "other",
    nfs,
    capacityBytes: quantityBytes(str(s.capacity)),
    storageClassName: str(s.storageClassName) ?? "",
    labels: stringMap(r.labels),
  };
}

/** The cluster's Schedules as backup plans (their template is a Backup's spec). */
export async function readPlans(db: Db, clusterId: string): Promise<BackupPlan[]> {
  const rows = await db.veleroObject.findMany({
    where: { clusterId, kind: "schedules" },
    select: { name: true, spec: true },
    orderBy: { name: "asc" },
  });
  return rows.map((r) => planOf(r.name, rec(r.spec).template, rec(r.spec).paused === true));
}

/** A Backup's spec (or a Schedule's template) as a plan. */
export function planOf(name: string, spec: unknown, paused = false): BackupPlan {
  const t = rec(spec);
  const selector = (v: unknown) => ({
    matchLabels: stringMap(rec(v).matchLabels),
    matchExpressions: recs(rec(v).matchExpressions).map((e) => ({
      key: str(e.key) ?? "",
      operator: str(e.operator) ?? "",
      values: strs(e.values),
    })),
  });
  return {
    name,
    paused,
    spec: {
      includedNamespaces: strs(t.includedNamespaces),
      excludedNamespaces: strs(t.excludedNamespaces),
      includedResources: strs(t.includedResources),
      excludedResources: strs(t.excludedResources),
      includedNamespaceScopedResources: strs(t.includedNamespaceScopedResources),
      excludedNamespaceScopedResources: strs(t.excludedNamespaceScopedResources),
      labelSelectors: isRec(t.labelSelector) ? [selector(t.labelSelector)] : recs(t.orLabelSelectors).map(selector),
      snapshotVolumes: bool(t.snapshotVolumes),
      defaultVolumesToFsBackup: bool(t.defaultVolumesToFsBackup),
      snapshotMoveData: bool(t.snapshotMoveData),
      resourcePolicy: str(rec(t.resourcePolicy).name),
      snapshotClassByDriver: {},
    },
  };
}
