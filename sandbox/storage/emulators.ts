import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import type http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { HOST, captureOutput, reserveFreePort, stopper, waitForPort } from "./child-process";
import { startEntra, type EntraStandIn } from "./entra";
import { startMoto, type AwsSandbox, type MotoStart } from "./moto";

// Storage and cloud emulators for the sandbox: s3rver in this process (S3 API), Azurite's blob service as a child
// process (Azure Blob API) with a stand-in for Entra ID and Azure Resource Manager in this process next to it (entra.ts:
// one service principal, its resource group, and ListKeys answering Azurite's key), and optionally moto as a child
// process (AWS with IAM enforced: IAM, STS, S3, CloudFormation, KMS; see moto.ts). All listen on 127.0.0.1 only; s3rver
// and Azurite keep their data under opts.dir, moto in memory.
// Pitfalls handled here or by the clients (docs: ../shared/reference/toolchain.md §5): Azurite rejects the API
// version of @azure/storage-blob 12.34 unless started with --skipApiVersionCheck; s3rver stores aws-chunked
// (corrupted) streaming bodies unless the S3 client sets the checksum options to "WHEN_REQUIRED" (object-store.ts does).

export interface S3Endpoint {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}
export interface AzureEndpoint {
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
  connectionString: string;
  /** The Entra ID / ARM stand-in's principal, which may list this account's keys; null when it was not started. */
  servicePrincipal: SandboxServicePrincipal | null;
}
/**
 * A service principal the sandbox's Entra ID stand-in knows, with the resource group of Azurite's account. Both
 * the authority (token endpoint) and Azure Resource Manager are `url` (LIFEBOAT_AZURE_AUTHORITY_HOST and
 * LIFEBOAT_AZURE_RESOURCE_MANAGER for the console). Kept in the storage directory, so a restarted sandbox keeps it.
 */
export interface SandboxServicePrincipal {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  resourceGroup: string;
}
export type { AwsSandbox } from "./moto";
export interface Emulators {
  s3: S3Endpoint;
  azure: AzureEndpoint | null;
  /** The Azurite child's pid (null without Azurite), e.g. to check that stop() left nothing behind. */
  azuritePid: number | null;
  /** moto, bootstrapped (moto.ts); null when it was not asked for or cannot run here, and awsReason says which. */
  aws: AwsSandbox | null;
  awsReason: string | null;
  motoPid: number | null;
  /** Stops Azurite and moto (SIGTERM, SIGKILL after 5 s; awaits their exit), closes s3rver and the Entra stand-in. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartEmulatorsOptions {
  dir: string;
  /** 0 (default) = an ephemeral port. */
  s3Port?: number;
  /** 0 (default) = a free port picked here; null = do not start Azurite. */
  azurePort?: number | null;
  /** The Entra ID / ARM stand-in, started only with Azurite: 0 (default) = a free port; null = do not start it. */
  entraPort?: number | null;
  /** Buckets created in s3rver before it starts serving. */
  buckets?: string[];
  /** Blob containers created in Azurite once it accepts connections. */
  containers?: string[];
  /** How long to wait for Azurite to accept connections (default 30 s). */
  azuriteStartTimeoutMs?: number;
  /**
   * A port or 0 (a free port picked here) starts moto; null or omitted does not, since moto is a Python tool that not
   * every machine has (without it, aws is null and awsReason says how to get it).
   */
  awsPort?: number | null;
}

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/** s3rver's built-in account; it rejects other access key ids with InvalidAccessKeyId (403) but does not check V4 signatures. */
export const S3RVER_ACCESS_KEY_ID = "S3RVER";
export const S3RVER_SECRET_ACCESS_KEY = "S3RVER";

export const AWS_NOT_REQUESTED = "moto was not started (awsPort null)";
const require = createRequire(import.meta.url);

