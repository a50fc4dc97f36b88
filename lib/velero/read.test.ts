import { describe, expect, it } from "vitest";
import { bool, date, num, rec, recs, str, stringLists, stringMap, strList, strs } from "./read";

describe("readers of unchecked JSON", () => {
  it.each([
    ["rec", rec({ a: 1 }), { a: 1 }],
    ["rec of an array", rec([1]), {}],
    ["rec of null", rec(null), {}],
    ["recs", recs([{ a: 1 }, 2, null, [3]]), [{ a: 1 }]],
    ["recs of a string", recs("x"), []],
    ["str", str("x"), "x"],
    ["str of a number", str(1), null],
    ["num", num(2), 2],
    ["num of NaN", num(NaN), null],
    ["num of a string", num("2"), null],
    ["bool", bool(false), false],
    ["bool of a string", bool("true"), null],
    ["strs", strs(["a", 1, "b"]), ["a", "b"]],
    ["strs of a string", strs("a"), []],
    ["strList", strList([]), []],
    ["strList absent", strList(undefined), null],
    ["date", date("2026-01-02T03:04:05Z"), new Date("2026-01-02T03:04:05Z")],
    ["date of nonsense", date("soon"), null],
    ["stringMap", stringMap({ a: "1", b: 2 }), { a: "1" }],
    ["stringLists", stringLists({ "v1/Pod": ["a", 1], x: "y" }), { "v1/Pod": ["a"] }],
  ])("%s", (_name, got, want) => {
    expect(got).toEqual(want);
  });
});
