-- #13 volume coverage and recovery points: a recovery point objective per cluster group, and what each finished
-- backup really did with its volumes.
ALTER TABLE "ClusterGroup" ADD COLUMN "rpoHours" INTEGER NOT NULL DEFAULT 24;

CREATE TABLE "BackupDigest" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "backupName" TEXT NOT NULL,
    "backupUid" TEXT NOT NULL,
    "phase" TEXT NOT NULL,
    "location" TEXT NOT NULL DEFAULT '',
    "completedAt" TIMESTAMP(3),
    "bytes" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "volumes" JSONB NOT NULL DEFAULT '[]',
    "errorNamespaces" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "namespaces" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "namespacesKnown" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "fetchedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BackupDigest_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "BackupDigest_clusterId_backupName_key" ON "BackupDigest"("clusterId", "backupName");
CREATE INDEX "BackupDigest_nextAttemptAt_idx" ON "BackupDigest"("nextAttemptAt");

ALTER TABLE "BackupDigest" ADD CONSTRAINT "BackupDigest_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "CoverageSummary" (
    "clusterId" TEXT NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "volumes" INTEGER NOT NULL DEFAULT 0,
    "covered" INTEGER NOT NULL DEFAULT 0,
    "summary" JSONB NOT NULL DEFAULT '{}',
    "breaches" INTEGER NOT NULL DEFAULT 0,
    "namespaces" INTEGER NOT NULL DEFAULT 0,
    "problems" TEXT[] DEFAULT ARRAY[]::TEXT[],

    CONSTRAINT "CoverageSummary_pkey" PRIMARY KEY ("clusterId")
);

ALTER TABLE "CoverageSummary" ADD CONSTRAINT "CoverageSummary_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
