import { describe, expect, it } from "vitest";
import { auditCsv, csvCell } from "./export";
import type { AuditRow } from "@/lib/schemas/admin";

describe("audit export", () => {
  it("puts an apostrophe before a cell that a spreadsheet would run as a formula", () => {
    expect(["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "safe", "a=b"].map(csvCell)).toEqual([
      "'=1+1",
      "'+cmd",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      "safe",
      "a=b",
    ]);
  });
  it("quotes cells with commas, quotes or line breaks, and leaves empty values empty", () => {
    expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(null)).toBe("");
  });
  it("writes a header and one line per row, names first and ids beside them", () => {
    const row: AuditRow = {
      id: "1",
      at: new Date("2026-12-01T10:00:00Z"),
      actorId: "u1",
      actorEmail: "ann@example.com",
      actorName: "Ann",
      action: "cluster.detach",
      targetType: "cluster",
      targetId: "c1",
      targetName: "prod",
      scope: "cluster:c1",
      scopeName: "prod",
      outcome: "FAILURE",
      reason: "PRECONDITION_FAILED: unreachable",
      requestId: "r1",
      clientIp: null,
    };
    expect(auditCsv([row]).split("\r\n")).toEqual([
      "time,actor,actor_email,actor_id,action,target_type,target,target_id,scope,scope_id,outcome,reason,client,request",
      "2026-12-01T10:00:00.000Z,Ann,ann@example.com,u1,cluster.detach,cluster,prod,c1,prod,cluster:c1,FAILURE,PRECONDITION_FAILED: unreachable,,r1",
      "",
    ]);
  });
});
