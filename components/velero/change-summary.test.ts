import { describe, expect, it } from "vitest";
import type { ObjectChange } from "@/lib/schemas/velero";
import { changeCounts, changeLabel, changeSummary, diffTestId, objectName } from "./change-summary";

const changes = (...kinds: ObjectChange["change"][]) => kinds.map((change) => ({ change }));

describe("what a change does, in words", () => {
  it("counts the objects by change", () => {
    expect(changeCounts(changes("update", "update", "create", "same", "delete", "same", "same"))).toEqual({
      updated: 2,
      created: 1,
      deleted: 1,
      same: 3,
      changed: 4,
    });
  });

  it("sums up the changed objects, then the unchanged", () => {
    expect(changeSummary(changes("update", "update", "create", ...Array(15).fill("same")))).toBe(
      "3 objects change: 2 updated, 1 created, 0 deleted; the other 15 are unchanged.",
    );
    expect(changeSummary(changes("update", "same"))).toBe(
      "1 object changes: 1 updated, 0 created, 0 deleted; the other object is unchanged.",
    );
    expect(changeSummary(changes("delete"))).toBe("1 object changes: 0 updated, 0 created, 1 deleted.");
    expect(changeSummary(changes("same", "same"))).toBe(
      "Nothing changes: the 2 objects are as they run on the cluster.",
    );
    expect(changeSummary([])).toBe("Nothing changes on the cluster.");
  });

  it("says a drifted object's change from the cluster's side", () => {
    expect(changeLabel("create", "drift")).toBe("missing on the cluster");
    expect(changeLabel("update", "drift")).toBe("changed on the cluster");
    expect(changeLabel("create", "review")).toBe("created");
    expect(changeLabel("delete", "review")).toBe("deleted");
  });

  it("names an object as kubectl would, and its diff's test id", () => {
    const o = { kind: "Deployment", namespace: "velero", name: "velero" };
    expect(objectName(o)).toBe("Deployment velero/velero");
    expect(objectName({ kind: "CustomResourceDefinition", namespace: null, name: "backups.velero.io" })).toBe(
      "CustomResourceDefinition backups.velero.io",
    );
    expect(diffTestId(o)).toBe("velero-diff-Deployment-velero");
  });
});
