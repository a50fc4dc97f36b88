// The socket and TLS error codes Node, undici and the AWS SDK report, grouped as an operator acts on them; shared by
// the cluster-access port (server/kube/errors.ts), the bucket probes (server/storage/s3-failures.ts) and the AWS
// account check (server/storage/aws/account.ts).
export const TLS_UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "CERT_REVOKED",
]);

export const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
  "EPIPE",
  "EHOSTDOWN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

export const TIMED_OUT = new Set([
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

type Loose = { code?: unknown; cause?: unknown; errors?: unknown };
const loose = (e: unknown): Loose => (e && typeof e === "object" ? (e as Loose) : {});

/** The first socket/TLS error code along an error's cause chain (Node's happy-eyeballs wraps them in AggregateError). */
export function socketErrorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = loose(cur).cause, depth++) {
    const l = loose(cur);
    if (typeof l.code === "string") return l.code;
    const inner = Array.isArray(l.errors) ? l.errors.map(loose).find((x) => typeof x.code === "string") : undefined;
    if (inner) return inner.code as string;
  }
  return undefined;
}
