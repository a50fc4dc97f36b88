import { describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { AppError, DATABASE_UNAVAILABLE, isDatabaseUnavailable, toTRPCError } from "./errors";
import { Prisma } from "./db/generated/client";
import { ClusterError } from "./kube/errors";
import { KubeconfigError } from "./kube/kubeconfig";
import { SpecError } from "@/lib/velero/backup-spec";

// Errors from clusters, specs and kubeconfigs are mapped once, here, whether a service threw them or a procedure let
// them through wrapped in a TRPCError.
describe("toTRPCError", () => {
  it.each([
    [new AppError("CONFLICT", "taken"), "CONFLICT", "taken"],
    [
      new ClusterError("Nothing answers at https://c:6443", "Unreachable"),
      "PRECONDITION_FAILED",
      "Unreachable: Nothing answers at https://c:6443",
    ],
    [new SpecError([{ path: "scope.include", message: "Required" }]), "BAD_REQUEST", "scope.include: Required"],
    [new KubeconfigError("The kubeconfig is empty"), "BAD_REQUEST", "The kubeconfig is empty"],
  ])("%s → %s", (err, code, message) => {
    for (const thrown of [err, new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: err })]) {
      expect(toTRPCError(thrown)).toMatchObject({ code, message });
    }
  });

  it("anything else stays an internal error", () => {
    expect(toTRPCError(new Error("boom")).code).toBe("INTERNAL_SERVER_ERROR");
  });
});

// PostgreSQL not answering, in the shapes Prisma 7 with @prisma/adapter-pg gives it (seen against a stopped and a
// stopping server): retryable, SERVICE_UNAVAILABLE with words for a person, never "Internal error".
describe("a database that does not answer", () => {
  const known = (code: string, driverCause?: Record<string, unknown>) =>
    new Prisma.PrismaClientKnownRequestError("Invalid `prisma.user.findMany()` invocation", {
      code,
      clientVersion: "7",
      meta: driverCause ? { driverAdapterError: { name: "DriverAdapterError", cause: driverCause } } : undefined,
    });

  it.each([
    ["nothing listening (P1001)", known("P1001", { kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5432 })],
    ["a raw query then (P2010)", known("P2010", { kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5432 })],
    ["a query the shutdown ended (57P01)", known("P2010", { kind: "postgres", code: "57P01", severity: "FATAL" })],
    ["a server shutting down (57P03)", known("P2039", { kind: "postgres", code: "57P03", severity: "FATAL" })],
    ["a connection reset", known("P2010", { kind: "ConnectionClosed" })],
    ["no free connection in time (P2024)", known("P2024")],
    ["node-postgres losing the connection", new Error("Connection terminated unexpectedly")],
  ])("%s → SERVICE_UNAVAILABLE, try again", (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
    for (const thrown of [err, new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: err })])
      expect(toTRPCError(thrown)).toMatchObject({ code: "SERVICE_UNAVAILABLE", message: DATABASE_UNAVAILABLE });
  });

  it.each([
    ["a unique violation", known("P2002")],
    ["another PostgreSQL error", known("P2010", { kind: "postgres", code: "42P01", severity: "ERROR" })],
    ["a cluster that cannot be reached", new ClusterError("Nothing answers at https://c:6443", "Unreachable")],
    ["anything else", new Error("boom")],
  ])("%s is something else", (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
    expect(toTRPCError(err).code).not.toBe("SERVICE_UNAVAILABLE");
  });
});
