import { Cluster } from "./kube-api/cluster";
import type { StoreEvent } from "./kube-api/store";
import type { KObject } from "./kube-api/types";
import { canonicalJson } from "../lib/json/canonical";
import { recordEvent } from "./events";
import { controllerRef, isoNow, keyedTimers, templateHash, tolerates } from "./simulator";

export { tolerates };

// The sandbox's kube-controller-manager for workloads: the Deployment, ReplicaSet, DaemonSet and Job controllers and
// the garbage collector, for objects written after seeding (by kubectl, by Lifeboat, by a Velero restore). Like
// simulator.ts they react to writes, always re-read the current object, and write only when something changes, so
// their own writes settle. Seeded workloads are adopted as they are: a seeded ReplicaSet equals its Deployment's
// template except for pod-template-hash (how the real controller matches them too), and seeded DaemonSet pods carry
// pod-template-generation 1. Pod creation goes through Cluster.create, so admission (Pod Security, a terminating
// namespace) refuses what it would refuse a real controller; the refusal becomes a FailedCreate event and condition.
//
// Simplifications, each on the side of fewer actions: a Deployment rolls by creating the new ReplicaSet at full size
// and scaling the old ones to 0 once it is available (maxSurge 100%, maxUnavailable 0); a DaemonSet treats any change
// of its generation as a template change; the garbage collector deletes dependents in the background (no orphaning).

type Obj = KObject & { spec?: any; status?: any };

const CONTROLLER_KINDS: Record<string, string> = {
  Deployment: "apps/deployments",
  ReplicaSet: "apps/replicasets",
  DaemonSet: "apps/daemonsets",
  Job: "batch/jobs",
};

/** The deployment controller's EqualIgnoreHash: templates equal once pod-template-hash is dropped from the labels. */
export function equalIgnoreHash(a: any, b: any): boolean {
  const strip = (t: any) => {
    const labels = { ...(t?.metadata?.labels ?? {}) };
    delete labels["pod-template-hash"];
    return canonicalJson({ ...(t ?? {}), metadata: { ...(t?.metadata ?? {}), labels } });
  };
  return strip(a) === strip(b);
}

const controllerOf = (o: KObject) => o.metadata.ownerReferences?.find((r: any) => r.controller);
const ownedBy = (o: KObject, owner: KObject) => controllerOf(o)?.uid === owner.metadata.uid;
const isActive = (p: Obj) =>
  !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed";
const isReady = (p: Obj) =>
  isActive(p) && (p.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
const revisionOf = (o: KObject) => Number(o.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? 0);
const condition = (status: any, type: string) => (status?.conditions ?? []).find((c: any) => c.type === type);

/** A condition that keeps its lastTransitionTime while its status stays the same. */
function setCondition(prev: any, next: { type: string; status: string; reason: string; message: string }, at: string) {
  const same = prev && prev.status === next.status;
  const out: any = { ...next, lastTransitionTime: same ? prev.lastTransitionTime : at };
  if (prev?.lastUpdateTime !== undefined || ["Available", "Progressing"].includes(next.type))
    out.lastUpdateTime =
      same && prev.reason === next.reason && prev.message === next.message ? (prev.lastUpdateTime ?? at) : at;
  return out;
}

/** The tolerations the DaemonSet controller adds to every pod it makes. */
const DAEMON_TOLERATIONS = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  ...["disk-pressure", "memory-pressure", "pid-pressure", "unschedulable"].map((k) => ({
    key: `node.kubernetes.io/${k}`,
    operator: "Exists",
    effect: "NoSchedule",
  })),
];

