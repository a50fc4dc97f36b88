import {
  isDnsSubdomain,
  NON_RESTORABLE_RESOURCES,
  objectName,
  PROTECTED_NAMESPACES,
  restoreInput,
  type RestoreInput,
} from "../schemas/protection";
import {
  DEFAULT_VELERO_NAMESPACE,
  lifeboatMetadata,
  parseOrThrow,
  selectSelectors,
  SpecError,
  VELERO_API_VERSION,
  type LabelSelector,
  type Note,
  type ObjectMeta,
} from "./backup-spec";

// Restore options → a Velero Restore (velero.io/v1), and the storage-class mapping → the ConfigMap that Velero's
// change-storage-class RestoreItemAction reads (velero-api.md §2.2, §7.1). Pure, safe in the browser.

/** Resources Velero never restores; including one is FailedValidation. */
export { NON_RESTORABLE_RESOURCES };

export interface RestoreSpec {
  backupName: string;
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  includedResources?: string[];
  excludedResources?: string[];
  includeClusterResources?: boolean;
  namespaceMapping?: Record<string, string>;
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
  restorePVs: boolean;
  existingResourcePolicy: "none" | "update";
}

export interface Restore {
  apiVersion: typeof VELERO_API_VERSION;
  kind: "Restore";
  metadata: ObjectMeta;
  spec: RestoreSpec;
}

export interface ConfigMap {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: ObjectMeta;
  data: Record<string, string>;
}

const unique = <T>(xs: Iterable<T>) => [...new Set(xs)];

/**
 * The RestoreSpec for a parsed input. As for backups, "all namespaces" leaves includedNamespaces out rather than
 * writing "*": Velero skips glob expansion when the includes are exactly ["*"], so excluded globs would do nothing.
 * storageClassMapping is not part of a Restore: see storageClassConfigMap.
 */
export function restoreSpec(backupName: string, input: RestoreInput): RestoreSpec {
  const spec: Partial<RestoreSpec> = { backupName };
  const scope = input.scope;
  if (scope.kind === "namespaces") spec.includedNamespaces = unique(scope.include);
  // The protected namespaces are never restored, whatever the backup holds (a backup made outside Lifeboat may
  // contain them). Velero includes every cluster-scoped resource on "auto" only when no namespace is excluded, so
  // this also keeps "auto" to the cluster-scoped resources related to what is restored.
  spec.excludedNamespaces = unique([
    ...PROTECTED_NAMESPACES,
    ...(scope.kind === "excludeNamespaces" ? scope.exclude : []),
  ]);
  const inc = unique(input.resources?.include ?? []);
  const exc = unique(input.resources?.exclude ?? []);
  if (inc.length) spec.includedResources = inc;
  if (exc.length) spec.excludedResources = exc;
  if (typeof input.includeClusterResources === "boolean") spec.includeClusterResources = input.includeClusterResources;
  const mapping = Object.entries(input.namespaceMapping ?? {}).filter(([from, to]) => from !== to);
  if (mapping.length) spec.namespaceMapping = Object.fromEntries(mapping);
  if (scope.kind === "labels") Object.assign(spec, selectSelectors(scope.selectors));
  spec.restorePVs = input.restorePVs;
  spec.existingResourcePolicy = input.existingResourcePolicy;
  return spec as RestoreSpec;
}

/**
 * The options of a restore that need CLUSTER_ADMIN on the target cluster, each with the input field it comes from:
 * cluster-scoped resources (ClusterRoles, ClusterRoleBindings, CRDs, webhooks...) reach beyond any namespace an
 * operator works in, and updating existing objects overwrites what is running. Empty: an OPERATOR may restore it.
 */
export function restoreOptionsNeedingClusterAdmin(input: RestoreInput): { path: string; option: string }[] {
  const out: { path: string; option: string }[] = [];
  if (input.includeClusterResources === true)
    out.push({ path: "includeClusterResources", option: "Restoring cluster-scoped resources" });
  if (input.existingResourcePolicy === "update")
    out.push({ path: "existingResourcePolicy", option: "Updating objects that already exist" });
  return out;
}

export interface BuildRestoreArgs {
  name: string;
  namespace?: string;
  backupName: string;
  input: unknown;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** The cluster restored into (for the lifeboat.io/cluster label). */
  cluster?: { name: string };
  createdBy?: string;
}

