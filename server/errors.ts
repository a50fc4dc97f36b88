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

/** Maps AppErrors (and what toAppError knows) and known Prisma errors to TRPCErrors; anything else stays internal. */
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
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === "P2002") return new TRPCError({ code: "CONFLICT", message: "That name is already taken" });
  if (code === "P2025") return new TRPCError({ code: "NOT_FOUND", message: "Not found" });
  if (code === "P2003") return new TRPCError({ code: "CONFLICT", message: "It is still in use" });
  return undefined;
}

/** A message fit for a person: validation problems listed by field, anything else as it is. */
export function describeError(err: TRPCError): string {
  if (err.cause instanceof ZodError)
    return err.cause.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
  return err.message;
}
