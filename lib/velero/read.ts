// Readers of JSON whose shape nothing has checked (Velero objects from a cluster or the read model, files Velero wrote
// to a location): each answers the field when it has the expected type, and an empty answer otherwise. Pure.

export type Rec = Record<string, unknown>;

export const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);
/** An object, or an empty one. */
export const rec = (v: unknown): Rec => (isRec(v) ? v : {});
/** The objects of an array (other items dropped), or none. */
export const recs = (v: unknown): Rec[] => (Array.isArray(v) ? v.filter(isRec) : []);
export const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
export const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
export const bool = (v: unknown): boolean | null => (typeof v === "boolean" ? v : null);
/** The strings of an array (other items dropped), or none. */
export const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
/** The strings of an array, or null when there is no array (where absent means something: "all namespaces"). */
export const strList = (v: unknown): string[] | null => (Array.isArray(v) ? strs(v) : null);
/** A timestamp (RFC 3339 string) as a Date, or null. */
export const date = (v: unknown): Date | null =>
  typeof v === "string" && !Number.isNaN(Date.parse(v)) ? new Date(v) : null;
/** The string-valued entries of an object (labels, annotations, a namespace mapping). */
export const stringMap = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(rec(v)).filter((e): e is [string, string] => typeof e[1] === "string"));
/** An object of string lists (a backup's resource list, messages per namespace); other entries dropped. */
export const stringLists = (v: unknown): Record<string, string[]> =>
  Object.fromEntries(Object.entries(rec(v)).flatMap(([k, l]) => (Array.isArray(l) ? [[k, strs(l)]] : [])));
