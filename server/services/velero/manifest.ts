import crypto from "node:crypto";
import { stringify } from "yaml";
import type { VeleroSettings } from "@/lib/schemas/velero";
import { canonicalJson } from "@/lib/json/canonical";
import type { RenderRequest } from "./install-flags";

// What Velero's installer printed, turned into the objects Lifeboat applies. The output is untrusted input (it comes
// from a pod's log on a cluster): bounded in size, parsed by JSON.parse (linear time; the installer runs with
// `-o json`), and every object must be one that `velero install` renders for the flags Lifeboat gave, with the images
// Lifeboat asked for. Anything else (a Secret, a webhook, another namespace, a host path outside the kubelet's) refuses
// the whole render. What the installer has no flag for (node selector, tolerations, image pull secrets, Lifeboat's label)
// is an overlay.

/** The most a render may print (the real output is about 200 KB). */
export const RENDER_LOG_LIMIT = 2 * 1024 * 1024;
const MAX_OBJECTS = 40;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export class RenderRefused extends Error {}

interface ContainerLike {
  name?: string;
  image?: string;
  securityContext?: { privileged?: boolean };
}
interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  serviceAccountName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: { name?: string; hostPath?: { path?: string } }[];
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  imagePullSecrets?: { name?: string }[];
}
/** The fields of the rendered objects that the checks read (everything else is applied as rendered). */
interface Rendered extends K8sObject {
  spec?: { group?: string; template?: { spec?: PodSpecLike } };
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[];
}

export interface ParsedRender {
  /** Lines the installer printed before the manifests (warnings such as "⚠️ …"). */
  messages: string[];
  objects: K8sObject[];
}

/** Splits the installer's log into its messages and the one JSON document it printed (a List, or its only item). */
export function parseInstallerLog(log: string): ParsedRender {
  if (Buffer.byteLength(log, "utf8") >= RENDER_LOG_LIMIT)
    throw new RenderRefused(
      `The installer printed ${RENDER_LOG_LIMIT / 1024 / 1024} MiB or more: refused as truncated`,
    );
  const lines = log.split("\n");
  const start = lines.findIndex((l) => l === "{");
  if (start < 0) throw new RenderRefused(`The installer printed no manifests: ${excerpt(log)}`);
  const messages = lines.slice(0, start).filter((l) => l.trim() !== "");
  let doc: unknown;
  try {
    doc = JSON.parse(lines.slice(start).join("\n"));
  } catch (e) {
    throw new RenderRefused(`The installer's output is not one JSON document (${(e as Error).message})`);
  }
  if (!isObject(doc)) throw new RenderRefused("The installer's output is not an object");
  const items = doc.kind === "List" && doc.apiVersion === "v1" ? doc.items : [doc];
  if (!Array.isArray(items) || !items.length) throw new RenderRefused("The installer rendered no objects");
  if (items.length > MAX_OBJECTS)
    throw new RenderRefused(`The installer rendered ${items.length} objects (at most ${MAX_OBJECTS})`);
  return { messages, objects: items.map(asObject) };
}

const excerpt = (s: string) => JSON.stringify(s.slice(0, 300));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function asObject(v: unknown, i: number): K8sObject {
  if (!isObject(v) || typeof v.apiVersion !== "string" || typeof v.kind !== "string" || !isObject(v.metadata))
    throw new RenderRefused(`Object ${i + 1} is not a Kubernetes object`);
  if (typeof v.metadata.name !== "string" || !v.metadata.name) throw new RenderRefused(`Object ${i + 1} has no name`);
  return v as unknown as K8sObject;
}

export interface Expectation extends Pick<RenderRequest, "serverImage" | "pluginImages" | "nodeAgent"> {
  namespace: string;
  privilegedNodeAgent: boolean;
}

