import { FieldSet, fieldElement, keyElement, pathString, valueElement } from "./field-set";
import { DEDUCED, type Shape } from "./ssa-shape";
import { cloneJson } from "./clone";

// metadata.managedFields and server-side apply, after k8s.io/apiserver's fieldmanager and structured-merge-diff:
//
// - Every write records who set what. An ordinary create/update/patch ("Update") gives its manager the fields it added
//   or changed and takes them from everyone else; fields it removed leave every set.
// - An apply ("Apply") merges the applied configuration into the live object (maps by key, associative lists by their
//   key fields, sets by value, everything else replaced), makes the applied fields the applier's set, removes what the
//   applier owned last time, left out now and nobody else owns, and refuses (409) to change a field another manager
//   owns unless forced, which moves ownership. Applying a value another manager already has shares the field.
// - Managers are identified by name, operation, subresource and (for Update) apiVersion; entries are sorted as kube
//   sorts them and carry FieldsV1 sets and a time.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const clone = cloneJson;

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObj(a)) {
    if (!isObj(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

// ---- managers ------------------------------------------------------------------------------------------------------

export type Operation = "Apply" | "Update";

export interface ManagerEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** Managers by identity (BuildManagerIdentifier: fields, time and, for appliers, apiVersion left out). */
export type Managers = Map<string, ManagerEntry>;

export function managerId(e: Pick<ManagerEntry, "manager" | "operation" | "apiVersion" | "subresource">): string {
  return JSON.stringify({
    manager: e.manager,
    operation: e.operation,
    ...(e.operation === "Update" ? { apiVersion: e.apiVersion } : {}),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  });
}

/** Decodes metadata.managedFields; throws when an entry is not one. */
export function decodeManagedFields(raw: unknown): Managers {
  const out: Managers = new Map();
  if (raw === undefined || raw === null) return out;
  if (!Array.isArray(raw)) throw new Error("managedFields must be a list");
  for (const e of raw) {
    if (!isObj(e)) throw new Error("a managedFields entry must be an object");
    if (e.operation !== "Apply" && e.operation !== "Update")
      throw new Error(`unknown operation ${String(e.operation)}`);
    if (e.fieldsType !== "FieldsV1") throw new Error(`unknown fieldsType ${String(e.fieldsType)}`);
    const entry: ManagerEntry = {
      manager: String(e.manager ?? ""),
      operation: e.operation,
      apiVersion: String(e.apiVersion ?? ""),
      ...(e.subresource ? { subresource: String(e.subresource) } : {}),
      ...(typeof e.time === "string" ? { time: e.time } : {}),
      set: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}),
    };
    const id = managerId(entry);
    const prev = out.get(id);
    out.set(id, prev ? { ...entry, set: prev.set.union(entry.set) } : entry);
  }
  return out;
}

/** Encodes managers as metadata.managedFields, sorted by operation, time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): Obj[] {
  const entries = [...managers.values()].filter((e) => !e.set.empty);
  const cmp = (a: string | undefined, b: string | undefined) =>
    (a ?? "") < (b ?? "") ? -1 : (a ?? "") > (b ?? "") ? 1 : 0;
  entries.sort(
    (a, b) =>
      cmp(a.operation, b.operation) ||
      cmp(a.time, b.time) ||
      cmp(a.manager, b.manager) ||
      cmp(a.apiVersion, b.apiVersion) ||
      cmp(a.subresource, b.subresource),
  );
  return entries.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    ...(e.time ? { time: e.time } : {}),
    fieldsType: "FieldsV1",
    fieldsV1: e.set.toFieldsV1(),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
}

/** An empty list, or a list of one empty entry, asks to reset managedFields (decodeLiveOrNew's isResetManagedFields). */
const isReset = (raw: unknown) =>
  Array.isArray(raw) && (raw.length === 0 || (raw.length === 1 && isObj(raw[0]) && Object.keys(raw[0]).length === 0));

// ---- errors --------------------------------------------------------------------------------------------------------

export interface Conflict {
  managerId: string;
  path: string[];
}

/** An apply that would change fields other managers own. */
export class ApplyConflictError extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super(conflictMessage(conflicts));
    this.name = "ApplyConflictError";
  }

  /** metav1.StatusCause list, as NewConflictError builds it. */
  get causes() {
    return this.conflicts.map((c) => ({
      reason: "FieldManagerConflict",
      message: `conflict with ${printManager(c.managerId)}`,
      field: pathString(c.path),
    }));
  }
}

/** An applied configuration that cannot be typed (a keyed list item without its key, a duplicate key). */
export class ApplyShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApplyShapeError";
  }
}

function printManager(id: string): string {
  const e = JSON.parse(id) as { manager: string; operation: Operation; apiVersion?: string; subresource?: string };
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === "Update") s += ` using ${e.apiVersion}`;
  return s;
}

