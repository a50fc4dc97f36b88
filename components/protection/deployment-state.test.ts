import { describe, expect, it } from "vitest";
import { deploymentState } from "./deployment-state";

describe("a location's deployment on a cluster, in words", () => {
  const at = new Date("2026-12-01T00:00:00Z");
  it("says not applied on an error, being applied until applied, then Velero's phase", () => {
    expect(deploymentState({ error: "Velero is not installed", appliedAt: null, phase: null })).toBe("not applied");
    expect(deploymentState({ error: "refused", appliedAt: at, phase: "Available" })).toBe("not applied");
    expect(deploymentState({ error: null, appliedAt: null, phase: "Available" })).toBe("being applied");
    expect(deploymentState({ error: null, appliedAt: at, phase: null })).toBe("applied, waiting for Velero");
    expect(deploymentState({ error: null, appliedAt: at, phase: "Unavailable" })).toBe("Unavailable");
  });
});
