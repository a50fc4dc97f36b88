import { awsClientConfig, CONTROL_PLANE_TIMEOUT_MS, lazyClient } from "./clients";
import type { AwsEndpoint } from "./cloudformation";

// The bucket adapter for a managed location's retained bucket: what Lifeboat needs to say what emptying it destroys
// (Velero's backups in it, its object lock) and to empty and delete it, one page at a time, on the outbound path, with
// the AWS account credential (never the Velero user's key, which may not delete the bucket).

/** A bucket's default object lock, as S3 keeps it (none when the bucket has no lock or no default retention). */
export interface BucketLock {
  mode: "GOVERNANCE" | "COMPLIANCE" | null;
  days: number | null;
  years: number | null;
}

export interface EmptyPage {
  /** Object versions and delete markers removed by this page. */
  deleted: number;
  /** Versions S3 refused to delete, with its reason (e.g. under COMPLIANCE retention), at most a few. */
  refused: { key: string; code: string; message: string }[];
  /** Whether this page found anything to delete (then the next page lists again; an empty page means an empty bucket). */
  more: boolean;
}

/** The S3 calls Lifeboat makes on a managed location's bucket, and nothing else. */
export interface BucketPort {
  /** How many Velero backups the bucket holds under the prefix (the folders under `<prefix>/backups/`), up to `cap`. */
  countBackups(bucket: string, prefix: string, cap?: number): Promise<number>;
  /** Whether the bucket has any object or version at all. */
  isEmpty(bucket: string): Promise<boolean>;
  objectLock(bucket: string): Promise<BucketLock | null>;
  /** Deletes up to 1000 object versions and delete markers, bypassing GOVERNANCE retention when asked. */
  deletePage(bucket: string, bypassGovernance: boolean): Promise<EmptyPage>;
  deleteBucket(bucket: string): Promise<void>;
}

/** Velero's backups folder under a location prefix ("" → "backups/", "a/b" → "a/b/backups/"). */
export function backupsFolder(prefix: string): string {
  const p = prefix.replace(/^\/+|\/+$/g, "");
  return p ? `${p}/backups/` : "backups/";
}

export function bucketPort(at: AwsEndpoint): BucketPort {
  const s3 = lazyClient(
    () => import("@aws-sdk/client-s3"),
    (sdk) =>
      new sdk.S3Client({
        ...awsClientConfig({ ...at, timeoutMs: at.timeoutMs ?? CONTROL_PLANE_TIMEOUT_MS }),
        // moto (tests) answers at one host; AWS itself by the bucket's virtual host.
        forcePathStyle: Boolean(at.endpoint),
      }),
  );
  return {
    async countBackups(bucket, prefix, cap = 100_000) {
      const { sdk, client } = await s3();
      let n = 0;
      let token: string | undefined;
      do {
        const r = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: bucket,
            Prefix: backupsFolder(prefix),
            Delimiter: "/",
            ContinuationToken: token,
          }),
        );
        n += r.CommonPrefixes?.length ?? 0;
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token && n < cap);
      return Math.min(n, cap);
    },
    async isEmpty(bucket) {
      const { sdk, client } = await s3();
      const r = await client.send(new sdk.ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1 }));
      return !r.Versions?.length && !r.DeleteMarkers?.length;
    },
    async objectLock(bucket) {
      const { sdk, client } = await s3();
      try {
        const r = await client.send(new sdk.GetObjectLockConfigurationCommand({ Bucket: bucket }));
        const rule = r.ObjectLockConfiguration?.Rule?.DefaultRetention;
        if (r.ObjectLockConfiguration?.ObjectLockEnabled !== "Enabled") return null;
        const mode = rule?.Mode === "GOVERNANCE" || rule?.Mode === "COMPLIANCE" ? rule.Mode : null;
        return { mode, days: rule?.Days ?? null, years: rule?.Years ?? null };
      } catch (e) {
        if ((e as { name?: string }).name === "ObjectLockConfigurationNotFoundError") return null;
        throw e;
      }
    },
    async deletePage(bucket, bypassGovernance) {
      const { sdk, client } = await s3();
      const r = await client.send(new sdk.ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
      const objects = [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])].flatMap((v) =>
        v.Key ? [{ Key: v.Key, ...(v.VersionId ? { VersionId: v.VersionId } : {}) }] : [],
      );
      if (!objects.length) return { deleted: 0, refused: [], more: false };
      const d = await client.send(
        new sdk.DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: objects, Quiet: true },
          ...(bypassGovernance ? { BypassGovernanceRetention: true } : {}),
        }),
      );
      const refused = (d.Errors ?? []).map((e) => ({
        key: e.Key ?? "",
        code: e.Code ?? "Error",
        message: e.Message ?? "",
      }));
      return { deleted: objects.length - refused.length, refused: refused.slice(0, 5), more: true };
    },
    async deleteBucket(bucket) {
      const { sdk, client } = await s3();
      await client.send(new sdk.DeleteBucketCommand({ Bucket: bucket }));
    },
  };
}
