import type { ResourceType } from "./types";
import {
  strategicFieldType,
  strategicObjectMeta,
  strategicRootType,
  type StrategicFieldSpec,
  type StrategicTypeSpec,
} from "./patch";

// The schema server-side apply walks, as structured-merge-diff sees it: which objects are structs (declared fields),
// maps (every key its own field) or atomic, and which lists are atomic, sets or associative lists with key fields.
//
// Built-in kinds: derived from the strategic-merge table in patch.ts (a merge list with a patchMergeKey is an
// associative list keyed by it, a merge list without one a set, any other list atomic), plus the few markers kube's
// Go types carry (label selectors, node selectors and role refs are atomic; labels, annotations, data ... are maps).
// Custom resources: the CRD's structural schema (x-kubernetes-list-type / -list-map-keys / -map-type, properties,
// additionalProperties, x-kubernetes-preserve-unknown-fields); fields it would prune are not walked.

export interface Field {
  shape: Shape;
  /** A declared field of a struct (false: a key of a map, which is itself owned when applied). */
  declared: boolean;
}

export interface Shape {
  /** The whole value is one leaf (an atomic map or struct; scalars are always leaves). */
  atomic?: boolean;
  /** How a list merges; undefined is atomic. */
  list?: "set" | "map";
  keys?: string[];
  keyDefaults?: Record<string, unknown>;
  item?: Shape;
  /** A non-pointer Go struct (or a list Go always writes): present in the zero value, so adding it claims only its
   * fields or items, not the node itself. */
  struct?: boolean;
  /** The shape of a key of this object, or undefined when the schema drops that key. */
  field(name: string): Field | undefined;
}

/** Untyped data (x-kubernetes-preserve-unknown-fields, or no schema): maps merge key by key, lists are atomic. */
export const DEDUCED: Shape = { field: () => ({ shape: DEDUCED, declared: false }) };
const MAP: Shape = DEDUCED;
const ATOMIC: Shape = { atomic: true, field: () => ({ shape: DEDUCED, declared: false }) };

// ---- built-in kinds ---------------------------------------------------------------------------------------------------

const GRANULAR_MAPS = new Set([
  "labels",
  "annotations",
  "data",
  "binaryData",
  "stringData",
  "limits",
  "requests",
  "parameters",
  "capacity",
  "allocatable",
  "volumeAttributes",
]);
// metav1.LabelSelector and rbac RoleRef are +structType=atomic; PodSpec.nodeSelector and ServiceSpec.selector are
// +mapType=atomic.
const ATOMIC_FIELDS = new Set(["selector", "nodeSelector", "roleRef"]);
/** Associative lists whose real key has more fields than the strategic merge key (with the defaults kube fills in). */
const MULTI_KEYS: Record<string, { keys: string[]; defaults: Record<string, unknown> }> = {
  containerPort: { keys: ["containerPort", "protocol"], defaults: { protocol: "TCP" } },
  port: { keys: ["port", "protocol"], defaults: { protocol: "TCP" } },
};

const builtinCache = new WeakMap<object, Shape>();
const GENERIC_KEY = {};

function builtinShape(type: StrategicTypeSpec | undefined): Shape {
  const cacheKey = type ?? GENERIC_KEY;
  const cached = builtinCache.get(cacheKey);
  if (cached) return cached;
  const shape: Shape = {
    struct: true,
    field(name) {
      const spec = type?.[name];
      if (spec?.merge) return { declared: true, shape: listShape(spec, name) };
      if (spec?.type) return { declared: true, shape: builtinShape(strategicFieldType(spec)) };
      if (ATOMIC_FIELDS.has(name)) return { declared: true, shape: ATOMIC };
      if (GRANULAR_MAPS.has(name)) return { declared: true, shape: MAP };
      return { declared: true, shape: builtinShape(undefined) };
    },
  };
  builtinCache.set(cacheKey, shape);
  return shape;
}

/** Lists Go always serializes (no omitempty): there in the zero value, like a struct. */
const ZERO_PRESENT_LISTS = new Set(["containers"]);

