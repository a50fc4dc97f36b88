import type { KObject } from "./kube-api/types";
import { boundPvcStatus, boundPvStatus, hexOf } from "./simulator";
import { CSI_CLASS, CSI_DRIVER, GPU_NODE, type Seeder } from "./seed";

// The volume-coverage cases of issue #13, seeded on the clusters that run Velero, as real objects with what the
// controllers would have made (ReplicaSets, pods with status, claims Bound to volumes). Each is a way a volume ends up
// without a copy although the backup "succeeds" or only partially fails:
//   batch-jobs (in no schedule; nothing in the sandbox or the demo schedules it):
//     - reports-archive: a claim with no storage class (storageClassName absent), bound to a pre-provisioned CSI
//       volume. Velero's CSI action fails it: "Cannot snapshot PVC …, PVC has no storage class."
//     - log-shipper: a DaemonSet reading the nodes' /var/log through a hostPath volume (opted in to file-system backup,
//       which never takes hostPath volumes).
//   analytics:
//     - clickhouse: a StatefulSet on fast-nvme, the class of a second CSI driver (nvme.csi.sandbox.io) that has no
//       VolumeSnapshotClass: the CSI action fails the claim.
//     - spark-history: a pod no node takes (its node selector matches none), Pending, its claim opted in to
//       file-system backup: the FSB is skipped with a warning, and the claim is not snapshotted either.
//     - gpu-notebook: a pod on the tainted GPU node (it tolerates the taint), its claim opted in to file-system
//       backup; the node-agent does not run there, so the FSB is skipped and the pod item fails.

export const NVME_DRIVER = "nvme.csi.sandbox.io";
export const NVME_CLASS = "fast-nvme";

const FSB = "backup.velero.io/backup-volumes";

const claim = (name: string, storageClassName: string, storage: string, labels: Record<string, string>): KObject => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, labels },
  spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage } } },
});

const deployment = (
  name: string,
  labels: Record<string, string>,
  podSpec: any,
  podAnnotations?: Record<string, string>,
): KObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels },
  spec: {
    replicas: 1,
    selector: { matchLabels: labels },
    template: { metadata: { labels, ...(podAnnotations ? { annotations: podAnnotations } : {}) }, spec: podSpec },
  },
});

/**
 * A claim without a storage class bound to a pre-provisioned CSI volume without one either: what a volume imported
 * from an older cluster, bound by name before the cluster had a default StorageClass, looks like (a bound claim is
 * never given the default class retroactively).
 */
function unclassedClaim(s: Seeder, ns: string, name: string, pvName: string, storage: string, app: string) {
  const pvc = s.put({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name,
      namespace: ns,
      labels: { app },
      annotations: { "pv.kubernetes.io/bind-completed": "yes" },
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage } },
      volumeMode: "Filesystem",
      volumeName: pvName,
    },
  });
  const pv = s.put(
    {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: {
        name: pvName,
        labels: { "sandbox.io/imported-from": "reporting-2021" },
        annotations: { "pv.kubernetes.io/bound-by-controller": "yes" },
      },
      spec: {
        accessModes: ["ReadWriteOnce"],
        capacity: { storage },
        csi: { driver: CSI_DRIVER, fsType: "ext4", volumeHandle: `vol-${hexOf(pvName, 17)}` },
        persistentVolumeReclaimPolicy: "Retain",
        volumeMode: "Filesystem",
        claimRef: {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          namespace: ns,
          name,
          uid: pvc.metadata.uid,
          resourceVersion: pvc.metadata.resourceVersion,
        },
      },
    },
    () => boundPvStatus(s.t),
  );
  s.setStatus(pvc, boundPvcStatus(pv));
}

