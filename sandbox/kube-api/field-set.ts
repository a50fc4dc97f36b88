// Sets of field paths, as sigs.k8s.io/structured-merge-diff keeps them for server-side apply, stored as a trie whose
// edges are path elements written the way metadata.managedFields writes them (FieldsV1):
//
//   f:<name>                 a field of a struct or a key of a map
//   k:{"name":"app"}         an item of an associative list (x-kubernetes-list-type: map), by its key fields
//   v:"finalizer.io/x"       an item of a set (x-kubernetes-list-type: set), by its value
//   i:3                      an item of a list by index (never produced here; accepted when decoding)
//
// A node is a member when the path itself is in the set (a leaf field, a list item, a map the manager added); inner
// nodes only lead to members. FieldsV1 marks a member that also has children with a "." key.

export class FieldSet {
  member = false;
  readonly children = new Map<string, FieldSet>();

  static of(paths: string[][]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: readonly string[], from = 0): void {
    if (from === path.length) {
      this.member = true;
      return;
    }
    let next = this.children.get(path[from]!);
    if (!next) this.children.set(path[from]!, (next = new FieldSet()));
    next.insert(path, from + 1);
  }

  child(pe: string): FieldSet | undefined {
    return this.children.get(pe);
  }

  has(path: readonly string[], from = 0): boolean {
    if (from === path.length) return this.member;
    return this.children.get(path[from]!)?.has(path, from + 1) ?? false;
  }

  get empty(): boolean {
    return !this.member && this.children.size === 0;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    for (const [pe, c] of this.children) out.children.set(pe, c.clone());
    return out;
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    const add = (into: FieldSet, from: FieldSet) => {
      into.member ||= from.member;
      for (const [pe, c] of from.children) {
        let next = into.children.get(pe);
        if (!next) into.children.set(pe, (next = new FieldSet()));
        add(next, c);
      }
    };
    add(out, other);
    return out;
  }

  /** Members of this set that are not members of `other` (structure that leads nowhere is dropped). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !other.member;
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      const d = o ? c.difference(o) : c.clone();
      if (!d.empty) out.children.set(pe, d);
    }
    return out;
  }

  /** Members of both sets. */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other.member;
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      if (!o) continue;
      const i = c.intersection(o);
      if (!i.empty) out.children.set(pe, i);
    }
    return out;
  }

  /** Every member path, in FieldsV1 order. */
  paths(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    if (this.member && prefix.length) out.push(prefix);
    for (const pe of sortedElements([...this.children.keys()]))
      out.push(...this.children.get(pe)!.paths([...prefix, pe]));
    return out;
  }

  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.member && this.children.size) out["."] = {};
    for (const pe of sortedElements([...this.children.keys()])) out[pe] = this.children.get(pe)!.toFieldsV1();
    return out;
  }

  /** Decodes FieldsV1; throws on anything that is not one. */
  static fromFieldsV1(raw: unknown): FieldSet {
    const decode = (v: unknown, isRoot: boolean): FieldSet => {
      if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("FieldsV1 must be an object");
      const s = new FieldSet();
      const entries = Object.entries(v as Record<string, unknown>);
      if (!isRoot && entries.length === 0) s.member = true;
      for (const [k, c] of entries) {
        if (k === ".") {
          s.member = true;
          continue;
        }
        if (!/^[fkvi]:/.test(k)) throw new Error(`invalid path element ${JSON.stringify(k)}`);
        s.children.set(k, decode(c, false));
      }
      return s;
    };
    return decode(raw, true);
  }
}

const RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Fields first, then keyed items, set values and indices, each group in byte order (as structured-merge-diff sorts). */
function sortedElements(pes: string[]): string[] {
  return pes.sort((a, b) => RANK[a[0]!]! - RANK[b[0]!]! || (a < b ? -1 : a > b ? 1 : 0));
}

/** Go's value.ToString: strings quoted, other scalars as JSON. */
const show = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? "null"));

/** A path as kube-apiserver prints it in conflicts: `.spec.template.spec.containers[name="app"].image`. */
export function pathString(path: readonly string[]): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case "f":
          return `.${body}`;
        case "k": {
          const key = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(key)
            .map(([k, v]) => `${k}=${show(v)}`)
            .join(",")}]`;
        }
        case "v":
          return `[=${show(JSON.parse(body))}]`;
        default:
          return `[${body}]`;
      }
    })
    .join("");
}

export const fieldElement = (name: string) => `f:${name}`;
export const valueElement = (v: unknown) => `v:${JSON.stringify(v)}`;
/** `k:{...}` with the key fields in name order, as structured-merge-diff sorts them. */
export function keyElement(fields: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(fields).sort()) sorted[k] = fields[k];
  return `k:${JSON.stringify(sorted)}`;
}