// s3rver 3.7 ships no type declarations; this is the part of its API used here.
interface S3rverObject {
  key: string;
}
interface S3rverListing {
  objects: S3rverObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
}
interface S3rverListOptions {
  delimiter?: string;
  prefix?: string;
  startAfter?: string;
  maxKeys?: number;
}
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  httpServer?: http.Server;
  store: { listObjects(bucket: string, options: S3rverListOptions): Promise<S3rverListing> };
}
type S3rverCtor = new (options: {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

export async function startEmulators(opts: StartEmulatorsOptions): Promise<Emulators> {
  const s3Dir = path.join(opts.dir, "s3");
  fs.mkdirSync(s3Dir, { recursive: true });
  const S3rver = require("s3rver") as S3rverCtor;
  const s3rver = new S3rver({
    port: opts.s3Port ?? 0,
    address: HOST,
    directory: s3Dir,
    silent: true,
    configureBuckets: (opts.buckets ?? []).map((name) => ({ name })),
  });
  fixDelimiterListing(s3rver);
  const { port: s3Port } = await s3rver.run();
  const s3: S3Endpoint = {
    endpoint: `http://${HOST}:${s3Port}`,
    region: "us-east-1",
    accessKeyId: S3RVER_ACCESS_KEY_ID,
    secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
  };
  let s3Closed: Promise<void> | null = null;
  const closeS3 = () =>
    (s3Closed ??= (async () => {
      const closing = s3rver.close();
      s3rver.httpServer?.closeAllConnections(); // keep-alive sockets of SDK clients would otherwise hold close() open
      await closing;
    })());

  // Azurite and moto start side by side; if either fails, whatever did start is stopped again.
  const [azuriteStart, motoStart] = await Promise.allSettled([
    opts.azurePort === null
      ? null
      : startAzurite(path.join(opts.dir, "azurite"), opts.azurePort ?? 0, opts.azuriteStartTimeoutMs ?? 30_000),
    opts.awsPort == null ? null : startMoto({ port: opts.awsPort }),
  ]);
  const azurite = azuriteStart.status === "fulfilled" ? azuriteStart.value : null;
  const moto: MotoStart | null = motoStart.status === "fulfilled" ? motoStart.value : null;
  const stop = async () => {
    await Promise.all([azurite?.stop(), moto && "stop" in moto ? moto.stop() : undefined, closeS3()]);
  };
  for (const started of [azuriteStart, motoStart]) {
    if (started.status === "rejected") {
      await stop().catch(() => undefined);
      throw started.reason;
    }
  }

  let azure: AzureEndpoint | null = null;
  let entra: EntraStandIn | null = null;
  const stopAll = async () => {
    await Promise.all([stop(), entra?.close()]);
  };
  if (azurite) {
    const blobEndpoint = `http://${HOST}:${azurite.port}/${AZURITE_ACCOUNT_NAME}`;
    let servicePrincipal: SandboxServicePrincipal | null = null;
    if (opts.entraPort !== null) {
      const sp = sandboxPrincipal(opts.dir);
      try {
        entra = await startEntra({
          port: opts.entraPort ?? 0,
          principals: [sp],
          resourceGroups: { [`${sp.subscriptionId}/${sp.resourceGroup}`]: "ok" },
          accountKeys: { [`${sp.subscriptionId}/${sp.resourceGroup}/${AZURITE_ACCOUNT_NAME}`]: AZURITE_ACCOUNT_KEY },
        });
      } catch (err) {
        await stop().catch(() => undefined);
        throw err;
      }
      servicePrincipal = { url: entra.url, ...sp };
    }
    azure = {
      blobEndpoint,
      accountName: AZURITE_ACCOUNT_NAME,
      accountKey: AZURITE_ACCOUNT_KEY,
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
      servicePrincipal,
    };
    try {
      const service = new BlobServiceClient(
        blobEndpoint,
        new StorageSharedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY),
      );
      for (const name of opts.containers ?? []) await service.getContainerClient(name).createIfNotExists();
    } catch (err) {
      await stopAll().catch(() => undefined);
      throw err;
    }
  }
  return {
    s3,
    azure,
    azuritePid: azurite?.pid ?? null,
    aws: moto?.aws ?? null,
    awsReason: moto ? (moto.aws ? null : moto.reason) : AWS_NOT_REQUESTED,
    motoPid: moto && "pid" in moto ? moto.pid : null,
    stop: stopAll,
  };
}

/**
 * The sandbox's service principal: ids and a secret made once and kept in dir (like the clusters' tokens), so a console
 * that stored it (npm run demo) still signs in after a restart. The secret has the shape of Entra ID's (40 characters,
 * "~" in the fourth place) and only characters the Velero credentials file carries unquoted.
 */
export function sandboxPrincipal(dir: string): Omit<SandboxServicePrincipal, "url"> {
  const file = path.join(dir, "entra-principal.json");
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as Omit<SandboxServicePrincipal, "url">;
  const sp = {
    tenantId: crypto.randomUUID(),
    clientId: crypto.randomUUID(),
    clientSecret: `sbx~${crypto.randomBytes(27).toString("base64url")}`,
    subscriptionId: crypto.randomUUID(),
    resourceGroup: "rg-lifeboat-sandbox",
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(sp, null, 2) + "\n", { mode: 0o600 });
  return sp;
}

/**
 * s3rver 3.7.1 bug: with a delimiter, its filesystem walk skips every directory below the first level under the prefix,
 * so a common prefix whose objects are all deeper (backups/b1/velero-backup.json seen from "" or "cluster-a/") is never
 * reported: ListObjectsV2(prefix "", delimiter "/") returns no "backups/". Velero lists exactly that (backup sync, BSL
 * validation), so list recursively here and derive the common prefixes from the keys.
 */
function fixDelimiterListing(s3rver: S3rverInstance): void {
  const store = s3rver.store;
  const listObjects = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const { delimiter = "", prefix = "", maxKeys = Infinity } = options;
    if (!delimiter) return listObjects(bucket, options);
    const all = await listObjects(bucket, { ...options, delimiter: "", maxKeys: Infinity });
    const commonPrefixes = new Set<string>();
    const objects: S3rverObject[] = [];
    let isTruncated = false;
    for (const object of all.objects) {
      const at = object.key.indexOf(delimiter, prefix.length);
      if (at !== -1) commonPrefixes.add(object.key.slice(0, at + delimiter.length));
      else if (objects.length < maxKeys) objects.push(object);
      else isTruncated = true;
    }
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
  };
}

interface RunningAzurite {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function startAzurite(location: string, requestedPort: number, timeoutMs: number): Promise<RunningAzurite> {
  fs.mkdirSync(location, { recursive: true });
  const port = await reserveFreePort("azurite", requestedPort);
  const main = path.join(path.dirname(require.resolve("azurite/package.json")), "dist/src/blob/main.js");
  // --disableTelemetry: Azurite otherwise reports usage to Microsoft (no network here; nothing to report from a sandbox).
  const args = [
    main,
    "--blobHost",
    HOST,
    "--blobPort",
    String(port),
    "-l",
    location,
    "--skipApiVersionCheck",
    "--silent",
    "--loose",
    "--disableTelemetry",
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const output = captureOutput(child);
  const stop = stopper(child);
  try {
    await waitForPort("azurite", port, timeoutMs, child, output);
  } catch (err) {
    await stop();
    throw err;
  }
  if (child.pid === undefined) throw new Error("azurite: no pid"); // spawn succeeded (the port answered), so unreachable
  return { port, pid: child.pid, stop };
}
