// The one mapping of a failed cluster call (an HTTP status from the API server, or a socket, TLS or timeout failure)
// to a ClusterError an operator understands. Callers redact secrets from the message (the session does).
import { outboundRefusal } from "../security/outbound";
import { TIMED_OUT, TLS_UNTRUSTED, UNREACHABLE } from "../security/network-errors";

export type ClusterErrorKind = "Unreachable" | "Unauthorized" | "Forbidden" | "TLS" | "NotFound" | "Timeout" | "Other";

export class ClusterError extends Error {
  constructor(
    message: string,
    public readonly kind: ClusterErrorKind,
    /** The API server's HTTP status, when it answered. */
    public readonly status?: number,
  ) {
    super(message);
    this.name = "ClusterError";
  }
}

/** A list's continue token or a watch's resourceVersion is older than the server's history (410 Gone). */
export class ResourceExpiredError extends ClusterError {
  constructor(message: string) {
    super(message, "Other", 410);
    this.name = "ResourceExpiredError";
  }
}

/** An HTTP answer other than 2xx from the API server, before it is mapped. */
export class HttpStatusError extends Error {
  constructor(
    public readonly statusCode: number,
    public readonly body: unknown,
  ) {
    super(`HTTP ${statusCode}`);
    this.name = "HttpStatusError";
  }
}

/** The first error code along an error's cause chain (undici wraps socket errors in "fetch failed"). */
export function codeOf(e: unknown): string | undefined {
  let cur = e as { code?: unknown; cause?: unknown; errors?: unknown } | null | undefined;
  for (let depth = 0; cur && depth < 5; depth++) {
    if (typeof cur.code === "string") return cur.code;
    const inner = Array.isArray(cur.errors)
      ? (cur.errors as { code?: unknown }[]).find((x) => typeof x?.code === "string")
      : undefined;
    if (inner) return inner.code as string;
    cur = cur.cause as typeof cur;
  }
  return undefined;
}

/** The message of a Kubernetes Status body (an object or its JSON text). */
export function statusMessage(body: unknown): string | undefined {
  try {
    const status = typeof body === "string" ? JSON.parse(body) : body;
    return typeof status?.message === "string" ? status.message : undefined;
  } catch {
    return undefined;
  }
}

export interface CallContext {
  server: string;
  what: string;
  timeoutMs: number;
  tokenUser: boolean;
}

/** The one mapping of a failed cluster call to a ClusterError an operator understands (callers redact secrets). */
export function toClusterError(e: unknown, c: CallContext): ClusterError {
  if (e instanceof ClusterError) return e;
  const host = new URL(c.server).host;
  const httpCode =
    e instanceof HttpStatusError
      ? e.statusCode
      : typeof (e as { statusCode?: unknown } | null)?.statusCode === "number"
        ? (e as { statusCode: number }).statusCode
        : undefined;
  if (httpCode !== undefined) {
    const detail = e instanceof HttpStatusError ? statusMessage(e.body) : undefined;
    const tail = detail ? `: ${detail}` : "";
    const err = (message: string, kind: ClusterErrorKind) => new ClusterError(message, kind, httpCode);
    if (httpCode === 401)
      return err(
        `The cluster at ${c.server} refused the ${c.tokenUser ? "token" : "client certificate"} ` +
          `(401 Unauthorized): it is wrong, expired, or its service account was deleted`,
        "Unauthorized",
      );
    if (httpCode === 403)
      return err(
        `Lifeboat may not ${c.what}${tail} (403 Forbidden); apply the onboarding manifest to grant it`,
        "Forbidden",
      );
    if (httpCode === 404) return err(`Not found while trying to ${c.what}${tail}`, "NotFound");
    if (httpCode === 408 || httpCode === 504)
      return err(`The cluster at ${c.server} timed out trying to ${c.what}`, "Timeout");
    if (httpCode === 409)
      return err(`Could not ${c.what}: it was changed at the same time by someone else${tail}; try again`, "Other");
    if (httpCode === 410)
      return new ResourceExpiredError(
        `The cluster at ${c.server} no longer has the history to ${c.what} (410 Gone)${tail}`,
      );
    if (httpCode === 422) return err(`The cluster refused to ${c.what}${tail}`, "Other");
    return err(`The cluster at ${c.server} answered ${httpCode} when Lifeboat tried to ${c.what}${tail}`, "Other");
  }
  const refusal = outboundRefusal(e);
  if (refusal) return new ClusterError(`Lifeboat will not connect to ${c.server}: ${refusal}`, "Other");
  const name = (e as { name?: string } | null)?.name;
  const code = codeOf(e);
  if (name === "TimeoutError" || name === "AbortError" || (code && TIMED_OUT.has(code))) {
    return new ClusterError(
      `${c.server} did not answer within ${c.timeoutMs / 1000} s (trying to ${c.what})`,
      "Timeout",
    );
  }
  if (code === "ECONNREFUSED")
    return new ClusterError(
      `Nothing answers at ${c.server} (connection refused): is the address right and the API server up?`,
      "Unreachable",
    );
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new ClusterError(`The host of ${c.server} could not be resolved (${code})`, "Unreachable");
  if (code && UNREACHABLE.has(code)) return new ClusterError(`${c.server} cannot be reached (${code})`, "Unreachable");
  if (code && TLS_UNTRUSTED.has(code))
    return new ClusterError(
      `The server's certificate is not signed by the CA in the kubeconfig (${c.server}, ${code})`,
      "TLS",
    );
  if (code === "CERT_HAS_EXPIRED")
    return new ClusterError(`The server's certificate at ${c.server} has expired`, "TLS");
  if (code === "CERT_NOT_YET_VALID")
    return new ClusterError(`The server's certificate at ${c.server} is not valid yet (check the clocks)`, "TLS");
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return new ClusterError(
      `The server's certificate does not name ${host}; use the address the certificate was issued for, or set tls-server-name`,
      "TLS",
    );
  if (code && (code === "EPROTO" || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_"))) {
    return new ClusterError(
      `The TLS handshake with ${c.server} failed (${code}): is it an HTTPS Kubernetes API endpoint?`,
      "TLS",
    );
  }
  const message = e instanceof Error ? e.message : String(e);
  return new ClusterError(
    `Lifeboat could not ${c.what} at ${c.server}: ${message}${code ? ` (${code})` : ""}`,
    "Other",
  );
}
