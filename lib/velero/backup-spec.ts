import { stringify } from "yaml";
import type { z } from "zod";
import {
  backupInput,
  objectName,
  PROTECTED_NAMESPACES,
  requirementCount,
  scheduleOptions,
  userAnnotations,
  userLabels,
  type BackupInput,
  type LabelSelectorInput,
  type VolumeOptions,
} from "../schemas/protection";
import { ttlFrom } from "./duration";
import { clusterLabelValue } from "./names";

// What an operator chooses in the console → the Velero Backup and Schedule objects (velero.io/v1) that express it.
// Pure: no I/O, no clock (names come from lib/velero/names.ts), safe in the browser for the review step.

/**
 * Always in every Backup's excludedNamespaces, whatever the scope (see lib/schemas/protection.ts for why); the
 * Velero install namespace, when it is not "velero", is excluded as well.
 */
export { PROTECTED_NAMESPACES };

export const VELERO_API_VERSION = "velero.io/v1";
export const DEFAULT_VELERO_NAMESPACE = "velero";
/** Label on every object Lifeboat creates: the cluster it protects (label-safe, see clusterLabelValue). */
export const CLUSTER_LABEL = "lifeboat.io/cluster";
/** Annotation: who asked for the object (the console user), when known. */
export const CREATED_BY_ANNOTATION = "lifeboat.io/created-by";

// ---------------------------------------------------------------------------------------------------------------
// Object types (the subset Lifeboat writes)
// ---------------------------------------------------------------------------------------------------------------

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface BackupSpec {
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  includedResources?: string[];
  excludedResources?: string[];
  includeClusterResources?: boolean;
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
  storageLocation: string;
  ttl: string;
  snapshotVolumes: boolean;
  snapshotMoveData: boolean;
  defaultVolumesToFsBackup: boolean;
}

export interface Backup {
  apiVersion: typeof VELERO_API_VERSION;
  kind: "Backup";
  metadata: ObjectMeta;
  spec: BackupSpec;
}

