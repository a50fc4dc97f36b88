/**
 * Structural-schema handling of custom resources, the way kube-apiserver's
 * apiextensions-apiserver does it for apiextensions.k8s.io/v1 CRDs:
 *
 *   1. pruning     (pkg/apiserver/schema/pruning)     – unknown fields are dropped
 *   2. null pruning (defaulting.PruneNonNullableNullsWithoutDefaults) – a `null` for a
 *                  non-nullable field without a default is dropped, as if it was not sent
 *   3. defaulting  (pkg/apiserver/schema/defaulting) – `default`s fill missing fields
 *   4. validation  – the OpenAPI v3 schema validation of kube-openapi (type, enum, required,
 *                  formats, bounds, lengths, patterns, items, junctors, ...), then the
 *                  x-kubernetes-embedded-resource checks (schemaobjectmeta.Validate), then
 *                  x-kubernetes-list-type set/map uniqueness (structurallisttype).
 *
 * Error fields and messages follow the apiserver's (k8s.io/apimachinery field.Error and
 * kube-openapi's messages), so `invalidMessage` and `statusCauses` can build a 422 Status that
 * reads like the real one, e.g.
 *   Backup.velero.io "b1" is invalid: spec.ttl: Invalid value: "integer": spec.ttl in body must be of type string: "integer"
 *
 * Deliberately not done here (see also the notes at each step):
 *   - `x-kubernetes-validations` (CEL rules) are ignored entirely.
 *   - ObjectMeta validation of the resource's own metadata (name syntax, labels, annotations,
 *     ...) is the server's job; only the schema's constraints on metadata.name/generateName
 *     are applied. Metadata is never pruned or coerced (the real server round-trips it through
 *     ObjectMeta, which drops unknown metadata fields) – except that null pruning and
 *     defaulting treat it like any other property, as the real code does.
 *   - Validation ratcheting on update (an unchanged invalid field is tolerated) needs the old
 *     object, which this API does not take; `isCreate` therefore changes nothing: the apiserver
 *     prunes, defaults and validates creates and updates alike.
 *   - Status-subresource semantics (dropping status on create, ignoring spec on /status) depend
 *     on the CRD, not on the schema, and belong to the server.
 *   - Formats: `date-time`, `date` and `byte` are checked exactly like kube-openapi's strfmt;
 *     `int32`/`int64` are range-checked (note: the real apiserver strips these two formats and
 *     does not check them, so int32 is slightly stricter here). Other formats the apiserver
 *     knows (uuid, ipv4, email, hostname, uri, cidr, mac, duration, ...) are accepted without
 *     checking; unknown formats are ignored like the apiserver does.
 *   - Duplicates in x-kubernetes-list-type set/map lists are reported with type
 *     "FieldValueInvalid" (the apiserver uses "FieldValueDuplicate") and the apiserver's
 *     message, e.g. `Duplicate value: "a"`.
 *
 * Pure code, no I/O.
 */

export interface FieldError {
  type:
    | "FieldValueRequired"
    | "FieldValueForbidden"
    | "FieldValueInvalid"
    | "FieldValueNotSupported"
    | "FieldValueTypeInvalid"
    | "FieldValueTooLong"
    | "FieldValueTooMany";
  /** The field path, like "spec.ttl" or "spec.includedNamespaces[0]". "<nil>" for errors the apiserver reports without a path (allOf/anyOf/oneOf/not). */
  field: string;
  /** The message without the field, like `Invalid value: "integer": spec.ttl in body must be of type string: "integer"`. */
  message: string;
}

export interface SchemaResult {
  object: any;
  errors: FieldError[];
}

type Schema = Record<string, any>;
type JsonObject = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Prunes unknown fields, applies defaults, then validates. `object` is a new value (input not mutated).
 *
 * `schema` is the `openAPIV3Schema` of the served version. A missing schema (a CRD with
 * preserveUnknownFields and no schema) means: keep everything, validate nothing.
 *
 * `opts.isCreate` is accepted for the server's convenience but changes nothing (see file header).
 */
export function admitCustomResource(obj: unknown, schema: any, opts?: { isCreate?: boolean }): SchemaResult {
  void opts;
  const object = cloneJson(obj);
  if (!isSchema(schema)) return { object, errors: [] };

  // 1. pruning; the resource root is treated as an embedded resource (apiVersion/kind/metadata kept)
  pruneRoot(object, schema);
  // 2. null pruning: `null` for a non-nullable field without a default is dropped
  pruneNonNullableNullsWithoutDefaults(object, schema);
  // 3. defaulting
  applyDefaults(object, schema);

  // 4. validation, in the apiserver's order
  const errors: FieldError[] = [];
  validateSchema(object, schema, "", errors);
  validateEmbeddedResources(object, schema, "", errors);
  validateListSetsAndMaps(object, schema, "", errors);
  // x-kubernetes-validations (CEL) are deliberately not evaluated.

  return { object, errors };
}

