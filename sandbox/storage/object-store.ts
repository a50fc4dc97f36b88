import crypto from "node:crypto";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  BlobSASPermissions,
  BlobServiceClient,
  type ContainerClient,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  newPipeline,
  type RequestPolicy,
  type RequestPolicyFactory,
  type WebResource,
} from "@azure/storage-blob";

// The Velero stand-in's view of a BackupStorageLocation's bucket: the few operations Velero's persistence layer
// performs (pkg/persistence/object_store.go), against S3 (s3rver, MinIO, AWS) or Azure Blob (Azurite, Azure).
// Keys are relative to the BSL's prefix (spec.objectStorage.prefix, normalised to end with "/" as Velero does).
//
// BSL config → client (docs: ../shared/reference/velero-api.md §6):
//   velero.io/aws   region (default us-east-1), s3Url (endpoint), s3ForcePathStyle ("true" = path-style URLs),
//                   publicUrl (endpoint used in signed URLs instead of s3Url), profile (section of a `cloud` INI file).
//                   Credentials: {accessKeyId, secretAccessKey, sessionToken?} (or aws_access_key_id/aws_secret_access_key/
//                   aws_session_token), or {cloud: "<INI file as in Velero's cloud-credentials Secret>"}.
//   velero.io/azure storageAccount (account name), storageAccountURI (blob endpoint, e.g. Azurite's
//                   http://127.0.0.1:<port>/devstoreaccount1; without it https://<storageAccount>.blob.<cloud suffix>),
//                   storageAccountKeyEnvVar (names the credentials entry that holds the account key).
//                   Credentials: {accountName?, accountKey} | {connectionString} (AccountName, AccountKey, BlobEndpoint,
//                   DefaultEndpointsProtocol, EndpointSuffix) | {cloud: "<env file as in Velero's Secret>"} with the key in
//                   the variable named by storageAccountKeyEnvVar, AZURE_STORAGE_ACCOUNT_ACCESS_KEY or AZURE_STORAGE_KEY.
//                   In the plugin's order (GetStorageAccountCredentials): storageAccountKeyEnvVar, then useAAD, then the
//                   keys listed through Azure Resource Manager (resourceGroup, subscriptionId or AZURE_SUBSCRIPTION_ID)
//                   with the service principal of the file (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET): a
//                   client-credentials token from Entra ID, ListKeys, then the first key. The stand-in signs in at
//                   options.azureAuthorityHost / azureResourceManager (the sandbox's stand-in, entra.ts), the plugin at
//                   its cloud's hosts. useAAD over http fails as the plugin's SDK does (no bearer token without TLS);
//                   useAAD over https (an Entra ID token for the blobs) is not emulated. A key given directly without
//                   storageAccountKeyEnvVar (accountKey, a connection string) is a stand-in convenience the plugin lacks.
//   Explicit config wins over the connection string (storageAccount over AccountName, storageAccountURI over BlobEndpoint).

export interface ObjectStore {
  put(key: string, data: Buffer | string): Promise<void>;
  /** null when absent. */
  get(key: string): Promise<Buffer | null>;
  exists(key: string): Promise<boolean>;
  /** All keys under prefix (recursive), sorted. */
  list(prefix: string): Promise<string[]>;
  /** "Common prefixes" (immediate children dirs), e.g. backups/ → ["backups/b1/", ...], sorted. */
  listPrefixes(prefix: string, delimiter?: string): Promise<string[]>;
  /** Deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every key under prefix; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** A URL a client can GET the object from for ttlSeconds (presigned for S3; SAS for Azure), as Velero's DownloadRequest does. */
  signedUrl(key: string, ttlSeconds: number): Promise<string>;
}

export type StoreErrorKind = "NoSuchBucket" | "AccessDenied" | "Unreachable" | "Other";

