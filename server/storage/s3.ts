import { randomBytes, X509Certificate } from "node:crypto";
import net from "node:net";
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { checkOutboundUrl } from "../security/outbound-url";
import { awsClientConfig } from "./aws/clients";
import { probeStepRunner, redactSecrets, type ProbeStep } from "./probe-steps";
import {
  classifyS3Error,
  isVagueHeadError,
  type Classified,
  type ProbeFailure,
  type ProbeStepName,
} from "./s3-failures";

// The narrow S3 adapter for a self-provisioned target location: before Lifeboat hands a bucket to Velero, reach it
// with the keys the operator gave and do what Velero will do — HeadBucket (as velero-plugin-for-aws does without a
// region), list the top-level folders under the prefix (as BSL validation does), write and delete a small object.
// Every step has a deadline and a timing; failures carry a kind and a message that names the bucket and endpoint and
// never the secret. The endpoint passes the outbound policy first.
export type { ProbeFailure } from "./s3-failures";

export interface S3Location {
  bucket: string;
  prefix?: string;
  region?: string;
  endpoint?: string /* s3Url */;
  pathStyle?: boolean;
  caBundle?: string; /* PEM */
}
export interface S3Keys {
  accessKeyId: string;
  secretAccessKey: string;
}
export type { ProbeStep } from "./probe-steps";
export type ProbeResult =
  { ok: true; steps: ProbeStep[] } | { ok: false; failure: ProbeFailure; message: string; steps: ProbeStep[] };

export const DEFAULT_STEP_TIMEOUT_MS = 8_000;
export const DEFAULT_REGION = "us-east-1";
/** The top-level folders Velero owns under a location's prefix (velero-api.md §2.4, §4); any other makes it Unavailable. */
export const VELERO_TOP_LEVEL_DIRS: readonly string[] = [
  "backups",
  "restores",
  "restic",
  "metadata",
  "plugins",
  "kopia",
];
const SHOWN_FOREIGN = 10;

/** "AKIA…WXYZ": the first and last 4 characters; ids shorter than 12 characters are masked entirely. */
export function maskKeyId(accessKeyId: string): string {
  const id = accessKeyId.trim();
  return id.length < 12 ? "****" : `${id.slice(0, 4)}…${id.slice(-4)}`;
}

/** The key prefix Velero uses for a location: "" or the prefix with exactly one trailing slash. */
export function keyPrefix(prefix: string | undefined): string {
  const p = (prefix ?? "").replace(/\/+$/, "");
  return p ? `${p}/` : "";
}

/** The top-level folders (names, without the prefix) that are not Velero's, sorted. */
export function foreignFolders(folders: readonly string[]): string[] {
  return [...new Set(folders.filter((f) => !VELERO_TOP_LEVEL_DIRS.includes(f)))].sort();
}

/** Why a CA bundle cannot be used, or null. Node silently ignores PEM it cannot parse, so check it here. */
export function caBundleProblem(pem: string): string | null {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0)
    return "The CA bundle holds no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)";
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `Certificate ${i + 1} of the CA bundle is not a valid PEM certificate`;
    }
  }
  return null;
}

/** Why Lifeboat must not connect to the location's endpoint, or null. */
async function endpointRefusal(loc: S3Location): Promise<string | null> {
  if (!loc.endpoint) return null;
  const schemes = ["https", "http"];
  const verdict = await checkOutboundUrl(loc.endpoint, { schemes });
  if (!verdict.ok) return `Lifeboat will not connect to ${loc.endpoint}: ${verdict.reason}`;
  // Without path-style the SDK talks to <bucket>.<host>, another name that may resolve elsewhere: check it too.
  const host = verdict.url.hostname;
  if (
    !loc.pathStyle &&
    !net.isIP(host.replace(/^\[|\]$/g, "")) &&
    /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(loc.bucket)
  ) {
    const virtual = new URL(verdict.url.origin);
    virtual.hostname = `${loc.bucket}.${host}`;
    const v = await checkOutboundUrl(virtual.origin, { schemes });
    if (!v.ok)
      return (
        `Lifeboat will not connect to ${virtual.origin}, the bucket's virtual-hosted address ` +
        `(MinIO, Ceph and most S3-compatible stores need path-style): ${v.reason}`
      );
  }
  return null;
}

/**
 * The S3 client config for a location: the shared AWS client config (server/storage/aws/clients.ts) with the location's
 * CA bundle, path style and region handling. Checksums only when S3 requires them, and only at a custom endpoint:
 * s3rver and many S3-compatible stores mishandle the SDK's default aws-chunked checksums (toolchain.md §5), while AWS S3
 * itself needs a checksum on a PutObject into a bucket with object lock (plan #11 §7).
 */
