import { describe, expect, it } from "vitest";
import { sortRows, type SortValue } from "./sort-rows";

const rows = (values: SortValue[]) => values.map((v, i) => ({ v, i }));
const order = (values: SortValue[], direction: "asc" | "desc") =>
  sortRows(rows(values), (r) => r.v, direction).map((r) => r.i);

describe("sortRows", () => {
  it.each([
    ["numbers", [3, 1, 2], "asc", [1, 2, 0]],
    ["numbers, descending", [3, 1, 2], "desc", [0, 2, 1]],
    ["text as people read it", ["node-10", "node-2", "Node-1"], "asc", [2, 1, 0]],
    ["dates", [new Date(2024, 5, 1), new Date(2023, 0, 1), new Date(2025, 0, 1)], "asc", [1, 0, 2]],
    ["booleans", [true, false, true], "asc", [1, 0, 2]],
    ["no value last, ascending", [null, 2, undefined, 1, ""], "asc", [3, 1, 0, 2, 4]],
    ["no value last, descending too", [null, 2, undefined, 1], "desc", [1, 3, 0, 2]],
    ["equal values keep their order", ["b", "a", "b", "a"], "asc", [1, 3, 0, 2]],
    ["equal values keep their order, descending", ["b", "a", "b", "a"], "desc", [0, 2, 1, 3]],
  ] as const)("%s", (_, values, direction, want) => {
    expect(order([...values], direction)).toEqual(want);
  });

  it("leaves its input as it was", () => {
    const input = rows([2, 1]);
    sortRows(input, (r) => r.v, "asc");
    expect(input.map((r) => r.v)).toEqual([2, 1]);
  });
});
