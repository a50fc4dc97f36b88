import crypto from "node:crypto";
import zlib from "node:zlib";
import { request, type Dispatcher } from "undici";
import type { Deps } from "../../composition";
import { AppError } from "../../errors";
import { checkOutboundUrl } from "../../security/outbound-url";
import { outboundAgent, outboundRefusal } from "../../security/outbound";
import { ClusterError } from "../../kube/errors";
import type { ClusterClient } from "../../kube/cluster-client";
import { rec, str } from "@/lib/velero/read";
import { isTerminal } from "@/lib/velero/phases";

// Files of a backup, fetched as Velero's CLI does: a DownloadRequest, Velero answers with a signed URL to the object
// in the bucket, Lifeboat fetches it, then removes the request. The URL is chosen by the cluster, so it is untrusted:
// only the host of the location's own endpoint (the BSL's publicUrl or s3Url, AWS's S3 hosts for its region, the Azure
// account's blob endpoint) is fetched, through the outbound path, without redirects and without transparent decoding
// (a 329-byte brotli body must not become 200 MiB); the body is streamed and counted, and gunzip is capped too. A file
// of a finished backup or restore cannot change, so it is kept (per object uid and file) instead of fetched again.
// Every file is gzip'd, BackupContents too (the <backup>.tar.gz: its tar bytes come back, for
// server/services/restores/backup-contents.ts), so every answer is the unpacked bytes, within the same caps.
export type DownloadKind =
  | "BackupLog"
  | "BackupResults"
  | "BackupResourceList"
  | "BackupVolumeInfos"
  | "BackupContents"
  | "RestoreLog"
  | "RestoreResults"
  | "RestoreResourceList";
export const MAX_DOWNLOAD_BYTES = 8 * 1024 * 1024;
export const MAX_UNZIPPED_BYTES = 64 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 15_000;

/** The DownloadRequest Velero answers with a signed URL to one file of a backup or restore. */
export const downloadRequestManifest = (name: string, target: { kind: DownloadKind; name: string }) =>
  ({
    apiVersion: "velero.io/v1",
    kind: "DownloadRequest",
    metadata: { name, namespace: "velero" },
    spec: { target },
  }) as const;

// ---- Which hosts a location's signed URLs may name ----

export type HostRule = { host: string } | { pattern: RegExp; what: string };

