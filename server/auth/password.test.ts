import { describe, expect, it } from "vitest";
import { hashPassword, PASSWORD_WORK, PasswordBusyError, passwordWorkPeak, verifyPassword } from "./password";

describe("password hashing (scrypt)", () => {
  it("verifies the right password and refuses others", async () => {
    const h = await hashPassword("correct horse battery");
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword("correct horse battery", h)).toBe(true);
    expect(await verifyPassword("correct horse batterY", h)).toBe(false);
  });

  it("salts: the same password hashes differently", async () => {
    expect(await hashPassword("same password!")).not.toBe(await hashPassword("same password!"));
  });

  it.each([null, undefined, "", "plain", "bcrypt$x$y"])(
    "refuses against a missing or foreign hash (%s)",
    async (stored) => {
      expect(await verifyPassword("anything at all", stored)).toBe(false);
    },
  );
});

describe("password work is bounded (#9 §4)", () => {
  it(`runs at most ${PASSWORD_WORK.concurrent} hashes at once, queues ${PASSWORD_WORK.queued}, and refuses the rest as busy`, async () => {
    const stored = await hashPassword("the right password");
    const n = PASSWORD_WORK.concurrent + PASSWORD_WORK.queued + 5;
    const results = await Promise.allSettled(Array.from({ length: n }, () => verifyPassword("a wrong one", stored)));
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(refused).toHaveLength(5);
    for (const e of refused) {
      expect(e).toBeInstanceOf(PasswordBusyError);
      expect(e.message).toBe("The server is busy checking other sign-ins: try again in a moment.");
    }
    expect(results.filter((r) => r.status === "fulfilled" && r.value === false)).toHaveLength(n - 5);
    expect(passwordWorkPeak()).toBe(PASSWORD_WORK.concurrent);
    // Once the queue drains, work is accepted again.
    expect(await verifyPassword("the right password", stored)).toBe(true);
  }, 60_000); // ~20 scrypt hashes two at a time on a shared machine
});
