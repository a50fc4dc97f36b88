import { describe, expect, it } from "vitest";
import { buildBackup } from "./backup-spec";
import { clusterNamePrefix, isSameRequest } from "./idempotency";
import { backupName } from "./names";

const input = {
  scope: { kind: "namespaces", include: ["shop"] },
  volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
  location: "default",
  ttl: { value: 1, unit: "days" },
};
const wanted = buildBackup({
  name: "east-shop-20240501000000",
  input,
  cluster: { name: "east" },
  createdBy: "ann@example.com",
});

describe("isSameRequest", () => {
  it("accepts the object as created, with server defaults and a status", () => {
    const existing = structuredClone(wanted) as any;
    existing.spec.metadata = {};
    existing.status = { phase: "Completed" };
    expect(isSameRequest(existing, wanted)).toBe(true);
  });
  it.each([
    ["another author", (o: any) => (o.metadata.annotations["lifeboat.io/created-by"] = "bob@example.com")],
    ["another cluster", (o: any) => (o.metadata.labels["lifeboat.io/cluster"] = "west")],
    ["another scope", (o: any) => (o.spec.includedNamespaces = ["db"])],
    ["a field missing", (o: any) => delete o.spec.ttl],
  ])("refuses %s", (_, change) => {
    const existing = structuredClone(wanted) as any;
    change(existing);
    expect(isSameRequest(existing, wanted)).toBe(false);
  });
  it("refuses nothing", () => expect(isSameRequest(null, wanted)).toBe(false));
});

describe("clusterNamePrefix", () => {
  it.each([["east"], ["Prod EU (legacy)"], ["a-very-long-cluster-name-that-goes-on-and-on-and-on"]])(
    "names from backupName(%j) start with it",
    (cluster) => {
      expect(backupName({ cluster, now: new Date() }).startsWith(clusterNamePrefix(cluster))).toBe(true);
    },
  );
});
