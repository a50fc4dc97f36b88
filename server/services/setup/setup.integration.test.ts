import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { callerFor } from "../../testing/builders";
import { bootstrapAdminFromEnv, createFirstAdmin, listensOnLoopbackOnly, needsSetup, setupToken } from "./setup";

process.env.NEXTAUTH_SECRET ??= "setup-test-secret-0123456789abcdef";

describe("first run", () => {
  it("creates exactly one first admin, even when two requests race", async () => {
    const { db } = await freshDatabase();
    expect(await needsSetup(db)).toBe(true);
    const results = await Promise.allSettled([
      createFirstAdmin(db, { email: "a@example.com", name: "A", password: "long-enough-pass" }),
      createFirstAdmin(db, { email: "b@example.com", name: "B", password: "long-enough-pass" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.user.count()).toBe(1);
    expect((await db.user.findFirstOrThrow()).role).toBe("ORG_ADMIN");
    await expect(
      callerFor(db, null).setup.create({ email: "c@example.com", name: "C", password: "long-enough-pass" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("setup explains a weak password or bad email, field by field", async () => {
    const { db } = await freshDatabase();
    const err = await callerFor(db, null)
      .setup.create({ email: "nope", name: "", password: "short" })
      .catch((e) => e);
    expect(err.code).toBe("BAD_REQUEST");
    expect(await db.user.count()).toBe(0);
  });

  it("bootstraps from LIFEBOAT_ADMIN_EMAIL / LIFEBOAT_ADMIN_PASSWORD only on an empty database", async () => {
    const { db } = await freshDatabase();
    const env = { LIFEBOAT_ADMIN_EMAIL: "Boot@Example.com", LIFEBOAT_ADMIN_PASSWORD: "bootstrap-password" };
    expect(await bootstrapAdminFromEnv(db, env)).toMatchObject({ email: "boot@example.com" });
    expect(await bootstrapAdminFromEnv(db, env)).toBeNull();
    expect(await db.user.count()).toBe(1);
  });

  it("on a non-loopback address, setup needs the one-time token printed in the server log (#9 §5)", async () => {
    const { db } = await freshDatabase();
    const admin = { email: "first@example.com", name: "First", password: "long-enough-pass" };
    const before = process.env.LIFEBOAT_LISTEN_HOST;
    try {
      process.env.LIFEBOAT_LISTEN_HOST = "0.0.0.0";
      const caller = callerFor(db, null);
      expect(await caller.setup.status()).toMatchObject({ needsSetup: true, tokenRequired: true });
      await expect(caller.setup.create(admin)).rejects.toMatchObject({
        code: "FORBIDDEN",
        message: "First-run setup on this address needs the one-time setup token printed in the server log",
      });
      await expect(caller.setup.create({ ...admin, token: "guessed" })).rejects.toMatchObject({ code: "FORBIDDEN" });
      expect(await db.user.count()).toBe(0);
      const token = setupToken(process.env.NEXTAUTH_SECRET!);
      await expect(caller.setup.create({ ...admin, token })).resolves.toMatchObject({ email: "first@example.com" });

      // On loopback (npm run dev, the end-to-end run on 127.0.0.1) no token is asked.
      const { db: local } = await freshDatabase();
      process.env.LIFEBOAT_LISTEN_HOST = "127.0.0.1";
      expect(await callerFor(local, null).setup.status()).toMatchObject({ tokenRequired: false });
      await expect(callerFor(local, null).setup.create(admin)).resolves.toMatchObject({ email: "first@example.com" });
    } finally {
      process.env.LIFEBOAT_LISTEN_HOST = before;
      if (before === undefined) delete process.env.LIFEBOAT_LISTEN_HOST;
    }
  });

  it.each([
    ["127.0.0.1", true],
    ["localhost", true],
    ["::1", true],
    ["0.0.0.0", false],
    ["192.0.2.10", false],
    [undefined, false],
  ])("listening on %s is loopback only: %s", (host, loopback) => {
    expect(listensOnLoopbackOnly(host)).toBe(loopback);
  });
});
