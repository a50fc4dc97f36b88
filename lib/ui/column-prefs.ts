/** Which columns a user showed (true) or hid (false) in one table; absent = the column's default. */
export type ColumnPrefs = Record<string, boolean>;

/** Reads a table's stored choices; anything malformed counts as no choice. */
export function parsePrefs(raw: string | null): ColumnPrefs {
  if (!raw) return {};
  try {
    const value: unknown = JSON.parse(raw);
    if (!value || typeof value !== "object" || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === "boolean")) as ColumnPrefs;
  } catch {
    return {};
  }
}
