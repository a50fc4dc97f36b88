import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import type { Cluster } from "./kube-api/cluster";
import type { KObject, ResourceType } from "./kube-api/types";
import {
  controllerRef,
  allocatePodIP,
  boundPvcStatus,
  boundPvStatus,
  hexOf,
  isoNow,
  nameSuffix,
  provisionedPv,
  runningPodStatus,
  templateHash,
  tolerates,
  unschedulableMessage,
  unschedulablePodStatus,
  uuidOf,
} from "./simulator";
import { parseInstallArgs, renderVeleroObjects, seedInstallArgs } from "./velero/installer";
import { seedCoverageCases } from "./seed-coverage";

// Believable, deterministic content for a sandbox cluster: three Ready nodes, CSI and non-CSI storage, the real
// kubernetes/examples workloads (guestbook, cassandra, tensorflow model serving, mysql on Cinder), a few namespaces of our
// own that exercise Velero's volume policies (file-system-backup opt-in and opt-out), the system namespaces a TKG/TMC
// cluster has, and optionally Velero itself (Deployment, node-agent, CRDs) with, beside it, a tainted GPU node and the
// volume-coverage cases of seed-coverage.ts. Everything a controller would have made is there too: ReplicaSets, pods on
// nodes with IPs and Running status (or Pending, unscheduled, where no node takes them), claims Bound to volumes,
// workload statuses.
// Names are derived from hashes, never from randomness, so two seeded clusters hold the same object names.

export interface SeedOptions {
  /** objectStorePlugins: the ObjectStore plugins installed (one init container each); default velero.io/aws and azure. */
  velero: false | { version: string; nodeAgent: boolean; csi: boolean; objectStorePlugins?: readonly string[] };
  /** Velero CRDs directory; null or undefined: $VELERO_CRDS_DIR or <repo>/../shared/velero-crds. */
  crdsDir?: string | null;
  /** kubernetes/examples manifests; null or undefined: $LIFEBOAT_WORKLOADS_DIR or <repo>/../shared/workloads/kubernetes-examples. */
  workloadsDir?: string | null;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const defaultCrdsDir = () => process.env.VELERO_CRDS_DIR ?? path.resolve(repo, "../shared/velero-crds");
export const defaultWorkloadsDir = () =>
  process.env.LIFEBOAT_WORKLOADS_DIR ?? path.resolve(repo, "../shared/workloads/kubernetes-examples");

export const CSI_DRIVER = "disk.csi.sandbox.io";
export const CSI_CLASS = "csi-standard";
export const LEGACY_CLASS = "legacy-hostpath";
export const SNAPSHOT_CLASS = "csi-snapclass";
export interface NodePlan {
  name: string;
  zone: string;
  ip: string;
  podCIDR: string;
  instanceType?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  capacity?: Record<string, string>;
  allocatable?: Record<string, string>;
}
/** The general-purpose nodes every seeded cluster has; workloads are spread over them. */
export const NODES: NodePlan[] = [1, 2, 3].map((i) => ({
  name: `node-${i}`,
  zone: `zone-${"abc"[i - 1]}`,
  ip: `10.0.0.${10 + i}`,
  podCIDR: `10.244.${i}.0/24`,
}));
/**
 * A GPU node reserved by a taint (dedicated=gpu:NoSchedule), on the clusters that run Velero: only pods that tolerate
 * the taint run there, and the node-agent DaemonSet, which tolerates nothing of the kind, does not.
 */
export const GPU_NODE: NodePlan = {
  name: "node-4",
  zone: "zone-a",
  ip: "10.0.0.14",
  podCIDR: "10.244.4.0/24",
  instanceType: "gpu-8",
  labels: { "nvidia.com/gpu.present": "true", "node.sandbox.io/pool": "gpu" },
  taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }],
  capacity: { cpu: "8", memory: "65843856Ki", "nvidia.com/gpu": "1" },
  allocatable: { cpu: "7910m", memory: "64795280Ki", "nvidia.com/gpu": "1" },
};

/** A node's labels as the kubelet and the cloud provider set them. */
export const nodeLabels = (n: NodePlan): Record<string, string> => ({
  "beta.kubernetes.io/arch": "amd64",
  "beta.kubernetes.io/os": "linux",
  "kubernetes.io/arch": "amd64",
  "kubernetes.io/hostname": n.name,
  "kubernetes.io/os": "linux",
  "node.kubernetes.io/instance-type": n.instanceType ?? "standard-4",
  "topology.kubernetes.io/region": "sandbox-1",
  "topology.kubernetes.io/zone": n.zone,
  [`topology.${CSI_DRIVER}/zone`]: n.zone,
  ...(n.labels ?? {}),
});

/** The namespaces of the volume-coverage cases (seed-coverage.ts), seeded where Velero runs. */
export const COVERAGE_NAMESPACES = ["batch-jobs", "analytics"];

/** The namespaces seeding creates besides the bootstrap ones (velero and COVERAGE_NAMESPACES only when Velero is on). */
export const SEEDED_NAMESPACES = [
  "guestbook",
  "cassandra",
  "model-serving",
  "mysql",
  "web-cache",
  "payments",
  "tkg-system",
  "vmware-system-tmc",
];

const b64 = (s: string) => Buffer.from(s).toString("base64");
const FAKE_CERT =
  "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUSandboxOnlyNotARealCertificate0wCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----\n";
const FAKE_KEY =
  "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEISandboxOnlyNotARealPrivateKeyAAAAAAAAAAAAoAoGCCqGSM49AwEH\n-----END EC PRIVATE KEY-----\n";

// ---- manifests --------------------------------------------------------------------------------------------------------

