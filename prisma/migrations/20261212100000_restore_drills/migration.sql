-- #14 §4 restore drills: a backup restored into drill namespaces, checked, timed and cleaned up; and drills run on a
-- schedule of a Velero Schedule's latest backup.
CREATE TYPE "DrillPhase" AS ENUM ('RESTORING', 'VERIFYING', 'CLEANING', 'PASSED', 'FAILED');

CREATE TYPE "DrillVerdict" AS ENUM ('PASSED', 'FAILED');

CREATE TABLE "DrillSchedule" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "sourceClusterId" TEXT NOT NULL,
    "scheduleName" TEXT NOT NULL,
    "namespaces" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "cron" TEXT,
    "intervalDays" INTEGER NOT NULL DEFAULT 7,
    "keep" BOOLEAN NOT NULL DEFAULT false,
    "verifyTimeoutSeconds" INTEGER NOT NULL DEFAULT 300,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "lastRunAt" TIMESTAMP(3),
    "nextRunAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastDrillId" TEXT,
    "lastError" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DrillSchedule_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "RestoreDrill" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "sourceClusterId" TEXT,
    "backupName" TEXT NOT NULL,
    "scheduleName" TEXT,
    "drillScheduleId" TEXT,
    "restoreName" TEXT NOT NULL,
    "namespaces" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "mapping" JSONB NOT NULL DEFAULT '{}',
    "keep" BOOLEAN NOT NULL DEFAULT false,
    "phase" "DrillPhase" NOT NULL DEFAULT 'RESTORING',
    "verdict" "DrillVerdict",
    "verifyTimeoutSeconds" INTEGER NOT NULL DEFAULT 300,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "restoredAt" TIMESTAMP(3),
    "verifiedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "recoverySeconds" INTEGER,
    "checks" JSONB NOT NULL DEFAULT '{}',
    "failureReason" TEXT,
    "cleanedAt" TIMESTAMP(3),
    "cleanupError" TEXT,
    "lastError" TEXT,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RestoreDrill_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "DrillSchedule_clusterId_sourceClusterId_scheduleName_key" ON "DrillSchedule"("clusterId", "sourceClusterId", "scheduleName");
CREATE INDEX "DrillSchedule_sourceClusterId_idx" ON "DrillSchedule"("sourceClusterId");
CREATE INDEX "DrillSchedule_enabled_nextRunAt_idx" ON "DrillSchedule"("enabled", "nextRunAt");

CREATE UNIQUE INDEX "RestoreDrill_clusterId_restoreName_key" ON "RestoreDrill"("clusterId", "restoreName");
CREATE INDEX "RestoreDrill_phase_nextAttemptAt_idx" ON "RestoreDrill"("phase", "nextAttemptAt");
CREATE INDEX "RestoreDrill_sourceClusterId_idx" ON "RestoreDrill"("sourceClusterId");
CREATE INDEX "RestoreDrill_drillScheduleId_idx" ON "RestoreDrill"("drillScheduleId");
CREATE INDEX "RestoreDrill_clusterId_startedAt_idx" ON "RestoreDrill"("clusterId", "startedAt");

ALTER TABLE "DrillSchedule" ADD CONSTRAINT "DrillSchedule_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "DrillSchedule" ADD CONSTRAINT "DrillSchedule_sourceClusterId_fkey" FOREIGN KEY ("sourceClusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "RestoreDrill" ADD CONSTRAINT "RestoreDrill_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RestoreDrill" ADD CONSTRAINT "RestoreDrill_sourceClusterId_fkey" FOREIGN KEY ("sourceClusterId") REFERENCES "Cluster"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "RestoreDrill" ADD CONSTRAINT "RestoreDrill_drillScheduleId_fkey" FOREIGN KEY ("drillScheduleId") REFERENCES "DrillSchedule"("id") ON DELETE SET NULL ON UPDATE CASCADE;
