import { describe, expect, it } from "vitest";
import { groupsFromClaims, identityFromClaims } from "./oidc";

describe("groupsFromClaims", () => {
  it.each([
    [{ groups: ["a", "b"] }, "groups", ["a", "b"]],
    [{ groups: "a b,c" }, "groups", ["a", "b", "c"]],
    [{ roles: ["x", 3, null] }, "roles", ["x"]],
    [{}, "groups", []],
    [{ groups: { nested: true } }, "groups", []],
  ])("%j[%s] → %j", (claims, claim, want) => expect(groupsFromClaims(claims, claim)).toEqual(want));
});

// #9 §3: only `email_verified === true` verifies an address (a missing claim counted as verified).
describe("identityFromClaims", () => {
  it.each([
    [{ email_verified: true }, true],
    [{}, false],
    [{ email_verified: "true" }, false],
    [{ email_verified: 1 }, false],
    [{ email_verified: false }, false],
    [{ email_verified: null }, false],
  ])("%j → emailVerified %s", (extra, want) => {
    const id = identityFromClaims({ sub: "s", email: "a@example.com", ...extra }, "groups", "fallback");
    expect(id.emailVerified).toBe(want);
  });

  it("reads subject, email, name and groups, falling back where claims are missing", () => {
    expect(identityFromClaims({ preferred_username: "pat", groups: ["g"] }, "groups", "acct-1")).toEqual({
      subject: "acct-1",
      email: "",
      emailVerified: false,
      name: "pat",
      groups: ["g"],
    });
  });
});
