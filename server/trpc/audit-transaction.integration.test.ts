import crypto from "node:crypto";
import fs from "node:fs";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { freshDatabase } from "../testing/db";
import { aUser, callerFor, signedIn } from "../testing/builders";

// The audit trail at rest (#9 §5): an admin mutation commits with its audit row or not at all, and the console can run
// under a role that appends and reads audit rows but cannot change them or switch the trigger off.
let db: Db;
let url: string;
beforeAll(async () => {
  ({ db, url } = await freshDatabase());
});

describe("a mutation that only changes the database", () => {
  it("is rolled back when its audit row cannot be written, and commits with it otherwise", async () => {
    const admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
    await db.$executeRawUnsafe(`CREATE FUNCTION refuse_team_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.action = 'team.create' AND NEW.outcome = 'SUCCESS' THEN RAISE EXCEPTION 'audit unavailable'; END IF;
      RETURN NEW; END; $$`);
    await db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_team_audit BEFORE INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION refuse_team_audit()`,
    );
    await expect(admin.team.create({ name: "unaudited" })).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    expect(await db.team.count({ where: { name: "unaudited" } })).toBe(0);

    await db.$executeRawUnsafe(`DROP TRIGGER refuse_team_audit ON "AuditEvent"`);
    const team = await admin.team.create({ name: "audited" });
    expect(await db.auditEvent.findFirst({ where: { action: "team.create", targetId: team.id } })).toMatchObject({
      outcome: "SUCCESS",
    });
    // A refused mutation leaves nothing but its audit row.
    await expect(admin.team.create({ name: "audited" })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await db.auditEvent.count({ where: { action: "team.create", outcome: "FAILURE" } })).toBe(1);
  });
});

describe("prisma/roles/console-role.sql", () => {
  it("gives the console a role that appends and reads audit rows but cannot alter them or the trigger", async () => {
    const role = `lifeboat_console_${crypto.randomBytes(4).toString("hex")}`;
    const password = crypto.randomBytes(12).toString("hex");
    const owner = new pg.Client({ connectionString: url });
    await owner.connect();
    try {
      await owner.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await owner.query(fs.readFileSync("prisma/roles/console-role.sql", "utf8").replaceAll("lifeboat_console", role));
      const asConsole = new URL(url);
      asConsole.username = role;
      asConsole.password = password;
      const c = new pg.Client({ connectionString: asConsole.toString() });
      await c.connect();
      try {
        await c.query(`INSERT INTO "AuditEvent" (action, outcome, "requestId") VALUES ('role.test', 'SUCCESS', 'r1')`);
        expect(
          (await c.query(`SELECT count(*)::int AS n FROM "AuditEvent" WHERE action = 'role.test'`)).rows[0].n,
        ).toBe(1);
        await c.query(`INSERT INTO "Team" (id, name, "updatedAt") VALUES ('t-role', 'role-team', now())`);
        const refused = async (sql: string) => {
          const err = await c.query(sql).then(
            () => null,
            (e: Error) => e.message,
          );
          return err;
        };
        expect(await refused(`UPDATE "AuditEvent" SET reason = 'x' WHERE action = 'role.test'`)).toMatch(
          /permission denied/,
        );
        expect(await refused(`DELETE FROM "AuditEvent"`)).toMatch(/permission denied/);
        expect(await refused(`TRUNCATE "AuditEvent"`)).toMatch(/permission denied/);
        expect(await refused(`ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_append_only"`)).toMatch(
          /must be owner/,
        );
        expect(await refused(`DROP TRIGGER "AuditEvent_append_only" ON "AuditEvent"`)).toMatch(/must be owner/);
      } finally {
        await c.end();
      }
    } finally {
      await owner.query(`DROP OWNED BY ${role}`).catch(() => {});
      await owner.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
      await owner.end();
    }
  });
});
