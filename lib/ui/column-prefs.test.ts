import { describe, expect, it } from "vitest";
import { parsePrefs } from "./column-prefs";

describe("parsePrefs", () => {
  it.each([
    [null, {}],
    ["", {}],
    ["not json", {}],
    ["[true]", {}],
    ["null", {}],
    ['{"schedule":true,"location":false}', { schedule: true, location: false }],
    ['{"schedule":"yes","expires":false}', { expires: false }],
  ])("%j → %j", (raw, expected) => {
    expect(parsePrefs(raw)).toEqual(expected);
  });
});
