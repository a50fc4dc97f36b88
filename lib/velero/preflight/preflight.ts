import type { RestoreInput } from "../../schemas/protection";
import type { ObservedVolume } from "../../schemas/coverage";
import type {
  PredictionCounts,
  PredictionRow,
  PreflightFinding,
  PreflightFix,
  PreflightResult,
  RestorePrediction,
} from "../../schemas/preflight";
import { compareVersions, versionParts } from "../versions";
import { CRD_RESOURCE, entryNamesItem, groupOf, resourceSelected, selectItems, type SelectedItem } from "./scope";
import type { BackupContents, ContentItem } from "./types";

// The restore pre-flight check (#14 §1) and the prediction of what the restore would do (§2): a backup's contents and
// volume info compared with what the target cluster serves and holds, before a Restore is created. Each finding
// cites what Velero would do (velero-api.md §2.2, §7.1, §8, §11) and, where the wizard can, the fix. Pure.

/** A kind the target's API server serves (its discovery). */
export interface ServedResource {
  groupVersion: string;
  kind: string;
  /** The plural ("deployments"). */
  resource: string;
  namespaced: boolean;
  /** Its group's preferred version. */
  preferred: boolean;
}

export interface TargetStorageClass {
  name: string;
  provisioner: string;
  isDefault: boolean;
}

export interface PreflightFacts {
  now: Date;
  backup: {
    name: string;
    phase: string;
    errors: number;
    warnings: number;
    expiration: Date | null;
    /** The cluster that made it, when Lifeboat knows it. */
    sourceCluster: string | null;
    /** Its `velero.io/source-cluster-k8s-gitversion` annotation. */
    sourceKubernetes: string | null;
    /** The target is the cluster that made it. */
    sameCluster: boolean;
    contents: BackupContents | null;
    contentsError: string | null;
    /** Its volume info (velero-api.md §4), null when it could not be read. */
    volumes: ObservedVolume[] | null;
    volumesError: string | null;
  };
  target: {
    name: string;
    kubernetes: string | null;
    served: ServedResource[] | null;
    servedError: string | null;
    /** Group-versions whose discovery did not answer (an aggregated API answering 503). */
    unavailable?: string[];
    storageClasses: TargetStorageClass[] | null;
    namespaces: string[] | null;
    /** Velero's node-agent runs there (null: not known). */
    nodeAgent: boolean | null;
    /** The target's Velero sees this backup (its own, or synced from a location it shares). */
    seesBackup: boolean;
  };
  /** The names of the target's objects, by existingKey(); a list, or why it could not be read. */
  existing: ReadonlyMap<string, readonly string[] | { error: string }>;
}

export const existingKey = (resource: string, namespace: string | null) => `${resource}|${namespace ?? ""}`;

/** "plural.group" / "plural" for a served kind: the name Velero's filters and this module use. */
const qualified = (r: { resource: string; groupVersion: string }) => {
  const g = groupOf(r.groupVersion);
  return g ? `${r.resource}.${g}` : r.resource;
};

/** How the target resolves one kind of the backup. */
type Resolution =
  | { kind: "served"; as: ServedResource }
  /** The group-resource is served, but not at the version the backup holds: each item fails. */
  | { kind: "version"; served: string[] }
  /** Not served now, but this restore brings its CRD first. */
  | { kind: "crd-restored" }
  /** Not served, its CRD is in the backup but this restore leaves it out (cluster-scoped resources off). */
  | { kind: "crd-not-restored" }
  /** Not served, and no CRD for it in the backup: Velero passes over it without an error. */
  | { kind: "unserved" }
  /** Its group-version's discovery did not answer: not known. */
  | { kind: "unknown" };

/** The API groups Kubernetes itself serves (a kind of any other dotted group comes from a CRD or an extension). */
const BUILT_IN_GROUPS = new Set([
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
  "authentication.k8s.io",
  "authorization.k8s.io",
  "certificates.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "events.k8s.io",
  "flowcontrol.apiserver.k8s.io",
  "internal.apiserver.k8s.io",
  "networking.k8s.io",
  "node.k8s.io",
  "rbac.authorization.k8s.io",
  "resource.k8s.io",
  "scheduling.k8s.io",
  "storage.k8s.io",
  "storagemigration.k8s.io",
]);
const isCustomGroup = (group: string) => group.includes(".") && !BUILT_IN_GROUPS.has(group);