function parseManifests(text: string, source: string): KObject[] {
  const out: KObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${source}: ${doc.errors[0].message}`);
    const o = doc.toJS();
    if (o && typeof o === "object" && !Array.isArray(o) && o.kind) out.push({ ...o, metadata: o.metadata ?? {} });
  }
  return out;
}

function loadWorkload(dir: string | null, file: string): KObject[] {
  const p = dir ? path.join(dir, file) : null;
  if (p && fs.existsSync(p)) return parseManifests(fs.readFileSync(p, "utf8"), p);
  return parseManifests(FALLBACK[file], `built-in fallback for ${file}`);
}

// ---- defaults the apiserver and admission would have filled in -------------------------------------------------------

/** 0.5 -> "500m", 2 -> "2": numbers in resource lists are quantities. */
const quantity = (v: unknown) =>
  typeof v === "number" ? (Number.isInteger(v) ? String(v) : `${Math.round(v * 1000)}m`) : v;
const quantities = (r: Record<string, unknown> | undefined) =>
  r ? Object.fromEntries(Object.entries(r).map(([k, v]) => [k, quantity(v)])) : undefined;

function containerDefaults(c: any): any {
  const image = String(c.image ?? "");
  const last = image.split("/").pop() ?? "";
  const tag = image.includes("@") ? "digest" : last.includes(":") ? last.split(":").pop() : "";
  const out: any = {
    imagePullPolicy: !tag || tag === "latest" ? "Always" : "IfNotPresent",
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    ...c,
    resources: {
      ...(c.resources?.requests ? { requests: quantities(c.resources.requests) } : {}),
      ...(c.resources?.limits ? { limits: quantities(c.resources.limits) } : {}),
    },
  };
  if (c.ports) out.ports = c.ports.map((p: any) => ({ protocol: "TCP", ...p }));
  return out;
}

function podSpecDefaults(spec: any): any {
  const out: any = {
    restartPolicy: "Always",
    terminationGracePeriodSeconds: 30,
    dnsPolicy: "ClusterFirst",
    securityContext: {},
    schedulerName: "default-scheduler",
    enableServiceLinks: true,
    ...spec,
    containers: (spec?.containers ?? []).map(containerDefaults),
  };
  if (spec?.initContainers) out.initContainers = spec.initContainers.map(containerDefaults);
  out.serviceAccountName = spec?.serviceAccountName ?? spec?.serviceAccount ?? "default";
  out.serviceAccount = out.serviceAccountName;
  if (spec?.volumes) {
    out.volumes = spec.volumes.map((v: any) =>
      v.configMap
        ? { ...v, configMap: { defaultMode: 420, ...v.configMap } }
        : v.secret
          ? { ...v, secret: { defaultMode: 420, ...v.secret } }
          : v,
    );
  }
  return out;
}

/** What a pod gets on admission beyond its template: default tolerations, priority. */
function podAdmission(spec: any): any {
  return {
    ...spec,
    preemptionPolicy: spec.preemptionPolicy ?? "PreemptLowerPriority",
    priority:
      spec.priority ??
      (spec.priorityClassName === "system-node-critical"
        ? 2000001000
        : spec.priorityClassName === "system-cluster-critical"
          ? 2000000000
          : 0),
    tolerations: [
      ...(spec.tolerations ?? []),
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    ],
  };
}

const ownerRef = controllerRef;

/** The tolerations the DaemonSet controller adds to its pods (on top of admission's not-ready/unreachable ones). */
const DAEMON_TOLERATIONS = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  ...["disk-pressure", "memory-pressure", "pid-pressure", "unschedulable"].map((k) => ({
    key: `node.kubernetes.io/${k}`,
    operator: "Exists",
    effect: "NoSchedule",
  })),
];

/** Where a controller's pod lands: a node of its own (nodeName), or nowhere (unschedulable: left Pending). */
export interface Placement {
  nodeName?: string;
  unschedulable?: boolean;
}

// ---- the seeder ---------------------------------------------------------------------------------------------------------

export class Seeder {
  private rr = 0;
  /** Objects this run created (status is written only for those: existing objects are left alone). */
  private readonly fresh = new Set<string>();
  readonly t = isoNow();

  /** nodes: every Node of the cluster; workloads without a placement of their own go round-robin over NODES. */
  constructor(
    readonly c: Cluster,
    readonly nodeList: readonly NodePlan[] = NODES,
  ) {}

  private rt(o: KObject): ResourceType {
    const rt = this.c.typeFor(o.apiVersion ?? "", o.kind ?? "");
    if (!rt) throw new Error(`seed: no served type for ${o.apiVersion} ${o.kind}`);
    return rt;
  }

  private key(rt: ResourceType, o: KObject) {
    return `${rt.group}/${rt.resource}/${rt.namespaced ? o.metadata.namespace : ""}/${o.metadata.name}`;
  }

  /** Create unless it exists; write `status` through the status subresource (create resets it). */
  put(o: KObject, status?: (created: KObject) => unknown): KObject {
    const rt = this.rt(o);
    const ns = rt.namespaced ? o.metadata.namespace : undefined;
    const existing = this.c.store.get(rt, ns, o.metadata.name!);
    if (existing) return this.c.present(rt, existing);
    const created = this.c.create(rt, ns, o);
    this.fresh.add(this.key(rt, created));
    return status ? this.setStatus(created, status(created)) : created;
  }

  setStatus(o: KObject, status: unknown): KObject {
    const rt = this.rt(o);
    if (!this.fresh.has(this.key(rt, o))) return o;
    const ns = rt.namespaced ? o.metadata.namespace : undefined;
    const cur = this.c.get(rt, ns, o.metadata.name!);
    if (!rt.status) return this.c.update(rt, ns, o.metadata.name!, { ...cur, status });
    return this.c.update(rt, ns, o.metadata.name!, { ...cur, status }, { subresource: "status" });
  }

  nextNode(): string {
    return NODES[this.rr++ % NODES.length].name;
  }

  // ---- cluster-scoped --------------------------------------------------------------------------------------------------

  nodes() {
    const t = this.t;
    for (const n of this.nodeList) {
      this.put(
        {
          apiVersion: "v1",
          kind: "Node",
          metadata: {
            name: n.name,
            labels: nodeLabels(n),
            annotations: {
              "node.alpha.kubernetes.io/ttl": "0",
              "volumes.kubernetes.io/controller-managed-attach-detach": "true",
              "csi.volume.kubernetes.io/nodeid": JSON.stringify({ [CSI_DRIVER]: `i-${hexOf(n.name, 17)}` }),
            },
          },
          spec: {
            podCIDR: n.podCIDR,
            podCIDRs: [n.podCIDR],
            providerID: `sandbox:///${n.zone}/i-${hexOf(n.name, 17)}`,
            ...(n.taints ? { taints: n.taints } : {}),
          },
        },
        () => ({
          capacity: {
            cpu: "4",
            "ephemeral-storage": "102626232Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            memory: "16374584Ki",
            pods: "110",
            ...(n.capacity ?? {}),
          },
          allocatable: {
            cpu: "3920m",
            "ephemeral-storage": "94580335255",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            memory: "15358776Ki",
            pods: "110",
            ...(n.allocatable ?? {}),
          },
          conditions: [
            {
              type: "MemoryPressure",
              status: "False",
              lastHeartbeatTime: t,
              lastTransitionTime: t,
              reason: "KubeletHasSufficientMemory",
              message: "kubelet has sufficient memory available",
            },
            {
              type: "DiskPressure",
              status: "False",
              lastHeartbeatTime: t,
              lastTransitionTime: t,
              reason: "KubeletHasNoDiskPressure",
              message: "kubelet has no disk pressure",
            },
            {
              type: "PIDPressure",
              status: "False",
              lastHeartbeatTime: t,
              lastTransitionTime: t,
              reason: "KubeletHasSufficientPID",
              message: "kubelet has sufficient PID available",
            },
            {
              type: "Ready",
              status: "True",
              lastHeartbeatTime: t,
              lastTransitionTime: t,
              reason: "KubeletReady",
              message: "kubelet is posting ready status",
            },
          ],
          addresses: [
            { type: "InternalIP", address: n.ip },
            { type: "Hostname", address: n.name },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
          nodeInfo: {
            architecture: "amd64",
            bootID: uuidOf(`boot/${n.name}`),
            containerRuntimeVersion: "containerd://1.7.22",
            kernelVersion: "6.8.0-1017-generic",
            kubeProxyVersion: this.c.version,
            kubeletVersion: this.c.version,
            machineID: hexOf(`machine/${n.name}`, 32),
            operatingSystem: "linux",
            osImage: "Ubuntu 24.04.1 LTS",
            systemUUID: uuidOf(`system/${n.name}`),
          },
        }),
      );
    }
  }

  storage() {
    this.put({
      apiVersion: "storage.k8s.io/v1",
      kind: "CSIDriver",
      metadata: { name: CSI_DRIVER },
      spec: {
        attachRequired: true,
        fsGroupPolicy: "ReadWriteOnceWithFSType",
        podInfoOnMount: false,
        requiresRepublish: false,
        seLinuxMount: false,
        storageCapacity: false,
        volumeLifecycleModes: ["Persistent"],
      },
    });
    this.put({
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: CSI_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: CSI_DRIVER,
      parameters: { type: "standard", "csi.storage.k8s.io/fstype": "ext4" },
      reclaimPolicy: "Delete",
      volumeBindingMode: "Immediate",
      allowVolumeExpansion: true,
    });
    this.put({
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: LEGACY_CLASS },
      provisioner: "kubernetes.io/no-provisioner",
      reclaimPolicy: "Retain",
      volumeBindingMode: "Immediate",
    });
    this.put({
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotClass",
      metadata: { name: SNAPSHOT_CLASS, labels: { "velero.io/csi-volumesnapshot-class": "true" } },
      driver: CSI_DRIVER,
      deletionPolicy: "Delete",
    });
  }

  namespace(name: string, labels: Record<string, string> = {}) {
    this.put({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, ...(Object.keys(labels).length ? { labels } : {}) },
    });
    this.c.ensure("", "serviceaccounts", name, "default", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "default", namespace: name },
    });
  }

  serviceAccount(ns: string, name: string, labels?: Record<string, string>) {
    this.put({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    });
  }

  secret(ns: string, name: string, data: Record<string, string>, type = "Opaque", labels?: Record<string, string>) {
    this.put({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
      type,
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    });
  }

  configMap(ns: string, name: string, data: Record<string, string>, labels?: Record<string, string>) {
    this.put({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
      data,
    });
  }

  // ---- services ----------------------------------------------------------------------------------------------------------

  private allocated(field: (s: KObject) => unknown[]): Set<unknown> {
    return new Set(this.c.store.list(this.c.builtin("", "services")).flatMap(field));
  }

  private clusterIP(key: string): string {
    const used = this.allocated((s) => [s.spec?.clusterIP]);
    for (let salt = 0; ; salt++) {
      const h = parseInt(hexOf(`${key}#${salt}`, 8), 16);
      const ip = `10.96.${(h >>> 8) % 255}.${(h % 253) + 2}`;
      if (!used.has(ip) && ip !== "10.96.0.10") return ip;
    }
  }

  private nodePort(key: string): number {
    const used = this.allocated((s) => (s.spec?.ports ?? []).map((p: any) => p.nodePort));
    for (let salt = 0; ; salt++) {
      const p = 30000 + (parseInt(hexOf(`${key}#${salt}`, 8), 16) % 2768);
      if (!used.has(p)) return p;
    }
  }

  service(ns: string, s: KObject): KObject {
    const name = s.metadata.name!;
    const spec: any = {
      type: "ClusterIP",
      sessionAffinity: "None",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      internalTrafficPolicy: "Cluster",
      ...s.spec,
    };
    if (!spec.clusterIP) spec.clusterIP = this.clusterIP(`${ns}/${name}`);
    spec.clusterIPs = [spec.clusterIP];
    const withNodePorts = spec.type === "NodePort" || spec.type === "LoadBalancer";
    spec.ports = (spec.ports ?? []).map((p: any, i: number) => ({
      protocol: "TCP",
      targetPort: p.port,
      ...p,
      ...(withNodePorts && !p.nodePort ? { nodePort: this.nodePort(`${ns}/${name}/${i}`) } : {}),
    }));
    if (withNodePorts) spec.externalTrafficPolicy ??= "Cluster";
    return this.put(
      { ...s, apiVersion: "v1", kind: "Service", metadata: { ...s.metadata, namespace: ns }, spec },
      () => ({ loadBalancer: {} }),
    );
  }

  // ---- pods and workloads ------------------------------------------------------------------------------------------------

  pod(
    ns: string,
    name: string,
    template: any,
    owner: KObject | null,
    extra: { labels?: Record<string, string>; spec?: any } & Placement = {},
  ): KObject {
    const spec = podAdmission(podSpecDefaults({ ...template.spec, ...(extra.spec ?? {}) }));
    const metadata: KObject["metadata"] = {
      name,
      namespace: ns,
      labels: { ...(template.metadata?.labels ?? {}), ...(extra.labels ?? {}) },
    };
    if (template.metadata?.annotations) metadata.annotations = { ...template.metadata.annotations };
    if (owner) metadata.ownerReferences = [ownerRef(owner)];
    if (extra.unschedulable) {
      // No node takes it: the scheduler left it Pending, unbound, with its reasons.
      const nodes = this.c.store.list(this.c.builtin("", "nodes"));
      return this.put({ apiVersion: "v1", kind: "Pod", metadata, spec }, (created) =>
        unschedulablePodStatus(created, unschedulableMessage(created, nodes), this.t),
      );
    }
    spec.nodeName = extra.nodeName ?? template.spec?.nodeName ?? this.nextNode();
    const ips = allocatePodIP(this.c, spec.nodeName, Boolean(spec.hostNetwork));
    return this.put({ apiVersion: "v1", kind: "Pod", metadata, spec }, (created) =>
      runningPodStatus(created, ips, this.t),
    );
  }

  deployment(ns: string, d: KObject, placement: Placement = {}): KObject {
    const name = d.metadata.name!;
    const replicas: number = d.spec?.replicas ?? 1;
    const ready = placement.unschedulable ? 0 : replicas;
    const template = { ...d.spec.template, spec: podSpecDefaults(d.spec.template?.spec) };
    const dep = this.put({
      ...d,
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        ...d.metadata,
        namespace: ns,
        annotations: { ...(d.metadata.annotations ?? {}), "deployment.kubernetes.io/revision": "1" },
      },
      spec: {
        progressDeadlineSeconds: 600,
        revisionHistoryLimit: 10,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
        ...d.spec,
        replicas,
        template,
      },
    });
    const hash = templateHash(`${ns}/${name}`);
    const rsName = `${name}-${hash}`;
    const labels = { ...(template.metadata?.labels ?? {}), "pod-template-hash": hash };
    const rs = this.put({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: rsName,
        namespace: ns,
        labels,
        ownerReferences: [ownerRef(dep)],
        annotations: {
          "deployment.kubernetes.io/desired-replicas": String(replicas),
          "deployment.kubernetes.io/max-replicas": String(replicas + Math.ceil(replicas / 4)),
          "deployment.kubernetes.io/revision": "1",
        },
      },
      spec: {
        replicas,
        minReadySeconds: 0,
        selector: { matchLabels: { ...(dep.spec.selector?.matchLabels ?? {}), "pod-template-hash": hash } },
        template: { ...template, metadata: { ...template.metadata, labels } },
      },
    });
    const names = new Set<string>();
    for (let i = 0; names.size < replicas; i++) names.add(`${rsName}-${nameSuffix(`${ns}/${rsName}/${i}`)}`);
    for (const p of names) this.pod(ns, p, rs.spec.template, rs, placement);
    this.setStatus(rs, {
      replicas,
      fullyLabeledReplicas: replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: 1,
    });
    const t = this.t;
    const available = ready >= replicas - Math.floor(replicas / 4);
    this.setStatus(dep, {
      observedGeneration: 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(replicas > ready ? { unavailableReplicas: replicas - ready } : {}),
      conditions: [
        available
          ? {
              type: "Available",
              status: "True",
              lastUpdateTime: t,
              lastTransitionTime: t,
              reason: "MinimumReplicasAvailable",
              message: "Deployment has minimum availability.",
            }
          : {
              type: "Available",
              status: "False",
              lastUpdateTime: t,
              lastTransitionTime: t,
              reason: "MinimumReplicasUnavailable",
              message: "Deployment does not have minimum availability.",
            },
        ready === replicas
          ? {
              type: "Progressing",
              status: "True",
              lastUpdateTime: t,
              lastTransitionTime: t,
              reason: "NewReplicaSetAvailable",
              message: `ReplicaSet "${rsName}" has successfully progressed.`,
            }
          : {
              type: "Progressing",
              status: "True",
              lastUpdateTime: t,
              lastTransitionTime: t,
              reason: "ReplicaSetUpdated",
              message: `ReplicaSet "${rsName}" is progressing.`,
            },
      ],
    });
    return dep;
  }

  /** The storage class a claim really gets: the named one if it exists, else the default (csi-standard). */
  private classFor(requested: string | undefined): KObject {
    const scRT = this.c.builtin("storage.k8s.io", "storageclasses");
    return (requested && this.c.store.get(scRT, undefined, requested)) || this.c.store.get(scRT, undefined, CSI_CLASS)!;
  }

  /** A claim dynamically provisioned by the CSI driver: PVC and PV `pvc-<deterministic uuid>`, both Bound. */
  provisionedClaim(ns: string, pvc: KObject): KObject {
    const name = pvc.metadata.name!;
    const cls = this.classFor(
      pvc.spec?.storageClassName ?? pvc.metadata.annotations?.["volume.beta.kubernetes.io/storage-class"],
    );
    const pvName = `pvc-${uuidOf(`${ns}/${name}`)}`;
    const annotations = { ...(pvc.metadata.annotations ?? {}) };
    delete annotations["volume.beta.kubernetes.io/storage-class"];
    Object.assign(annotations, {
      "pv.kubernetes.io/bind-completed": "yes",
      "pv.kubernetes.io/bound-by-controller": "yes",
      "volume.beta.kubernetes.io/storage-provisioner": cls.provisioner,
      "volume.kubernetes.io/storage-provisioner": cls.provisioner,
    });
    const claim = this.put({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { ...pvc.metadata, name, namespace: ns, annotations },
      spec: { volumeMode: "Filesystem", ...pvc.spec, storageClassName: cls.metadata.name, volumeName: pvName },
    });
    const pv = this.put(provisionedPv(claim, cls, pvName), () => boundPvStatus(this.t));
    this.setStatus(claim, boundPvcStatus(pv));
    return claim;
  }

  /** A pre-provisioned (non-CSI) volume and the claim that names it, on legacy-hostpath, both Bound. */
  staticClaim(ns: string, pvc: KObject, pvDoc: KObject): KObject {
    const pvSpec: any = {
      volumeMode: "Filesystem",
      persistentVolumeReclaimPolicy: "Retain",
      ...pvDoc.spec,
      storageClassName: LEGACY_CLASS,
    };
    if (pvSpec.csi) {
      delete pvSpec.csi;
      pvSpec.hostPath = { path: `/mnt/${pvDoc.metadata.name}`, type: "" };
    }
    const claim = this.put({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        ...pvc.metadata,
        namespace: ns,
        annotations: { ...(pvc.metadata.annotations ?? {}), "pv.kubernetes.io/bind-completed": "yes" },
      },
      spec: { volumeMode: "Filesystem", ...pvc.spec, storageClassName: LEGACY_CLASS, volumeName: pvDoc.metadata.name },
    });
    const pv = this.put(
      {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: {
          ...pvDoc.metadata,
          annotations: { ...(pvDoc.metadata.annotations ?? {}), "pv.kubernetes.io/bound-by-controller": "yes" },
        },
        spec: {
          ...pvSpec,
          claimRef: {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            namespace: ns,
            name: claim.metadata.name,
            uid: claim.metadata.uid,
            resourceVersion: claim.metadata.resourceVersion,
          },
        },
      },
      () => boundPvStatus(this.t),
    );
    this.setStatus(claim, boundPvcStatus(pv));
    return claim;
  }

  statefulSet(ns: string, s: KObject): KObject {
    const name = s.metadata.name!;
    const replicas: number = s.spec?.replicas ?? 1;
    // Claim templates on a class this cluster lacks (the manifest's "fast") are moved to the default CSI class.
    const claimTemplates = (s.spec.volumeClaimTemplates ?? []).map((tpl: any) => {
      const annotations = { ...(tpl.metadata?.annotations ?? {}) };
      const cls = this.classFor(tpl.spec?.storageClassName ?? annotations["volume.beta.kubernetes.io/storage-class"]);
      delete annotations["volume.beta.kubernetes.io/storage-class"];
      const metadata = { ...tpl.metadata, annotations };
      if (!Object.keys(annotations).length) delete metadata.annotations;
      return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata,
        spec: { volumeMode: "Filesystem", ...tpl.spec, storageClassName: cls.metadata.name },
        status: { phase: "Pending" },
      };
    });
    const template = { ...s.spec.template, spec: podSpecDefaults(s.spec.template?.spec) };
    const sts = this.put({
      ...s,
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { ...s.metadata, namespace: ns },
      spec: {
        podManagementPolicy: "OrderedReady",
        revisionHistoryLimit: 10,
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        ...s.spec,
        replicas,
        template,
        volumeClaimTemplates: claimTemplates,
      },
    });
    const revision = `${name}-${templateHash(`${ns}/${name}`)}`;
    const selectorLabels = sts.spec.selector?.matchLabels ?? {};
    for (let i = 0; i < replicas; i++) {
      const podName = `${name}-${i}`;
      const volumes = [...(template.spec.volumes ?? [])];
      for (const tpl of claimTemplates) {
        const claimName = `${tpl.metadata.name}-${name}-${i}`;
        const { status: _status, apiVersion: _a, kind: _k, ...rest } = tpl;
        this.provisionedClaim(ns, {
          ...rest,
          metadata: { ...rest.metadata, name: claimName, labels: { ...selectorLabels } },
        } as KObject);
        volumes.push({ name: tpl.metadata.name, persistentVolumeClaim: { claimName } });
      }
      this.pod(ns, podName, template, sts, {
        labels: {
          "apps.kubernetes.io/pod-index": String(i),
          "controller-revision-hash": revision,
          "statefulset.kubernetes.io/pod-name": podName,
        },
        spec: { hostname: podName, subdomain: sts.spec.serviceName, volumes },
      });
    }
    this.setStatus(sts, {
      observedGeneration: 1,
      replicas,
      readyReplicas: replicas,
      currentReplicas: replicas,
      updatedReplicas: replicas,
      availableReplicas: replicas,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    });
    return sts;
  }

  daemonSet(ns: string, d: KObject): KObject {
    const name = d.metadata.name!;
    const template = { ...d.spec.template, spec: podSpecDefaults(d.spec.template?.spec) };
    const ds = this.put({
      ...d,
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { ...d.metadata, namespace: ns },
      spec: {
        revisionHistoryLimit: 10,
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
        ...d.spec,
        template,
      },
    });
    const revision = templateHash(`${ns}/${name}/revision`);
    // The nodes the DaemonSet controller places a pod on: its node selector matched, every NoSchedule/NoExecute taint
    // tolerated (by the template's tolerations and the ones the controller adds).
    const tolerations = [...(template.spec.tolerations ?? []), ...DAEMON_TOLERATIONS];
    const selector: Record<string, string> = template.spec.nodeSelector ?? {};
    const placed = this.nodeList.filter(
      (n) =>
        (n.taints ?? [])
          .filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute")
          .every((t) => tolerates(tolerations, t)) &&
        Object.entries(selector).every(([k, v]) => nodeLabels(n)[k] === v),
    );
    for (const n of placed) {
      this.pod(ns, `${name}-${nameSuffix(`${ns}/${name}/${n.name}`)}`, template, ds, {
        nodeName: n.name,
        labels: { "controller-revision-hash": revision, "pod-template-generation": "1" },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [n.name] }] }],
              },
            },
          },
          tolerations: [
            ...(template.spec.tolerations ?? []),
            ...["disk-pressure", "memory-pressure", "pid-pressure", "unschedulable"].map((k) => ({
              key: `node.kubernetes.io/${k}`,
              operator: "Exists",
              effect: "NoSchedule",
            })),
          ],
        },
      });
    }
    const n = placed.length;
    this.setStatus(ds, {
      currentNumberScheduled: n,
      desiredNumberScheduled: n,
      numberAvailable: n,
      numberMisscheduled: 0,
      numberReady: n,
      observedGeneration: 1,
      updatedNumberScheduled: n,
    });
    return ds;
  }

  /** A namespace's manifests, in the order a careful kubectl apply would take them: storage, config, services, workloads. */
  apply(ns: string, docs: KObject[]) {
    const pvs = new Map(docs.filter((d) => d.kind === "PersistentVolume").map((d) => [d.metadata.name!, d]));
    const claimed = new Set<string>();
    for (const d of docs.filter((d) => d.kind === "PersistentVolumeClaim")) {
      const pv = d.spec?.volumeName ? pvs.get(d.spec.volumeName) : undefined;
      if (pv) {
        claimed.add(pv.metadata.name!);
        this.staticClaim(ns, d, pv);
      } else this.provisionedClaim(ns, d);
    }
    for (const [name, pv] of pvs) {
      if (claimed.has(name)) continue;
      this.put(
        {
          ...pv,
          metadata: { ...pv.metadata },
          spec: { ...pv.spec, storageClassName: pv.spec?.storageClassName ?? LEGACY_CLASS },
        },
        () => ({ phase: "Available" }),
      );
    }
    const rank: Record<string, number> = {
      ServiceAccount: 0,
      Secret: 1,
      ConfigMap: 2,
      Service: 3,
      StatefulSet: 4,
      Deployment: 5,
      DaemonSet: 6,
      Pod: 7,
    };
    const rest = docs.filter((d) => !["PersistentVolume", "PersistentVolumeClaim", "StorageClass"].includes(d.kind!));
    rest.sort((a, b) => (rank[a.kind!] ?? 2) - (rank[b.kind!] ?? 2));
    for (const d of rest) {
      switch (d.kind) {
        case "Service":
          this.service(ns, d);
          break;
        case "Deployment":
          this.deployment(ns, d);
          break;
        case "StatefulSet":
          this.statefulSet(ns, d);
          break;
        case "DaemonSet":
          this.daemonSet(ns, d);
          break;
        case "Pod":
          this.pod(ns, d.metadata.name!, { metadata: d.metadata, spec: podSpecDefaults(d.spec) }, null);
          break;
        default:
          this.put({ ...d, metadata: { ...d.metadata, namespace: ns } });
      }
    }
  }
}

