import crypto from "node:crypto";
import type { Cluster } from "./kube-api/cluster";
import type { StoreEvent } from "./kube-api/store";
import type { KObject } from "./kube-api/types";
import { recordEvent } from "./events";

// The sandbox's kubelet, scheduler and CSI external-provisioner / PV controller, for objects created after seeding (by
// kubectl, by Lifeboat, by a Velero restore). It reacts to writes (Cluster.onReact) and always re-reads the current
// object before acting, so it never acts on a stale event and never loops on its own writes: every action moves an
// object out of the state that triggers it (Pending pod -> scheduled -> Running; Pending claim -> Bound).
// The helpers below are shared with seed.ts so seeded objects look exactly like simulated ones.

const NO_PROVISIONER = "kubernetes.io/no-provisioner";
/** Where pods go on a cluster without Node objects: the seed's untainted nodes (its tainted GPU node takes no pod that
 * does not tolerate it, so it is never a default). */
const DEFAULT_NODES = ["node-1", "node-2", "node-3"];
export const isoNow = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

// ---- deterministic names -------------------------------------------------------------------------------------------

/** The apiserver's name alphabet (no vowels, no look-alikes): what generateName and pod-template-hash use. */
export const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** k8s.io/apimachinery rand.SafeEncodeString: each character mapped into the safe alphabet. */
export const safeEncode = (s: string) =>
  [...s].map((ch) => SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length]).join("");

/** A pod-template-hash as the deployment controller prints it (SafeEncodeString of a decimal FNV-32a), e.g. "7d4b9c6f8". */
export const templateHash = (key: string) => safeEncode(String(fnv32a(key)));

/** A generateName-style suffix of `n` characters, derived from `key`. */
export function nameSuffix(key: string, n = 5): string {
  const d = crypto.createHash("sha256").update(key).digest();
  return [...d.subarray(0, n)].map((b) => SAFE_ALPHABET[b % SAFE_ALPHABET.length]).join("");
}

export const hexOf = (key: string, len = 64) => crypto.createHash("sha256").update(key).digest("hex").slice(0, len);