function resolver(facts: PreflightFacts, selected: SelectedItem[]) {
  const byQualified = new Map<string, ServedResource[]>();
  for (const r of facts.target.served ?? []) {
    const q = qualified(r);
    byQualified.set(q, [...(byQualified.get(q) ?? []), r]);
  }
  const crds = new Map((facts.backup.contents?.crds ?? []).map((c) => [c.name, c]));
  const unavailable = new Set(facts.target.unavailable ?? []);
  const restoredCrds = new Set(selected.filter((s) => s.item.resource === CRD_RESOURCE).map((s) => s.item.name));
  const cache = new Map<string, Resolution>();
  return (item: ContentItem): Resolution => {
    const key = `${item.resource}|${item.groupVersion}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const served = byQualified.get(item.resource) ?? [];
    const version = item.groupVersion.split("/").pop()!;
    const crd = crds.get(item.resource);
    let r: Resolution;
    const exact = served.find((s) => s.groupVersion === item.groupVersion && s.kind === item.kind);
    if (exact) r = { kind: "served", as: exact };
    else if (unavailable.has(item.groupVersion)) r = { kind: "unknown" };
    else if (served.length) r = { kind: "version", served: served.map((s) => s.groupVersion) };
    else if (crd && restoredCrds.has(crd.name))
      r = crd.versions.includes(version) ? { kind: "crd-restored" } : { kind: "version", served: crd.versions };
    else if (crd) r = { kind: "crd-not-restored" };
    else r = { kind: "unserved" };
    cache.set(key, r);
    return r;
  };
}

const MAX_ITEMS = 8;
const where = (s: SelectedItem) => (s.targetNamespace ? `${s.targetNamespace}/${s.targetName}` : s.targetName);

function finding(
  f: Omit<PreflightFinding, "items" | "count" | "fix" | "fixLabel" | "altFix" | "altFixLabel"> & {
    items?: string[];
    fix?: PreflightFix | null;
    fixLabel?: string | null;
    altFix?: PreflightFix | null;
    altFixLabel?: string | null;
  },
): PreflightFinding {
  const items = f.items ?? [];
  return {
    ...f,
    items: items.slice(0, MAX_ITEMS),
    count: items.length,
    fix: f.fix ?? null,
    fixLabel: f.fixLabel ?? null,
    altFix: f.altFix ?? null,
    altFixLabel: f.altFixLabel ?? null,
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const are = (n: number, one: string) => plural(n, `${one} already exists`, `${one}s already exist`);

// ---------------------------------------------------------------------------------------------------------------
// The checks, one per bullet of #14 §1
// ---------------------------------------------------------------------------------------------------------------

function backupChecks(f: PreflightFacts): PreflightFinding[] {
  const b = f.backup;
  const out: PreflightFinding[] = [];
  if (b.phase !== "Completed" && b.phase !== "PartiallyFailed")
    out.push(
      finding({
        id: "backup-phase",
        check: "backup",
        severity: "error",
        title: `The backup is ${b.phase || "New"}`,
        detail: "Velero restores only Completed or PartiallyFailed backups.",
      }),
    );
  else if (b.phase === "PartiallyFailed")
    out.push(
      finding({
        id: "backup-partial",
        check: "backup",
        severity: "warning",
        title: `The backup partly failed (${plural(b.errors, "error")})`,
        detail:
          "What failed to be backed up is not in it and will not be restored; its errors are listed on the backup's page.",
      }),
    );
  if (b.expiration) {
    const hours = (b.expiration.getTime() - f.now.getTime()) / 3_600_000;
    if (hours <= 0)
      out.push(
        finding({
          id: "backup-expired",
          check: "backup",
          severity: "error",
          title: "The backup has expired",
          detail: `It expired at ${b.expiration.toISOString()}; Velero's garbage collection is deleting it.`,
        }),
      );
    else if (hours < 24)
      out.push(
        finding({
          id: "backup-expiring",
          check: "backup",
          severity: "warning",
          title: `The backup expires in ${hours < 1 ? "less than an hour" : plural(Math.floor(hours), "hour")}`,
          detail: `At ${b.expiration.toISOString()} Velero deletes it; a restore still running then loses its source.`,
        }),
      );
  }
  if (!f.target.seesBackup)
    out.push(
      finding({
        id: "backup-not-seen",
        check: "backup",
        severity: "error",
        title: `${f.target.name}'s Velero does not see this backup`,
        detail:
          `A backup made on ${b.sourceCluster ?? "another cluster"} appears on ${f.target.name} once both share its ` +
          "storage location (ReadOnly on the cluster that only restores) and Velero has synced it (within a minute).",
      }),
    );
  if (!b.contents)
    out.push(
      finding({
        id: "contents-unread",
        check: "backup",
        severity: "warning",
        title: "The backup's contents could not be read",
        detail:
          `${b.contentsError ?? "Reason unknown"}. The API, custom resource, storage-class and namespace checks ` +
          "and the prediction need them; they were not made.",
      }),
    );
  else if (b.contents.truncated)
    out.push(
      finding({
        id: "contents-truncated",
        check: "backup",
        severity: "note",
        title: "The backup holds more objects than Lifeboat reads",
        detail: "The checks and the prediction cover the first objects of the backup only.",
      }),
    );
  return out;
}