function storage(s: Seeder) {
  s.put({
    apiVersion: "storage.k8s.io/v1",
    kind: "CSIDriver",
    metadata: { name: NVME_DRIVER },
    spec: {
      attachRequired: false,
      fsGroupPolicy: "File",
      podInfoOnMount: false,
      requiresRepublish: false,
      seLinuxMount: false,
      storageCapacity: false,
      volumeLifecycleModes: ["Persistent"],
    },
  });
  // No VolumeSnapshotClass names this driver.
  s.put({
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: NVME_CLASS },
    provisioner: NVME_DRIVER,
    parameters: { "csi.storage.k8s.io/fstype": "xfs" },
    reclaimPolicy: "Delete",
    volumeBindingMode: "Immediate",
    allowVolumeExpansion: false,
  });
}

function batchJobs(s: Seeder) {
  const ns = "batch-jobs";
  s.namespace(ns, { team: "reporting" });
  s.serviceAccount(ns, "report-server");
  s.secret(ns, "reports-db-readonly", {
    username: "reports_ro",
    password: "sandbox-reports-readonly",
    host: "payments-db.payments.svc.cluster.local",
  });
  s.configMap(ns, "log-shipper-config", {
    "fluent-bit.conf":
      "[SERVICE]\n    Flush        5\n    Parsers_File parsers.conf\n\n[INPUT]\n    Name   tail\n    Path   /var/log/containers/*.log\n    Tag    kube.*\n\n[OUTPUT]\n    Name   forward\n    Match  *\n    Host   log-collector.analytics.svc.cluster.local\n",
  });
  unclassedClaim(s, ns, "reports-archive", "reports-archive-2021", "20Gi", "report-server");
  s.apply(ns, [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "report-server", labels: { app: "report-server" } },
      spec: { selector: { app: "report-server" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
    },
    deployment(
      "report-server",
      { app: "report-server" },
      {
        serviceAccountName: "report-server",
        containers: [
          {
            name: "nginx",
            image: "nginxinc/nginx-unprivileged:1.27",
            ports: [{ containerPort: 8080, name: "http" }],
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
            volumeMounts: [{ name: "archive", mountPath: "/usr/share/nginx/html/archive", readOnly: true }],
          },
        ],
        volumes: [{ name: "archive", persistentVolumeClaim: { claimName: "reports-archive", readOnly: true } }],
      },
    ),
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "log-shipper", labels: { app: "log-shipper" } },
      spec: {
        selector: { matchLabels: { app: "log-shipper" } },
        template: {
          // Opted in to file-system backup, which never takes a hostPath volume: the node logs are not backed up.
          metadata: { labels: { app: "log-shipper" }, annotations: { [FSB]: "varlog" } },
          spec: {
            nodeSelector: { "kubernetes.io/os": "linux" },
            containers: [
              {
                name: "fluent-bit",
                image: "fluent/fluent-bit:3.1.9",
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                volumeMounts: [
                  { name: "varlog", mountPath: "/var/log", readOnly: true },
                  { name: "config", mountPath: "/fluent-bit/etc/fluent-bit.conf", subPath: "fluent-bit.conf" },
                ],
              },
            ],
            volumes: [
              { name: "varlog", hostPath: { path: "/var/log", type: "" } },
              { name: "config", configMap: { name: "log-shipper-config" } },
            ],
          },
        },
      },
    },
  ]);
  // The nightly report writes into the archive; it has not run since the namespace was set up (the sandbox runs no
  // CronJobs).
  s.put({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "nightly-report", namespace: ns, labels: { app: "report-generator" } },
    spec: {
      schedule: "30 1 * * *",
      concurrencyPolicy: "Forbid",
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        spec: {
          backoffLimit: 2,
          template: {
            metadata: { labels: { app: "report-generator" } },
            spec: {
              restartPolicy: "OnFailure",
              serviceAccountName: "report-server",
              containers: [
                {
                  name: "generate",
                  image: "registry.sandbox.io/reporting/report-generator:1.8.0",
                  args: ["--out=/archive", "--since=24h"],
                  envFrom: [{ secretRef: { name: "reports-db-readonly" } }],
                  volumeMounts: [{ name: "archive", mountPath: "/archive" }],
                },
              ],
              volumes: [{ name: "archive", persistentVolumeClaim: { claimName: "reports-archive" } }],
            },
          },
        },
      },
    },
  });
}

