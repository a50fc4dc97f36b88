import type { Deps } from "../../composition";
import { AppError, notFound } from "../../errors";
import { publish } from "../../events/bus";
import type { BucketLock } from "../../storage/aws/bucket";
import { stackError } from "../../storage/aws/stacks";
import { accountAt, loadStack, type StackRow } from "./managed-locations";

// A deleted managed location's kept bucket (#11 §1 lifecycle). Deleting a location keeps its bucket and backups
// (DeletionPolicy Retain); emptying and deleting the bucket is a separate action: the console first says what it
// destroys (the number of Velero backups, the object lock), the operator types the bucket's name, and the managed-stacks
// reconciler then deletes every object version and delete marker a page at a time (with the AWS account credential),
// and the bucket last. A bucket under COMPLIANCE retention is refused: nobody can delete its objects before their
// retention ends. GOVERNANCE retention is bypassed, as the confirmation says.

/** Refusals in a row after which emptying stops and the bucket is kept again (the reason stays on the row). */
export const EMPTY_TRIES = 5;
/** How long one reconciler step deletes pages before it yields to the other rows (it continues on the next pass). */
const STEP_BUDGET_MS = 10_000;

export interface BucketContents {
  bucket: string;
  region: string;
  /** Velero backups under the location's prefix (the folders under `<prefix>/backups/`). */
  backups: number;
  lock: BucketLock | null;
  /** Why Lifeboat will not empty it, or null. */
  refusal: string | null;
}

async function keptBucket(d: Deps, id: string) {
  const row = await loadStack(d, id);
  const bucket = ((row?.outputs ?? {}) as Record<string, string>).BucketName;
  const kept = row?.bucketPhase === "RETAINED" || row?.bucketPhase === "EMPTYING";
  if (!row || !bucket || row.mode !== "LIFEBOAT" || row.locationId || !kept) throw notFound("Kept bucket");
  const prefix = String((row.options as { prefix?: unknown }).prefix ?? "");
  return { row, bucket, prefix, port: d.aws.bucket(await accountAt(d, row.accountCredentialId, row.region)) };
}

function lockRefusal(lock: BucketLock | null): string | null {
  if (lock?.mode !== "COMPLIANCE") return null;
  const span = lock.days ? `${lock.days} days` : lock.years ? `${lock.years} years` : "its retention";
  return (
    `The bucket has object lock in COMPLIANCE mode (${span}): no one, not even the account's root user, can delete an ` +
    "object version before its retention ends. Lifeboat will not start what it cannot finish; the bucket stays. " +
    "Delete it in the account once the retention of its newest backup has passed."
  );
}

const bucketFailure = (e: unknown, what: string) => new AppError("PRECONDITION_FAILED", stackError(e, what).message);

/** What emptying the kept bucket would destroy, read from the bucket now. */
export async function keptBucketContents(d: Deps, id: string): Promise<BucketContents> {
  return contentsOf(await keptBucket(d, id));
}

async function contentsOf({
  row,
  bucket,
  prefix,
  port,
}: Awaited<ReturnType<typeof keptBucket>>): Promise<BucketContents> {
  try {
    const [backups, lock] = await Promise.all([port.countBackups(bucket, prefix), port.objectLock(bucket)]);
    return { bucket, region: row.region, backups, lock, refusal: lockRefusal(lock) };
  } catch (e) {
    throw bucketFailure(e, `read the bucket ${bucket}`);
  }
}

/**
 * Starts emptying and deleting the kept bucket, once the operator typed its name and confirmed the number of backups
 * it holds; if that number changed since (a cluster still backing up into it), nothing starts and the answer says so.
 */
export async function emptyKeptBucket(d: Deps, input: { id: string; confirmBucket: string; backups: number }) {
  const kept = await keptBucket(d, input.id);
  const { row, bucket } = kept;
  if (row.bucketPhase !== "RETAINED") throw new AppError("CONFLICT", `The bucket ${bucket} is being emptied already`);
  if (input.confirmBucket.trim() !== bucket)
    throw new AppError("BAD_REQUEST", `Type the bucket's name, ${bucket}, to confirm. Nothing was deleted.`);
  const now = await contentsOf(kept);
  if (now.refusal) throw new AppError("PRECONDITION_FAILED", now.refusal);
  if (now.backups !== input.backups)
    throw new AppError(
      "CONFLICT",
      `The bucket holds ${now.backups} backups now, not ${input.backups}: look again before confirming. Nothing was deleted.`,
    );
  await d.db.managedStack.update({
    where: { id: row.id },
    data: {
      bucketPhase: "EMPTYING",
      bucketBackups: now.backups,
      bucketObjectsDeleted: 0,
      statusReason: null,
      attempts: 0,
      nextPollAt: new Date(),
    },
  });
  await publish(d.db, { topic: "locations" });
  return { id: row.id, bucket, backups: now.backups };
}

/** One reconciler step: delete pages of object versions for a while; when a listing comes back empty, the bucket. */
export async function emptyBucketStep(d: Deps, row: StackRow): Promise<void> {
  const bucket = ((row.outputs ?? {}) as Record<string, string>).BucketName;
  if (!bucket) {
    await d.db.managedStack.update({ where: { id: row.id }, data: { bucketPhase: null } });
    return;
  }
  const port = d.aws.bucket(await accountAt(d, row.accountCredentialId, row.region));
  const lock = await port.objectLock(bucket).catch((e: unknown) => {
    // A bucket already gone has nothing left to empty.
    if ((e as { name?: string }).name === "NoSuchBucket") return "gone" as const;
    throw e;
  });
  if (lock === "gone") {
    await d.db.managedStack.update({
      where: { id: row.id },
      data: { bucketPhase: "DELETED", statusReason: null, attempts: 0 },
    });
    return;
  }
  const refusal = lockRefusal(lock);
  if (refusal) throw new AppError("PRECONDITION_FAILED", refusal);
  const started = Date.now();
  let deleted = 0;
  let empty = false;
  try {
    while (Date.now() - started < STEP_BUDGET_MS) {
      const page = await port.deletePage(bucket, lock !== null);
      deleted += page.deleted;
      if (!page.more) {
        empty = true;
        break;
      }
      if (page.deleted === 0) {
        const r = page.refused[0];
        throw new AppError(
          "PRECONDITION_FAILED",
          `S3 refused to delete ${r?.key ?? "the objects"}: ${r?.code ?? "Error"} ${r?.message ?? ""}`.trim(),
        );
      }
    }
    if (empty) await port.deleteBucket(bucket);
  } finally {
    if (deleted)
      await d.db.managedStack.update({
        where: { id: row.id },
        data: { bucketObjectsDeleted: { increment: deleted } },
      });
  }
  await d.db.managedStack.update({
    where: { id: row.id },
    data: empty
      ? { bucketPhase: "DELETED", statusReason: null, attempts: 0 }
      : { attempts: 0, statusReason: null, nextPollAt: new Date() },
  });
}
