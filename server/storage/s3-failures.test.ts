import { describe, expect, it } from "vitest";
import { refusedError } from "../security/outbound";
import {
  classifyS3Error,
  isVagueHeadError,
  type FailureContext,
  type ProbeFailure,
  type ProbeStepName,
} from "./s3-failures";

// Errors shaped as @aws-sdk/client-s3 and Node's sockets throw them: S3 errors carry the code as `name` and the HTTP
// status in $metadata; socket and TLS errors carry `code`, sometimes inside an AggregateError or a cause.
const s3Error = (name: string, status: number, message = "UnknownError", extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, ...extra });
const socketError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

const ctx = (step: ProbeStepName, more: Partial<FailureContext> = {}): FailureContext => ({
  step,
  bucket: "lifeboat-backups",
  region: "eu-west-1",
  endpoint: "https://minio.example.com:9000",
  keyId: "AKIA…MPLE",
  caBundle: false,
  timeoutMs: 8_000,
  ...more,
});

describe("classifyS3Error", () => {
  it.each<[string, unknown, FailureContext, ProbeFailure, RegExp]>([
    [
      "NoSuchBucket from a listing",
      s3Error("NoSuchBucket", 404, "The specified bucket does not exist"),
      ctx("list"),
      "NoSuchBucket",
      /^The bucket "lifeboat-backups" does not exist in region eu-west-1 at https:\/\/minio\.example\.com:9000$/,
    ],
    [
      "404 on HeadBucket (no body)",
      s3Error("NotFound", 404),
      ctx("head"),
      "NoSuchBucket",
      /"lifeboat-backups" does not exist in region eu-west-1/,
    ],
    [
      "NoSuchBucket on AWS itself",
      s3Error("NoSuchBucket", 404),
      ctx("head", { endpoint: undefined }),
      "NoSuchBucket",
      /^The bucket "lifeboat-backups" does not exist in region eu-west-1$/,
    ],
    [
      "AccessDenied on list",
      s3Error("AccessDenied", 403, "Access Denied"),
      ctx("list"),
      "AccessDenied",
      /^The keys AKIA…MPLE may not list objects in the bucket "lifeboat-backups" at https:\/\/minio\.example\.com:9000 \(AccessDenied\): grant s3:ListBucket/,
    ],
    [
      "AccessDenied on write",
      s3Error("AccessDenied", 403),
      ctx("write"),
      "AccessDenied",
      /may not write objects in the bucket "lifeboat-backups".*s3:PutObject/,
    ],
    [
      "AccessDenied on delete",
      s3Error("AccessDenied", 403),
      ctx("delete"),
      "AccessDenied",
      /may not delete objects .*s3:DeleteObject/,
    ],
    [
      "403 on HeadBucket (no body)",
      s3Error("Unknown", 403),
      ctx("head"),
      "AccessDenied",
      /may not read the bucket "lifeboat-backups".*403 Forbidden/,
    ],
    [
      "InvalidAccessKeyId",
      s3Error("InvalidAccessKeyId", 403),
      ctx("list"),
      "InvalidCredentials",
      /does not know the access key AKIA…MPLE.*check the access key ID/,
    ],
    [
      "SignatureDoesNotMatch",
      s3Error("SignatureDoesNotMatch", 403),
      ctx("list"),
      "InvalidCredentials",
      /secret access key does not belong to the access key AKIA…MPLE/,
    ],
    [
      "ExpiredToken",
      s3Error("ExpiredToken", 400),
      ctx("list"),
      "InvalidCredentials",
      /refused the keys AKIA…MPLE \(ExpiredToken\)/,
    ],
    [
      "301 with the bucket's region",
      s3Error("Unknown", 301, "UnknownError", { $response: { headers: { "x-amz-bucket-region": "us-west-2" } } }),
      ctx("head", { endpoint: undefined }),
      "Other",
      /is in region us-west-2, not eu-west-1: set the location's region to us-west-2/,
    ],
    [
      "AuthorizationHeaderMalformed",
      s3Error("AuthorizationHeaderMalformed", 400, "the region 'eu-west-1' is wrong; expecting 'ap-south-1'", {
        Region: "ap-south-1",
      }),
      ctx("list"),
      "Other",
      /is in region ap-south-1, not eu-west-1/,
    ],
    [
      "PermanentRedirect without a region",
      s3Error("PermanentRedirect", 301),
      ctx("list"),
      "Other",
      /is not in region eu-west-1/,
    ],
    ["RequestTimeTooSkewed", s3Error("RequestTimeTooSkewed", 403), ctx("write"), "Other", /clocks .* differ/],
    [
      "connection refused",
      socketError("ECONNREFUSED"),
      ctx("head"),
      "Unreachable",
      /^Nothing answers at https:\/\/minio\.example\.com:9000 \(connection refused\)/,
    ],
    [
      "refused inside an AggregateError",
      Object.assign(new AggregateError([socketError("ECONNREFUSED"), socketError("ECONNREFUSED")]), {
        code: undefined,
      }),
      ctx("head"),
      "Unreachable",
      /connection refused/,
    ],
    [
      "name not found",
      socketError("ENOTFOUND"),
      ctx("head", { endpoint: undefined }),
      "Unreachable",
      /The host of AWS S3 \(eu-west-1\) could not be resolved \(ENOTFOUND\)/,
    ],
    ["host unreachable", socketError("EHOSTUNREACH"), ctx("head"), "Unreachable", /cannot be reached \(EHOSTUNREACH\)/],
    [
      "untrusted certificate, no CA bundle",
      socketError("SELF_SIGNED_CERT_IN_CHAIN"),
      ctx("head"),
      "TLS",
      /not trusted \(SELF_SIGNED_CERT_IN_CHAIN\): give the location the CA bundle/,
    ],
    [
      "untrusted certificate with a CA bundle",
      socketError("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
      ctx("head", { caBundle: true }),
      "TLS",
      /not signed by the location's CA bundle/,
    ],
    [
      "certificate in a cause",
      Object.assign(new Error("outer"), { cause: socketError("DEPTH_ZERO_SELF_SIGNED_CERT") }),
      ctx("head"),
      "TLS",
      /DEPTH_ZERO_SELF_SIGNED_CERT/,
    ],
    ["expired certificate", socketError("CERT_HAS_EXPIRED"), ctx("head"), "TLS", /has expired/],
    [
      "wrong host name",
      socketError("ERR_TLS_CERT_ALTNAME_INVALID"),
      ctx("head"),
      "TLS",
      /not issued for its host name/,
    ],
    [
      "https to a plain-http port",
      socketError("ERR_SSL_WRONG_VERSION_NUMBER"),
      ctx("head"),
      "TLS",
      /TLS handshake with https:\/\/minio\.example\.com:9000 failed.*CA bundle/,
    ],
    [
      "our deadline fired",
      Object.assign(new Error("Request aborted"), { name: "AbortError" }),
      ctx("list", { timedOut: true, timeoutMs: 8_000 }),
      "Timeout",
      /^https:\/\/minio\.example\.com:9000 did not answer within 8 s when Lifeboat tried to list objects in the bucket "lifeboat-backups"/,
    ],
    [
      "the SDK's socket timeout",
      Object.assign(new Error("socket timed out"), { name: "TimeoutError" }),
      ctx("write", { timeoutMs: 2_500 }),
      "Timeout",
      /within 2\.5 s .* write objects/,
    ],
    ["ETIMEDOUT", socketError("ETIMEDOUT"), ctx("head"), "Timeout", /did not answer/],
    ["S3's RequestTimeout", s3Error("RequestTimeout", 400), ctx("write"), "Timeout", /did not answer/],
    [
      "anything else",
      s3Error("InternalError", 500, "We encountered an internal error"),
      ctx("write"),
      "Other",
      /^Lifeboat could not write objects in the bucket "lifeboat-backups" at https:\/\/minio\.example\.com:9000: We encountered an internal error \(InternalError, HTTP 500\)$/,
    ],
    [
      "a non-error value",
      "boom",
      ctx("delete"),
      "Other",
      /^Lifeboat could not delete objects in the bucket "lifeboat-backups"/,
    ],
  ])("%s", (_, error, c, failure, message) => {
    const r = classifyS3Error(error, c);
    expect(r.failure).toBe(failure);
    expect(r.message).toMatch(message);
  });

  it("names the bucket and the endpoint in every message", () => {
    for (const e of [
      s3Error("AccessDenied", 403),
      s3Error("InternalError", 500),
      socketError("ECONNREFUSED"),
      s3Error("NoSuchBucket", 404),
    ]) {
      const { message } = classifyS3Error(e, ctx("list"));
      expect(message).toContain("minio.example.com:9000");
    }
  });
});

describe("isVagueHeadError", () => {
  it.each<[string, unknown, ProbeStepName, boolean]>([
    ["403 without a code on HeadBucket", s3Error("Unknown", 403), "head", true],
    ["400 without a code on HeadBucket", s3Error("Unknown", 400), "head", true],
    ["403 on a listing (has a body)", s3Error("Unknown", 403), "list", false],
    ["AccessDenied with a code", s3Error("AccessDenied", 403), "head", false],
    ["InvalidAccessKeyId with a code", s3Error("InvalidAccessKeyId", 403), "head", false],
    ["404", s3Error("NotFound", 404), "head", false],
    ["a socket error", socketError("ECONNREFUSED"), "head", false],
  ])("%s → vague: %s", (_, e, step, vague) => expect(isVagueHeadError(e, step)).toBe(vague));
});

describe("classifyS3Error: the outbound path", () => {
  it("says Lifeboat refused the address when the connect-time check stopped it (inside the SDK's wrapping)", () => {
    const wrapped = Object.assign(new Error("socket hang up"), {
      cause: refusedError("minio.example.com resolves to 169.254.169.254, which is a cloud metadata address"),
    });
    expect(classifyS3Error(wrapped, ctx("head"))).toEqual({
      failure: "Unreachable",
      message:
        "Lifeboat will not connect to https://minio.example.com:9000: " +
        "minio.example.com resolves to 169.254.169.254, which is a cloud metadata address",
    });
  });
});
