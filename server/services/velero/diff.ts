import type { ObjectChange } from "@/lib/schemas/velero";
import { toYaml, type K8sObject } from "./manifest";

// What a settings change, an upgrade, a take-over or a repair changes on the cluster, object by object, and how what
// runs differs from what Lifeboat applied (drift). Only the fields Lifeboat sets are compared: a live object is cut to
// the fields of what is to be applied (and of what was applied before, so a field Lifeboat stops setting shows as
// removed); what the API server defaults, the status and the bookkeeping metadata never show. Pure, linear in the
// objects' size except the line diff, which is Myers' O((N+M)·D) with D capped.

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);
const named = (v: Json): string | undefined => (isObject(v) && typeof v.name === "string" ? v.name : undefined);

/** The server's own metadata, never set by Lifeboat. */
const SERVER_METADATA = new Set([
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "selfLink",
  "ownerReferences",
  "finalizers",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
]);

/**
 * `live` cut to the fields present in any of `shapes`. Lists of named items (containers, env, volumes, ports) are
 * matched by name, so a container Lifeboat does not set stays out, and one it no longer sets shows as removed; other
 * lists (args, command) are compared whole.
 */
export function projectOnto(live: Json, shapes: Json[], path: string[] = []): Json {
  const present = shapes.filter((s) => s !== undefined);
  if (isObject(live)) {
    const shapeObjects = present.filter(isObject);
    if (!shapeObjects.length) return live;
    const out: Record<string, Json> = {};
    for (const key of Object.keys(live)) {
      if (path.length === 1 && path[0] === "metadata" && SERVER_METADATA.has(key)) continue;
      if (path.length === 0 && key === "status") continue;
      const sub = shapeObjects.map((s) => s[key]).filter((v) => v !== undefined);
      if (!sub.length) continue;
      out[key] = projectOnto(live[key], sub, [...path, key]);
    }
    return out;
  }
  if (Array.isArray(live)) {
    const shapeArrays = present.filter(Array.isArray) as Json[][];
    if (!shapeArrays.length || !live.every((x) => named(x) !== undefined)) return live;
    const byName = (name: string) =>
      shapeArrays.map((a) => a.find((x) => named(x) === name)).filter((x) => x !== undefined);
    return live
      .filter((x) => byName(named(x)!).length > 0)
      .map((x) => projectOnto(x, byName(named(x)!), [...path, "[]"]));
  }
  return live;
}

export interface DiffLine {
  op: " " | "+" | "-";
  text: string;
}

/** Beyond this many differing lines a diff is shown as "replaced" (all removed, all added). */
const MAX_EDITS = 1_000;

/** Myers' shortest edit script between two lists of lines. */
export function lineDiff(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDITS);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    // Only the band step d reads back (diagonals -d-1 … d+1): memory grows with D², not D·(N+M).
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0)
    return [...a.map((text) => ({ op: "-" as const, text })), ...b.map((text) => ({ op: "+" as const, text }))];
  // Walk the trace back from (n, m).
  const out: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const band = trace[d];
    const at = (diagonal: number) => band[diagonal + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ op: " ", text: a[--x] });
      y--;
    }
    if (x === prevX) out.push({ op: "+", text: b[--y] });
    else out.push({ op: "-", text: a[--x] });
  }
  while (x > 0 && y > 0) {
    out.push({ op: " ", text: a[--x] });
    y--;
  }
  return out.reverse();
}

/** Unchanged lines beyond `context` around each change are cut to one "…" line. */
export function compact(lines: DiffLine[], context = 3): DiffLine[] {
  const near = new Uint8Array(lines.length);
  lines.forEach((l, i) => {
    if (l.op === " ") return;
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++) near[j] = 1;
  });
  const out: DiffLine[] = [];
  let skipped = 0;
  lines.forEach((l, i) => {
    if (near[i]) {
      if (skipped) out.push({ op: " ", text: `… ${skipped} unchanged line${skipped === 1 ? "" : "s"}` });
      skipped = 0;
      out.push(l);
    } else skipped++;
  });
  if (skipped && out.length) out.push({ op: " ", text: `… ${skipped} unchanged line${skipped === 1 ? "" : "s"}` });
  return out;
}