/** "Deployment velero/velero": how objects are named in refusals and in the overlay's marks. */
export const describeObject = (o: K8sObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;

/**
 * Checks every rendered object against what `velero install` renders for Lifeboat's flags, and returns them reduced to
 * what is applied (no status, metadata cut to name, namespace, labels and annotations). Throws RenderRefused naming the
 * object and the rule.
 */
export function validateRendered(objects: K8sObject[], exp: Expectation): K8sObject[] {
  const refuse = (o: K8sObject, why: string): never => {
    throw new RenderRefused(`${describeObject(o)}: ${why}`);
  };
  const seen = new Set<string>();
  const out = (objects as Rendered[]).map((o) => {
    const key = describeObject(o);
    if (seen.has(key)) refuse(o, "rendered twice");
    seen.add(key);
    const ns = o.metadata.namespace;
    const spec = o.spec;
    switch (`${o.apiVersion} ${o.kind}`) {
      case "apiextensions.k8s.io/v1 CustomResourceDefinition":
        if (spec?.group !== "velero.io" || !o.metadata.name.endsWith(".velero.io"))
          refuse(o, "not one of Velero's CRDs");
        break;
      case "v1 Namespace":
        if (o.metadata.name !== exp.namespace) refuse(o, `only the namespace ${exp.namespace} is expected`);
        break;
      case "v1 ServiceAccount":
        if (o.metadata.name !== "velero" || ns !== exp.namespace)
          refuse(o, "only Velero's service account is expected");
        break;
      case "rbac.authorization.k8s.io/v1 ClusterRoleBinding": {
        const b = o;
        const named = o.metadata.name === "velero" || o.metadata.name === `velero-${exp.namespace}`;
        const role = b.roleRef?.kind === "ClusterRole" && b.roleRef?.name === "cluster-admin";
        const subjects =
          b.subjects?.length === 1 &&
          b.subjects[0].kind === "ServiceAccount" &&
          b.subjects[0].name === "velero" &&
          b.subjects[0].namespace === exp.namespace;
        if (!named || !role || !subjects)
          refuse(o, "only the binding of Velero's service account to cluster-admin is expected");
        break;
      }
      case "apps/v1 Deployment":
        if (o.metadata.name !== "velero" || ns !== exp.namespace) refuse(o, "only Velero's Deployment is expected");
        checkPod(o, exp, false);
        break;
      case "apps/v1 DaemonSet":
        if (o.metadata.name !== "node-agent" || ns !== exp.namespace)
          refuse(o, "only the node-agent DaemonSet is expected");
        if (!exp.nodeAgent) refuse(o, "the node-agent was not asked for");
        checkPod(o, exp, true);
        break;
      default:
        refuse(o, "Velero's installer does not render this kind for Lifeboat's flags");
    }
    return reduce(o);
  });
  const kinds = new Set(out.map((o) => o.kind));
  for (const k of ["CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRoleBinding", "Deployment"])
    if (!kinds.has(k)) throw new RenderRefused(`The installer rendered no ${k}`);
  if (exp.nodeAgent && !kinds.has("DaemonSet"))
    throw new RenderRefused("The installer rendered no node-agent DaemonSet");
  return out;
}

function checkPod(o: Rendered, exp: Expectation, nodeAgent: boolean) {
  const refuse = (why: string): never => {
    throw new RenderRefused(`${describeObject(o)}: ${why}`);
  };
  const spec: PodSpecLike = o.spec?.template?.spec ?? refuse("no pod template");
  const containers = spec.containers ?? [];
  if (containers.length !== 1) refuse("one container is expected");
  if (containers[0].image !== exp.serverImage) refuse(`runs ${containers[0].image}, not ${exp.serverImage}`);
  if (spec.serviceAccountName !== "velero") refuse("must run as Velero's service account");
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) refuse("uses the host's namespaces");
  const init = (spec.initContainers ?? []).map((c) => String(c.image));
  const want = nodeAgent ? [] : exp.pluginImages;
  if ([...init].sort().join(",") !== [...want].sort().join(","))
    refuse(`its init containers run ${init.join(", ") || "nothing"}, not ${want.join(", ") || "nothing"}`);
  for (const c of [...containers, ...(spec.initContainers ?? [])])
    if (c.securityContext?.privileged === true && !(nodeAgent && exp.privilegedNodeAgent))
      refuse(`${c.name} is privileged`);
  for (const v of spec.volumes ?? []) {
    if (!v.hostPath) continue;
    if (!nodeAgent || !String(v.hostPath.path ?? "").startsWith("/var/lib/kubelet/"))
      refuse(`mounts the host path ${v.hostPath.path}`);
  }
}