const hostOf = (url: string | null) => {
  try {
    return url ? new URL(url).host.toLowerCase() : null;
  } catch {
    return null;
  }
};
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The hosts a BackupStorageLocation's signed URLs may point at (empty: none is trusted). */
export function downloadHosts(bsl: { spec?: unknown }): HostRule[] {
  const spec = rec(bsl.spec);
  const provider = (str(spec.provider) ?? "").replace(/^velero\.io\//, "");
  const config = rec(spec.config);
  const bucket = (str(rec(spec.objectStorage).bucket) ?? "").toLowerCase();
  // Velero signs with publicUrl when the location has one, else with s3Url.
  const endpoint = hostOf(str(config.publicUrl)) ?? hostOf(str(config.s3Url));
  if (provider === "aws") {
    if (endpoint) {
      const pathStyle = str(config.s3ForcePathStyle) === "true";
      return pathStyle || !bucket ? [{ host: endpoint }] : [{ host: endpoint }, { host: `${bucket}.${endpoint}` }];
    }
    // AWS itself: the bucket's regional (or global, or dual-stack) S3 host, path- or virtual-hosted style.
    const b = bucket ? `(${escape(bucket)}\\.)?` : "";
    return [
      {
        pattern: new RegExp(`^${b}s3([.-](dualstack\\.)?[a-z0-9-]+)?\\.amazonaws\\.com(\\.cn)?$`),
        what: "AWS S3",
      },
    ];
  }
  if (provider === "azure") {
    const uri = hostOf(str(config.storageAccountURI));
    const account = str(config.storageAccount)?.toLowerCase();
    return uri ? [{ host: uri }] : account ? [{ host: `${account}.blob.core.windows.net` }] : [];
  }
  if (provider === "gcp") return [{ host: "storage.googleapis.com" }];
  return endpoint ? [{ host: endpoint }] : [];
}

const allowed = (host: string, rules: HostRule[]) =>
  rules.some((r) => ("host" in r ? r.host === host : r.pattern.test(host)));

// ---- Cache of files that cannot change ----

const CACHE_BYTES = 64 * 1024 * 1024;
const cache = new Map<string, Buffer>();
let cached = 0;

function remember(key: string, buf: Buffer) {
  if (buf.length > CACHE_BYTES / 4) return;
  cache.delete(key);
  cache.set(key, buf);
  cached += buf.length;
  for (const [k, v] of cache) {
    if (cached <= CACHE_BYTES) break;
    cache.delete(k);
    cached -= v.length;
  }
}

function recall(key: string): Buffer | undefined {
  const buf = cache.get(key);
  if (buf) {
    cache.delete(key);
    cache.set(key, buf); // most recently used last
  }
  return buf;
}

// ---- The download ----

let agent: Dispatcher | undefined;
const downloadAgent = () => (agent ??= outboundAgent());

/** What the read model knows of the file's owner: whether it is finished (its files final) and where it is stored. */
async function ownerOf(d: Deps, clusterId: string, target: { kind: DownloadKind; name: string }) {
  const restore = target.kind.startsWith("Restore");
  const owner = await d.db.veleroObject.findFirst({
    where: { clusterId, kind: restore ? "restores" : "backups", name: target.name },
    select: { uid: true, phase: true, spec: true },
  });
  if (!owner) return null;
  const backupName = restore ? str(rec(owner.spec).backupName) : target.name;
  const backup = backupName
    ? await d.db.veleroObject.findFirst({
        where: { clusterId, kind: "backups", name: backupName },
        select: { spec: true },
      })
    : null;
  const bslName = str(rec(backup?.spec).storageLocation) ?? "default";
  const bsl = await d.db.veleroObject.findFirst({
    where: { clusterId, kind: "backupstoragelocations", name: bslName },
    select: { spec: true },
  });
  return {
    final: isTerminal(restore ? "Restore" : "Backup", owner.phase),
    cacheKey: `${clusterId}/${owner.uid}/${target.kind}`,
    bslName,
    hosts: bsl ? downloadHosts(bsl) : [],
  };
}

/** Drops a response body without reading it (its abort is expected, not an error to report). */
function discard(body: Dispatcher.ResponseData["body"]) {
  body.on("error", () => undefined);
  body.destroy();
}

/** Reads at most `max` bytes of a body, aborting the transfer past it. */
async function readCapped(body: Dispatcher.ResponseData["body"], max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > max) {
      discard(body);
      throw new AppError(
        "PRECONDITION_FAILED",
        `The ${what} is larger than ${max / 2 ** 20} MiB; Lifeboat stopped reading it`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

export async function fetchSigned(url: string, owner: { bslName: string; hosts: HostRule[] }, what: DownloadKind) {
  const verdict = await checkOutboundUrl(url, { schemes: ["https", "http"] });
  if (!verdict.ok) throw new AppError("PRECONDITION_FAILED", `Velero's download URL was refused: ${verdict.reason}`);
  const host = verdict.url.host.toLowerCase();
  if (!allowed(host, owner.hosts))
    throw new AppError(
      "PRECONDITION_FAILED",
      `Velero's download URL for the ${what} points at ${host}, which is not the endpoint of the location ` +
        `${owner.bslName}${owner.hosts.length ? "" : " (Lifeboat does not know that location's endpoint)"}; Lifeboat did not fetch it`,
    );
  let res: Dispatcher.ResponseData;
  try {
    // undici's request: no redirects followed, no Content-Encoding decoded.
    res = await request(verdict.url, {
      dispatcher: downloadAgent(),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { "accept-encoding": "identity" },
    });
  } catch (e) {
    const refusal = outboundRefusal(e);
    const cause = refusal ?? (e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e));
    throw new AppError("PRECONDITION_FAILED", `The bucket could not be reached at ${host} for the ${what}: ${cause}`);
  }
  if (res.statusCode >= 300 && res.statusCode < 400) {
    discard(res.body);
    throw new AppError(
      "PRECONDITION_FAILED",
      `The bucket answered the ${what} download with a redirect (${res.statusCode}), which Lifeboat does not follow`,
    );
  }
  if (res.statusCode === 404) {
    discard(res.body);
    return null;
  }
  if (res.statusCode >= 400) {
    discard(res.body);
    throw new AppError("PRECONDITION_FAILED", `The bucket answered ${res.statusCode} for the ${what}`);
  }
  const encoding = String(res.headers["content-encoding"] ?? "identity").toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip") {
    discard(res.body);
    throw new AppError(
      "PRECONDITION_FAILED",
      `The bucket sent the ${what} encoded as ${encoding}, which Lifeboat does not unpack`,
    );
  }
  const body = await readCapped(res.body, MAX_DOWNLOAD_BYTES, what);
  try {
    return zlib.gunzipSync(body, { maxOutputLength: MAX_UNZIPPED_BYTES });
  } catch (e) {
    throw new AppError(
      "PRECONDITION_FAILED",
      `The ${what} could not be unpacked (${e instanceof Error ? e.message : String(e)})`,
    );
  }
}

export async function downloadVeleroFile(
  d: Deps,
  clusterId: string,
  client: ClusterClient,
  target: { kind: DownloadKind; name: string },
  opts: { timeoutMs?: number } = {},
): Promise<Buffer | null> {
  const owner = await ownerOf(d, clusterId, target);
  if (!owner) return null;
  if (owner.final) {
    const hit = recall(owner.cacheKey);
    if (hit) return hit;
  }
  const name = `lifeboat-${crypto.randomBytes(5).toString("hex")}`;
  try {
    await d.kube.createVeleroObject(client, "downloadrequests", downloadRequestManifest(name, target));
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    let url: string | undefined;
    // Asked again after 200 ms, then less often (at most every second): Velero usually answers within a second, and
    // a backup whose files cannot be had must not cost its cluster five requests a second until the deadline.
    for (let delay = 200; !url; delay = Math.min(delay * 2, 1_000)) {
      const dr = await d.kube.getVeleroObject(client, "downloadrequests", name);
      url = dr?.status?.phase === "Processed" ? dr.status.downloadURL : undefined;
      if (url) break;
      if (Date.now() > deadline)
        throw new AppError(
          "PRECONDITION_FAILED",
          "Velero did not answer the download request in time (is the backup in a location this cluster can reach?)",
        );
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
    }
    const buf = await fetchSigned(url, owner, target.kind);
    if (buf && owner.final) remember(owner.cacheKey, buf);
    return buf;
  } catch (e) {
    if (e instanceof ClusterError)
      throw new AppError(
        "PRECONDITION_FAILED",
        `Could not ask Velero for the ${target.kind} (${e.kind}): ${e.message}`,
      );
    throw e;
  } finally {
    await d.kube.deleteVeleroObject(client, "downloadrequests", name).catch(() => undefined);
  }
}
