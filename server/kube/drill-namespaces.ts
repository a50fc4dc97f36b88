import type { ClusterClient } from "./cluster-client";
import { ClusterError } from "./errors";
import { RESOURCES, type KubeObject } from "./resources";

// What a restore drill (#14 §4) reads and writes on its target cluster: a drill namespace (its labels, whether it is
// going away), what came back into it (claims and their phase, pods and their Ready condition, the workloads' ready
// replicas), and the two writes: labelling the namespaces the drill's restore made, and deleting them, each only that
// very object (by uid).

export interface NamespaceFacts {
  uid: string;
  labels: Record<string, string>;
  terminating: boolean;
}

/** A namespace's identity and labels, or null when it does not exist. */
export async function readNamespace(c: ClusterClient, name: string): Promise<NamespaceFacts | null> {
  const ns = await c.get(RESOURCES.namespaces, name);
  if (!ns) return null;
  const md = ns.metadata ?? {};
  const status = (ns as { status?: { phase?: string } }).status;
  return {
    uid: md.uid ?? "",
    labels: { ...(md.labels ?? {}) },
    terminating: Boolean(md.deletionTimestamp) || status?.phase === "Terminating",
  };
}

/** Adds labels to a namespace (a merge patch; other labels stay), only while it is the object `uid` names. */
export async function labelNamespace(
  c: ClusterClient,
  name: string,
  uid: string,
  labels: Record<string, string>,
): Promise<void> {
  // metadata.uid in a patch is a precondition: a namespace made again under the name meanwhile answers 409.
  await c.patch(RESOURCES.namespaces, name, { metadata: { uid, labels } }, { type: "merge" });
}

/** Deletes the namespace `uid` names (not one made again under its name); false when it is gone already. */
export function deleteNamespace(c: ClusterClient, name: string, uid: string): Promise<boolean> {
  return c.delete(RESOURCES.namespaces, name, { uid });
}

export interface ClaimFacts {
  name: string;
  phase: string;
}

export interface PodFacts {
  name: string;
  /** Running with its Ready condition True, or Succeeded (a finished Job's pod). */
  ready: boolean;
  /** Why not, in Kubernetes' words (the waiting container's reason, the scheduler's, or the phase). */
  reason: string;
}

export interface WorkloadFacts {
  /** "Deployment web", "StatefulSet db". */
  name: string;
  desired: number;
  ready: number;
}

export interface NamespaceWorkloads {
  claims: ClaimFacts[];
  pods: PodFacts[];
  /** null where Lifeboat may not list Deployments or StatefulSets (optional rows of the onboarding manifest). */
  workloads: WorkloadFacts[] | null;
}

type Condition = { type?: string; status?: string; reason?: string; message?: string };
type ContainerStatus = { state?: { waiting?: { reason?: string }; terminated?: { reason?: string } } };
type PodObject = KubeObject & {
  status?: { phase?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[] };
};

function podFacts(p: PodObject): PodFacts {
  const name = p.metadata?.name ?? "";
  const phase = p.status?.phase ?? "Pending";
  const conditions = p.status?.conditions ?? [];
  const ready = conditions.some((x) => x.type === "Ready" && x.status === "True");
  if (phase === "Succeeded" || (phase === "Running" && ready)) return { name, ready: true, reason: phase };
  const waiting = (p.status?.containerStatuses ?? [])
    .map((s) => s.state?.waiting?.reason ?? s.state?.terminated?.reason)
    .find(Boolean);
  const scheduled = conditions.find((x) => x.type === "PodScheduled");
  const reason =
    waiting ??
    (scheduled?.status === "False" ? (scheduled.reason ?? "Unschedulable") : undefined) ??
    (p.metadata?.deletionTimestamp ? "Terminating" : phase);
  return { name, ready: false, reason };
}

type WorkloadObject = KubeObject & { spec?: { replicas?: number }; status?: { readyReplicas?: number } };

async function workloadsIn(c: ClusterClient, namespace: string): Promise<WorkloadFacts[] | null> {
  try {
    const [deployments, statefulSets] = await Promise.all([
      c.listItems<WorkloadObject>(RESOURCES.deployments, { namespace }),
      c.listItems<WorkloadObject>(RESOURCES.statefulsets, { namespace }),
    ]);
    const facts = (kind: string) => (o: WorkloadObject) => ({
      name: `${kind} ${o.metadata?.name ?? ""}`,
      desired: o.spec?.replicas ?? 1,
      ready: o.status?.readyReplicas ?? 0,
    });
    return [...deployments.map(facts("Deployment")), ...statefulSets.map(facts("StatefulSet"))];
  } catch (e) {
    if (e instanceof ClusterError && e.status === 403) return null;
    throw e;
  }
}

/** The claims, pods and workloads of a namespace, as a drill's checks read them. */
export async function namespaceWorkloads(c: ClusterClient, namespace: string): Promise<NamespaceWorkloads> {
  const [claims, pods, workloads] = await Promise.all([
    c.listItems<KubeObject & { status?: { phase?: string } }>(RESOURCES.persistentvolumeclaims, { namespace }),
    c.listItems<PodObject>(RESOURCES.pods, { namespace }),
    workloadsIn(c, namespace),
  ]);
  return {
    claims: claims.map((o) => ({ name: o.metadata?.name ?? "", phase: o.status?.phase ?? "Pending" })),
    pods: pods.map(podFacts),
    workloads,
  };
}