// ---- the seed -------------------------------------------------------------------------------------------------------------

const WORKLOAD_FILES = {
  guestbook: ["web_guestbook_all-in-one_guestbook-all-in-one.yaml"],
  cassandra: ["databases_cassandra_cassandra-service.yaml", "databases_cassandra_cassandra-statefulset.yaml"],
  modelServing: [
    "AI_model-serving-tensorflow_pv.yaml",
    "AI_model-serving-tensorflow_pvc.yaml",
    "AI_model-serving-tensorflow_deployment.yaml",
    "AI_model-serving-tensorflow_service.yaml",
  ],
  mysql: ["databases_mysql-cinder-pd_mysql.yaml", "databases_mysql-cinder-pd_mysql-service.yaml"],
};

const deployment = (
  name: string,
  labels: Record<string, string>,
  replicas: number,
  podSpec: any,
  podAnnotations?: Record<string, string>,
  metaLabels = labels,
): KObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: metaLabels },
  spec: {
    replicas,
    selector: { matchLabels: labels },
    template: { metadata: { labels, ...(podAnnotations ? { annotations: podAnnotations } : {}) }, spec: podSpec },
  },
});

export function seedCluster(cluster: Cluster, opts: SeedOptions): void {
  const velero = opts.velero;
  const crdsDir = opts.crdsDir ?? defaultCrdsDir();
  if (velero && (!fs.existsSync(crdsDir) || !fs.statSync(crdsDir).isDirectory()))
    throw new Error(`seed: the Velero CRDs directory ${crdsDir} does not exist (set VELERO_CRDS_DIR or pass crdsDir)`);
  const wd = opts.workloadsDir ?? defaultWorkloadsDir();
  const workloadsDir = fs.existsSync(wd) ? wd : null;
  const load = (files: string[]) => files.flatMap((f) => loadWorkload(workloadsDir, f));

  const s = new Seeder(cluster, velero ? [...NODES, GPU_NODE] : NODES);
  s.nodes();
  s.storage();

  // default: the apiserver's own Service.
  s.namespace("default");
  s.put(
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "kubernetes",
        namespace: "default",
        labels: { component: "apiserver", provider: "kubernetes" },
      },
      spec: {
        type: "ClusterIP",
        clusterIP: "10.96.0.1",
        clusterIPs: ["10.96.0.1"],
        ipFamilies: ["IPv4"],
        ipFamilyPolicy: "SingleStack",
        internalTrafficPolicy: "Cluster",
        sessionAffinity: "None",
        ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }],
      },
    },
    () => ({ loadBalancer: {} }),
  );

  // kube-system: CoreDNS and kube-proxy.
  s.namespace("kube-system");
  s.serviceAccount("kube-system", "coredns");
  s.serviceAccount("kube-system", "kube-proxy");
  s.secret(
    "kube-system",
    "bootstrap-token-sbx4k2",
    {
      "token-id": "sbx4k2",
      "token-secret": "q7w2zr9x5mfk8d3c",
      "usage-bootstrap-authentication": "true",
      "usage-bootstrap-signing": "true",
      "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
    },
    "bootstrap.kubernetes.io/token",
  );
  s.configMap("kube-system", "coredns", {
    Corefile:
      ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n",
  });
  s.configMap(
    "kube-system",
    "kube-proxy",
    {
      "config.conf":
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: 10.244.0.0/16\nmode: iptables\n",
    },
    { app: "kube-proxy" },
  );
  s.apply("kube-system", [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "kube-dns",
        labels: { "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS" },
        annotations: { "prometheus.io/port": "9153", "prometheus.io/scrape": "true" },
      },
      spec: {
        clusterIP: "10.96.0.10",
        selector: { "k8s-app": "kube-dns" },
        ports: [
          { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
          { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
          { name: "metrics", port: 9153, protocol: "TCP", targetPort: 9153 },
        ],
      },
    },
    deployment("coredns", { "k8s-app": "kube-dns" }, 2, {
      serviceAccountName: "coredns",
      priorityClassName: "system-cluster-critical",
      dnsPolicy: "Default",
      nodeSelector: { "kubernetes.io/os": "linux" },
      tolerations: [
        { key: "CriticalAddonsOnly", operator: "Exists" },
        { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
      ],
      containers: [
        {
          name: "coredns",
          image: "registry.k8s.io/coredns/coredns:v1.11.3",
          args: ["-conf", "/etc/coredns/Corefile"],
          ports: [
            { containerPort: 53, name: "dns", protocol: "UDP" },
            { containerPort: 53, name: "dns-tcp", protocol: "TCP" },
            { containerPort: 9153, name: "metrics", protocol: "TCP" },
          ],
          resources: { limits: { memory: "170Mi" }, requests: { cpu: "100m", memory: "70Mi" } },
          volumeMounts: [{ name: "config-volume", mountPath: "/etc/coredns", readOnly: true }],
        },
      ],
      volumes: [
        { name: "config-volume", configMap: { name: "coredns", items: [{ key: "Corefile", path: "Corefile" }] } },
      ],
    }),
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "kube-proxy", labels: { "k8s-app": "kube-proxy" } },
      spec: {
        selector: { matchLabels: { "k8s-app": "kube-proxy" } },
        template: {
          metadata: { labels: { "k8s-app": "kube-proxy" } },
          spec: {
            hostNetwork: true,
            priorityClassName: "system-node-critical",
            serviceAccountName: "kube-proxy",
            nodeSelector: { "kubernetes.io/os": "linux" },
            tolerations: [{ operator: "Exists" }],
            containers: [
              {
                name: "kube-proxy",
                image: `registry.k8s.io/kube-proxy:${cluster.version}`,
                command: [
                  "/usr/local/bin/kube-proxy",
                  "--config=/var/lib/kube-proxy/config.conf",
                  "--hostname-override=$(NODE_NAME)",
                ],
                env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } }],
                securityContext: { privileged: true },
                volumeMounts: [
                  { name: "kube-proxy", mountPath: "/var/lib/kube-proxy" },
                  { name: "xtables-lock", mountPath: "/run/xtables.lock" },
                  { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: "kube-proxy", configMap: { name: "kube-proxy" } },
              { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
              { name: "lib-modules", hostPath: { path: "/lib/modules", type: "" } },
            ],
          },
        },
      },
    },
  ]);

  // guestbook (kubernetes/examples web/guestbook all-in-one).
  s.namespace("guestbook", { team: "web" });
  s.serviceAccount("guestbook", "guestbook-deployer");
  s.secret("guestbook", "redis-credentials", { password: "sandbox-redis-password" });
  s.secret("guestbook", "frontend-tls", { "tls.crt": FAKE_CERT, "tls.key": FAKE_KEY }, "kubernetes.io/tls");
  s.apply("guestbook", load(WORKLOAD_FILES.guestbook));

  // cassandra (kubernetes/examples databases/cassandra): a StatefulSet whose claims land on csi-standard.
  s.namespace("cassandra", { team: "data" });
  s.serviceAccount("cassandra", "cassandra");
  s.secret("cassandra", "cassandra-credentials", { username: "cassandra", password: "sandbox-cassandra-password" });
  s.apply("cassandra", load(WORKLOAD_FILES.cassandra));

  // model-serving (kubernetes/examples AI/model-serving-tensorflow): a pre-provisioned hostPath volume, not CSI.
  s.namespace("model-serving");
  s.serviceAccount("model-serving", "model-loader");
  s.secret("model-serving", "model-registry-credentials", {
    username: "model-puller",
    password: "sandbox-model-registry-token",
  });
  s.secret(
    "model-serving",
    "regcred",
    {
      ".dockerconfigjson": JSON.stringify({
        auths: {
          "registry.sandbox.io": { username: "model-puller", password: "sandbox", auth: b64("model-puller:sandbox") },
        },
      }),
    },
    "kubernetes.io/dockerconfigjson",
  );
  s.apply("model-serving", load(WORKLOAD_FILES.modelServing));

  // mysql (kubernetes/examples databases/mysql-cinder-pd): a bare pod with an in-tree Cinder volume.
  s.namespace("mysql");
  s.serviceAccount("mysql", "mysql-backup");
  s.secret("mysql", "mysql-root-password", { password: "yourpassword" });
  s.apply("mysql", load(WORKLOAD_FILES.mysql));

  // web-cache: an emptyDir opted in to file-system backup.
  s.namespace("web-cache");
  s.serviceAccount("web-cache", "web-cache");
  s.secret("web-cache", "web-cache-tls", { "tls.crt": FAKE_CERT, "tls.key": FAKE_KEY }, "kubernetes.io/tls");
  s.configMap("web-cache", "web-cache-config", {
    "default.vcl":
      'vcl 4.1;\n\nbackend default {\n    .host = "frontend.guestbook.svc.cluster.local";\n    .port = "80";\n}\n',
    VARNISH_SIZE: "256M",
  });
  s.apply("web-cache", [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-cache", labels: { app: "web-cache" } },
      spec: { selector: { app: "web-cache" }, ports: [{ name: "http", port: 80, targetPort: 6081 }] },
    },
    deployment(
      "web-cache",
      { app: "web-cache" },
      1,
      {
        serviceAccountName: "web-cache",
        containers: [
          {
            name: "varnish",
            image: "varnish:7.6",
            ports: [{ containerPort: 6081, name: "http" }],
            env: [
              {
                name: "VARNISH_SIZE",
                valueFrom: { configMapKeyRef: { name: "web-cache-config", key: "VARNISH_SIZE" } },
              },
            ],
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
            volumeMounts: [
              { name: "cache", mountPath: "/var/lib/varnish" },
              { name: "config", mountPath: "/etc/varnish", readOnly: true },
              { name: "tls", mountPath: "/etc/tls", readOnly: true },
            ],
          },
        ],
        volumes: [
          { name: "cache", emptyDir: { sizeLimit: "1Gi" } },
          { name: "config", configMap: { name: "web-cache-config" } },
          { name: "tls", secret: { secretName: "web-cache-tls" } },
        ],
      },
      { "backup.velero.io/backup-volumes": "cache" },
    ),
  ]);

  // payments: a CSI-backed claim, and an emptyDir opted out of file-system backup.
  s.namespace("payments", { team: "payments" });
  s.serviceAccount("payments", "payments-api");
  s.secret("payments", "payments-db-credentials", {
    username: "payments",
    password: "sandbox-payments-db-password",
    host: "payments-db.payments.svc.cluster.local",
  });
  s.secret("payments", "payments-gateway-api-key", { "api-key": "sk_test_sandbox_0000000000000000" });
  s.apply("payments", [
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "payments-data", labels: { app: "payments-api" } },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: CSI_CLASS,
        resources: { requests: { storage: "5Gi" } },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "payments-api", labels: { app: "payments-api" } },
      spec: { selector: { app: "payments-api" }, ports: [{ name: "http", port: 8080, targetPort: 8080 }] },
    },
    deployment(
      "payments-api",
      { app: "payments-api" },
      1,
      {
        serviceAccountName: "payments-api",
        containers: [
          {
            name: "api",
            image: "registry.sandbox.io/payments/api:2.4.1",
            ports: [{ containerPort: 8080, name: "http" }],
            envFrom: [{ secretRef: { name: "payments-db-credentials" } }],
            env: [
              {
                name: "GATEWAY_API_KEY",
                valueFrom: { secretKeyRef: { name: "payments-gateway-api-key", key: "api-key" } },
              },
            ],
            resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
            volumeMounts: [
              { name: "data", mountPath: "/var/lib/payments" },
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [
          { name: "data", persistentVolumeClaim: { claimName: "payments-data" } },
          { name: "tmp", emptyDir: {} },
        ],
      },
      { "backup.velero.io/backup-volumes-excludes": "tmp" },
    ),
  ]);

  // tkg-system and vmware-system-tmc: what a Tanzu Kubernetes Grid cluster attached to Tanzu Mission Control runs.
  s.namespace("tkg-system");
  s.serviceAccount("tkg-system", "kapp-controller-sa");
  s.secret("tkg-system", "kapp-controller-config", {
    caCerts: "",
    httpProxy: "",
    httpsProxy: "",
    noProxy: "",
    dangerousSkipTLSVerify: "",
  });
  s.apply("tkg-system", [
    deployment(
      "kapp-controller",
      { app: "kapp-controller" },
      1,
      {
        serviceAccountName: "kapp-controller-sa",
        containers: [
          {
            name: "kapp-controller",
            image: "projects.registry.vmware.com/tkg/kapp-controller:v0.53.1_vmware.1",
            args: ["-packaging-global-namespace=tkg-system", "-tls-cipher-suites="],
            ports: [{ containerPort: 10350, name: "api" }],
            resources: { requests: { cpu: "120m", memory: "100Mi" } },
          },
        ],
      },
      undefined,
      { app: "kapp-controller", "tkg.tanzu.vmware.com/addon-name": "kapp-controller" },
    ),
  ]);
  s.namespace("vmware-system-tmc", { "tmc.cloud.vmware.com/managed": "true" });
  s.serviceAccount("vmware-system-tmc", "extension-manager");
  s.secret("vmware-system-tmc", "tmc-access-secret", {
    "access-token": "sandbox-tmc-access-token",
    "org-id": uuidOf("tmc/org"),
  });
  s.apply("vmware-system-tmc", [
    deployment(
      "extension-manager",
      { app: "extension-manager" },
      1,
      {
        serviceAccountName: "extension-manager",
        containers: [
          {
            name: "manager",
            image: "extensions.projects.registry.vmware.com/tmc/extension-manager/manager:1.0.0",
            args: ["--metrics-addr=:8080", "--enable-leader-election"],
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
          },
        ],
      },
      undefined,
      { app: "extension-manager", "tmc.cloud.vmware.com/extension": "extension-manager" },
    ),
  ]);

  if (velero) {
    seedVelero(s, velero, crdsDir);
    // After Velero, so the pods seeded before keep their nodes (workloads go round-robin over NODES).
    seedCoverageCases(s);
  }

  // Every namespace has its "default" ServiceAccount now, not a microtask later.
  for (const ns of cluster.store.list(cluster.builtin("", "namespaces"))) {
    cluster.ensure("", "serviceaccounts", ns.metadata.name!, "default", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "default", namespace: ns.metadata.name },
    });
  }
}

