import tarStream from "tar-stream";
import type {
  BackupContents,
  ContentClaim,
  ContentCrd,
  ContentItem,
  ContentVolume,
} from "@/lib/velero/preflight/types";
import { isRec, rec, recs, str, type Rec } from "@/lib/velero/read";
import { AppError } from "../../errors";

// What a backup's tarball holds, for the restore pre-flight check (#14): the <backup>.tar.gz Velero wrote to the bucket,
// already gunzipped (downloadVeleroFile's "BackupContents"). Velero stores each object as one plain-JSON file,
//   resources/<resource>[.<group>]/namespaces/<ns>/<name>.json                  (the preferred version, legacy path)
//   resources/<resource>[.<group>]/<ver>-preferredversion/namespaces/<ns>/<name>.json     (the same bytes again)
//   resources/<resource>[.<group>]/<otherVer>/namespaces/<ns>/<name>.json       (EnableAPIGroupVersions only)
// and cluster/<name>.json instead of namespaces/<ns>/ for a cluster-scoped object. One item per object comes out, at
// the version Velero restores (the legacy or preferred-version copy; another version's copy only when the object has
// no such copy), whatever order the tar holds the copies in.
//
// The tarball comes from a bucket, so it is untrusted: it is streamed once (each entry is parsed at most once, and only
// when it can replace what was read before), at most `maxItems` objects are kept (then `truncated`), an entry larger
// than `maxEntryBytes` is not read (the object counts as unread: `truncated`, unless another copy of it was read), a
// file that is not a JSON object with an apiVersion and a kind is skipped (Velero could not restore it either), labels
// are capped per item and in length, and names longer than Kubernetes allows are skipped. A tar that cannot be parsed
// (bad checksum, cut short) is an error worded for the operator.

export interface ContentLimits {
  /** Objects kept; the others set `truncated`. */
  maxItems: number;
  /** A larger entry is not read (Kubernetes objects are stored in etcd within 1.5 MiB; Velero's JSON is compact). */
  maxEntryBytes: number;
  /** Labels kept per item (the first ones, in the file's order). */
  maxLabels: number;
}

export const CONTENT_LIMITS: ContentLimits = { maxItems: 100_000, maxEntryBytes: 2 ** 20, maxLabels: 64 };

/** A qualified name: a 253-character DNS prefix, '/', a 63-character name (label keys, apiVersions). */
const MAX_QUALIFIED = 317;
/** A DNS subdomain: object names, resources, namespaces, storage classes. */
const MAX_SEGMENT = 253;
/** A label value. */
const MAX_LABEL_VALUE = 63;
const PREFERRED_SUFFIX = "-preferredversion";
/** Still honoured by Kubernetes before spec.storageClassName (GetPersistentVolumeClaimClass / GetPersistentVolumeClass). */
const BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

const PVC = "persistentvolumeclaims";
const PV = "persistentvolumes";
const STS = "statefulsets.apps";
const CRD = "customresourcedefinitions.apiextensions.k8s.io";

/** Where an entry sits in Velero's layout. */
interface ItemPath {
  key: string;
  resource: string;
  namespace: string | null;
  name: string;
  /** 2: the legacy or preferred-version copy; 1: another version's copy. */
  rank: number;
}

type Detail =
  | { claim: ContentClaim }
  | { volume: ContentVolume }
  | { statefulSet: BackupContents["statefulSets"][number] }
  | { crd: ContentCrd }
  | null;

interface Read {
  rank: number;
  item: ContentItem;
  detail: Detail;
}

const segment = (s: string | undefined): s is string =>
  s !== undefined && s !== "" && s !== "." && s !== ".." && s.length <= MAX_SEGMENT;

/** Velero's item path (archive.GetVersionedItemFilePath), or null for anything else (metadata/version, directories). */
function parseItemPath(entryName: string): ItemPath | null {
  const parts = entryName.replace(/^(?:\.\/)+/, "").split("/");
  if (parts[0] !== "resources" || parts.length < 4 || parts.length > 6) return null;
  const resource = parts[1];
  let version: string | undefined;
  let rest: string[];
  if (parts[2] === "namespaces" || parts[2] === "cluster") rest = parts.slice(2);
  else [version, rest] = [parts[2], parts.slice(3)];
  let namespace: string | null;
  let file: string | undefined;
  if (rest.length === 3 && rest[0] === "namespaces") [namespace, file] = [rest[1]!, rest[2]];
  else if (rest.length === 2 && rest[0] === "cluster") [namespace, file] = [null, rest[1]];
  else return null;
  if (!file?.endsWith(".json")) return null;
  const name = file.slice(0, -".json".length);
  if (!segment(resource) || !segment(name) || (namespace !== null && !segment(namespace))) return null;
  if (version !== undefined && !segment(version)) return null;
  const preferred = version === undefined || (version.endsWith(PREFERRED_SUFFIX) && version !== PREFERRED_SUFFIX);
  return {
    // No segment holds a '/', and a namespace is never empty: "pods/app/web-0", "persistentvolumes//pv-1".
    key: `${resource}/${namespace ?? ""}/${name}`,
    resource,
    namespace,
    name,
    rank: preferred ? 2 : 1,
  };
}

/** The first `max` labels whose key and value Kubernetes could hold. */
function labelsOf(v: unknown, max: number): Record<string, string> {
  const kept: [string, string][] = [];
  if (!isRec(v)) return {};
  for (const key in v) {
    if (kept.length >= max) break;
    const value = v[key];
    if (typeof value === "string" && key.length <= MAX_QUALIFIED && value.length <= MAX_LABEL_VALUE)
      kept.push([key, value]);
  }
  // fromEntries defines own properties: a "__proto__" label stays a label.
  return Object.fromEntries(kept);
}

