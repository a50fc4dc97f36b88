import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import nodeTls from "node:tls";
import type { Duplex } from "node:stream";
import { Agent, buildConnector } from "undici";
import { addressRefusal } from "./outbound-url";

// The one outbound path: every client that leaves the process (the cluster port's undici pool, the AWS SDK's agents,
// fetch) connects through these. The address checked is the address connected to: the name is resolved inside the
// connect step and every answer is checked there, so a name that resolved to a public address when the URL was checked
// cannot resolve to a metadata or link-local address a moment later (DNS rebinding); an IP literal, which no lookup
// sees, is checked before the socket opens. Loopback only with LIFEBOAT_ALLOW_LOOPBACK=1.

export const OUTBOUND_REFUSED = "LIFEBOAT_OUTBOUND_REFUSED";

export interface OutboundPolicy {
  /** Default: LIFEBOAT_ALLOW_LOOPBACK=1, read when connecting. */
  allowLoopback?: boolean;
}

const loopbackAllowed = (p: OutboundPolicy) => p.allowLoopback ?? process.env.LIFEBOAT_ALLOW_LOOPBACK === "1";

export function refusedError(reason: string): NodeJS.ErrnoException & { reason: string } {
  return Object.assign(new Error(`Lifeboat will not connect here: ${reason}`), { code: OUTBOUND_REFUSED, reason });
}

/** The policy's reason when `e` (or its cause) is a connection the outbound path refused. */
export function outboundRefusal(e: unknown): string | null {
  let cur = e as { code?: unknown; reason?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; cur && depth < 5; depth++, cur = cur.cause as typeof cur)
    if (cur.code === OUTBOUND_REFUSED && typeof cur.reason === "string") return cur.reason;
  return null;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for net/tls.connect that answers only when every address of the name is allowed. */
export function guardedLookup(policy: OutboundPolicy = {}) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, "");
      for (const a of addresses) {
        const reason = addressRefusal(hostname, a.address, loopbackAllowed(policy));
        if (reason) return callback(refusedError(reason), "");
      }
      if (addresses.length === 0)
        return callback(Object.assign(new Error(`${hostname} has no addresses`), { code: "ENOTFOUND" }), "");
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Why a literal address may not be reached, or null (names are checked by the lookup). */
function literalRefusal(host: string | undefined | null, policy: OutboundPolicy): string | null {
  const bare = (host ?? "").replace(/^\[|\]$/g, "");
  return net.isIP(bare) ? addressRefusal(bare, bare, loopbackAllowed(policy)) : null;
}

export interface OutboundTls {
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

/** An undici dispatcher on the outbound path (the cluster port's pool; fetch with `dispatcher`). */
export function outboundAgent(tls: OutboundTls = {}, policy: OutboundPolicy = {}): Agent {
  // One TLS context for every connection of the agent: given ca/cert/key, tls.connect builds a context per connection
  // (a cluster's thirteen watches held thirteen copies of its CA, certificate and key in native memory).
  const { ca, cert, key, ...rest } = tls;
  const shared = ca || cert || key ? { secureContext: nodeTls.createSecureContext({ ca, cert, key }) } : {};
  const connector = buildConnector({
    ...rest,
    ...shared,
    lookup: guardedLookup(policy),
    keepAlive: true,
    keepAliveInitialDelay: 30_000,
  } as buildConnector.BuildOptions);
  return new Agent({
    connect: (opts, callback) => {
      const reason = literalRefusal(opts.hostname, policy);
      if (reason) return callback(refusedError(reason), null);
      return connector(opts, callback);
    },
  });
}

type CreateConnection = (options: net.NetConnectOpts, cb: (err: Error | null, socket?: Duplex) => void) => Duplex;

function guardConnections<A extends http.Agent>(agent: A, policy: OutboundPolicy): A {
  const create = (agent as unknown as { createConnection: CreateConnection }).createConnection.bind(agent);
  (agent as unknown as { createConnection: CreateConnection }).createConnection = (options, cb) => {
    const reason = literalRefusal((options as net.TcpNetConnectOpts).host, policy);
    if (reason) {
      // Reported through the request's error event, as a refused socket would be.
      const socket = new net.Socket();
      process.nextTick(() => socket.destroy(refusedError(reason)));
      return socket;
    }
    return create({ ...options, lookup: guardedLookup(policy) } as net.NetConnectOpts, cb);
  };
  return agent;
}

/** Node http/https agents on the outbound path (the AWS SDK's request handler). */
export function outboundNodeAgents(
  tls: OutboundTls = {},
  policy: OutboundPolicy = {},
): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  return {
    httpAgent: guardConnections(new http.Agent({ keepAlive: false }), policy),
    httpsAgent: guardConnections(new https.Agent({ keepAlive: false, ...tls }), policy),
  };
}
