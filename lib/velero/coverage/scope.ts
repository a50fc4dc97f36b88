import { namespaceGlobMatch, PROTECTED_NAMESPACES } from "../../schemas/protection";
import { anySelectorMatches } from "../selector-match";
import type { BackupPlan, NamespaceFacts, PodFacts, PvcFacts, SelectorFacts } from "./types";

// velero-api.md §9 step 0: is a pod or a PVC an item of a backup at all? Velero checks, for every item it lists or is
// handed as an additional item (pkg/backup/item_backupper.go itemInclusionChecks, item_collector.go): the namespace
// filters (globs since 1.18) and the namespaces labelled for exclusion, the resource filters (old or new style), the
// object's own exclusion label, a deletion in progress, and — for items it lists, not for additional items — the label
// selectors. Pure.

export const EXCLUDE_FROM_BACKUP_LABEL = "velero.io/exclude-from-backup";

/** The two namespaced resources whose items carry volume data. */
export type ScopedResource = "pods" | "persistentvolumeclaims";

export interface ObjectRef {
  kind: "pod" | "pvc";
  namespace: string;
  name: string;
}

/** Why a plan does not back an object up (rule "0"). */
export type Exclusion =
  | { kind: "namespace-not-included"; namespace: string }
  | { kind: "namespace-excluded"; namespace: string; pattern: string }
  | { kind: "namespace-labelled"; namespace: string }
  | { kind: "namespace-deleting"; namespace: string }
  | { kind: "resource-excluded"; resource: ScopedResource; object: ObjectRef }
  | { kind: "labelled"; object: ObjectRef }
  | { kind: "deleting"; object: ObjectRef }
  | { kind: "selector"; object: ObjectRef; selectors: SelectorFacts[] };

/** The rule suffix of each exclusion ("0/namespace", "0/selector", …). */
export const EXCLUSION_RULE: Record<Exclusion["kind"], string> = {
  "namespace-not-included": "0/namespace",
  "namespace-excluded": "0/namespace",
  "namespace-labelled": "0/namespace-label",
  "namespace-deleting": "0/deleting",
  "resource-excluded": "0/resource",
  labelled: "0/label",
  deleting: "0/deleting",
  selector: "0/selector",
};

const PROTECTED: ReadonlySet<string> = new Set(PROTECTED_NAMESPACES);

/** Namespaces Lifeboat never backs up: the coverage leaves their volumes out entirely. */
export const isProtectedNamespace = (ns: string) => PROTECTED.has(ns);

