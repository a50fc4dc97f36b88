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
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
}
function inV4(n: number, cidr: string) {
  const [base, bits] = cidr.split("/");
  const mask = Number(bits) === 0 ? 0 : (2 ** 32 - 2 ** (32 - Number(bits))) >>> 0;
  return (n & mask) >>> 0 === (v4ToInt(base) & mask) >>> 0;
}

/** An IPv6 address as its eight 16-bit groups (a zone index dropped, an embedded dotted IPv4 tail read), or null. */
export function ipv6Groups(ip: string): number[] | null {
  let s = ip.toLowerCase().replace(/%.*$/, "");
  if (!net.isIPv6(s)) return null;
  const tail = s.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (tail) {
    const n = v4ToInt(tail[1]);
    s = s.slice(0, -tail[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = s.includes("::") ? s.split("::") : [s, null];
  const left = head ? head.split(":") : [];
  const right = rest ? rest.split(":") : [];
  const fill = rest === null ? [] : Array<string>(8 - left.length - right.length).fill("0");
  const groups = [...left, ...fill, ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

type AddressKind = "loopback" | "link-local" | "metadata" | "unspecified" | "ok";

/** The cloud metadata services: AWS, GCP, Azure, OpenStack (169.254.169.254), AWS ECS, Azure's WireServer, Alibaba, Oracle. */
const METADATA_V4 = ["169.254.169.254", "169.254.170.2", "168.63.129.16", "100.100.100.200", "192.0.0.192"].map(
  v4ToInt,
);

function classifyV4(n: number): AddressKind {
  if (METADATA_V4.includes(n)) return "metadata";
  if (inV4(n, "169.254.0.0/16")) return "link-local";
  if (inV4(n, "127.0.0.0/8")) return "loopback";
  if (inV4(n, "0.0.0.0/8") || inV4(n, "224.0.0.0/4") || inV4(n, "240.0.0.0/4")) return "unspecified";
  return "ok";
}

/**
 * What kind of address this is, for the rules above. IPv6 forms that carry an IPv4 address are judged by that address:
 * IPv4-mapped (::ffff:a.b.c.d, also written in hex) and -compatible (::a.b.c.d), NAT64 (64:ff9b::/96 and the local-use
 * 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo (2001::/32, both the server and the obfuscated client address).
 */
export function classifyAddress(ip: string): AddressKind {
  if (net.isIPv4(ip)) return classifyV4(v4ToInt(ip));
  const g = ipv6Groups(ip);
  if (!g) return "ok";
  const v4At = (i: number) => ((g[i] << 16) | g[i + 1]) >>> 0;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return "unspecified";
  if (zeros(0, 7) && g[7] === 1) return "loopback";
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return classifyV4(v4At(6));
  if (g[0] === 0x64 && g[1] === 0xff9b && (zeros(2, 6) || g[2] === 1)) return classifyV4(v4At(6));
  if (g[0] === 0x2002) return classifyV4(v4At(1));
  if (g[0] === 0x2001 && g[1] === 0) {
    const server = classifyV4(v4At(2));
    return server !== "ok" ? server : classifyV4(~v4At(6) >>> 0);
  }
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && zeros(2, 7) && g[7] === 0x254) return "metadata";
  if ((g[0] & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0] & 0xff00) === 0xff00) return "unspecified";
  return "ok";
}

const REFUSED: Record<Exclude<AddressKind, "ok">, string> = {
  metadata: "a cloud metadata address",
  "link-local": "a link-local address",
  unspecified: "not a usable address",
  loopback: "a loopback address (set LIFEBOAT_ALLOW_LOOPBACK=1 to allow it)",
};

/** Why Lifeboat will not connect to `address` (what `host` resolved to), or null when it may. */
export function addressRefusal(host: string, address: string, allowLoopback: boolean): string | null {
  const kind = classifyAddress(address);
  if (kind === "ok" || (kind === "loopback" && allowLoopback)) return null;
  return `${host === address ? address : `${host} resolves to ${address}, which`} is ${REFUSED[kind]}`;
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
    const reason = addressRefusal(host, a, allowLoopback);
    if (reason) return { ok: false, reason };
  }
  return { ok: true, url, addresses };
}
