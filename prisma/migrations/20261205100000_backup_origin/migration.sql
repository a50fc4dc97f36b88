-- Backups synced from a shared location (#10 §3, §5). Velero copies the backups of a BackupStorageLocation into every
-- cluster that has it; such a copy is created after it completed and carries no lifeboat.io/cluster label of the cluster
-- it sits in. The sync engine decides it per row (server/services/backups/projection.ts, backupOrigin) and stores it
-- here, so the lists, the detail and the overview read one answer.

-- AlterTable
ALTER TABLE "VeleroObject" ADD COLUMN "syncedCopy" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "originCluster" TEXT;

-- Rows synced before this migration: the same rule, with the cluster's name as its label value (true for every name
-- that is a valid label value; the next write of a row decides it exactly).
UPDATE "VeleroObject" v
SET "originCluster" = v.labels->>'lifeboat.io/cluster',
    "syncedCopy" = (
      v."createdAt" IS NOT NULL
      AND (v.status->>'completionTimestamp') IS NOT NULL
      AND v."createdAt" > ((v.status->>'completionTimestamp')::timestamptz AT TIME ZONE 'UTC')
      AND (v.labels->>'lifeboat.io/cluster') IS DISTINCT FROM c.name
    )
FROM "Cluster" c
WHERE c.id = v."clusterId" AND v.kind = 'backups';

-- CreateIndex
CREATE INDEX "VeleroObject_kind_syncedCopy_idx" ON "VeleroObject"("kind", "syncedCopy");
