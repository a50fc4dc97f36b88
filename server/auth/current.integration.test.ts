import { beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { freshDatabase } from "../testing/db";
import { aUser, limits } from "../testing/builders";
import { createSession } from "./principal";
import { principalFromCookies } from "./current";
import { authSecret } from "./options";
import type { Db } from "../db/client";

let db: Db;
beforeAll(async () => {
  ({ db } = await freshDatabase());
});

// #9 §3: a malformed cookie on the domain means signed out, never an error page.
describe("principalFromCookies", () => {
  it.each([
    ["a broken %-escape", "next-auth.session-token=%E0%A4%A"],
    ["a lone %", "next-auth.session-token=%; other=%zz"],
    ["not a token", "next-auth.session-token=not-a-jwt"],
    ["a JWE that does not decrypt", "__Secure-next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..a.b.c"],
    ["broken chunks", "next-auth.session-token.0=%E0; next-auth.session-token.1=%A4"],
  ])("%s is signed out", async (_what, header) => {
    await expect(principalFromCookies(header, db)).resolves.toBeNull();
  });

  it("a real session cookie, next to malformed cookies of other names, still signs in", async () => {
    const user = await aUser(db);
    const sid = await createSession(db, user.id, limits);
    const token = await encode({ token: { sid, sub: user.id }, secret: authSecret() });
    const header = `junk=%E0%A4%A; next-auth.session-token=${token}`;
    await expect(principalFromCookies(header, db)).resolves.toMatchObject({ userId: user.id });
  });
});