export class StoreError extends Error {
  constructor(
    message: string,
    public readonly kind: StoreErrorKind,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

export interface BslStorage {
  provider: string;
  bucket: string;
  prefix?: string;
  config?: Record<string, string>;
}
export interface ObjectStoreOptions {
  /**
   * Default 5000 ms. S3: connect and socket-idle timeout of each of at most 2 attempts. Azure: time to response headers of
   * each try (6× for uploads); timeouts are not retried.
   */
  timeoutMs?: number;
  /** Entra ID's authority host for a service principal's sign-in (default: the credentials' cloud's). */
  azureAuthorityHost?: string;
  /** Azure Resource Manager, where ListKeys is called (default: the credentials' cloud's). */
  azureResourceManager?: string;
}

/**
 * Builds the store for a BSL (bucket, prefix, provider and config from its spec; credentials from its Secret).
 * Throws StoreError "Other" for an unsupported provider or missing credentials.
 */
export function objectStoreFor(
  bsl: BslStorage,
  credentials: Record<string, string>,
  options: ObjectStoreOptions = {},
): ObjectStore {
  const provider = bsl.provider.trim();
  const prefix = normalisePrefix(bsl.prefix);
  const config = bsl.config ?? {};
  const timeoutMs = options.timeoutMs ?? 5_000;
  if (provider === "velero.io/aws" || provider === "aws")
    return s3Store(bsl.bucket, prefix, config, credentials, timeoutMs);
  if (provider === "velero.io/azure" || provider === "azure")
    return azureStore(bsl.bucket, prefix, config, credentials, { ...options, timeoutMs });
  throw new StoreError(
    `unsupported object store provider "${bsl.provider}" (supported: velero.io/aws, velero.io/azure)`,
    "Other",
  );
}

function normalisePrefix(prefix: string | undefined): string {
  const p = (prefix ?? "").replace(/^\/+/, "");
  return p === "" || p.endsWith("/") ? p : `${p}/`;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

// ---------------------------------------------------------------------------------------------------------------- S3

function s3Store(
  bucket: string,
  prefix: string,
  config: Record<string, string>,
  given: Record<string, string>,
  timeoutMs: number,
): ObjectStore {
  const creds = { ...parseIni(given.cloud, config.profile ?? "default"), ...given };
  const accessKeyId = creds.accessKeyId ?? creds.aws_access_key_id;
  const secretAccessKey = creds.secretAccessKey ?? creds.aws_secret_access_key;
  const sessionToken = creds.sessionToken ?? creds.aws_session_token;
  if (!accessKeyId || !secretAccessKey)
    throw new StoreError("S3 credentials need accessKeyId and secretAccessKey", "Other");
  const region = config.region || "us-east-1";
  const forcePathStyle = config.s3ForcePathStyle === "true";
  const endpoint = config.s3Url || undefined;
  const client = new S3Client({
    region,
    endpoint,
    forcePathStyle,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    // s3rver stores aws-chunked streaming bodies verbatim (corrupted) with the SDK's default checksums (toolchain.md §5).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 2,
    requestHandler: { connectionTimeout: timeoutMs, socketTimeout: timeoutMs },
  });
  const full = (key: string) => prefix + key;
  const rel = (key: string) => key.slice(prefix.length);
  const where = `s3://${bucket}/${prefix}`;
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw s3Error(err, `${what} ${where}`, bucket);
    }
  };

  async function listAll(keyPrefix: string, delimiter?: string): Promise<{ keys: string[]; prefixes: string[] }> {
    const keys: string[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix, Delimiter: delimiter, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) prefixes.push(p.Prefix);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { keys, prefixes };
  }

  return {
    put: (key, data) =>
      call(`put "${key}" in`, async () => {
        const body = typeof data === "string" ? Buffer.from(data, "utf8") : data;
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: full(key), Body: body, ContentLength: body.length }),
        );
      }),
    get: (key) =>
      call(`get "${key}" from`, async () => {
        try {
          const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: full(key) }));
          return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0);
        } catch (err) {
          if (errorName(err) === "NoSuchKey") return null;
          throw err;
        }
      }),
    exists: (key) =>
      call(`check "${key}" in`, async () => {
        try {
          await client.send(new HeadObjectCommand({ Bucket: bucket, Key: full(key) }));
          return true;
        } catch (err) {
          if (httpStatus(err) !== 404) throw err;
        }
        // A HEAD 404 has no body, so it does not say whether the key or the bucket is missing: ask about the bucket.
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return false;
      }),
    list: (keyPrefix) =>
      call(`list "${keyPrefix}" in`, async () => sortedUnique((await listAll(full(keyPrefix))).keys.map(rel))),
    listPrefixes: (keyPrefix, delimiter = "/") =>
      call(`list prefixes of "${keyPrefix}" in`, async () =>
        sortedUnique((await listAll(full(keyPrefix), delimiter)).prefixes.map(rel)),
      ),
    delete: (key) =>
      call(`delete "${key}" from`, async () => {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: full(key) }));
      }),
    deletePrefix: (keyPrefix) =>
      call(`delete "${keyPrefix}" from`, async () => {
        const { keys } = await listAll(full(keyPrefix));
        for (let i = 0; i < keys.length; i += 1000) {
          const out = await client.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
            }),
          );
          const failed = out.Errors ?? [];
          if (failed.length > 0) {
            const first = failed[0];
            const kind: StoreErrorKind = first.Code === "AccessDenied" ? "AccessDenied" : "Other";
            throw new StoreError(
              `delete "${keyPrefix}" from ${where}: ${failed.length} keys failed, e.g. ${first.Key}: ${first.Code} ${first.Message ?? ""}`.trim(),
              kind,
            );
          }
        }
        return keys.length;
      }),
    signedUrl: async (key, ttlSeconds) => {
      const base = config.publicUrl || endpoint || `https://s3.${region}.amazonaws.com`;
      return presignS3Url({
        method: "GET",
        url: s3ObjectUrl(base, bucket, full(key), forcePathStyle),
        region,
        accessKeyId,
        secretAccessKey,
        sessionToken,
        expiresSeconds: ttlSeconds,
      });
    },
  };
}

