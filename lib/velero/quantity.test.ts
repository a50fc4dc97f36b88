import { describe, expect, it } from "vitest";
import { quantityBytes } from "./quantity";

describe("quantityBytes", () => {
  it.each([
    ["10Gi", 10 * 2 ** 30],
    ["500M", 500e6],
    ["1.5Ti", 1.5 * 2 ** 40],
    ["12e6", 12e6],
    ["128974848", 128974848],
    ["100k", 100e3],
  ])("reads %s", (q, bytes) => expect(quantityBytes(q)).toBe(bytes));

  it.each(["", "ten", "-1Gi", "1Gb", "1 Gi", "1.5x", "9".repeat(65), null, undefined])("refuses %s", (q) =>
    expect(quantityBytes(q)).toBeNull(),
  );
});