/** A Velero Restore of `backupName` (no status). Throws SpecError when the input is invalid. */
export function buildRestore(args: BuildRestoreArgs): Restore {
  const input = parseOrThrow(restoreInput, args.input, "input");
  const backupName = parseOrThrow(objectName, args.backupName, "backupName");
  const metadata = lifeboatMetadata(args);
  return { apiVersion: VELERO_API_VERSION, kind: "Restore", metadata, spec: restoreSpec(backupName, input) };
}

// ---------------------------------------------------------------------------------------------------------------
// Change storage class
// ---------------------------------------------------------------------------------------------------------------

/**
 * The name Velero's docs use. Velero finds the ConfigMap by its labels and fails restores when more than one
 * matches, so the console always writes this one name (replacing it) rather than adding another.
 */
export const STORAGE_CLASS_CONFIGMAP_NAME = "change-storage-class-config";

/**
 * The ConfigMap for Velero's change-storage-class RestoreItemAction: `data` maps old StorageClass → new one for
 * PVs, PVCs and StatefulSet volumeClaimTemplates. It must live in Velero's namespace and applies to EVERY restore
 * in the cluster while it exists; the target StorageClasses must exist or the items fail.
 */
export function storageClassConfigMap(
  mapping: Record<string, string>,
  namespace: string = DEFAULT_VELERO_NAMESPACE,
): ConfigMap {
  const issues = Object.entries(mapping).flatMap(([from, to]) => [
    ...(isDnsSubdomain(from)
      ? []
      : [{ path: `storageClassMapping.${from}`, message: `"${from}" is not a StorageClass name` }]),
    ...(isDnsSubdomain(to)
      ? []
      : [{ path: `storageClassMapping.${from}`, message: `"${to}" is not a StorageClass name` }]),
  ]);
  if (Object.keys(mapping).length === 0) issues.push({ path: "storageClassMapping", message: "The mapping is empty" });
  parseOrThrow(objectName, namespace, "namespace");
  if (issues.length) throw new SpecError(issues);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: STORAGE_CLASS_CONFIGMAP_NAME,
      namespace,
      labels: { "velero.io/plugin-config": "", "velero.io/change-storage-class": "RestoreItemAction" },
    },
    data: { ...mapping },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Caveats for the review step
// ---------------------------------------------------------------------------------------------------------------

/** What the restore options really do in Velero, for the review step. */
export function restoreNotes(input: RestoreInput): Note[] {
  const notes: Note[] = [];
  if (input.existingResourcePolicy === "none") {
    notes.push({
      code: "existing-skipped",
      severity: "info",
      text:
        "Objects that already exist in the cluster are left as they are (a warning " +
        "each); only missing ones are created. ServiceAccounts are always merged.",
    });
  } else {
    notes.push({
      code: "existing-updated",
      severity: "warning",
      text:
        "Objects that already exist are patched back to their backed-up state; objects " +
        "whose changes can't be patched (immutable fields) are reported as warnings.",
    });
  }
  if (!input.restorePVs) {
    notes.push({
      code: "no-volume-data",
      severity: "warning",
      text: "Volume data is not restored: PersistentVolumeClaims come back without the data from snapshots, data movement or file-system backup.",
    });
  }
  if (input.namespaceMapping && Object.keys(input.namespaceMapping).length) {
    notes.push({
      code: "namespace-mapping",
      severity: "info",
      text:
        "Namespace filters name the namespaces as they are in the backup; the mapping " +
        "then renames them. Namespaces not mapped are restored under their own names.",
    });
  }
  if (input.storageClassMapping && Object.keys(input.storageClassMapping).length) {
    notes.push({
      code: "storage-class-configmap",
      severity: "warning",
      text:
        "The storage-class mapping is a ConfigMap in Velero's namespace, not part of this restore: it applies to every restore in " +
        "this cluster until it is removed, the new StorageClasses must exist, and Velero fails restores if two such ConfigMaps exist.",
    });
  }
  // Every Restore excludes the protected namespaces, so on "auto" Velero restores only related cluster-scoped resources.
  if (input.includeClusterResources == null) {
    notes.push({
      code: "cluster-resources-auto",
      severity: "info",
      text: "Cluster-scoped resources are restored only where related to restored items (for example the PV of a restored PVC).",
    });
  }
  notes.push({
    code: "protected-namespaces",
    severity: "info",
    text: `${PROTECTED_NAMESPACES.join(", ")} are never restored.`,
  });
  notes.push({
    code: "never-restored",
    severity: "info",
    text: `Velero never restores ${NON_RESTORABLE_RESOURCES.join(", ")}.`,
  });
  return notes;
}
