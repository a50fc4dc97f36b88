import { describe, expect, it } from "vitest";
import { deploymentChip } from "./deployment-state";

describe("a location's deployment on a cluster, as its chip says it", () => {
  const at = new Date("2026-12-01T00:00:00Z");
  const chip = (error: string | null, appliedAt: Date | null, phase: string | null, readOnly = false) =>
    deploymentChip({ error, appliedAt, phase, readOnly });
  it("says not applied on an error, being applied until applied, then Velero's phase", () => {
    expect(chip("Velero is not installed", null, null)).toEqual({ label: "not applied", color: "warning" });
    // An error after a phase Velero reported (the cluster's BackupStorageLocation as it was): still a warning.
    expect(chip("refused", at, "Available")).toEqual({ label: "not applied", color: "warning" });
    expect(chip(null, null, "Available")).toEqual({ label: "being applied", color: "default" });
    expect(chip(null, at, null).label).toBe("applied, waiting for Velero");
    expect(chip(null, at, "Available")).toEqual({ label: "Available", color: "success" });
    expect(chip(null, at, "Unavailable", true)).toMatchObject({ label: "Unavailable · read-only", color: "error" });
  });
});
