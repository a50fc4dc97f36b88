import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { fetch } from "undici";
import { TIMED_OUT, TLS_UNTRUSTED, UNREACHABLE } from "../../security/network-errors";
import { outboundAgent, outboundRefusal, type OutboundTls } from "../../security/outbound";
import { redactSecrets } from "../probe-steps";
import type { ProbeFailure } from "../s3-failures";
import type { AzureCloud } from "./client";

// Entra ID (Azure AD) for a service principal, without @azure/identity (plan #11 §3.2): the client-credentials grant on
// the v2 token endpoint, and Azure Resource Manager calls with its token. Both go through the outbound path (undici
// fetch with the outbound dispatcher, as the OIDC sign-in does). The client secret and the tokens never reach a message:
// every text that leaves here passes `redact`.

/** Where a service principal signs in and what it calls, per Azure cloud. */
export interface AzureCloudEndpoints {
  /** The Entra ID authority host, e.g. https://login.microsoftonline.com. */
  authority: string;
  /** Azure Resource Manager, e.g. https://management.azure.com. */
  resourceManager: string;
  /** The scope of a token for ARM. */
  managementScope: string;
  /** The scope of a token for the blob service (the same in every cloud). */
  storageScope: string;
}

export const AZURE_CLOUD_ENDPOINTS: Readonly<Record<AzureCloud, AzureCloudEndpoints>> = {
  AzurePublicCloud: {
    authority: "https://login.microsoftonline.com",
    resourceManager: "https://management.azure.com",
    managementScope: "https://management.azure.com/.default",
    storageScope: "https://storage.azure.com/.default",
  },
  AzureUSGovernmentCloud: {
    authority: "https://login.microsoftonline.us",
    resourceManager: "https://management.usgovcloudapi.net",
    managementScope: "https://management.usgovcloudapi.net/.default",
    storageScope: "https://storage.azure.com/.default",
  },
  AzureChinaCloud: {
    authority: "https://login.chinacloudapi.cn",
    resourceManager: "https://management.chinacloudapi.cn",
    managementScope: "https://management.chinacloudapi.cn/.default",
    storageScope: "https://storage.azure.com/.default",
  },
};

/**
 * The endpoints of a cloud, with the operator's overrides: LIFEBOAT_AZURE_AUTHORITY_HOST and
 * LIFEBOAT_AZURE_RESOURCE_MANAGER (an Azure Stack, or a test's stand-in). An override must be https, or http to a
 * loopback host (a test); the outbound path still decides whether Lifeboat may connect there.
 */
export function cloudEndpoints(
  cloud: AzureCloud,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): AzureCloudEndpoints {
  const base = AZURE_CLOUD_ENDPOINTS[cloud];
  const authority = overridden(environment.LIFEBOAT_AZURE_AUTHORITY_HOST, "LIFEBOAT_AZURE_AUTHORITY_HOST");
  const arm = overridden(environment.LIFEBOAT_AZURE_RESOURCE_MANAGER, "LIFEBOAT_AZURE_RESOURCE_MANAGER");
  return {
    ...base,
    ...(authority ? { authority } : {}),
    ...(arm ? { resourceManager: arm } : {}),
  };
}

function overridden(value: string | undefined, name: string): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AadError("Other", `${name} is not a URL`);
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    throw new AadError("Other", `${name} must be an https:// URL (http only to a loopback host)`);
  return url.origin;
}

/** A service principal's sign-in: what the token endpoint needs. */
export interface ServicePrincipal {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  cloud: AzureCloud;
}

/** Why Entra ID or ARM refused, as a probe failure kind and a sentence for the operator (never holding a secret). */
export class AadError extends Error {
  constructor(
    readonly failure: ProbeFailure,
    message: string,
    /** The AADSTS number or ARM error code, when there was one. */
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "AadError";
  }
}

/** The AadError along an error's cause chain (the storage pipeline may wrap what getToken threw). */
export function aadErrorOf(e: unknown): AadError | null {
  let cur = e as { cause?: unknown } | null | undefined;
  for (let depth = 0; cur && depth < 5; depth++, cur = cur.cause as typeof cur) if (cur instanceof AadError) return cur;
  return null;
}