/** At most this many lines of one object's diff reach the browser. */
const MAX_LINES = 400;

const ref = (o: K8sObject) => ({ kind: o.kind, namespace: o.metadata.namespace ?? null, name: o.metadata.name });

/**
 * One object's change: `want` (null: it is to be removed) against `live` (null: not on the cluster), comparing only the
 * fields of `want` and of `before` (what Lifeboat applied last, when known).
 */
export function objectChange(want: K8sObject | null, live: K8sObject | null, before?: K8sObject | null): ObjectChange {
  const object = (want ?? live ?? before)!;
  if (!want) {
    const gone = !live;
    return {
      ...ref(object),
      change: gone ? "same" : "delete",
      lines: gone ? [] : [{ op: "-", text: `${object.kind} ${object.metadata.name}` }],
    };
  }
  if (!live)
    return {
      ...ref(want),
      change: "create",
      lines: cap(
        toYaml(want)
          .trimEnd()
          .split("\n")
          .map((text) => ({ op: "+" as const, text })),
      ),
    };
  const shapes = [want, ...(before ? [before] : [])].map((x) => normalize(x));
  const projected = projectOnto(live, shapes);
  // Both in one key order, so only values differ (the API server answers in its own order).
  const a = toYaml(sortKeys(normalize(projected)) as K8sObject)
    .trimEnd()
    .split("\n");
  const b = toYaml(sortKeys(shapes[0]) as K8sObject)
    .trimEnd()
    .split("\n");
  const lines = compact(lineDiff(a, b));
  const changed = lines.some((l) => l.op !== " ");
  return { ...ref(want), change: changed ? "update" : "same", lines: changed ? cap(lines) : [] };
}

/**
 * Without what an apply does not set: null members (`creationTimestamp: null` in a render), empty objects and lists
 * (the API server may drop them or keep them), and the top-level status.
 */
function normalize(v: Json, top = true): Json {
  if (Array.isArray(v)) return v.map((x) => normalize(x, false)).filter((x) => x !== undefined);
  if (!isObject(v)) return v === null ? undefined : v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) {
    if (top && k === "status") continue;
    const n = normalize(x, false);
    if (n === undefined || (isObject(n) && !Object.keys(n).length) || (Array.isArray(n) && !n.length)) continue;
    out[k] = n;
  }
  return out;
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys(v[k])]),
  );
}

function cap(lines: DiffLine[]): DiffLine[] {
  if (lines.length <= MAX_LINES) return lines;
  return [...lines.slice(0, MAX_LINES), { op: " ", text: `… ${lines.length - MAX_LINES} more lines` }];
}

/**
 * Why an object someone else applied cannot be taken over by a server-side apply in place: a forced apply takes the
 * fields it sets but leaves the containers, init containers and volumes another manager added, and a Deployment's
 * selector cannot change. Empty when an apply in place gives exactly what was rendered.
 */
export function replaceReasons(want: K8sObject, live: K8sObject): string[] {
  const reasons: string[] = [];
  const spec = (o: K8sObject) => (isObject(o.spec) ? o.spec : {});
  const selector = (o: K8sObject) => JSON.stringify(sortKeys(normalize(spec(o).selector ?? null) ?? null));
  if (spec(want).selector !== undefined && selector(want) !== selector(live)) reasons.push("its selector differs");
  const podSpec = (o: K8sObject) => {
    const t = spec(o).template;
    return isObject(t) && isObject(t.spec) ? t.spec : {};
  };
  for (const [field, what] of [
    ["containers", "container"],
    ["initContainers", "init container"],
    ["volumes", "volume"],
  ] as const) {
    const names = (o: K8sObject) => {
      const list = podSpec(o)[field];
      return Array.isArray(list) ? list.map(named).filter((n): n is string => n !== undefined) : [];
    };
    const wanted = new Set(names(want));
    for (const n of names(live)) if (!wanted.has(n)) reasons.push(`${what} ${n} is not in Velero's render`);
  }
  return reasons;
}