/** The URL of an object: path style http://host/bucket/key or virtual-hosted http://bucket.host/key. */
export function s3ObjectUrl(endpoint: string, bucket: string, key: string, pathStyle: boolean): URL {
  const url = new URL(endpoint);
  const base = url.pathname.replace(/\/+$/, "");
  if (pathStyle) {
    url.pathname = `${base}/${uriEncode(bucket)}/${encodeKey(key)}`;
  } else {
    url.hostname = `${bucket}.${url.hostname}`;
    url.pathname = `${base}/${encodeKey(key)}`;
  }
  return url;
}

export interface PresignInput {
  method: string;
  url: URL;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiresSeconds: number;
  /** Signing time (default now). */
  now?: Date;
}

/**
 * AWS Signature Version 4 query-string signing (what @aws-sdk/s3-request-presigner does; that package is not installed):
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html. Only the host header is signed and the
 * payload is UNSIGNED-PAYLOAD. url.pathname must already be URI-encoded (s3ObjectUrl does that).
 */
export function presignS3Url(input: PresignInput): string {
  const expires = Math.trunc(input.expiresSeconds);
  if (!(expires >= 1 && expires <= 604_800))
    throw new StoreError(`presign: expiry ${input.expiresSeconds}s is outside 1..604800`, "Other");
  const amzDate = (input.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${input.region}/s3/aws4_request`;
  const query: [string, string][] = [
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    ["X-Amz-Credential", `${input.accessKeyId}/${scope}`],
    ["X-Amz-Date", amzDate],
    ["X-Amz-Expires", String(expires)],
    ["X-Amz-SignedHeaders", "host"],
  ];
  if (input.sessionToken) query.push(["X-Amz-Security-Token", input.sessionToken]);
  const canonicalQuery = query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalRequest = [
    input.method,
    input.url.pathname || "/",
    canonicalQuery,
    `host:${input.url.host}\n`,
    "host",
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  let key: Buffer = hmac(`AWS4${input.secretAccessKey}`, day);
  for (const part of [input.region, "s3", "aws4_request"]) key = hmac(key, part);
  const signature = hmac(key, stringToSign).toString("hex");
  return `${input.url.origin}${input.url.pathname || "/"}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return crypto.createHmac("sha256", key).update(data, "utf8").digest();
}
function sha256Hex(data: string): string {
  return crypto.createHash("sha256").update(data, "utf8").digest("hex");
}
/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
function encodeKey(key: string): string {
  return key.split("/").map(uriEncode).join("/");
}

function s3Error(err: unknown, context: string, bucket: string): StoreError {
  if (err instanceof StoreError) return err;
  const name = errorName(err);
  const status = httpStatus(err);
  const message = err instanceof Error ? err.message : String(err);
  if (isUnreachable(err))
    return new StoreError(`${context}: endpoint unreachable (${networkCode(err) ?? message})`, "Unreachable");
  if (name === "NoSuchBucket" || (name === "NotFound" && status === 404)) {
    return new StoreError(`${context}: bucket "${bucket}" does not exist`, "NoSuchBucket");
  }
  if (status === 403 || name === "AccessDenied" || name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch") {
    return new StoreError(`${context}: access denied (${name ?? status}: ${message})`, "AccessDenied");
  }
  return new StoreError(`${context}: ${name ?? "error"}${status ? ` (HTTP ${status})` : ""}: ${message}`, "Other");
}

// ------------------------------------------------------------------------------------------------------------- Azure

const AZURE_BLOB_SUFFIX: Record<string, string> = {
  AzurePublicCloud: "core.windows.net",
  AzureUSGovernmentCloud: "core.usgovcloudapi.net",
  AzureChinaCloud: "core.chinacloudapi.cn",
};

/** Entra ID and Azure Resource Manager per cloud, as the Azure SDK for Go has them (azcore/cloud). */
const AZURE_CLOUD_HOSTS: Record<string, { authority: string; resourceManager: string; audience: string }> = {
  AzurePublicCloud: {
    authority: "https://login.microsoftonline.com",
    resourceManager: "https://management.azure.com",
    audience: "https://management.core.windows.net/",
  },
  AzureUSGovernmentCloud: {
    authority: "https://login.microsoftonline.us",
    resourceManager: "https://management.usgovcloudapi.net",
    audience: "https://management.core.usgovcloudapi.net/",
  },
  AzureChinaCloud: {
    authority: "https://login.chinacloudapi.cn",
    resourceManager: "https://management.chinacloudapi.cn",
    audience: "https://management.core.chinacloudapi.cn/",
  },
};

/** What the Azure SDK for Go answers when a bearer token would go over plain http (azcore's checkHTTPSForAuth). */
export const AZURE_BEARER_OVER_HTTP =
  "authenticated requests are not permitted for non TLS protected (https) endpoints";

function azureStore(
  container: string,
  prefix: string,
  config: Record<string, string>,
  given: Record<string, string>,
  options: ObjectStoreOptions & { timeoutMs: number },
): ObjectStore {
  const creds = { ...parseEnvFile(given.cloud), ...given };
  const cs = parseConnectionString(creds.connectionString ?? creds.AZURE_STORAGE_CONNECTION_STRING);
  const accountName = config.storageAccount || creds.accountName || cs.AccountName;
  if (!accountName)
    throw new StoreError("Azure BSL needs config.storageAccount (or an AccountName in the connection string)", "Other");
  const cloud = creds.AZURE_CLOUD_NAME;
  const known = cloud && Object.hasOwn(AZURE_BLOB_SUFFIX, cloud) ? cloud : "AzurePublicCloud";
  const suffix = cs.EndpointSuffix || AZURE_BLOB_SUFFIX[known];
  const blobEndpoint = (
    config.storageAccountURI ||
    cs.BlobEndpoint ||
    `${cs.DefaultEndpointsProtocol || "https"}://${accountName}.blob.${suffix}`
  ).replace(/\/+$/, "");
  const keyStore = (accountKey: string) =>
    azureKeyStore(container, prefix, blobEndpoint, accountName, accountKey, options.timeoutMs);

  // 1. storageAccountKeyEnvVar: the key is in the credentials file, under that name.
  const keyVar = config.storageAccountKeyEnvVar;
  if (keyVar) {
    if (!creds[keyVar])
      throw new StoreError(
        `Azure BSL: no storage account key in the credentials (looked for ${keyVar}, named by storageAccountKeyEnvVar)`,
        "Other",
      );
    return keyStore(creds[keyVar]);
  }
  // 2. useAAD: an Entra ID token for the blobs.
  if (config.useAAD === "true") {
    if (!blobEndpoint.startsWith("https:"))
      throw new StoreError(
        `${AZURE_BEARER_OVER_HTTP}: useAAD signs the blob requests with an Entra ID bearer token, which is never sent ` +
          `over plain http, and the storage account URI is ${blobEndpoint}; use the account's https endpoint, or leave ` +
          "useAAD out to read the account keys through Azure Resource Manager",
        "AccessDenied",
      );
    throw new StoreError(
      "Azure BSL: useAAD (an Entra ID token for the blobs) is not emulated by the sandbox's Velero stand-in; leave useAAD " +
        "out (keys through Azure Resource Manager) or name the account key with storageAccountKeyEnvVar",
      "Other",
    );
  }
  // The stand-in's shortcut: a key given directly.
  const direct = creds.accountKey || cs.AccountKey || creds.AZURE_STORAGE_ACCOUNT_ACCESS_KEY || creds.AZURE_STORAGE_KEY;
  if (direct) return keyStore(direct);
  // 3. The account's keys, listed through Azure Resource Manager with the file's service principal.
  const missing = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"].filter((k) => !creds[k]);
  if (missing.length)
    throw new StoreError(
      `Azure BSL: no storage account key in the credentials, and no service principal to list one with (missing ${missing.join(", ")})`,
      "Other",
    );
  const subscriptionId = config.subscriptionId || creds.AZURE_SUBSCRIPTION_ID;
  const resourceGroup = config.resourceGroup;
  if (!resourceGroup || !subscriptionId)
    throw new StoreError(
      "Azure BSL: without storageAccountKeyEnvVar or useAAD, the plugin lists the account's keys through Azure Resource " +
        `Manager, which needs ${!resourceGroup ? "config.resourceGroup" : "config.subscriptionId or AZURE_SUBSCRIPTION_ID"}`,
      "Other",
    );
  const hosts = AZURE_CLOUD_HOSTS[known];
  return deferredStore(async () =>
    keyStore(
      await listAccountKeys(
        {
          authority: (options.azureAuthorityHost || hosts.authority).replace(/\/+$/, ""),
          resourceManager: (options.azureResourceManager || hosts.resourceManager).replace(/\/+$/, ""),
          scope: `${hosts.audience}/.default`,
        },
        { tenantId: creds.AZURE_TENANT_ID, clientId: creds.AZURE_CLIENT_ID, clientSecret: creds.AZURE_CLIENT_SECRET },
        { subscriptionId, resourceGroup, accountName },
        options.timeoutMs,
      ),
    ),
  );
}

/** An ObjectStore whose every operation first awaits the real one (opened once, e.g. after listing the account keys). */
function deferredStore(open: () => Promise<ObjectStore>): ObjectStore {
  let opened: Promise<ObjectStore> | undefined;
  const store = () => (opened ??= open());
  return {
    put: async (key, data) => (await store()).put(key, data),
    get: async (key) => (await store()).get(key),
    exists: async (key) => (await store()).exists(key),
    list: async (p) => (await store()).list(p),
    listPrefixes: async (p, delimiter) => (await store()).listPrefixes(p, delimiter),
    delete: async (key) => (await store()).delete(key),
    deletePrefix: async (p) => (await store()).deletePrefix(p),
    signedUrl: async (key, ttl) => (await store()).signedUrl(key, ttl),
  };
}

/** One JSON call for the ListKeys path; a network failure or timeout is an "Unreachable" StoreError. */
async function azureJson(
  url: string,
  init: { method: "POST"; headers: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
  } catch (err) {
    const origin = new URL(url).origin;
    const why = networkCode(err) ?? (errorName(err) === "TimeoutError" ? `no answer in ${timeoutMs} ms` : String(err));
    throw new StoreError(`${init.method} ${origin}: endpoint unreachable (${why})`, "Unreachable");
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: the status says enough.
  }
  return { status: res.status, body };
}

/**
 * What the plugin does without storageAccountKeyEnvVar and useAAD: a client-credentials token for Azure Resource
 * Manager, then ListKeys on the account, and the first key. Errors read like the Azure SDK for Go's (method, URL,
 * status, the service's code and message); none holds the secret or the token.
 */
async function listAccountKeys(
  hosts: { authority: string; resourceManager: string; scope: string },
  sp: { tenantId: string; clientId: string; clientSecret: string },
  account: { subscriptionId: string; resourceGroup: string; accountName: string },
  timeoutMs: number,
): Promise<string> {
  const tokenUrl = `${hosts.authority}/${encodeURIComponent(sp.tenantId)}/oauth2/v2.0/token`;
  const signIn = await azureJson(
    tokenUrl,
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: sp.clientId,
        client_secret: sp.clientSecret,
        scope: hosts.scope,
      }).toString(),
    },
    timeoutMs,
  );
  const token = signIn.body.access_token;
  if (signIn.status !== 200 || typeof token !== "string") {
    const error = typeof signIn.body.error === "string" ? signIn.body.error : "";
    const description =
      typeof signIn.body.error_description === "string"
        ? signIn.body.error_description.split(/\r?\n/)[0].replace(/ Trace ID:.*$/, "")
        : "";
    throw new StoreError(
      `ClientSecretCredential authentication failed: POST ${tokenUrl}: RESPONSE ${signIn.status}: ` +
        `${[error, description].filter(Boolean).join(": ") || "no access token"}`
          .split(sp.clientSecret)
          .join("[redacted]"),
      "AccessDenied",
    );
  }
  const keysUrl =
    `${hosts.resourceManager}/subscriptions/${encodeURIComponent(account.subscriptionId)}` +
    `/resourceGroups/${encodeURIComponent(account.resourceGroup)}/providers/Microsoft.Storage/storageAccounts/` +
    `${encodeURIComponent(account.accountName)}/listKeys?api-version=2023-05-01`;
  const listed = await azureJson(
    keysUrl,
    { method: "POST", headers: { authorization: `Bearer ${token}`, accept: "application/json" } },
    timeoutMs,
  );
  const keys = Array.isArray(listed.body.keys) ? (listed.body.keys as { value?: unknown }[]) : [];
  const first = keys.find((k) => typeof k.value === "string")?.value;
  if (listed.status === 200 && typeof first === "string") return first;
  const armError = (listed.body.error ?? {}) as { code?: unknown; message?: unknown };
  const why = [armError.code, armError.message].filter((x) => typeof x === "string").join(": ") || "no keys listed";
  throw new StoreError(
    `error getting storage account key of ${account.accountName}: POST ${keysUrl}: RESPONSE ${listed.status}: ${why}`,
    listed.status === 403 || listed.status === 401 ? "AccessDenied" : "Other",
  );
}

