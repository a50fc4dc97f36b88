-- The bucket a managed location's stack kept (#11 §1 lifecycle): deleting the location keeps the bucket and its backups
-- (DeletionPolicy Retain); emptying and deleting it is a separate, confirmed action the managed-stacks reconciler carries
-- out page by page. A deleted stack's row no longer holds its name or stack name, so a new location may reuse them.

-- CreateEnum
CREATE TYPE "ManagedBucketPhase" AS ENUM ('RETAINED', 'EMPTYING', 'DELETED');

-- AlterTable
ALTER TABLE "ManagedStack" ADD COLUMN "bucketPhase" "ManagedBucketPhase",
ADD COLUMN "bucketBackups" INTEGER,
ADD COLUMN "bucketObjectsDeleted" INTEGER NOT NULL DEFAULT 0;

-- The buckets of locations deleted before this migration are kept.
UPDATE "ManagedStack" SET "bucketPhase" = 'RETAINED'
WHERE "mode" = 'LIFEBOAT' AND "phase" IN ('DELETING', 'DELETED') AND "locationId" IS NULL AND "outputs" ? 'BucketName';

-- Names are unique among the stacks still in use only.
DROP INDEX "ManagedStack_name_key";
DROP INDEX "ManagedStack_accountCredentialId_region_stackName_key";
CREATE UNIQUE INDEX "ManagedStack_live_name_key" ON "ManagedStack"("name") WHERE "phase" <> 'DELETED';
CREATE UNIQUE INDEX "ManagedStack_live_stack_key" ON "ManagedStack"("accountCredentialId", "region", "stackName")
WHERE "phase" <> 'DELETED';
CREATE INDEX "ManagedStack_name_idx" ON "ManagedStack"("name");
CREATE INDEX "ManagedStack_accountCredentialId_region_stackName_idx" ON "ManagedStack"("accountCredentialId", "region", "stackName");
CREATE INDEX "ManagedStack_bucketPhase_nextPollAt_idx" ON "ManagedStack"("bucketPhase", "nextPollAt");
