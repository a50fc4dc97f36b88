import dns from "node:dns/promises";
import type http from "node:http";
import type https from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import type { BlobServiceClient, RequestPolicy, RequestPolicyFactory, WebResource } from "@azure/storage-blob";
import { checkOutboundUrl } from "../../security/outbound-url";
import { outboundNodeAgents } from "../../security/outbound";

// The narrow Azure Blob client: @azure/storage-blob with one try per call, a deadline per try, and every request sent
// through the outbound path's agents (plan #11 §3.2). storage-blob wraps a pipeline factory it does not know into its
// core pipeline; the one below sets the request's agent, which the Node HTTP client uses instead of its own, and which
// makes its proxy policy stand aside, so HTTPS_PROXY cannot route around the guard either.

export type AzureCloud = "AzurePublicCloud" | "AzureUSGovernmentCloud" | "AzureChinaCloud";

/** The blob service's host suffix in each Azure cloud (Velero's plugin derives the same from AZURE_CLOUD_NAME). */
export const BLOB_SUFFIX: Readonly<Record<AzureCloud, string>> = {
  AzurePublicCloud: "blob.core.windows.net",
  AzureUSGovernmentCloud: "blob.core.usgovcloudapi.net",
  AzureChinaCloud: "blob.core.chinacloudapi.cn",
};

export const DEFAULT_AZURE_TIMEOUT_MS = 8_000;

export interface BlobServiceOptions {
  /** The account's blob endpoint, e.g. https://acct.blob.core.windows.net or Azurite's http://127.0.0.1:10000/devstoreaccount1. */
  endpoint: string;
  accountName: string;
  /** The account key (shared-key signing), or else: */
  accountKey?: string;
  /** An Entra ID token credential (bearer tokens; only over https, which core's bearer policy also insists on). */
  tokenCredential?: TokenCredential;
  /** Trust for the endpoint's certificate beyond the system's (tests: an emulator's own CA). */
  ca?: string;
  /** How long each try may wait for the response headers (default 8 s); the call then fails with an AbortError. */
  timeoutMs?: number;
}

/** "https://<account>.blob.core.windows.net" and its sovereign-cloud counterparts. */
export function defaultBlobEndpoint(account: string, cloud: AzureCloud): string {
  return `https://${account}.${BLOB_SUFFIX[cloud]}`;
}

/** A storage-blob pipeline factory that sends every request through the given agents (http or https by the URL). */
export function outboundAgentPolicy(agents: { httpAgent: http.Agent; httpsAgent: https.Agent }): RequestPolicyFactory {
  return {
    create: (next: RequestPolicy): RequestPolicy => ({
      sendRequest(request: WebResource) {
        // Unconditional: whatever set an agent before (a proxy policy), the outbound path's agent is the one used.
        request.agent = request.url.startsWith("https:") ? agents.httpsAgent : agents.httpAgent;
        return next.sendRequest(request);
      },
    }),
  };
}

/** Gives each try `timeoutMs` until the response headers arrive; the HTTP client then aborts it (AbortError). */
export function tryTimeoutPolicy(timeoutMs: number): RequestPolicyFactory {
  return {
    create: (next: RequestPolicy): RequestPolicy => ({
      sendRequest(request: WebResource) {
        request.timeout = timeoutMs;
        return next.sendRequest(request);
      },
    }),
  };
}

/**
 * A blob service client on the outbound path, authenticated with the account key or an Entra ID token credential.
 * Fresh agents without keep-alive, so nothing stays open after the calls; one try per call (a probe reports what it
 * meets, retries would only stretch it). storage-blob is loaded at the first call, not at the module's import: most
 * of a second that a console without Azure locations never spends.
 */
export async function blobServiceClient(opts: BlobServiceOptions): Promise<BlobServiceClient> {
  const { BlobServiceClient, newPipeline, StorageSharedKeyCredential } = await import("@azure/storage-blob");
  const credential = opts.tokenCredential ?? new StorageSharedKeyCredential(opts.accountName, opts.accountKey ?? "");
  const pipeline = newPipeline(credential, { retryOptions: { maxTries: 1 } });
  pipeline.factories.push(outboundAgentPolicy(outboundNodeAgents(opts.ca ? { ca: opts.ca } : {})));
  pipeline.factories.push(tryTimeoutPolicy(opts.timeoutMs ?? DEFAULT_AZURE_TIMEOUT_MS));
  return new BlobServiceClient(opts.endpoint, pipeline);
}

/** The endpoint as it may be shown: scheme, host, port and path (never a query, which may hold a SAS token). */
export function shownEndpoint(url: URL): string {
  return `${url.origin}${url.pathname === "/" ? "" : url.pathname}`;
}

/**
 * Why Lifeboat must not connect to a blob endpoint, or null: it must be an http(s) URL without credentials, query or
 * fragment, and its addresses must pass the outbound policy. A name that does not resolve is not refused here: the
 * connection checks every address again and reports it (ENOTFOUND), which the probe words as an unknown account.
 * The message never repeats a query or credentials the URL carried.
 */
export async function azureEndpointProblem(
  endpoint: string,
  opts: { resolve?: (host: string) => Promise<string[]> } = {},
): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "The blob endpoint is not a valid URL (e.g. https://account.blob.core.windows.net)";
  }
  const shown = shownEndpoint(url);
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return `The blob endpoint ${url.protocol}//${url.host} must be an https:// (or http://) URL`;
  if (url.username || url.password) return `The blob endpoint ${shown} must not carry credentials`;
  if (url.search || url.hash)
    return `The blob endpoint ${shown} must not carry a query or a fragment (give the account's URL, not a SAS URL)`;

  let unresolved = false;
  const resolve = opts.resolve ?? lookupAll;
  const verdict = await checkOutboundUrl(endpoint, {
    schemes: ["https", "http"],
    resolve: async (host) => {
      try {
        return await resolve(host);
      } catch (err) {
        unresolved = true;
        throw err;
      }
    },
  });
  if (verdict.ok || unresolved) return null;
  return `Lifeboat will not connect to ${shown}: ${verdict.reason}`;
}

async function lookupAll(host: string): Promise<string[]> {
  return (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}