function versionCheck(f: PreflightFacts): PreflightFinding[] {
  const source = f.backup.sourceKubernetes;
  const target = f.target.kubernetes;
  if (!source || !target || !versionParts(source) || !versionParts(target))
    return [
      finding({
        id: "version-unknown",
        check: "version",
        severity: "note",
        title: "Kubernetes versions not compared",
        detail: !source
          ? "The backup does not record its cluster's Kubernetes version (velero.io/source-cluster-k8s-gitversion)."
          : `${f.target.name}'s Kubernetes version is not known yet.`,
      }),
    ];
  const [sm, sn] = versionParts(source)!;
  const [tm, tn] = versionParts(target)!;
  const minor = compareVersions(`${tm}.${tn}`, `${sm}.${sn}`)!;
  if (minor < 0)
    return [
      finding({
        id: "version-downgrade",
        check: "version",
        severity: "warning",
        title: `Restoring from Kubernetes ${source} into an older ${target}`,
        detail:
          "Velero does not support restoring into a lower Kubernetes version: objects are restored at the API " +
          "version the newer cluster stored them in, so kinds or fields the older API server does not know fail " +
          "or are dropped. The API check below lists the kinds that would fail.",
      }),
    ];
  if (compareVersions(target, source)! < 0)
    return [
      finding({
        id: "version-patch-older",
        check: "version",
        severity: "note",
        title: `${f.target.name} runs an older patch release (${target}) than the backup's cluster (${source})`,
        detail: "The same minor version serves the same APIs; patch releases do not change them.",
      }),
    ];
  return [];
}

/** At most this many findings of one check are listed; the rest are counted in one more. */
const MAX_FINDINGS = 50;

/**
 * The fix that leaves a resource out, unless the restore includes only that resource: removing it from the included
 * ones would leave none, which Velero reads as everything.
 */
function excludeFix(input: RestoreInput, item: ContentItem): { fix: PreflightFix; fixLabel: string } | null {
  const include = input.resources?.include ?? [];
  if (include.length && include.every((e) => entryNamesItem(e, item))) return null;
  return { fix: { kind: "excludeResources", resources: [item.resource] }, fixLabel: `Exclude ${item.resource}` };
}

function capped(out: PreflightFinding[], check: PreflightFinding["check"]): PreflightFinding[] {
  if (out.length <= MAX_FINDINGS) return out;
  const rest = out.slice(MAX_FINDINGS);
  return [
    ...out.slice(0, MAX_FINDINGS),
    finding({
      id: `${check}-more`,
      check,
      severity: rest.some((x) => x.severity === "error") ? "error" : "warning",
      title: `${rest.length} more kinds like these`,
      detail: "Only the first findings of this check are listed.",
      items: rest.map((x) => x.title),
    }),
  ];
}

