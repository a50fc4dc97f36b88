import * as models from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import type { ResourceType } from "./types";
import { DEDUCED, type Shape } from "./ssa-shape";
import { fieldElement, keyElement, pathString, valueElement } from "./field-set";

// The typed schema of the built-in kinds, as kube-apiserver's decoder knows them from the Go structs: which fields a
// struct declares, and the JSON type each field takes. Built from @kubernetes/client-node's generated models
// (attributeTypeMap: JSON name and type of every field), with what the models cannot say filled in by hand: which
// string fields are resource.Quantity (they take a number as well), and which are base64 []byte.
//
// checkValue walks a decoded JSON object against it once (linear in the object's size) and reports what the Go
// decoder would: unknown fields (strict decoding errors), and the first value of the wrong JSON type, in the words of
// encoding/json ("json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"), of
// resource.Quantity, metav1.Time and encoding/base64.

type Prim = "string" | "bytes" | "int32" | "int64" | "float64" | "bool" | "time" | "intOrString" | "quantity" | "any";

export type SchemaNode =
  { k: "prim"; p: Prim } | { k: "array"; of: SchemaNode } | { k: "map"; of: SchemaNode } | StructNode;

export interface StructNode {
  k: "struct";
  /** The Go type's name ("DeploymentSpec") and package ("v1"). */
  name: string;
  pkg: string;
  fields: () => Map<string, SchemaNode>;
}

interface Attr {
  baseName: string;
  type: string;
  format: string;
}
interface Model {
  getAttributeTypeMap?: () => Attr[];
  attributeTypeMap?: Attr[];
}

const MODELS = models as unknown as Record<string, Model | undefined>;

/** resource.Quantity fields (the models type them as strings; the decoder also takes a JSON number). */
const QUANTITY = new Set([
  "V1ResourceRequirements.limits",
  "V1ResourceRequirements.requests",
  "V1VolumeResourceRequirements.limits",
  "V1VolumeResourceRequirements.requests",
  "V1EmptyDirVolumeSource.sizeLimit",
  "V1ResourceFieldSelector.divisor",
  "V1PersistentVolumeSpec.capacity",
  "V1PersistentVolumeClaimStatus.capacity",
  "V1PersistentVolumeClaimStatus.allocatedResources",
  "V1NodeStatus.capacity",
  "V1NodeStatus.allocatable",
  "V1PodSpec.overhead",
  "V1ContainerStatus.allocatedResources",
  "V1LimitRangeItem.default",
  "V1LimitRangeItem.defaultRequest",
  "V1LimitRangeItem.max",
  "V1LimitRangeItem.min",
  "V1LimitRangeItem.maxLimitRequestRatio",
  "V1ResourceQuotaSpec.hard",
  "V1ResourceQuotaStatus.hard",
  "V1ResourceQuotaStatus.used",
  "V1CSIStorageCapacity.capacity",
  "V1CSIStorageCapacity.maximumVolumeSize",
]);

/** The model of each served built-in kind, by "group/version/Kind". Kinds without one are not checked. */
const KIND_MODELS: Record<string, string> = {
  "/v1/Namespace": "V1Namespace",
  "/v1/Pod": "V1Pod",
  "/v1/PersistentVolumeClaim": "V1PersistentVolumeClaim",
  "/v1/PersistentVolume": "V1PersistentVolume",
  "/v1/ConfigMap": "V1ConfigMap",
  "/v1/Secret": "V1Secret",
  "/v1/Service": "V1Service",
  "/v1/ServiceAccount": "V1ServiceAccount",
  "/v1/Event": "CoreV1Event",
  "/v1/Node": "V1Node",
  "apps/v1/Deployment": "V1Deployment",
  "apps/v1/StatefulSet": "V1StatefulSet",
  "apps/v1/DaemonSet": "V1DaemonSet",
  "apps/v1/ReplicaSet": "V1ReplicaSet",
  "batch/v1/Job": "V1Job",
  "batch/v1/CronJob": "V1CronJob",
  "policy/v1/PodDisruptionBudget": "V1PodDisruptionBudget",
  "storage.k8s.io/v1/StorageClass": "V1StorageClass",
  "storage.k8s.io/v1/CSIDriver": "V1CSIDriver",
  "rbac.authorization.k8s.io/v1/Role": "V1Role",
  "rbac.authorization.k8s.io/v1/RoleBinding": "V1RoleBinding",
  "rbac.authorization.k8s.io/v1/ClusterRole": "V1ClusterRole",
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": "V1ClusterRoleBinding",
  "apiextensions.k8s.io/v1/CustomResourceDefinition": "V1CustomResourceDefinition",
};

