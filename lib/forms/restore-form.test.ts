import { describe, expect, it } from "vitest";
import { restoreInput } from "../schemas/protection";
import {
  restoreFieldOf,
  restoreFormDefaults,
  restoreFormSchema,
  toRestoreInput,
  type RestoreFormValues,
} from "./restore-form";

const schema = restoreFormSchema({ clusterOk: (id) => id === "c1", backupOk: (name) => name === "b1" });
const valid: RestoreFormValues = restoreFormDefaults({ clusterId: "c1", backupName: "b1" });
const problems = (v: Partial<RestoreFormValues>) =>
  (schema.safeParse({ ...valid, ...v }).error?.issues ?? []).map((i) => [i.path.join("."), i.message]);

describe("toRestoreInput", () => {
  it("builds what the server's schema accepts, as the wizard always sent it", () => {
    const input = toRestoreInput(valid);
    expect(restoreInput.safeParse(input).success).toBe(true);
    expect(input).toEqual({
      scope: { kind: "all" },
      resources: { include: [], exclude: [] },
      includeClusterResources: null,
      namespaceMapping: {},
      storageClassMapping: {},
      restorePVs: true,
      existingResourcePolicy: "none",
    });
  });
  it("keeps the mapping rows that have both names, trimmed", () => {
    const input = toRestoreInput({
      ...valid,
      scope: "namespaces",
      namespaces: "payments, web",
      nsMap: [
        { from: " payments ", to: "payments-restored " },
        { from: "", to: "" },
      ],
      scMap: [{ from: "standard", to: "fast" }],
      clusterResources: "no",
      policy: "update",
    });
    expect(input).toMatchObject({
      scope: { kind: "namespaces", include: ["payments", "web"] },
      namespaceMapping: { payments: "payments-restored" },
      storageClassMapping: { standard: "fast" },
      includeClusterResources: false,
      existingResourcePolicy: "update",
    });
  });
});

describe("restoreFormSchema", () => {
  it("accepts a valid form", () => expect(problems({})).toEqual([]));
  it.each([
    ["no cluster", { clusterId: "" }, [["clusterId", "Choose the cluster to restore into"]]],
    ["a backup it cannot restore", { backupName: "b2" }, [["backupName", "Choose a backup"]]],
    ["no namespace", { scope: "namespaces", namespaces: "" }, [["namespaces", "Add at least one namespace"]]],
    [
      "a bad selector",
      { scope: "labels", selectors: "env in prod" },
      [
        ["selectors", expect.any(String)],
        ["selectors", "Add at least one selector"],
      ],
    ],
    [
      "a resource Velero never restores",
      { includeResources: "nodes" },
      [["includeResources", "Velero never restores nodes"]],
    ],
    [
      "half a namespace mapping",
      { nsMap: [{ from: "payments", to: " " }] },
      [["nsMap.0.to", "Give each namespace mapping both names, or remove the row"]],
    ],
    [
      "half a storage-class mapping",
      { scMap: [{ from: "", to: "fast" }] },
      [["scMap.0.from", "Give each storage-class mapping both names, or remove the row"]],
    ],
    [
      "a target that is not a namespace name",
      {
        nsMap: [
          { from: "ok", to: "x" },
          { from: "payments", to: "Not_OK" },
        ],
      },
      [["nsMap.1.to", expect.stringContaining('"Not_OK" is not a valid namespace name')]],
    ],
    [
      "a mapped namespace that is not restored",
      { scope: "namespaces", namespaces: "web", nsMap: [{ from: "payments", to: "p2" }] },
      [["nsMap.0.from", expect.stringContaining('"payments" is not among the namespaces being restored')]],
    ],
  ] as const)("%s", (_, change, want) => expect(problems(change as Partial<RestoreFormValues>)).toEqual(want));
});

describe("restoreFieldOf", () => {
  const fieldOf = restoreFieldOf({ ...valid, nsMap: [{ from: "a", to: "b" }], scMap: [{ from: "std", to: "fast" }] });
  it.each([
    [["scope", "include", "0"], undefined, "namespaces"],
    [["scope", "selectors", "0"], undefined, "selectors"],
    [["resources", "include", "0"], undefined, "includeResources"],
    [["resources", "exclude"], undefined, "excludeResources"],
    [["includeClusterResources"], undefined, "clusterResources"],
    [["namespaceMapping", "a"], '"b" is taken', "nsMap.0.to"],
    [["namespaceMapping", "a"], '"a" is odd', "nsMap.0.from"],
    [["namespaceMapping", "zzz"], "no such row", null],
    [["storageClassMapping", "std"], '"fast" is not a StorageClass name', "scMap.0.to"],
    [["existingResourcePolicy"], undefined, "policy"],
    [["backupName"], undefined, "backupName"],
    [["name"], undefined, null],
  ] as const)("%j %s → %s", (path, message, want) => expect(fieldOf(path, message)).toBe(want));
});