/** Removes every secret (of 4 characters or more) from a text. */
/** The token endpoint's error, as the operator can act on it (codes from Microsoft's AADSTS reference). */
export function aadstsError(
  sp: Pick<ServicePrincipal, "tenantId" | "clientId">,
  body: { error?: unknown; error_description?: unknown; error_codes?: unknown },
  status: number,
): AadError {
  const description = typeof body.error_description === "string" ? body.error_description : "";
  const listed = Array.isArray(body.error_codes) ? body.error_codes.find((c) => typeof c === "number") : undefined;
  const code = listed !== undefined ? String(listed) : /AADSTS(\d+)/.exec(description)?.[1];
  const app = `application ${sp.clientId}`;
  const tenant = `tenant ${sp.tenantId}`;
  const tag = code ? `AADSTS${code}` : typeof body.error === "string" ? body.error : `HTTP ${status}`;
  switch (code) {
    case "7000215":
      return new AadError(
        "InvalidCredentials",
        `The client secret is wrong: Entra ID did not accept it for ${app} (${tag}); copy the secret's Value, not its ` +
          "Secret ID",
        code,
        status,
      );
    case "7000222":
      return new AadError(
        "InvalidCredentials",
        `The client secret of ${app} has expired (${tag}); create a new one and use it here`,
        code,
        status,
      );
    case "700016":
      return new AadError(
        "InvalidCredentials",
        `${tenant} has no ${app} (${tag}): check the application (client) id and the directory (tenant) id`,
        code,
        status,
      );
    case "90002":
      return new AadError(
        "InvalidCredentials",
        `Entra ID knows no ${tenant} (${tag}): check the directory (tenant) id and the cloud`,
        code,
        status,
      );
    case "900023":
      return new AadError(
        "InvalidCredentials",
        `The directory (tenant) id ${sp.tenantId} is not valid (${tag}): give its GUID or a domain of it`,
        code,
        status,
      );
    default: {
      // The first sentence only: the rest is a trace id, a correlation id and a time.
      const first = description.split(/\r?\n/)[0].replace(/ Trace ID:.*$/, "");
      return new AadError(
        "InvalidCredentials",
        `Entra ID refused the sign-in of ${app} in ${tenant} (${tag})${first ? `: ${first}` : ""}`,
        code,
        status,
      );
    }
  }
}

/** A network failure talking to `where`, in the probe's failure kinds. */
export function networkAadError(e: unknown, where: string, timeoutMs: number): AadError {
  const refusal = outboundRefusal(e);
  if (refusal) return new AadError("Unreachable", `Lifeboat will not connect to ${where}: ${refusal}`);
  let code: string | undefined;
  let name: string | undefined;
  for (
    let cur = e as { code?: unknown; name?: unknown; cause?: unknown } | null, depth = 0;
    cur && depth < 5;
    depth++
  ) {
    if (!code && typeof cur.code === "string") code = cur.code;
    if (!name && typeof cur.name === "string") name = cur.name;
    cur = cur.cause as typeof cur;
  }
  if (name === "AbortError" || name === "TimeoutError" || (code && TIMED_OUT.has(code)))
    return new AadError("Timeout", `${where} did not answer within ${timeoutMs / 1000} s`);
  if (code && UNREACHABLE.has(code)) return new AadError("Unreachable", `${where} cannot be reached (${code})`);
  if (code && TLS_UNTRUSTED.has(code))
    return new AadError("TLS", `The certificate of ${where} is not trusted (${code})`);
  return new AadError("Other", `Lifeboat could not reach ${where}${code ? ` (${code})` : ""}`);
}

export interface AadOptions {
  timeoutMs?: number;
  /** Trust beyond the system's (tests). */
  tls?: OutboundTls;
  environment?: Readonly<Record<string, string | undefined>>;
}

const DEFAULT_TIMEOUT_MS = 8_000;
const EARLY_MS = 5 * 60_000;

