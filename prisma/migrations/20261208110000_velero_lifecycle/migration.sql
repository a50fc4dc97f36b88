-- Velero's lifecycle on a cluster (#12): what Lifeboat applied (VeleroInstallation) and the operations that install it
-- (VeleroOperation), advanced by the velero-installer reconciler.

-- CreateEnum
CREATE TYPE "VeleroManagement" AS ENUM ('OFF', 'ADOPTED', 'MANAGED', 'DISABLED');
CREATE TYPE "VeleroOperationKind" AS ENUM ('INSTALL', 'CONFIGURE', 'UPGRADE', 'TAKE_OVER', 'REPAIR', 'DISABLE');
CREATE TYPE "VeleroOperationPhase" AS ENUM ('PENDING', 'RENDERING', 'REVIEW', 'APPLYING', 'ROLLING_OUT', 'VERIFYING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateTable
CREATE TABLE "VeleroInstallation" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "management" "VeleroManagement" NOT NULL,
    "version" TEXT,
    "appliedSettings" JSONB,
    "appliedObjects" JSONB,
    "appliedDigest" TEXT,
    "lastOperationId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "VeleroInstallation_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "VeleroOperation" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "kind" "VeleroOperationKind" NOT NULL,
    "phase" "VeleroOperationPhase" NOT NULL DEFAULT 'PENDING',
    "stepSeq" INTEGER NOT NULL DEFAULT 0,
    "settings" JSONB NOT NULL,
    "options" JSONB NOT NULL DEFAULT '{}',
    "jobName" TEXT,
    "installerImage" TEXT,
    "args" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "rendered" JSONB,
    "renderedDigest" TEXT,
    "approvedById" TEXT,
    "approvedAt" TIMESTAMP(3),
    "steps" JSONB NOT NULL DEFAULT '[]',
    "progress" JSONB,
    "message" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "deadlineAt" TIMESTAMP(3),
    "nextPollAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ssrName" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),
    CONSTRAINT "VeleroOperation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "VeleroInstallation_clusterId_key" ON "VeleroInstallation"("clusterId");
CREATE INDEX "VeleroOperation_clusterId_createdAt_idx" ON "VeleroOperation"("clusterId", "createdAt");
CREATE INDEX "VeleroOperation_phase_nextPollAt_idx" ON "VeleroOperation"("phase", "nextPollAt");
-- One active operation per cluster: a second start is a unique violation, answered as "already running".
CREATE UNIQUE INDEX "VeleroOperation_one_active" ON "VeleroOperation"("clusterId")
    WHERE "phase" NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED');

-- AddForeignKey
ALTER TABLE "VeleroInstallation" ADD CONSTRAINT "VeleroInstallation_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "VeleroOperation" ADD CONSTRAINT "VeleroOperation_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
