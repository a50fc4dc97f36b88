import type { Db } from "../../db/client";
import { logger } from "../../log";
import { withNames } from "./names";
import { auditCsv, auditJson } from "./export";
import { afterCursor, keysetOrderBy, toPage, type KeysetOrder } from "../../db/keyset";

// Append-only: this module only inserts and reads. The database refuses UPDATE and DELETE (trigger in the migration).
export type Outcome = "SUCCESS" | "DENIED" | "FAILURE";

export interface AuditEntry {
  actorId?: string | null;
  actorEmail?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  scope?: string;
  outcome: Outcome;
  reason?: string | null;
  requestId: string;
  clientIp?: string | null;
  /** The API token the actor used (none for a browser session). */
  tokenId?: string | null;
}

/** Audit text comes partly from callers' input: PostgreSQL's text cannot hold NUL, so it is dropped, never the row. */
const text = (s: string | null | undefined, max = 500) => (s == null ? null : s.replaceAll("\u0000", "").slice(0, max));

export async function recordAudit(db: Db, e: AuditEntry): Promise<void> {
  try {
    await db.auditEvent.create({
      data: {
        actorId: e.actorId ?? null,
        actorEmail: text(e.actorEmail),
        action: e.action,
        targetType: text(e.targetType),
        targetId: text(e.targetId),
        scope: text(e.scope) ?? "org",
        outcome: e.outcome,
        reason: text(e.reason),
        requestId: e.requestId,
        clientIp: e.clientIp ?? null,
        tokenId: e.tokenId ?? null,
      },
    });
  } catch (err) {
    logger.error({ err, action: e.action, requestId: e.requestId }, "audit write failed");
    throw err;
  }
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: Outcome;
  from?: Date;
  to?: Date;
  cursor?: string; // the nextCursor of the page before
  limit: number;
}

const AUDIT_ORDER: KeysetOrder = { at: "at", id: "id", idOrder: "desc", parseId: BigInt };

/** Newest first, keyset-paginated on (at, id); each row with the names of its actor, target and scope. */
export async function listAudit(db: Db, f: AuditFilter) {
  const and: object[] = [];
  if (f.actor) and.push({ actorEmail: { contains: f.actor, mode: "insensitive" } });
  if (f.action) and.push({ action: { startsWith: f.action } });
  if (f.target) and.push({ OR: [{ targetId: f.target }, { targetType: f.target }] });
  if (f.outcome) and.push({ outcome: f.outcome });
  if (f.from) and.push({ at: { gte: f.from } });
  if (f.to) and.push({ at: { lte: f.to } });
  if (f.cursor) and.push(afterCursor(f.cursor, AUDIT_ORDER));
  const rows = await db.auditEvent.findMany({
    where: { AND: and },
    orderBy: keysetOrderBy(AUDIT_ORDER),
    take: f.limit + 1,
  });
  const page = toPage(rows, f.limit, (r) => r);
  return {
    ...page,
    items: await withNames(
      db,
      page.items.map((r) => ({ ...r, id: r.id.toString() })),
    ),
  };
}

/** How many rows an export holds at most: past it, the newest are exported and the answer says it was cut. */
export const AUDIT_EXPORT_MAX = 5_000;

/** The rows of a filter (newest first, up to `max`) as a CSV or JSON file. */
export async function exportAudit(
  db: Db,
  f: Omit<AuditFilter, "cursor" | "limit">,
  format: "csv" | "json",
  max = AUDIT_EXPORT_MAX,
) {
  const rows: Awaited<ReturnType<typeof listAudit>>["items"] = [];
  let cursor: string | undefined;
  let more = true;
  while (more && rows.length < max) {
    const page = await listAudit(db, { ...f, cursor, limit: Math.min(1_000, max - rows.length) });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    more = Boolean(cursor);
  }
  const truncated = more;
  return {
    format,
    rows: rows.length,
    truncated,
    limit: max,
    content: format === "csv" ? auditCsv(rows) : auditJson(rows, truncated, max),
  };
}
