// What went wrong when Lifeboat tried a bucket, told the way an operator can act on it. Pure: an error thrown by
// @aws-sdk/client-s3 (or by the socket under it) plus what was being tried → a ProbeFailure kind and a message that names
// the bucket and the endpoint. The caller removes the secret from messages; nothing here ever sees it.
import { socketErrorCode, TIMED_OUT, TLS_UNTRUSTED, UNREACHABLE } from "../security/network-errors";
import { outboundRefusal } from "../security/outbound";

export type ProbeFailure =
  "NoSuchBucket" | "AccessDenied" | "InvalidCredentials" | "TLS" | "Unreachable" | "ForeignData" | "Timeout" | "Other";
export type ProbeStepName = "head" | "list" | "write" | "delete";

export interface FailureContext {
  step: ProbeStepName;
  bucket: string;
  region: string;
  /** The custom endpoint (s3Url); undefined for AWS S3 itself. */
  endpoint?: string;
  /** The access key ID as maskKeyId shows it. */
  keyId: string;
  /** Whether the location carries its own CA bundle. */
  caBundle: boolean;
  timeoutMs: number;
  /** The probe's own deadline fired (the SDK then reports an AbortError). */
  timedOut?: boolean;
}

export interface Classified {
  failure: ProbeFailure;
  message: string;
}

// What each step needs, in the words of an IAM policy (Velero's own policy grants these and more).
const DOING: Record<ProbeStepName, { verb: (bucket: string) => string; permission: string }> = {
  head: { verb: (b) => `read the bucket "${b}"`, permission: "s3:ListBucket" },
  list: { verb: (b) => `list objects in the bucket "${b}"`, permission: "s3:ListBucket" },
  write: { verb: (b) => `write objects in the bucket "${b}"`, permission: "s3:PutObject" },
  delete: { verb: (b) => `delete objects in the bucket "${b}"`, permission: "s3:DeleteObject" },
};

const BAD_KEYS = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "InvalidSecurity",
]);
const WRONG_REGION = new Set([
  "AuthorizationHeaderMalformed",
  "PermanentRedirect",
  "IllegalLocationConstraintException",
  "IncorrectEndpoint",
]);
/** S3 error codes this module tells apart; anything else on a 400/403 HeadBucket (which has no body) is vague. */
const KNOWN_CODES = new Set([
  "NoSuchBucket",
  "NotFound",
  "AccessDenied",
  "AllAccessDisabled",
  ...BAD_KEYS,
  ...WRONG_REGION,
]);

type Loose = {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  Region?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
};
const loose = (e: unknown): Loose => (e && typeof e === "object" ? (e as Loose) : {});

const statusOf = (e: unknown) => loose(e).$metadata?.httpStatusCode;
const nameOf = (e: unknown) => (typeof loose(e).name === "string" ? (loose(e).name as string) : undefined);

/**
 * HeadBucket answers 403 or 400 without a body, so the SDK can only call it "Unknown": wrong keys and missing
 * permissions look the same. The probe then lists, whose error body carries the real code.
 */
export function isVagueHeadError(e: unknown, step: ProbeStepName): boolean {
  const status = statusOf(e);
  return step === "head" && (status === 400 || status === 403) && !KNOWN_CODES.has(nameOf(e) ?? "");
}

/** The region S3 says the bucket is in (x-amz-bucket-region, or the <Region> of AuthorizationHeaderMalformed). */
function bucketRegion(e: unknown): string | undefined {
  const l = loose(e);
  const header = l.$response?.headers?.["x-amz-bucket-region"];
  if (typeof header === "string" && header) return header;
  return typeof l.Region === "string" && l.Region ? l.Region : undefined;
}