const shortStr = (v: unknown, max = MAX_SEGMENT) => {
  const s = str(v);
  return s !== null && s.length <= max ? s : null;
};

/** The class Kubernetes gives a claim or volume: the beta annotation when set, else spec.storageClassName (null: unset). */
function storageClassOf(o: Rec): string | null {
  const beta = rec(rec(o.metadata).annotations)[BETA_CLASS_ANNOTATION];
  return typeof beta === "string" ? shortStr(beta) : shortStr(rec(o.spec).storageClassName);
}

function crdOf(name: string, o: Rec): ContentCrd | null {
  const spec = rec(o.spec);
  const names = rec(spec.names);
  const group = shortStr(spec.group);
  const kind = shortStr(names.kind);
  const plural = shortStr(names.plural);
  if (!group || !kind || !plural) return null;
  const listed = recs(spec.versions);
  // apiextensions.k8s.io/v1beta1 may name a single spec.version instead.
  const versions = listed.length
    ? listed.flatMap((v) => {
        const version = shortStr(v.name);
        return v.served === true && version ? [version] : [];
      })
    : [shortStr(spec.version)].filter((v): v is string => !!v);
  // v1beta1 defaulted an empty scope to Namespaced; v1 requires it.
  return { name, group, kind, plural, namespaced: spec.scope !== "Cluster", versions };
}

function detailOf(at: ItemPath, o: Rec): Detail {
  const spec = rec(o.spec);
  if (at.resource === PVC && at.namespace !== null)
    return {
      claim: {
        namespace: at.namespace,
        name: at.name,
        storageClass: storageClassOf(o),
        volumeName: shortStr(spec.volumeName) || null,
      },
    };
  if (at.resource === PV && at.namespace === null) {
    const ref = rec(spec.claimRef);
    const [refNs, refName] = [shortStr(ref.namespace), shortStr(ref.name)];
    return {
      volume: {
        name: at.name,
        storageClass: storageClassOf(o),
        csiDriver: shortStr(rec(spec.csi).driver) || null,
        claim: refNs && refName ? { namespace: refNs, name: refName } : null,
        reclaimPolicy: shortStr(spec.persistentVolumeReclaimPolicy) || null,
      },
    };
  }
  if (at.resource === STS && at.namespace !== null) {
    const classes = recs(spec.volumeClaimTemplates).map(storageClassOf);
    return {
      statefulSet: {
        namespace: at.namespace,
        name: at.name,
        storageClasses: [...new Set(classes.filter((c): c is string => !!c))],
      },
    };
  }
  if (at.resource === CRD && at.namespace === null) {
    const crd = crdOf(at.name, o);
    return crd && { crd };
  }
  return null;
}

/** The object of one file, or null when it is not a Kubernetes object Velero could restore. */
function readItem(at: ItemPath, data: Buffer, limits: ContentLimits): Read | null {
  let o: unknown;
  try {
    o = JSON.parse(data.toString("utf8"));
  } catch {
    return null;
  }
  if (!isRec(o)) return null;
  const groupVersion = shortStr(o.apiVersion, MAX_QUALIFIED);
  const kind = shortStr(o.kind);
  if (!groupVersion || !kind) return null;
  return {
    rank: at.rank,
    item: {
      resource: at.resource,
      groupVersion,
      kind,
      namespace: at.namespace,
      name: at.name,
      labels: labelsOf(rec(o.metadata).labels, limits.maxLabels),
    },
    detail: detailOf(at, o),
  };
}

/** Reads a backup's tarball (the tar bytes, gunzipped). Throws an AppError only when the tar itself cannot be parsed. */
export async function readBackupContents(tar: Buffer, limits: Partial<ContentLimits> = {}): Promise<BackupContents> {
  const lim: ContentLimits = { ...CONTENT_LIMITS, ...limits };
  const found = new Map<string, Read>();
  /** Objects with a copy too large to read (unread unless another copy was read). */
  const oversize = new Set<string>();
  let full = false;

  await new Promise<void>((resolve, reject) => {
    const extract = tarStream.extract();
    let settled = false;
    extract.on("entry", (header, stream, next) => {
      // A failing archive reports through the extract's own "error".
      stream.on("error", () => undefined);
      const skip = () => {
        stream.on("end", () => next());
        stream.resume();
      };
      const regular = header.type === "file" || header.type === "contiguous-file";
      const at = regular ? parseItemPath(header.name) : null;
      if (!at) return skip();
      const previous = found.get(at.key);
      if (previous && previous.rank >= at.rank) return skip();
      if ((header.size ?? 0) > lim.maxEntryBytes) {
        oversize.add(at.key);
        return skip();
      }
      if (!previous && found.size >= lim.maxItems) {
        full = true;
        return skip();
      }
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        const read = readItem(at, Buffer.concat(chunks), lim);
        if (read) found.set(at.key, read);
        next();
      });
    });
    extract.on("error", (e: Error) => {
      if (settled) return;
      settled = true;
      reject(
        new AppError(
          "PRECONDITION_FAILED",
          `The backup's tarball could not be read: it is invalid or cut short (${e.message})`,
        ),
      );
    });
    extract.on("finish", () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    extract.end(tar);
  });

  const contents: BackupContents = {
    items: [],
    claims: [],
    volumes: [],
    statefulSets: [],
    crds: [],
    truncated: full || [...oversize].some((key) => !found.has(key)),
  };
  for (const { item, detail } of found.values()) {
    contents.items.push(item);
    if (!detail) continue;
    if ("claim" in detail) contents.claims.push(detail.claim);
    else if ("volume" in detail) contents.volumes.push(detail.volume);
    else if ("statefulSet" in detail) contents.statefulSets.push(detail.statefulSet);
    else contents.crds.push(detail.crd);
  }
  return contents;
}
