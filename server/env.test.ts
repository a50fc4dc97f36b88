import { describe, expect, it } from "vitest";
import { startupRefusal, type Env } from "./env";

// Production on a database of your own refuses to start without its secrets, and says why (#9 §5).
const base = {
  NODE_ENV: "production",
  DATABASE_URL: "postgresql://lifeboat@db.internal:5432/lifeboat",
  LIFEBOAT_SECRET_KEY: "k".repeat(44),
  NEXTAUTH_SECRET: "s".repeat(44),
} as Env;

describe("startupRefusal", () => {
  it("refuses production with DATABASE_URL but no LIFEBOAT_SECRET_KEY or NEXTAUTH_SECRET, naming both and why", () => {
    const refusal = startupRefusal({ ...base, LIFEBOAT_SECRET_KEY: undefined, NEXTAUTH_SECRET: undefined }, false);
    expect(refusal).toMatch(/^Refusing to start: LIFEBOAT_SECRET_KEY and NEXTAUTH_SECRET must be set in production/);
    expect(refusal).toContain("seals every kubeconfig and credential");
    expect(startupRefusal({ ...base, NEXTAUTH_SECRET: undefined }, false)).toMatch(
      /^Refusing to start: NEXTAUTH_SECRET must/,
    );
  });

  it.each([
    ["both secrets set", base, false],
    ["development", { ...base, NODE_ENV: "development", LIFEBOAT_SECRET_KEY: undefined } as Env, false],
    ["the embedded database (npm run demo)", { ...base, LIFEBOAT_SECRET_KEY: undefined } as Env, true],
  ])("lets %s start", (_what, e, embedded) => {
    expect(startupRefusal(e, embedded)).toBeNull();
  });
});
