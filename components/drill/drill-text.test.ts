import { describe, expect, it } from "vitest";
import { drillHref, drillRunning, durationText } from "./drill-text";

describe("drill wording", () => {
  it("says a recovery time in seconds, minutes or hours, and a dash when none was measured", () => {
    expect(durationText(null)).toBe("—");
    expect(durationText(undefined)).toBe("—");
    expect(durationText(0)).toBe("0 s");
    expect(durationText(45.4)).toBe("45 s");
    expect(durationText(60)).toBe("1 min");
    expect(durationText(125)).toBe("2 min 5 s");
    expect(durationText(3600)).toBe("1 h");
    expect(durationText(3780)).toBe("1 h 3 min");
  });

  it("knows which phases are still going, and where a drill's page is", () => {
    expect(["RESTORING", "VERIFYING", "CLEANING"].every((p) => drillRunning(p as never))).toBe(true);
    expect(drillRunning("PASSED")).toBe(false);
    expect(drillRunning("FAILED")).toBe(false);
    expect(drillHref({ clusterId: "c1", id: "d1" })).toBe("/drills/c1/d1");
  });
});
