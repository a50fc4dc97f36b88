import { afterEach, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { proxy } from "@/proxy";

// CSP without 'unsafe-inline' for scripts, a nonce per request, HSTS when NEXTAUTH_URL is HTTPS (#9 §5).
const scriptSrc = (csp: string | null) => csp?.split("; ").find((d) => d.startsWith("script-src ")) ?? "";
const before = process.env.NEXTAUTH_URL;
afterEach(() => {
  if (before === undefined) delete process.env.NEXTAUTH_URL;
  else process.env.NEXTAUTH_URL = before;
});

describe("proxy: Content-Security-Policy", () => {
  it("allows scripts only with a fresh per-request nonce, never 'unsafe-inline', and hands Next the same nonce", () => {
    const a = proxy(new NextRequest("http://127.0.0.1:3000/clusters"));
    const b = proxy(new NextRequest("http://127.0.0.1:3000/clusters"));
    const csp = a.headers.get("content-security-policy");
    expect(scriptSrc(csp)).not.toContain("'unsafe-inline'");
    const nonce = /'nonce-([A-Za-z0-9+/=]{24})'/.exec(scriptSrc(csp))?.[1];
    expect(nonce).toBeDefined();
    expect(scriptSrc(b.headers.get("content-security-policy"))).not.toContain(nonce);
    // The request Next renders with carries the nonce (x-nonce for the layout) and the policy (for Next's scripts).
    expect(a.headers.get("x-middleware-request-x-nonce")).toBe(nonce);
    expect(a.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("does not let a client choose the nonce", () => {
    const res = proxy(new NextRequest("http://127.0.0.1:3000/", { headers: { "x-nonce": "attacker" } }));
    expect(res.headers.get("x-middleware-request-x-nonce")).not.toBe("attacker");
  });

  it("sends HSTS only when NEXTAUTH_URL is https", () => {
    process.env.NEXTAUTH_URL = "http://127.0.0.1:3000";
    expect(proxy(new NextRequest("http://127.0.0.1:3000/")).headers.get("strict-transport-security")).toBeNull();
    process.env.NEXTAUTH_URL = "https://lifeboat.example.com";
    expect(proxy(new NextRequest("https://lifeboat.example.com/")).headers.get("strict-transport-security")).toBe(
      "max-age=31536000; includeSubDomains",
    );
  });
});