function analytics(s: Seeder) {
  const ns = "analytics";
  s.namespace(ns, { team: "analytics" });
  s.serviceAccount(ns, "analytics");
  s.secret(ns, "clickhouse-credentials", { username: "analytics", password: "sandbox-clickhouse-password" });
  s.apply(ns, [
    claim("spark-event-logs", CSI_CLASS, "10Gi", { app: "spark-history" }),
    claim("notebook-workspace", CSI_CLASS, "20Gi", { app: "gpu-notebook" }),
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "clickhouse", labels: { app: "clickhouse" } },
      spec: {
        clusterIP: "None",
        selector: { app: "clickhouse" },
        ports: [
          { name: "http", port: 8123 },
          { name: "native", port: 9000 },
        ],
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "clickhouse", labels: { app: "clickhouse" } },
      spec: {
        serviceName: "clickhouse",
        replicas: 1,
        selector: { matchLabels: { app: "clickhouse" } },
        template: {
          metadata: { labels: { app: "clickhouse" } },
          spec: {
            serviceAccountName: "analytics",
            containers: [
              {
                name: "clickhouse",
                image: "clickhouse/clickhouse-server:24.8",
                ports: [
                  { containerPort: 8123, name: "http" },
                  { containerPort: 9000, name: "native" },
                ],
                envFrom: [{ secretRef: { name: "clickhouse-credentials" } }],
                resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } },
                volumeMounts: [{ name: "data", mountPath: "/var/lib/clickhouse" }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: {
              accessModes: ["ReadWriteOnce"],
              storageClassName: NVME_CLASS,
              resources: { requests: { storage: "50Gi" } },
            },
          },
        ],
      },
    },
  ]);
  // The Spark history server asks for a high-memory node the cluster does not have: Pending, unscheduled.
  s.deployment(
    ns,
    deployment(
      "spark-history",
      { app: "spark-history" },
      {
        serviceAccountName: "analytics",
        nodeSelector: { "node.sandbox.io/pool": "highmem" },
        containers: [
          {
            name: "history-server",
            image: "apache/spark:3.5.3",
            command: ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.history.HistoryServer"],
            env: [{ name: "SPARK_HISTORY_OPTS", value: "-Dspark.history.fs.logDirectory=/var/spark/events" }],
            ports: [{ containerPort: 18080, name: "http" }],
            resources: { requests: { cpu: "1", memory: "24Gi" }, limits: { memory: "24Gi" } },
            volumeMounts: [{ name: "event-logs", mountPath: "/var/spark/events" }],
          },
        ],
        volumes: [{ name: "event-logs", persistentVolumeClaim: { claimName: "spark-event-logs" } }],
      },
      { [FSB]: "event-logs" },
    ),
    { unschedulable: true },
  );
  // A notebook on the GPU node, which it tolerates; the node-agent does not run there.
  s.deployment(
    ns,
    deployment(
      "gpu-notebook",
      { app: "gpu-notebook" },
      {
        serviceAccountName: "analytics",
        nodeSelector: { "nvidia.com/gpu.present": "true" },
        tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
        containers: [
          {
            name: "notebook",
            image: "quay.io/jupyter/pytorch-notebook:cuda12-python-3.11",
            ports: [{ containerPort: 8888, name: "http" }],
            resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "16Gi", "nvidia.com/gpu": "1" } },
            volumeMounts: [{ name: "workspace", mountPath: "/home/jovyan/work" }],
          },
        ],
        volumes: [{ name: "workspace", persistentVolumeClaim: { claimName: "notebook-workspace" } }],
      },
      { [FSB]: "workspace" },
    ),
    { nodeName: GPU_NODE.name },
  );
}

/** Seeds the coverage cases (after Velero, so the pods seeded before keep their nodes). */
export function seedCoverageCases(s: Seeder): void {
  storage(s);
  batchJobs(s);
  analytics(s);
}
