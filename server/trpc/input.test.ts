import { describe, expect, it } from "vitest";
import { containsNul } from "./input";

describe("containsNul", () => {
  it("finds NUL in strings and keys at any depth, and nothing in clean input", () => {
    expect(containsNul({ a: [{ b: "x\u0000y" }] })).toBe(true);
    expect(containsNul({ ["k\u0000"]: 1 })).toBe(true);
    expect(containsNul("\u0000")).toBe(true);
    expect(containsNul({ a: ["x", 1, null, true, { b: "🙂" }] })).toBe(false);
    expect(containsNul(undefined)).toBe(false);
  });

  it("stays bounded on a deep or wide input", () => {
    let deep: unknown = "\u0000";
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    expect(containsNul(deep)).toBe(false); // past the walk's depth: left to the schemas' own bounds
    expect(containsNul(Array.from({ length: 100_000 }, () => "x"))).toBe(false);
  });
});
