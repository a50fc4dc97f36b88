import { buildLookup, decide, ON_DEMAND_PLAN, PlanContext, type Mount, type Outcome, type Subject } from "./decide";
import { explain, type Cause } from "./reasons";
import { isProtectedNamespace } from "./scope";
import type {
  BackupPlan,
  ClusterFacts,
  CoverageMethod,
  NamespaceFacts,
  PlanDecision,
  PodFacts,
  PodVolumeFacts,
  VolumeCoverage,
} from "./types";
import { METHOD_RANK, PROTECTING_METHODS } from "./types";

// Volume coverage of one cluster (issue #13, velero-api.md §9): every PVC and every pod volume that holds data, what
// each schedule does with it, what an on-demand backup of everything would do, and the best protection the running
// schedules give. Linear in the cluster: pods are indexed by the claims they mount, PVs by name, classes by driver.

export { METHOD_RANK, PROTECTING_METHODS };

/** Volumes whose content is cluster state (backed up as objects), not data: never listed. */
const CONFIG_LIKE: ReadonlySet<string> = new Set(["secret", "configMap", "projected", "downwardAPI"]);

const rank = (m: CoverageMethod) => METHOD_RANK.indexOf(m);

function toDecision(plan: string, o: Outcome): PlanDecision {
  const { reason, fix } = explain(o.cause);
  return { plan, method: o.method, rule: o.rule, reason, fix };
}

type Best = Pick<VolumeCoverage, "method" | "plans" | "reason" | "fix" | "rule">;

/** The best method over the running schedules that include the volume, or why none does. */
function best(namespace: string, contexts: PlanContext[], outcomes: Outcome[], decisions: PlanDecision[]): Best {
  const running = outcomes.flatMap((o, i) => (o.included && !contexts[i].plan.paused ? [i] : []));
  if (running.length > 0) {
    const top = running.reduce((b, i) => (rank(outcomes[i].method) < rank(outcomes[b].method) ? i : b));
    const d = decisions[top];
    const plans = running.filter((i) => outcomes[i].method === d.method).map((i) => contexts[i].plan.name);
    return { method: d.method, plans, reason: d.reason, fix: d.fix, rule: d.rule };
  }
  const notCovered = (cause: Cause): Best => ({ method: "NOT_COVERED", plans: [], rule: "0", ...explain(cause) });
  if (contexts.length === 0) return notCovered({ kind: "no-schedule", namespace });
  const paused = outcomes.flatMap((o, i) => (o.included && contexts[i].plan.paused ? [contexts[i].plan.name] : []));
  if (paused.length > 0) return notCovered({ kind: "paused-only", schedules: paused });
  // A running schedule takes the namespace but leaves this volume out: say which and why.
  const near = outcomes.findIndex((o, i) => o.namespaceIncluded && !contexts[i].plan.paused);
  if (near >= 0)
    return { method: "NOT_COVERED", plans: [], rule: "0", reason: decisions[near].reason, fix: decisions[near].fix };
  return notCovered({ kind: "in-no-schedule", namespace });
}

type RowBase = Omit<VolumeCoverage, keyof Best | "decisions" | "onDemand">;

/**
 * One row per PVC (with the pods that mount it) and one per pod volume that is neither a PVC nor config-like, in
 * namespaces Lifeboat backs up; per schedule what it does, and the on-demand backup's answer.
 */
