import { TRPCError } from "@trpc/server";
import { t, type AuditTarget } from "./init";
import { grantOf, isPermission } from "@/lib/rbac/permissions";
import { accessOf, canAnywhere } from "../rbac/access";
import { recordAudit, type Outcome } from "../services/audit/audit";
import { databaseUnavailable, describeError, isDatabaseUnavailable, toTRPCError } from "../errors";
import { logger } from "../log";
import { cleanInput } from "./input";
import type { Db } from "../db/client";
import { noteAnonymousRefusal } from "./anonymous-refusals";
import { servicesIn } from "../composition";

// The guard every procedure passes: permission declared (else refused: fail closed), signed in, permission held
// somewhere; then every mutation and every denial is audited
// (anonymous denials as one counted row a minute: see anonymous-refusals.ts). Services scope to a target and answer NOT_FOUND.
const DENIALS = new Set(["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND"]);

export const guarded = t.middleware(async ({ ctx, meta, path, type, next }) => {
  const actor = {
    actorId: ctx.principal?.userId ?? null,
    actorEmail: ctx.principal?.email ?? null,
    tokenId: ctx.principal?.tokenId ?? null,
  };
  // Each call fills its own audit target: calls of one batched request share their context.
  const target: AuditTarget = { ...ctx.audit };
  const audit = (outcome: Outcome, reason?: string, db: Db = ctx.db) =>
    outcome === "DENIED" && !ctx.principal
      ? noteAnonymousRefusal(ctx.db, {
          path,
          clientIp: ctx.req.clientIp,
          reason: reason ?? "",
          requestId: ctx.req.requestId,
        })
      : recordAudit(db, {
          ...actor,
          action: path,
          outcome,
          reason,
          targetType: target.type,
          targetId: target.id,
          scope: target.scope,
          requestId: ctx.req.requestId,
          clientIp: ctx.req.clientIp,
        });
  const deny = async (code: "UNAUTHORIZED" | "FORBIDDEN", reason: string, message: string): Promise<never> => {
    await audit("DENIED", reason);
    throw new TRPCError({ code, message });
  };

  const permission = meta?.permission;
  if (!isPermission(permission)) {
    logger.error({ path }, "procedure declares no known permission: refused");
    return deny("FORBIDDEN", "procedure declares no permission", "This operation is not available");
  }
  const grant = grantOf(permission);
  let access = ctx.access;
  if (grant.scope !== "public") {
    if (!ctx.principal) return deny("UNAUTHORIZED", `not signed in (${permission})`, "Sign in first");
    access = await accessOf(ctx.db, ctx.principal);
    if (!canAnywhere(access, permission))
      return deny("FORBIDDEN", `lacks ${permission}`, `You do not have permission for ${permission}`);
  }

  // A mutation that only changes the database commits with its audit row, or not at all.
  const inTransaction = type === "mutation" && meta?.dbOnly === true;
  const result = inTransaction
    ? await withAuditRow(
        ctx.db,
        (tx) => next({ ctx: { ...ctx, db: tx, services: servicesIn(ctx.services, tx), access, audit: target } }),
        (tx) => audit("SUCCESS", undefined, tx),
      )
    : await next({ ctx: { ...ctx, access, audit: target } });
  if (!result.ok) {
    const err = toTRPCError(result.error);
    if (DENIALS.has(err.code)) await audit("DENIED", `${err.code}: ${describeError(err)}`);
    else if (type === "mutation") await audit("FAILURE", `${err.code}: ${describeError(err)}`);
    if (err.code === "INTERNAL_SERVER_ERROR")
      logger.error({ path, requestId: ctx.req.requestId, err: err.cause ?? err }, "procedure failed");
    throw err;
  }
  if (type === "mutation" && !inTransaction) await audit("SUCCESS");
  return result;
});

class RolledBack<R> {
  constructor(readonly result: R) {}
}

/**
 * Runs a call in one transaction with its audit row: the row is written before the commit, so a change is never
 * stored without its row (if the row cannot be written, the change is rolled back). A failed call rolls back and
 * hands its result on, for the guard to audit the failure outside the transaction.
 */
export async function withAuditRow<R extends { ok: boolean }>(
  db: Db,
  run: (tx: Db) => Promise<R>,
  writeRow: (tx: Db) => Promise<void>,
): Promise<R> {
  try {
    return await db.$transaction(
      async (client) => {
        const tx = client as unknown as Db; // the same model API, without $transaction of its own
        const r = await run(tx);
        if (!r.ok) throw new RolledBack(r);
        await writeRow(tx);
        return r;
      },
      { maxWait: 10_000, timeout: 30_000 },
    );
  } catch (e) {
    if (e instanceof RolledBack) return e.result as R;
    throw e;
  }
}

/**
 * Around everything else: PostgreSQL not answering (down, restarting) wherever a call met it — the guard's own reads
 * and audit rows included — answers SERVICE_UNAVAILABLE, "try again", never an internal error with the driver's text.
 */
export const databaseOutages = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isDatabaseUnavailable(result.error)) throw databaseUnavailable(result.error.cause ?? result.error);
  return result;
});

/** The only procedure builder routers use: outages answered, guarded, then the input's hygiene (server/trpc/input.ts). */
export const procedure = t.procedure.use(databaseOutages).use(guarded).use(cleanInput);