function conflictMessage(conflicts: Conflict[]): string {
  if (conflicts.length === 1)
    return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.managerId)}: ${pathString(conflicts[0]!.path)}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.managerId, [...(byManager.get(c.managerId) ?? []), pathString(c.path)]);
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${printManager(id)}:`);
    for (const p of byManager.get(id)!) lines.push(`- ${p}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}

// ---- walking values by shape ---------------------------------------------------------------------------------------

const granularList = (shape: Shape) => shape.list === "set" || (shape.list === "map" && !!shape.keys?.length);

/** The path element of a list item: its key fields (associative list) or its value (set); by index when keyless. */
function itemElement(item: unknown, shape: Shape, index: number, strict: boolean, where: string[]): string {
  if (shape.list === "set") return valueElement(item);
  const key: Record<string, unknown> = {};
  for (const k of shape.keys!) {
    const v = isObj(item) && item[k] !== undefined && item[k] !== null ? item[k] : shape.keyDefaults?.[k];
    if (v !== undefined) key[k] = v;
    else if (strict)
      throw new ApplyShapeError(
        `${pathString(where)}: element ${index}: associative list with keys has an element that omits key field ` +
          `${JSON.stringify(k)} (and doesn't have default value)`,
      );
  }
  return Object.keys(key).length ? keyElement(key) : `i:${index}`;
}

function indexItems(list: unknown[], shape: Shape, strict: boolean, where: string[]) {
  const pes = list.map((item, i) => itemElement(item, shape, i, strict, where));
  const byPe = new Map<string, unknown>();
  pes.forEach((pe, i) => {
    if (strict && byPe.has(pe))
      throw new ApplyShapeError(`${pathString(where)}: duplicate entries for key ${pe.slice(2)}`);
    if (!byPe.has(pe)) byPe.set(pe, list[i]);
  });
  return { pes, byPe };
}

