import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { callerFor } from "../../testing/builders";
import { bootstrapAdminFromEnv, createFirstAdmin, needsSetup } from "./setup";

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
});