/** One request on the outbound path with a deadline; gives the status and the JSON body (or {} when there is none). */
async function callJson(
  url: string,
  init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string },
  opts: AadOptions & { signal?: AbortSignal },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const dispatcher = outboundAgent(opts.tls ?? {});
  const signals = [AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  try {
    const res = await fetch(url, { ...init, dispatcher, signal: AbortSignal.any(signals), redirect: "manual" });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: the status says enough.
    }
    return { status: res.status, body };
  } catch (e) {
    throw networkAadError(e, new URL(url).origin, timeoutMs);
  } finally {
    void dispatcher.close().catch(() => undefined);
  }
}

/**
 * A TokenCredential (@azure/core-auth) for a service principal with a client secret: the client-credentials grant at
 * `<authority>/<tenant>/oauth2/v2.0/token`, one token per scope, kept until five minutes before it expires. Refusals
 * are AadErrors; nothing it throws holds the secret or a token.
 */
export class ServicePrincipalCredential implements TokenCredential {
  private readonly cache = new Map<string, AccessToken>();
  private readonly redact: (s: string) => string;

  constructor(
    private readonly sp: ServicePrincipal,
    private readonly opts: AadOptions & { now?: () => number } = {},
  ) {
    this.redact = redactSecrets([sp.clientSecret]);
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const scope = (Array.isArray(scopes) ? scopes : [scopes]).join(" ");
    const now = (this.opts.now ?? Date.now)();
    const cached = this.cache.get(scope);
    if (cached && now < cached.expiresOnTimestamp - EARLY_MS) return cached;
    try {
      const token = await this.fetchToken(scope, now, options?.abortSignal as AbortSignal | undefined);
      this.cache.set(scope, token);
      return token;
    } catch (e) {
      if (e instanceof AadError) throw new AadError(e.failure, this.redact(e.message), e.code, e.status);
      throw new AadError("Other", "Signing in with Entra ID failed");
    }
  }

  private async fetchToken(scope: string, now: number, signal?: AbortSignal): Promise<AccessToken> {
    const { authority } = cloudEndpoints(this.sp.cloud, this.opts.environment);
    const url = `${authority}/${encodeURIComponent(this.sp.tenantId)}/oauth2/v2.0/token`;
    const { status, body } = await callJson(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: this.sp.clientId,
          client_secret: this.sp.clientSecret,
          scope,
        }).toString(),
      },
      { ...this.opts, signal },
    );
    if (status !== 200) throw aadstsError(this.sp, body, status);
    const token = body.access_token;
    const expiresIn = Number(body.expires_in);
    if (typeof token !== "string" || !token || !Number.isFinite(expiresIn))
      throw new AadError("Other", `${authority} answered without an access token (HTTP ${status})`);
    return { token, expiresOnTimestamp: now + expiresIn * 1000, tokenType: "Bearer" };
  }
}

/** What ARM answered: its status, and its error code and message when it refused. */
export interface ArmAnswer {
  status: number;
  body: Record<string, unknown>;
  /** ARM's error code (error.code), e.g. ResourceGroupNotFound, AuthorizationFailed. */
  code?: string;
  message?: string;
}

/**
 * One Azure Resource Manager call with the principal's management token (`path` from "/subscriptions/…", with its
 * api-version). Network failures and sign-in refusals throw AadErrors; ARM's own answers are returned as they are.
 */
export async function armCall(
  credential: ServicePrincipalCredential,
  sp: Pick<ServicePrincipal, "cloud" | "clientSecret">,
  method: "GET" | "POST",
  path: string,
  opts: AadOptions = {},
): Promise<ArmAnswer> {
  const endpoints = cloudEndpoints(sp.cloud, opts.environment);
  const { token } = await credential.getToken(endpoints.managementScope);
  const redact = redactSecrets([sp.clientSecret, token]);
  try {
    const r = await callJson(
      `${endpoints.resourceManager}${path}`,
      {
        method,
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        ...(method === "POST" ? { body: "" } : {}),
      },
      opts,
    );
    const error = (r.body.error ?? {}) as { code?: unknown; message?: unknown };
    return {
      ...r,
      ...(typeof error.code === "string" ? { code: error.code } : {}),
      ...(typeof error.message === "string" ? { message: redact(error.message) } : {}),
    };
  } catch (e) {
    if (e instanceof AadError) throw new AadError(e.failure, redact(e.message), e.code, e.status);
    throw e;
  }
}