/** A container reached with an account key (Shared Key requests, SAS URLs). */
function azureKeyStore(
  container: string,
  prefix: string,
  blobEndpoint: string,
  accountName: string,
  accountKey: string,
  timeoutMs: number,
): ObjectStore {
  const credential = new StorageSharedKeyCredential(accountName, accountKey);
  // retryOptions.tryTimeoutInMs is only a server-side timeout (?timeout=); it does not stop a client waiting on an endpoint
  // that accepts connections and never answers. A request policy sets the HTTP client's per-try timeout instead.
  const pipeline = newPipeline(credential, {
    retryOptions: { maxTries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 500 },
  });
  pipeline.factories.push(requestTimeoutPolicy(timeoutMs));
  const service = new BlobServiceClient(blobEndpoint, pipeline);
  const client: ContainerClient = service.getContainerClient(container);
  const full = (key: string) => prefix + key;
  const rel = (key: string) => key.slice(prefix.length);
  const where = `${blobEndpoint}/${container}/${prefix}`;
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw azureError(err, `${what} ${where}`, container);
    }
  };
  async function listAll(keyPrefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of client.listBlobsFlat({ prefix: keyPrefix })) names.push(blob.name);
    return names;
  }

  return {
    put: (key, data) =>
      call(`put "${key}" in`, async () => {
        const body = typeof data === "string" ? Buffer.from(data, "utf8") : data;
        await client.getBlockBlobClient(full(key)).uploadData(body);
      }),
    get: (key) =>
      call(`get "${key}" from`, async () => {
        try {
          const res = await client.getBlobClient(full(key)).download(0);
          return res.readableStreamBody ? await readAll(res.readableStreamBody) : Buffer.alloc(0);
        } catch (err) {
          if (azureCode(err) === "BlobNotFound") return null;
          throw err;
        }
      }),
    exists: (key) =>
      call(`check "${key}" in`, async () => {
        try {
          await client.getBlobClient(full(key)).getProperties();
          return true;
        } catch (err) {
          // HEAD responses carry the error code in x-ms-error-code: BlobNotFound vs ContainerNotFound.
          if (azureCode(err) === "BlobNotFound") return false;
          throw err;
        }
      }),
    list: (keyPrefix) =>
      call(`list "${keyPrefix}" in`, async () => sortedUnique((await listAll(full(keyPrefix))).map(rel))),
    listPrefixes: (keyPrefix, delimiter = "/") =>
      call(`list prefixes of "${keyPrefix}" in`, async () => {
        const prefixes: string[] = [];
        for await (const item of client.listBlobsByHierarchy(delimiter, { prefix: full(keyPrefix) })) {
          if (item.kind === "prefix") prefixes.push(rel(item.name));
        }
        return sortedUnique(prefixes);
      }),
    delete: (key) => call(`delete "${key}" from`, () => deleteBlob(client, full(key))),
    deletePrefix: (keyPrefix) =>
      call(`delete "${keyPrefix}" from`, async () => {
        const names = await listAll(full(keyPrefix));
        for (let i = 0; i < names.length; i += 16)
          await Promise.all(names.slice(i, i + 16).map((n) => deleteBlob(client, n)));
        return names.length;
      }),
    signedUrl: async (key, ttlSeconds) => {
      const blob = client.getBlobClient(full(key));
      const sas = generateBlobSASQueryParameters(
        {
          containerName: container,
          blobName: full(key),
          permissions: BlobSASPermissions.parse("r"),
          expiresOn: new Date(Date.now() + ttlSeconds * 1000),
        },
        credential,
      ).toString();
      return `${blob.url}?${sas}`;
    },
  };
}

