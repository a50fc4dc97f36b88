import { describe, expect, it } from "vitest";
import { afterCursor, decodeCursor, encodeCursor, keysetOrderBy, toPage } from "./keyset";

const order = { at: "createdAt", id: "id", idOrder: "asc" as const };

describe("keyset pagination", () => {
  it("round-trips a cursor, with and without a time", () => {
    const at = new Date("2026-12-04T10:00:00.123Z");
    expect(decodeCursor(encodeCursor(at, "abc"))).toEqual({ at, id: "abc" });
    expect(decodeCursor(encodeCursor(null, 42n))).toEqual({ at: null, id: "42" });
  });

  it("answers BAD_REQUEST for anything it did not give", () => {
    for (const bad of [
      "not-a-cursor",
      "",
      encodeCursor(new Date(0), "x").slice(3),
      "W251bGwsMV0",
      "WyJub3QgYSB0aW1lIiwiMSJd",
    ])
      expect(() => afterCursor(bad, order)).toThrow(expect.objectContaining({ code: "BAD_REQUEST" }));
    // An id the column cannot hold is refused too, not a server error.
    expect(() => afterCursor(encodeCursor(new Date(), "12x"), { ...order, parseId: BigInt })).toThrow(
      expect.objectContaining({ code: "BAD_REQUEST" }),
    );
  });

  it("continues after the named row: older times, or the same time and a later id (NULL times come first)", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    expect(afterCursor(encodeCursor(at, "m"), order)).toEqual({
      OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { gt: "m" } }],
    });
    expect(afterCursor(encodeCursor(null, "m"), { ...order, idOrder: "desc" })).toEqual({
      OR: [{ createdAt: null, id: { lt: "m" } }, { createdAt: { not: null } }],
    });
    expect(keysetOrderBy(order)).toEqual([{ createdAt: "desc" }, { id: "asc" }]);
  });

  it("makes a page of limit rows and a cursor only when there is more", () => {
    const rows = [1, 2, 3].map((n) => ({ id: `r${n}`, at: new Date(n * 1000) }));
    const page = toPage(rows, 2, (r) => r);
    expect(page.items.map((r) => r.id)).toEqual(["r1", "r2"]);
    expect(decodeCursor(page.nextCursor!)).toEqual({ at: new Date(2000), id: "r2" });
    expect(toPage(rows, 3, (r) => r).nextCursor).toBeNull();
  });
});
