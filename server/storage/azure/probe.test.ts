import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { refusedError } from "../../security/outbound";
import type { ProbeFailure, ProbeStepName } from "../s3-failures";
import { classifyAzureError, probeAzureLocation, type AzureFailureContext } from "./probe";

// Errors shaped as @azure/storage-blob 12.34 throws them (measured against Azurite, plan #11 §8.4): a RestError whose
// code is the service's x-ms-error-code (also in details.errorCode) with the HTTP status; a socket error rethrown as a
// RestError holding only its code and message; an AbortError when a deadline fires.
const ENDPOINT = "https://lifeboatbackups.blob.core.windows.net";
const serviceError = (code: string, statusCode: number, message = "The service says no.\nRequestId:1\nTime:now") =>
  Object.assign(new RestError(message, { code, statusCode }), { details: { errorCode: code } });
const socketError = (code: string, message = `connect ${code}`) => new RestError(message, { code });

const ctx = (step: ProbeStepName, more: Partial<AzureFailureContext> = {}): AzureFailureContext => ({
  step,
  container: "velero",
  accountName: "lifeboatbackups",
  endpoint: ENDPOINT,
  timeoutMs: 8_000,
  ...more,
});

describe("classifyAzureError", () => {
  it.each<[string, unknown, AzureFailureContext, ProbeFailure, string | RegExp]>([
    [
      "ContainerNotFound on the container's properties",
      serviceError("ContainerNotFound", 404, "The specified container does not exist."),
      ctx("head"),
      "NoSuchBucket",
      `The container "velero" does not exist in storage account "lifeboatbackups" at ${ENDPOINT}`,
    ],
    [
      "ContainerNotFound on an upload",
      serviceError("ContainerNotFound", 404),
      ctx("write"),
      "NoSuchBucket",
      /^The container "velero" does not exist in storage account "lifeboatbackups"/,
    ],
    [
      "a bare 404 on a HEAD",
      new RestError("", { statusCode: 404 }),
      ctx("head"),
      "NoSuchBucket",
      /^The container "velero" does not exist/,
    ],
    [
      "AuthenticationFailed (Azure: a wrong key)",
      serviceError("AuthenticationFailed", 403, "Server failed to authenticate the request."),
      ctx("head"),
      "InvalidCredentials",
      /^The account key is wrong: .* did not accept it for storage account "lifeboatbackups" \(AuthenticationFailed\)/,
    ],
    [
      "AuthorizationFailure (Azurite: a wrong key)",
      serviceError("AuthorizationFailure", 403),
      ctx("list"),
      "InvalidCredentials",
      /^The account key is wrong, or the account's network rules do not admit Lifeboat: .*\(AuthorizationFailure\)$/,
    ],
    [
      "the code only in the error's code (no details)",
      new RestError("denied", { code: "AuthenticationFailed", statusCode: 403 }),
      ctx("head"),
      "InvalidCredentials",
      /\(AuthenticationFailed\)/,
    ],
    [
      "AuthorizationPermissionMismatch on write",
      serviceError("AuthorizationPermissionMismatch", 403),
      ctx("write"),
      "AccessDenied",
      /^Lifeboat's credential may not write blobs in the container "velero" of storage account "lifeboatbackups" at .*\(AuthorizationPermissionMismatch\): grant it the Storage Blob Data Contributor role/,
    ],
    [
      "shared key access disabled",
      serviceError("KeyBasedAuthenticationNotPermitted", 403),
      ctx("head"),
      "AccessDenied",
      /does not allow access with an account key/,
    ],
    ["a 403 without a code", new RestError("", { statusCode: 403 }), ctx("delete"), "AccessDenied", /403 Forbidden/],
    [
      "an unknown account behind a custom endpoint",
      serviceError("ResourceNotFound", 404),
      ctx("head"),
      "Other",
      /knows no storage account "lifeboatbackups" \(ResourceNotFound\)/,
    ],
    [
      "a name that does not resolve",
      socketError("ENOTFOUND", "getaddrinfo ENOTFOUND lifeboatbackups.blob.core.windows.net"),
      ctx("head"),
      "Unreachable",
      `No storage account named "lifeboatbackups" answers at ${ENDPOINT} (ENOTFOUND): check the name or the ` +
        "endpoint; a firewall or a private endpoint may also hide it",
    ],
    [
      "a refused connection",
      socketError("ECONNREFUSED"),
      ctx("head"),
      "Unreachable",
      `Nothing answers at ${ENDPOINT} (connection refused): is the endpoint right and the service up?`,
    ],
    ["a reset connection", socketError("ECONNRESET"), ctx("list"), "Unreachable", /cannot be reached \(ECONNRESET\)/],
    [
      "the outbound path refusing the connection (the SDK keeps only code and message)",
      socketError(
        "LIFEBOAT_OUTBOUND_REFUSED",
        "Lifeboat will not connect here: 169.254.169.254 is a cloud metadata address",
      ),
      ctx("head"),
      "Unreachable",
      `Lifeboat will not connect to ${ENDPOINT}: 169.254.169.254 is a cloud metadata address`,
    ],
    [
      "the outbound path's own error",
      refusedError("127.0.0.1 is a loopback address"),
      ctx("head"),
      "Unreachable",
      `Lifeboat will not connect to ${ENDPOINT}: 127.0.0.1 is a loopback address`,
    ],
    [
      "the per-try deadline (AbortError)",
      Object.assign(new Error("The operation was aborted."), { name: "AbortError" }),
      ctx("list", { timeoutMs: 300 }),
      "Timeout",
      `${ENDPOINT} did not answer within 0.3 s when Lifeboat tried to list blobs in the container "velero"`,
    ],
    [
      "the step's deadline, whatever the SDK reports",
      new Error("something else"),
      ctx("write", { timedOut: true }),
      "Timeout",
      /did not answer within 8 s when Lifeboat tried to write blobs/,
    ],
    ["a socket timeout", socketError("ETIMEDOUT"), ctx("head"), "Timeout", /did not answer within 8 s/],
    [
      "an untrusted certificate",
      socketError("SELF_SIGNED_CERT_IN_CHAIN"),
      ctx("head"),
      "TLS",
      /is not trusted \(SELF_SIGNED_CERT_IN_CHAIN\)/,
    ],
    [
      "anything else, with the first line of the service's message",
      serviceError("InternalError", 500, "The server encountered an internal error.\nRequestId:abc\nTime:now"),
      ctx("delete"),
      "Other",
      `Lifeboat could not delete blobs in the container "velero" of storage account "lifeboatbackups" at ${ENDPOINT}: ` +
        "The server encountered an internal error. (InternalError, HTTP 500)",
    ],
  ])("%s", (_what, error, context, failure, message) => {
    const got = classifyAzureError(error, context);
    expect(got.failure).toBe(failure);
    if (typeof message === "string") expect(got.message).toBe(message);
    else expect(got.message).toMatch(message);
    expect(got.message).not.toMatch(/RequestId/);
  });
});

describe("probeAzureLocation before it connects", () => {
  const key = { accountKey: "c2VjcmV0LWFjY291bnQta2V5LXRoYXQtbXVzdC1uZXZlci1zaG93" };

  it.each([
    ["a cloud metadata address", "http://169.254.169.254/acct", /^Lifeboat will not connect to .*metadata/],
    ["a SAS URL, without repeating its signature", `${ENDPOINT}/?sv=2024&sig=c2VjcmV0`, /must not carry a query/],
    ["an ftp URL", "ftp://files.example.com/acct", /must be an https:\/\/ \(or http:\/\/\) URL/],
  ])("refuses %s with no step taken", async (_what, endpoint, message) => {
    const r = await probeAzureLocation({ endpoint, accountName: "acct", container: "velero" }, key);
    expect(r).toMatchObject({ ok: false, failure: "Other", steps: [] });
    expect(!r.ok && r.message).toMatch(message);
    expect(JSON.stringify(r)).not.toContain("sig=");
    expect(JSON.stringify(r)).not.toContain(key.accountKey);
  });
});