export function computeCoverage(facts: ClusterFacts, schedules: BackupPlan[]): VolumeCoverage[] {
  const lookup = buildLookup(facts);
  const contexts = schedules.map((p) => new PlanContext(p, lookup));
  const onDemand = new PlanContext(ON_DEMAND_PLAN, lookup);

  const namespaces = new Map(facts.namespaces.map((n) => [n.name, n]));
  const nsOf = (name: string): NamespaceFacts => {
    let ns = namespaces.get(name);
    if (!ns) {
      ns = { name, labels: {}, deleting: false };
      namespaces.set(name, ns);
    }
    return ns;
  };
  const pvs = new Map(facts.pvs.map((pv) => [pv.name, pv]));
  const pvcKeys = new Set(facts.pvcs.map((c) => `${c.namespace}/${c.name}`));

  // Pods by the claims they use; the volumes that are no claim get rows of their own.
  const mounts = new Map<string, Mount[]>();
  const podVolumes: { pod: PodFacts; volume: PodVolumeFacts }[] = [];
  for (const pod of facts.pods) {
    if (isProtectedNamespace(pod.namespace)) continue;
    for (const volume of pod.volumes) {
      if (CONFIG_LIKE.has(volume.source)) continue;
      let claim: string | null = null;
      if (volume.source === "persistentVolumeClaim") {
        if (!volume.claimName) continue;
        claim = volume.claimName;
      } else if (volume.source === "ephemeral" && pvcKeys.has(`${pod.namespace}/${pod.name}-${volume.name}`)) {
        claim = `${pod.name}-${volume.name}`; // a generic ephemeral volume's PVC
      }
      if (claim === null) {
        podVolumes.push({ pod, volume });
        continue;
      }
      const key = `${pod.namespace}/${claim}`;
      const m: Mount = { pod, volume, ephemeral: volume.source === "ephemeral" };
      const list = mounts.get(key);
      if (list) list.push(m);
      else mounts.set(key, [m]);
    }
  }

  const row = (subject: Subject, base: RowBase): VolumeCoverage => {
    const outcomes = contexts.map((c) => decide(c, subject));
    const decisions = outcomes.map((o, i) => toDecision(contexts[i].plan.name, o));
    const b = best(base.namespace, contexts, outcomes, decisions);
    const r = base as VolumeCoverage; // completed in place: a spread of a dozen fields per row shows in large clusters
    r.method = b.method;
    r.plans = b.plans;
    r.reason = b.reason;
    r.fix = b.fix;
    r.rule = b.rule;
    r.decisions = decisions;
    r.onDemand = toDecision("", decide(onDemand, subject));
    return r;
  };

  const rows: VolumeCoverage[] = [];
  for (const pvc of facts.pvcs) {
    if (isProtectedNamespace(pvc.namespace)) continue;
    const pv = pvc.volumeName ? (pvs.get(pvc.volumeName) ?? null) : null;
    const used = mounts.get(`${pvc.namespace}/${pvc.name}`) ?? [];
    rows.push(
      row(
        { kind: "pvc", ns: nsOf(pvc.namespace), pvc, pv, mounts: used },
        {
          key: `pvc/${pvc.namespace}/${pvc.name}`,
          namespace: pvc.namespace,
          pvc: pvc.name,
          pv: pvc.volumeName || null,
          pods: [...new Set(used.map((m) => m.pod.name))],
          volumeName: used[0]?.volume.name ?? null,
          source: pv?.source ?? "persistentVolumeClaim",
          storageClass: pvc.storageClassName,
          csiDriver: pv?.csiDriver ?? null,
          bytes: pv?.capacityBytes ?? pvc.requestBytes,
        },
      ),
    );
  }
  for (const { pod, volume } of podVolumes) {
    rows.push(
      row(
        { kind: "pod", ns: nsOf(pod.namespace), pod, volume },
        {
          key: `pod/${pod.namespace}/${pod.name}/${volume.name}`,
          namespace: pod.namespace,
          pvc: null,
          pv: null,
          pods: [pod.name],
          volumeName: volume.name,
          source: volume.source,
          storageClass: null,
          csiDriver: volume.csiDriver ?? null,
          bytes: volume.sizeBytes ?? null,
        },
      ),
    );
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------------------------

export interface MethodTotals {
  volumes: number;
  /** Sum of the sizes that are known. */
  bytes: number;
  /** Volumes whose size is unknown (not in `bytes`). */
  unsized: number;
}

export interface CoverageSummary {
  volumes: number;
  /** Volumes with a protecting method (PROTECTING_METHODS). */
  covered: number;
  byMethod: Record<CoverageMethod, MethodTotals>;
}

export function summarize(rows: readonly VolumeCoverage[]): CoverageSummary {
  const byMethod = Object.fromEntries(METHOD_RANK.map((m) => [m, { volumes: 0, bytes: 0, unsized: 0 }])) as Record<
    CoverageMethod,
    MethodTotals
  >;
  let covered = 0;
  for (const r of rows) {
    const t = byMethod[r.method];
    t.volumes++;
    if (r.bytes === null) t.unsized++;
    else t.bytes += r.bytes;
    if (PROTECTING_METHODS.has(r.method)) covered++;
  }
  return { volumes: rows.length, covered, byMethod };
}
