// The PATCH content types of the Kubernetes apiserver, as pure functions over parsed JSON:
//
//   application/json-patch+json            RFC 6902 (the apiserver uses evanphx/json-patch; error wording follows it)
//   application/merge-patch+json           RFC 7386
//   application/strategic-merge-patch+json k8s.io/apimachinery/pkg/util/strategicpatch, built-in kinds only
//   application/apply-patch+yaml           server-side apply: Cluster.apply with managed-fields.ts does it for real;
//                                          applyPatch keeps an ownership-free approximation (see there)
//
// Every function returns a new document and never mutates its inputs; the result shares no objects with them.

/** A patch the apiserver would refuse. `status` is the HTTP code the apiserver answers with. */
export class PatchError extends Error {
  constructor(
    message: string,
    /** 400 BadRequest (malformed patch), 409 Conflict, 415 UnsupportedMediaType (patch type not served for this resource), 422 Invalid (patch does not apply). */
    public readonly status: 400 | 409 | 415 | 422 = 422,
  ) {
    super(message);
    this.name = "PatchError";
  }

  /** The metav1.Status reason that goes with `status`. */
  get reason(): "BadRequest" | "Conflict" | "UnsupportedMediaType" | "Invalid" {
    return this.status === 400
      ? "BadRequest"
      : this.status === 409
        ? "Conflict"
        : this.status === 415
          ? "UnsupportedMediaType"
          : "Invalid";
  }
}

export const PATCH_TYPES = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
} as const;

export type PatchContentType = (typeof PATCH_TYPES)[keyof typeof PATCH_TYPES];

/** "Application/Merge-Patch+JSON; charset=utf-8" → "application/merge-patch+json". */
export function normalizePatchContentType(header: string | null | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------------------
// JSON helpers (own-property access only, so "__proto__" and friends are plain keys)

type Obj = Record<string, any>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const own = (o: Obj, k: string): any => (has(o, k) ? o[k] : undefined);

function put(o: Obj, k: string, v: unknown): void {
  if (k === "__proto__")
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isObj(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v)) put(out, k, clone(v[k]));
    return out as T;
  }
  return v;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObj(a)) {
    if (!isObj(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => has(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

const show = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

// ---------------------------------------------------------------------------------------------------------------------
// RFC 6902 JSON Patch

type Op =
  | { op: "add" | "replace" | "test"; path: string; tokens: string[]; value: unknown }
  | { op: "remove"; path: string; tokens: string[] }
  | { op: "move" | "copy"; path: string; tokens: string[]; from: string; fromTokens: string[] };

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** RFC 6901: "" is the whole document; otherwise "/"-separated tokens with ~1 → "/" and ~0 → "~". */
function parsePointer(pointer: string, what: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/"))
    throw new PatchError(`${what}: invalid JSON pointer ${show(pointer)}: must be empty or start with "/"`, 400);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => {
      if (/~(?![01])/.test(t))
        throw new PatchError(`${what}: invalid JSON pointer ${show(pointer)}: "~" must be followed by 0 or 1`, 400);
      return t.replace(/~1/g, "/").replace(/~0/g, "~");
    });
}

function decodeOps(ops: unknown): Op[] {
  if (!Array.isArray(ops))
    throw new PatchError(
      `json: cannot unmarshal ${ops === null ? "null" : Array.isArray(ops) ? "array" : typeof ops} into Go value of type jsonpatch.Patch`,
      400,
    );
  return ops.map((raw, i): Op => {
    const where = `operation ${i}`;
    if (!isObj(raw)) throw new PatchError(`${where}: a JSON patch operation must be an object, got ${show(raw)}`, 400);
    const op = own(raw, "op");
    if (typeof op !== "string" || !OPS.has(op))
      throw new PatchError(`Unexpected kind: ${typeof op === "string" ? op : show(op)}`, 400);
    const path = own(raw, "path");
    if (typeof path !== "string") throw new PatchError(`${op} operation failed to decode path`, 400);
    const tokens = parsePointer(path, `${op} operation`);
    switch (op) {
      case "add":
      case "replace":
      case "test":
        if (!has(raw, "value")) throw new PatchError(`${where}: "${op}" operation is missing the "value" member`, 400);
        return { op, path, tokens, value: raw.value };
      case "move":
      case "copy": {
        const from = own(raw, "from");
        if (typeof from !== "string") throw new PatchError(`${op} operation failed to decode from`, 400);
        return { op, path, tokens, from, fromTokens: parsePointer(from, `${op} operation`) };
      }
      default:
        return { op: "remove", path, tokens };
    }
  });
}

/** Walks to the container holding the last token; undefined when a step is missing or not a container. */
function parentOf(doc: unknown, tokens: string[]): Obj | unknown[] | undefined {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(t);
      if (i === undefined || i >= cur.length) return undefined;
      cur = cur[i];
    } else if (isObj(cur)) {
      if (!has(cur, t)) return undefined;
      cur = cur[t];
    } else return undefined;
  }
  return Array.isArray(cur) || isObj(cur) ? cur : undefined;
}

/** An array index token: "0" or a number without leading zeros. */
function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}

