import { describe, expect, it } from "vitest";
import { groupsFromClaims } from "./oidc";

describe("groupsFromClaims", () => {
  it.each([
    [{ groups: ["a", "b"] }, "groups", ["a", "b"]],
    [{ groups: "a b,c" }, "groups", ["a", "b", "c"]],
    [{ roles: ["x", 3, null] }, "roles", ["x"]],
    [{}, "groups", []],
    [{ groups: { nested: true } }, "groups", []],
  ])("%j[%s] → %j", (claims, claim, want) => expect(groupsFromClaims(claims, claim)).toEqual(want));
});
