import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import type http from "node:http";
import net from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";

// Object-storage emulators for the sandbox: s3rver in this process (S3 API) and Azurite's blob service as a child
// process (Azure Blob API). Both listen on 127.0.0.1 only and keep their data under opts.dir.
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
}
export interface Emulators {
  s3: S3Endpoint;
  azure: AzureEndpoint | null;
  /** The Azurite child's pid (null without Azurite), e.g. to check that stop() left nothing behind. */
  azuritePid: number | null;
  /** Stops Azurite (SIGTERM, SIGKILL after 5 s; awaits its exit) and closes s3rver. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartEmulatorsOptions {
  dir: string;
  /** 0 (default) = an ephemeral port. */
  s3Port?: number;
  /** 0 (default) = a free port picked here; null = do not start Azurite. */
  azurePort?: number | null;
  /** Buckets created in s3rver before it starts serving. */
  buckets?: string[];
  /** Blob containers created in Azurite once it accepts connections. */
  containers?: string[];
  /** How long to wait for Azurite to accept connections (default 30 s). */
  azuriteStartTimeoutMs?: number;
}

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/** s3rver's built-in account; it rejects other access key ids with InvalidAccessKeyId (403) but does not check V4 signatures. */
export const S3RVER_ACCESS_KEY_ID = "S3RVER";
export const S3RVER_SECRET_ACCESS_KEY = "S3RVER";

const HOST = "127.0.0.1";
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

  if (opts.azurePort === null) return { s3, azure: null, azuritePid: null, stop: closeS3 };

  let azurite: RunningAzurite;
  try {
    azurite = await startAzurite(
      path.join(opts.dir, "azurite"),
      opts.azurePort ?? 0,
      opts.azuriteStartTimeoutMs ?? 30_000,
    );
  } catch (err) {
    await closeS3().catch(() => undefined);
    throw err;
  }
  const blobEndpoint = `http://${HOST}:${azurite.port}/${AZURITE_ACCOUNT_NAME}`;
  const azure: AzureEndpoint = {
    blobEndpoint,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
  };
  const stop = async () => {
    await Promise.all([azurite.stop(), closeS3()]);
  };
  try {
    const service = new BlobServiceClient(
      blobEndpoint,
      new StorageSharedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY),
    );
    for (const name of opts.containers ?? []) await service.getContainerClient(name).createIfNotExists();
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { s3, azure, azuritePid: azurite.pid, stop };
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
  // Azurite does not report an ephemeral port back, so pick a free one (or make sure the requested one is free: otherwise
  // the readiness poll below could succeed against whatever already listens there).
  const port = await reserveFreePort(requestedPort);
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
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // If this process ends without stop() (a crashed test run), do not leave Azurite behind.
  const killOnExit = () => void child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitForPort(port, timeoutMs, child, output);
  } catch (err) {
    await stop();
    throw err;
  }
  if (child.pid === undefined) throw new Error("azurite: no pid"); // spawn succeeded (the port answered), so unreachable
  return { port, pid: child.pid, stop };
}

function captureOutput(child: ChildProcess): () => string {
  let text = "";
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-16_384);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return () => text.trim();
}

async function waitForPort(port: number, timeoutMs: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const failure: { error?: Error } = {};
  child.once("error", (err) => (failure.error = err));
  for (;;) {
    if (failure.error) throw new Error(`azurite failed to start: ${failure.error.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `azurite exited (${child.exitCode ?? child.signalCode}) before accepting connections on ${HOST}:${port}: ${output() || "(no output)"}`,
      );
    }
    if (await canConnect(port)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `azurite did not accept connections on ${HOST}:${port} within ${timeoutMs} ms: ${output() || "(no output)"}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Port 0: a port that is free now. Other ports: that port, after checking nothing listens on it. */
function reserveFreePort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new Error(`azurite: port ${HOST}:${port} is not available (${err.code ?? err.message})`)),
    );
    server.listen(port, HOST, () => {
      const { port: free } = server.address() as net.AddressInfo;
      server.close(() => resolve(free));
    });
  });
}
