import { mapBounded } from "@/lib/bounded";
import type { ClusterClient } from "./cluster-client";
import { ClusterError, ResourceExpiredError } from "./errors";
import { RESOURCES, type KubeObject, type ResourceRef } from "./resources";
import { CapExceededError } from "./session";
import {
  compareServed,
  coreGroupVersions,
  isResourceName,
  namedGroupVersions,
  resourceListPath,
  servedResourcesOf,
  splitGroupVersion,
  type GroupVersionRef,
  type ServedResource,
} from "./discovery-documents";

export type { ServedResource } from "./discovery-documents";

// What a restore's pre-flight check reads on its target cluster (#14): the kinds the API server serves (legacy
// discovery, every served version of every group), the StorageClasses with their provisioners and which is the
// default, and the names of the objects of one kind, to tell which of a backup's objects already exist. Only reads,
// each bounded; every failure is a ClusterError.

/** Discovery requests in flight at once (kubectl's discovery runs one per group-version, unbounded). */
export const DISCOVERY_CONCURRENCY = 4;
/** The most group-versions Lifeboat reads the resources of (a cluster with hundreds of CRD groups stays well below). */
export const MAX_GROUP_VERSIONS = 400;
/** The most kinds one discovery keeps, over all group-versions. */
export const MAX_SERVED_RESOURCES = 20_000;
/** The largest discovery document read (core/v1's resource list, the largest built-in one, is about 11 KiB). */
export const MAX_DISCOVERY_DOC_BYTES = 2 * 1024 * 1024;
/** The most object names objectNames returns; past it the answer says it is truncated. */
export const MAX_OBJECT_NAMES = 10_000;

export interface ServedResources {
  resources: ServedResource[];
  /**
   * Group-versions the server lists but whose resources it did not answer (an aggregated API such as metrics.k8s.io
   * answering 503, a timeout, a document that is no resource list): which kinds they serve is unknown.
   */
  unavailable: string[];
}

/**
 * Whether a group-version's failed read leaves it unavailable (true), means it is no longer served (null: a CRD
 * removed between /apis and its document answers 404), or fails the whole read (false: the credentials or the
 * connection to the cluster failed, which no other group-version would survive either).
 */
function groupVersionFailure(e: unknown): boolean | null {
  if (!(e instanceof ClusterError)) return false;
  if (e.status === 404) return null;
  if (e.status === 401 || e.kind === "Unauthorized" || e.kind === "Unreachable" || e.kind === "TLS") return false;
  return true;
}

/**
 * The kinds the cluster serves, by legacy discovery: GET /api and /apis for the group-versions, then the resource
 * list of every one of them (at most DISCOVERY_CONCURRENCY at a time), subresources left out. A group-version whose
 * list fails is named in `unavailable` instead of failing the whole read; /api or /apis failing, or more than
 * MAX_GROUP_VERSIONS group-versions, fails it.
 */
export async function servedResources(c: ClusterClient): Promise<ServedResources> {
  const [core, named] = await Promise.all([
    c.session.request<unknown>("discover the core API versions (GET /api)", {
      path: "/api",
      maxBytes: MAX_DISCOVERY_DOC_BYTES,
    }),
    c.session.request<unknown>("discover the API groups (GET /apis)", {
      path: "/apis",
      maxBytes: MAX_DISCOVERY_DOC_BYTES,
    }),
  ]);
  const groupVersions = [...coreGroupVersions(core), ...namedGroupVersions(named)];
  if (groupVersions.length > MAX_GROUP_VERSIONS)
    throw new CapExceededError(
      `The cluster at ${c.server} serves ${groupVersions.length} API group-versions, more than the ` +
        `${MAX_GROUP_VERSIONS} Lifeboat reads; it did not read which kinds the cluster serves`,
    );
  const resources: ServedResource[] = [];
  const unavailable: string[] = [];
  await mapBounded(groupVersions, DISCOVERY_CONCURRENCY, async (gv: GroupVersionRef) => {
    const path = resourceListPath(gv);
    let doc: unknown;
    try {
      doc = await c.session.request<unknown>(`discover the resources of ${gv.groupVersion} (GET ${path})`, {
        path,
        maxBytes: MAX_DISCOVERY_DOC_BYTES,
      });
    } catch (e) {
      const failure = groupVersionFailure(e);
      if (failure === false) throw e;
      if (failure) unavailable.push(gv.groupVersion);
      return;
    }
    const served = servedResourcesOf(doc, gv);
    if (!served) {
      unavailable.push(gv.groupVersion);
      return;
    }
    if (resources.length + served.length > MAX_SERVED_RESOURCES)
      throw new CapExceededError(
        `The cluster at ${c.server} serves more than ${MAX_SERVED_RESOURCES} kinds, more than Lifeboat reads; ` +
          "it did not read which kinds the cluster serves",
      );
    resources.push(...served);
  });
  return { resources: resources.sort(compareServed), unavailable: unavailable.sort() };
}

