import { z } from "zod";
import { id } from "@/lib/schemas/admin";
import type { Permission } from "@/lib/rbac/permissions";
import { scopedCluster, scopedGroup, scopedTarget, type ScopeRef } from "../rbac/scope";
import { procedure } from "./guard";
import { t, type AuditTarget } from "./init";

export { scopedCluster, scopedGroup, scopedTarget } from "../rbac/scope";
export type { ScopedCluster, ScopedGroup, ScopedTarget } from "../rbac/scope";

// Procedures bound to their scope: they read the target (a cluster or a cluster group) from the input, answer NOT_FOUND
// when the caller may not see it and FORBIDDEN when they may see it but their role there lacks the procedure's
// permission, put the target in the context and fill the audit row. Services then act on `ctx.cluster` / `ctx.group`
// / `ctx.target` without checking roles again. A procedure on an organization-wide object (a location, a credential)
// is an `objectProcedure`: only its audit row is filled.

interface ScopeOptions {
  /**
   * The input field naming the object acted on inside the scope (a backup's `name`, a location's `locationId`): the
   * audit row names it, as the permission's resource. `null`: the scope itself is the object. Default `name`.
   */
  object?: string | null;
}

const AUDIT_ID_MAX = 253;

/** Reads a string field of the raw (not yet validated) input, cut to what an audit row keeps. */
function rawField(raw: unknown, field: string | null | undefined): string | undefined {
  const v = field && raw && typeof raw === "object" ? (raw as Record<string, unknown>)[field] : undefined;
  return typeof v === "string" ? v.slice(0, AUDIT_ID_MAX) : undefined;
}

/** The audit target of a scoped procedure: the object named in the input (else the scope itself), within the scope. */
function auditScope(audit: AuditTarget, permission: Permission, target: ScopeRef, raw: unknown, opts: ScopeOptions) {
  const object = rawField(raw, opts.object === undefined ? "name" : opts.object);
  Object.assign(audit, {
    type: object ? permission.split(".")[0] : target.kind,
    id: object ?? target.id,
    scope: `${target.kind}:${target.id}`,
  });
}

/** A procedure on one cluster named by the input field `field`: `ctx.cluster` checked for the procedure's permission. */
export function clusterProcedureOn<K extends string>(field: K, opts: ScopeOptions = {}) {
  return procedure
    .input(z.object({ [field]: id } as { [P in K]: typeof id }))
    .use(async ({ ctx, meta, input, getRawInput, next }) => {
      const permission = meta!.permission!;
      const target = { kind: "cluster", id: (input as Record<string, string>)[field] } as const;
      auditScope(ctx.audit, permission, target, await getRawInput(), opts);
      const cluster = await scopedCluster(ctx.db, ctx.access!, target.id, permission);
      return next({ ctx: { ...ctx, cluster } });
    });
}

/** A procedure on one cluster group named by the input field `field`: `ctx.group` checked for the permission. */
export function groupProcedureOn<K extends string>(field: K, opts: ScopeOptions = {}) {
  return procedure
    .input(z.object({ [field]: id } as { [P in K]: typeof id }))
    .use(async ({ ctx, meta, input, getRawInput, next }) => {
      const permission = meta!.permission!;
      const target = { kind: "clusterGroup", id: (input as Record<string, string>)[field] } as const;
      auditScope(ctx.audit, permission, target, await getRawInput(), opts);
      const group = await scopedGroup(ctx.db, ctx.access!, target.id, permission);
      return next({ ctx: { ...ctx, group } });
    });
}

/** The `target` of an input that names either a cluster or a cluster group. */
export const scopeRef = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("clusterGroup"), id }),
  z.object({ kind: z.literal("cluster"), id }),
]);

/** A procedure on the cluster or cluster group of the input's `target`: `ctx.target` checked for the permission. */
export function targetProcedureOn(opts: ScopeOptions = {}) {
  return procedure.input(z.object({ target: scopeRef })).use(async ({ ctx, meta, input, getRawInput, next }) => {
    const permission = meta!.permission!;
    auditScope(ctx.audit, permission, input.target, await getRawInput(), opts);
    const target = await scopedTarget(ctx.db, ctx.access!, input.target, permission);
    return next({ ctx: { ...ctx, target } });
  });
}

/** A procedure on one cluster: input `{ clusterId, ... }`, the audited object its `name` when given. */
export const clusterProcedure = clusterProcedureOn("clusterId");

/** A procedure on one cluster group: input `{ groupId, ... }`, the audited object its `name` when given. */
export const groupProcedure = groupProcedureOn("groupId");

/** After a procedure that creates something succeeds, its audit row names the id it returns. */
export const auditsCreatedId = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  const created = result.ok ? rawField(result.data, "id") : undefined;
  if (created) ctx.audit.id = created;
  return result;
});

/**
 * A procedure on an organization-wide object (a location, a credential, a user): its audit row names `type` and the id
 * in the input field `field` (default `id`; `null` for a procedure that creates the object), and once it succeeds the
 * id it returns (`own`: the caller's own account); `scope` gives the row's scope from that id and the input.
 */
export function objectProcedure(
  type: string,
  opts: {
    field?: string | null;
    /** The object is the caller's own account (its id is theirs, whatever the input says). */
    own?: boolean;
    scope?: (id: string, raw: Record<string, unknown>) => string;
  } = {},
) {
  return procedure.use(async ({ ctx, getRawInput, next }) => {
    const raw = await getRawInput();
    const named = opts.own ? ctx.principal?.userId : rawField(raw, opts.field === undefined ? "id" : opts.field);
    Object.assign(ctx.audit, { type, id: named });
    const result = await next();
    if (result.ok) ctx.audit.id = rawField(result.data, "id") ?? ctx.audit.id;
    if (ctx.audit.id && opts.scope)
      ctx.audit.scope = opts.scope(
        ctx.audit.id,
        (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>,
      );
    return result;
  });
}
