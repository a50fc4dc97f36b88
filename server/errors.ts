import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { ZodError } from "zod";
import { ClusterError } from "./kube/errors";
import { KubeconfigError } from "./kube/kubeconfig";
import { SpecError } from "@/lib/velero/backup-spec";

// One error type for the services, mapped to tRPC (and so HTTP) codes in one place.
export type AppErrorCode =
  "NOT_FOUND" | "FORBIDDEN" | "UNAUTHORIZED" | "CONFLICT" | "BAD_REQUEST" | "TOO_MANY_REQUESTS" | "PRECONDITION_FAILED";

export class AppError extends Error {
  constructor(
    public readonly code: AppErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} was not found`);

const TRPC_CODE: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  NOT_FOUND: "NOT_FOUND",
  FORBIDDEN: "FORBIDDEN",
  UNAUTHORIZED: "UNAUTHORIZED",
  CONFLICT: "CONFLICT",
  BAD_REQUEST: "BAD_REQUEST",
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
  PRECONDITION_FAILED: "PRECONDITION_FAILED",
};

/**
 * The one mapping of what a service may throw to an AppError: its own AppErrors; a cluster that failed to answer
 * (ClusterError: PRECONDITION_FAILED with the reason, NotFound/Forbidden kept); a Velero spec or a kubeconfig that
 * cannot be used (BAD_REQUEST with the reason). Anything else is not an AppError (an internal error).
 */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof ClusterError) return new AppError("PRECONDITION_FAILED", `${err.kind}: ${err.message}`);
  if (err instanceof SpecError || err instanceof KubeconfigError) return new AppError("BAD_REQUEST", err.message);
  return undefined;
}

/**
 * Maps AppErrors (and what toAppError knows) and known Prisma errors to TRPCErrors (PostgreSQL not answering:
 * SERVICE_UNAVAILABLE, to be tried again); anything else stays internal.
 */
export function toTRPCError(err: unknown): TRPCError {
  if (err instanceof TRPCError) {
    const app = toAppError(err.cause);
    if (app) return new TRPCError({ code: TRPC_CODE[app.code], message: app.message, cause: app });
    const prismaMapped = mapPrisma(err.cause);
    return prismaMapped ?? err;
  }
  const app = toAppError(err);
  if (app) return new TRPCError({ code: TRPC_CODE[app.code], message: app.message, cause: app });
  return (
    mapPrisma(err) ??
    new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message: "Internal error",
      cause: err instanceof Error ? err : undefined,
    })
  );
}

function mapPrisma(err: unknown): TRPCError | undefined {
  if (isDatabaseUnavailable(err)) return databaseUnavailable(err);
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === "P2002") return new TRPCError({ code: "CONFLICT", message: "That name is already taken" });
  if (code === "P2025") return new TRPCError({ code: "NOT_FOUND", message: "Not found" });
  if (code === "P2003") return new TRPCError({ code: "CONFLICT", message: "It is still in use" });
  return undefined;
}

/** What a call answers while PostgreSQL does not: the console is fine, the call may be made again. */
export const DATABASE_UNAVAILABLE =
  "Lifeboat's database is not answering right now (it may be restarting). Try again in a moment.";

// Prisma's codes for a database it cannot reach, that closed the connection, or a pool with no free connection in time.
const PRISMA_UNAVAILABLE = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
// The PostgreSQL driver adapter's kinds for the same (@prisma/adapter-pg maps socket errors to these).
const ADAPTER_UNAVAILABLE = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);
// SQLSTATE: class 08 (connection exception), 57P01-57P03 (admin or crash shutdown, cannot connect now: a restart).
const SQLSTATE_UNAVAILABLE = /^(08[0-9A-Z]{3}|57P0[123])$/;
// node-postgres's own words for a connection the server dropped mid-query (no SQLSTATE reaches it then).
const PG_CONNECTION_LOST = /^Connection terminated( unexpectedly| due to connection timeout)?$/;

/**
 * Whether an error means PostgreSQL is not answering (down, restarting, failing over, the connection cut): a call that
 * failed so may be tried again as is. Read from Prisma's error codes, the driver adapter's error it carries, a
 * PostgreSQL error's SQLSTATE, or node-postgres's words for a lost connection, along the error's causes.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e = err as
    | {
        code?: unknown;
        kind?: unknown;
        name?: unknown;
        message?: unknown;
        cause?: unknown;
        meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } };
      }
    | undefined;
  for (let depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    if (typeof e.code === "string" && (PRISMA_UNAVAILABLE.has(e.code) || SQLSTATE_UNAVAILABLE.test(e.code)))
      return true;
    if (typeof e.message === "string" && PG_CONNECTION_LOST.test(e.message.trim())) return true;
    const adapter = e.meta?.driverAdapterError?.cause ?? (e.name === "DriverAdapterError" ? e.cause : undefined);
    const a = adapter as { kind?: unknown; code?: unknown } | undefined;
    if (a && typeof a.kind === "string" && ADAPTER_UNAVAILABLE.has(a.kind)) return true;
    if (a?.kind === "postgres" && typeof a.code === "string" && SQLSTATE_UNAVAILABLE.test(a.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** The retryable answer to a call that failed because PostgreSQL did not answer (HTTP 503). */
export function databaseUnavailable(cause?: unknown): TRPCError {
  return new TRPCError({
    code: "SERVICE_UNAVAILABLE",
    message: DATABASE_UNAVAILABLE,
    cause: cause instanceof Error ? cause : undefined,
  });
}

/** A message fit for a person: validation problems listed by field, anything else as it is. */
export function describeError(err: TRPCError): string {
  if (err.cause instanceof ZodError)
    return err.cause.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
  return err.message;
}
