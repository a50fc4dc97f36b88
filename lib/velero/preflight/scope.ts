import { namespaceGlobMatch, NON_RESTORABLE_RESOURCES, type RestoreInput } from "../../schemas/protection";
import { anySelectorMatches } from "../selector-match";
import { isProtectedNamespace } from "../coverage/scope";
import type { BackupContents, ContentItem } from "./types";

// Which objects of a backup a Restore would act on, as Velero 1.18's restore decides (pkg/restore/restore.go
// getOrderedResourceCollection, restoreItem; velero-api.md §2.2), given the options Lifeboat writes into the Restore
// (lib/velero/restore-spec.ts restoreSpec): the protected namespaces are always excluded, so Velero's "include
// everything" never holds and, with includeClusterResources unset ("auto"), cluster-scoped objects are restored only
// as additional items (the PersistentVolume of a restored claim). Pure.

/** An object the restore would act on, and where it would land. */
export interface SelectedItem {
  item: ContentItem;
  /** The namespace it is restored into (after the namespace mapping); null for a cluster-scoped object. */
  targetNamespace: string | null;
  /** The name it gets on the target (a Namespace object is renamed by the mapping). */
  targetName: string;
  /** Restored because another restored object needs it (a claim's PV), not through the filters. */
  additional: boolean;
}