/** The fields an applied configuration sets (structured-merge-diff's ToFieldSet). */
export function toFieldSet(value: unknown, shape: Shape, strict = false): FieldSet {
  const set = new FieldSet();
  const walk = (v: unknown, s: Shape, path: string[]) => {
    if (isObj(v) && !s.atomic) {
      for (const k of Object.keys(v)) {
        const f = s.field(k);
        if (!f) continue;
        const cv = v[k];
        const p = [...path, fieldElement(k)];
        walk(cv, f.shape, p);
        if (cv === null || (isObj(cv) && Object.keys(cv).length === 0) || !f.declared) set.insert(p);
      }
      return;
    }
    if (Array.isArray(v) && granularList(s)) {
      const { pes } = indexItems(v, s, strict, path);
      v.forEach((item, i) => {
        const p = [...path, pes[i]!];
        walk(item, s.item ?? DEDUCED, p);
        set.insert(p);
      });
      return;
    }
    if (path.length) set.insert(path);
  };
  walk(value, shape, []);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** What changed from `before` to `after` (structured-merge-diff's Compare). */
export function compare(before: unknown, after: unknown, shape: Shape): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareWalk(c, before, after, shape, [], false);
  return c;
}

const EMPTY: Obj = Object.freeze({}) as Obj;

/** compare's walk; `path` is one stack pushed and popped on the way (FieldSet.insert copies what it keeps). */
function compareWalk(c: Comparison, l: unknown, r: unknown, s: Shape, path: string[], isItem: boolean): void {
  if (l === undefined && r === undefined) return;
  const objects = (isObj(l) || l === undefined) && (isObj(r) || r === undefined);
  if (objects && !s.atomic) {
    if (path.length && (isItem || !s.struct)) {
      if (l === undefined) c.added.insert(path);
      if (r === undefined) c.removed.insert(path);
    }
    const lo = (l ?? EMPTY) as Obj;
    const ro = (r ?? EMPTY) as Obj;
    // Every key of either side once: the left's, then the right's the left lacks.
    for (const k of Object.keys(lo)) compareField(c, lo[k], ro[k], s, k, path);
    for (const k of Object.keys(ro)) if (!Object.hasOwn(lo, k)) compareField(c, undefined, ro[k], s, k, path);
    return;
  }
  const lists = (Array.isArray(l) || l === undefined) && (Array.isArray(r) || r === undefined);
  if (lists && granularList(s)) {
    if (l === undefined && !s.struct) c.added.insert(path);
    if (r === undefined && !s.struct) c.removed.insert(path);
    const li = indexItems((l ?? []) as unknown[], s, false, path);
    const ri = indexItems((r ?? []) as unknown[], s, false, path);
    for (const pe of new Set([...li.pes, ...ri.pes])) {
      path.push(pe);
      compareWalk(c, li.byPe.get(pe), ri.byPe.get(pe), s.item ?? DEDUCED, path, true);
      path.pop();
    }
    return;
  }
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
  else if (!jsonEqual(l, r)) c.modified.insert(path);
}

function compareField(c: Comparison, l: unknown, r: unknown, s: Shape, k: string, path: string[]): void {
  const f = s.field(k);
  if (!f) return;
  path.push(fieldElement(k));
  compareWalk(c, l, r, f.shape, path, false);
  path.pop();
}

/** The applied configuration merged into the live object (structured-merge-diff's Merge; list order as it keeps it). */
export function merge(live: unknown, applied: unknown, shape: Shape): unknown {
  if (applied === undefined) return clone(live);
  if (isObj(live) && isObj(applied) && !shape.atomic) {
    const out = clone(live);
    for (const k of Object.keys(applied)) {
      if (applied[k] === null) {
        delete out[k];
        continue;
      }
      out[k] = merge(live[k], applied[k], shape.field(k)?.shape ?? DEDUCED);
    }
    return out;
  }
  if (Array.isArray(live) && Array.isArray(applied) && granularList(shape)) return mergeList(live, applied, shape);
  return clone(applied);
}

function mergeList(l: unknown[], r: unknown[], shape: Shape): unknown[] {
  const { pes: lPE, byPe: lBy } = indexItems(l, shape, false, []);
  const { pes: rPE, byPe: rBy } = indexItems(r, shape, false, []);
  const item = (pe: string) => merge(lBy.get(pe), rBy.get(pe), shape.item ?? DEDUCED);
  const shared = rPE.filter((pe) => lBy.has(pe));
  let si = 0;
  let nextShared = shared[si++];
  const merged = new Set<string>();
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  while (li < l.length || ri < r.length) {
    if (li < l.length && ri < r.length) {
      const pe = lPE[li]!;
      if (pe === rPE[ri]) {
        merged.add(pe);
        out.push(item(pe));
        li++;
        ri++;
        nextShared = shared[si++];
        continue;
      }
      if (rBy.has(pe) && nextShared !== undefined && nextShared !== pe) {
        li++;
        continue;
      }
    }
    if (li < l.length) {
      const pe = lPE[li]!;
      if (!rBy.has(pe)) {
        out.push(clone(l[li]));
        li++;
        continue;
      }
      if (merged.has(pe)) {
        li++;
        continue;
      }
    }
    if (ri < r.length) {
      const pe = rPE[ri]!;
      if (!merged.has(pe)) out.push(item(pe));
      merged.add(pe);
      ri++;
      if (nextShared === pe) nextShared = shared[si++];
    }
  }
  return out;
}

/**
 * Removes from `obj` (in place) what the applier owned last time (`last`) and nobody owns now (`owned`, every manager's
 * set including the applier's new one): a field, list item or map key leaves with everything under it.
 */
function prune(obj: unknown, shape: Shape, last: FieldSet, owned: FieldSet | undefined): void {
  if (isObj(obj) && !shape.atomic) {
    for (const k of Object.keys(obj)) {
      const f = shape.field(k);
      const pe = fieldElement(k);
      const l = f && last.child(pe);
      if (!f || !l) continue;
      const o = owned?.child(pe);
      if (!o) delete obj[k];
      else prune(obj[k], f.shape, l, o);
    }
    return;
  }
  if (Array.isArray(obj) && granularList(shape)) {
    const { pes } = indexItems(obj, shape, false, []);
    for (let i = obj.length - 1; i >= 0; i--) {
      const l = last.child(pes[i]!);
      if (!l) continue;
      const o = owned?.child(pes[i]!);
      if (!o) obj.splice(i, 1);
      else prune(obj[i], shape.item ?? DEDUCED, l, o);
    }
  }
}

// ---- the two operations ------------------------------------------------------------------------------------------

const withoutManagedFields = (o: Obj | undefined): Obj | undefined => {
  if (!o) return o;
  const md = isObj(o.metadata) ? { ...o.metadata } : undefined;
  if (md) delete md.managedFields;
  return md ? { ...o, metadata: md } : o;
};

export interface Writer {
  manager: string;
  apiVersion: string;
  subresource?: string;
  /** RFC 3339 time stamped on the writer's entry. */
  now: string;
}

/**
 * managedFields after an ordinary write (create, update, non-apply patch) of `next` over `live` (undefined for a
 * create). `incoming` is the managedFields the request carried: absent keeps the live ones, [] or [{}] resets them,
 * a valid list replaces them (writes through a subresource always keep the live ones).
 */
export function recordUpdate(
  live: Obj | undefined,
  next: Obj,
  incoming: unknown,
  shape: Shape,
  w: Writer,
): Obj[] | undefined {
  const liveManaged = isObj(live?.metadata) ? live.metadata.managedFields : undefined;
  let managers: Managers;
  if (w.subresource || incoming === undefined || incoming === null) managers = decodeOrNone(liveManaged) ?? new Map();
  else if (isReset(incoming)) managers = new Map();
  else managers = decodeOrNone(incoming) ?? decodeOrNone(liveManaged) ?? new Map();
  updateManagers(managers, live ?? {}, next, shape, w, "Update");
  const encoded = encodeManagedFields(managers);
  return encoded.length ? encoded : undefined;
}

/** The managers of a managedFields list, or undefined when it names none or is not one. */
function decodeOrNone(raw: unknown): Managers | undefined {
  if (raw === undefined || raw === null) return undefined;
  try {
    const m = decodeManagedFields(raw);
    return m.size ? m : undefined;
  } catch {
    return undefined;
  }
}

function updateManagers(managers: Managers, live: Obj, next: Obj, shape: Shape, w: Writer, operation: Operation) {
  const c = compare(withoutManagedFields(live), withoutManagedFields(next), shape);
  // (A set operation with an empty set is skipped: its result would be an equal copy.)
  const changed = c.modified.empty ? c.added : c.added.empty ? c.modified : c.added.union(c.modified);
  if (changed.empty && c.removed.empty) return;
  const gone = changed.empty ? c.removed : c.removed.empty ? changed : changed.union(c.removed);
  const self = managerId({ ...w, operation });
  for (const [id, e] of managers) {
    if (id === self) continue;
    e.set = e.set.difference(gone);
    if (e.set.empty) managers.delete(id);
  }
  const prev = managers.get(self)?.set;
  const kept = !prev ? undefined : c.removed.empty ? prev : prev.difference(c.removed);
  const set = !kept || kept.empty ? changed : changed.empty ? kept : kept.union(changed);
  if (set.empty) managers.delete(self);
  else managers.set(self, { ...writerEntry(w, operation), set });
}

const writerEntry = (w: Writer, operation: Operation) => ({
  manager: w.manager,
  operation,
  apiVersion: w.apiVersion,
  ...(w.subresource ? { subresource: w.subresource } : {}),
  time: w.now,
});

/**
 * Server-side apply of `applied` (the parsed configuration) to `live` (undefined when the object does not exist yet).
 * Returns the object to store (managedFields filled in), or throws ApplyConflictError / ApplyShapeError.
 */
export function serverSideApply(
  live: Obj | undefined,
  applied: Obj,
  shape: Shape,
  w: Writer & { force: boolean },
): Obj {
  const liveBody = withoutManagedFields(live) ?? {};
  let managers: Managers;
  try {
    managers = decodeManagedFields(isObj(live?.metadata) ? live.metadata.managedFields : undefined);
  } catch {
    managers = new Map();
  }
  // An object no manager has written yet: what is there belongs to "before-first-apply" (skipNonAppliedManager).
  if (live && managers.size === 0)
    updateManagers(managers, {}, liveBody, shape, { ...w, manager: "before-first-apply" }, "Update");

  const set = toFieldSet(applied, shape, true);
  let merged = merge(liveBody, applied, shape) as Obj;
  const self = managerId({ ...w, operation: "Apply" });
  const last = managers.get(self)?.set;
  managers.set(self, { ...writerEntry(w, "Apply"), time: managers.get(self)?.time ?? w.now, set });
  if (last && !last.empty) {
    let owned = new FieldSet();
    for (const e of managers.values()) owned = owned.union(e.set);
    merged = clone(merged);
    prune(merged, shape, last, owned);
  }

  const c = compare(liveBody, merged, shape);
  const changed = c.added.union(c.modified);
  const conflicts: Conflict[] = [];
  const taken = new Map<string, FieldSet>();
  for (const [id, e] of managers) {
    if (id === self) continue;
    const clash = e.set.intersection(changed);
    if (clash.empty) continue;
    taken.set(id, clash);
    for (const path of clash.paths()) conflicts.push({ managerId: id, path });
  }
  if (conflicts.length && !w.force) throw new ApplyConflictError(conflicts);
  for (const [id, e] of managers) {
    if (id === self) continue;
    e.set = e.set.difference(taken.get(id) ?? new FieldSet()).difference(c.removed);
    if (e.set.empty) managers.delete(id);
  }
  const mine = managers.get(self)!;
  if (mine.set.empty) managers.delete(self);
  else if (!jsonEqual(liveBody, merged) || !last || !jsonEqual(last.toFieldsV1(), set.toFieldsV1())) mine.time = w.now;

  const md = isObj(merged.metadata) ? { ...merged.metadata } : {};
  const encoded = encodeManagedFields(managers);
  if (encoded.length) md.managedFields = encoded;
  else delete md.managedFields;
  return { ...merged, metadata: md };
}