/**
 * The apiserver's 422 message for a kind/name (errors.NewInvalid):
 * `Backup.velero.io "b1" is invalid: spec.ttl: Invalid value: ...`; with several distinct
 * causes they are joined by ", " inside [ ].
 */
export function invalidMessage(kind: string, group: string, name: string, errors: FieldError[]): string {
  const qualified = group ? `${kind}.${group}` : kind;
  const head = `${qualified} ${goQuote(name)} is invalid`;
  const seen = new Set<string>();
  const msgs: string[] = [];
  for (const e of errors) {
    const m = `${e.field}: ${e.message}`;
    if (!seen.has(m)) {
      seen.add(m);
      msgs.push(m);
    }
  }
  if (msgs.length === 0) return head;
  if (msgs.length === 1) return `${head}: ${msgs[0]}`;
  return `${head}: [${msgs.join(", ")}]`;
}

/** The `details.causes` entries of a 422 metav1.Status: { reason, message, field }. */
export function statusCauses(errors: FieldError[]): { reason: string; message: string; field: string }[] {
  return errors.map((e) => ({ reason: e.type, message: e.message, field: e.field }));
}

// ---------------------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------------------

function isObject(x: unknown): x is JsonObject {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function isSchema(s: unknown): s is Schema {
  return typeof s === "object" && s !== null && !Array.isArray(s);
}

/** A JSON-semantics deep copy: undefined members are dropped, non-finite numbers become null. */
function cloneJson(x: unknown): any {
  if (x === null || x === undefined) return null;
  if (typeof x === "number") return Number.isFinite(x) ? x : null;
  if (typeof x === "string" || typeof x === "boolean") return x;
  if (typeof x === "bigint") return Number(x);
  if (Array.isArray(x)) return x.map((v) => (v === undefined || typeof v === "function" ? null : cloneJson(v)));
  if (typeof x === "object") {
    const withToJSON = x as { toJSON?: () => unknown };
    if (typeof withToJSON.toJSON === "function") return cloneJson(withToJSON.toJSON());
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(x as JsonObject)) {
      if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
      out[k] = cloneJson(v);
    }
    return out;
  }
  return null;
}

