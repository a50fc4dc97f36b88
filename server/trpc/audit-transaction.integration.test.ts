import crypto from "node:crypto";
import fs from "node:fs";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { freshDatabase } from "../testing/db";
import { aUser, callerFor, signedIn } from "../testing/builders";
import { appRouter } from "../routers/_app";
import { hashPassword, verifyPassword } from "../auth/password";
import { setupToken } from "../services/setup/setup";

// The audit trail at rest (#9 §5): an admin mutation commits with its audit row or not at all, and the console can run
// under a role that appends and reads audit rows but cannot change them or switch the trigger off.
process.env.NEXTAUTH_SECRET ??= "audit-test-secret-0123456789abcdef";
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

/** Makes PostgreSQL refuse the SUCCESS audit row of one action, as an audit table that cannot be written would. */
async function refuseAuditOf(on: Db, action: string) {
  const fn = `refuse_${action.replace(/\W/g, "_")}`;
  await on.$executeRawUnsafe(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.action = '${action}' AND NEW.outcome = 'SUCCESS' THEN RAISE EXCEPTION 'audit unavailable'; END IF;
    RETURN NEW; END; $$`);
  await on.$executeRawUnsafe(
    `CREATE TRIGGER ${fn} BEFORE INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
  );
  return () => on.$executeRawUnsafe(`DROP TRIGGER ${fn} ON "AuditEvent"`);
}

describe("every database-only mutation commits with its audit row (#9 §5)", () => {
  it("marks the credential, own-password and setup mutations as database-only", () => {
    const dbOnly = Object.entries(appRouter._def.procedures)
      .filter(([, p]) => (p as unknown as { _def: { meta?: { dbOnly?: true } } })._def.meta?.dbOnly)
      .map(([path]) => path);
    expect(dbOnly).toEqual(
      expect.arrayContaining(["credential.create", "credential.delete", "me.changePassword", "setup.create"]),
    );
  });

  it("stores no credential (and no sealed secret) when its audit row cannot be written", async () => {
    const admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
    const sealedBefore = await db.sealedSecret.count();
    const allow = await refuseAuditOf(db, "credential.create");
    const input = {
      kind: "AWS_ACCESS_KEY" as const,
      name: "unaudited-keys",
      accessKeyId: "AKIA1",
      secretAccessKey: "s",
    };
    await expect(admin.credential.create(input)).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    expect(await db.credential.count({ where: { name: "unaudited-keys" } })).toBe(0);
    expect(await db.sealedSecret.count()).toBe(sealedBefore);
    await allow();

    const created = await admin.credential.create(input);
    const refuseDelete = await refuseAuditOf(db, "credential.delete");
    await expect(admin.credential.delete({ id: created.id })).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    expect(await db.credential.count({ where: { id: created.id } })).toBe(1);
    expect(await db.sealedSecret.count()).toBe(sealedBefore + 1);
    await refuseDelete();
    await admin.credential.delete({ id: created.id });
    expect(await db.sealedSecret.count()).toBe(sealedBefore);
  });

  it("keeps the old password when the change's audit row cannot be written", async () => {
    const u = await db.user.create({
      data: {
        email: "pw-audit@example.com",
        name: "P",
        role: "MEMBER",
        passwordHash: await hashPassword("old-password-1"),
      },
    });
    const me = callerFor(db, await signedIn(db, u));
    const allow = await refuseAuditOf(db, "me.changePassword");
    await expect(me.me.changePassword({ current: "old-password-1", next: "new-password-22" })).rejects.toMatchObject({
      code: "INTERNAL_SERVER_ERROR",
    });
    await allow();
    const { passwordHash } = await db.user.findUniqueOrThrow({ where: { id: u.id }, select: { passwordHash: true } });
    expect(await verifyPassword("old-password-1", passwordHash!)).toBe(true);
  });

  it("creates no first admin when setup's audit row cannot be written", async () => {
    const { db: empty } = await freshDatabase();
    const allow = await refuseAuditOf(empty, "setup.create");
    const anonymous = callerFor(empty, null);
    const token = setupToken(process.env.NEXTAUTH_SECRET!);
    const admin = { name: "First Admin", email: "first@example.com", password: "a-long-password-1", token };
    await expect(anonymous.setup.create(admin)).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    expect(await empty.user.count()).toBe(0);
    await allow();
    await anonymous.setup.create(admin);
    expect(await empty.user.count()).toBe(1);
    expect(await empty.auditEvent.count({ where: { action: "setup.create", outcome: "SUCCESS" } })).toBe(1);
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
