import dns from "node:dns/promises";
import net from "node:net";

// Checks a user-supplied URL before Lifeboat connects to it (cluster API servers, bucket endpoints, identity providers):
// scheme allowlist; link-local and cloud metadata addresses always refused; loopback refused unless
// LIFEBOAT_ALLOW_LOOPBACK=1 (demo and tests). Every address the name resolves to is checked.
export type OutboundVerdict = { ok: true; url: URL; addresses: string[] } | { ok: false; reason: string };

export interface OutboundOptions {
  schemes?: string[];
  allowLoopback?: boolean;
  resolve?: (host: string) => Promise<string[]>;
}

const METADATA_HOSTS = new Set([
  "metadata.google.internal",
  "metadata.goog",
  "metadata",
  "instance-data",
  "instance-data.ec2.internal",
]);

function v4ToInt(ip: string) {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}
function inV4(ip: string, cidr: string) {
  const [base, bits] = cidr.split("/");
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits));
  return (v4ToInt(ip) & mask) >>> 0 === (v4ToInt(base) & mask) >>> 0;
}

/** What kind of address this is, for the rules above. */
export function classifyAddress(ip: string): "loopback" | "link-local" | "metadata" | "unspecified" | "ok" {
  let v4 = net.isIPv4(ip) ? ip : null;
  const lower = ip.toLowerCase();
  if (!v4 && net.isIPv6(ip)) {
    const mapped = lower.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
    if (mapped) v4 = mapped[1];
    else {
      if (lower === "::1") return "loopback";
      if (lower === "::") return "unspecified";
      if (lower === "fd00:ec2::254") return "metadata";
      if (/^fe[89ab][0-9a-f]:/.test(lower)) return "link-local";
      return "ok";
    }
  }
  if (!v4) return "ok";
  if (v4 === "169.254.169.254" || v4 === "169.254.170.2" || v4 === "100.100.100.200") return "metadata";
  if (inV4(v4, "169.254.0.0/16")) return "link-local";
  if (inV4(v4, "127.0.0.0/8")) return "loopback";
  if (inV4(v4, "0.0.0.0/8")) return "unspecified";
  return "ok";
}

const defaultResolve = async (host: string) =>
  (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export async function checkOutboundUrl(raw: string, opts: OutboundOptions = {}): Promise<OutboundVerdict> {
  const schemes = opts.schemes ?? ["https"];
  const allowLoopback = opts.allowLoopback ?? process.env.LIFEBOAT_ALLOW_LOOPBACK === "1";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `"${raw}" is not a valid URL` };
  }
  const scheme = url.protocol.replace(":", "");
  if (!schemes.includes(scheme))
    return { ok: false, reason: `The scheme ${scheme}: is not allowed here (allowed: ${schemes.join(", ")})` };
  if (url.username || url.password) return { ok: false, reason: "Credentials in the URL are not allowed" };
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (!host) return { ok: false, reason: "The URL has no host" };
  if (METADATA_HOSTS.has(host)) return { ok: false, reason: `${host} is a cloud metadata service` };
  let addresses: string[];
  try {
    addresses = net.isIP(host) ? [host] : await (opts.resolve ?? defaultResolve)(host);
  } catch {
    return { ok: false, reason: `The host ${host} could not be resolved` };
  }
  if (addresses.length === 0) return { ok: false, reason: `The host ${host} has no addresses` };
  for (const a of addresses) {
    const kind = classifyAddress(a);
    if (kind === "metadata") return { ok: false, reason: `${host} resolves to ${a}, a cloud metadata address` };
    if (kind === "link-local") return { ok: false, reason: `${host} resolves to ${a}, a link-local address` };
    if (kind === "unspecified") return { ok: false, reason: `${host} resolves to ${a}, which is not a usable address` };
    if (kind === "loopback" && !allowLoopback)
      return {
        ok: false,
        reason: `${host} resolves to ${a}, a loopback address (set LIFEBOAT_ALLOW_LOOPBACK=1 to allow it)`,
      };
  }
  return { ok: true, url, addresses };
}
