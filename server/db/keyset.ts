import { AppError } from "../errors";

// Keyset pagination, the one way lists page: rows ordered newest first by a timestamp, ties broken by the id; the
// cursor names the last row seen (opaque to clients: base64url of [ISO time or null, id]). Rows arriving meanwhile never
// shift a page, and a cursor whose row is gone still works. PostgreSQL puts NULL timestamps first in a descending order.

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface KeysetOrder {
  /** The timestamp column (ordered descending). */
  at: string;
  /** The tie-breaking id column and its direction. */
  id: string;
  idOrder: "asc" | "desc";
  /** How the id is compared in the database (e.g. BigInt for a bigint column). */
  parseId?: (id: string) => unknown;
}

export function encodeCursor(at: Date | null, id: string | bigint): string {
  return Buffer.from(JSON.stringify([at ? at.toISOString() : null, String(id)])).toString("base64url");
}

export function decodeCursor(cursor: string, order?: Pick<KeysetOrder, "parseId">): { at: Date | null; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown[];
    if ((at !== null && typeof at !== "string") || typeof id !== "string") throw new Error("shape");
    const when = at === null ? null : new Date(at);
    if (when && Number.isNaN(when.getTime())) throw new Error("time");
    order?.parseId?.(id);
    return { at: when, id };
  } catch {
    throw new AppError("BAD_REQUEST", "cursor: not a cursor this list gave");
  }
}

/** The `where` condition for the rows after `cursor` in `order` (AND it with the list's own filters). */
export function afterCursor(cursor: string, order: KeysetOrder): Record<string, unknown> {
  const { at, id } = decodeCursor(cursor, order);
  const key = order.parseId ? order.parseId(id) : id;
  const later = { [order.id]: { [order.idOrder === "asc" ? "gt" : "lt"]: key } };
  if (at === null) return { OR: [{ [order.at]: null, ...later }, { [order.at]: { not: null } }] };
  return { OR: [{ [order.at]: { lt: at } }, { [order.at]: at, ...later }] };
}

/** The `orderBy` that matches `afterCursor`. */
export function keysetOrderBy(order: KeysetOrder) {
  return [{ [order.at]: "desc" as const }, { [order.id]: order.idOrder }];
}

/** A page from `limit + 1` fetched rows: the extra row only says there is more. */
export function toPage<T>(
  rows: T[],
  limit: number,
  key: (row: T) => { at: Date | null; id: string | bigint },
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(key(last).at, key(last).id) : null };
}
