import { describe, expect, it } from "vitest";
import { bearerCredential } from "./bearer";

describe("bearerCredential", () => {
  it.each([
    ["Bearer lbt_abc", "lbt_abc"],
    ["bearer   lbt_abc  ", "lbt_abc"],
    ["BEARER lbt_abc", "lbt_abc"],
    ["Bearer", ""],
    ["Bearer ", ""],
    ["Bearer two words", "two words"],
    ["Basic dTpw", undefined],
    ["Bearerlbt_abc", undefined],
    ["", undefined],
    [null, undefined],
  ])("%j → %j", (header, credential) => {
    expect(bearerCredential(header)).toBe(credential);
  });
});