function lookup(doc: unknown, tokens: string[]): { found: boolean; value?: unknown } {
  if (tokens.length === 0) return { found: true, value: doc };
  const parent = parentOf(doc, tokens);
  const key = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(key);
    return i !== undefined && i < parent.length ? { found: true, value: parent[i] } : { found: false };
  }
  if (isObj(parent) && has(parent, key)) return { found: true, value: parent[key] };
  return { found: false };
}

/** Adds `value` at `tokens` (RFC 6902 4.1) and returns the (possibly new) root. */
function addAt(doc: unknown, tokens: string[], value: unknown, op: string, path: string): unknown {
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens);
  const key = tokens[tokens.length - 1]!;
  if (parent === undefined)
    throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`, 422);
  if (Array.isArray(parent)) {
    if (key === "-") {
      parent.push(value);
      return doc;
    }
    const i = arrayIndex(key);
    if (i === undefined || i > parent.length)
      throw new PatchError(
        `error in ${op} for path: '${path}': Unable to access invalid index: ${key}: invalid index referenced`,
        422,
      );
    parent.splice(i, 0, value);
    return doc;
  }
  put(parent, key, value);
  return doc;
}

/** Removes the value at `tokens` and returns it. */
function removeAt(doc: unknown, tokens: string[], op: string, path: string): unknown {
  if (tokens.length === 0)
    throw new PatchError(`${op} operation does not apply: cannot remove the whole document`, 422);
  const parent = parentOf(doc, tokens);
  const key = tokens[tokens.length - 1]!;
  if (parent === undefined)
    throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`, 422);
  if (Array.isArray(parent)) {
    const i = arrayIndex(key);
    if (i === undefined || i >= parent.length)
      throw new PatchError(
        `error in ${op} for path: '${path}': Unable to access invalid index: ${key}: invalid index referenced`,
        422,
      );
    return parent.splice(i, 1)[0];
  }
  if (!has(parent, key))
    throw new PatchError(
      `error in ${op} for path: '${path}': Unable to remove nonexistent key: ${key}: missing value`,
      422,
    );
  const v = parent[key];
  delete parent[key];
  return v;
}

/**
 * RFC 6902. Malformed operations → PatchError 400; an operation that does not apply (missing path, bad index, failed
 * test) → PatchError 422, as the apiserver answers. All operations apply or none (a new document is returned).
 */
