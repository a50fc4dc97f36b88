import { beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { freshDatabase } from "../testing/db";
import { aCluster, aGroup, aUser, bind, limits } from "../testing/builders";
import { appRouter } from "../routers/_app";
import { createRequestContext } from "../trpc/context";
import { authSecret } from "./options";
import { createSession } from "./principal";
import { hashPassword } from "./password";
import { hashApiToken, issueApiToken, principalFromBearer } from "./api-token";
import type { Db } from "../db/client";

// A bearer token is a principal beside the session cookie: the user's own access, read fresh on every request; a
// revoked, expired, unknown or malformed token is no one (never the cookie instead); its mutations are audited with it.
process.env.NEXTAUTH_SECRET ??= "api-token-integration-test-secret";

let db: Db;
beforeAll(async () => {
  ({ db } = await freshDatabase());
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const callerWith = async (headers: Record<string, string>) =>
  appRouter.createCaller(await createRequestContext(new Headers(headers), db));

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "OK",
    (e: { code?: string }) => e.code ?? String(e),
  );
}

/** A browser's session cookie for a new session of `userId`, as next-auth sets it. */
async function sessionCookie(userId: string) {
  const sid = await createSession(db, userId, limits);
  return `next-auth.session-token=${await encode({ token: { sid }, secret: authSecret() })}`;
}

describe("API tokens", () => {
  it("are shown once: only the SHA-256 and a short prefix are stored", async () => {
    const u = await aUser(db);
    const issued = await issueApiToken(db, u.id, "ci");
    expect(issued.token).toMatch(/^lbt_[A-Za-z0-9_-]{43}$/);
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: issued.id } });
    expect(row).toMatchObject({ userId: u.id, name: "ci", prefix: issued.token.slice(0, 12), lastUsedAt: null });
    expect(row.tokenHash).toBe(hashApiToken(issued.token));
    expect(JSON.stringify(row)).not.toContain(issued.token);
  });

  it("resolve to their user and that user's access: a cluster they may not see is not found", async () => {
    const mine = await aGroup(db);
    const theirs = await aGroup(db);
    const operated = await aGroup(db);
    const seen = await aCluster(db, mine.id);
    const hidden = await aCluster(db, theirs.id);
    const u = await aUser(db);
    await bind(db, "VIEWER", { userId: u.id }, { clusterGroupId: mine.id });
    await bind(db, "OPERATOR", { userId: u.id }, { clusterGroupId: operated.id });
    const { id, token } = await issueApiToken(db, u.id, "reader");

    const ctx = await createRequestContext(new Headers(bearer(token)), db);
    expect(ctx.principal).toMatchObject({ userId: u.id, email: u.email, orgRole: "MEMBER", tokenId: id });
    expect(ctx.principal?.sessionId).toBeUndefined();
    const caller = appRouter.createCaller(ctx);
    expect((await caller.me.get()).id).toBe(u.id);
    expect((await caller.cluster.list()).map((c) => c.id)).toEqual([seen.id]);
    // One context for several calls (as in a batched request): each call is audited with its own target.
    await expect(caller.cluster.get({ id: seen.id })).resolves.toMatchObject({ id: seen.id, myRole: "VIEWER" });
    expect(await codeOf(caller.cluster.get({ id: hidden.id }))).toBe("NOT_FOUND");
    expect(await codeOf(caller.cluster.refresh({ id: seen.id }))).toBe("FORBIDDEN");
    const denied = await db.auditEvent.findFirstOrThrow({ where: { actorId: u.id, action: "cluster.refresh" } });
    expect(denied).toMatchObject({ outcome: "DENIED", tokenId: id, scope: `cluster:${seen.id}` });
  });

  it("revoked, expired, unknown, malformed, or of a disabled user: UNAUTHORIZED", async () => {
    const u = await aUser(db);
    const revoked = await issueApiToken(db, u.id, "revoked");
    await db.apiToken.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    const expired = await issueApiToken(db, u.id, "expired", new Date(Date.now() - 1_000));
    const disabled = await aUser(db, { disabled: true });
    const ofDisabled = await issueApiToken(db, disabled.id, "disabled");
    const unknown = `lbt_${"A".repeat(43)}`;
    const valid = await issueApiToken(db, u.id, "valid", new Date(Date.now() + 3_600_000));

    expect(await codeOf((await callerWith(bearer(valid.token))).me.get())).toBe("OK");
    for (const header of [
      bearer(revoked.token),
      bearer(expired.token),
      bearer(ofDisabled.token),
      bearer(unknown),
      bearer(`${valid.token}x`),
      bearer("not-a-token"),
      { authorization: "Bearer" },
      { authorization: `Bearer ${valid.token} extra` },
    ])
      expect(`${header.authorization}: ${await codeOf((await callerWith(header)).cluster.list())}`).toBe(
        `${header.authorization}: UNAUTHORIZED`,
      );
  });

  it("take precedence over the session cookie: a bad bearer beside a good cookie is no one", async () => {
    const u = await aUser(db);
    const other = await aUser(db);
    const cookie = await sessionCookie(u.id);
    const { token } = await issueApiToken(db, other.id, "other");

    expect((await callerWith({ cookie }).then((c) => c.me.get())).id).toBe(u.id);
    expect((await callerWith({ cookie, ...bearer(token) }).then((c) => c.me.get())).id).toBe(other.id);
    expect(await codeOf((await callerWith({ cookie, ...bearer("garbage") })).me.get())).toBe("UNAUTHORIZED");
    expect(await codeOf((await callerWith({ cookie, authorization: "Bearer " })).me.get())).toBe("UNAUTHORIZED");
    // Another scheme is not a token: the cookie still says who calls.
    expect((await callerWith({ cookie, authorization: "Basic dTpw" }).then((c) => c.me.get())).id).toBe(u.id);
  });

  it("a mutation made with a token is audited with the token's id; one made in a browser session without", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const { id, token } = await issueApiToken(db, admin.id, "automation");
    const viaToken = await (await callerWith(bearer(token))).clusterGroup.create({ name: "by-token", description: "" });
    const viaSession = await (
      await callerWith({ cookie: await sessionCookie(admin.id) })
    ).clusterGroup.create({ name: "by-session", description: "" });

    expect(
      await db.auditEvent.findFirstOrThrow({ where: { action: "clusterGroup.create", targetId: viaToken.id } }),
    ).toMatchObject({ outcome: "SUCCESS", actorId: admin.id, tokenId: id, scope: `clusterGroup:${viaToken.id}` });
    expect(
      await db.auditEvent.findFirstOrThrow({ where: { action: "clusterGroup.create", targetId: viaSession.id } }),
    ).toMatchObject({ outcome: "SUCCESS", actorId: admin.id, tokenId: null });
  });

  it("record when they were last used, at most every 30 seconds", async () => {
    const u = await aUser(db);
    const { id, token } = await issueApiToken(db, u.id, "touch");
    const lastUsed = async () => (await db.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt?.getTime();
    const t0 = Date.now();
    expect(await principalFromBearer(db, `Bearer ${token}`, new Date(t0))).toMatchObject({ tokenId: id });
    expect(await lastUsed()).toBe(t0);
    await principalFromBearer(db, `Bearer ${token}`, new Date(t0 + 20_000));
    expect(await lastUsed()).toBe(t0);
    await principalFromBearer(db, `Bearer ${token}`, new Date(t0 + 31_000));
    expect(await lastUsed()).toBe(t0 + 31_000);
  });

  it("changing one's password through a token ends every browser session of the user", async () => {
    const u = await aUser(db);
    const cookie = await sessionCookie(u.id);
    const { token } = await issueApiToken(db, u.id, "pw");
    await db.user.update({
      where: { id: u.id },
      data: { passwordHash: await hashPassword("old-password-123") },
    });
    await (
      await callerWith(bearer(token))
    ).me.changePassword({ current: "old-password-123", next: "new-password-456" });
    expect(await codeOf((await callerWith({ cookie })).me.get())).toBe("UNAUTHORIZED");
    expect(await codeOf((await callerWith(bearer(token))).me.get())).toBe("OK");
  });
});