function hasOwn(o: JsonObject, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** JSON integers decode to int64 in the apiserver; everything else numeric is a float64. */
function isJsonInteger(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63;
}

/** reflect.DeepEqual on decoded JSON (numbers compare by value). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** encoding/json.Marshal of a decoded JSON value (map keys sorted). */
function goJson(x: unknown): string {
  if (x === null || x === undefined) return "null";
  if (Array.isArray(x)) return `[${x.map(goJson).join(",")}]`;
  if (isObject(x)) {
    return `{${Object.keys(x)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goJson(x[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(x);
}

// ---------------------------------------------------------------------------------------------
// Schema accessors (structural schema view)
// ---------------------------------------------------------------------------------------------

function props(s: Schema | null | undefined): Record<string, Schema> | undefined {
  const p = s?.properties;
  return isSchema(p) ? (p as Record<string, Schema>) : undefined;
}

function prop(s: Schema | null | undefined, k: string): Schema | undefined {
  const p = props(s);
  if (!p || !hasOwn(p, k)) return undefined;
  const v = p[k];
  return isSchema(v) ? v : undefined;
}

function itemsSchema(s: Schema | null | undefined): Schema | undefined {
  const it = s?.items;
  return isSchema(it) ? it : undefined;
}

/**
 * additionalProperties as the structural schema sees it:
 *   undefined – not set (or `false`, which structural schemas do not allow; treated as not set)
 *   null      – `true`: additional keys are kept, their values have no schema
 *   Schema    – a map: values follow the schema
 */
function additional(s: Schema | null | undefined): Schema | null | undefined {
  const ap = s?.additionalProperties;
  if (ap === true) return null;
  if (isSchema(ap)) return ap;
  return undefined;
}

/** The schema of a field of an object: its property, or else additionalProperties. */
function fieldSchema(s: Schema | null | undefined, k: string): Schema | undefined {
  if (!s) return undefined;
  const p = prop(s, k);
  if (p) return p;
  return additional(s) ?? undefined;
}

function preservesUnknown(s: Schema | null | undefined): boolean {
  return s?.["x-kubernetes-preserve-unknown-fields"] === true;
}

function isEmbedded(s: Schema | null | undefined): boolean {
  return s?.["x-kubernetes-embedded-resource"] === true;
}

/** A default counts only if it is set and not null (Default.Object != nil). */
function hasDefault(s: Schema | null | undefined): s is Schema {
  return !!s && s.default !== undefined && s.default !== null;
}

const META_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

// ---------------------------------------------------------------------------------------------
// 1. Pruning (pkg/apiserver/schema/pruning/algorithm.go)
// ---------------------------------------------------------------------------------------------

function pruneRoot(x: unknown, s: Schema): void {
  // PruneWithOptions(isResourceRoot=true) treats the root as an embedded resource.
  prune(x, { ...s, "x-kubernetes-embedded-resource": true });
}

function prune(x: unknown, s: Schema | null | undefined): void {
  if (s && preservesUnknown(s)) {
    skipPrune(x, s);
    return;
  }
  if (Array.isArray(x)) {
    const it = s ? itemsSchema(s) : undefined;
    for (const v of x) prune(v, it);
    return;
  }
  if (!isObject(x)) return;
  if (!s) {
    for (const k of Object.keys(x)) delete x[k];
    return;
  }
  const embedded = isEmbedded(s);
  const ap = additional(s);
  for (const k of Object.keys(x)) {
    // Embedded resources keep apiVersion, kind and metadata (metadata is left as it is here).
    if (embedded && META_FIELDS.has(k)) continue;
    const p = prop(s, k);
    if (p) prune(x[k], p);
    else if (ap !== undefined) prune(x[k], ap);
    else delete x[k];
  }
}

/** Under x-kubernetes-preserve-unknown-fields: unknown fields stay, declared ones are still pruned. */
function skipPrune(x: unknown, s: Schema | null | undefined): void {
  if (!s) return;
  if (Array.isArray(x)) {
    const it = itemsSchema(s);
    for (const v of x) skipPrune(v, it);
    return;
  }
  if (!isObject(x)) return;
  const embedded = isEmbedded(s);
  const ap = additional(s);
  for (const k of Object.keys(x)) {
    if (embedded && META_FIELDS.has(k)) continue;
    const p = prop(s, k);
    if (p) prune(x[k], p);
    else if (ap !== undefined) prune(x[k], ap);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Null pruning (pkg/apiserver/schema/defaulting/prunenulls.go)
//
// A `null` sent for a field whose schema is not `nullable: true` and has no default is removed,
// as if the field had not been sent (so `required` then reports it). A non-nullable null WITH a
// default is replaced by the default in step 3. Nulls inside lists cannot be removed and fail
// validation (`Invalid value: "null": ... must be of type string: "null"`).
// ---------------------------------------------------------------------------------------------

function pruneNonNullableNullsWithoutDefaults(x: unknown, s: Schema | null | undefined): void {
  if (Array.isArray(x)) {
    const it = s ? itemsSchema(s) : undefined;
    for (const v of x) pruneNonNullableNullsWithoutDefaults(v, it);
    return;
  }
  if (!isObject(x)) return;
  for (const k of Object.keys(x)) {
    const fs = fieldSchema(s, k);
    if (x[k] === null && fs && fs.nullable !== true && !hasDefault(fs)) delete x[k];
    else pruneNonNullableNullsWithoutDefaults(x[k], fs);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Defaulting (pkg/apiserver/schema/defaulting/algorithm.go)
// ---------------------------------------------------------------------------------------------

function isNonNullableNull(x: unknown, s: Schema | null | undefined): boolean {
  return x === null && !!s && s.nullable !== true;
}

/** A copy of a default value, pruned against its schema like the apiserver prunes defaults. */
function defaultValue(s: Schema): unknown {
  const v = cloneJson(s.default);
  prune(v, s);
  return v;
}

function applyDefaults(x: unknown, s: Schema | null | undefined): void {
  if (!s) return;
  if (Array.isArray(x)) {
    const it = itemsSchema(s);
    if (!it) return;
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], it) && hasDefault(it)) x[i] = defaultValue(it);
      applyDefaults(x[i], it);
    }
    return;
  }
  if (!isObject(x)) return;
  const ps = props(s);
  if (ps) {
    for (const [k, p] of Object.entries(ps)) {
      if (!hasDefault(p)) continue;
      if (!hasOwn(x, k) || isNonNullableNull(x[k], p)) x[k] = defaultValue(p);
    }
  }
  const ap = additional(s);
  for (const k of Object.keys(x)) {
    const p = prop(s, k);
    if (p) applyDefaults(x[k], p);
    else if (ap) {
      if (isNonNullableNull(x[k], ap) && hasDefault(ap)) x[k] = defaultValue(ap);
      applyDefaults(x[k], ap);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Error construction (k8s.io/apimachinery/pkg/util/validation/field + kube-openapi messages)
// ---------------------------------------------------------------------------------------------

/** Go's strconv.Quote / %q for a string. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else if (c >= 0x80 && c < 0xa0) out += "\\u" + c.toString(16).padStart(4, "0");
    else if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}

/** Go's %v of a float64 (strconv 'g' with the shortest precision: exponent form below 1e-4 and from 1e+06). */
function goFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(v.toExponential());
  if (!m) return String(v);
  const neg = m[1];
  const digits = m[2] + (m[3] ?? "");
  const exp = parseInt(m[4], 10);
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ae = Math.abs(exp);
    return `${neg}${mant}e${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
  }
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return neg + intPart + (frac ? "." + frac : "");
  }
  return `${neg}0.${"0".repeat(-exp - 1)}${digits}`;
}

/** Go's %v of a decoded JSON number (int64 or float64). */
function goNumber(n: number): string {
  return isJsonInteger(n) ? String(n) : goFloat(n);
}

/** Go's %#v of a decoded JSON value. */
function goSharpV(x: unknown): string {
  if (x === null || x === undefined) return "interface {}(nil)";
  if (typeof x === "string") return goQuote(x);
  if (typeof x === "number") return goNumber(x);
  if (typeof x === "boolean") return String(x);
  if (Array.isArray(x)) return `[]interface {}{${x.map(goSharpV).join(", ")}}`;
  if (isObject(x)) {
    return `map[string]interface {}{${Object.keys(x)
      .sort()
      .map((k) => `${goQuote(k)}:${goSharpV(x[k])}`)
      .join(", ")}}`;
  }
  return String(x);
}

/** How field.Error.ErrorBody prints a bad value. */
function badValue(v: unknown): string {
  if (v === null || v === undefined) return goQuote("null");
  if (typeof v === "string") return goQuote(v);
  if (typeof v === "number") return goNumber(v);
  if (typeof v === "boolean") return String(v);
  return goSharpV(v);
}

/** kube-openapi names a property at the root without a dot, deeper ones "parent.child". */
function childName(path: string, k: string): string {
  return path === "" ? k : `${path}.${k}`;
}

/** kubeOpenAPIResultToFieldErrors: the error's name, minus a leading ".", is the field; no name means a nil path. */
function fieldOf(name: string): string {
  if (name === "" || name === ".") return "<nil>";
  return name.startsWith(".") ? name.slice(1) : name;
}

function errInvalid(field: string, value: unknown, detail: string): FieldError {
  return {
    type: "FieldValueInvalid",
    field,
    message: `Invalid value: ${badValue(value)}${detail ? `: ${detail}` : ""}`,
  };
}

function errTypeInvalid(field: string, value: unknown, detail: string): FieldError {
  return {
    type: "FieldValueTypeInvalid",
    field,
    message: `Invalid value: ${badValue(value)}${detail ? `: ${detail}` : ""}`,
  };
}

function errRequired(field: string, detail = ""): FieldError {
  return { type: "FieldValueRequired", field, message: `Required value${detail ? `: ${detail}` : ""}` };
}

function errNotSupported(field: string, value: unknown, allowed: unknown[]): FieldError {
  const quoted = allowed.map((a) => goQuote(typeof a === "string" ? a : goJson(a)));
  const detail = quoted.length ? `: supported values: ${quoted.join(", ")}` : "";
  return { type: "FieldValueNotSupported", field, message: `Unsupported value: ${badValue(value)}${detail}` };
}

function errTooLong(field: string, max: number): FieldError {
  const detail = max >= 0 ? `may not be more than ${max} ${max === 1 ? "byte" : "bytes"}` : "value is too long";
  return { type: "FieldValueTooLong", field, message: `Too long: ${detail}` };
}

function errTooMany(field: string, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? "item" : "items"}` : "has too many items";
  return {
    type: "FieldValueTooMany",
    field,
    message: actual >= 0 ? `Too many: ${actual}: ${detail}` : `Too many: ${detail}`,
  };
}

function errDuplicate(field: string, value: unknown): FieldError {
  // The apiserver reports field.Duplicate ("FieldValueDuplicate"); our FieldError type has no such member.
  return { type: "FieldValueInvalid", field, message: `Duplicate value: ${badValue(value)}` };
}

/** Errors kube-openapi returns without a name (errors.New): they land on a nil field path. */
function errComposite(message: string): FieldError {
  return errInvalid("<nil>", "", message);
}

// ---------------------------------------------------------------------------------------------
// 4a. OpenAPI validation (kube-openapi pkg/validation/validate, as wrapped by apiextensions)
// ---------------------------------------------------------------------------------------------

/** Formats kube-apiserver keeps (apiextensions StripUnsupportedFormatsPostProcess); others are dropped before validation. */
const SUPPORTED_FORMATS = new Set([
  "bsonobjectid",
  "uri",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "cidr",
  "mac",
  "uuid",
  "uuid3",
  "uuid4",
  "uuid5",
  "isbn",
  "isbn10",
  "isbn13",
  "creditcard",
  "ssn",
  "hexcolor",
  "rgbcolor",
  "byte",
  "password",
  "date",
  "duration",
  "datetime",
]);

function effectiveFormat(s: Schema): string {
  const f = typeof s.format === "string" ? s.format : "";
  return f && SUPPORTED_FORMATS.has(f.replace(/-/g, "")) ? f : "";
}

function schemaTypes(s: Schema): string[] {
  if (s["x-kubernetes-int-or-string"] === true) return ["integer", "string"];
  if (typeof s.type === "string" && s.type !== "") return [s.type];
  if (Array.isArray(s.type)) return s.type.filter((t: unknown): t is string => typeof t === "string");
  return [];
}

/** The JSON type (and go-openapi format) of a decoded value. */
function jsonTypeOf(x: unknown): { type: string; format: string } {
  if (typeof x === "boolean") return { type: "boolean", format: "" };
  if (typeof x === "string") return { type: "string", format: "" };
  if (typeof x === "number")
    return isJsonInteger(x) ? { type: "integer", format: "int64" } : { type: "number", format: "float64" };
  if (Array.isArray(x)) return { type: "array", format: "" };
  return { type: "object", format: "" };
}

const regexCache = new Map<string, RegExp | null>();
function compilePattern(p: string): RegExp | null {
  if (regexCache.has(p)) return regexCache.get(p)!;
  let re: RegExp | null = null;
  try {
    re = new RegExp(p, "u");
  } catch {
    try {
      re = new RegExp(p);
    } catch {
      re = null; // an invalid pattern is rejected when the CRD is created; nothing to check here
    }
  }
  regexCache.set(p, re);
  return re;
}

/** time.Parse("2006-01-02", s) */
function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const y = +m[1];
  const mo = +m[2];
  const d = +m[3];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return d <= days;
}

/** strfmt.IsDateTime (RFC 3339 date-time, as kube-openapi checks it). */
function isDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split("t");
  if (parts.length < 2 || !isDate(parts[0])) return false;
  const m = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/.exec(parts[1]);
  if (!m) return false;
  return m[1] <= "23" && m[2] <= "59" && m[3] <= "59";
}

/** govalidator.IsBase64 */
function isBase64(s: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(s);
}

/** Value checks for the formats implemented here; `undefined` means "not checked". */
function checkFormat(format: string, value: string): boolean | undefined {
  switch (format.replace(/-/g, "")) {
    case "datetime":
      return isDateTime(value);
    case "date":
      return isDate(value);
    case "byte":
      return isBase64(value);
    default:
      return undefined;
  }
}

/** SchemaValidator.Validate: all validators that apply to the value's kind, in kube-openapi's order. */
function validateSchema(data: unknown, s: Schema, path: string, out: FieldError[]): void {
  const types = schemaTypes(s);
  const format = effectiveFormat(s);

  if (data === null || data === undefined) {
    // only the type and the common (enum) validators run for null
    if (types.length > 0 && !types.includes("null") && s.nullable !== true) {
      out.push(errTypeInvalid(fieldOf(path), "null", `${path} in body must be of type ${types.join(",")}: "null"`));
    }
    validateEnum(null, s, path, out);
    return;
  }

  // type
  if (types.length > 0 || format !== "") validateType(data, s, types, format, path, out);
  // allOf / anyOf / oneOf / not (validation only; they never affect pruning or defaulting)
  validateJunctors(data, s, path, out);
  // string
  if (typeof data === "string") {
    validateString(data, s, path, out);
    if (format !== "") {
      const ok = checkFormat(format, data);
      if (ok === false) {
        out.push(errTypeInvalid(fieldOf(path), data, `${path} in body must be of type ${format}: ${goQuote(data)}`));
      }
    }
  }
  // number
  if (typeof data === "number") {
    validateIntFormat(data, s, path, out);
    validateNumber(data, s, path, out);
  }
  // array
  if (Array.isArray(data)) validateArray(data, s, path, out);
  // enum
  validateEnum(data, s, path, out);
  // object
  if (isObject(data)) validateObject(data, s, path, out);
}

function validateType(
  data: unknown,
  s: Schema,
  types: string[],
  format: string,
  path: string,
  out: FieldError[],
): void {
  const { type: schType, format: valFormat } = jsonTypeOf(data);
  const isStringish = typeof data === "string" || Array.isArray(data);
  const isFloatInt =
    schType === "number" && typeof data === "number" && isFloatAJsonInteger(data) && types.includes("integer");
  const isIntFloat = schType === "integer" && types.includes("number");
  const typeOk = types.includes(schType) || isFloatInt || isIntFloat;

  // kube-openapi quirk kept for fidelity: a non-string value for a field with a (kept) format is
  // reported against the format, e.g. `must be of type date-time: "int64"`.
  if (
    !isStringish &&
    format !== "" &&
    !(typeOk || valFormat === format || (format === "int64" && valFormat === "int32"))
  ) {
    out.push(
      errTypeInvalid(fieldOf(path), valFormat, `${path} in body must be of type ${format}: ${goQuote(valFormat)}`),
    );
    return;
  }
  // ... and a string or array value for a non-numeric field with a format skips the type check.
  if (!(types.includes("number") || types.includes("integer")) && format !== "" && isStringish) return;
  if (!typeOk) {
    out.push(
      errTypeInvalid(fieldOf(path), schType, `${path} in body must be of type ${types.join(",")}: ${goQuote(schType)}`),
    );
  }
}

function validateJunctors(data: unknown, s: Schema, path: string, out: FieldError[]): void {
  const subs = (k: string): Schema[] => (Array.isArray(s[k]) ? (s[k] as unknown[]).filter(isSchema) : []);
  const run = (sub: Schema): FieldError[] => {
    const errs: FieldError[] = [];
    validateSchema(data, sub, path, errs);
    return errs;
  };
  const pickBest = (results: FieldError[][]): FieldError[] =>
    results.reduce((best, r) => (r.length < best.length ? r : best), results[0] ?? []);

  const anyOf = subs("anyOf");
  if (anyOf.length > 0) {
    const results: FieldError[][] = [];
    let ok = false;
    for (const sub of anyOf) {
      const r = run(sub);
      if (r.length === 0) {
        ok = true;
        break;
      }
      results.push(r);
    }
    if (!ok) {
      out.push(errComposite(`${goQuote(path)} must validate at least one schema (anyOf)`));
      out.push(...pickBest(results));
    }
  }

  const oneOf = subs("oneOf");
  if (oneOf.length > 0) {
    const failures: FieldError[][] = [];
    let valid = 0;
    for (const sub of oneOf) {
      const r = run(sub);
      if (r.length === 0) valid++;
      else failures.push(r);
    }
    if (valid === 0) {
      out.push(errComposite(`${goQuote(path)} must validate one and only one schema (oneOf). Found none valid`));
      out.push(...pickBest(failures));
    } else if (valid > 1) {
      out.push(
        errComposite(
          `${goQuote(path)} must validate one and only one schema (oneOf). Found ${valid} valid alternatives`,
        ),
      );
    }
  }

  const allOf = subs("allOf");
  if (allOf.length > 0) {
    let valid = 0;
    for (const sub of allOf) {
      const r = run(sub);
      if (r.length === 0) valid++;
      out.push(...r);
    }
    if (valid === 0) out.push(errComposite(`${goQuote(path)} must validate all the schemas (allOf). None validated`));
    else if (valid < allOf.length) out.push(errComposite(`${goQuote(path)} must validate all the schemas (allOf)`));
  }

  if (isSchema(s.not) && run(s.not).length === 0) {
    out.push(errComposite(`${goQuote(path)} must not validate the schema (not)`));
  }
}

function validateString(data: string, s: Schema, path: string, out: FieldError[]): void {
  const len = [...data].length; // utf8.RuneCountInString
  // kube-openapi's string validator stops at the first failure
  if (typeof s.maxLength === "number" && len > s.maxLength) {
    out.push(errTooLong(fieldOf(path), s.maxLength));
    return;
  }
  if (typeof s.minLength === "number" && len < s.minLength) {
    out.push(errInvalid(fieldOf(path), data, `${path} in body should be at least ${s.minLength} chars long`));
    return;
  }
  if (typeof s.pattern === "string" && s.pattern !== "") {
    const re = compilePattern(s.pattern);
    if (re && !re.test(data)) {
      out.push(errInvalid(fieldOf(path), data, `${path} in body should match '${s.pattern}'`));
    }
  }
}

/**
 * Range checks for `format: int32` / `int64` on integers. Not done by the real apiserver (it
 * strips both formats before validating); kept because the sandbox should catch values Go
 * clients cannot decode.
 */
function validateIntFormat(data: number, s: Schema, path: string, out: FieldError[]): void {
  if (!Number.isInteger(data)) return;
  const f = s.format;
  const outOfRange =
    (f === "int32" && (data < -(2 ** 31) || data > 2 ** 31 - 1)) ||
    (f === "int64" && (data < -(2 ** 63) || data >= 2 ** 63));
  if (outOfRange) out.push(errInvalid(fieldOf(path), data, `${path} in body must be of type ${f}`));
}

function validateNumber(data: number, s: Schema, path: string, out: FieldError[]): void {
  const asInt = isJsonInteger(data);
  const fmtBound = (b: number): string => (asInt ? String(Math.trunc(b)) : goFloat(b));
  const field = fieldOf(path);

  if (typeof s.multipleOf === "number") {
    const factor = s.multipleOf;
    if (asInt && Number.isInteger(factor) && factor !== 0) {
      if (data % factor !== 0) out.push(errInvalid(field, data, `${path} in body should be a multiple of ${factor}`));
    } else if (factor <= 0) {
      out.push(
        errInvalid(field, factor, `factor MultipleOf declared for ${path} must be positive: ${goFloat(factor)}`),
      );
    } else {
      const mult = factor < 1 ? (1 / factor) * data : data / factor;
      if (!isFloatAJsonInteger(mult))
        out.push(errInvalid(field, data, `${path} in body should be a multiple of ${goFloat(factor)}`));
    }
  }
  if (typeof s.minimum === "number") {
    const min = asInt ? Math.trunc(s.minimum) : s.minimum;
    const excl = s.exclusiveMinimum === true;
    if ((!excl && data < min) || (excl && data <= min)) {
      out.push(
        errInvalid(
          field,
          data,
          `${path} in body should be greater than ${excl ? "" : "or equal to "}${fmtBound(s.minimum)}`,
        ),
      );
    }
  }
  if (typeof s.maximum === "number") {
    const max = asInt ? Math.trunc(s.maximum) : s.maximum;
    const excl = s.exclusiveMaximum === true;
    if ((!excl && data > max) || (excl && data >= max)) {
      out.push(
        errInvalid(
          field,
          data,
          `${path} in body should be less than ${excl ? "" : "or equal to "}${fmtBound(s.maximum)}`,
        ),
      );
    }
  }
}

/** swag.IsFloat64AJSONInteger */
function isFloatAJsonInteger(f: number): boolean {
  if (!Number.isFinite(f) || Math.abs(f) > 2 ** 53) return false;
  if (Number.isInteger(f)) return true;
  const g = Math.trunc(f);
  return Math.abs(f - g) / Math.min(Math.abs(f) + Math.abs(g), Number.MAX_VALUE) < 1e-9;
}

function validateArray(data: unknown[], s: Schema, path: string, out: FieldError[]): void {
  const it = itemsSchema(s);
  if (it) data.forEach((v, i) => validateSchema(v, it, `${path}[${i}]`, out));
  const field = fieldOf(path);
  if (typeof s.minItems === "number" && data.length < s.minItems) {
    out.push(errInvalid(field, data.length, `${path} in body should have at least ${s.minItems} items`));
  }
  if (typeof s.maxItems === "number" && data.length > s.maxItems) {
    out.push(errTooMany(field, data.length, s.maxItems));
  }
  if (s.uniqueItems === true) {
    const dup = data.some((v, i) => data.slice(i + 1).some((w) => deepEqual(v, w)));
    if (dup) out.push(errInvalid(field, "", `${path} in body shouldn't contain duplicates`));
  }
}