const structs = new Map<string, StructNode>();
const prims = new Map<Prim, SchemaNode>();
const prim = (p: Prim): SchemaNode => {
  let n = prims.get(p);
  if (!n) prims.set(p, (n = { k: "prim", p }));
  return n;
};

/** "V1DeploymentSpec" → DeploymentSpec in package v1; "RbacV1Subject" → Subject in v1; "V1beta1X" → X in v1beta1. */
function goName(model: string): { name: string; pkg: string } {
  const m = /^(?:[A-Z][a-z]+)*?(V\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$/.exec(model);
  return m ? { name: m[2]!, pkg: m[1]!.toLowerCase() } : { name: model, pkg: "v1" };
}

function attributes(model: Model): Attr[] {
  return model.getAttributeTypeMap?.() ?? model.attributeTypeMap ?? [];
}

function structNode(model: string): StructNode | undefined {
  const cached = structs.get(model);
  if (cached) return cached;
  const cls = MODELS[model];
  if (!cls || !attributes(cls).length) return undefined;
  let fields: Map<string, SchemaNode> | undefined;
  const node: StructNode = {
    k: "struct",
    ...goName(model),
    fields: () => {
      if (!fields) {
        fields = new Map();
        for (const a of attributes(cls)) fields.set(a.baseName, typeNode(a.type, a.format, `${model}.${a.baseName}`));
      }
      return fields;
    },
  };
  structs.set(model, node);
  return node;
}

function typeNode(type: string, format: string, field: string): SchemaNode {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { k: "array", of: typeNode(array[1]!, format, field) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { k: "map", of: typeNode(map[1]!, format, field) };
  switch (type) {
    case "string":
      if (QUANTITY.has(field)) return prim("quantity");
      return prim(format === "byte" ? "bytes" : "string");
    case "number":
      return prim(format === "int32" ? "int32" : format === "double" ? "float64" : "int64");
    case "boolean":
      return prim("bool");
    case "Date":
      return prim("time");
    case "IntOrString":
      return prim("intOrString");
    case "any":
    case "object":
      return prim("any");
  }
  return structNode(type) ?? prim("any");
}

/** The schema of a built-in kind, or undefined when the sandbox has no model for it. */
export function builtinSchema(
  rt: Pick<ResourceType, "group" | "version" | "kind" | "builtIn">,
): StructNode | undefined {
  if (!rt.builtIn) return undefined;
  const model = KIND_MODELS[`${rt.group}/${rt.version}/${rt.kind}`];
  return model ? structNode(model) : undefined;
}

/** The Go type as reflect.Type.String() prints it. */
export function goType(n: SchemaNode): string {
  switch (n.k) {
    case "struct":
      return `${n.pkg}.${n.name}`;
    case "array":
      return `[]${goType(n.of)}`;
    case "map":
      return `map[string]${goType(n.of)}`;
  }
  switch (n.p) {
    case "bytes":
      return "[]uint8";
    case "bool":
      return "bool";
    case "time":
      return "v1.Time";
    case "intOrString":
      return "intstr.IntOrString";
    case "quantity":
      return "resource.Quantity";
    case "any":
      return "interface {}";
    default:
      return n.p;
  }
}

// ---- the walk -------------------------------------------------------------------------------------------------------

/** A path: field names and map keys as strings, list indices as numbers. */
export type Path = (string | number)[];

export interface SchemaProblem {
  /** "unknown": a field the struct does not declare; "type": a JSON value of the wrong type; "format": a value its
   * type's decoder refuses (a bad quantity, time or base64 string). */
  kind: "unknown" | "type" | "format";
  path: Path;
  /** The decoder's message (for type and format problems). */
  message: string;
  /** For type problems, the JSON value and the node it should have matched (server-side apply words them itself). */
  value?: unknown;
  node?: SchemaNode;
}

export interface CheckResult {
  problems: SchemaProblem[];
  /** The unknown fields' paths, in document order. */
  unknown: Path[];
  /** The first type or format problem: what the Go decoder returns. */
  error?: SchemaProblem;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** encoding/json's description of a JSON value in an UnmarshalTypeError. */
function jsonKind(v: unknown): string {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "array";
  return "object";
}

const INT32 = [-2147483648, 2147483647] as const;

/**
 * Walks `value` against `root` once. With `drop`, unknown fields are deleted from the object as they are found (the
 * decoder's Warn and Ignore modes keep only what the struct declares).
 */
export function checkValue(value: unknown, root: StructNode, opts: { drop?: boolean } = {}): CheckResult {
  const problems: SchemaProblem[] = [];
  const unknown: Path[] = [];
  let error: SchemaProblem | undefined;
  const path: Path = [];
  // Which positions of `path` are map keys (not Go struct fields), so the Go field path can leave them out.
  const mapKeys = new Set<number>();

  /** `n` is the node the value should have matched; `as` the Go type the decoder names (IntOrString and Time
   * decode through an int32 and a string). */
  const typeError = (v: unknown, n: SchemaNode, struct: string, desc = jsonKind(v), as: SchemaNode = n) => {
    // encoding/json's field path: the struct fields' JSON names, without list indices or map keys.
    const fieldPath = path.filter((s, i) => typeof s === "string" && !mapKeys.has(i)).join(".");
    const p: SchemaProblem = {
      kind: "type",
      path: [...path],
      message: `json: cannot unmarshal ${desc} into Go struct field ${struct}.${fieldPath} of type ${goType(as)}`,
      value: v,
      node: n,
    };
    problems.push(p);
    error ??= p;
  };
  const formatError = (message: string) => {
    const p: SchemaProblem = { kind: "format", path: [...path], message };
    problems.push(p);
    error ??= p;
  };

  const walk = (v: unknown, n: SchemaNode, struct: string): void => {
    if (v === null || v === undefined) return; // null decodes to the zero value of anything
    switch (n.k) {
      case "struct": {
        if (!isObj(v)) return typeError(v, n, struct);
        const fields = n.fields();
        for (const key of Object.keys(v)) {
          const f = fields.get(key);
          path.push(key);
          if (!f) {
            problems.push({ kind: "unknown", path: [...path], message: "field not declared in schema" });
            unknown.push([...path]);
            if (opts.drop) delete v[key];
          } else walk(v[key], f, n.name);
          path.pop();
        }
        return;
      }
      case "array": {
        if (!Array.isArray(v)) return typeError(v, n, struct);
        for (let i = 0; i < v.length; i++) {
          path.push(i);
          walk(v[i], n.of, struct);
          path.pop();
        }
        return;
      }
      case "map": {
        if (!isObj(v)) return typeError(v, n, struct);
        for (const key of Object.keys(v)) {
          mapKeys.add(path.length);
          path.push(key);
          walk(v[key], n.of, struct);
          path.pop();
          mapKeys.delete(path.length);
        }
        return;
      }
    }
    switch (n.p) {
      case "any":
        return;
      case "string":
        if (typeof v !== "string") typeError(v, n, struct);
        return;
      case "bool":
        if (typeof v !== "boolean") typeError(v, n, struct);
        return;
      case "float64":
        if (typeof v !== "number") typeError(v, n, struct);
        return;
      case "int32":
      case "int64":
        if (typeof v !== "number") return typeError(v, n, struct);
        if (!Number.isInteger(v) || (n.p === "int32" && (v < INT32[0] || v > INT32[1])))
          typeError(v, n, struct, `number ${String(v)}`);
        return;
      case "intOrString":
        // IntOrString.UnmarshalJSON: a quoted string, else json.Unmarshal into its int32.
        if (typeof v === "string") return;
        if (typeof v !== "number") return typeError(v, n, struct, jsonKind(v), prim("int32"));
        if (!Number.isInteger(v) || v < INT32[0] || v > INT32[1])
          typeError(v, n, struct, `number ${String(v)}`, prim("int32"));
        return;
      case "quantity": {
        const problem = quantityProblem(typeof v === "string" ? v.trim() : typeof v === "number" ? String(v) : null);
        if (problem) formatError(problem);
        return;
      }
      case "time":
        // metav1.Time.UnmarshalJSON: json.Unmarshal into a string, then time.Parse(RFC3339).
        if (typeof v !== "string") return typeError(v, n, struct, jsonKind(v), prim("string"));
        if (v !== "" && !RFC3339.test(v))
          formatError(
            `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`,
          );
        return;
      case "bytes": {
        if (typeof v !== "string") return typeError(v, n, struct);
        const at = base64ErrorAt(v);
        if (at !== null) formatError(`illegal base64 data at input byte ${at}`);
        return;
      }
    }
  };
  walk(value, root, root.name);
  return { problems, unknown, error };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIXES = new Set(["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]);

/** resource.ParseQuantity's error for this text (null: a quantity). `null` text: not a string or number at all. */
export function quantityProblem(text: string | null): string | null {
  if (text === null) return QUANTITY_FORMAT;
  const m = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)/.exec(text);
  if (!m) return QUANTITY_FORMAT;
  const suffix = text.slice(m[0].length);
  if (!/^[eEinumkKMGTP]*[-+]?\d*$/.test(suffix)) return QUANTITY_FORMAT;
  if (SUFFIXES.has(suffix) || /^[eE][-+]?\d+$/.test(suffix)) return null;
  return "unable to parse quantity's suffix";
}

const B64 = /[A-Za-z0-9+/]/;

/** Where Go's base64.StdEncoding.Decode stops on this text (CorruptInputError's offset), or null when it decodes. */
export function base64ErrorAt(s: string): number | null {
  const n = s.length;
  const newline = (c: string | undefined) => c === "\n" || c === "\r";
  let si = 0;
  while (si < n) {
    // decodeQuantum
    let j = 0;
    for (; j < 4; j++) {
      if (si === n) {
        if (j === 0) return null;
        return si - j; // a quantum cut short: StdEncoding requires padding
      }
      const c = s[si++]!;
      if (B64.test(c)) continue;
      if (newline(c)) {
        j--;
        continue;
      }
      if (c !== "=") return si - 1;
      // Padding: only in the third or fourth place of a quantum.
      if (j === 0 || j === 1) return si - 1;
      if (j === 2) {
        while (si < n && newline(s[si])) si++;
        if (si === n) return n;
        if (s[si] !== "=") return si - 1;
        si++;
      }
      while (si < n && newline(s[si])) si++;
      if (si < n) return si; // trailing garbage after the padding
      return null;
    }
  }
  return null;
}

/** A path as kjson's strict decoding errors print it: `spec.template.spec.containers[0].readinessProbe.httpGett`. */
export function strictPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

// ---- server-side apply's view ---------------------------------------------------------------------------------------

/** Go's %v of a decoded JSON value (map[string]interface{} and []interface{} as fmt prints them). */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number") return goNumber(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  const o = v as Record<string, unknown>;
  return `map[${Object.keys(o)
    .sort()
    .map((k) => `${k}:${goValue(o[k])}`)
    .join(" ")}]`;
}

/** Go's %#v of a decoded JSON value. */
function goSyntax(v: unknown): string {
  if (v === null || v === undefined) return "interface {}(nil)";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return goNumber(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntax).join(", ")}}`;
  const o = v as Record<string, unknown>;
  return `map[string]interface {}{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${goSyntax(o[k])}`)
    .join(", ")}}`;
}

const goNumber = (n: number) =>
  Number.isInteger(n) ? String(n) : String(n).replace(/e([+-])?(\d)$/, (_m, sign, d) => `e${sign ?? "+"}0${d}`);

/** Go's %T of a decoded JSON value. */
function goTypeOf(v: unknown): string {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  return "map[string]interface {}";
}

/** structured-merge-diff's message for a value its schema cannot hold (typed/helpers.go), or null when it can. */
function typedProblem(p: SchemaProblem): string | null {
  if (p.kind === "unknown") return "field not declared in schema";
  if (p.kind !== "type" || !p.node) return null;
  const v = p.value;
  const n = p.node;
  if (n.k === "struct" || n.k === "map") return `expected map, got &{${goValue(v)}}`;
  if (n.k === "array") return `expected list, got &{${goValue(v)}}`;
  switch (n.p) {
    case "int32":
    case "int64":
    case "float64":
      // Integers the decoder refuses (a fraction, out of range) are still numbers to the schema.
      return typeof v === "number" ? null : `expected numeric (int or float), got ${goTypeOf(v)}`;
    case "bool":
      return `expected boolean, got &{${goValue(v)}}`;
    case "string":
    case "bytes":
    case "time":
      return `expected string, got &value.valueUnstructured{Value:${goSyntax(v)}}`;
    default:
      return null; // IntOrString and Quantity are untyped scalars to the schema
  }
}

/** The structured-merge-diff path of a problem: `.spec.template.spec.containers[name="web"].readinessProbe`. */
function typedPath(value: unknown, shape: Shape, path: Path): string {
  const pes: string[] = [];
  let v: unknown = value;
  let s: Shape = shape;
  for (const seg of path) {
    if (typeof seg === "string") {
      pes.push(fieldElement(seg));
      s = s.field(seg)?.shape ?? DEDUCED;
      v = isObj(v) ? v[seg] : undefined;
      continue;
    }
    const item = Array.isArray(v) ? v[seg] : undefined;
    if (s.list === "map" && s.keys?.length) {
      const key: Record<string, unknown> = {};
      for (const k of s.keys) {
        const kv = isObj(item) && item[k] !== undefined && item[k] !== null ? item[k] : s.keyDefaults?.[k];
        if (kv !== undefined) key[k] = kv;
      }
      pes.push(Object.keys(key).length ? keyElement(key) : `i:${seg}`);
    } else if (s.list === "set") pes.push(valueElement(item));
    else pes.push(`i:${seg}`);
    s = s.item ?? DEDUCED;
    v = item;
  }
  return pathString(pes);
}

/**
 * What server-side apply's typing of an applied configuration (ObjectToTyped) reports for it, as
 * structured-merge-diff's ValidationErrors print (one error alone; several after "errors:"), or null when it types.
 */
export function typedPatchErrors(rt: ResourceType, config: unknown, shape: Shape): string | null {
  const schema = builtinSchema(rt);
  if (!schema) return null;
  const messages: string[] = [];
  for (const p of checkValue(config, schema).problems) {
    const m = typedProblem(p);
    if (m) messages.push(`${typedPath(config, shape, p.path)}: ${m}`);
  }
  if (!messages.length) return null;
  if (messages.length === 1) return messages[0]!;
  return ["errors:", ...messages.map((m) => `  ${m}`)].join("\n");
}
