// The legacy discovery documents of a Kubernetes API server, read as untrusted input: /api (APIVersions), /apis
// (APIGroupList) and /api/<v>, /apis/<group>/<version> (APIResourceList). Pure; server/kube/discovery.ts fetches them.
// Entries that are not what kube-apiserver sends (a malformed name, a group or version that is no path segment) are
// left out rather than trusted into a request path.

/** One kind the API server serves at one group-version. */
export interface ServedResource {
  /** "v1" for the core group, "apps/v1" otherwise. */
  groupVersion: string;
  kind: string;
  /** The plural resource name of the path ("deployments"). */
  resource: string;
  namespaced: boolean;
  /** This group-version is its group's preferred version (the one Velero backs up and restores by default). */
  preferred: boolean;
}

/** A group-version to read the resources of. */
export interface GroupVersionRef {
  group: string;
  version: string;
  groupVersion: string;
  preferred: boolean;
}

// A group is a DNS subdomain (CRD groups must be; built-in ones are), a version a DNS label (v1, v2beta1, v1alpha3).
const GROUP = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VERSION = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// A resource (plural) name: a CRD's is a DNS label; built-in ones are lowercase letters.
const RESOURCE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// A kind is CamelCase; a CRD's lowercased kind is a DNS label, so it may hold "-".
const KIND = /^[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?$/;

export const isGroupName = (s: string) => s.length <= 253 && GROUP.test(s);
export const isVersionName = (s: string) => s.length <= 63 && VERSION.test(s);
export const isResourceName = (s: string) => s.length <= 63 && RESOURCE.test(s);

const asObject = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** "apps/v1" → { group: "apps", version: "v1" }; "v1" → the core group; null when either part is no valid name. */
export function splitGroupVersion(gv: string): { group: string; version: string } | null {
  const slash = gv.indexOf("/");
  const group = slash >= 0 ? gv.slice(0, slash) : "";
  const version = slash >= 0 ? gv.slice(slash + 1) : gv;
  if (slash >= 0 && !isGroupName(group)) return null;
  return isVersionName(version) ? { group, version } : null;
}

/** The core group's versions from GET /api (APIVersions); the first is the preferred one, as client-go takes it. */
export function coreGroupVersions(doc: unknown): GroupVersionRef[] {
  const versions = [
    ...new Set(asArray(asObject(doc)?.versions).filter((v): v is string => typeof v === "string" && isVersionName(v))),
  ];
  return versions.map((version, i) => ({ group: "", version, groupVersion: version, preferred: i === 0 }));
}

/**
 * Every served version of every group from GET /apis (APIGroupList). A group's preferred version is its
 * preferredVersion when that is one of its versions, else its first version (the server lists them by priority).
 */
export function namedGroupVersions(doc: unknown): GroupVersionRef[] {
  const out: GroupVersionRef[] = [];
  const seen = new Set<string>();
  for (const g of asArray(asObject(doc)?.groups)) {
    const group = asObject(g);
    const name = group?.name;
    if (typeof name !== "string" || !isGroupName(name) || seen.has(name)) continue;
    seen.add(name);
    const versions = [
      ...new Set(
        asArray(group!.versions)
          .map((v) => asObject(v)?.version)
          .filter((v): v is string => typeof v === "string" && isVersionName(v)),
      ),
    ];
    if (!versions.length) continue;
    const said = asObject(group!.preferredVersion)?.version;
    const preferred = typeof said === "string" && versions.includes(said) ? said : versions[0];
    for (const version of versions)
      out.push({ group: name, version, groupVersion: `${name}/${version}`, preferred: version === preferred });
  }
  return out;
}

/**
 * The kinds of one APIResourceList (GET /api/<v> or /apis/<group>/<version>) for `gv`: subresources ("pods/log",
 * "deployments/scale") are dropped, and so are entries without a kind or a valid name, and repeats. Null when the
 * document is no resource list (a proxy's error page, an aggregated API answering something else).
 */
export function servedResourcesOf(doc: unknown, gv: GroupVersionRef): ServedResource[] | null {
  const list = asObject(doc);
  if (!list || !Array.isArray(list.resources)) return null;
  const out: ServedResource[] = [];
  const seen = new Set<string>();
  for (const r of list.resources) {
    const entry = asObject(r);
    const name = entry?.name;
    const kind = entry?.kind;
    if (typeof name !== "string" || name.includes("/") || !isResourceName(name) || seen.has(name)) continue;
    if (typeof kind !== "string" || kind.length > 253 || !KIND.test(kind)) continue;
    seen.add(name);
    out.push({
      groupVersion: gv.groupVersion,
      kind,
      resource: name,
      namespaced: entry!.namespaced === true,
      preferred: gv.preferred,
    });
  }
  return out;
}

/** The discovery path of a group-version's resource list. */
export const resourceListPath = (gv: GroupVersionRef) =>
  gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`;

/** The core group first, then by group, version and resource name: the same order for the same cluster. */
export function compareServed(a: ServedResource, b: ServedResource): number {
  const ga = splitGroupVersion(a.groupVersion);
  const gb = splitGroupVersion(b.groupVersion);
  const keyA = [ga?.group ?? "", ga?.version ?? "", a.resource];
  const keyB = [gb?.group ?? "", gb?.version ?? "", b.resource];
  for (let i = 0; i < keyA.length; i++) if (keyA[i] !== keyB[i]) return keyA[i] < keyB[i] ? -1 : 1;
  return 0;
}
