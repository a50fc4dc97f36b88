import { TRPCError } from "@trpc/server";
import { t, type AuditTarget } from "./init";
import { grantOf, isPermission } from "@/lib/rbac/permissions";
import { canAnywhere, loadAccess } from "../rbac/access";
import { recordAudit, type Outcome } from "../services/audit/audit";
import { describeError, toTRPCError } from "../errors";
import { logger } from "../log";
import { noteAnonymousRefusal } from "./anonymous-refusals";

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
  const audit = (outcome: Outcome, reason?: string) =>
    outcome === "DENIED" && !ctx.principal
      ? noteAnonymousRefusal(ctx.db, {
          path,
          clientIp: ctx.req.clientIp,
          reason: reason ?? "",
          requestId: ctx.req.requestId,
        })
      : recordAudit(ctx.db, {
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
    access = await loadAccess(ctx.db, ctx.principal.userId, ctx.principal.orgRole);
    if (!canAnywhere(access, permission))
      return deny("FORBIDDEN", `lacks ${permission}`, `You do not have permission for ${permission}`);
  }

  const result = await next({ ctx: { ...ctx, access, audit: target } });
  if (!result.ok) {
    const err = toTRPCError(result.error);
    if (DENIALS.has(err.code)) await audit("DENIED", `${err.code}: ${describeError(err)}`);
    else if (type === "mutation") await audit("FAILURE", `${err.code}: ${describeError(err)}`);
    if (err.code === "INTERNAL_SERVER_ERROR")
      logger.error({ path, requestId: ctx.req.requestId, err: err.cause ?? err }, "procedure failed");
    throw err;
  }
  if (type === "mutation") await audit("SUCCESS");
  return result;
});

/** The only procedure builder routers use. */
export const procedure = t.procedure.use(guarded);
