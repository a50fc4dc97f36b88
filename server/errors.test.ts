import { describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { AppError, toTRPCError } from "./errors";
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
