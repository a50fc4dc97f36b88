import type { Db } from "../../db/client";
import { logger } from "../../log";
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

export async function recordAudit(db: Db, e: AuditEntry): Promise<void> {
  try {
    await db.auditEvent.create({
      data: {
        actorId: e.actorId ?? null,
        actorEmail: e.actorEmail ?? null,
        action: e.action,
        targetType: e.targetType ?? null,
        targetId: e.targetId ?? null,
        scope: e.scope ?? "org",
        outcome: e.outcome,
        reason: e.reason?.slice(0, 500) ?? null,
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

/** Newest first, keyset-paginated on (at, id). */
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
  return { ...page, items: page.items.map((r) => ({ ...r, id: r.id.toString() })) };
}