export function s3ClientConfig(loc: S3Location, keys: S3Keys, region: string, timeoutMs: number): S3ClientConfig {
  return {
    ...awsClientConfig({
      credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
      region,
      endpoint: loc.endpoint,
      timeoutMs,
      // A custom CA replaces the default roots, as it does for Velero's AWS plugin.
      tls: loc.caBundle?.trim() ? { ca: loc.caBundle } : {},
    }),
    forcePathStyle: loc.pathStyle === true,
    // With no region given, Velero's plugin asks S3 for the bucket's; let the SDK follow AWS's redirect likewise.
    followRegionRedirects: !loc.region?.trim() && !loc.endpoint,
    ...(loc.endpoint
      ? { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" }
      : {}),
  };
}

export async function probeS3Location(
  loc: S3Location,
  keys: S3Keys,
  opts: { timeoutMs?: number } = {},
): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  const region = loc.region?.trim() || DEFAULT_REGION;
  const steps: ProbeStep[] = [];
  const redact = redactSecrets([keys.secretAccessKey], [[keys.accessKeyId, maskKeyId(keys.accessKeyId)]]);
  const fail = (failure: ProbeFailure, message: string): ProbeResult => ({
    ok: false,
    failure,
    message: redact(message),
    steps,
  });

  const refusal = await endpointRefusal(loc);
  if (refusal) return fail("Other", refusal);
  const badCa = loc.caBundle?.trim() ? caBundleProblem(loc.caBundle) : null;
  if (badCa) return fail("TLS", `${badCa}; Lifeboat did not connect to ${loc.endpoint ?? "AWS S3"}`);

  // Loaded here, not at the module's import: most of a second that a console without S3 locations never spends.
  const sdk = await import("@aws-sdk/client-s3");
  const client = new sdk.S3Client(s3ClientConfig(loc, keys, region, timeoutMs));
  const base = keyPrefix(loc.prefix);
  const classify = (step: ProbeStepName, o: { error: unknown; timedOut: boolean }): Classified =>
    classifyS3Error(o.error, {
      step,
      bucket: loc.bucket,
      region,
      endpoint: loc.endpoint,
      keyId: maskKeyId(keys.accessKeyId),
      caBundle: Boolean(loc.caBundle?.trim()),
      timeoutMs,
      timedOut: o.timedOut,
    });

  const step = probeStepRunner({ steps, timeoutMs, classify, redact });

  const list = (signal: AbortSignal) => listFolders(sdk, client, loc.bucket, base, signal);

  try {
    const head = await step("head", (signal) =>
      client.send(new sdk.HeadBucketCommand({ Bucket: loc.bucket }), { abortSignal: signal }),
    );
    if (!head.ok) {
      const headFailure = head.classified;
      if (isVagueHeadError(head.error, "head")) {
        // HeadBucket has no error body: the listing tells wrong keys from missing permissions.
        const diagnosis = await step("list", list);
        if (!diagnosis.ok && diagnosis.classified.failure === "InvalidCredentials")
          return fail("InvalidCredentials", diagnosis.classified.message);
      }
      return fail(headFailure.failure, headFailure.message);
    }

    const listed = await step("list", list, (folders) =>
      folders.length ? `Velero folders present: ${folders.join(", ")}` : undefined,
    );
    if (!listed.ok) return fail(listed.classified.failure, listed.classified.message);
    const foreign = foreignFolders(listed.value);
    if (foreign.length > 0) {
      const where = base ? `The prefix "${base}" of the bucket "${loc.bucket}"` : `The bucket "${loc.bucket}"`;
      const shown =
        foreign.slice(0, SHOWN_FOREIGN).join(", ") +
        (foreign.length > SHOWN_FOREIGN ? ` and ${foreign.length - SHOWN_FOREIGN} more` : "");
      const message =
        `${where} already holds folders that are not Velero's: ${shown}. Velero would mark the location Unavailable ` +
        `("Backup store contains invalid top-level directories"); use an empty bucket or a prefix of its own`;
      const last = steps[steps.length - 1];
      last.ok = false;
      last.message = `Folders that are not Velero's: ${shown}`;
      return fail("ForeignData", message);
    }

    const probeKey = `${base}lifeboat-probe-${randomBytes(8).toString("hex")}`;
    const written = await step("write", (signal) =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: loc.bucket,
          Key: probeKey,
          Body: "Lifeboat checked that it may write here; this object is deleted right away.\n",
          ContentType: "text/plain",
        }),
        { abortSignal: signal },
      ),
    );
    if (!written.ok) return fail(written.classified.failure, written.classified.message);

    const deleted = await step("delete", (signal) =>
      client.send(new sdk.DeleteObjectCommand({ Bucket: loc.bucket, Key: probeKey }), { abortSignal: signal }),
    );
    if (!deleted.ok)
      return fail(
        deleted.classified.failure,
        `${deleted.classified.message}; the probe object "${probeKey}" was left in the bucket`,
      );

    return { ok: true, steps };
  } finally {
    client.destroy();
  }
}

/** The top-level folder names under `base` (one ListObjectsV2 page after another, under one deadline). */
async function listFolders(
  sdk: typeof import("@aws-sdk/client-s3"),
  client: S3Client,
  bucket: string,
  base: string,
  signal: AbortSignal,
): Promise<string[]> {
  const folders: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new sdk.ListObjectsV2Command({
        Bucket: bucket,
        Delimiter: "/",
        ...(base ? { Prefix: base } : {}),
        ...(token ? { ContinuationToken: token } : {}),
      }),
      { abortSignal: signal },
    );
    for (const p of page.CommonPrefixes ?? []) {
      if (p.Prefix?.startsWith(base)) folders.push(p.Prefix.slice(base.length).replace(/\/$/, ""));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return folders;
}
