import crypto from "node:crypto";
import net from "node:net";
import { env } from "./env";

// Per-request facts for logging and audit. A route handler sees no socket address, and `next start` fills
// X-Forwarded-For with the peer's address only when the request carries none, so the header is whatever the client
// sent unless a proxy we trust wrote it: it is read only when LIFEBOAT_TRUSTED_PROXIES names the proxies in front of
// us, walking from the right past them to the first address they did not add. Otherwise the client address is null.
export interface RequestMeta {
  requestId: string;
  clientIp: string | null;
  userAgent: string | null;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(h: HeaderSource, name: string): string | null {
  if (typeof (h as Headers).get === "function") return (h as Headers).get(name);
  const v = (h as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v.join(",") : (v ?? null);
}

const unmapped = (ip: string) => (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? ip.slice(7) : ip);
const family = (ip: string) => (net.isIPv4(ip) ? "ipv4" : "ipv6");

/** A list of addresses and CIDRs ("10.0.0.1, 10.1.0.0/16, fd00::/8"); an entry that is neither is an error. */
export function parseTrustedProxies(list: string | undefined): net.BlockList {
  const proxies = new net.BlockList();
  for (const entry of (list ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [addr, bits, extra] = entry.split("/");
    const ip = unmapped(addr);
    const prefix = bits === undefined ? undefined : Number(bits);
    const max = net.isIPv4(ip) ? 32 : 128;
    if (
      !net.isIP(ip) ||
      extra !== undefined ||
      (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max))
    )
      throw new Error(`LIFEBOAT_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8)`);
    if (prefix === undefined) proxies.addAddress(ip, family(ip));
    else proxies.addSubnet(ip, prefix, family(ip));
  }
  return proxies;
}

let cached: { list: string | undefined; proxies: net.BlockList } | undefined;
function trustedProxies(): net.BlockList | null {
  const list = env().LIFEBOAT_TRUSTED_PROXIES;
  if (!list) return null;
  if (cached?.list !== list) cached = { list, proxies: parseTrustedProxies(list) };
  return cached.proxies;
}

/** The client's address from X-Forwarded-For as written by trusted proxies; null when none is trusted or it is garbled. */
export function clientAddress(xff: string | null, proxies: net.BlockList | null): string | null {
  if (!proxies || !xff) return null;
  const hops = xff.split(",").map((s) => unmapped(s.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (!net.isIP(hop)) return null;
    if (i === 0 || !proxies.check(hop, family(hop))) return hop;
  }
  return null;
}

export function requestMeta(h: HeaderSource, proxies: net.BlockList | null = trustedProxies()): RequestMeta {
  const rid = header(h, "x-request-id");
  return {
    requestId: rid && /^[\w.-]{1,64}$/.test(rid) ? rid : crypto.randomUUID(),
    clientIp: clientAddress(header(h, "x-forwarded-for"), proxies),
    userAgent: header(h, "user-agent"),
  };
}
