import crypto from "node:crypto";
import zlib from "node:zlib";
import type { Deps } from "../../composition";
import { AppError } from "../../errors";
import { checkOutboundUrl } from "../../security/outbound-url";
import { ClusterError } from "../../kube/errors";
import type { ClusterClient } from "../../kube/cluster-client";

// Files of a backup, fetched as Velero's CLI does: a DownloadRequest, Velero answers with a signed URL to the object
// in the bucket, Lifeboat fetches it (through the outbound-URL guard), then removes the request.
export type DownloadKind =
  "BackupLog" | "BackupResults" | "BackupResourceList" | "BackupVolumeInfos" | "RestoreLog" | "RestoreResults";
const MAX_BYTES = 8 * 1024 * 1024;
const MAX_UNZIPPED_BYTES = 64 * 1024 * 1024;

/** The DownloadRequest Velero answers with a signed URL to one file of a backup or restore. */
export const downloadRequestManifest = (name: string, target: { kind: DownloadKind; name: string }) =>
  ({
    apiVersion: "velero.io/v1",
    kind: "DownloadRequest",
    metadata: { name, namespace: "velero" },
    spec: { target },
  }) as const;

export async function downloadVeleroFile(
  d: Deps,
  client: ClusterClient,
  target: { kind: DownloadKind; name: string },
  opts: { timeoutMs?: number } = {},
): Promise<Buffer | null> {
  const name = `lifeboat-${crypto.randomBytes(5).toString("hex")}`;
  await d.kube.createVeleroObject(client, "downloadrequests", downloadRequestManifest(name, target));
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    let url: string | undefined;
    while (!url) {
      const dr = await d.kube.getVeleroObject(client, "downloadrequests", name);
      url = dr?.status?.phase === "Processed" ? dr.status.downloadURL : undefined;
      if (url) break;
      if (Date.now() > deadline)
        throw new AppError(
          "PRECONDITION_FAILED",
          "Velero did not answer the download request in time (is the backup in a location this cluster can reach?)",
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    const verdict = await checkOutboundUrl(url, { schemes: ["https", "http"] });
    if (!verdict.ok) throw new AppError("PRECONDITION_FAILED", `Velero's download URL was refused: ${verdict.reason}`);
    // No redirects: the guard checked this URL, not wherever a redirect would lead (a cloud metadata address, say).
    const res = await fetch(url, { signal: AbortSignal.timeout(15_000), redirect: "manual" }).catch((e: unknown) => {
      const cause =
        e instanceof Error && e.cause instanceof Error
          ? `: ${e.cause.message}`
          : e instanceof Error
            ? `: ${e.message}`
            : "";
      throw new AppError(
        "PRECONDITION_FAILED",
        `The bucket could not be reached at ${new URL(url!).host} for the ${target.kind}${cause}`,
      );
    });
    if (res.status >= 300 && res.status < 400)
      throw new AppError(
        "PRECONDITION_FAILED",
        `The bucket answered the ${target.kind} download with a redirect (${res.status}), which Lifeboat does not follow`,
      );
    if (res.status === 404) return null;
    if (!res.ok) throw new AppError("PRECONDITION_FAILED", `The bucket answered ${res.status} for the ${target.kind}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_BYTES)
      throw new AppError("PRECONDITION_FAILED", `The ${target.kind} is larger than ${MAX_BYTES / 2 ** 20} MiB`);
    try {
      return zlib.gunzipSync(body, { maxOutputLength: MAX_UNZIPPED_BYTES });
    } catch (e) {
      throw new AppError(
        "PRECONDITION_FAILED",
        `The ${target.kind} could not be unpacked (${e instanceof Error ? e.message : String(e)})`,
      );
    }
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