/**
 * Each try gets timeoutMs until the response headers arrive (6× when it uploads a body); the body of a download is not
 * bounded. The HTTP client aborts with an AbortError, which the storage retry policy does not retry.
 */
function requestTimeoutPolicy(timeoutMs: number): RequestPolicyFactory {
  return {
    create: (next: RequestPolicy) => ({
      sendRequest: (request: WebResource) => {
        request.timeout = request.body === undefined || request.body === null ? timeoutMs : 6 * timeoutMs;
        return next.sendRequest(request);
      },
    }),
  };
}

async function deleteBlob(client: ContainerClient, name: string): Promise<void> {
  try {
    await client.getBlobClient(name).delete({ deleteSnapshots: "include" });
  } catch (err) {
    if (azureCode(err) !== "BlobNotFound") throw err;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

function azureCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; details?: { errorCode?: unknown } } | null;
  const code = e?.details?.errorCode ?? e?.code;
  return typeof code === "string" ? code : undefined;
}

function azureError(err: unknown, context: string, container: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = azureCode(err);
  const status = httpStatus(err);
  const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
  if (isUnreachable(err))
    return new StoreError(`${context}: endpoint unreachable (${networkCode(err) ?? message})`, "Unreachable");
  if (code === "ContainerNotFound")
    return new StoreError(`${context}: container "${container}" does not exist`, "NoSuchBucket");
  if (status === 403 || code === "AuthenticationFailed" || code === "AuthorizationFailure") {
    return new StoreError(`${context}: access denied (${code ?? status}: ${message})`, "AccessDenied");
  }
  return new StoreError(`${context}: ${code ?? "error"}${status ? ` (HTTP ${status})` : ""}: ${message}`, "Other");
}

