import { describe, expect, it } from "vitest";
import { clientAddress, parseTrustedProxies, requestMeta } from "./request-meta";

// X-Forwarded-For (#9 §4): trusted only from LIFEBOAT_TRUSTED_PROXIES; without it the client address is null.
describe("X-Forwarded-For", () => {
  it("is ignored when no proxy is trusted (the default): a client cannot choose its recorded address", () => {
    const h = new Headers({ "x-forwarded-for": "203.0.113.9", "x-real-ip": "203.0.113.10" });
    expect(requestMeta(h, null).clientIp).toBeNull();
    expect(requestMeta({ "x-forwarded-for": "203.0.113.9" }, null).clientIp).toBeNull();
  });

  const proxies = parseTrustedProxies("10.0.0.0/8, 192.0.2.7, fd00::/8");
  it.each([
    ["the address the trusted proxy added", "203.0.113.9", "203.0.113.9"],
    ["past the trusted hops, not the client's own claim on the left", "1.1.1.1, 203.0.113.9, 10.1.2.3", "203.0.113.9"],
    ["an IPv4-mapped hop as IPv4", "::ffff:203.0.113.9, 192.0.2.7", "203.0.113.9"],
    ["an IPv6 client behind an IPv6 proxy", "2001:db8::1, fd12::3", "2001:db8::1"],
    ["null for a garbled hop", "not-an-ip, 10.0.0.1", null],
    ["null without the header", null, null],
  ])("takes %s", (_what, xff, expected) => {
    expect(clientAddress(xff, proxies)).toBe(expected);
  });

  it("refuses a malformed LIFEBOAT_TRUSTED_PROXIES entry, naming it", () => {
    expect(() => parseTrustedProxies("10.0.0.0/8, proxy.internal")).toThrow(
      'LIFEBOAT_TRUSTED_PROXIES: "proxy.internal" is not an IP address or CIDR (e.g. 10.0.0.0/8)',
    );
    expect(() => parseTrustedProxies("10.0.0.0/33")).toThrow(/"10.0.0.0\/33"/);
  });
});