function reduce(o: K8sObject): K8sObject {
  const { status: _status, metadata, ...rest } = o as K8sObject & { status?: unknown };
  const md: K8sObject["metadata"] = { name: metadata.name };
  if (metadata.namespace) md.namespace = metadata.namespace;
  if (metadata.labels && Object.keys(metadata.labels).length) md.labels = { ...metadata.labels };
  if (metadata.annotations && Object.keys(metadata.annotations).length) md.annotations = { ...metadata.annotations };
  return { ...rest, metadata: md } as K8sObject;
}

/** The label Lifeboat puts on what it applied: how drift checks, removal and adoption tell its objects apart. */
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "lifeboat" } as const;

/**
 * What the installer has no flags for, added to the rendered objects: Lifeboat's label on every object, the image pull
 * secrets of Velero's server and node-agent pods, and the node-agent's node selector and tolerations. Returns new
 * objects and, per object, the fields the overlay set.
 */
export function overlay(
  objects: K8sObject[],
  s: Pick<VeleroSettings, "nodeAgent" | "imagePullSecrets">,
): { objects: K8sObject[]; fromOverlay: Record<string, string[]> } {
  const fromOverlay: Record<string, string[]> = {};
  const mark = (o: K8sObject, field: string) => (fromOverlay[describeObject(o)] ??= []).push(field);
  const out = (objects as Rendered[]).map((o) => {
    const next = structuredClone(o);
    next.metadata.labels = { ...(next.metadata.labels ?? {}), ...MANAGED_BY };
    mark(next, "metadata.labels.app.kubernetes.io/managed-by");
    const workload =
      (o.kind === "Deployment" && o.metadata.name === "velero") ||
      (o.kind === "DaemonSet" && o.metadata.name === "node-agent");
    if (workload && s.imagePullSecrets.length) {
      const pod = (next as Rendered).spec!.template!.spec!;
      const rendered = (pod.imagePullSecrets ?? []).filter((r) => !s.imagePullSecrets.includes(String(r.name)));
      pod.imagePullSecrets = [...rendered, ...s.imagePullSecrets.map((name) => ({ name }))];
      mark(next, "spec.template.spec.imagePullSecrets");
    }
    if (o.kind === "DaemonSet" && o.metadata.name === "node-agent") {
      const pod = (next as Rendered).spec!.template!.spec!;
      if (Object.keys(s.nodeAgent.nodeSelector).length) {
        pod.nodeSelector = { ...(pod.nodeSelector ?? {}), ...s.nodeAgent.nodeSelector };
        mark(next, "spec.template.spec.nodeSelector");
      }
      if (s.nodeAgent.tolerations.length) {
        pod.tolerations = [...(pod.tolerations ?? []), ...s.nodeAgent.tolerations];
        mark(next, "spec.template.spec.tolerations");
      }
    }
    return next;
  });
  return { objects: out, fromOverlay };
}

/** The order objects are applied in: CRDs (then they must be Established), namespace and RBAC, then the workloads. */
const ORDER = [
  "CustomResourceDefinition",
  "Namespace",
  "ServiceAccount",
  "ClusterRoleBinding",
  "Deployment",
  "DaemonSet",
];
export const applyOrder = (objects: K8sObject[]) =>
  [...objects].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));

/** sha256 of the canonical objects: what a review approved is what gets applied. */
export const renderDigest = (objects: K8sObject[]) =>
  crypto.createHash("sha256").update(canonicalJson(objects)).digest("hex");

/** The objects as the YAML an operator reviews. */
export const toYaml = (o: K8sObject) => stringify(o, { lineWidth: 0 });