/**
 * Velero as `velero install` renders it (sandbox/velero/installer.ts) for the flags the plan maps to, written as the
 * controllers would have left it: CRDs, Namespace, ServiceAccount, ClusterRoleBinding, the Deployment with one plugin
 * init container per ObjectStore plugin, and the node-agent DaemonSet, with their ReplicaSet and pods.
 */
function seedVelero(s: Seeder, v: Exclude<SeedOptions["velero"], false>, crdsDir: string) {
  const parsed = parseInstallArgs(seedInstallArgs(v), v.version);
  if (!parsed.ok) throw new Error(`seed: velero install flags: ${parsed.error}`);
  const objects = renderVeleroObjects({ version: v.version, flags: parsed.flags, crdsDir });
  const ns = parsed.flags.namespace;
  const namespaced: KObject[] = [];
  for (const o of objects) {
    if (o.kind === "Namespace") s.namespace(o.metadata.name!, o.metadata.labels);
    else if (o.metadata.namespace) namespaced.push(o);
    else s.put(o);
  }
  // Labels the seed has always put on the workloads (seed tests pin them); `velero install` itself labels both
  // objects component=velero only.
  for (const o of namespaced) {
    if (o.kind === "Deployment") o.metadata.labels = { ...o.metadata.labels, deploy: "velero" };
    if (o.kind === "DaemonSet") o.metadata.labels = { ...o.metadata.labels, name: "node-agent" };
  }
  s.apply(ns, namespaced);
}

