import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import type { Db } from "../db/client";
import type { Principal } from "../auth/principal";
import type { RequestMeta } from "../request-meta";
import type { Access } from "../rbac/access";
import type { Permission } from "@/lib/rbac/permissions";
import { describeError } from "../errors";
import type { EventBus } from "../events/bus";
import { depsFor, type Deps } from "../composition";

// One tRPC setup, in a fixed order: context → meta → instance → the guarded procedure (guard.ts) and the scoped ones (scoped.ts).
export interface Meta {
  /** Required on every procedure: the guard refuses any procedure without one. */
  permission?: Permission;
  /** A mutation that only changes the database: it runs in one transaction with its audit row (guard.ts). */
  dbOnly?: true;
}

export interface AuditTarget {
  type?: string;
  id?: string;
  scope?: string;
}

export interface Context {
  db: Db;
  /** The composition root's services for this database (built once per process, shared by every request). */
  services: Deps;
  req: RequestMeta;
  principal: Principal | null;
  /** Set by the guard for every non-public procedure. */
  access?: Access;
  /** Change notifications (pushed updates); the process's bus when not given. */
  events?: EventBus;
  /** What a mutation acted on, for its audit row; filled by the scoped procedures and `auditedAs`. */
  audit: AuditTarget;
}

export function makeContext(db: Db, req: RequestMeta, principal: Principal | null): Context {
  return { db, services: depsFor(db), req, principal, audit: {} };
}

export const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    // Pushed updates (server-sent events): a ping keeps idle streams open through proxies.
    sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 40_000 } },
    errorFormatter({ shape, error }) {
      const zod =
        error.cause instanceof ZodError
          ? error.cause.issues.map((i) => ({ path: i.path.join("."), message: i.message }))
          : null;
      const internal = error.code === "INTERNAL_SERVER_ERROR";
      return {
        ...shape,
        message: internal
          ? "Something went wrong on the server. The request id is in the server log."
          : describeError(error),
        data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, fieldErrors: zod },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export { TRPCError };