function listShape(spec: StrategicFieldSpec, name: string): Shape {
  if (!spec.key) return { list: "set", item: DEDUCED, field: () => undefined };
  const multi = MULTI_KEYS[spec.key];
  return {
    struct: ZERO_PRESENT_LISTS.has(name),
    list: "map",
    keys: multi?.keys ?? [spec.key],
    keyDefaults: multi?.defaults ?? {},
    item: builtinShape(strategicFieldType(spec)),
    field: () => undefined,
  };
}

// ---- custom resources ----------------------------------------------------------------------------------------------

type Schema = Record<string, unknown>;
const schemaCache = new WeakMap<object, Shape>();
const isObj = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

function schemaShape(s: unknown): Shape {
  if (!isObj(s)) return DEDUCED;
  const cached = schemaCache.get(s);
  if (cached) return cached;
  let shape: Shape;
  if (s.type === "array" || s.items) {
    const listType = s["x-kubernetes-list-type"];
    const items = isObj(s.items) ? s.items : undefined;
    const keys = Array.isArray(s["x-kubernetes-list-map-keys"]) ? (s["x-kubernetes-list-map-keys"] as string[]) : [];
    const props = isObj(items?.properties) ? items.properties : {};
    const keyDefaults: Record<string, unknown> = {};
    for (const k of keys) if (isObj(props[k]) && props[k].default !== undefined) keyDefaults[k] = props[k].default;
    shape =
      listType === "set"
        ? { list: "set", item: DEDUCED, field: () => undefined }
        : listType === "map" && keys.length
          ? { list: "map", keys, keyDefaults, item: schemaShape(items), field: () => undefined }
          : { field: () => undefined };
  } else {
    const props = isObj(s.properties) ? s.properties : {};
    const extra = s.additionalProperties;
    const open = extra === true || s["x-kubernetes-preserve-unknown-fields"] === true;
    shape = {
      atomic: s["x-kubernetes-map-type"] === "atomic",
      field(name) {
        if (Object.prototype.hasOwnProperty.call(props, name))
          return { declared: true, shape: schemaShape(props[name]) };
        if (isObj(extra)) return { declared: false, shape: schemaShape(extra) };
        return open ? { declared: false, shape: DEDUCED } : undefined;
      },
    };
  }
  schemaCache.set(s, shape);
  return shape;
}

// ---- roots ---------------------------------------------------------------------------------------------------------

/** Fields no manager owns: identity and bookkeeping the server sets (stripMetaManager's set). */
const STRIPPED_META = new Set([
  "name",
  "namespace",
  "creationTimestamp",
  "selfLink",
  "uid",
  "clusterName",
  "generation",
  "managedFields",
  "resourceVersion",
]);
const meta = builtinShape(strategicObjectMeta());
export const OBJECT_META: Shape = {
  struct: true,
  field: (name) => (STRIPPED_META.has(name) ? undefined : meta.field(name)),
};

const rootCache = new WeakMap<ResourceType, Map<string, Shape>>();

/**
 * The shape of a whole object of this type, written through the main resource or a subresource. apiVersion, kind and
 * the server's metadata fields are nobody's; the main resource of a type with a status subresource ignores status, and
 * the status subresource ignores everything but status (the strategies' reset fields).
 */
export function rootShape(rt: ResourceType, subresource?: string): Shape {
  let byType = rootCache.get(rt);
  if (!byType) rootCache.set(rt, (byType = new Map()));
  const cached = byType.get(subresource ?? "");
  if (cached) return cached;
  const base = rt.builtIn ? builtinShape(strategicRootType(rt)) : rt.schema ? schemaShape(rt.schema) : DEDUCED;
  const shape: Shape = {
    struct: true,
    field(name) {
      if (name === "apiVersion" || name === "kind") return undefined;
      if (subresource === "status") return name === "status" ? base.field(name) : undefined;
      if (name === "status" && rt.status) return undefined;
      if (name === "metadata") return { declared: true, shape: OBJECT_META };
      return base.field(name);
    },
  };
  byType.set(subresource ?? "", shape);
  return shape;
}
