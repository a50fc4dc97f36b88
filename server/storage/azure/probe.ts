import { randomBytes } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import type { BlobServiceClient, ContainerClient } from "@azure/storage-blob";
import { TIMED_OUT, TLS_UNTRUSTED, UNREACHABLE } from "../../security/network-errors";
import { OUTBOUND_REFUSED, outboundRefusal } from "../../security/outbound";
import { DEFAULT_STEP_TIMEOUT_MS, foreignFolders, keyPrefix, type ProbeStep } from "../s3";
import type { Classified, ProbeFailure, ProbeStepName } from "../s3-failures";
import { aadErrorOf } from "./aad";
import { probeStepRunner, redactSecrets } from "../probe-steps";
import { azureEndpointProblem, blobServiceClient, shownEndpoint } from "./client";

// The Azure Blob probe: before Lifeboat hands a container to Velero, reach it with the account key and do what Velero
// will do, in the steps and words of the S3 probe (server/storage/s3.ts) — read the container's properties, list the
// top-level folders under the prefix (as BSL validation does), write and delete a small blob. Every step has a
// deadline and a timing; a failure carries a kind and a message that names the container, the storage account and the
// endpoint, never the key. The endpoint passes the outbound policy before anything connects.

export interface AzureBlobLocation {
  /** The account's blob endpoint (storageAccountURI), e.g. https://acct.blob.core.windows.net. */
  endpoint: string;
  accountName: string;
  container: string;
  prefix?: string;
}
export interface AzureSharedKey {
  accountKey: string;
}
/** An Entra ID token credential (a service principal's), and the secrets no message may show. */
export interface AzureTokenAuth {
  tokenCredential: TokenCredential;
  secrets: string[];
}

/** What reaching the container found; the shape of the providers' LocationProbe, with the S3 probe's failure kinds. */
export type AzureProbeResult =
  | { ok: true; steps: ProbeStep[]; message: string }
  | { ok: false; failure: ProbeFailure; message: string; steps: ProbeStep[] };

export interface AzureFailureContext {
  step: ProbeStepName;
  container: string;
  accountName: string;
  /** The endpoint as shown (no query). */
  endpoint: string;
  timeoutMs: number;
  /** The probe's own deadline fired (the SDK then reports an AbortError). */
  timedOut?: boolean;
  /** How Lifeboat signed the requests: an account key (the default) or an Entra ID token. */
  auth?: "key" | "token";
}

const SHOWN_FOREIGN = 10;
const PROBE_BODY = "Lifeboat checked that it may write here; this blob is deleted right away.\n";

// What each step does, in the words of an Azure role assignment (Velero's own needs Storage Blob Data Contributor).
const DOING: Record<ProbeStepName, (container: string) => string> = {
  head: (c) => `read the container "${c}"`,
  list: (c) => `list blobs in the container "${c}"`,
  write: (c) => `write blobs in the container "${c}"`,
  delete: (c) => `delete blobs in the container "${c}"`,
};

type Loose = {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  statusCode?: unknown;
  details?: { errorCode?: unknown };
  cause?: unknown;
  errors?: unknown;
};
const loose = (e: unknown): Loose => (e && typeof e === "object" ? (e as Loose) : {});
const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);

/** The storage service's error code (x-ms-error-code), or the socket/TLS code along the cause chain. */
function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = loose(cur).cause, depth++) {
    const l = loose(cur);
    const code = str(l.details?.errorCode) ?? str(l.code);
    if (code) return code;
    const inner = Array.isArray(l.errors) ? l.errors.map(loose).find((x) => str(x.code)) : undefined;
    if (inner) return inner.code as string;
  }
  return undefined;
}

/**
 * The outbound policy's reason when the connection was refused. The storage SDK rethrows socket errors as a RestError
 * holding only the code and the message, so the reason is read back from the message refusedError() wrote.
 */
function refusalOf(e: unknown): string | null {
  const direct = outboundRefusal(e);
  if (direct) return direct;
  const l = loose(e);
  if (l.code !== OUTBOUND_REFUSED) return null;
  const message = str(l.message) ?? "";
  return message.replace(/^Lifeboat will not connect here: /, "") || "the outbound policy refused it";
}

