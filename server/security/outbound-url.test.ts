import { describe, expect, it } from "vitest";
import { checkOutboundUrl, classifyAddress, ipv6Groups } from "./outbound-url";

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
    // IPv6 forms that carry an IPv4 address are judged by it (#9: [::ffff:169.254.169.254] reached IMDS).
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:a9fe:a9fe", "metadata"],
    ["0:0:0:0:0:ffff:7f00:1", "loopback"],
    ["::169.254.169.254", "metadata"],
    ["::a9fe:a9fe", "metadata"],
    ["64:ff9b::a9fe:a9fe", "metadata"],
    ["64:ff9b::169.254.169.254", "metadata"],
    ["64:ff9b:1::a9fe:1", "link-local"],
    ["64:ff9b::a00:5", "ok"],
    ["2002:a9fe:a9fe::1", "metadata"],
    ["2002:7f00:1::", "loopback"],
    ["2001:0:a9fe:a9fe::1", "metadata"],
    ["2001:0:4136:e378:8000:63bf:5601:5601", "metadata"], // Teredo client 169.254.169.254 (bits inverted)
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["ff02::1", "unspecified"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "unspecified"],
    ["255.255.255.255", "unspecified"],
    ["168.63.129.16", "metadata"], // Azure WireServer
    ["192.0.0.192", "metadata"], // Oracle Cloud
    ["169.254.170.2", "metadata"], // ECS task metadata
    ["fd00:ec2:0:0:0:0:0:254", "metadata"],
    ["fd12:3456::1", "ok"],
    ["::ffff:10.1.2.3", "ok"],
  ])("%s is %s", (ip, kind) => expect(classifyAddress(ip)).toBe(kind));
});

describe("ipv6Groups", () => {
  it("reads compressed, full, dotted-tail and zoned forms", () => {
    expect(ipv6Groups("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(ipv6Groups("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(ipv6Groups("fe80::1%eth0")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(ipv6Groups("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ipv6Groups("1.2.3.4")).toBeNull();
    expect(ipv6Groups("not an address")).toBeNull();
  });
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

describe("checkOutboundUrl: IPv6 literals", () => {
  it("refuses IMDS written as an IPv4-mapped IPv6 literal (the URL parser turns it into hex)", async () => {
    expect(new URL("https://[::ffff:169.254.169.254]/").hostname).toBe("[::ffff:a9fe:a9fe]");
    const v = await checkOutboundUrl("https://[::ffff:169.254.169.254]/latest/meta-data", { allowLoopback: true });
    expect(v).toMatchObject({ ok: false, reason: expect.stringMatching(/metadata/) });
  });
});
