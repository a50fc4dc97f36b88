import { describe, expect, it } from "vitest";
import { backupQueryString, backupQueryToFilter, parseBackupQuery } from "./backup-query";

describe("the backups list's URL query", () => {
  it("round-trips a filter through the URL, keys in a fixed order", () => {
    const q = { q: "nightly", cluster: "c1", schedule: "daily", copies: "hide", from: "2026-12-01", show: "failed" };
    const s = backupQueryString(q);
    expect(s).toBe("cluster=c1&schedule=daily&show=failed&from=2026-12-01&q=nightly&copies=hide");
    expect(parseBackupQuery(new URLSearchParams(s))).toEqual(q);
  });
  it("drops unknown, empty and malformed values rather than failing", () => {
    const p = new URLSearchParams("cluster=&from=yesterday&to=2026-13-45&copies=show&other=x&namespace=%20shop%20");
    expect(parseBackupQuery(p)).toEqual({ namespace: "shop" });
    expect(backupQueryString({ q: "", location: "  " })).toBe("");
  });
  it("turns the query into the server's filter: whole local days, the Show choice as phases", () => {
    const f = backupQueryToFilter({ from: "2026-12-01", to: "2026-12-02", show: "failed", copies: "hide" }, (s) =>
      s === "failed" ? ["Failed", "PartiallyFailed"] : undefined,
    );
    expect(f).toEqual({
      from: new Date(2026, 11, 1, 0, 0, 0),
      to: new Date(2026, 11, 2, 23, 59, 59, 999),
      phases: ["Failed", "PartiallyFailed"],
      hideCopies: true,
    });
    expect(backupQueryToFilter({ show: "all", q: "db" }, () => undefined)).toEqual({ search: "db" });
  });
});