/** What went wrong, told the way an operator can act on it; the caller removes the key from the message. */
export function classifyAzureError(e: unknown, c: AzureFailureContext): Classified {
  const where = c.endpoint;
  const doing = DOING[c.step](c.container);
  const account = `storage account "${c.accountName}"`;
  const code = errorCode(e);
  const status = typeof loose(e).statusCode === "number" ? (loose(e).statusCode as number) : undefined;
  const name = str(loose(e).name);

  const aad = aadErrorOf(e);
  if (aad) return { failure: aad.failure, message: aad.message };
  const refusal = refusalOf(e);
  if (refusal) return { failure: "Unreachable", message: `Lifeboat will not connect to ${where}: ${refusal}` };
  if (
    c.timedOut ||
    name === "AbortError" ||
    name === "TimeoutError" ||
    code === "OperationTimedOut" ||
    (code && TIMED_OUT.has(code))
  ) {
    return {
      failure: "Timeout",
      message: `${where} did not answer within ${c.timeoutMs / 1000} s when Lifeboat tried to ${doing}`,
    };
  }
  if (code === "ContainerNotFound" || (status === 404 && !code && (c.step === "head" || c.step === "list"))) {
    return {
      failure: "NoSuchBucket",
      message: `The container "${c.container}" does not exist in ${account} at ${where}`,
    };
  }
  if (code === "AuthenticationFailed" && c.auth === "token") {
    return {
      failure: "InvalidCredentials",
      message:
        `${where} did not accept the service principal's Entra ID token for ${account} (AuthenticationFailed): ` +
        "is the endpoint the account's, in the principal's cloud?",
    };
  }
  if (code === "AuthenticationFailed") {
    return {
      failure: "InvalidCredentials",
      message:
        `The account key is wrong: ${where} did not accept it for ${account} (AuthenticationFailed); ` +
        `copy key1 or key2 from the account's Access keys`,
    };
  }
  if (code === "AuthorizationFailure") {
    return {
      failure: "InvalidCredentials",
      message:
        `The account key is wrong, or the account's network rules do not admit Lifeboat: ${where} refused the ` +
        `request for ${account} (AuthorizationFailure)`,
    };
  }
  if (code === "KeyBasedAuthenticationNotPermitted") {
    return {
      failure: "AccessDenied",
      message:
        `The ${account} does not allow access with an account key (KeyBasedAuthenticationNotPermitted): ` +
        `allow storage account key access, or use a service principal`,
    };
  }
  if (code === "AuthorizationPermissionMismatch" || code === "AuthorizationResourceTypeMismatch" || status === 403) {
    return {
      failure: "AccessDenied",
      message:
        `Lifeboat's credential may not ${doing} of ${account} at ${where} (${code ?? "403 Forbidden"}): ` +
        `grant it the Storage Blob Data Contributor role on the account or the container` +
        (c.auth === "token" ? " (role assignments can take a few minutes to apply)" : ""),
    };
  }
  if (code === "ResourceNotFound" && (c.step === "head" || c.step === "list")) {
    return {
      failure: "Other",
      message: `${where} knows no ${account} (ResourceNotFound): check the account name and the endpoint`,
    };
  }
  if (code === "AccountIsDisabled")
    return { failure: "Other", message: `The ${account} is disabled (AccountIsDisabled)` };
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return {
      failure: "Unreachable",
      message:
        `No storage account named "${c.accountName}" answers at ${where} (${code}): check the name or the ` +
        `endpoint; a firewall or a private endpoint may also hide it`,
    };
  }
  if (code === "ECONNREFUSED")
    return {
      failure: "Unreachable",
      message: `Nothing answers at ${where} (connection refused): is the endpoint right and the service up?`,
    };
  if (code && UNREACHABLE.has(code)) return { failure: "Unreachable", message: `${where} cannot be reached (${code})` };
  if (code && TLS_UNTRUSTED.has(code))
    return { failure: "TLS", message: `The certificate of ${where} is not trusted (${code})` };
  if (code === "CERT_HAS_EXPIRED") return { failure: "TLS", message: `The certificate of ${where} has expired` };
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return {
      failure: "TLS",
      message: `The certificate of ${where} is not issued for its host name; use the address the certificate names`,
    };
  if (code && (code === "EPROTO" || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")))
    return { failure: "TLS", message: `The TLS handshake with ${where} failed (${code}): is it an https:// endpoint?` };

  // The service's message has the request id and time on further lines; the first line is the sentence.
  const detail = str(loose(e).message)?.split("\n")[0];
  const what = [code, status ? `HTTP ${status}` : undefined].filter(Boolean).join(", ");
  return {
    failure: "Other",
    message: `Lifeboat could not ${doing} of ${account} at ${where}${detail ? `: ${detail}` : ""}${what ? ` (${what})` : ""}`,
  };
}

export async function probeAzureLocation(
  loc: AzureBlobLocation,
  auth: AzureSharedKey | AzureTokenAuth,
  opts: { timeoutMs?: number; ca?: string } = {},
): Promise<AzureProbeResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  const steps: ProbeStep[] = [];
  const token = "tokenCredential" in auth;
  const redact = redactSecrets(token ? auth.secrets : [auth.accountKey]);
  const fail = (failure: ProbeFailure, message: string): AzureProbeResult => ({
    ok: false,
    failure,
    message: redact(message),
    steps,
  });

  const refusal = await azureEndpointProblem(loc.endpoint);
  if (refusal) return fail("Other", refusal);
  const where = shownEndpoint(new URL(loc.endpoint));
  // A bearer token is never sent in the clear (core's bearer policy refuses too, in words an operator cannot act on).
  if (token && !loc.endpoint.startsWith("https:"))
    return fail(
      "Other",
      `The blob endpoint ${where} is plain http: an Entra ID token is sent only over https. Use the account's https ` +
        "endpoint, or let Velero read the account keys through Azure Resource Manager instead of using a token",
    );

  const service: BlobServiceClient = await blobServiceClient({
    endpoint: loc.endpoint,
    accountName: loc.accountName,
    ...(token ? { tokenCredential: auth.tokenCredential } : { accountKey: auth.accountKey }),
    ...(opts.ca ? { ca: opts.ca } : {}),
    timeoutMs,
  });
  const container = service.getContainerClient(loc.container);
  const base = keyPrefix(loc.prefix);
  const classify = (step: ProbeStepName, o: { error: unknown; timedOut: boolean }): Classified =>
    classifyAzureError(o.error, {
      step,
      container: loc.container,
      accountName: loc.accountName,
      endpoint: where,
      timeoutMs,
      timedOut: o.timedOut,
      auth: token ? "token" : "key",
    });

  const step = probeStepRunner({ steps, timeoutMs, classify, redact });

  const head = await step("head", (abortSignal) => container.getProperties({ abortSignal }));
  if (!head.ok) return fail(head.classified.failure, head.classified.message);

  const listed = await step(
    "list",
    (abortSignal) => listFolders(container, base, abortSignal),
    (folders) => (folders.length ? `Velero folders present: ${folders.join(", ")}` : undefined),
  );
  if (!listed.ok) return fail(listed.classified.failure, listed.classified.message);
  const foreign = foreignFolders(listed.value);
  if (foreign.length > 0) {
    const at = base ? `The prefix "${base}" of the container "${loc.container}"` : `The container "${loc.container}"`;
    const shown =
      foreign.slice(0, SHOWN_FOREIGN).join(", ") +
      (foreign.length > SHOWN_FOREIGN ? ` and ${foreign.length - SHOWN_FOREIGN} more` : "");
    const last = steps[steps.length - 1];
    last.ok = false;
    last.message = `Folders that are not Velero's: ${shown}`;
    return fail(
      "ForeignData",
      `${at} already holds folders that are not Velero's: ${shown}. Velero would mark the location Unavailable ` +
        `("Backup store contains invalid top-level directories"); use an empty container or a prefix of its own`,
    );
  }

  const probeName = `${base}lifeboat-probe-${randomBytes(8).toString("hex")}`;
  const blob = container.getBlockBlobClient(probeName);
  const written = await step("write", (abortSignal) =>
    blob.upload(PROBE_BODY, Buffer.byteLength(PROBE_BODY), {
      abortSignal,
      blobHTTPHeaders: { blobContentType: "text/plain" },
    }),
  );
  if (!written.ok) return fail(written.classified.failure, written.classified.message);

  const deleted = await step("delete", (abortSignal) => blob.delete({ abortSignal }));
  if (!deleted.ok)
    return fail(
      deleted.classified.failure,
      `${deleted.classified.message}; the probe blob "${probeName}" was left in the container`,
    );

  return {
    ok: true,
    steps,
    message:
      `Reached the container "${loc.container}" of storage account "${loc.accountName}" at ${where}: listed, ` +
      `wrote and deleted a probe object under ${base ? `"${base}"` : "the container's root"}`,
  };
}

/** The top-level folder names under `base` (listBlobsByHierarchy pages one after another, under one deadline). */
async function listFolders(container: ContainerClient, base: string, abortSignal: AbortSignal): Promise<string[]> {
  const folders: string[] = [];
  for await (const item of container.listBlobsByHierarchy("/", { prefix: base, abortSignal })) {
    if (item.kind === "prefix" && item.name.startsWith(base))
      folders.push(item.name.slice(base.length).replace(/\/$/, ""));
  }
  return folders;
}
