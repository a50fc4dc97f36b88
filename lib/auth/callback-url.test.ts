import { describe, expect, it } from "vitest";
import { sameOriginPath, sameOriginRedirect } from "./callback-url";

// #9 §3: a callbackUrl after sign-in never leaves the site ("/\evil.com" did).
describe("sameOriginPath", () => {
  it.each([
    ["/\\evil.com", "/"],
    ["//evil.com", "/"],
    ["https://evil.com", "/"],
    ["/\t/evil.com", "/"],
    ["/\\/evil.com/x", "/"],
    ["\\\\evil.com", "/"],
    ["javascript:alert(1)", "/"],
    ["http://lifeboat.example:3000/clusters", "/"],
    ["", "/"],
    [undefined, "/"],
    ["/clusters/c1?tab=sync#x", "/clusters/c1?tab=sync#x"],
    ["/", "/"],
    ["http://lifeboat.example/backups", "/backups"],
  ])("%j → %j", (raw, want) => expect(sameOriginPath(raw, "http://lifeboat.example")).toBe(want));
});

describe("sameOriginRedirect (next-auth's redirect callback)", () => {
  it.each([
    ["/\\evil.com", "http://lifeboat.example/"],
    ["//evil.com", "http://lifeboat.example/"],
    ["https://evil.com", "http://lifeboat.example/"],
    ["/\t/evil.com", "http://lifeboat.example/"],
    ["/restores", "http://lifeboat.example/restores"],
    ["http://lifeboat.example/signin?x=1", "http://lifeboat.example/signin?x=1"],
  ])("%j → %j", (url, want) => expect(sameOriginRedirect({ url, baseUrl: "http://lifeboat.example" })).toBe(want));
});
