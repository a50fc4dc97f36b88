-- Managed target locations (#11 §1): the CloudFormation stack a managed location is provisioned by, followed by the
-- managed-stacks reconciler (desired state here, observed state from CloudFormation), and the stack's events.

-- CreateEnum
CREATE TYPE "ManagedStackMode" AS ENUM ('LIFEBOAT', 'OPERATOR');

-- CreateEnum
CREATE TYPE "ManagedStackPhase" AS ENUM ('PROVISIONING', 'FINISHING', 'READY', 'FAILED', 'DELETING', 'DELETED');

-- CreateTable
CREATE TABLE "ManagedStack" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "mode" "ManagedStackMode" NOT NULL,
    "accountCredentialId" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "stackName" TEXT NOT NULL,
    "stackId" TEXT,
    "clientRequestToken" TEXT NOT NULL,
    "templateVersion" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "phase" "ManagedStackPhase" NOT NULL,
    "stackStatus" TEXT,
    "statusReason" TEXT,
    "failure" JSONB,
    "outputs" JSONB,
    "veleroCredentialId" TEXT,
    "locationId" TEXT,
    "nextPollAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ManagedStack_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ManagedStackEvent" (
    "id" TEXT NOT NULL,
    "stackRowId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL,
    "logicalId" TEXT NOT NULL,
    "resourceType" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,

    CONSTRAINT "ManagedStackEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ManagedStack_name_key" ON "ManagedStack"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ManagedStack_clientRequestToken_key" ON "ManagedStack"("clientRequestToken");

-- CreateIndex
CREATE UNIQUE INDEX "ManagedStack_veleroCredentialId_key" ON "ManagedStack"("veleroCredentialId");

-- CreateIndex
CREATE UNIQUE INDEX "ManagedStack_locationId_key" ON "ManagedStack"("locationId");

-- CreateIndex
CREATE INDEX "ManagedStack_phase_nextPollAt_idx" ON "ManagedStack"("phase", "nextPollAt");

-- CreateIndex
CREATE UNIQUE INDEX "ManagedStack_accountCredentialId_region_stackName_key" ON "ManagedStack"("accountCredentialId", "region", "stackName");

-- CreateIndex
CREATE INDEX "ManagedStackEvent_stackRowId_timestamp_idx" ON "ManagedStackEvent"("stackRowId", "timestamp");

-- CreateIndex
CREATE UNIQUE INDEX "ManagedStackEvent_stackRowId_eventId_key" ON "ManagedStackEvent"("stackRowId", "eventId");

-- AddForeignKey
ALTER TABLE "ManagedStack" ADD CONSTRAINT "ManagedStack_accountCredentialId_fkey" FOREIGN KEY ("accountCredentialId") REFERENCES "Credential"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ManagedStack" ADD CONSTRAINT "ManagedStack_veleroCredentialId_fkey" FOREIGN KEY ("veleroCredentialId") REFERENCES "Credential"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ManagedStack" ADD CONSTRAINT "ManagedStack_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "Location"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ManagedStackEvent" ADD CONSTRAINT "ManagedStackEvent_stackRowId_fkey" FOREIGN KEY ("stackRowId") REFERENCES "ManagedStack"("id") ON DELETE CASCADE ON UPDATE CASCADE;
