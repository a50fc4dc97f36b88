import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { listAudit, recordAudit } from "./audit";
import type { Db } from "../../db/client";

let db: Db;
beforeAll(async () => {
  ({ db } = await freshDatabase());
  for (let i = 0; i < 75; i++) {
    await recordAudit(db, {
      action: i % 3 ? "team.create" : "binding.delete",
      actorEmail: i % 2 ? "ann@example.com" : "bo@example.com",
      outcome: i % 5 ? "SUCCESS" : "DENIED",
      requestId: `r${i}`,
      targetType: "team",
      targetId: `t${i}`,
    });
  }
});

describe("audit log", () => {
  it("is append-only in the database itself", async () => {
    await expect(db.auditEvent.updateMany({ data: { action: "forged" } })).rejects.toThrow(/append-only/);
    await expect(db.auditEvent.deleteMany({})).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/append-only/);
    expect(await db.auditEvent.count()).toBe(75);
  });

  it("pages newest first by keyset without gaps or repeats", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listAudit(db, { limit: 20, cursor });
      seen.push(...page.items.map((r) => r.requestId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(75);
    expect(new Set(seen).size).toBe(75);
    expect(seen[0]).toBe("r74");
    expect(seen[74]).toBe("r0");
  });

  it("filters by actor, action, target, outcome and time", async () => {
    const ann = await listAudit(db, { actor: "ANN@", limit: 200 });
    expect(ann.items.every((r) => r.actorEmail === "ann@example.com")).toBe(true);
    expect(ann.items).toHaveLength(37);
    const deletes = await listAudit(db, { action: "binding.", outcome: "DENIED", limit: 200 });
    expect(deletes.items.map((r) => r.requestId).sort()).toEqual(["r0", "r15", "r30", "r45", "r60"].sort());
    expect((await listAudit(db, { target: "t7", limit: 10 })).items.map((r) => r.requestId)).toEqual(["r7"]);
    expect((await listAudit(db, { from: new Date(Date.now() + 60_000), limit: 10 })).items).toHaveLength(0);
  });
});
