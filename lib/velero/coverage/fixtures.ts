import { ON_DEMAND_PLAN } from "./decide";
import type {
  BackupPlan,
  ClusterFacts,
  NamespaceFacts,
  PodFacts,
  PvcFacts,
  PvFacts,
  VolumeSnapshotClassFacts,
} from "./types";

// Builders of coverage inputs for tests and benchmarks: a small cluster whose one volume every case bends a little,
// and a generated large one. Pure data; not product code.

export const GiB = 2 ** 30;

export const aNamespace = (o: Partial<NamespaceFacts> = {}): NamespaceFacts => ({
  name: "db",
  labels: {},
  deleting: false,
  ...o,
});

/** cassandra-0 in db, Running on n1, StatefulSet-owned: its PVC "data", an emptyDir "cache" and a ConfigMap. */
export const aPod = (o: Partial<PodFacts> = {}): PodFacts => ({
  namespace: "db",
  name: "cassandra-0",
  labels: { app: "cassandra" },
  nodeName: "n1",
  phase: "Running",
  deleting: false,
  volumes: [
    { name: "data", source: "persistentVolumeClaim", claimName: "data-cassandra-0" },
    { name: "cache", source: "emptyDir", sizeBytes: GiB },
    { name: "config", source: "configMap" },
  ],
  mounted: ["data", "cache", "config"],
  owner: { kind: "StatefulSet", name: "cassandra" },
  ...o,
});

export const aPvc = (o: Partial<PvcFacts> = {}): PvcFacts => ({
  namespace: "db",
  name: "data-cassandra-0",
  labels: { app: "cassandra" },
  storageClassName: "fast",
  volumeName: "pv-data",
  phase: "Bound",
  volumeMode: "Filesystem",
  requestBytes: 10 * GiB,
  deleting: false,
  ...o,
});

export const aPv = (o: Partial<PvFacts> = {}): PvFacts => ({
  name: "pv-data",
  csiDriver: "csi.example.com",
  source: "csi",
  capacityBytes: 10 * GiB,
  storageClassName: "fast",
  labels: {},
  ...o,
});

export const aVsc = (o: Partial<VolumeSnapshotClassFacts> = {}): VolumeSnapshotClassFacts => ({
  name: "fast-snap",
  driver: "csi.example.com",
  veleroLabel: true,
  isDefault: false,
  ...o,
});

/** A cluster with EnableCSI, the snapshot API, a node-agent on n1, one labelled class for csi.example.com. */
export const aCluster = (o: Partial<ClusterFacts> = {}): ClusterFacts => ({
  velero: { csiEnabled: true, defaultVolumesToFsBackup: false, defaultSnapshotMoveData: false, nodeAgentNodes: ["n1"] },
  namespaces: [aNamespace(), aNamespace({ name: "web" })],
  pods: [aPod()],
  pvcs: [aPvc()],
  pvs: [aPv()],
  volumeSnapshotClasses: [aVsc()],
  snapshotLocations: [],
  resourcePolicies: [],
  snapshotApi: true,
  ...o,
});

/** A schedule of everything with Velero's defaults, the spec overridden where given. */
export const aPlan = (name = "daily", spec: Partial<BackupPlan["spec"]> = {}, paused = false): BackupPlan => ({
  name,
  paused,
  spec: { ...ON_DEMAND_PLAN.spec, ...spec },
});

/**
 * A large cluster: `pods` pods in 50 namespaces, each with its own PVC (CSI, half of them on a second driver without a
 * class, every fifth opted into FSB, every seventh Pending) and an emptyDir, nodes n0…n99 with a node-agent on most.
 */
export function aLargeCluster(pods = 5000): ClusterFacts {
  const namespaces = Array.from({ length: 50 }, (_, i) => aNamespace({ name: `ns-${i}` }));
  const podList: PodFacts[] = [];
  const pvcs: PvcFacts[] = [];
  const pvs: PvFacts[] = [];
  for (let i = 0; i < pods; i++) {
    const ns = `ns-${i % 50}`;
    podList.push(
      aPod({
        namespace: ns,
        name: `app-${i}`,
        labels: { app: `app-${i % 10}` },
        nodeName: `n${i % 100}`,
        phase: i % 7 === 0 ? "Pending" : "Running",
        backupVolumes: i % 5 === 0 ? "data" : undefined,
        volumes: [
          { name: "data", source: "persistentVolumeClaim", claimName: `data-${i}` },
          { name: "cache", source: "emptyDir" },
          { name: "token", source: "projected" },
        ],
        mounted: ["data", "cache", "token"],
        owner: { kind: "StatefulSet", name: `app-${i}` },
      }),
    );
    pvcs.push(aPvc({ namespace: ns, name: `data-${i}`, volumeName: `pv-${i}`, labels: { app: `app-${i % 10}` } }));
    pvs.push(aPv({ name: `pv-${i}`, csiDriver: i % 2 ? "csi.example.com" : "other.csi.io" }));
  }
  return aCluster({
    velero: {
      csiEnabled: true,
      defaultVolumesToFsBackup: false,
      defaultSnapshotMoveData: true,
      nodeAgentNodes: Array.from({ length: 90 }, (_, i) => `n${i}`),
    },
    namespaces,
    pods: podList,
    pvcs,
    pvs,
  });
}