/** A UUID-shaped (version 4 layout) identifier derived from `key`. */
export function uuidOf(key: string): string {
  const h = hexOf(key, 32).split("");
  h[12] = "4";
  h[16] = "89ab"[parseInt(h[16], 16) % 4];
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

// ---- shared by the simulated controllers -----------------------------------------------------------------------------

/** The ownerReference a controller puts on what it makes (controller: true, so the garbage collector and adoption know). */
export const controllerRef = (o: KObject) => ({
  apiVersion: o.apiVersion!,
  kind: o.kind!,
  name: o.metadata.name!,
  uid: o.metadata.uid!,
  controller: true,
  blockOwnerDeletion: true,
});

/** Timers by key: at most one pending per key (a burst of events makes one reaction), all cleared by stop(). */
export function keyedTimers() {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let stopped = false;
  return {
    get stopped() {
      return stopped;
    },
    later(key: string, fn: () => void, ms: number) {
      if (stopped || timers.has(key)) return;
      timers.set(
        key,
        setTimeout(() => {
          timers.delete(key);
          if (!stopped) fn();
        }, ms),
      );
    },
    stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}

/** Tolerations cover a taint as the scheduler decides it (NoSchedule and NoExecute taints must be tolerated). */
export function tolerates(tolerations: any[] | undefined, taint: any): boolean {
  if (taint.effect === "PreferNoSchedule") return true;
  return (tolerations ?? []).some(
    (t) =>
      (!t.effect || t.effect === taint.effect) &&
      (t.operator === "Exists"
        ? !t.key || t.key === taint.key
        : t.key === taint.key && (t.value ?? "") === (taint.value ?? "")),
  );
}

const nodeReady = (n: KObject) =>
  (n.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
const selectorMatches = (pod: KObject, n: KObject) =>
  Object.entries((pod.spec?.nodeSelector ?? {}) as Record<string, string>).every(
    ([k, v]) => n.metadata.labels?.[k] === v,
  );

/** Why a node cannot take a pod, as the scheduler's filter that rejects it first words it; null when it can. */
function filterFailure(pod: KObject, n: KObject): string | null {
  if (n.spec?.unschedulable) return "node(s) were unschedulable";
  if (!nodeReady(n)) return "node(s) had untolerated taint {node.kubernetes.io/not-ready: }";
  const taint = (n.spec?.taints ?? []).find(
    (t: any) => (t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerates(pod.spec?.tolerations, t),
  );
  if (taint) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
  if (!selectorMatches(pod, n)) return "node(s) didn't match Pod's node affinity/selector";
  return null;
}

/** The nodes a pod may be scheduled on (Ready, schedulable, taints tolerated, node selector matched). */
export const feasibleNodes = (pod: KObject, nodes: KObject[]): KObject[] =>
  nodes.filter((n) => filterFailure(pod, n) === null);

/** The scheduler's FitError for a pod no node takes ("0/4 nodes are available: …"), reasons sorted as it sorts them. */
export function unschedulableMessage(pod: KObject, nodes: KObject[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) {
    const why = filterFailure(pod, n);
    if (why) counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  const reasons = [...counts].map(([why, count]) => `${count} ${why}`).sort();
  const total = nodes.length;
  return (
    `0/${total} nodes are available: ${reasons.join(", ")}. ` +
    `preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`
  );
}

/** The status of a pod the scheduler could not place: Pending, PodScheduled False (Unschedulable) with its reasons. */
export function unschedulablePodStatus(pod: KObject, message: string, at = isoNow()): Record<string, unknown> {
  return {
    phase: "Pending",
    conditions: [
      {
        type: "PodScheduled",
        status: "False",
        lastProbeTime: null,
        lastTransitionTime: at,
        reason: "Unschedulable",
        message,
      },
    ],
    qosClass: qosClass(pod.spec),
  };
}

// ---- kubelet: pod status ---------------------------------------------------------------------------------------------

/** "mysql" -> "docker.io/library/mysql:latest", as containerd reports images. */
export function normalizeImage(image: string): string {
  let ref = image;
  const slash = ref.indexOf("/");
  const first = slash < 0 ? "" : ref.slice(0, slash);
  if (slash < 0) ref = `docker.io/library/${ref}`;
  else if (!first.includes(".") && !first.includes(":") && first !== "localhost") ref = `docker.io/${ref}`;
  const lastSlash = ref.lastIndexOf("/");
  if (!ref.includes("@") && !ref.slice(lastSlash).includes(":")) ref = `${ref}:latest`;
  return ref;
}

const repoOf = (normalized: string) => normalized.replace(/@.*$/, "").replace(/:[^/:]*$/, "");

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> } | undefined;

export function qosClass(spec: any): "Guaranteed" | "Burstable" | "BestEffort" {
  const containers: { resources?: Resources }[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** A node's InternalIP and pod CIDR prefix ("10.244.1."), from the Node object or, absent one, from its name. */
export function nodeNetwork(cluster: Cluster, nodeName: string): { hostIP: string; podPrefix: string } {
  const node = cluster.store.get(cluster.builtin("", "nodes"), undefined, nodeName);
  const idx = Number(/(\d+)$/.exec(nodeName)?.[1] ?? 1);
  const hostIP = node?.status?.addresses?.find((a: any) => a.type === "InternalIP")?.address ?? `10.0.0.${10 + idx}`;
  const cidr: string | undefined = node?.spec?.podCIDR;
  const podPrefix = cidr ? cidr.split("/")[0].split(".").slice(0, 3).join(".") + "." : `10.244.${idx}.`;
  return { hostIP, podPrefix };
}

/** The first free pod IP on a node (host-network pods take the node's IP). */
export function allocatePodIP(
  cluster: Cluster,
  nodeName: string,
  hostNetwork: boolean,
): { hostIP: string; podIP: string } {
  const { hostIP, podPrefix } = nodeNetwork(cluster, nodeName);
  if (hostNetwork) return { hostIP, podIP: hostIP };
  const used = new Set(
    cluster.store
      .list(cluster.builtin("", "pods"))
      .filter((p) => p.spec?.nodeName === nodeName)
      .map((p) => p.status?.podIP),
  );
  for (let i = 2; i < 255; i++) if (!used.has(`${podPrefix}${i}`)) return { hostIP, podIP: `${podPrefix}${i}` };
  return { hostIP, podIP: `${podPrefix}254` };
}

/** The status a kubelet reports for a pod whose containers all started and are ready. */
export function runningPodStatus(
  pod: KObject,
  ips: { hostIP: string; podIP: string },
  at = isoNow(),
): Record<string, unknown> {
  const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
  const cond = (type: string) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: at });
  const containerStatus = (c: any, init: boolean) => {
    const image = normalizeImage(String(c.image ?? "unknown"));
    return {
      name: c.name,
      state: init
        ? {
            terminated: {
              exitCode: 0,
              reason: "Completed",
              startedAt: at,
              finishedAt: at,
              containerID: `containerd://${hexOf(`${key}/${c.name}`)}`,
            },
          }
        : { running: { startedAt: at } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image,
      imageID: `${repoOf(image)}@sha256:${hexOf(image)}`,
      containerID: `containerd://${hexOf(`${key}/${c.name}`)}`,
      started: !init,
    };
  };
  const status: Record<string, unknown> = {
    phase: "Running",
    conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map(cond),
    hostIP: ips.hostIP,
    hostIPs: [{ ip: ips.hostIP }],
    podIP: ips.podIP,
    podIPs: [{ ip: ips.podIP }],
    startTime: at,
    containerStatuses: (pod.spec?.containers ?? []).map((c: any) => containerStatus(c, false)),
    qosClass: qosClass(pod.spec),
  };
  if (pod.spec?.initContainers?.length)
    status.initContainerStatuses = pod.spec.initContainers.map((c: any) => containerStatus(c, true));
  return status;
}

/** Claim names a pod's volumes reference. */
export const claimsOf = (pod: KObject): string[] =>
  (pod.spec?.volumes ?? []).map((v: any) => v.persistentVolumeClaim?.claimName).filter(Boolean);

// ---- CSI provisioner / PV controller ---------------------------------------------------------------------------------

/** A dynamically provisioned PV for a claim, as the CSI external-provisioner creates it. */
export function provisionedPv(pvc: KObject, cls: KObject, pvName: string): KObject {
  const driver: string = cls.provisioner;
  const storage = pvc.spec?.resources?.requests?.storage ?? "1Gi";
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name: pvName,
      annotations: {
        "pv.kubernetes.io/provisioned-by": driver,
        "volume.kubernetes.io/provisioner-deletion-secret-name": "",
        "volume.kubernetes.io/provisioner-deletion-secret-namespace": "",
      },
    },
    spec: {
      accessModes: pvc.spec?.accessModes ?? ["ReadWriteOnce"],
      capacity: { storage },
      claimRef: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: pvc.metadata.namespace,
        name: pvc.metadata.name,
        uid: pvc.metadata.uid,
        resourceVersion: pvc.metadata.resourceVersion,
      },
      csi: {
        driver,
        fsType: cls.parameters?.["csi.storage.k8s.io/fstype"] ?? "ext4",
        volumeAttributes: {
          "storage.kubernetes.io/csiProvisionerIdentity": `1700000000000-${fnv32a(driver) % 10000}-${driver}`,
        },
        volumeHandle: `vol-${hexOf(`${pvName}`, 17)}`,
      },
      persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? "Delete",
      storageClassName: cls.metadata.name,
      volumeMode: pvc.spec?.volumeMode ?? "Filesystem",
    },
  };
}

export const boundPvcStatus = (pv: KObject) => ({
  phase: "Bound",
  accessModes: pv.spec?.accessModes ?? ["ReadWriteOnce"],
  capacity: { storage: pv.spec?.capacity?.storage },
});
export const boundPvStatus = (at = isoNow()) => ({ phase: "Bound", lastPhaseTransitionTime: at });

const quantityBytes = (q: unknown): number => {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(q ?? "0"));
  if (!m) return 0;
  const mult: Record<string, number> = {
    "": 1,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(m[1]) * (mult[m[2]] ?? 1);
};

// ---- kubelet: image pulls and programs -------------------------------------------------------------------------------

/** Registries that answer in the sandbox; any other host does not resolve (an air-gapped or mistyped registry). */
export const ANSWERING_REGISTRIES = new Set([
  "docker.io",
  "registry.k8s.io",
  "k8s.gcr.io",
  "gcr.io",
  "quay.io",
  "ghcr.io",
  "mcr.microsoft.com",
  "public.ecr.aws",
]);

/** "registry:5000/velero/velero:v1.18.1" → "velero/velero" (the repository without registry, tag or digest). */
export function imageRepository(image: string): string {
  const ref = normalizeImage(image);
  return repoOf(ref.slice(ref.indexOf("/") + 1));
}

/** Why the kubelet cannot pull an image (containerd's words), or null when it pulls. */
export function pullFailure(
  image: string,
  /** Repositories whose tags are known exactly (any answering registry serves them); others pull any tag. */
  knownTags: Readonly<Record<string, readonly string[]>> = {},
): { reason: "ErrImagePull" | "InvalidImageName"; message: string } | null {
  const ref = normalizeImage(image);
  if (!image || /\s/.test(image) || /[A-Z]/.test(repoOf(ref)) || /[:@/]$/.test(image))
    return {
      reason: "InvalidImageName",
      message: `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`,
    };
  const host = ref.slice(0, ref.indexOf("/"));
  const repoAndTag = ref.slice(host.length + 1);
  const repo = repoOf(repoAndTag);
  const tag = repoAndTag.includes("@") ? repoAndTag.split("@")[1] : repoAndTag.slice(repo.length + 1);
  if (!ANSWERING_REGISTRIES.has(host))
    return {
      reason: "ErrImagePull",
      message:
        `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ` +
        `failed to do request: Head "https://${host}/v2/${repo}/manifests/${tag}": dial tcp: lookup ${host.split(":")[0]}: no such host`,
    };
  const known = knownTags[repo];
  if (known && !known.includes(tag))
    return {
      reason: "ErrImagePull",
      message: `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
    };
  return null;
}

/** What a container that runs to completion printed and how it exited. */
export interface ContainerRun {
  exitCode: number;
  output: string;
}
/** A program the sandbox's kubelet can run in a container (by image and command); undefined: not this one. */
export type ContainerProgram = (pod: KObject, container: any) => ContainerRun | undefined;

/** echo, true and false in any image: enough for Jobs in tests. */
export const coreutils: ContainerProgram = (_pod, c) => {
  const argv: string[] = [...(c.command ?? []), ...(c.args ?? [])];
  const cmd = argv[0]?.split("/").pop();
  if (cmd === "echo") return { exitCode: 0, output: `${argv.slice(1).join(" ")}\n` };
  if (cmd === "true") return { exitCode: 0, output: "" };
  if (cmd === "false") return { exitCode: 1, output: "" };
  return undefined;
};

// ---- the simulator ---------------------------------------------------------------------------------------------------

export function startSimulator(
  cluster: Cluster,
  opts: {
    delayMs?: number;
    backOffMs?: number;
    programs?: ContainerProgram[];
    knownTags?: Readonly<Record<string, readonly string[]>>;
  } = {},
): () => void {
  const delay = opts.delayMs ?? 50;
  const programs = [...(opts.programs ?? []), coreutils];
  const podRT = cluster.builtin("", "pods");
  const pvcRT = cluster.builtin("", "persistentvolumeclaims");
  const pvRT = cluster.builtin("", "persistentvolumes");
  const nodeRT = cluster.builtin("", "nodes");
  const scRT = cluster.builtin("storage.k8s.io", "storageclasses");
  const timers = keyedTimers();
  let rr = 0;

  const later = (key: string, fn: () => void, ms = delay) => timers.later(key, () => guard(fn), ms);
  const retry = (key: string, fn: () => void) => later(`retry:${key}`, () => guard(fn, key), Math.max(delay, 20));
  /** Never throw out of a reaction: a conflict (someone else wrote first) is retried, anything else dropped. */
  const guard = (fn: () => void, retryKey?: string) => {
    try {
      fn();
    } catch (e: any) {
      if (retryKey && e?.code === 409) retry(retryKey, fn);
    }
  };

  const storageClass = (name: string | undefined): KObject | undefined =>
    name ? cluster.store.get(scRT, undefined, name) : undefined;
  const defaultClass = () =>
    cluster.store
      .list(scRT)
      .find((c) => c.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true");
  const claim = (ns: string, name: string) => cluster.store.get(pvcRT, ns, name);

  // ---- scheduler and kubelet ----
  const schedulableNodes = (pod: KObject): string[] => {
    const nodes = cluster.store.list(nodeRT);
    if (!nodes.length) return DEFAULT_NODES;
    return feasibleNodes(pod, nodes).map((n) => n.metadata.name!);
  };

  /** No node takes the pod: it stays Pending with the scheduler's reasons (written once, not again while they hold). */
  const markUnschedulable = (pod: KObject) => {
    const nodes = cluster.store.list(nodeRT);
    if (!nodes.length) return;
    const message = unschedulableMessage(pod, nodes);
    const cur = (pod.status?.conditions ?? []).find((c: any) => c.type === "PodScheduled");
    if (cur?.status === "False" && cur.reason === "Unschedulable" && cur.message === message) return;
    const { namespace: ns, name } = pod.metadata;
    cluster.update(
      podRT,
      ns,
      name!,
      { ...pod, status: { ...(pod.status ?? {}), ...unschedulablePodStatus(pod, message) } },
      { subresource: "status" },
    );
  };

  const claimsReady = (pod: KObject, forScheduling: boolean) =>
    claimsOf(pod).every((name) => {
      const c = claim(pod.metadata.namespace!, name);
      if (!c || c.metadata.deletionTimestamp) return false;
      if (c.status?.phase === "Bound") return true;
      return forScheduling && storageClass(c.spec?.storageClassName)?.volumeBindingMode === "WaitForFirstConsumer";
    });

  const reconcilePod = (ns: string, name: string) => {
    const pod = cluster.store.get(podRT, ns, name);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const phase = pod.status?.phase ?? "Pending";
    if (phase !== "Pending") return;
    if (!pod.spec?.nodeName) {
      if (!claimsReady(pod, true)) return; // "unbound immediate PersistentVolumeClaims": wait for the claim
      const candidates = schedulableNodes(pod);
      if (!candidates.length) return markUnschedulable(pod); // unschedulable: stays Pending, says why
      const nodeName = candidates[rr++ % candidates.length];
      const scheduled = cluster.update(podRT, ns, name, { ...pod, spec: { ...pod.spec, nodeName } });
      const at = isoNow();
      cluster.update(
        podRT,
        ns,
        name,
        {
          ...scheduled,
          status: {
            ...(scheduled.status ?? {}),
            phase: "Pending",
            conditions: [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: at }],
          },
        },
        { subresource: "status" },
      );
      for (const c of claimsOf(pod)) reconcileClaim(ns, c); // WaitForFirstConsumer claims provision now
      return; // the write above comes back as an event, which starts the containers
    }
    if (!claimsReady(pod, false)) return; // kubelet waits for volumes to attach; a claim's binding re-triggers this
    if (pullingFailed(pod)) return; // the registry does not answer: it stays so (the back-off below is timed)
    later(`pod:${pod.metadata.uid}`, () => startContainers(ns, name, pod.metadata.uid!));
  };

  const PULL_FAILURES = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"];
  const pullingFailed = (pod: KObject) =>
    [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].some((c: any) =>
      PULL_FAILURES.includes(c.state?.waiting?.reason),
    );

  /** The status of a pod whose image cannot be pulled: Pending, the container waiting with containerd's reason. */
  const pullFailedStatus = (
    pod: KObject,
    failures: Map<string, { reason: string; message: string }>,
    backOff: boolean,
  ) => {
    const at = isoNow();
    const waiting = (c: any, init: boolean) => {
      const f = failures.get(c.name);
      const reason = f
        ? backOff && f.reason === "ErrImagePull"
          ? "ImagePullBackOff"
          : f.reason
        : init
          ? "PodInitializing"
          : "PodInitializing";
      // Kubelets since 1.30 keep the pull error in the back-off message.
      const message = f
        ? reason === "ImagePullBackOff"
          ? `Back-off pulling image "${c.image}": ErrImagePull: ${f.message}`
          : f.message
        : undefined;
      return {
        name: c.name,
        state: { waiting: { reason, ...(message ? { message } : {}) } },
        lastState: {},
        ready: false,
        restartCount: 0,
        image: c.image,
        imageID: "",
        started: false,
      };
    };
    const cond = (type: string, status: string, reason?: string) => ({
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: at,
      ...(reason ? { reason } : {}),
    });
    const hasInit = Boolean(pod.spec?.initContainers?.length);
    const status: Record<string, unknown> = {
      phase: "Pending",
      conditions: [
        cond("PodReadyToStartContainers", "True"),
        cond("Initialized", hasInit ? "False" : "True", hasInit ? "ContainersNotInitialized" : undefined),
        cond("Ready", "False", "ContainersNotReady"),
        cond("ContainersReady", "False", "ContainersNotReady"),
        cond("PodScheduled", "True"),
      ],
      hostIP: pod.status?.hostIP,
      startTime: pod.status?.startTime ?? at,
      containerStatuses: (pod.spec?.containers ?? []).map((c: any) => waiting(c, false)),
      qosClass: qosClass(pod.spec),
    };
    if (hasInit) status.initContainerStatuses = pod.spec.initContainers.map((c: any) => waiting(c, true));
    return status;
  };

  /** The kubelet pulls every image first (init containers before containers); a failure stops the pod there. */
  const pullImages = (pod: KObject): boolean => {
    const failures = new Map<string, { reason: string; message: string; image: string }>();
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      const f = pullFailure(String(c.image ?? ""), opts.knownTags);
      if (f) failures.set(c.name, { ...f, image: String(c.image) });
    }
    if (!failures.size) return true;
    const { namespace: ns, name, uid } = pod.metadata;
    cluster.update(
      podRT,
      ns,
      name!,
      { ...pod, status: pullFailedStatus(pod, failures, false) },
      { subresource: "status" },
    );
    for (const f of failures.values()) {
      recordEvent(cluster, pod, {
        type: "Warning",
        reason: "Failed",
        message: `Failed to pull image "${f.image}": ${f.message}`,
        component: "kubelet",
      });
      recordEvent(cluster, pod, {
        type: "Warning",
        reason: "Failed",
        message: `Error: ${f.reason}`,
        component: "kubelet",
      });
    }
    later(
      `backoff:${uid}`,
      () => {
        const cur = cluster.store.get(podRT, ns, name!);
        if (!cur || cur.metadata.uid !== uid || (cur.status?.phase ?? "Pending") !== "Pending") return;
        cluster.update(
          podRT,
          ns,
          name!,
          { ...cur, status: pullFailedStatus(cur, failures, true) },
          { subresource: "status" },
        );
        for (const f of failures.values()) {
          recordEvent(cluster, cur, {
            type: "Normal",
            reason: "BackOff",
            message: `Back-off pulling image "${f.image}"`,
            component: "kubelet",
          });
        }
      },
      opts.backOffMs ?? 1_000,
    );
    return false;
  };

  /** Containers that run to completion (a program knows them) under restartPolicy Never/OnFailure end the pod. */
  const runToCompletion = (ns: string, name: string, uid: string) => {
    const pod = cluster.store.get(podRT, ns, name);
    if (!pod || pod.metadata.uid !== uid || pod.status?.phase !== "Running") return;
    if ((pod.spec?.restartPolicy ?? "Always") === "Always") return;
    const runs = (pod.spec?.containers ?? []).map((c: any) => {
      for (const p of programs) {
        const r = p(pod, c);
        if (r) return { c, r };
      }
      return undefined;
    });
    if (runs.some((x: unknown) => !x)) return; // a container that serves keeps the pod Running
    const at = isoNow();
    for (const { c, r } of runs) if (r.output) cluster.appendPodLog(ns, name, c.name, r.output);
    const failed = runs.some(({ r }: { r: ContainerRun }) => r.exitCode !== 0);
    const cur = cluster.store.get(podRT, ns, name)!;
    const containerStatuses = (cur.status?.containerStatuses ?? []).map((s: any) => {
      const run = runs.find(({ c }: { c: any }) => c.name === s.name)!.r;
      return {
        ...s,
        ready: false,
        started: false,
        state: {
          terminated: {
            exitCode: run.exitCode,
            reason: run.exitCode === 0 ? "Completed" : "Error",
            startedAt: s.state?.running?.startedAt ?? at,
            finishedAt: at,
            containerID: s.containerID,
          },
        },
      };
    });
    const conditions = (cur.status?.conditions ?? []).map((c: any) =>
      c.type === "Ready" || c.type === "ContainersReady"
        ? { ...c, status: "False", reason: "PodCompleted", lastTransitionTime: at }
        : c,
    );
    cluster.update(
      podRT,
      ns,
      name,
      { ...cur, status: { ...cur.status, phase: failed ? "Failed" : "Succeeded", conditions, containerStatuses } },
      { subresource: "status" },
    );
  };

  const startContainers = (ns: string, name: string, uid: string) => {
    const pod = cluster.store.get(podRT, ns, name);
    if (
      !pod ||
      pod.metadata.uid !== uid ||
      pod.metadata.deletionTimestamp ||
      (pod.status?.phase ?? "Pending") !== "Pending" ||
      !pod.spec?.nodeName
    )
      return;
    if (!claimsReady(pod, false)) return;
    if (!pullImages(pod)) return;
    const ips = allocatePodIP(cluster, pod.spec.nodeName, Boolean(pod.spec.hostNetwork));
    const fn = () => {
      const cur = cluster.store.get(podRT, ns, name);
      if (!cur || cur.metadata.uid !== uid || (cur.status?.phase ?? "Pending") !== "Pending") return;
      cluster.update(podRT, ns, name, { ...cur, status: runningPodStatus(cur, ips) }, { subresource: "status" });
      later(`run:${uid}`, () => runToCompletion(ns, name, uid));
    };
    guard(fn, `pod:${uid}`);
  };

  // ---- PV controller and CSI provisioner ----
  const pvAvailable = (pv: KObject) =>
    !pv.metadata.deletionTimestamp && ["Available", "Pending", undefined].includes(pv.status?.phase);
  const claimRefMatches = (pv: KObject, pvc: KObject) => {
    const ref = pv.spec?.claimRef;
    if (!ref) return true;
    return (
      ref.namespace === pvc.metadata.namespace &&
      ref.name === pvc.metadata.name &&
      (!ref.uid || ref.uid === pvc.metadata.uid)
    );
  };

  const bind = (pvc: KObject, pv: KObject, boundByController: boolean) => {
    const ns = pvc.metadata.namespace!;
    const at = isoNow();
    const claimRef = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      namespace: ns,
      name: pvc.metadata.name,
      uid: pvc.metadata.uid,
      resourceVersion: pvc.metadata.resourceVersion,
    };
    const pvAnn = {
      ...(pv.metadata.annotations ?? {}),
      ...(pv.spec?.claimRef?.uid ? {} : { "pv.kubernetes.io/bound-by-controller": "yes" }),
    };
    let newPv = cluster.update(pvRT, undefined, pv.metadata.name!, {
      ...pv,
      metadata: { ...pv.metadata, annotations: pvAnn },
      spec: { ...pv.spec, claimRef },
    });
    newPv = cluster.update(
      pvRT,
      undefined,
      pv.metadata.name!,
      { ...newPv, status: boundPvStatus(at) },
      { subresource: "status" },
    );
    const ann: Record<string, string> = {
      ...(pvc.metadata.annotations ?? {}),
      "pv.kubernetes.io/bind-completed": "yes",
    };
    if (boundByController) ann["pv.kubernetes.io/bound-by-controller"] = "yes";
    const spec = {
      ...pvc.spec,
      volumeName: pv.metadata.name,
      storageClassName: pvc.spec?.storageClassName ?? pv.spec?.storageClassName,
    };
    const updated = cluster.update(pvcRT, ns, pvc.metadata.name!, {
      ...pvc,
      metadata: { ...pvc.metadata, annotations: ann },
      spec,
    });
    cluster.update(
      pvcRT,
      ns,
      pvc.metadata.name!,
      { ...updated, status: boundPvcStatus(newPv) },
      { subresource: "status" },
    );
  };

  const reconcileClaim = (ns: string, name: string) => {
    const pvc = claim(ns, name);
    if (!pvc || pvc.metadata.deletionTimestamp || (pvc.status?.phase ?? "Pending") !== "Pending") return;
    later(`pvc:${pvc.metadata.uid}`, () =>
      guard(() => bindClaim(ns, name, pvc.metadata.uid!), `pvc:${pvc.metadata.uid}`),
    );
  };

  const bindClaim = (ns: string, name: string, uid: string) => {
    let pvc = claim(ns, name);
    if (
      !pvc ||
      pvc.metadata.uid !== uid ||
      pvc.metadata.deletionTimestamp ||
      (pvc.status?.phase ?? "Pending") !== "Pending"
    )
      return;
    const pvs = cluster.store.list(pvRT);
    // 1. A claim that names its volume binds to it when the volume is free (or pre-bound to this claim).
    if (pvc.spec?.volumeName) {
      const pv = pvs.find((p) => p.metadata.name === pvc!.spec.volumeName);
      if (pv && pvAvailable(pv) && claimRefMatches(pv, pvc)) bind(pvc, pv, false);
      return;
    }
    // 2. A volume pre-bound to this claim (claimRef without volumeName, as a Velero restore leaves it).
    const preBound = pvs.find(
      (p) =>
        pvAvailable(p) &&
        p.spec?.claimRef?.name === name &&
        p.spec?.claimRef?.namespace === ns &&
        claimRefMatches(p, pvc!),
    );
    if (preBound) return bind(pvc, preBound, true);
    // Retroactive default StorageClass assignment (the PV controller does this for claims without a class).
    if (pvc.spec?.storageClassName === undefined || pvc.spec?.storageClassName === null) {
      const def = defaultClass();
      if (def)
        pvc = cluster.update(pvcRT, ns, name, { ...pvc, spec: { ...pvc.spec, storageClassName: def.metadata.name } });
    }
    const className: string = pvc.spec?.storageClassName ?? "";
    const cls = storageClass(className);
    // 3. Static binding: the smallest Available volume of the class that fits.
    const want = quantityBytes(pvc.spec?.resources?.requests?.storage);
    const modes: string[] = pvc.spec?.accessModes ?? [];
    const fits = pvs
      .filter((p) => pvAvailable(p) && !p.spec?.claimRef && (p.spec?.storageClassName ?? "") === className)
      .filter(
        (p) =>
          quantityBytes(p.spec?.capacity?.storage) >= want &&
          modes.every((m) => (p.spec?.accessModes ?? []).includes(m)),
      )
      .sort((a, b) => quantityBytes(a.spec?.capacity?.storage) - quantityBytes(b.spec?.capacity?.storage));
    if (fits.length) return bind(pvc, fits[0], true);
    // 4. Dynamic provisioning by the class's provisioner.
    if (!cls || !cls.provisioner || cls.provisioner === NO_PROVISIONER) return;
    if (cls.volumeBindingMode === "WaitForFirstConsumer") {
      const consumer = cluster.store.list(podRT, ns).some((p) => p.spec?.nodeName && claimsOf(p).includes(name));
      if (!consumer) return;
    }
    const ann = {
      ...(pvc.metadata.annotations ?? {}),
      "volume.beta.kubernetes.io/storage-provisioner": cls.provisioner,
      "volume.kubernetes.io/storage-provisioner": cls.provisioner,
    };
    pvc = cluster.update(pvcRT, ns, name, { ...pvc, metadata: { ...pvc.metadata, annotations: ann } });
    const pvName = `pvc-${pvc.metadata.uid}`;
    let pv = cluster.store.get(pvRT, undefined, pvName);
    if (!pv) {
      const created = cluster.create(pvRT, undefined, provisionedPv(pvc, cls, pvName));
      pv = cluster.update(
        pvRT,
        undefined,
        pvName,
        { ...created, status: { phase: "Available" } },
        { subresource: "status" },
      );
    }
    bind(pvc, pv, true);
  };

  /** A new PV (created Pending) becomes Available, as the PV controller would make it; a pre-bound claim may now bind. */
  const reconcileVolume = (name: string) => {
    const pv = cluster.store.get(pvRT, undefined, name);
    if (!pv || pv.metadata.deletionTimestamp) return;
    if ((pv.status?.phase ?? "Pending") === "Pending") {
      cluster.update(
        pvRT,
        undefined,
        name,
        { ...pv, status: { phase: "Available", lastPhaseTransitionTime: isoNow() } },
        { subresource: "status" },
      );
      return; // the write comes back as an event
    }
    if (pv.status?.phase !== "Available") return;
    const ref = pv.spec?.claimRef;
    if (ref?.namespace && ref?.name) reconcileClaim(ref.namespace, ref.name);
    else
      for (const c of cluster.store.list(pvcRT))
        if ((c.status?.phase ?? "Pending") === "Pending" && (!c.spec?.volumeName || c.spec.volumeName === name))
          reconcileClaim(c.metadata.namespace!, c.metadata.name!);
  };

  const react = (e: StoreEvent) => {
    if (timers.stopped || e.type === "DELETED") return;
    const md = e.object.metadata;
    switch (e.key) {
      case "/pods":
        return guard(() => reconcilePod(md.namespace!, md.name!), `podsched:${md.uid}`);
      case "/persistentvolumeclaims": {
        guard(() => reconcileClaim(md.namespace!, md.name!));
        // A claim that became Bound lets the pods waiting on it be scheduled and started.
        const cur = claim(md.namespace!, md.name!);
        if (cur?.status?.phase === "Bound") {
          for (const p of cluster.store.list(podRT, md.namespace)) {
            if ((p.status?.phase ?? "Pending") === "Pending" && claimsOf(p).includes(md.name!))
              guard(() => reconcilePod(p.metadata.namespace!, p.metadata.name!), `podsched:${p.metadata.uid}`);
          }
        }
        return;
      }
      case "/persistentvolumes":
        return guard(() => reconcileVolume(md.name!), `pv:${md.name}`);
    }
  };

  const unsubscribe = cluster.onReact(react);
  // Objects that were already waiting when the simulator started.
  queueMicrotask(() => {
    if (timers.stopped) return;
    for (const pv of cluster.store.list(pvRT)) guard(() => reconcileVolume(pv.metadata.name!));
    for (const c of cluster.store.list(pvcRT)) guard(() => reconcileClaim(c.metadata.namespace!, c.metadata.name!));
    for (const p of cluster.store.list(podRT))
      guard(() => reconcilePod(p.metadata.namespace!, p.metadata.name!), `podsched:${p.metadata.uid}`);
  });

  return () => {
    timers.stop();
    unsubscribe();
  };
}