export function applyJsonPatch(doc: any, ops: unknown): any {
  const decoded = decodeOps(ops);
  let out: unknown = clone(doc);
  for (const op of decoded) {
    switch (op.op) {
      case "add":
        out = addAt(out, op.tokens, clone(op.value), "add", op.path);
        break;
      case "remove":
        removeAt(out, op.tokens, "remove", op.path);
        break;
      case "replace": {
        if (op.tokens.length === 0) {
          out = clone(op.value);
          break;
        }
        const parent = parentOf(out, op.tokens);
        if (parent === undefined)
          throw new PatchError(`replace operation does not apply: doc is missing path: ${op.path}: missing value`, 422);
        if (!lookup(out, op.tokens).found)
          throw new PatchError(`replace operation does not apply: doc is missing key: ${op.path}: missing value`, 422);
        const key = op.tokens[op.tokens.length - 1]!;
        if (Array.isArray(parent)) parent[arrayIndex(key)!] = clone(op.value);
        else put(parent, key, clone(op.value));
        break;
      }
      case "move": {
        if (op.from === op.path) {
          if (!lookup(out, op.fromTokens).found)
            throw new PatchError(
              `move operation does not apply: doc is missing from path: ${op.from}: missing value`,
              422,
            );
          break;
        }
        if (op.path.startsWith(op.from + "/"))
          throw new PatchError(
            `move operation does not apply: "from" ${op.from} is a prefix of "path" ${op.path}`,
            422,
          );
        if (!lookup(out, op.fromTokens).found)
          throw new PatchError(
            `move operation does not apply: doc is missing from path: ${op.from}: missing value`,
            422,
          );
        const v = removeAt(out, op.fromTokens, "move", op.from);
        out = addAt(out, op.tokens, v, "move", op.path);
        break;
      }
      case "copy": {
        const src = lookup(out, op.fromTokens);
        if (!src.found)
          throw new PatchError(
            `copy operation does not apply: doc is missing from path: ${op.from}: missing value`,
            422,
          );
        out = addAt(out, op.tokens, clone(src.value), "copy", op.path);
        break;
      }
      case "test": {
        if (op.tokens.length > 0 && parentOf(out, op.tokens) === undefined)
          throw new PatchError(`test operation does not apply: is missing path: ${op.path}: missing value`, 422);
        const cur = lookup(out, op.tokens);
        if (!cur.found || !jsonEqual(cur.value, op.value))
          throw new PatchError(`testing value ${op.path} failed: test failed`, 422);
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// RFC 7386 JSON Merge Patch

/**
 * RFC 7386: objects merge recursively, `null` deletes, everything else (arrays included) replaces. A non-object patch
 * replaces the whole document, so the result may not be an object: the server checks that.
 */
export function applyMergePatch(doc: any, patch: unknown): any {
  if (patch === undefined) throw new PatchError("the merge patch is empty", 400);
  return mergePatch(doc, patch);
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? clone(target) : {};
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null) delete out[k];
    else put(out, k, mergePatch(own(out, k), v));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Strategic merge patch: patch metadata of the built-in types
//
// The Go structs of k8s.io/api carry `patchStrategy` / `patchMergeKey` tags; this is that table for the types the
// sandbox serves, as a small type graph so a PodSpec is the same wherever it appears (pods, every workload's
// spec.template, CronJob spec.jobTemplate.spec.template). What is not listed follows the defaults of strategicpatch:
// maps merge key by key, lists are replaced wholesale.
//
// Field spec: `type` names the struct type of the field (or of the list's elements); `merge` is patchStrategy=merge;
// `key` is patchMergeKey (a merge list without a key is a list of primitives, merged as a set).

interface FieldSpec {
  type?: string;
  merge?: true;
  key?: string;
}
type TypeSpec = Record<string, FieldSpec>;

const meta: FieldSpec = { type: "ObjectMeta" };
const conditions: FieldSpec = { type: "ConditionsStatus" };

const SMP_TYPES: Record<string, TypeSpec> = {
  Object: { metadata: meta },
  ObjectMeta: {
    finalizers: { merge: true }, // metadata.finalizers: a set of strings
    ownerReferences: { merge: true, key: "uid" }, // metadata.ownerReferences
  },
  ConditionsStatus: { conditions: { merge: true, key: "type" } }, // status.conditions of workloads, jobs, services, namespaces, PVCs

  // core/v1
  Pod: { metadata: meta, spec: { type: "PodSpec" }, status: { type: "PodStatus" } },
  PodTemplate: { metadata: meta, template: { type: "PodTemplateSpec" } },
  PodTemplateSpec: { metadata: meta, spec: { type: "PodSpec" } },
  PodSpec: {
    volumes: { merge: true, key: "name" }, // patchStrategy "merge,retainKeys": kubectl sends $retainKeys per volume
    initContainers: { merge: true, key: "name", type: "Container" },
    containers: { merge: true, key: "name", type: "Container" },
    ephemeralContainers: { merge: true, key: "name", type: "Container" },
    imagePullSecrets: { merge: true, key: "name" },
    hostAliases: { merge: true, key: "ip" },
    topologySpreadConstraints: { merge: true, key: "topologyKey" },
    schedulingGates: { merge: true, key: "name" },
    resourceClaims: { merge: true, key: "name" },
    // tolerations, readinessGates, affinity terms, dnsConfig lists: no strategy → replaced
  },
  Container: {
    ports: { merge: true, key: "containerPort" },
    env: { merge: true, key: "name" },
    volumeMounts: { merge: true, key: "mountPath" },
    volumeDevices: { merge: true, key: "devicePath" },
    // envFrom, command, args, resizePolicy: replaced
  },
  PodStatus: {
    conditions: { merge: true, key: "type" },
    podIPs: { merge: true, key: "ip" },
    hostIPs: { merge: true, key: "ip" },
    resourceClaimStatuses: { merge: true, key: "name" },
  },
  ReplicationController: { metadata: meta, spec: { type: "WorkloadSpec" }, status: conditions },
  Service: { metadata: meta, spec: { type: "ServiceSpec" }, status: conditions },
  ServiceSpec: { ports: { merge: true, key: "port" } },
  ServiceAccount: { metadata: meta, secrets: { merge: true, key: "name" } }, // imagePullSecrets: replaced
  Namespace: { metadata: meta, status: conditions },
  PersistentVolumeClaim: { metadata: meta, status: conditions },
  Node: { metadata: meta, spec: { type: "NodeSpec" }, status: { type: "NodeStatus" } },
  NodeSpec: { podCIDRs: { merge: true } },
  NodeStatus: { conditions: { merge: true, key: "type" }, addresses: { merge: true, key: "type" } },

  // apps/v1 (Deployment, StatefulSet, DaemonSet, ReplicaSet) — spec.strategy is "retainKeys" (handled wherever sent)
  Workload: { metadata: meta, spec: { type: "WorkloadSpec" }, status: conditions },
  WorkloadSpec: { template: { type: "PodTemplateSpec" } },

  // batch/v1
  Job: { metadata: meta, spec: { type: "JobSpec" }, status: conditions },
  JobSpec: { template: { type: "PodTemplateSpec" } },
  CronJob: { metadata: meta, spec: { type: "CronJobSpec" } },
  CronJobSpec: { jobTemplate: { type: "JobTemplateSpec" } },
  JobTemplateSpec: { metadata: meta, spec: { type: "JobSpec" } },

  // policy/v1
  PodDisruptionBudget: { metadata: meta, status: conditions },
  // configmaps, secrets, PVs, events, rbac roles/bindings (rules, subjects: replaced), storage classes: Object
};

/** Root type by "group/Kind" (core group ""); every other built-in kind is `Object` (metadata only). */
const SMP_ROOTS: Record<string, string> = {
  "/Pod": "Pod",
  "/PodTemplate": "PodTemplate",
  "/ReplicationController": "ReplicationController",
  "/Service": "Service",
  "/ServiceAccount": "ServiceAccount",
  "/Namespace": "Namespace",
  "/PersistentVolumeClaim": "PersistentVolumeClaim",
  "/Node": "Node",
  "apps/Deployment": "Workload",
  "apps/StatefulSet": "Workload",
  "apps/DaemonSet": "Workload",
  "apps/ReplicaSet": "Workload",
  "batch/Job": "Job",
  "batch/CronJob": "CronJob",
  "policy/PodDisruptionBudget": "PodDisruptionBudget",
};

/** API groups served by kube-apiserver itself (plus the aggregator's and apiextensions'). Anything else is a CRD's. */
const BUILT_IN_GROUPS = new Set([
  "",
  "core",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
  "apps",
  "authentication.k8s.io",
  "authorization.k8s.io",
  "autoscaling",
  "batch",
  "certificates.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "events.k8s.io",
  "flowcontrol.apiserver.k8s.io",
  "internal.apiserver.k8s.io",
  "networking.k8s.io",
  "node.k8s.io",
  "policy",
  "rbac.authorization.k8s.io",
  "resource.k8s.io",
  "scheduling.k8s.io",
  "storage.k8s.io",
  "storagemigration.k8s.io",
]);

/** Whether the apiserver accepts strategic merge patch for resources of this group: built-in groups only, never CRDs. */
export function strategicMergeSupported(group: string): boolean {
  return BUILT_IN_GROUPS.has(group);
}

function rootType(kind: { group: string; kind: string }): TypeSpec {
  const group = kind.group === "core" ? "" : kind.group;
  return SMP_TYPES[SMP_ROOTS[`${group}/${kind.kind}`] ?? "Object"]!;
}

const typeOf = (spec: FieldSpec | undefined): TypeSpec | undefined => (spec?.type ? SMP_TYPES[spec.type] : undefined);

/** The patch metadata above, for server-side apply's schema of the built-in kinds (see ssa-shape.ts). */
export type { FieldSpec as StrategicFieldSpec, TypeSpec as StrategicTypeSpec };
export const strategicRootType = rootType;
export const strategicFieldType = typeOf;
export const strategicObjectMeta = (): TypeSpec => SMP_TYPES.ObjectMeta!;

function unsupportedMediaType(accepted: readonly string[]): PatchError {
  return new PatchError(
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    415,
  );
}
const BUILT_IN_PATCH_TYPES = [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic, PATCH_TYPES.apply] as const;
const CUSTOM_PATCH_TYPES = [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply] as const;

// ---------------------------------------------------------------------------------------------------------------------
// Strategic merge patch: the merge (a port of strategicpatch.mergeMap with MergeParallelList and IgnoreUnmatchedNulls,
// as the apiserver runs it)

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ELEMENT_ORDER = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

/** mergeMap's answer to `$patch: delete` on a map. */
const DELETED: unique symbol = Symbol("deleted");
type Merged = Obj | typeof DELETED;

/**
 * Strategic merge patch for a built-in kind. `kind` null, or a group that is not built in (a custom resource), is
 * refused with 415 as the apiserver does. The patch must be an object (else 400).
 */
export function applyStrategicMergePatch(doc: any, patch: unknown, kind: { group: string; kind: string } | null): any {
  if (!kind || !strategicMergeSupported(kind.group)) throw unsupportedMediaType(CUSTOM_PATCH_TYPES);
  return strategicMerge(doc, patch, rootType(kind));
}

function strategicMerge(doc: unknown, patch: unknown, type: TypeSpec): Obj {
  if (!isObj(patch))
    throw new PatchError(
      `json: cannot unmarshal ${patch === null ? "null" : Array.isArray(patch) ? "array" : typeof patch} into Go value of type map[string]interface {}`,
      400,
    );
  if (doc !== undefined && doc !== null && !isObj(doc)) throw new PatchError("invalid JSON document", 400);
  // Work on copies, so the port can modify in place like the Go code does.
  const out = mergeMap(isObj(doc) ? clone(doc) : {}, clone(patch), type);
  return out === DELETED ? {} : out;
}

function mergeMap(original: Obj, patch: Obj, type: TypeSpec | undefined): Merged {
  if (has(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    delete patch[DIRECTIVE];
    if (directive === "replace") return materializeMap(patch, type);
    if (directive === "delete") return DELETED;
    // `$patch: merge` is the default behaviour; the apiserver itself rejects it on maps, we accept it as a no-op.
    if (directive !== "merge")
      throw new PatchError(`unknown patch type: ${show(directive)} in map: ${show(patch)}`, 400);
  }

  if (has(patch, RETAIN_KEYS)) {
    const retain = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(retain)) throw new PatchError("invalid patch format of retainKeys", 400);
    const keep = new Set<unknown>(retain);
    for (const k of Object.keys(patch)) {
      if (patch[k] === null || k.startsWith("$")) continue;
      if (!keep.has(k)) throw new PatchError("patch content doesn't match retainKeys list", 422);
    }
    for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
  }

  // $setElementOrder/<field>: merge that list now and order it as told (precedence: the directive, then the order of
  // the patch list, then the order of the live list).
  for (const directiveKey of Object.keys(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[directiveKey];
    delete patch[directiveKey];
    const field = directiveKey.slice(SET_ELEMENT_ORDER.length);
    if (!field || !Array.isArray(order)) throw new PatchError("invalid patch format of setElementOrder list", 400);
    const spec = type?.[field];
    const inOriginal = has(original, field);
    const inPatch = has(patch, field);
    if (!spec?.merge) continue; // only merging lists have an order to keep; the field is patched normally below
    if ((inPatch && !Array.isArray(patch[field])) || (inOriginal && !Array.isArray(original[field]))) continue;
    if (!inOriginal && !inPatch) continue;
    validateSetElementOrder(inPatch ? patch[field] : [], order, spec.key);
    const live: unknown[] = inOriginal ? original[field] : [];
    const merged = inPatch ? mergeList(live, patch[field], spec) : live;
    const [patchItems, serverOnly] = partition(merged, order, spec.key);
    put(original, field, normalizeElementOrder(patchItems, serverOnly, order, live, spec.key));
    delete patch[field];
  }

  const deletions: [string, unknown][] = [];
  for (const k of Object.keys(patch)) {
    const patchV = patch[k];
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deletions.push([k, patchV]);
      continue;
    }
    if (k.startsWith("$")) continue; // an unknown directive: never part of an object
    if (patchV === null) {
      delete original[k];
      continue;
    }
    const spec = type?.[k];
    if (!has(original, k)) {
      const v = materialize(patchV, spec);
      if (v !== DELETED) put(original, k, v);
      continue;
    }
    const originalV = original[k];
    if (isObj(originalV) && isObj(patchV)) {
      const v = mergeMap(originalV, patchV, typeOf(spec));
      put(original, k, v === DELETED ? {} : v); // the apiserver leaves an empty map behind
    } else if (Array.isArray(originalV) && Array.isArray(patchV)) {
      put(original, k, spec?.merge ? mergeList(originalV, patchV, spec) : materializeList(patchV, spec));
    } else {
      const v = materialize(patchV, spec);
      if (v === DELETED) delete original[k];
      else put(original, k, v);
    }
  }

  // $deleteFromPrimitiveList/<field>: [values] removes those values from a list of primitives.
  for (const [k, values] of deletions) {
    const field = k.slice(DELETE_FROM_PRIMITIVE_LIST.length);
    if (!field || !Array.isArray(values)) throw new PatchError("invalid patch format of primitive list", 400);
    const live = own(original, field);
    if (Array.isArray(live))
      put(
        original,
        field,
        live.filter((x) => isObj(x) || Array.isArray(x) || !values.includes(x)),
      );
  }
  return original;
}

/** A patch value with nothing to merge into: directives applied against an empty value, unmatched nulls dropped. */
function materialize(v: unknown, spec: FieldSpec | undefined): unknown {
  if (isObj(v)) return materializeMap(v, typeOf(spec));
  if (Array.isArray(v)) return spec?.merge ? mergeList([], v, spec) : materializeList(v, spec);
  return v;
}

function materializeMap(v: Obj, type: TypeSpec | undefined): Merged {
  return mergeMap({}, v, type);
}

/** A list that replaces the live one: directive-only elements dropped, elements cleaned. */
function materializeList(list: unknown[], spec: FieldSpec | undefined): unknown[] {
  const out: unknown[] = [];
  for (const el of list) {
    if (isObj(el) && has(el, DIRECTIVE)) {
      const directive = el[DIRECTIVE];
      if (directive === "delete" || Object.keys(el).length === 1) continue;
    }
    const v = isObj(el) ? materializeMap(el, typeOf(spec)) : Array.isArray(el) ? materializeList(el, undefined) : el;
    if (v !== DELETED) out.push(v);
  }
  return out;
}

/** mergeSlice for a field with patchStrategy=merge. */
function mergeList(live: unknown[], patch: unknown[], spec: FieldSpec): unknown[] {
  if (live.length === 0 && patch.length === 0) return [];
  const all = [...live, ...patch];
  const maps = all.filter(isObj).length;
  if (all.some(Array.isArray)) throw new PatchError("lists of lists are not supported", 422);
  if (maps !== 0 && maps !== all.length)
    throw new PatchError(`the elements of a merging list must all be maps or all be primitives: ${show(patch)}`, 422);

  if (maps === 0) {
    // A set of primitives (e.g. metadata.finalizers): the union.
    const merged = [...new Set(all)];
    const [patchItems, serverOnly] = partition(merged, patch, undefined);
    return normalizeElementOrder(patchItems, serverOnly, patch, live, undefined);
  }

  const key = spec.key;
  if (!key) throw new PatchError("cannot merge lists without merge key", 422);
  let base = [...(live as Obj[])];
  const rest: Obj[] = [];
  let replace = false;
  for (const el of patch as Obj[]) {
    if (!has(el, DIRECTIVE)) {
      rest.push(el);
      continue;
    }
    const directive = el[DIRECTIVE];
    if (directive === "delete") {
      if (!has(el, key)) throw new PatchError(`map: ${show(el)} does not contain declared merge key: ${key}`, 422);
      base = base.filter((o) => !(has(o, key) && o[key] === el[key]));
    } else if (directive === "replace") {
      replace = true;
    } else if (directive === "merge") {
      // The apiserver rejects `$patch: merge` in lists ("merging lists cannot yet be specified in the patch"); merging
      // is the default anyway, so the marker is dropped and an element with content is merged like any other.
      const { [DIRECTIVE]: _, ...content } = el;
      if (Object.keys(content).length > 0) rest.push(content);
    } else {
      throw new PatchError(`unknown patch type: ${show(directive)} in map: ${show(el)}`, 400);
    }
  }
  if (replace) {
    // `{"$patch": "replace"}` in the list: the list becomes the other elements of the patch.
    return rest.map((el) => materializeMap(el, typeOf(spec))).filter((v): v is Obj => v !== DELETED);
  }

  const serverOrder = [...base];
  for (const el of rest) {
    if (!has(el, key)) throw new PatchError(`map: ${show(el)} does not contain declared merge key: ${key}`, 422);
    const i = base.findIndex((o) => has(o, key) && o[key] === el[key]);
    if (i >= 0) {
      const v = mergeMap(base[i]!, el, typeOf(spec));
      base[i] = v === DELETED ? {} : v;
    } else {
      const v = materializeMap(el, typeOf(spec));
      if (v !== DELETED) base.push(v);
    }
  }
  const [patchItems, serverOnly] = partition(base, rest, key);
  return normalizeElementOrder(patchItems, serverOnly, rest, serverOrder, key);
}

const identity = (v: unknown, key: string | undefined): unknown =>
  key === undefined ? v : isObj(v) ? own(v, key) : undefined;

function indexIn(list: readonly unknown[], item: unknown, key: string | undefined): number {
  const id = identity(item, key);
  return list.findIndex((x) => identity(x, key) === id);
}

/** Splits `items` into those present in `by` (by merge key, or by value for primitives) and the rest. */
function partition(items: unknown[], by: readonly unknown[], key: string | undefined): [unknown[], unknown[]] {
  const inBy: unknown[] = [];
  const rest: unknown[] = [];
  for (const item of items) (indexIn(by, item, key) >= 0 ? inBy : rest).push(item);
  return [inBy, rest];
}

function sortByOrder(items: unknown[], order: readonly unknown[], key: string | undefined): unknown[] {
  const rank = (v: unknown) => {
    const i = indexIn(order, v, key);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  return items
    .map((v, i) => ({ v, i, r: rank(v) }))
    .sort((a, b) => (a.r === b.r ? a.i - b.i : a.r < b.r ? -1 : 1))
    .map((x) => x.v);
}

/**
 * normalizeElementOrder: patch items in patch order, server-only items in live order, then the server-only items are
 * slotted in before the first patch item that comes after them in the live list. Consequence (as in the apiserver):
 * without $setElementOrder a new element lands before the live elements that are not in the patch.
 */
function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  key: string | undefined,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, key);
  const left = sortByOrder(serverOnly, serverOrder, key);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], key);
      const ri = indexIn(serverOrder, right[j], key);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** The items of the patch list must appear in $setElementOrder, in the same relative order (deletions aside). */
function validateSetElementOrder(patchList: unknown[], order: unknown[], key: string | undefined): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = patchList.filter((el) => !(isObj(el) && has(el, DIRECTIVE)));
  let p = 0;
  for (let s = 0; p < items.length && s < order.length; s++) {
    if (identity(items[p], key) === identity(order[s], key)) p++;
  }
  if (p < items.length)
    throw new PatchError(
      `The order in patch list:\n${show(patchList)}\n doesn't match $setElementOrder list:\n${show(order)}\n`,
      400,
    );
}

// ---------------------------------------------------------------------------------------------------------------------
// Dispatch

/**
 * Applies a PATCH body by its Content-Type (parameters such as "; charset=utf-8" are ignored).
 *
 * - json-patch, merge-patch: any resource.
 * - strategic-merge-patch: built-in resources only; custom resources get 415, like the apiserver.
 * - apply-patch+yaml: an approximation without managed fields, "merge the applied configuration into the live
 *   object" — strategic merge for built-ins, merge patch for custom resources (whose lists are atomic): no ownership,
 *   conflicts or pruning. The API server does not come here for applies: Cluster.apply runs real server-side apply
 *   (managed-fields.ts). A missing live object (`doc` null/undefined) starts from {}.
 * - anything else: 415 listing the types the resource accepts.
 */
export function applyPatch(
  contentType: string,
  doc: any,
  patch: unknown,
  kind: { group: string; kind: string; builtIn: boolean },
): any {
  const accepted = kind.builtIn ? BUILT_IN_PATCH_TYPES : CUSTOM_PATCH_TYPES;
  const type = normalizePatchContentType(contentType);
  switch (type) {
    case PATCH_TYPES.json:
      return applyJsonPatch(doc, patch);
    case PATCH_TYPES.merge:
      return applyMergePatch(doc, patch);
    case PATCH_TYPES.strategic:
      if (!kind.builtIn) throw unsupportedMediaType(accepted);
      return strategicMerge(doc, patch, rootType(kind));
    case PATCH_TYPES.apply:
      if (!isObj(patch)) throw new PatchError("the apply patch must be an object", 400);
      return kind.builtIn
        ? strategicMerge(doc ?? {}, patch, rootType(kind))
        : applyMergePatch(isObj(doc) ? doc : {}, patch);
    default:
      throw unsupportedMediaType(accepted);
  }
}