export function classifyS3Error(e: unknown, c: FailureContext): Classified {
  const where = c.endpoint ?? `AWS S3 (${c.region})`;
  const doing = DOING[c.step];
  const action = `${doing.verb(c.bucket)}${c.endpoint ? ` at ${c.endpoint}` : ""}`;
  const name = nameOf(e);
  const status = statusOf(e);
  const code = socketErrorCode(e);
  const refusal = outboundRefusal(e);
  if (refusal) return { failure: "Unreachable", message: `Lifeboat will not connect to ${where}: ${refusal}` };

  if (
    c.timedOut ||
    name === "TimeoutError" ||
    name === "AbortError" ||
    (code && TIMED_OUT.has(code)) ||
    name === "RequestTimeout"
  ) {
    return {
      failure: "Timeout",
      message: `${where} did not answer within ${c.timeoutMs / 1000} s when Lifeboat tried to ${doing.verb(c.bucket)}`,
    };
  }
  if (
    name === "NoSuchBucket" ||
    ((name === "NotFound" || status === 404) && (c.step === "head" || c.step === "list"))
  ) {
    return {
      failure: "NoSuchBucket",
      message: `The bucket "${c.bucket}" does not exist in region ${c.region}${c.endpoint ? ` at ${c.endpoint}` : ""}`,
    };
  }
  if (name === "InvalidAccessKeyId") {
    return {
      failure: "InvalidCredentials",
      message: `${where} does not know the access key ${c.keyId} (InvalidAccessKeyId): check the access key ID`,
    };
  }
  if (name === "SignatureDoesNotMatch") {
    return {
      failure: "InvalidCredentials",
      message: `The secret access key does not belong to the access key ${c.keyId} at ${where} (SignatureDoesNotMatch): check the secret access key`,
    };
  }
  if (name && BAD_KEYS.has(name)) {
    return { failure: "InvalidCredentials", message: `${where} refused the keys ${c.keyId} (${name})` };
  }
  if (name === "RequestTimeTooSkewed") {
    return {
      failure: "Other",
      message: `The clocks of Lifeboat and ${where} differ by more than 15 minutes (RequestTimeTooSkewed): fix the server's time`,
    };
  }
  if ((name && WRONG_REGION.has(name)) || status === 301) {
    const actual = bucketRegion(e);
    return {
      failure: "Other",
      message: actual
        ? `The bucket "${c.bucket}" is in region ${actual}, not ${c.region}: set the location's region to ${actual}`
        : `The bucket "${c.bucket}" is not in region ${c.region}${c.endpoint ? ` at ${c.endpoint}` : ""}: ` +
          `set the location's region to the bucket's (${name ?? status})`,
    };
  }
  if (name === "AccessDenied" || name === "AllAccessDisabled" || status === 403) {
    return {
      failure: "AccessDenied",
      message:
        `The keys ${c.keyId} may not ${action} ` +
        `(${name === "AccessDenied" || name === "AllAccessDisabled" ? name : "403 Forbidden"}): grant ${doing.permission} on it`,
    };
  }
  if (code === "ECONNREFUSED")
    return {
      failure: "Unreachable",
      message: `Nothing answers at ${where} (connection refused): is the endpoint right and the service up?`,
    };
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return { failure: "Unreachable", message: `The host of ${where} could not be resolved (${code})` };
  if (code && UNREACHABLE.has(code)) return { failure: "Unreachable", message: `${where} cannot be reached (${code})` };
  if (code && TLS_UNTRUSTED.has(code)) {
    return {
      failure: "TLS",
      message: c.caBundle
        ? `The certificate of ${where} is not signed by the location's CA bundle (${code})`
        : `The certificate of ${where} is not trusted (${code}): give the location the CA bundle that signed it`,
    };
  }
  if (code === "CERT_HAS_EXPIRED") return { failure: "TLS", message: `The certificate of ${where} has expired` };
  if (code === "CERT_NOT_YET_VALID")
    return { failure: "TLS", message: `The certificate of ${where} is not valid yet (check the clocks)` };
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return {
      failure: "TLS",
      message: `The certificate of ${where} is not issued for its host name; use the address the certificate names`,
    };
  if (code && (code === "EPROTO" || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_"))) {
    return {
      failure: "TLS",
      message: `The TLS handshake with ${where} failed (${code}): is it an https:// endpoint, and the CA bundle right?`,
    };
  }
  const detail =
    typeof loose(e).message === "string" && loose(e).message !== "UnknownError"
      ? (loose(e).message as string)
      : undefined;
  const what = [
    name && name !== "Error" && name !== "Unknown" ? name : undefined,
    status ? `HTTP ${status}` : undefined,
    code,
  ]
    .filter(Boolean)
    .join(", ");
  return {
    failure: "Other",
    message: `Lifeboat could not ${action}${detail ? `: ${detail}` : ""}${what ? ` (${what})` : ""}`,
  };
}