function apiChecks(
  f: PreflightFacts,
  input: RestoreInput,
  selected: SelectedItem[],
  resolve: ReturnType<typeof resolver>,
) {
  const out: PreflightFinding[] = [];
  if (!f.target.served) {
    out.push(
      finding({
        id: "apis-unread",
        check: "apis",
        severity: "warning",
        title: `What ${f.target.name} serves could not be read`,
        detail: `${f.target.servedError ?? "Reason unknown"}. Kinds the cluster does not serve were not checked.`,
      }),
    );
    return out;
  }
  const groups = new Map<string, { r: Resolution; items: SelectedItem[]; item: ContentItem }>();
  for (const s of selected) {
    const r = resolve(s.item);
    if (r.kind === "served" || r.kind === "crd-restored" || r.kind === "unknown") continue;
    // An unserved version is per version; a kind missing altogether is one finding whatever versions it has.
    const key = r.kind === "version" ? `${s.item.resource}|${s.item.groupVersion}` : s.item.resource;
    const g = groups.get(key) ?? { r, items: [], item: s.item };
    g.items.push(s);
    groups.set(key, g);
  }
  for (const { r, items, item } of groups.values()) {
    const gvk = `${item.groupVersion} ${item.kind}`;
    const exclusion = excludeFix(input, item);
    const exclude = exclusion?.fix ?? null;
    const excludeLabel = exclusion?.fixLabel ?? null;
    const names = items.map(where);
    const group = groupOf(item.groupVersion);
    if (r.kind === "version")
      out.push(
        finding({
          id: `api-version:${item.resource}:${item.groupVersion}`,
          check: "apis",
          severity: "error",
          title: `${f.target.name} does not serve ${gvk}`,
          detail:
            `The backup stored ${plural(items.length, "object")} at ${item.groupVersion}; ${f.target.name} serves ` +
            `${item.resource} only at ${r.served.join(", ")}. Velero restores each object at its stored version, so ` +
            'each fails ("the server could not find the requested resource"). Exclude them, or convert them by hand ' +
            "after the restore.",
          items: names,
          fix: exclude,
          fixLabel: excludeLabel,
        }),
      );
    else if (r.kind === "crd-not-restored")
      out.push(
        finding({
          id: `crd-not-restored:${item.resource}`,
          check: "crds",
          severity: "error",
          title: `The CRD ${item.resource} is in the backup but this restore leaves it out`,
          detail:
            `${f.target.name} has no CustomResourceDefinition ${item.resource}. The backup holds it, but cluster-scoped ` +
            `resources are not restored with these options, so Velero would pass over ${plural(items.length, "object")} ` +
            `of kind ${item.kind} without an error. Restore cluster-scoped resources (needs CLUSTER_ADMIN) or exclude them.`,
          items: names,
          fix: { kind: "includeClusterResources" },
          fixLabel: "Restore cluster-scoped resources",
          altFix: exclude,
          altFixLabel: excludeLabel,
        }),
      );
    else if (isCustomGroup(group))
      out.push(
        finding({
          id: `crd-missing:${item.resource}`,
          check: "crds",
          severity: "error",
          title: `${f.target.name} has no CustomResourceDefinition ${item.resource}`,
          detail:
            `The backup holds ${plural(items.length, "object")} of kind ${item.kind} (${item.groupVersion}) but not its ` +
            "CRD. Velero passes over a kind the cluster does not serve without an error, so they would silently not " +
            `come back. Install the CRD (and its operator) on ${f.target.name} first, or exclude them.`,
          items: names,
          fix: exclude,
          fixLabel: excludeLabel,
        }),
      );
    else
      out.push(
        finding({
          id: `api-missing:${item.resource}`,
          check: "apis",
          severity: "error",
          title: `${f.target.name} does not serve ${gvk} at all`,
          detail:
            `The backup holds ${plural(items.length, "object")} of kind ${item.kind}; ${f.target.name} serves no version of ` +
            `${item.resource} (removed or not enabled there). Velero would pass over them without an error.`,
          items: names,
          fix: exclude,
          fixLabel: excludeLabel,
        }),
      );
  }
  const unknown = [
    ...new Set(selected.filter((x) => resolve(x.item).kind === "unknown").map((x) => x.item.groupVersion)),
  ];
  if (unknown.length)
    out.push(
      finding({
        id: "apis-unavailable",
        check: "apis",
        severity: "note",
        title: `${f.target.name} did not say what ${unknown.join(", ")} serve${unknown.length === 1 ? "s" : ""}`,
        detail:
          "Their discovery did not answer (an aggregated API that is down answers 503): whether the backup's objects " +
          "of these groups can be restored was not checked.",
        items: unknown,
      }),
    );
  return capped(out, "apis");
}

/**
 * A PersistentVolume is re-provisioned (skipped) or restored as Velero decides it (pkg/restore/restore.go): its claim's
 * data comes back through Kopia or a CSI snapshot → re-provisioned; a native snapshot → created from it; no data →
 * re-provisioned when its reclaim policy is Delete, else restored as it was.
 */
function reprovisionedVolumes(f: PreflightFacts, input: RestoreInput): (name: string) => boolean {
  const method = new Map(
    (f.backup.volumes ?? [])
      .filter((v) => !v.skipped && v.pvc)
      .map((v) => [`${v.namespace}/${v.pvc}`, v.backupMethod] as const),
  );
  const pvs = new Map((f.backup.contents?.volumes ?? []).map((v) => [v.name, v] as const));
  return (name) => {
    const pv = pvs.get(name);
    const m = pv?.claim ? method.get(`${pv.claim.namespace}/${pv.claim.name}`) : undefined;
    if (m === "PodVolumeBackup" || m === "CSISnapshot") return true;
    if (m === "NativeSnapshot" && input.restorePVs) return false;
    return (pv?.reclaimPolicy ?? "Delete") === "Delete";
  };
}