const isAll = (list: readonly string[]) => list.length === 0 || list.includes("*");
const GLOB = /[*?[]/;

// ---------------------------------------------------------------------------------------------------------------
// Namespaces
// ---------------------------------------------------------------------------------------------------------------

/** Why the plan leaves the namespace out, or null when it is in. */
export function namespaceExclusion(plan: BackupPlan, ns: NamespaceFacts): Exclusion | null {
  const { includedNamespaces, excludedNamespaces } = plan.spec;
  const excludedBy = excludedNamespaces.find((p) => namespaceGlobMatch(p, ns.name));
  if (excludedBy !== undefined) return { kind: "namespace-excluded", namespace: ns.name, pattern: excludedBy };
  if (!isAll(includedNamespaces) && !includedNamespaces.some((p) => namespaceGlobMatch(p, ns.name)))
    return { kind: "namespace-not-included", namespace: ns.name };
  // The backup controller adds every namespace labelled for exclusion to excludedNamespaces (velero-api.md §2.1).
  if (ns.labels[EXCLUDE_FROM_BACKUP_LABEL] === "true") return { kind: "namespace-labelled", namespace: ns.name };
  // Its items are being deleted with it: Velero skips every item that carries a deletionTimestamp.
  if (ns.deleting) return { kind: "namespace-deleting", namespace: ns.name };
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------------------------

/** The names discovery resolves to each resource (plural, singular, short name). */
const RESOURCE_NAMES: Record<ScopedResource, readonly string[]> = {
  pods: ["pods", "pod", "po"],
  persistentvolumeclaims: ["persistentvolumeclaims", "persistentvolumeclaim", "pvc"],
};

/**
 * Does one filter entry name the resource? Velero resolves each entry through discovery (`resource.group`, the core
 * group being empty), so "pods", "pod", "po", "pods.v1" and "pods.core" all mean pods; "*" means everything, and an
 * entry with a glob is matched as a glob against the plural name.
 */
export function entryNames(entry: string, resource: ScopedResource): boolean {
  const e = entry.trim().toLowerCase().replace(/\.$/, "");
  if (e === "*") return true;
  if (GLOB.test(e)) return namespaceGlobMatch(e, resource);
  const dot = e.indexOf(".");
  const [name, group] = dot < 0 ? [e, ""] : [e.slice(0, dot), e.slice(dot + 1)];
  return ["", "v1", "core", "v1.core"].includes(group) && RESOURCE_NAMES[resource].includes(name);
}

const usesNewFilters = (spec: BackupPlan["spec"]) =>
  spec.includedNamespaceScopedResources.length > 0 || spec.excludedNamespaceScopedResources.length > 0;

/** Do the plan's resource filters (the new namespace-scoped ones when set, else the old ones) include the resource? */
export function resourceIncluded(plan: BackupPlan, resource: ScopedResource): boolean {
  const s = plan.spec;
  const [included, excluded] = usesNewFilters(s)
    ? [s.includedNamespaceScopedResources, s.excludedNamespaceScopedResources]
    : [s.includedResources, s.excludedResources];
  if (excluded.some((e) => entryNames(e, resource))) return false;
  return isAll(included) || included.some((e) => entryNames(e, resource));
}

/**
 * Filters Velero refuses (the whole backup ends FailedValidation, pkg/controller/backup_controller.go): old and new
 * resource filters mixed, an entry both included and excluded, "*" among the old excluded resources. Null when fine.
 */
export function filterProblem(plan: BackupPlan): string | null {
  const s = plan.spec;
  const old = s.includedResources.length > 0 || s.excludedResources.length > 0;
  if (old && usesNewFilters(s))
    return "it mixes the old resource filters (included/excluded resources) with the new namespace-scoped ones";
  if (s.excludedResources.includes("*")) return 'its excluded resources contain "*"';
  const both = (a: readonly string[], b: readonly string[]) => a.find((x) => b.includes(x));
  const ns = both(s.includedNamespaces, s.excludedNamespaces);
  if (ns !== undefined) return `namespace "${ns}" is both included and excluded`;
  const res =
    both(s.includedResources, s.excludedResources) ??
    both(s.includedNamespaceScopedResources, s.excludedNamespaceScopedResources);
  if (res !== undefined) return `resource "${res}" is both included and excluded`;
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Pods and PVCs
// ---------------------------------------------------------------------------------------------------------------

/** Checks every item goes through, listed or additional: resource filters, exclusion label, deletion. */
function itemExclusion(
  resourceOk: boolean,
  object: ObjectRef,
  resource: ScopedResource,
  o: { labels: Record<string, string>; deleting: boolean },
): Exclusion | null {
  if (!resourceOk) return { kind: "resource-excluded", resource, object };
  if (o.labels[EXCLUDE_FROM_BACKUP_LABEL] === "true") return { kind: "labelled", object };
  if (o.deleting) return { kind: "deleting", object };
  return null;
}

/** Why the plan does not back the pod up, or null. The namespace is checked separately (namespaceExclusion). */
export function podExclusion(
  plan: BackupPlan,
  pod: PodFacts,
  podsIncluded = resourceIncluded(plan, "pods"),
): Exclusion | null {
  const object: ObjectRef = { kind: "pod", namespace: pod.namespace, name: pod.name };
  const ex = itemExclusion(podsIncluded, object, "pods", pod);
  if (ex) return ex;
  if (!anySelectorMatches(plan.spec.labelSelectors, pod.labels))
    return { kind: "selector", object, selectors: plan.spec.labelSelectors };
  return null;
}

/**
 * Why the plan does not back the PVC up, or null. A PVC that a backed-up pod mounts is an additional item of that
 * pod (Velero's pod action): the label selectors, which only filter the listing, do not apply to it; the resource
 * filters, the exclusion label and a deletion still do.
 */
export function pvcExclusion(
  plan: BackupPlan,
  pvc: PvcFacts,
  mountedByIncludedPod: boolean,
  pvcsIncluded = resourceIncluded(plan, "persistentvolumeclaims"),
): Exclusion | null {
  const object: ObjectRef = { kind: "pvc", namespace: pvc.namespace, name: pvc.name };
  const ex = itemExclusion(pvcsIncluded, object, "persistentvolumeclaims", pvc);
  if (ex) return ex;
  if (!mountedByIncludedPod && !anySelectorMatches(plan.spec.labelSelectors, pvc.labels))
    return { kind: "selector", object, selectors: plan.spec.labelSelectors };
  return null;
}

/** The same checks for one plan, with the per-namespace and per-pod answers kept (each is asked many times). */
export class PlanScope {
  private readonly namespaces = new Map<string, Exclusion | null>();
  private readonly pods = new Map<PodFacts, Exclusion | null>();
  readonly problem: string | null;
  readonly podsIncluded: boolean;
  readonly pvcsIncluded: boolean;

  constructor(readonly plan: BackupPlan) {
    this.problem = filterProblem(plan);
    this.podsIncluded = resourceIncluded(plan, "pods");
    this.pvcsIncluded = resourceIncluded(plan, "persistentvolumeclaims");
  }

  namespace(ns: NamespaceFacts): Exclusion | null {
    let ex = this.namespaces.get(ns.name);
    if (ex === undefined) {
      ex = namespaceExclusion(this.plan, ns);
      this.namespaces.set(ns.name, ex);
    }
    return ex;
  }

  /** Why the pod is not backed up (its namespace first), or null. */
  pod(pod: PodFacts, ns: NamespaceFacts): Exclusion | null {
    let ex = this.pods.get(pod);
    if (ex === undefined) {
      ex = this.namespace(ns) ?? podExclusion(this.plan, pod, this.podsIncluded);
      this.pods.set(pod, ex);
    }
    return ex;
  }

  pvc(pvc: PvcFacts, ns: NamespaceFacts, mountedByIncludedPod: boolean): Exclusion | null {
    return this.namespace(ns) ?? pvcExclusion(this.plan, pvc, mountedByIncludedPod, this.pvcsIncluded);
  }
}
