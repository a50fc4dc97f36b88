import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../testing/db";
import { aTeam, aUser } from "../testing/builders";
import { identityFromClaims, signInWithOidc } from "./oidc";
import type { Db } from "../db/client";

let db: Db;
beforeAll(async () => {
  ({ db } = await freshDatabase());
});

const who = (o: Partial<Parameters<typeof signInWithOidc>[1]> = {}) => ({
  subject: "sub-1",
  email: "Olivia@Example.com",
  emailVerified: true,
  name: "Olivia",
  groups: [],
  ...o,
});

describe("OIDC sign-in", () => {
  it("creates a member and maps groups to teams, then follows the claim as it changes", async () => {
    const platform = await db.team.create({ data: { name: "platform", oidcGroup: "platform-engineers" } });
    const sre = await db.team.create({ data: { name: "sre", oidcGroup: "sre" } });
    const manual = await aTeam(db);
    const first = await signInWithOidc(db, who({ groups: ["platform-engineers", "unrelated"] }));
    expect(first.ok).toBe(true);
    const userId = (first as { userId: string }).userId;
    expect(await db.user.findUnique({ where: { id: userId } })).toMatchObject({
      email: "olivia@example.com",
      provider: "OIDC",
      role: "MEMBER",
    });
    await db.teamMember.create({ data: { teamId: manual.id, userId } });

    await signInWithOidc(db, who({ groups: ["sre"] }));
    const teams = (await db.teamMember.findMany({ where: { userId } })).map((m) => m.teamId).sort();
    expect(teams).toEqual([sre.id, manual.id].sort()); // platform left with the claim; the manual membership stays
    expect(teams).not.toContain(platform.id);
  });

  it("refuses a disabled user", async () => {
    await db.user.update({ where: { email: "olivia@example.com" }, data: { disabled: true } });
    expect(await signInWithOidc(db, who())).toEqual({ ok: false, reason: "This account is disabled" });
  });

  it("links an existing local account only on a verified email", async () => {
    const local = await aUser(db, { email: "dave@example.com" });
    const refused = await signInWithOidc(
      db,
      who({ subject: "sub-dave", email: "dave@example.com", emailVerified: false }),
    );
    expect(refused).toMatchObject({ ok: false, code: "OidcUnverifiedEmail" });
    expect((refused as { reason: string }).reason).toMatch(/not verified that the address is yours/);
    expect(await db.user.findUniqueOrThrow({ where: { id: local.id } })).toMatchObject({ oidcSubject: null });
    expect(await signInWithOidc(db, who({ subject: "sub-dave", email: "dave@example.com" }))).toEqual({
      ok: true,
      userId: local.id,
    });
  });

  it("an ID token without email_verified does not link an existing account (#9 §3)", async () => {
    const local = await aUser(db, { email: "erin@example.com" });
    const claims = { sub: "sub-erin", email: "erin@example.com", name: "Erin" };
    const outcome = await signInWithOidc(db, identityFromClaims(claims, "groups", "sub-erin"));
    expect(outcome).toMatchObject({ ok: false, code: "OidcUnverifiedEmail" });
    expect(await db.user.findUniqueOrThrow({ where: { id: local.id } })).toMatchObject({ oidcSubject: null });
    expect(await db.user.count({ where: { oidcSubject: "sub-erin" } })).toBe(0);
  });
});