export function startWorkloadControllers(cluster: Cluster, opts: { delayMs?: number; retryMs?: number } = {}) {
  const delay = opts.delayMs ?? 20;
  const retryMs = opts.retryMs ?? 2_000;
  const rt = {
    pods: cluster.builtin("", "pods"),
    nodes: cluster.builtin("", "nodes"),
    replicasets: cluster.builtin("apps", "replicasets"),
    deployments: cluster.builtin("apps", "deployments"),
    daemonsets: cluster.builtin("apps", "daemonsets"),
    jobs: cluster.builtin("batch", "jobs"),
  };
  const timers = keyedTimers();

  /** Coalesces reactions per object: one reconcile per burst of events, after `ms`. */
  const later = (key: string, fn: () => void, ms = delay): void =>
    timers.later(
      key,
      () => {
        try {
          fn();
        } catch (e: any) {
          if (e?.code === 409) later(key, fn, delay); // someone wrote first: read again
        }
      },
      ms,
    );
  const get = (r: keyof typeof rt, ns: string | undefined, name: string): Obj | undefined =>
    cluster.store.get(rt[r], ns, name) as Obj | undefined;
  const podsOf = (owner: KObject) =>
    cluster.store.list(rt.pods, owner.metadata.namespace).filter((p) => ownedBy(p, owner));

  const writeStatus = (r: keyof typeof rt, o: Obj, status: any) => {
    if (canonicalJson(o.status ?? {}) === canonicalJson(status)) return;
    cluster.update(rt[r], o.metadata.namespace, o.metadata.name!, { ...o, status }, { subresource: "status" });
  };

  /** Orphans whose labels match a controller's selector become its own (the real controllers' adoption). */
  const adopt = (r: keyof typeof rt, owner: Obj, candidates: Obj[]) => {
    for (const o of candidates) {
      if (controllerOf(o) || o.metadata.deletionTimestamp) continue;
      if (!owner.spec?.selector || !Cluster.selectorMatches(owner.spec.selector, o.metadata.labels)) continue;
      const cur = get(r, o.metadata.namespace, o.metadata.name!);
      if (!cur || controllerOf(cur)) continue;
      cluster.update(rt[r], o.metadata.namespace, o.metadata.name!, {
        ...cur,
        metadata: { ...cur.metadata, ownerReferences: [...(cur.metadata.ownerReferences ?? []), controllerRef(owner)] },
      });
    }
  };

  /** Creates a pod for a controller; a refusal (admission, quota, terminating namespace) is returned as text. */
  const createPod = (owner: KObject, template: any, extra: { labels?: Record<string, string>; spec?: any } = {}) => {
    const ns = owner.metadata.namespace!;
    const metadata: any = {
      generateName: `${owner.metadata.name}-`,
      namespace: ns,
      labels: { ...(template?.metadata?.labels ?? {}), ...(extra.labels ?? {}) },
      ownerReferences: [controllerRef(owner)],
    };
    if (template?.metadata?.annotations) metadata.annotations = { ...template.metadata.annotations };
    try {
      cluster.create(rt.pods, ns, {
        apiVersion: "v1",
        kind: "Pod",
        metadata,
        spec: { ...template?.spec, ...extra.spec },
      });
      return null;
    } catch (e: any) {
      return String(e?.message ?? e);
    }
  };

  const failedCreate = (owner: KObject, component: string, message: string, retry: () => void) => {
    recordEvent(cluster, owner, {
      type: "Warning",
      reason: "FailedCreate",
      message: `Error creating: ${message}`,
      component,
    });
    later(`retry:${owner.metadata.uid}`, retry, retryMs);
  };

  // ---- ReplicaSet ----
  const reconcileReplicaSet = (ns: string, name: string) => {
    const rs = get("replicasets", ns, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    adopt("pods", rs, cluster.store.list(rt.pods, ns) as Obj[]);
    const want: number = rs.spec?.replicas ?? 1;
    let active = podsOf(rs).filter(isActive);
    let failure: string | null = null;
    for (let i = active.length; i < want && !failure; i++) failure = createPod(rs, rs.spec.template);
    if (active.length > want) {
      const extra = [...active].sort((a, b) => Number(isReady(a)) - Number(isReady(b))).slice(0, active.length - want);
      for (const p of extra) cluster.delete(rt.pods, ns, p.metadata.name!);
    }
    active = podsOf(rs).filter(isActive);
    const prev = condition(rs.status, "ReplicaFailure");
    if (failure && prev?.message !== failure)
      failedCreate(rs, "replicaset-controller", failure, () => reconcileReplicaSet(ns, name));
    const status: any = {
      replicas: active.length,
      fullyLabeledReplicas: active.length,
      readyReplicas: active.filter(isReady).length,
      availableReplicas: active.filter(isReady).length,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (failure)
      status.conditions = [
        setCondition(
          prev,
          { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: failure },
          isoNow(),
        ),
      ];
    writeStatus("replicasets", rs, status);
  };

  // ---- Deployment ----
  const reconcileDeployment = (ns: string, name: string) => {
    const dep = get("deployments", ns, name);
    if (!dep || dep.metadata.deletionTimestamp) return;
    adopt("replicasets", dep, cluster.store.list(rt.replicasets, ns) as Obj[]);
    const want: number = dep.spec?.replicas ?? 1;
    const owned = () => (cluster.store.list(rt.replicasets, ns) as Obj[]).filter((r) => ownedBy(r, dep));
    let sets = owned();
    let current = sets.find((r) => equalIgnoreHash(r.spec?.template, dep.spec?.template));
    const createdNew = !current;
    const revision = current ? revisionOf(current) : Math.max(0, ...sets.map(revisionOf)) + 1;
    if (!current) {
      const hash = templateHash(canonicalJson(dep.spec.template));
      const labels = { ...(dep.spec.template?.metadata?.labels ?? {}), "pod-template-hash": hash };
      cluster.create(rt.replicasets, ns, {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: `${name}-${hash}`,
          namespace: ns,
          labels,
          ownerReferences: [controllerRef(dep)],
          annotations: {
            "deployment.kubernetes.io/desired-replicas": String(want),
            "deployment.kubernetes.io/max-replicas": String(want * 2),
            "deployment.kubernetes.io/revision": String(revision),
          },
        },
        spec: {
          replicas: want,
          minReadySeconds: dep.spec.minReadySeconds ?? 0,
          selector: { matchLabels: { ...(dep.spec.selector?.matchLabels ?? {}), "pod-template-hash": hash } },
          template: { ...dep.spec.template, metadata: { ...dep.spec.template?.metadata, labels } },
        },
      });
      sets = owned();
      current = sets.find((r) => equalIgnoreHash(r.spec?.template, dep.spec?.template))!;
    } else if ((current.spec?.replicas ?? 1) !== want) {
      cluster.update(rt.replicasets, ns, current.metadata.name!, {
        ...current,
        spec: { ...current.spec, replicas: want },
      });
    }
    if (String(revisionOf(dep)) !== String(revision))
      cluster.update(rt.deployments, ns, name, {
        ...dep,
        metadata: {
          ...dep.metadata,
          annotations: { ...(dep.metadata.annotations ?? {}), "deployment.kubernetes.io/revision": String(revision) },
        },
      });
    const newAvailable = current.status?.availableReplicas ?? 0;
    const old = sets.filter((r) => r !== current);
    if (newAvailable >= want)
      for (const r of old)
        if ((r.spec?.replicas ?? 1) !== 0)
          cluster.update(rt.replicasets, ns, r.metadata.name!, { ...r, spec: { ...r.spec, replicas: 0 } });
    const sum = (f: (s: any) => number) => sets.reduce((n, r) => n + (f(r.status ?? {}) ?? 0), 0);
    const replicas = sum((s) => s.replicas ?? 0);
    const available = sum((s) => s.availableReplicas ?? 0);
    const updated = current.status?.replicas ?? 0;
    const at = isoNow();
    const complete = updated === want && newAvailable >= want && replicas === want;
    const rsName = current.metadata.name;
    // The progress deadline counts from the start of this rollout (a new ReplicaSet restarts it).
    const prev = condition(dep.status, "Progressing");
    const rolling = !createdNew && prev && prev.reason !== "NewReplicaSetAvailable";
    const since: string = rolling ? (prev.lastUpdateTime ?? at) : at;
    const deadline = (dep.spec.progressDeadlineSeconds ?? 600) * 1000;
    const timedOut = !complete && Date.now() - Date.parse(since) >= deadline;
    if (!complete && !timedOut)
      later(
        `deadline:${dep.metadata.uid}`,
        () => reconcileDeployment(ns, name),
        deadline - (Date.now() - Date.parse(since)),
      );
    const progressing = complete
      ? {
          status: "True",
          reason: "NewReplicaSetAvailable",
          message: `ReplicaSet "${rsName}" has successfully progressed.`,
        }
      : timedOut
        ? {
            status: "False",
            reason: "ProgressDeadlineExceeded",
            message: `ReplicaSet "${rsName}" has timed out progressing.`,
          }
        : { status: "True", reason: "ReplicaSetUpdated", message: `ReplicaSet "${rsName}" is progressing.` };
    const same =
      prev &&
      prev.status === progressing.status &&
      prev.reason === progressing.reason &&
      prev.message === progressing.message;
    const maxUnavailable = Math.floor(want / 4);
    const conditions = [
      setCondition(
        condition(dep.status, "Available"),
        available >= want - maxUnavailable
          ? {
              type: "Available",
              status: "True",
              reason: "MinimumReplicasAvailable",
              message: "Deployment has minimum availability.",
            }
          : {
              type: "Available",
              status: "False",
              reason: "MinimumReplicasUnavailable",
              message: "Deployment does not have minimum availability.",
            },
        at,
      ),
      {
        type: "Progressing",
        ...progressing,
        lastUpdateTime: same ? prev.lastUpdateTime : complete || timedOut ? at : since,
        lastTransitionTime: prev && prev.status === progressing.status ? prev.lastTransitionTime : at,
      },
    ];
    const failure = condition(current.status, "ReplicaFailure");
    if (failure) conditions.push({ ...failure });
    const status: any = {
      observedGeneration: dep.metadata.generation ?? 1,
      replicas,
      updatedReplicas: updated,
      readyReplicas: sum((s) => s.readyReplicas ?? 0),
      availableReplicas: available,
      conditions,
    };
    if (replicas - available > 0) status.unavailableReplicas = replicas - available;
    writeStatus("deployments", dep, status);
  };

  // ---- DaemonSet ----
  /** Nodes a DaemonSet's pod should be placed on, and those where a pod already there may keep running. */
  const eligibleNodes = (ds: Obj): { place: string[]; keep: string[] } => {
    const tpl = ds.spec?.template?.spec ?? {};
    const sel: Record<string, string> = tpl.nodeSelector ?? {};
    const tolerations = [...(tpl.tolerations ?? []), ...DAEMON_TOLERATIONS];
    const selected = cluster.store
      .list(rt.nodes)
      .filter((n) => Object.entries(sel).every(([k, v]) => n.metadata.labels?.[k] === v));
    const taints = (n: KObject, effects: string[]) =>
      (n.spec?.taints ?? []).filter((t: any) => effects.includes(t.effect));
    const ready = (n: KObject) =>
      (n.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
    return {
      place: selected
        .filter((n) => ready(n) && taints(n, ["NoSchedule", "NoExecute"]).every((t: any) => tolerates(tolerations, t)))
        .map((n) => n.metadata.name!),
      keep: selected
        .filter((n) => taints(n, ["NoExecute"]).every((t: any) => tolerates(tolerations, t)))
        .map((n) => n.metadata.name!),
    };
  };

  const reconcileDaemonSet = (ns: string, name: string) => {
    const ds = get("daemonsets", ns, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    adopt("pods", ds, cluster.store.list(rt.pods, ns) as Obj[]);
    const generation = String(ds.metadata.generation ?? 1);
    const { place, keep } = eligibleNodes(ds);
    const pods = podsOf(ds).filter(isActive) as Obj[];
    const onNode = (n: string) => pods.filter((p) => p.spec?.nodeName === n);
    const upToDate = (p: Obj) => p.metadata.labels?.["pod-template-generation"] === generation;
    let failure: string | null = null;
    // Pods on nodes that no longer qualify go; a node gets its pod; one outdated pod is replaced at a time.
    for (const p of pods) if (!keep.includes(p.spec?.nodeName)) cluster.delete(rt.pods, ns, p.metadata.name!);
    for (const n of place) {
      if (failure || onNode(n).length) continue;
      const tpl = ds.spec.template;
      failure = createPod(ds, tpl, {
        labels: { "controller-revision-hash": templateHash(canonicalJson(tpl)), "pod-template-generation": generation },
        spec: {
          nodeName: n,
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [n] }] }],
              },
            },
          },
          tolerations: [...(tpl.spec?.tolerations ?? []), ...DAEMON_TOLERATIONS],
        },
      });
    }
    const live = podsOf(ds).filter(isActive) as Obj[];
    const outdated = live.filter((p) => !upToDate(p));
    if (!failure && outdated.length && live.every(isReady)) cluster.delete(rt.pods, ns, outdated[0].metadata.name!);
    if (failure) failedCreate(ds, "daemonset-controller", failure, () => reconcileDaemonSet(ns, name));
    const nodes = [...new Set([...place, ...live.map((p) => p.spec?.nodeName as string)])];
    const scheduled = nodes.filter((n) => live.some((p) => p.spec?.nodeName === n));
    const ready = live.filter(isReady).length;
    const status: any = {
      currentNumberScheduled: scheduled.length,
      desiredNumberScheduled: nodes.length,
      numberAvailable: ready,
      numberMisscheduled: live.filter((p) => !nodes.includes(p.spec?.nodeName)).length,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: live.filter(upToDate).length,
    };
    if (nodes.length - ready > 0) status.numberUnavailable = nodes.length - ready;
    writeStatus("daemonsets", ds, status);
  };

  // ---- Job ----
  const reconcileJob = (ns: string, name: string) => {
    const job = get("jobs", ns, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const finished = (job.status?.conditions ?? []).find(
      (c: any) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
    );
    const at = isoNow();
    if (finished) {
      const ttl = job.spec?.ttlSecondsAfterFinished;
      if (typeof ttl === "number") {
        const left = Date.parse(job.status.completionTime ?? finished.lastTransitionTime) + ttl * 1000 - Date.now();
        later(
          `ttl:${job.metadata.uid}`,
          () => {
            const cur = get("jobs", ns, name);
            if (cur?.metadata.uid === job.metadata.uid) cluster.delete(rt.jobs, ns, name);
          },
          Math.max(0, left),
        );
      }
      return;
    }
    const startTime: string = job.status?.startTime ?? at;
    const pods = podsOf(job) as Obj[];
    const succeeded = pods.filter((p) => p.status?.phase === "Succeeded").length;
    const failed = pods.filter((p) => p.status?.phase === "Failed").length;
    let active = pods.filter(isActive);
    const completions: number = job.spec?.completions ?? 1;
    const backoffLimit: number = job.spec?.backoffLimit ?? 6;
    const deadline = job.spec?.activeDeadlineSeconds;
    const base = { startTime, uncountedTerminatedPods: {}, terminating: 0 } as any;
    const finish = (type: "Complete" | "Failed", reason: string, message: string) => {
      for (const p of active) cluster.delete(rt.pods, ns, p.metadata.name!);
      const first = type === "Complete" ? "SuccessCriteriaMet" : "FailureTarget";
      const cond = (t: string) => ({
        type: t,
        status: "True",
        reason,
        message,
        lastProbeTime: at,
        lastTransitionTime: at,
      });
      const status: any = { ...base, active: 0, ready: 0, conditions: [cond(first), cond(type)] };
      if (succeeded) status.succeeded = succeeded;
      if (failed) status.failed = failed;
      if (type === "Complete") status.completionTime = at;
      writeStatus("jobs", job, status);
      recordEvent(cluster, job, {
        type: type === "Complete" ? "Normal" : "Warning",
        reason: type === "Complete" ? "Completed" : reason,
        message: type === "Complete" ? "Job completed" : message,
        component: "job-controller",
      });
    };
    if (succeeded >= completions)
      return finish("Complete", "CompletionsReached", "Reached expected number of succeeded pods");
    if (failed > backoffLimit)
      return finish("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    if (typeof deadline === "number") {
      const left = Date.parse(startTime) + deadline * 1000 - Date.now();
      if (left <= 0) return finish("Failed", "DeadlineExceeded", "Job was active longer than specified deadline");
      later(`deadline:${job.metadata.uid}`, () => reconcileJob(ns, name), left);
    }
    let failure: string | null = null;
    if (!active.length && succeeded < completions) {
      failure = createPod(job, job.spec.template);
      if (failure) failedCreate(job, "job-controller", failure, () => reconcileJob(ns, name));
      else
        recordEvent(cluster, job, {
          type: "Normal",
          reason: "SuccessfulCreate",
          message: `Created pod: ${podsOf(job).filter(isActive).at(-1)?.metadata.name}`,
          component: "job-controller",
        });
      active = podsOf(job).filter(isActive);
    }
    const status: any = { ...base, active: active.length, ready: active.filter(isReady).length };
    if (succeeded) status.succeeded = succeeded;
    if (failed) status.failed = failed;
    writeStatus("jobs", job, status);
  };

  // ---- garbage collector ----
  const DEPENDENTS: Record<string, (keyof typeof rt)[]> = {
    Deployment: ["replicasets"],
    ReplicaSet: ["pods"],
    DaemonSet: ["pods"],
    Job: ["pods"],
  };
  const collect = (owner: KObject) => {
    for (const r of DEPENDENTS[owner.kind!] ?? [])
      for (const o of cluster.store.list(rt[r], owner.metadata.namespace))
        if (o.metadata.ownerReferences?.some((ref: any) => ref.uid === owner.metadata.uid))
          cluster.delete(rt[r], o.metadata.namespace, o.metadata.name!);
  };

  const reconcilers: Record<string, (ns: string, name: string) => void> = {
    "apps/replicasets": reconcileReplicaSet,
    "apps/deployments": reconcileDeployment,
    "apps/daemonsets": reconcileDaemonSet,
    "batch/jobs": reconcileJob,
  };
  const enqueue = (key: string, ns: string, name: string) =>
    later(`${key}:${ns}/${name}`, () => reconcilers[key](ns, name));

  const react = (e: StoreEvent) => {
    if (timers.stopped) return;
    const md = e.object.metadata;
    if (e.type === "DELETED" && DEPENDENTS[e.object.kind!]) {
      try {
        collect(e.object);
      } catch {
        // Already gone: the namespace controller got there first.
      }
    }
    if (reconcilers[e.key] && e.type !== "DELETED") enqueue(e.key, md.namespace!, md.name!);
    // A node's labels, taints or readiness decide where daemon pods run.
    if (e.key === "/nodes")
      for (const ds of cluster.store.list(rt.daemonsets))
        enqueue("apps/daemonsets", ds.metadata.namespace!, ds.metadata.name!);
    // A dependent's change wakes its controller (an RS's status its Deployment, a pod's phase its RS, DS or Job).
    const ref = controllerOf(e.object);
    if (ref && CONTROLLER_KINDS[ref.kind]) enqueue(CONTROLLER_KINDS[ref.kind], md.namespace!, ref.name);
  };

  const unsubscribe = cluster.onReact(react);
  queueMicrotask(() => {
    if (timers.stopped) return;
    for (const [key, r] of [
      ["apps/deployments", rt.deployments],
      ["apps/replicasets", rt.replicasets],
      ["apps/daemonsets", rt.daemonsets],
      ["batch/jobs", rt.jobs],
    ] as const)
      for (const o of cluster.store.list(r)) enqueue(key, o.metadata.namespace!, o.metadata.name!);
  });

  return () => {
    timers.stop();
    unsubscribe();
  };
}
