// The order of a table sorted by one column, for the console's list pages (components/common/ResourceTable).

export type SortValue = string | number | boolean | Date | null | undefined;
export type SortDirection = "asc" | "desc";

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Compares two cell values: numbers and dates by size, text as people read it ("node-2" before "node-10"). */
export function compareValues(a: Exclude<SortValue, null | undefined>, b: Exclude<SortValue, null | undefined>) {
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return collator.compare(String(a), String(b));
}

/**
 * The rows ordered by `value`, ascending or descending; rows without a value go last either way, and rows that
 * compare equal keep their order. The input is not changed.
 */
export function sortRows<R>(rows: readonly R[], value: (row: R) => SortValue, direction: SortDirection): R[] {
  const sign = direction === "asc" ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i, v: value(row) }))
    .sort((x, y) => {
      const xNone = x.v === null || x.v === undefined || x.v === "";
      const yNone = y.v === null || y.v === undefined || y.v === "";
      if (xNone || yNone) return xNone === yNone ? x.i - y.i : xNone ? 1 : -1;
      return sign * compareValues(x.v!, y.v!) || x.i - y.i;
    })
    .map((e) => e.row);
}