// ---- built-in fallback manifests ----------------------------------------------------------------------------------------
// Used when the workloads directory is missing: trimmed equivalents of the kubernetes/examples manifests, so a cluster
// seeded without them holds the same object names.

const FALLBACK: Record<string, string> = {
  "web_guestbook_all-in-one_guestbook-all-in-one.yaml": `
apiVersion: v1
kind: Service
metadata: {name: redis-master, labels: {app: redis, tier: backend, role: master}}
spec: {ports: [{port: 6379, targetPort: 6379}], selector: {app: redis, tier: backend, role: master}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: redis-master}
spec:
  selector: {matchLabels: {app: redis, role: master, tier: backend}}
  replicas: 1
  template:
    metadata: {labels: {app: redis, role: master, tier: backend}}
    spec:
      containers:
      - {name: master, image: "registry.k8s.io/redis:e2e", resources: {requests: {cpu: 100m, memory: 100Mi}}, ports: [{containerPort: 6379}]}
---
apiVersion: v1
kind: Service
metadata: {name: redis-replica, labels: {app: redis, tier: backend, role: replica}}
spec: {ports: [{port: 6379}], selector: {app: redis, tier: backend, role: replica}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: redis-replica}
spec:
  selector: {matchLabels: {app: redis, role: replica, tier: backend}}
  replicas: 2
  template:
    metadata: {labels: {app: redis, role: replica, tier: backend}}
    spec:
      containers:
      - {name: replica, image: "gcr.io/google_samples/gb-redisslave:v1", resources: {requests: {cpu: 100m, memory: 100Mi}}, env: [{name: GET_HOSTS_FROM, value: dns}], ports: [{containerPort: 6379}]}
---
apiVersion: v1
kind: Service
metadata: {name: frontend, labels: {app: guestbook, tier: frontend}}
spec: {type: NodePort, ports: [{port: 80}], selector: {app: guestbook, tier: frontend}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend}
spec:
  selector: {matchLabels: {app: guestbook, tier: frontend}}
  replicas: 3
  template:
    metadata: {labels: {app: guestbook, tier: frontend}}
    spec:
      containers:
      - {name: php-redis, image: "gcr.io/google-samples/gb-frontend:v5", resources: {requests: {cpu: 100m, memory: 100Mi}}, env: [{name: GET_HOSTS_FROM, value: dns}], ports: [{containerPort: 80}]}
`,
  "databases_cassandra_cassandra-service.yaml": `
apiVersion: v1
kind: Service
metadata: {labels: {app: cassandra}, name: cassandra}
spec: {clusterIP: None, ports: [{port: 9042}], selector: {app: cassandra}}
`,
  "databases_cassandra_cassandra-statefulset.yaml": `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cassandra, labels: {app: cassandra}}
spec:
  serviceName: cassandra
  replicas: 3
  selector: {matchLabels: {app: cassandra}}
  template:
    metadata: {labels: {app: cassandra}}
    spec:
      terminationGracePeriodSeconds: 1800
      containers:
      - name: cassandra
        image: "gcr.io/google-samples/cassandra:v14"
        imagePullPolicy: Always
        ports: [{containerPort: 7000, name: intra-node}, {containerPort: 7001, name: tls-intra-node}, {containerPort: 7199, name: jmx}, {containerPort: 9042, name: cql}]
        resources: {limits: {cpu: 500m, memory: 1Gi}, requests: {cpu: 500m, memory: 1Gi}}
        env: [{name: MAX_HEAP_SIZE, value: 512M}, {name: HEAP_NEWSIZE, value: 100M}, {name: CASSANDRA_SEEDS, value: cassandra-0.cassandra.default.svc.cluster.local}, {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
        volumeMounts: [{name: cassandra-data, mountPath: /var/lib/cassandra}]
  volumeClaimTemplates:
  - metadata: {name: cassandra-data, annotations: {volume.beta.kubernetes.io/storage-class: fast}}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
  "AI_model-serving-tensorflow_pv.yaml": `
apiVersion: v1
kind: PersistentVolume
metadata: {name: my-model-pv}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadOnlyMany], persistentVolumeReclaimPolicy: Retain, hostPath: {path: /mnt/models/my_model}}
`,
  "AI_model-serving-tensorflow_pvc.yaml": `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: my-model-pvc}
