import type { OutcomeRow } from "../../schemas/preflight";

// A restore's resource list (`restores/<name>/restore-<name>-resource-list.json.gz`: {"apps/v1/Deployment":
// ["shop/web(created)", …], "v1/Namespace": ["shop(skipped)"]}) counted per namespace and kind, in the prediction's
// shape (a Namespace object counts in its own namespace's rows). Untrusted input: bounded, linear. Pure.

const MAX_ENTRIES = 200_000;
/** At most this many rows (namespace × kind) are kept, as for the prediction. */
const MAX_ROWS = 2_000;
const ENTRY = /^(?:([^/()]+)\/)?([^/()]+)\((created|updated|skipped|failed)\)$/;
const FIELD = { created: "created", updated: "updated", skipped: "skipped", failed: "failed" } as const;

export function restoreOutcome(list: unknown): OutcomeRow[] | null {
  if (!list || typeof list !== "object" || Array.isArray(list)) return null;
  const rows = new Map<string, OutcomeRow>();
  let seen = 0;
  for (const [key, items] of Object.entries(list as Record<string, unknown>)) {
    if (!Array.isArray(items)) continue;
    const slash = key.lastIndexOf("/");
    if (slash <= 0) continue;
    const groupVersion = key.slice(0, slash);
    const kind = key.slice(slash + 1);
    for (const entry of items) {
      if (++seen > MAX_ENTRIES) break;
      if (typeof entry !== "string" || entry.length > 600) continue;
      const m = ENTRY.exec(entry);
      if (!m) continue;
      const namespace = m[1] ?? (kind === "Namespace" && groupVersion === "v1" ? m[2] : null);
      const rowKey = `${namespace ?? ""}|${groupVersion}|${kind}`;
      let row = rows.get(rowKey);
      if (!row) {
        if (rows.size >= MAX_ROWS) continue;
        row = { namespace, kind, groupVersion, created: 0, updated: 0, skipped: 0, failed: 0 };
        rows.set(rowKey, row);
      }
      row[FIELD[m[3] as keyof typeof FIELD]]++;
    }
  }
  return [...rows.values()].sort(
    (a, b) =>
      (a.namespace ?? "").localeCompare(b.namespace ?? "") ||
      a.kind.localeCompare(b.kind) ||
      a.groupVersion.localeCompare(b.groupVersion),
  );
}