const NON_RESTORABLE: ReadonlySet<string> = new Set(NON_RESTORABLE_RESOURCES);
export const CRD_RESOURCE = "customresourcedefinitions.apiextensions.k8s.io";
const GLOB = /[*?[]/;

/** "apps/v1" → "apps"; "v1" → "". */
export const groupOf = (groupVersion: string) => (groupVersion.includes("/") ? groupVersion.split("/")[0] : "");

/** Kubernetes' short names of its own kinds, which Velero resolves through discovery like the plural. */
const SHORT_NAMES: Record<string, string> = {
  po: "pods",
  pvc: "persistentvolumeclaims",
  pv: "persistentvolumes",
  svc: "services",
  sa: "serviceaccounts",
  cm: "configmaps",
  ns: "namespaces",
  ep: "endpoints",
  ev: "events",
  limits: "limitranges",
  quota: "resourcequotas",
  deploy: "deployments.apps",
  sts: "statefulsets.apps",
  ds: "daemonsets.apps",
  rs: "replicasets.apps",
  cj: "cronjobs.batch",
  hpa: "horizontalpodautoscalers.autoscaling",
  pdb: "poddisruptionbudgets.policy",
  ing: "ingresses.networking.k8s.io",
  netpol: "networkpolicies.networking.k8s.io",
  sc: "storageclasses.storage.k8s.io",
  crd: "customresourcedefinitions.apiextensions.k8s.io",
  crds: "customresourcedefinitions.apiextensions.k8s.io",
};

/** Does a resource filter entry name this item's resource (plural, kind, short name, "plural.group", "*", a glob)? */
export function entryNamesItem(entry: string, item: Pick<ContentItem, "resource" | "kind" | "groupVersion">) {
  const e = entry.trim().toLowerCase().replace(/\.$/, "");
  if (e === "*") return true;
  const group = groupOf(item.groupVersion);
  const plural = group ? item.resource.slice(0, item.resource.length - group.length - 1) : item.resource;
  if (GLOB.test(e)) return namespaceGlobMatch(e, plural) || namespaceGlobMatch(e, item.resource);
  if (SHORT_NAMES[e] === item.resource) return true;
  const dot = e.indexOf(".");
  const [name, g] = dot < 0 ? [e, null] : [e.slice(0, dot), e.slice(dot + 1)];
  const names = [plural, item.kind.toLowerCase()];
  if (!names.includes(name)) return false;
  if (g === null) return true;
  return group ? g === group : ["", "v1", "core", "v1.core"].includes(g);
}

export function resourceSelected(input: RestoreInput, item: ContentItem): boolean {
  const inc = input.resources?.include ?? [];
  const exc = input.resources?.exclude ?? [];
  if (exc.some((e) => entryNamesItem(e, item))) return false;
  return inc.length === 0 || inc.some((e) => entryNamesItem(e, item));
}

/** Is a namespace of the backup restored (the protected ones never are)? */
export function namespaceSelected(input: RestoreInput, ns: string): boolean {
  if (isProtectedNamespace(ns)) return false;
  const s = input.scope;
  if (s.kind === "namespaces") return s.include.some((p) => namespaceGlobMatch(p, ns));
  if (s.kind === "excludeNamespaces") return !s.exclude.some((p) => namespaceGlobMatch(p, ns));
  return true;
}

const labelsSelected = (input: RestoreInput, item: ContentItem) =>
  input.scope.kind !== "labels" || anySelectorMatches(input.scope.selectors, item.labels);

const mapNs = (input: RestoreInput, ns: string) => input.namespaceMapping?.[ns] ?? ns;

/** The objects the restore would act on, in the backup's order. */
export function selectItems(contents: BackupContents, input: RestoreInput): SelectedItem[] {
  const out: SelectedItem[] = [];
  const claims = new Set<string>();
  const pvs: ContentItem[] = [];
  for (const item of contents.items) {
    if (NON_RESTORABLE.has(item.resource)) continue;
    if (item.namespace !== null) {
      if (!namespaceSelected(input, item.namespace) || !resourceSelected(input, item) || !labelsSelected(input, item))
        continue;
      out.push({ item, targetNamespace: mapNs(input, item.namespace), targetName: item.name, additional: false });
      if (item.resource === "persistentvolumeclaims") claims.add(`${item.namespace}/${item.name}`);
      continue;
    }
    // Velero never restores a Namespace object through the filters ("we'll handle them as a special case prior to
    // restoring anything into them", pkg/restore/restore.go): see below.
    if (item.resource === "namespaces") continue;
    if (item.resource === "persistentvolumes") pvs.push(item);
    if (input.includeClusterResources !== true) continue;
    if (!resourceSelected(input, item) || !labelsSelected(input, item)) continue;
    out.push({ item, targetNamespace: null, targetName: item.name, additional: false });
  }
  // A restored claim brings its PersistentVolume along (Velero's AddPVFromPVC action), unless cluster-scoped
  // resources are switched off; the resource filters still hold for it (restoreItem checks them for every item).
  if (input.includeClusterResources !== false) {
    const byName = new Map(contents.volumes.map((v) => [v.name, v]));
    const taken = new Set(out.filter((s) => s.item.resource === "persistentvolumes").map((s) => s.item.name));
    for (const pv of pvs) {
      const claim = byName.get(pv.name)?.claim;
      if (taken.has(pv.name) || !claim || !claims.has(`${claim.namespace}/${claim.name}`)) continue;
      if (!resourceSelected(input, pv)) continue;
      out.push({ item: pv, targetNamespace: null, targetName: pv.name, additional: true });
    }
  }
  // A namespace is created, from its backed-up object when there is one, when the first item is restored into it
  // (EnsureNamespaceExistsAndIsReady), whatever the selector or the filters say of the Namespace object; a namespace
  // nothing is restored into is not created.
  const namespaceObjects = new Map(
    contents.items.filter((i) => i.resource === "namespaces").map((i) => [i.name, i] as const),
  );
  const into = new Map<string, string>(); // target namespace → source namespace
  for (const s of out) if (s.item.namespace !== null) into.set(s.targetNamespace!, s.item.namespace);
  for (const [target, source] of into)
    out.push({
      item: namespaceObjects.get(source) ?? {
        resource: "namespaces",
        groupVersion: "v1",
        kind: "Namespace",
        namespace: null,
        name: source,
        labels: {},
      },
      targetNamespace: null,
      targetName: target,
      additional: true,
    });
  return out;
}