/** The storage classes the restored claims, volumes and StatefulSet templates name, after the mapping. */
function storageClassChecks(f: PreflightFacts, input: RestoreInput, selected: SelectedItem[]): PreflightFinding[] {
  const contents = f.backup.contents!;
  const classes = f.target.storageClasses;
  if (!classes)
    return [
      finding({
        id: "storage-classes-unread",
        check: "storageClasses",
        severity: "warning",
        title: `${f.target.name}'s storage classes could not be read`,
        detail: "The storage classes of the backup's volumes were not checked.",
      }),
    ];
  const mapping = input.storageClassMapping ?? {};
  const have = new Set(classes.map((c) => c.name));
  const def = classes.find((c) => c.isDefault) ?? null;
  const uses = new Map<string, string[]>();
  const use = (cls: string | null, what: string) => {
    if (!cls) return;
    uses.set(cls, [...(uses.get(cls) ?? []), what]);
  };
  const picked = new Set(selected.map((s) => `${s.item.resource}|${s.item.namespace ?? ""}|${s.item.name}`));
  for (const c of contents.claims)
    if (picked.has(`persistentvolumeclaims|${c.namespace}|${c.name}`))
      use(c.storageClass, `claim ${c.namespace}/${c.name}`);
  // A volume that is re-provisioned for its claim is not restored: its class does not matter.
  const reprovisioned = reprovisionedVolumes(f, input);
  for (const v of contents.volumes)
    if (picked.has(`persistentvolumes||${v.name}`) && !reprovisioned(v.name)) use(v.storageClass, `volume ${v.name}`);
  for (const s of contents.statefulSets)
    if (picked.has(`statefulsets.apps|${s.namespace}|${s.name}`))
      for (const cls of s.storageClasses) use(cls, `StatefulSet ${s.namespace}/${s.name}`);
  const out: PreflightFinding[] = [];
  for (const [cls, what] of uses) {
    const to = mapping[cls];
    if (to !== undefined) {
      if (!have.has(to))
        out.push(
          finding({
            id: `storage-class-map-missing:${cls}`,
            check: "storageClasses",
            severity: "error",
            title: `The mapping sends ${cls} to ${to}, which ${f.target.name} does not have`,
            detail:
              `Velero's change-storage-class action fails every item whose new class does not exist. ${f.target.name} ` +
              `has ${classes.map((c) => c.name).join(", ") || "no storage class"}.`,
            items: what,
            ...(def
              ? { fix: { kind: "mapStorageClass", from: cls, to: def.name }, fixLabel: `Map ${cls} to ${def.name}` }
              : {}),
          }),
        );
      continue;
    }
    if (have.has(cls)) continue;
    const target = def ?? (classes.length === 1 ? classes[0] : null);
    out.push(
      finding({
        id: `storage-class-missing:${cls}`,
        check: "storageClasses",
        severity: "error",
        title: `${f.target.name} has no storage class ${cls}`,
        detail:
          `${plural(what.length, "object")} of the backup ask for ${cls}. Their claims would stay Pending and their ` +
          `volume data would not be restored. Map ${cls} to a class ${f.target.name} has ` +
          `(${classes.map((c) => c.name + (c.isDefault ? " (default)" : "")).join(", ") || "it has none"}).`,
        items: what,
        ...(target
          ? { fix: { kind: "mapStorageClass", from: cls, to: target.name }, fixLabel: `Map ${cls} to ${target.name}` }
          : {}),
      }),
    );
  }
  return out;
}

const FOREIGN: Record<string, string> = {
  "mutatingwebhookconfigurations.admissionregistration.k8s.io": "mutating webhook configuration",
  "validatingwebhookconfigurations.admissionregistration.k8s.io": "validating webhook configuration",
  "apiservices.apiregistration.k8s.io": "API service",
  "csidrivers.storage.k8s.io": "CSI driver",
};

/** Cluster-scoped objects that tie a cluster to its platform, restored into another cluster. */
function clusterScopedChecks(f: PreflightFacts, input: RestoreInput, selected: SelectedItem[]): PreflightFinding[] {
  if (f.backup.sameCluster) return [];
  const by = new Map<string, SelectedItem[]>();
  for (const s of selected)
    // Kubernetes' own APIServices (v1.apps, …) are managed by the API server; Velero's APIService action skips them.
    if (FOREIGN[s.item.resource] && !s.item.labels["kube-aggregator.kubernetes.io/automanaged"])
      by.set(s.item.resource, [...(by.get(s.item.resource) ?? []), s]);
  return [...by].map(([resource, items]) =>
    finding({
      id: `foreign:${resource}`,
      check: "clusterScoped",
      severity: "warning",
      title: `${plural(items.length, FOREIGN[resource])} from ${f.backup.sourceCluster ?? "another cluster"}`,
      detail:
        `${resource} belong to the platform of the cluster that was backed up (its admission webhooks, aggregated ` +
        `APIs, storage drivers). Restored into ${f.target.name} they may point at services that do not run there and ` +
        "block or break requests. Exclude them unless the same components run on the target.",
      items: items.map(where),
      ...(excludeFix(input, items[0].item) ?? {}),
    }),
  );
}