export interface StorageClassFacts {
  name: string;
  provisioner: string;
  /** Annotated storageclass.kubernetes.io/is-default-class: "true" (or the beta annotation). */
  isDefault: boolean;
}

export const DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
export const BETA_DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class";

/** The StorageClasses, by name: their provisioner and whether they are a default class (several may be). */
export async function storageClassFacts(c: ClusterClient): Promise<StorageClassFacts[]> {
  const items = await c.listItems<KubeObject & { provisioner?: unknown }>(RESOURCES.storageclasses);
  return items
    .filter((sc) => typeof sc.metadata?.name === "string" && sc.metadata.name)
    .map((sc) => {
      const a = sc.metadata?.annotations ?? {};
      return {
        name: sc.metadata!.name!,
        provisioner: typeof sc.provisioner === "string" ? sc.provisioner : "",
        isDefault:
          a[DEFAULT_STORAGE_CLASS_ANNOTATION] === "true" || a[BETA_DEFAULT_STORAGE_CLASS_ANNOTATION] === "true",
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One kind as discovery names it (a ServedResource fits). */
export interface ObjectKind {
  groupVersion: string;
  resource: string;
  namespaced: boolean;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The names of the objects of one kind in `namespace` (a namespaced kind) or cluster-wide (a cluster-scoped kind),
 * sorted, read in pages; at most `max` (MAX_OBJECT_NAMES) of them, in the server's order, with `truncated` when
 * there are more. A kind Lifeboat may not list is a ClusterError with status 403, one the cluster does not serve 404.
 * The kind may come from a backup's contents, so a group, version, resource or namespace that is no valid name is
 * refused before any request.
 */
export async function objectNames(
  c: ClusterClient,
  r: ObjectKind,
  namespace?: string,
  o: { max?: number; pageSize?: number } = {},
): Promise<{ names: string[]; truncated: boolean }> {
  const gv = splitGroupVersion(r.groupVersion);
  const label = `${r.resource}${gv?.group ? `.${gv.group}` : ""}`;
  if (!gv || !isResourceName(r.resource))
    throw new ClusterError(`Lifeboat will not list "${r.resource}" in "${r.groupVersion}": not a valid kind`, "Other");
  if (r.namespaced && !namespace)
    throw new ClusterError(`Lifeboat lists ${label} one namespace at a time, and no namespace was given`, "Other");
  if (r.namespaced && (namespace!.length > 63 || !NAMESPACE.test(namespace!)))
    throw new ClusterError(`Lifeboat will not list ${label} in "${namespace}": not a valid namespace name`, "Other");
  const max = o.max ?? MAX_OBJECT_NAMES;
  const pageSize = o.pageSize ?? 500;
  const ref: ResourceRef = { ...gv, plural: r.resource, kind: label, namespaced: r.namespaced };
  const ns = r.namespaced ? namespace : undefined;
  for (let attempt = 0; ; attempt++) {
    const names: string[] = [];
    let cont: string | undefined;
    try {
      do {
        // One more than is kept, so that a full answer tells whether there are more.
        const limit = Math.min(pageSize, max + 1 - names.length);
        const page = await c.list(ref, { namespace: ns, limit, continue: cont });
        for (const item of page.items ?? []) {
          const name = item?.metadata?.name;
          if (typeof name === "string" && name) names.push(name);
        }
        cont = page.metadata?.continue || undefined;
      } while (cont && names.length <= max);
      const truncated = names.length > max;
      return { names: names.slice(0, max).sort(), truncated };
    } catch (e) {
      // A continue token past the server's history (410): the list starts again once.
      if (e instanceof ResourceExpiredError && cont && attempt === 0) continue;
      throw e;
    }
  }
}