export interface Schedule {
  apiVersion: typeof VELERO_API_VERSION;
  kind: "Schedule";
  metadata: ObjectMeta;
  spec: {
    schedule: string;
    template: { metadata: { labels: Record<string, string> } } & BackupSpec;
    paused: boolean;
    skipImmediately?: boolean;
    useOwnerReferencesInBackup?: boolean;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Errors and shared helpers (also used by restore-spec.ts)
// ---------------------------------------------------------------------------------------------------------------

export interface SpecIssue {
  /** Dotted path into the builder's arguments, like "input.scope.include.0" or "name" ("" for the whole). */
  path: string;
  message: string;
}

/** The input can't be turned into a valid Velero object. `issues` say where and why. */
export class SpecError extends Error {
  readonly issues: SpecIssue[];
  constructor(issues: SpecIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "));
    this.name = "SpecError";
    this.issues = issues;
  }
}

/** Parse with a zod schema, or throw a SpecError whose paths start with `prefix`. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix = ""): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new SpecError(
    r.error.issues.map((i) => ({
      path: [prefix, ...i.path.map(String)].filter(Boolean).join("."),
      message: i.message,
    })),
  );
}

const unique = <T>(xs: Iterable<T>) => [...new Set(xs)];

/** The metadata every Lifeboat object gets: user labels + the cluster label, user annotations + created-by. */
export function lifeboatMetadata(args: {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Adds the lifeboat.io/cluster label when given. */
  cluster?: { name: string };
  createdBy?: string;
}): ObjectMeta {
  const name = parseOrThrow(objectName, args.name, "name");
  const namespace = args.namespace ?? DEFAULT_VELERO_NAMESPACE;
  parseOrThrow(objectName, namespace, "namespace");
  if (args.cluster !== undefined && (typeof args.cluster?.name !== "string" || args.cluster.name.trim() === ""))
    throw new SpecError([{ path: "cluster.name", message: "Missing cluster name" }]);
  const labels: Record<string, string> = { ...parseOrThrow(userLabels, args.labels ?? {}, "labels") };
  if (args.cluster) labels[CLUSTER_LABEL] = clusterLabelValue(args.cluster.name);
  const annotations: Record<string, string> = {
    ...parseOrThrow(userAnnotations, args.annotations ?? {}, "annotations"),
  };
  const createdBy = args.createdBy?.trim();
  if (createdBy) annotations[CREATED_BY_ANNOTATION] = createdBy;
  return {
    name,
    namespace,
    ...(Object.keys(labels).length ? { labels } : {}),
    ...(Object.keys(annotations).length ? { annotations } : {}),
  };
}

/** A form selector as a metav1.LabelSelector, with empty parts left out. */
export function toLabelSelector(s: LabelSelectorInput): LabelSelector {
  const out: LabelSelector = {};
  if (s.matchLabels && Object.keys(s.matchLabels).length) out.matchLabels = { ...s.matchLabels };
  if (s.matchExpressions?.length)
    out.matchExpressions = s.matchExpressions.map((e) => ({
      key: e.key,
      operator: e.operator,
      ...(e.values?.length ? { values: [...e.values] } : {}),
    }));
  return out;
}

/** ORed selectors: one becomes labelSelector, several orLabelSelectors (Velero refuses both at once). */
export function selectSelectors(
  selectors: LabelSelectorInput[],
): Pick<BackupSpec, "labelSelector" | "orLabelSelectors"> {
  const list = selectors.map(toLabelSelector);
  return list.length === 1 ? { labelSelector: list[0] } : { orLabelSelectors: list };
}

/** Every requirement of a selector, matchLabels first (key=value is `key In [value]`). */
function requirements(s: LabelSelectorInput): LabelSelectorRequirement[] {
  return [
    ...Object.entries(s.matchLabels ?? {}).map(([key, v]): LabelSelectorRequirement => ({
      key,
      operator: "In",
      values: [v],
    })),
    ...(s.matchExpressions ?? []).map((e): LabelSelectorRequirement => ({
      key: e.key,
      operator: e.operator,
      ...(e.values?.length ? { values: [...e.values] } : {}),
    })),
  ];
}

const NEGATED = { In: "NotIn", NotIn: "In", Exists: "DoesNotExist", DoesNotExist: "Exists" } as const;

/**
 * The exact complement of one requirement. Kubernetes' NotIn also matches objects without the key, so
 * ¬(k In V) = k NotIn V, ¬(k NotIn V) = k In V, ¬(k Exists) = k DoesNotExist and back: no approximation.
 */
export const negate = (r: LabelSelectorRequirement): LabelSelectorRequirement => ({
  ...r,
  operator: NEGATED[r.operator],
});

/**
 * "Everything except what these selectors match", as Velero selectors. Velero has no "exclude" selector, only
 * labelSelector (its requirements ANDed) or orLabelSelectors (ORed), so by De Morgan:
 *  - one selector r1∧…∧rn: ¬r1 ∨ … ∨ ¬rn → one requirement: labelSelector {¬r1}; several: orLabelSelectors [{¬r1}, …, {¬rn}]
 *    (ANDing the negations instead would also drop objects that match only some of the labels);
 *  - several selectors S1 ∨ … ∨ Sk, each a single requirement: ¬S1 ∧ … ∧ ¬Sk → labelSelector {¬S1, …, ¬Sk};
 *  - several selectors where one has several requirements: an AND of ORs, which neither field can hold → SpecError.
 */
export function excludeSelectors(
  selectors: LabelSelectorInput[],
): Pick<BackupSpec, "labelSelector" | "orLabelSelectors"> {
  if (selectors.length === 1) {
    const reqs = requirements(selectors[0]).map(negate);
    return reqs.length === 1
      ? { labelSelector: { matchExpressions: reqs } }
      : { orLabelSelectors: reqs.map((r) => ({ matchExpressions: [r] })) };
  }
  if (selectors.some((s) => requirementCount(s) !== 1)) {
    throw new SpecError([
      {
        path: "input.scope.selectors",
        message:
          "Velero can't express this exclusion: it needs an AND of ORs, and a Backup holds either one selector (AND) or a list of " +
          "selectors (OR). Use one exclude selector, or several that each have a single label or expression.",
      },
    ]);
  }
  return { labelSelector: { matchExpressions: selectors.flatMap((s) => requirements(s).map(negate)) } };
}

// ---------------------------------------------------------------------------------------------------------------
// Backup
// ---------------------------------------------------------------------------------------------------------------

function requireCluster(cluster: { name: string } | undefined): { name: string } {
  if (!cluster || typeof cluster.name !== "string" || cluster.name.trim() === "")
    throw new SpecError([{ path: "cluster.name", message: "Missing cluster name" }]);
  return cluster;
}

/**
 * spec.includeClusterResources for an input. An explicit choice is kept. "Auto" (null/absent) means, in Velero:
 * every cluster-scoped resource when the namespace filter is "everything", only related ones (a PVC's PV, ...)
 * otherwise. Lifeboat's protected-namespace exclusions make the filter never "everything", which would silently
 * drop CRDs, ClusterRoles, StorageClasses... from a whole-cluster backup; so for the scopes that are "everything"
 * in Velero's sense (whole cluster, labels) auto is written as true, and left to Velero for namespace scopes.
 */
export function includeClusterResourcesFor(
  input: Pick<BackupInput, "scope" | "includeClusterResources">,
): boolean | undefined {
  if (typeof input.includeClusterResources === "boolean") return input.includeClusterResources;
  return input.scope.kind === "cluster" || input.scope.kind === "labels" ? true : undefined;
}

/**
 * The BackupSpec for a parsed input. `veleroNamespace` is excluded with the protected namespaces. All-namespace
 * scopes leave includedNamespaces out instead of writing "*": Velero 1.18 skips glob expansion when the includes
 * are exactly ["*"], so a glob in excludedNamespaces ("test-*") would silently exclude nothing.
 */
export function backupSpec(input: BackupInput, veleroNamespace = DEFAULT_VELERO_NAMESPACE): BackupSpec {
  const scope = input.scope;
  const spec: Partial<BackupSpec> = {};

  if (scope.kind === "namespaces") {
    if (scope.include.includes(veleroNamespace))
      throw new SpecError([
        { path: "input.scope.include", message: `"${veleroNamespace}" is Velero's namespace and is never backed up` },
      ]);
    spec.includedNamespaces = unique(scope.include);
  }
  spec.excludedNamespaces = unique([
    ...PROTECTED_NAMESPACES,
    veleroNamespace,
    ...(scope.kind === "excludeNamespaces" ? scope.exclude : []),
  ]);

  const inc = unique(input.resources?.include ?? []);
  const exc = unique(input.resources?.exclude ?? []);
  if (inc.length) spec.includedResources = inc;
  if (exc.length) spec.excludedResources = exc;
  const clusterResources = includeClusterResourcesFor(input);
  if (clusterResources !== undefined) spec.includeClusterResources = clusterResources;

  if (scope.kind === "labels")
    Object.assign(
      spec,
      scope.mode === "include" ? selectSelectors(scope.selectors) : excludeSelectors(scope.selectors),
    );

  spec.storageLocation = input.location;
  spec.ttl = ttlFrom(input.ttl);
  // Every volume switch is written explicitly, so the server's --default-* flags never decide for the operator.
  spec.snapshotVolumes = input.volumes.csiSnapshots;
  spec.snapshotMoveData = input.volumes.dataMovement;
  spec.defaultVolumesToFsBackup = input.volumes.fsBackup === "optOut";
  return spec as BackupSpec;
}

export interface BuildBackupArgs {
  name: string;
  /** Velero's install namespace; every Velero object is created there. */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  input: unknown;
  cluster: { name: string };
  /** The console user, written to lifeboat.io/created-by. */
  createdBy?: string;
}

/** A Velero Backup (no status: an empty phase means New). Throws SpecError when the input is invalid. */
export function buildBackup(args: BuildBackupArgs): Backup {
  const input = parseOrThrow(backupInput, args.input, "input");
  const metadata = lifeboatMetadata({ ...args, cluster: requireCluster(args.cluster) });
  return { apiVersion: VELERO_API_VERSION, kind: "Backup", metadata, spec: backupSpec(input, metadata.namespace) };
}

// ---------------------------------------------------------------------------------------------------------------
// Schedule
// ---------------------------------------------------------------------------------------------------------------

export interface BuildScheduleArgs extends BuildBackupArgs {
  cron: string;
  paused?: boolean;
  skipImmediately?: boolean;
  useOwnerReferencesInBackup?: boolean;
}

/**
 * A Velero Schedule whose template is the backup spec. Velero gives each scheduled backup the template's labels
 * (the Schedule's own labels only when the template has none) plus velero.io/schedule-name, and the Schedule's
 * annotations; so the cluster label goes into both. Backups are named `<schedule>-<yyyyMMddHHmmss>`: use
 * names.ts scheduleName() for a name that is unique across clusters and leaves the backup names ≤ 63 characters.
 */
export function buildSchedule(args: BuildScheduleArgs): Schedule {
  const input = parseOrThrow(backupInput, args.input, "input");
  const opts = parseOrThrow(scheduleOptions, {
    cron: args.cron,
    paused: args.paused,
    skipImmediately: args.skipImmediately,
    useOwnerReferencesInBackup: args.useOwnerReferencesInBackup,
  });
  const metadata = lifeboatMetadata({ ...args, cluster: requireCluster(args.cluster) });
  if (metadata.name.length > 253 - 15)
    throw new SpecError([
      { path: "name", message: "At most 238 characters: Velero appends -<yyyyMMddHHmmss> to name each backup" },
    ]);
  const spec: Schedule["spec"] = {
    schedule: opts.cron,
    template: { metadata: { labels: { ...metadata.labels } }, ...backupSpec(input, metadata.namespace) },
    paused: opts.paused,
  };
  if (opts.skipImmediately !== undefined) spec.skipImmediately = opts.skipImmediately;
  if (opts.useOwnerReferencesInBackup !== undefined) spec.useOwnerReferencesInBackup = opts.useOwnerReferencesInBackup;
  return { apiVersion: VELERO_API_VERSION, kind: "Schedule", metadata, spec };
}

// ---------------------------------------------------------------------------------------------------------------
// Review step
// ---------------------------------------------------------------------------------------------------------------

function ordered(obj: Record<string, unknown>, first: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of first) if (k in obj) out[k] = obj[k];
  for (const k of Object.keys(obj)) if (!(k in out)) out[k] = obj[k];
  return out;
}

/** YAML for the review step: apiVersion, kind, metadata (name, namespace, labels, annotations), spec, then the rest. */
export function toYaml(obj: object): string {
  const o = ordered(obj as Record<string, unknown>, ["apiVersion", "kind", "metadata", "spec"]);
  if (o.metadata && typeof o.metadata === "object")
    o.metadata = ordered(o.metadata as Record<string, unknown>, [
      "name",
      "generateName",
      "namespace",
      "labels",
      "annotations",
    ]);
  return stringify(o, { lineWidth: 0 });
}

// ---------------------------------------------------------------------------------------------------------------
// Caveats for the review step
// ---------------------------------------------------------------------------------------------------------------

export interface Note {
  code: string;
  severity: "info" | "warning";
  text: string;
}

/** What the volume choices really do in Velero (velero-api.md §8, §9), for the review step. */
export function volumeNotes(volumes: VolumeOptions): Note[] {
  const notes: Note[] = [];
  const { fsBackup, csiSnapshots, dataMovement } = volumes;
  if (fsBackup === "off") {
    notes.push({
      code: "fsb-annotations-still-apply",
      severity: "warning",
      text:
        "Velero has no switch that turns file-system backup off: pods annotated with backup.velero.io/backup-volumes are still " +
        "copied with file-system backup when the node-agent runs. Remove those annotations (or use a resource policy) to stop it.",
    });
  }
  if (fsBackup === "optIn") {
    notes.push({
      code: "fsb-opt-in",
      severity: "info",
      text:
        "File-system backup (kopia) copies only the pod volumes named in each pod's backup.velero.io/backup-volumes annotation " +
        "(pod volume names, not PVC names). It needs the node-agent DaemonSet and a Running pod.",
    });
  }
  if (fsBackup === "optOut") {
    notes.push({
      code: "fsb-opt-out",
      severity: "info",
      text:
        "Every pod volume is copied with file-system backup (kopia) except those named in backup.velero.io/backup-volumes-excludes; " +
        "hostPath, Secret, ConfigMap, projected, downwardAPI and block volumes never are. It needs the node-agent on the pods' " +
        "nodes and Running pods: a chosen volume whose pod is not running is skipped, not snapshotted instead. The copy is not " +
        "crash-consistent without hooks.",
    });
    if (csiSnapshots) {
      notes.push({
        code: "fsb-wins-over-snapshots",
        severity: "warning",
        text:
          "A volume chosen for file-system backup is never snapshotted: with opt-out, CSI snapshots" +
          (dataMovement ? " and data movement" : "") +
          " only cover PVCs excluded from file-system backup by annotation or not mounted by any pod.",
      });
    }
  }
  if (!csiSnapshots) {
    notes.push({
      code: "no-snapshots",
      severity: "warning",
      text:
        fsBackup === "off"
          ? "No snapshots and no file-system backup: only Kubernetes objects are backed up, not the data in volumes (except pods that opt in by annotation)."
          : "snapshotVolumes is false: no CSI or native snapshot is taken; a volume's data is in the backup only if file-system backup copies it.",
    });
  } else {
    notes.push({
      code: "csi-requirements",
      severity: "info",
      text:
        "CSI snapshots need Velero's EnableCSI feature, the snapshot.storage.k8s.io/v1 CRDs and snapshot controller, a " +
        "VolumeSnapshotClass for each CSI driver, and a storageClassName on every PVC (a PVC without one fails the item). " +
        "Non-CSI volumes are snapshotted only through a VolumeSnapshotLocation of their provider.",
    });
    if (dataMovement) {
      notes.push({
        code: "data-movement",
        severity: "info",
        text:
          "Each CSI snapshot is uploaded to the backup location by the node-agent (kopia), then the local snapshot is deleted: " +
          "the backup survives the cluster and restores on another one. The upload runs after the resources are saved " +
          "(phase WaitingForPluginOperations); the backup can be restored only once it is Completed or PartiallyFailed.",
      });
    } else {
      notes.push({
        code: "snapshots-stay-local",
        severity: "warning",
        text:
          "Without data movement the snapshots stay in this cluster's storage system: they are lost with it, and another " +
          "cluster can restore them only if it reaches the same storage backend with the same CSI driver. Turn on data " +
          "movement for disaster recovery or migration.",
      });
    }
  }
  return notes;
}

/** What the scope really selects in Velero, for the review step. */
export function scopeNotes(input: BackupInput): Note[] {
  const notes: Note[] = [
    {
      code: "protected-namespaces",
      severity: "info",
      text:
        `${PROTECTED_NAMESPACES.join(", ")} and Velero's own namespace are never backed up. Namespaces labelled ` +
        "velero.io/exclude-from-backup=true are skipped too, and naming one in the scope makes Velero refuse the backup (FailedValidation).",
    },
  ];
  const s = input.scope;
  const globs = (list: string[]) => list.some((p) => /[*?[]/.test(p));
  if ((s.kind === "namespaces" && globs(s.include)) || (s.kind === "excludeNamespaces" && globs(s.exclude))) {
    notes.push({
      code: "namespace-globs",
      severity: "info",
      text:
        "Namespace patterns are matched when each backup starts, against the namespaces " +
        "that exist then: scheduled backups pick up new matching namespaces.",
    });
  }
  if (s.kind === "labels") {
    notes.push({
      code: "label-scope",
      severity: "info",
      text:
        s.mode === "include"
          ? "Only objects carrying the labels are selected, in every namespace and among cluster-scoped resources: " +
            "label the whole application (pods, PVCs, ConfigMaps, Secrets, Services), not only its Deployment."
          : "Every object without the excluded labels is selected, unlabelled ones and cluster-scoped resources included.",
    });
    notes.push({
      code: "label-scope-namespaces",
      severity: "info",
      text:
        "Because the protected namespaces are excluded by name, Velero also saves the Namespace object (not the contents) of every " +
        "other namespace; restoring the whole backup recreates those namespaces, empty where nothing was selected.",
    });
  }
  const clusterResources = includeClusterResourcesFor(input);
  if (clusterResources === undefined) {
    notes.push({
      code: "cluster-resources-related",
      severity: "info",
      text:
        "Cluster-scoped resources are included only where Velero finds them related to selected " +
        'items (for example the PV of a selected PVC). Choose "include" to back up all of them.',
    });
  } else if (clusterResources) {
    notes.push({
      code: "cluster-resources-all",
      severity: "info",
      text:
        s.kind === "labels"
          ? "Cluster-scoped resources are included when they match the label scope."
          : "All cluster-scoped resources (CRDs, ClusterRoles, StorageClasses, PVs...) are included.",
    });
  } else {
    notes.push({
      code: "no-cluster-resources",
      severity: "warning",
      text:
        "No cluster-scoped resources: PersistentVolumes, CRDs, ClusterRoles and StorageClasses " +
        "are left out, so a restore to an empty cluster may need them recreated first.",
    });
  }
  return notes;
}