/** Velero's resource filters for a built-in kind the restore may not hold items of (restoreItem's ShouldInclude). */
const includes = (input: RestoreInput, resource: string, kind: string) =>
  resourceSelected(input, { resource, kind, groupVersion: "v1", namespace: null, name: "", labels: {} });

function volumeChecks(f: PreflightFacts, input: RestoreInput, selected: SelectedItem[]): PreflightFinding[] {
  // Pod volumes come back through PodVolumeRestores whenever the restore includes claims and volumes, whatever
  // restorePVs says ("Do not create podvolumerestore when current restore excludes pv/pvc", pkg/restore/restore.go);
  // moved data and snapshots only with restorePVs.
  const podVolumes =
    includes(input, "persistentvolumeclaims", "PersistentVolumeClaim") &&
    includes(input, "persistentvolumes", "PersistentVolume");
  if (!podVolumes && !input.restorePVs) return [];
  const vols = f.backup.volumes;
  if (!vols)
    return [
      finding({
        id: "volumes-unread",
        check: "volumes",
        severity: "note",
        title: "The backup's volume information could not be read",
        detail: `${f.backup.volumesError ?? "Reason unknown"}. How its volume data would be restored was not checked.`,
      }),
    ];
  const namespaces = new Set(selected.filter((s) => s.item.namespace).map((s) => s.item.namespace!));
  const inScope = vols.filter((v) => !v.skipped && !v.failed && namespaces.has(v.namespace));
  const label = (v: ObservedVolume) => `${v.namespace}/${v.pvc ?? `${v.pod ?? "?"}:${v.volumeName ?? "?"}`}`;
  const out: PreflightFinding[] = [];
  // Kopia restores a pod's volumes into the restored pod; moved data into the restored claim.
  const restored = (resource: string) =>
    new Set(selected.filter((x) => x.item.resource === resource).map((x) => `${x.item.namespace}/${x.item.name}`));
  const pods = restored("pods");
  const claims = restored("persistentvolumeclaims");
  const fsb = podVolumes
    ? inScope.filter((v) => v.backupMethod === "PodVolumeBackup" && v.pod && pods.has(`${v.namespace}/${v.pod}`))
    : [];
  const moved = input.restorePVs
    ? inScope.filter((v) => v.backupMethod === "CSISnapshot" && v.dataMoved && claims.has(`${v.namespace}/${v.pvc}`))
    : [];
  const podItem = selected.find((x) => x.item.resource === "pods")?.item;
  const leavePodsOut = podItem ? excludeFix(input, podItem) : null;
  const needAgent = [...fsb, ...moved];
  if (needAgent.length && f.target.nodeAgent === false)
    out.push(
      finding({
        id: "volumes-no-node-agent",
        check: "volumes",
        severity: "error",
        title: `${f.target.name} has no node-agent for the backup's ${fsb.length ? "file-system" : "moved"} volume data`,
        detail:
          `${plural(needAgent.length, "volume was", "volumes were")} backed up with Kopia (file-system backup or ` +
          "snapshot data movement); restoring them needs Velero's node-agent on the target. You cannot restore a " +
          "backup that contains Kopia volumes on a cluster without Kopia: enable file-system backup on the cluster's " +
          "Data protection tab" +
          (fsb.length
            ? ", or leave the pods out: their controllers recreate them, and the claims get new, empty volumes " +
              "(Velero restores pod volumes into every restored pod, with or without volume data)."
            : ", or restore without volume data."),
        items: needAgent.map(label),
        ...(fsb.length
          ? leavePodsOut && { fix: leavePodsOut.fix, fixLabel: "Exclude pods (claims get new, empty volumes)" }
          : { fix: { kind: "skipVolumeData" }, fixLabel: "Restore without volume data" }),
      }),
    );
  else if (needAgent.length && f.target.nodeAgent === null)
    out.push(
      finding({
        id: "volumes-node-agent-unknown",
        check: "volumes",
        severity: "note",
        title: `Whether ${f.target.name} runs Velero's node-agent is not known`,
        detail: `${plural(needAgent.length, "volume needs", "volumes need")} it to be restored (Kopia data).`,
        items: needAgent.map(label),
      }),
    );
  if (!f.backup.sameCluster && input.restorePVs) {
    const snaps = inScope.filter(
      (v) => (v.backupMethod === "CSISnapshot" && !v.dataMoved) || v.backupMethod === "NativeSnapshot",
    );
    if (snaps.length)
      out.push(
        finding({
          id: "volumes-snapshots-elsewhere",
          check: "volumes",
          severity: "warning",
          title:
            `${plural(snaps.length, "volume is a snapshot", "volumes are snapshots")} kept in ` +
            `${f.backup.sourceCluster ?? "the source cluster"}'s storage`,
          detail:
            "CSI snapshots without data movement (and native snapshots) stay in the storage system that took them: " +
            `they restore on ${f.target.name} only if it reaches the same storage backend with the same driver (and, ` +
            "for native snapshots, the same cloud account and region). Back up with data movement to make them portable.",
          items: snaps.map(label),
          fix: { kind: "skipVolumeData" },
          fixLabel: "Restore without volume data",
        }),
      );
  }
  return out;
}

