import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../testing/db";
import { aUser, callerFor, limits, signedIn } from "../testing/builders";
import { createSession, resolvePrincipal, revokeSession } from "./principal";
import { attemptSucceeded, delayAfter, reserveAttempt, THROTTLE } from "./throttle";
import { authorizeCredentials, INVALID_CREDENTIALS } from "./credentials";
import { hashPassword } from "./password";
import { setUserDisabled, updateUser } from "../services/users/users";
import type { Db } from "../db/client";

let db: Db;
beforeAll(async () => {
  ({ db } = await freshDatabase());
});

describe("sessions", () => {
  it("disabling a signed-in user ends access on their very next request", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const user = await aUser(db);
    const sid = await createSession(db, user.id, limits);
    expect(await resolvePrincipal(db, sid, limits)).toMatchObject({ userId: user.id });
    await setUserDisabled(db, admin.id, user.id, true);
    expect(await resolvePrincipal(db, sid, limits)).toBeNull();
    await setUserDisabled(db, admin.id, user.id, false);
    expect(await resolvePrincipal(db, sid, limits)).toBeNull(); // sessions were revoked, not just paused
  });

  it("a role change applies on the next request", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const user = await aUser(db);
    const sid = await createSession(db, user.id, limits);
    expect((await resolvePrincipal(db, sid, limits))?.orgRole).toBe("MEMBER");
    await updateUser(db, admin.id, { id: user.id, role: "ORG_ADMIN" });
    expect((await resolvePrincipal(db, sid, limits))?.orgRole).toBe("ORG_ADMIN");
  });

  it("expires after the idle limit and after the absolute limit", async () => {
    const user = await aUser(db);
    const sid = await createSession(db, user.id, limits);
    const t0 = Date.now();
    expect(await resolvePrincipal(db, sid, limits, new Date(t0 + 29 * 60_000))).not.toBeNull(); // touches lastSeenAt
    expect(await resolvePrincipal(db, sid, limits, new Date(t0 + 58 * 60_000))).not.toBeNull();
    expect(await resolvePrincipal(db, sid, limits, new Date(t0 + 90 * 60_000))).toBeNull();

    const sid2 = await createSession(db, user.id, limits);
    const created = (await db.session.findUniqueOrThrow({ where: { id: sid2 } })).createdAt.getTime();
    const nearEnd = new Date(created + limits.maxHours * 3_600_000 - 60_000);
    await db.session.update({ where: { id: sid2 }, data: { lastSeenAt: nearEnd } }); // active all along
    expect(await resolvePrincipal(db, sid2, limits, new Date(nearEnd.getTime() + 30_000))).not.toBeNull();
    expect(await resolvePrincipal(db, sid2, limits, new Date(nearEnd.getTime() + 120_000))).toBeNull();
  });

  it("a revoked session (sign-out) is over", async () => {
    const user = await aUser(db);
    const sid = await createSession(db, user.id, limits);
    await revokeSession(db, sid);
    expect(await resolvePrincipal(db, sid, limits)).toBeNull();
    expect(await resolvePrincipal(db, "forged-session-id", limits)).toBeNull();
    expect(await resolvePrincipal(db, undefined, limits)).toBeNull();
  });

  it("the last active organization admin cannot be demoted or disabled", async () => {
    const { db: lone } = await freshDatabase();
    const admin = await aUser(lone, { role: "ORG_ADMIN" });
    const other = await aUser(lone, { role: "ORG_ADMIN" });
    await expect(setUserDisabled(lone, admin.id, admin.id, true)).rejects.toThrow(/your own account/);
    await setUserDisabled(lone, admin.id, other.id, true);
    await expect(updateUser(lone, admin.id, { id: admin.id, role: "MEMBER" })).rejects.toThrow(
      /last organization admin/,
    );
    const caller = callerFor(lone, await signedIn(lone, admin));
    await expect(caller.user.update({ id: admin.id, role: "MEMBER" })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
    });
  });
});

describe("sign-in throttling (#9 §4)", () => {
  it("20 concurrent wrong passwords for one account run at most 5 password checks", async () => {
    const user = await aUser(db);
    await db.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword("the right password") } });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        authorizeCredentials(db, { email: user.email, password: "a wrong password" }, {}, limits),
      ),
    );
    const messages = outcomes.map((o) => (o.status === "rejected" ? (o.reason as Error).message : "signed in"));
    expect(messages.filter((m) => m === INVALID_CREDENTIALS)).toHaveLength(THROTTLE.perEmail);
    expect(messages.filter((m) => m.startsWith("Too many failed sign-ins. Try again in "))).toHaveLength(15);
    const checked = await db.auditEvent.count({
      where: { actorEmail: user.email, action: "auth.signIn", outcome: "FAILURE", reason: "invalid credentials" },
    });
    expect(checked).toBe(THROTTLE.perEmail);
  });

  it("a locked account slows down (each next attempt waits twice as long) rather than locking its owner out", async () => {
    const email = "victim@example.com";
    const t0 = Date.parse("2026-12-01T10:00:00Z");
    const at = (s: number) => new Date(t0 + s * 1000);
    for (let i = 0; i < THROTTLE.perEmail; i++)
      expect((await reserveAttempt(db, email, null, at(0))).allowed).toBe(true);
    expect(await reserveAttempt(db, email, null, at(0))).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect((await reserveAttempt(db, email, null, at(1))).allowed).toBe(true);
    expect(await reserveAttempt(db, email, null, at(2))).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect((await reserveAttempt(db, email, null, at(3))).allowed).toBe(true);
    expect(await reserveAttempt(db, email, null, at(3))).toEqual({ allowed: false, retryAfterSeconds: 4 });
    // However long the attack, the wait is capped: the owner always gets a turn.
    let t = 3;
    for (let i = 0; i < 20; i++) {
      const v = await reserveAttempt(db, email, null, at(t));
      t += v.allowed ? 0 : v.retryAfterSeconds;
      expect(v.retryAfterSeconds).toBeLessThanOrEqual(THROTTLE.maxDelaySeconds);
    }
    expect(await reserveAttempt(db, email, null, at(t))).toMatchObject({ allowed: false, retryAfterSeconds: 900 });
    // A quiet window forgets the failures; the right password forgets them at once.
    expect((await reserveAttempt(db, email, null, at(t + 900 + THROTTLE.windowMinutes * 60))).allowed).toBe(true);
    await attemptSucceeded(db, email, null);
    expect(await db.loginThrottle.count({ where: { key: `email:${email}` } })).toBe(0);
    expect(delayAfter(THROTTLE.perEmail - 1, THROTTLE.perEmail)).toBe(0);
  });

  it("throttles one client address that tries many accounts", async () => {
    const now = new Date();
    for (let i = 0; i < THROTTLE.perAddress - 1; i++)
      expect((await reserveAttempt(db, `spray${i}@example.com`, "192.0.2.7", now)).allowed).toBe(true);
    expect((await reserveAttempt(db, "last@example.com", "192.0.2.7", now)).allowed).toBe(true);
    expect((await reserveAttempt(db, "fresh@example.com", "192.0.2.7", now)).allowed).toBe(false);
    expect((await reserveAttempt(db, "fresh@example.com", "192.0.2.8", now)).allowed).toBe(true);
  });
});
