import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../testing/db";
import { aUser, callerFor, limits, signedIn } from "../testing/builders";
import { createSession, resolvePrincipal, revokeSession } from "./principal";
import { checkThrottle, clearFailures, recordFailure, THROTTLE } from "./throttle";
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

describe("sign-in throttling", () => {
  it(`locks an account after ${THROTTLE.perEmail} failures in the window, and says for how long`, async () => {
    const email = "victim@example.com";
    for (let i = 0; i < THROTTLE.perEmail - 1; i++) await recordFailure(db, email, "10.0.0.1");
    expect((await checkThrottle(db, email, "10.0.0.1")).allowed).toBe(true);
    await recordFailure(db, email, "10.0.0.2");
    const v = await checkThrottle(db, email, "10.0.0.3");
    expect(v.allowed).toBe(false);
    expect(v.retryAfterSeconds).toBeGreaterThan(THROTTLE.windowMinutes * 60 - 30);
    const later = new Date(Date.now() + (THROTTLE.windowMinutes + 1) * 60_000);
    expect((await checkThrottle(db, email, "10.0.0.3", later)).allowed).toBe(true);
    await clearFailures(db, email);
    expect((await checkThrottle(db, email, "10.0.0.3")).allowed).toBe(true);
  });

  it("throttles one client address that tries many accounts", async () => {
    for (let i = 0; i < THROTTLE.perAddress; i++) await recordFailure(db, `spray${i}@example.com`, "192.0.2.7");
    expect((await checkThrottle(db, "fresh@example.com", "192.0.2.7")).allowed).toBe(false);
    expect((await checkThrottle(db, "fresh@example.com", "192.0.2.8")).allowed).toBe(true);
  });
});
