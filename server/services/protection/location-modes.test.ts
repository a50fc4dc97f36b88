import { describe, expect, it } from "vitest";
import { modesOf, readOnlyOn, type AssignmentModes } from "./location-modes";

// Which clusters a location reaches and whether each only reads it (#14 §3): the location's ReadOnly switch first, then
// a cluster's own assignment, then its group's, where only the assignment's writers write.
const east = { id: "east", groupId: "a" };
const west = { id: "west", groupId: "a" };
const north = { id: "north", groupId: "b" };
const writable = { readOnly: false };

const group = (clusterGroupId: string, writers: string[] = []): AssignmentModes => ({
  clusterId: null,
  clusterGroupId,
  readOnly: true,
  writers: writers.map((clusterId) => ({ clusterId })),
});
const direct = (clusterId: string, readOnly: boolean): AssignmentModes => ({
  clusterId,
  clusterGroupId: null,
  readOnly,
  writers: [],
});

describe("readOnlyOn", () => {
  it("is null for a cluster no assignment reaches", () => {
    expect(readOnlyOn(writable, [], east)).toBeNull();
    expect(readOnlyOn(writable, [group("b", ["north"]), direct("west", false)], east)).toBeNull();
    // The switch does not reach a cluster either.
    expect(readOnlyOn({ readOnly: true }, [group("b")], east)).toBeNull();
  });

  it("makes a group's clusters ReadOnly except the assignment's writers, also a cluster that joined later", () => {
    const assignments = [group("a", ["east"])];
    expect(readOnlyOn(writable, assignments, east)).toBe(false);
    expect(readOnlyOn(writable, assignments, west)).toBe(true);
    expect(readOnlyOn(writable, assignments, { id: "joined-later", groupId: "a" })).toBe(true);
    expect(readOnlyOn(writable, [group("a")], east)).toBe(true);
  });

  it("lets a cluster's own assignment win over its group's, either way", () => {
    expect(readOnlyOn(writable, [group("a"), direct("east", false)], east)).toBe(false);
    expect(readOnlyOn(writable, [direct("east", true), group("a", ["east"])], east)).toBe(true);
    expect(readOnlyOn(writable, [direct("east", true), group("a", ["east", "west"])], west)).toBe(false);
  });

  it("makes every cluster it reaches ReadOnly when the location's switch is on, whatever the assignments say", () => {
    const ro = { readOnly: true };
    expect(readOnlyOn(ro, [group("a", ["east"])], east)).toBe(true);
    expect(readOnlyOn(ro, [direct("north", false)], north)).toBe(true);
    expect(readOnlyOn(ro, [group("a", ["east"]), direct("east", false)], east)).toBe(true);
  });

  it("does not take a writer of another group's assignment as a writer of its own group's", () => {
    // A writer row left for a cluster that moved from group b to a: it writes through b's assignment only.
    expect(readOnlyOn(writable, [group("a"), group("b", ["east"])], east)).toBe(true);
  });
});

describe("modesOf", () => {
  it("maps each cluster the location reaches to whether it is ReadOnly there, and leaves the others out", () => {
    const location = { readOnly: false, assignments: [group("a", ["west"]), direct("north", false)] };
    const clusters = [east, west, north, { id: "south", groupId: "c" }];
    expect(Object.fromEntries(modesOf(location, clusters))).toEqual({ east: true, west: false, north: false });
    expect(Object.fromEntries(modesOf({ ...location, readOnly: true }, clusters))).toEqual({
      east: true,
      west: true,
      north: true,
    });
    expect(modesOf({ readOnly: false, assignments: [] }, clusters).size).toBe(0);
  });
});