function namespaceChecks(f: PreflightFacts, input: RestoreInput, selected: SelectedItem[]): PreflightFinding[] {
  const existing = new Set(f.target.namespaces ?? []);
  const targets = [...new Set(selected.map((s) => s.targetNamespace).filter((n): n is string => n !== null))].sort();
  const present = targets.filter((n) => existing.has(n));
  if (!f.target.namespaces || !present.length) return [];
  const update = input.existingResourcePolicy === "update";
  return [
    finding({
      id: "namespaces-exist",
      check: "namespaces",
      severity: update ? "warning" : "note",
      title: `${are(present.length, "namespace")} on ${f.target.name}`,
      detail: update
        ? "Objects there that the backup also holds are updated to their backed-up state (existing-resource policy " +
          "update); the prediction below counts them."
        : "Objects there that the backup also holds are left as they are, each with a warning (existing-resource " +
          "policy none); the prediction below counts them as skipped. Map the namespaces to new ones to restore beside them.",
      items: present,
    }),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// The prediction (#14 §2)
// ---------------------------------------------------------------------------------------------------------------

/** A list of these returns their data: Lifeboat never lists them, and the prediction says so. */
const NEVER_LISTED = new Set(["secrets", "configmaps"]);
/** At most this many rows of a prediction are kept (a namespace × kind each). */
const MAX_ROWS = 2_000;

/** The target's objects to read for the prediction: per kind it serves and namespace restored into. */
export function existingQueries(
  facts: Omit<PreflightFacts, "existing">,
  input: RestoreInput,
): { resource: string; groupVersion: string; plural: string; namespaced: boolean; namespace: string | null }[] {
  if (!facts.backup.contents || !facts.target.served) return [];
  const selected = selectItems(facts.backup.contents, input);
  const resolve = resolver({ ...facts, existing: new Map() }, selected);
  const out = new Map<string, ReturnType<typeof existingQueries>[number]>();
  for (const s of selected) {
    const r = resolve(s.item);
    if (r.kind !== "served" || NEVER_LISTED.has(s.item.resource)) continue;
    const key = existingKey(s.item.resource, s.targetNamespace);
    if (!out.has(key))
      out.set(key, {
        resource: s.item.resource,
        groupVersion: r.as.groupVersion,
        plural: r.as.resource,
        namespaced: r.as.namespaced,
        namespace: s.targetNamespace,
      });
  }
  return [...out.values()];
}

const zero = (): PredictionCounts => ({ create: 0, skip: 0, update: 0, fail: 0, dropped: 0 });

function predict(
  f: PreflightFacts,
  input: RestoreInput,
  selected: SelectedItem[],
  resolve: ReturnType<typeof resolver>,
  failingClasses: Set<string>,
): RestorePrediction {
  const rows = new Map<string, PredictionRow>();
  const caveats = new Set<string>();
  const total = zero();
  const claimClass = new Map(
    (f.backup.contents?.claims ?? []).map((c) => [`${c.namespace}/${c.name}`, c.storageClass] as const),
  );
  const pvClass = new Map((f.backup.contents?.volumes ?? []).map((v) => [v.name, v.storageClass] as const));
  const reprovisioned = reprovisionedVolumes(f, input);
  const names = new Map<string, Set<string> | string>();
  const existingOf = (key: string) => {
    let n = names.get(key);
    if (n === undefined) {
      const e = f.existing.get(key);
      n =
        e === undefined
          ? NEVER_LISTED.has(key.split("|")[0])
            ? "Lifeboat does not list them: a list would return their data"
            : "not read"
          : Array.isArray(e)
            ? new Set(e)
            : (e as { error: string }).error;
      names.set(key, n);
    }
    return n;
  };
  for (const s of selected) {
    const ns = s.item.resource === "namespaces" ? s.targetName : s.targetNamespace;
    const r = resolve(s.item);
    // A namespace that exists is used as it is: Velero records nothing for it.
    if (s.item.resource === "namespaces" && r.kind === "served") {
      const names = existingOf(existingKey("namespaces", null));
      if (typeof names !== "string" && names.has(s.targetName)) continue;
    }
    const rowKey = `${ns ?? ""}|${s.item.groupVersion}|${s.item.kind}`;
    let row = rows.get(rowKey);
    if (!row) {
      row = { namespace: ns, kind: s.item.kind, groupVersion: s.item.groupVersion, ...zero(), unknownExisting: null };
      rows.set(rowKey, row);
    }
    let outcome: keyof PredictionCounts;
    if (r.kind === "unserved" || r.kind === "crd-not-restored") outcome = "dropped";
    else if (r.kind === "version") outcome = "fail";
    else {
      const cls =
        s.item.resource === "persistentvolumeclaims"
          ? claimClass.get(`${s.item.namespace}/${s.item.name}`)
          : s.item.resource === "persistentvolumes"
            ? pvClass.get(s.item.name)
            : null;
      // A namespace that does not exist on the target holds nothing yet: no need to have read it. The target's
      // namespaces are known from their own list.
      const absent =
        s.targetNamespace !== null && f.target.namespaces !== null && !f.target.namespaces.includes(s.targetNamespace);
      const pvSkipped = s.item.resource === "persistentvolumes" && reprovisioned(s.item.name);
      const existing: Set<string> | string =
        r.kind !== "served" || absent || pvSkipped
          ? new Set<string>()
          : s.item.resource === "namespaces" && f.target.namespaces
            ? new Set(f.target.namespaces)
            : existingOf(existingKey(s.item.resource, s.targetNamespace));
      const mapped = cls ? (input.storageClassMapping?.[cls] ?? cls) : null;
      if (typeof existing === "string") {
        row.unknownExisting = existing;
        caveats.add(`${s.item.kind} on ${f.target.name} could not be read (${existing}): counted as created`);
      }
      const exists = typeof existing !== "string" && existing.has(s.targetName);
      if (pvSkipped) outcome = "skip";
      else if (exists)
        outcome =
          s.item.resource !== "namespaces" &&
          (input.existingResourcePolicy === "update" || s.item.resource === "serviceaccounts")
            ? "update"
            : "skip";
      else if (mapped && cls && failingClasses.has(cls)) outcome = "fail";
      else outcome = "create";
    }
    row[outcome]++;
    total[outcome]++;
  }
  if (f.backup.contents?.truncated)
    caveats.add("The backup holds more objects than Lifeboat reads: counts are partial");
  if (rows.size > MAX_ROWS)
    caveats.add(`Only the first ${MAX_ROWS} rows (namespace and kind) are listed; the totals count all`);
  const list = [...rows.values()].sort(
    (a, b) =>
      (a.namespace ?? "").localeCompare(b.namespace ?? "") ||
      a.kind.localeCompare(b.kind) ||
      a.groupVersion.localeCompare(b.groupVersion),
  );
  return { rows: list.slice(0, MAX_ROWS), total, caveats: [...caveats] };
}

// ---------------------------------------------------------------------------------------------------------------

const ORDER = { error: 0, warning: 1, note: 2 } as const;

/** Every check, worst first, and the prediction. */
export function preflight(
  facts: PreflightFacts,
  input: RestoreInput,
  meta: { clusterId: string; backupName: string },
): PreflightResult {
  const findings = [...backupChecks(facts), ...versionCheck(facts)];
  let prediction: RestorePrediction | null = null;
  const contents = facts.backup.contents;
  if (contents) {
    const selected = selectItems(contents, input);
    const resolve = resolver(facts, selected);
    const classFindings = storageClassChecks(facts, input, selected);
    findings.push(
      ...apiChecks(facts, input, selected, resolve),
      ...classFindings,
      ...clusterScopedChecks(facts, input, selected),
      ...volumeChecks(facts, input, selected),
      ...namespaceChecks(facts, input, selected),
    );
    const failing = new Set(
      classFindings.filter((c) => c.id.startsWith("storage-class-map-missing:")).map((c) => c.id.split(":")[1]),
    );
    // Without the target's discovery nothing can be predicted (the apis-unread finding says why).
    prediction = facts.target.served ? predict(facts, input, selected, resolve, failing) : null;
  } else findings.push(...volumeChecks(facts, input, []));
  findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const verdict = findings.some((x) => x.severity === "error")
    ? "errors"
    : findings.some((x) => x.severity === "warning")
      ? "warnings"
      : "pass";
  return {
    clusterId: meta.clusterId,
    clusterName: facts.target.name,
    backupName: meta.backupName,
    checkedAt: facts.now,
    verdict,
    findings,
    prediction,
  };
}
