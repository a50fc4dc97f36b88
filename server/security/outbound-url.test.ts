import { describe, expect, it } from "vitest";
import { checkOutboundUrl, classifyAddress } from "./outbound-url";

const resolveTo =
  (...addrs: string[]) =>
  async () =>
    addrs;

describe("classifyAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["100.100.100.200", "metadata"],
    ["169.254.10.1", "link-local"],
    ["fe80::1", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["10.0.0.5", "ok"],
    ["52.95.110.1", "ok"],
    ["2600:1f18::1", "ok"],
  ])("%s is %s", (ip, kind) => expect(classifyAddress(ip)).toBe(kind));
});

describe("checkOutboundUrl", () => {
  it.each([
    ["https://s3.amazonaws.com/bucket", {}, true],
    ["http://minio.example.com:9000", {}, false],
    ["http://minio.example.com:9000", { schemes: ["https", "http"] }, true],
    ["ftp://example.com", { schemes: ["https", "http"] }, false],
    ["file:///etc/passwd", {}, false],
    ["https://user:pw@example.com", {}, false],
    ["not a url", {}, false],
  ])("%s with %j → allowed=%s", async (url, opts, allowed) => {
    const v = await checkOutboundUrl(url, { resolve: resolveTo("52.95.110.1"), ...opts });
    expect(v.ok).toBe(allowed);
  });

  it("refuses cloud metadata by address and by name", async () => {
    expect((await checkOutboundUrl("https://169.254.169.254/latest/meta-data", { allowLoopback: true })).ok).toBe(
      false,
    );
    const byName = await checkOutboundUrl("https://metadata.google.internal/computeMetadata", { allowLoopback: true });
    expect(byName).toMatchObject({ ok: false, reason: expect.stringMatching(/metadata/) });
  });

  it("refuses a name that resolves to link-local even when another address is fine", async () => {
    const v = await checkOutboundUrl("https://sneaky.example.com", {
      resolve: resolveTo("52.95.110.1", "169.254.1.1"),
    });
    expect(v).toMatchObject({ ok: false, reason: expect.stringMatching(/link-local/) });
  });

  it("refuses loopback unless allowed", async () => {
    const denied = await checkOutboundUrl("https://127.0.0.1:6443", { allowLoopback: false });
    expect(denied).toMatchObject({ ok: false, reason: expect.stringMatching(/LIFEBOAT_ALLOW_LOOPBACK/) });
    expect((await checkOutboundUrl("https://[::1]:6443", { allowLoopback: true })).ok).toBe(true);
    expect(
      (await checkOutboundUrl("https://localhost:6443", { allowLoopback: false, resolve: resolveTo("127.0.0.1") })).ok,
    ).toBe(false);
  });

  it("explains a name that does not resolve", async () => {
    const v = await checkOutboundUrl("https://nowhere.invalid", {
      resolve: async () => {
        throw new Error("ENOTFOUND");
      },
    });
    expect(v).toMatchObject({ ok: false, reason: expect.stringMatching(/could not be resolved/) });
  });
});