spec: {accessModes: [ReadOnlyMany], resources: {requests: {storage: 1Gi}}, volumeName: my-model-pv}
`,
  "AI_model-serving-tensorflow_deployment.yaml": `
apiVersion: apps/v1
kind: Deployment
metadata: {name: tf-serving, labels: {app: tf-serving}}
spec:
  replicas: 1
  selector: {matchLabels: {app: tf-serving}}
  template:
    metadata: {labels: {app: tf-serving}}
    spec:
      containers:
      - name: tensorflow-serving
        image: "tensorflow/serving:2.19.0"
        args: ["--model_name=my_model", "--port=8500", "--rest_api_port=8501", "--model_base_path=/models/my_model"]
        ports: [{containerPort: 8500}, {containerPort: 8501}]
        volumeMounts: [{name: model-volume, mountPath: /models/my_model}]
      volumes: [{name: model-volume, persistentVolumeClaim: {claimName: my-model-pvc}}]
`,
  "AI_model-serving-tensorflow_service.yaml": `
apiVersion: v1
kind: Service
metadata: {name: tf-serving}
spec: {selector: {app: tf-serving}, ports: [{name: grpc, port: 8500, targetPort: 8500}, {name: rest, port: 8501, targetPort: 8501}], type: ClusterIP}
`,
  "databases_mysql-cinder-pd_mysql.yaml": `
apiVersion: v1
kind: Pod
metadata: {name: mysql, labels: {name: mysql}}
spec:
  containers:
  - resources: {limits: {cpu: 0.5}}
    image: mysql
    name: mysql
    args: ["--ignore-db-dir", "lost+found"]
    env: [{name: MYSQL_ROOT_PASSWORD, value: yourpassword}]
    ports: [{containerPort: 3306, name: mysql}]
    volumeMounts: [{name: mysql-persistent-storage, mountPath: /var/lib/mysql}]
  volumes:
  - name: mysql-persistent-storage
    cinder: {volumeID: bd82f7e2-wece-4c01-a505-4acf60b07f4a, fsType: ext4}
`,
  "databases_mysql-cinder-pd_mysql-service.yaml": `
apiVersion: v1
kind: Service
metadata: {labels: {name: mysql}, name: mysql}
spec: {ports: [{port: 3306}], selector: {name: mysql}}
`,
};
