import type { AuditRow } from "@/lib/schemas/admin";

// The audit log's export: the rows of a filter as CSV or JSON, for a download.

/** A CSV cell: formula-looking text gets a leading apostrophe (against formula injection); quoted when it must be. */
export function csvCell(v: string | null | undefined): string {
  let s = v ?? "";
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const COLUMNS: [string, (r: AuditRow) => string | null][] = [
  ["time", (r) => r.at.toISOString()],
  ["actor", (r) => r.actorName ?? r.actorEmail],
  ["actor_email", (r) => r.actorEmail],
  ["actor_id", (r) => r.actorId],
  ["action", (r) => r.action],
  ["target_type", (r) => r.targetType],
  ["target", (r) => r.targetName ?? r.targetId],
  ["target_id", (r) => r.targetId],
  ["scope", (r) => r.scopeName ?? r.scope],
  ["scope_id", (r) => r.scope],
  ["outcome", (r) => r.outcome],
  ["reason", (r) => r.reason],
  ["client", (r) => r.clientIp],
  ["request", (r) => r.requestId],
];

/** RFC 4180 CSV with a header row, CRLF line ends. */
export function auditCsv(rows: AuditRow[]): string {
  const lines = [
    COLUMNS.map(([h]) => h).join(","),
    ...rows.map((r) => COLUMNS.map(([, f]) => csvCell(f(r))).join(",")),
  ];
  return `${lines.join("\r\n")}\r\n`;
}

/** JSON: the rows as the page shows them, and whether the export stopped at its limit. */
export function auditJson(rows: AuditRow[], truncated: boolean, limit: number): string {
  return JSON.stringify({ truncated, limit, events: rows }, null, 2);
}