// ------------------------------------------------------------------------------------------------------------ shared

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "REQUEST_SEND_ERROR",
]);

/** The network error code of err, its cause, or the first of an AggregateError (happy-eyeballs connects). */
function networkCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== "object" || depth > 4) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return e.code;
  if (Array.isArray(e.errors))
    for (const inner of e.errors) if (networkCode(inner, depth + 1)) return networkCode(inner, depth + 1);
  return networkCode(e.cause, depth + 1);
}

function isUnreachable(err: unknown): boolean {
  if (networkCode(err)) return true;
  const name = errorName(err);
  // Smithy's connection/socket timeouts are TimeoutError; Azure's per-try timeout aborts with AbortError.
  return (
    (name === "TimeoutError" || name === "AbortError" || name === "RequestTimeout") && httpStatus(err) === undefined
  );
}

function errorName(err: unknown): string | undefined {
  const e = err as { name?: unknown; Code?: unknown } | null;
  const name = typeof e?.Code === "string" ? e.Code : e?.name;
  return typeof name === "string" ? name : undefined;
}

function httpStatus(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: unknown }; statusCode?: unknown } | null;
  const status = e?.$metadata?.httpStatusCode ?? e?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** One [section] of an AWS credentials INI file (as in Velero's cloud-credentials Secret). */
function parseIni(text: string | undefined, section: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  let current = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (header) current = header[1];
    else if (current === section) {
      const eq = line.indexOf("=");
      if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
  }
  return out;
}

/** KEY=VALUE lines (Velero's Azure credentials file); quotes around a value are dropped. */
export function parseEnvFile(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, "");
    const eq = line.indexOf("=");
    if (line.startsWith("#") || eq <= 0) continue;
    out[line.slice(0, eq).trim()] = line
      .slice(eq + 1)
      .trim()
      .replace(/^(["'])(.*)\1$/, "$2");
  }
  return out;
}

/** Azure Storage connection string: Key=Value pairs separated by ";" (values may contain "="). */
function parseConnectionString(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
