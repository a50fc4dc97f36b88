import { VELERO_NAMESPACE } from "./access";
import type { ClusterClient, WatchEnd, WatchEventType } from "./cluster-client";
import {
  projectNamespace,
  projectPod,
  projectPv,
  projectPvc,
  projectSnapshotClass,
  projectSnapshotLocation,
} from "./coverage-projections";
import { RESOURCES, type KubeObject, type ResourceRef } from "./resources";

// The list+watch half of the sync engine, over the cluster-access port: paginated lists and resumable watches of any
// kind, each object reduced by the kind's projection to what the read model keeps.
export interface SyncedKind {
  /** The read model's name for the kind (the plural, e.g. "backups"). */
  kind: string;
  version: string;
  resource: ResourceRef;
  /** What the read model keeps of an object (default: labels, spec and status). */
  project?: (o: KubeObject) => { spec: unknown; status: unknown };
  /**
   * Where: "velero" = Velero's namespace (its own objects); "cluster" = every namespace, or the cluster-scoped kind
   * itself (what volume coverage reads: pods, claims, volumes, snapshot classes, namespaces).
   */
  scope: "velero" | "cluster";
  /** The cluster may not serve the kind (a CRD that is not installed): a 404 is a state, not a failure to retry soon. */
  optional?: boolean;
}

const synced = (r: ResourceRef, more: Partial<SyncedKind> = {}): SyncedKind => ({
  kind: r.plural,
  version: r.version,
  resource: r,
  scope: "velero",
  ...more,
});

export const SYNCED_KINDS: readonly SyncedKind[] = [
  synced(RESOURCES.backups),
  synced(RESOURCES.restores),
  synced(RESOURCES.schedules),
  synced(RESOURCES.backupstoragelocations),
  synced(RESOURCES.deletebackuprequests),
  synced(RESOURCES.podvolumebackups),
  synced(RESOURCES.datauploads),
  // Not served until Velero's CRDs are installed (a cluster where Lifeboat has not installed Velero yet).
  synced(RESOURCES.volumesnapshotlocations, { project: projectSnapshotLocation, optional: true }),
  // Volume coverage (#13): the cluster's side, reduced to what the rules read.
  synced(RESOURCES.namespaces, { scope: "cluster", project: projectNamespace }),
  synced(RESOURCES.pods, { scope: "cluster", project: projectPod }),
  synced(RESOURCES.persistentvolumeclaims, { scope: "cluster", project: projectPvc }),
  synced(RESOURCES.persistentvolumes, { scope: "cluster", project: projectPv }),
  synced(RESOURCES.volumesnapshotclasses, { scope: "cluster", project: projectSnapshotClass, optional: true }),
];

/** The kinds volume coverage reads (SyncedKind.kind). */
export const COVERAGE_KINDS = SYNCED_KINDS.filter((k) => k.scope === "cluster").map((k) => k.kind);

export interface VeleroItem {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  labels: Record<string, string>;
  spec: unknown;
  status: unknown;
  creationTimestamp?: string;
}

export type { WatchEnd, WatchEventType };

export function toItem(kind: SyncedKind | string, o: KubeObject): VeleroItem {
  const k = typeof kind === "string" ? { kind } : kind;
  const md = o.metadata ?? {};
  const created = md.creationTimestamp as string | Date | undefined;
  const iso = created instanceof Date ? created.toISOString() : created;
  const fields = "project" in k && k.project ? k.project(o) : { spec: o.spec ?? {}, status: o.status ?? {} };
  return {
    kind: k.kind,
    namespace: md.namespace ?? "",
    name: md.name ?? "",
    uid: md.uid ?? "",
    resourceVersion: md.resourceVersion ?? "",
    labels: md.labels ?? {},
    spec: fields.spec ?? {},
    status: fields.status ?? {},
    ...(iso ? { creationTimestamp: iso } : {}),
  };
}

/**
 * Lists every object of `kind` in the namespace in pages (LIST_PAGE_SIZE, 500) following `continue`, handing each
 * page to `onPage`; a page with more items than asked for is refused (CapExceededError).
 * When a continue token has expired (410), the list starts again once (`onRestart`). Returns the list's
 * resourceVersion, to watch from.
 */
export function listKind(
  c: ClusterClient,
  kind: SyncedKind,
  opts: {
    namespace?: string;
    pageSize?: number;
    onPage?: (items: VeleroItem[]) => Promise<void>;
    onRestart?: () => Promise<void> | void;
  } = {},
): Promise<{ resourceVersion: string; count: number }> {
  return c.listAll(kind.resource, {
    namespace: opts.namespace ?? VELERO_NAMESPACE,
    limit: opts.pageSize,
    onPage: (items) => opts.onPage?.(items.map((o) => toItem(kind, o))),
    onRestart: opts.onRestart,
  });
}

/** Watches `kind` from `resourceVersion` (see ClusterClient.watch), handing projected items to `onEvent`. */
export function watchKind(
  c: ClusterClient,
  kind: SyncedKind,
  resourceVersion: string,
  onEvent: (type: WatchEventType, item: VeleroItem) => Promise<void> | void,
  opts: {
    namespace?: string;
    inactivityMs?: number;
    timeoutSeconds?: number;
    onOpen?: () => void;
    maxLineBytes?: number;
  } = {},
): { done: Promise<WatchEnd>; stop(): void } {
  return c.watch(kind.resource, resourceVersion, (type, o) => onEvent(type, toItem(kind, o)), {
    ...opts,
    namespace: opts.namespace ?? VELERO_NAMESPACE,
  });
}
