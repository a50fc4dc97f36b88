import type { ClusterClient } from "./cluster-client";
import { INSTALLER_SERVICE_ACCOUNT } from "./access";
import { ClusterError } from "./errors";
import { RESOURCES, type KubeObject, type ResourceRef } from "./resources";

// The cluster-access port's verbs for installing Velero with its own installer (#12): the render Job in Lifeboat's
// namespace (create, follow, read the log, delete), server-side apply of what it rendered under Lifeboat's own field
// manager for Velero's objects, and the reads the reconciler follows (CRDs established, rollouts). Shapes are cut to
// what the service reads; nothing here decides anything.

/** The field manager of the Velero objects Lifeboat applies (locations keep "lifeboat", so drift is told apart). */
export const VELERO_FIELD_MANAGER = "lifeboat-velero";
/** The label naming the operation a render Job belongs to. */
export const OPERATION_LABEL = "lifeboat.io/velero-operation";

const JOB_LABELS = {
  "app.kubernetes.io/managed-by": "lifeboat",
  "app.kubernetes.io/component": "velero-installer",
} as const;

export interface RenderJobSpec {
  namespace: string;
  name: string;
  operationId: string;
  image: string;
  args: string[];
  /** Seconds the cluster itself lets the Job run (Lifeboat's own pull timeout is shorter). */
  activeDeadlineSeconds: number;
  /** Secrets in `namespace` the kubelet pulls `image` with (a private registry). */
  imagePullSecrets?: string[];
}

/** Creates the render Job; one already there for the same operation is taken as ours (a retried step). */
export async function createRenderJob(c: ClusterClient, s: RenderJobSpec): Promise<void> {
  const labels = { ...JOB_LABELS, [OPERATION_LABEL]: s.operationId };
  const body: KubeObject = {
    metadata: { name: s.name, namespace: s.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: s.activeDeadlineSeconds,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          // The manage manifest's service account, bound to nothing: Velero's installer builds a client even when it
          // only renders (its token must be mounted), and a namespace may refuse pods of the default one.
          serviceAccountName: INSTALLER_SERVICE_ACCOUNT,
          automountServiceAccountToken: true,
          ...(s.imagePullSecrets?.length ? { imagePullSecrets: s.imagePullSecrets.map((name) => ({ name })) } : {}),
          securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "install",
              image: s.image,
              command: ["/velero"],
              args: s.args,
              env: [{ name: "HOME", value: "/tmp" }],
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "16Mi" } }],
        },
      },
    },
  };
  try {
    await c.create(RESOURCES.jobs, body, s.namespace);
  } catch (e) {
    if (!(e instanceof ClusterError) || e.status !== 409) throw e;
    const existing = await c.get(RESOURCES.jobs, s.name, s.namespace);
    if (existing?.metadata?.labels?.[OPERATION_LABEL] !== s.operationId) throw e;
  }
}

export type RenderJobState =
  | { state: "starting"; pod?: string; waiting?: { reason: string; message?: string } }
  | { state: "running"; pod: string }
  | { state: "complete"; pod: string }
  | { state: "failed"; pod?: string; reason: string }
  | { state: "missing" };

interface ContainerStatus {
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { exitCode?: number; reason?: string } };
}
interface PodView {
  metadata?: { name?: string; creationTimestamp?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
  };
}

/** Where the render Job is: its pod waiting (pulling, unschedulable), running, or the Job finished. */
export async function renderJobState(c: ClusterClient, namespace: string, name: string): Promise<RenderJobState> {
  const job = await c.get(RESOURCES.jobs, name, namespace);
  if (!job) return { state: "missing" };
  const pods = (await c.listItems(RESOURCES.pods, {
    namespace,
    labelSelector: `batch.kubernetes.io/job-name=${name}`,
    limit: 10,
  })) as PodView[];
  const pod = pods.sort((a, b) =>
    String(b.metadata?.creationTimestamp ?? "").localeCompare(String(a.metadata?.creationTimestamp ?? "")),
  )[0];
  const podName = pod?.metadata?.name;
  const conditions = (
    job.status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] }
  )?.conditions;
  const done = (type: string) => conditions?.find((x) => x.type === type && x.status === "True");
  if (done("Complete") && podName) return { state: "complete", pod: podName };
  const failed = done("Failed");
  if (failed) return { state: "failed", pod: podName, reason: failed.message ?? failed.reason ?? "the Job failed" };
  if (!pod) return { state: "starting" };
  if (pod.status?.phase === "Running") return { state: "running", pod: podName! };
  if (pod.status?.phase === "Succeeded") return { state: "complete", pod: podName! };
  if (pod.status?.phase === "Failed")
    return { state: "failed", pod: podName, reason: "the installer exited with an error" };
  const unschedulable = pod.status?.conditions?.find((x) => x.type === "PodScheduled" && x.status === "False");
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  if (waiting?.reason)
    return { state: "starting", pod: podName, waiting: { reason: waiting.reason, message: waiting.message } };
  if (unschedulable)
    return { state: "starting", pod: podName, waiting: { reason: "Unschedulable", message: unschedulable.message } };
  return { state: "starting", pod: podName };
}

