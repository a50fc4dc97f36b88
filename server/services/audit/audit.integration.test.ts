import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { exportAudit, listAudit, recordAudit } from "./audit";
import { aCluster, aGroup, aUser, callerFor, signedIn } from "../../testing/builders";
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

describe("audit names and export", () => {
  it("shows the names of the user, cluster and location, with the ids beside them; a deleted object keeps its id", async () => {
    const user = await db.user.create({ data: { email: "cy@example.com", name: "Cy Operator" } });
    const group = await aGroup(db, "names-group");
    const cluster = await aCluster(db, group.id, "names-prod");
    await recordAudit(db, {
      actorId: user.id,
      actorEmail: user.email,
      action: "backup.create",
      targetType: "backup",
      targetId: "names-prod-b1",
      scope: `cluster:${cluster.id}`,
      outcome: "FAILURE",
      reason: "PRECONDITION_FAILED: Velero is not installed on names-prod",
      requestId: "n1",
    });
    await recordAudit(db, {
      actorId: "gone-user",
      actorEmail: "gone@example.com",
      action: "cluster.detach",
      targetType: "cluster",
      targetId: cluster.id,
      scope: `cluster:${cluster.id}`,
      outcome: "SUCCESS",
      requestId: "n2",
    });
    await recordAudit(db, {
      action: "location.delete",
      targetType: "location",
      targetId: "gone-location",
      outcome: "SUCCESS",
      requestId: "n3",
    });
    const admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
    const rows = (await admin.audit.list({ limit: 3 })).items;
    const view = rows.map((r) => [r.requestId, r.actorName, r.targetName, r.scopeName, r.reason]);
    expect(view).toEqual([
      ["n3", null, null, null, null],
      ["n2", null, "names-prod", "names-prod", null],
      ["n1", "Cy Operator", null, "names-prod", "PRECONDITION_FAILED: Velero is not installed on names-prod"],
    ]);
    expect(rows[1]).toMatchObject({ actorId: "gone-user", targetId: cluster.id, scope: `cluster:${cluster.id}` });
  });

  it("exports the filtered rows as CSV and JSON, bounded, saying when it stopped", async () => {
    const admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
    const csv = await admin.audit.export({ action: "binding.", outcome: "DENIED", format: "csv" });
    expect([csv.rows, csv.truncated]).toEqual([5, false]);
    const lines = csv.content.trimEnd().split("\r\n");
    expect(lines).toHaveLength(6);
    expect(lines.slice(1).every((l) => l.includes(",binding.delete,") && l.includes(",DENIED,"))).toBe(true);

    const json = await admin.audit.export({ actor: "ann@", format: "json" });
    const parsed = JSON.parse(json.content) as { truncated: boolean; events: { actorEmail: string }[] };
    expect([parsed.truncated, parsed.events.length]).toEqual([false, 37]);
    expect(parsed.events.every((e) => e.actorEmail === "ann@example.com")).toBe(true);

    const cut = await exportAudit(db, { action: "team." }, "json", 10);
    expect([cut.rows, cut.truncated, JSON.parse(cut.content).truncated]).toEqual([10, true, true]);
    // A value an attacker chose (an email at sign-in) cannot become a formula in the spreadsheet.
    await recordAudit(db, {
      actorEmail: "=cmd|'/c calc'!A1",
      action: "auth.signIn",
      outcome: "DENIED",
      requestId: "f1",
    });
    const formula = await admin.audit.export({ action: "auth.signIn", format: "csv" });
    expect(formula.content).toContain(",'=cmd|'/c calc'!A1,");
  });
});
