import { describe, expect, it } from "vitest";
import { phaseText, progressOf, stateChip } from "./group-view";

const at = "2026-12-09T10:00:00.000Z";
const upgrade = {
  kind: "UPGRADE" as const,
  version: "v1.18.1",
  phase: "ROLLING_OUT" as const,
  progress: { ready: 1, desired: 2 },
  steps: [
    { name: "render", state: "done" as const, at },
    { name: "crds", state: "done" as const, at },
    { name: "established", state: "done" as const, at },
    { name: "namespace-rbac", state: "done" as const, at },
    { name: "workloads", state: "done" as const, at },
    { name: "rollout", state: "running" as const, at },
  ],
};

describe("a group's cluster rows", () => {
  it("label the state against the policy, with a blocked cluster's reason; without a policy, who runs Velero", () => {
    expect(stateChip({ state: "in policy", reason: null, management: "MANAGED" })).toEqual({
      label: "In policy",
      color: "success",
    });
    expect(stateChip({ state: "blocked", reason: "no manage access", management: "OFF" })).toEqual({
      label: "Blocked: no manage access",
      color: "warning",
    });
    expect(stateChip({ state: "failed", reason: null, management: "MANAGED" }).color).toBe("error");
    expect(stateChip({ state: null, reason: null, management: "ADOPTED" }).label).toBe("Someone else's Velero");
  });

  it("say which step an operation is at, and how far it is", () => {
    expect(phaseText(upgrade)).toMatch(/^Upgrade to Velero v1\.18\.1 · /);
    const p = progressOf(upgrade)!;
    expect(p).toBeGreaterThan(50);
    expect(p).toBeLessThan(100);
    expect(progressOf({ ...upgrade, progress: { ready: 2, desired: 2 } })!).toBeGreaterThan(p);
    expect(progressOf({ ...upgrade, phase: "SUCCEEDED" })).toBeNull();
    expect(phaseText({ ...upgrade, phase: "SUCCEEDED" })).toBe("Upgrade to Velero v1.18.1 · done");
    expect(phaseText({ ...upgrade, phase: "FAILED", steps: [{ name: "render", state: "failed", at }] })).toBe(
      "Upgrade to Velero v1.18.1 · failed at Run the installer",
    );
    expect(progressOf({ ...upgrade, phase: "PENDING", steps: [], progress: null })).toBe(0);
  });
});