/** The installer's output: at most `limitBytes` of the log, counted from its start. */
export const readRenderLog = (c: ClusterClient, namespace: string, pod: string, limitBytes: number) =>
  c.podLogs(namespace, pod, { container: "install", limitBytes });

/** Deletes the Job and, through the garbage collector, its pod. */
export const deleteRenderJob = (c: ClusterClient, namespace: string, name: string) =>
  c.delete(RESOURCES.jobs, name, { namespace, propagationPolicy: "Background" });

const APPLIED_KINDS: Record<string, ResourceRef> = {
  "apiextensions.k8s.io/v1/CustomResourceDefinition": RESOURCES.customresourcedefinitions,
  "v1/Namespace": RESOURCES.namespaces,
  "v1/ServiceAccount": RESOURCES.serviceaccounts,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    namespaced: false,
  },
  "apps/v1/Deployment": RESOURCES.deployments,
  "apps/v1/DaemonSet": RESOURCES.daemonsets,
};

/** Server-side apply of one rendered object under Lifeboat's Velero field manager. */
export async function applyVeleroObject(
  c: ClusterClient,
  obj: KubeObject & { apiVersion: string; kind: string },
  o: { force?: boolean; dryRun?: boolean } = {},
): Promise<KubeObject> {
  const r = appliedRef(obj);
  return c.apply(r, obj, {
    namespace: r.namespaced ? obj.metadata?.namespace : undefined,
    force: o.force,
    dryRun: o.dryRun,
    fieldManager: VELERO_FIELD_MANAGER,
  });
}

/** Whether a CRD reports Established=True (its API is served). */
export async function crdEstablished(c: ClusterClient, name: string): Promise<boolean> {
  const crd = await c.get(RESOURCES.customresourcedefinitions, name);
  const conditions = (crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return Boolean(conditions?.some((x) => x.type === "Established" && x.status === "True"));
}

/** Velero's Deployment or the node-agent DaemonSet, as `kubectl rollout status` reads them (null: not there). */
export const readWorkload = (c: ClusterClient, kind: "Deployment" | "DaemonSet", namespace: string, name: string) =>
  c.get(kind === "Deployment" ? RESOURCES.deployments : RESOURCES.daemonsets, name, namespace);

const appliedRef = (o: { apiVersion: string; kind: string }) => {
  const r = APPLIED_KINDS[`${o.apiVersion}/${o.kind}`];
  if (!r) throw new Error(`Lifeboat does not apply ${o.apiVersion} ${o.kind} objects for Velero`);
  return r;
};

/** One of the kinds Lifeboat applies for Velero, as it is on the cluster (null: not there). */
export const readVeleroObject = (
  c: ClusterClient,
  o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
) => {
  const r = appliedRef(o);
  return c.get(r, o.metadata.name, r.namespaced ? o.metadata.namespace : undefined);
};

/**
 * Deletes one of the kinds Lifeboat applies for Velero (its dependents in the background, or first in the foreground:
 * the object then stays until they are gone); gone already is fine.
 */
export const deleteAppliedObject = (
  c: ClusterClient,
  o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
  propagationPolicy: "Background" | "Foreground" = "Background",
) => {
  const r = appliedRef(o);
  return c.delete(r, o.metadata.name, {
    namespace: r.namespaced ? o.metadata.namespace : undefined,
    propagationPolicy,
  });
};