function validateEnum(data: unknown, s: Schema, path: string, out: FieldError[]): void {
  if (!Array.isArray(s.enum) || s.enum.length === 0) return;
  // A null never matches an enum in kube-openapi, not even with `nullable: true`.
  if (data !== null && s.enum.some((e: unknown) => e !== null && deepEqual(data, e))) return;
  out.push(errNotSupported(fieldOf(path), data, s.enum));
}

function validateObject(data: JsonObject, s: Schema, path: string, out: FieldError[]): void {
  const keys = Object.keys(data);
  const field = fieldOf(path);
  // kube-openapi returns right away when the property count is off
  if (typeof s.minProperties === "number" && keys.length < s.minProperties) {
    out.push(errInvalid(field, keys.length, `${path} in body should have at least ${s.minProperties} properties`));
    return;
  }
  if (typeof s.maxProperties === "number" && keys.length > s.maxProperties) {
    out.push(errTooMany(field, keys.length, s.maxProperties));
    return;
  }

  const ps = props(s) ?? {};
  if (s.additionalProperties === false) {
    for (const k of keys) {
      if (!hasOwn(ps, k)) out.push(errInvalid(field, k, `${path}.${k} in body is a forbidden property`));
    }
  } else if (isSchema(s.additionalProperties)) {
    const ap = s.additionalProperties;
    for (const k of keys) if (!hasOwn(ps, k)) validateSchema(data[k], ap, `${path}.${k}`, out);
  }

  for (const [k, p] of Object.entries(ps)) {
    if (hasOwn(data, k) && isSchema(p)) validateSchema(data[k], p, childName(path, k), out);
  }

  if (Array.isArray(s.required)) {
    for (const k of s.required) {
      if (typeof k === "string" && !hasOwn(data, k)) out.push(errRequired(fieldOf(`${path}.${k}`)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 4b. Embedded resources (pkg/apiserver/schema/objectmeta/validation.go)
// ---------------------------------------------------------------------------------------------

/** field.Path rendering: ".child", "[key]", "[index]". */
function pathChild(p: string, k: string): string {
  return p === "" ? k : `${p}.${k}`;
}
function pathKey(p: string, k: string): string {
  return `${p}[${k}]`;
}
function pathIndex(p: string, i: number): string {
  return `${p}[${i}]`;
}
function pathString(p: string): string {
  return p === "" ? "<nil>" : p;
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function validateEmbeddedResources(
  x: unknown,
  s: Schema | null | undefined,
  path: string,
  out: FieldError[],
  isRoot = true,
): void {
  if (!s) return;
  if (isEmbedded(s) && !isRoot && isObject(x)) validateEmbeddedResource(x, path, out);
  if (isObject(x)) {
    const ap = additional(s);
    for (const k of Object.keys(x)) {
      const p = prop(s, k);
      if (p) validateEmbeddedResources(x[k], p, pathChild(path, k), out, false);
      else if (ap) validateEmbeddedResources(x[k], ap, pathKey(path, k), out, false);
    }
  } else if (Array.isArray(x)) {
    const it = itemsSchema(s);
    x.forEach((v, i) => validateEmbeddedResources(v, it, pathIndex(path, i), out, false));
  }
}

function validateEmbeddedResource(x: JsonObject, path: string, out: FieldError[]): void {
  const apiVersionPath = pathString(pathChild(path, "apiVersion"));
  const kindPath = pathString(pathChild(path, "kind"));
  if (!hasOwn(x, "apiVersion")) out.push(errRequired(apiVersionPath, "must not be empty"));
  if (!hasOwn(x, "kind")) out.push(errRequired(kindPath, "must not be empty"));
  for (const k of Object.keys(x)) {
    const v = x[k];
    if (k === "apiVersion") {
      if (typeof v !== "string") out.push(errInvalid(apiVersionPath, v, "must be a string"));
      else if (v === "") out.push(errInvalid(apiVersionPath, v, "must not be empty"));
      else if (v !== "/" && (v.match(/\//g) ?? []).length > 1)
        out.push(errInvalid(apiVersionPath, v, `unexpected GroupVersion string: ${v}`));
    } else if (k === "kind") {
      if (typeof v !== "string") out.push(errInvalid(kindPath, v, "must be a string"));
      else if (v === "") out.push(errInvalid(kindPath, v, "must not be empty"));
      else if (v.length > 63 || !DNS1035_LABEL.test(v.toLowerCase())) {
        const why =
          v.length > 63
            ? "must be no more than 63 characters"
            : "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
        out.push(errInvalid(kindPath, v, `may have mixed case, but should otherwise match: ${why}`));
      }
    } else if (k === "metadata" && v !== null && !isObject(v)) {
      out.push(errInvalid(pathString(pathChild(path, "metadata")), v, "must be an object"));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 4c. x-kubernetes-list-type set/map (pkg/apiserver/schema/listtype/validation.go)
// ---------------------------------------------------------------------------------------------

function validateListSetsAndMaps(x: unknown, s: Schema | null | undefined, path: string, out: FieldError[]): void {
  if (!s) return;
  if (Array.isArray(x)) {
    const listType = s["x-kubernetes-list-type"];
    if (listType === "set") {
      for (const i of nonUniqueIndices(x, (v) => v)) out.push(errDuplicate(pathString(pathIndex(path, i)), x[i]));
    } else if (listType === "map") {
      validateListMap(x, s, path, out);
    }
    const it = itemsSchema(s);
    if (it) x.forEach((v, i) => validateListSetsAndMaps(v, it, pathIndex(path, i), out));
    return;
  }
  if (isObject(x)) {
    const ap = additional(s);
    for (const k of Object.keys(x)) {
      const p = prop(s, k);
      if (p) validateListSetsAndMaps(x[k], p, pathChild(path, k), out);
      else if (ap) validateListSetsAndMaps(x[k], ap, pathKey(path, k), out);
    }
  }
}

const UNSPECIFIED = Symbol("unspecified key");

/** Indices of the second occurrence of each repeated key (later repeats are not reported, like the apiserver). */
function nonUniqueIndices(list: unknown[], keyOf: (v: unknown) => unknown): number[] {
  const seen = new Map<string, number>();
  const result: number[] = [];
  list.forEach((v, i) => {
    const key = keyOf(v);
    const id =
      key === UNSPECIFIED
        ? "u:"
        : typeof key === "object" && key !== null
          ? `c:${goJson(key)}`
          : `s:${typeof key}:${String(key)}`;
    const times = seen.get(id) ?? 0;
    seen.set(id, times + 1);
    if (times === 1) result.push(i);
  });
  return result;
}

function validateListMap(list: unknown[], s: Schema, path: string, out: FieldError[]): void {
  for (let i = 0; i < list.length; i++) {
    if (list[i] !== null && !isObject(list[i])) {
      out.push(errInvalid(pathString(pathIndex(path, i)), list[i], "must be an object for an array of list-type map"));
      return;
    }
  }
  const keys: string[] = Array.isArray(s["x-kubernetes-list-map-keys"])
    ? (s["x-kubernetes-list-map-keys"] as unknown[]).filter((k): k is string => typeof k === "string")
    : [];
  if (list.length <= 1 || keys.length === 0) return;
  const keyOf = (v: unknown): unknown => {
    const vals = keys.map((k) => (isObject(v) && hasOwn(v, k) ? v[k] : UNSPECIFIED));
    if (keys.length === 1) return vals[0];
    return vals.map((val) => (val === UNSPECIFIED ? { "": "<unspecified>" } : val));
  };
  for (const i of nonUniqueIndices(list, keyOf)) {
    const item = isObject(list[i]) ? (list[i] as JsonObject) : {};
    const keyMap: JsonObject = {};
    for (const k of keys) keyMap[k] = hasOwn(item, k) ? item[k] : null;
    out.push(errDuplicate(pathString(pathIndex(path, i)), keyMap));
  }
}
