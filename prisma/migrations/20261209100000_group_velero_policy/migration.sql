-- A cluster group's Velero policy (#12 §3): the settings every cluster of the group runs Velero with, applied by the
-- velero-group-policy reconciler; and per cluster what the policy did there (its last operation, a retry asked for, a
-- start that was refused).

-- CreateTable
CREATE TABLE "GroupVeleroPolicy" (
    "id" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "settings" JSONB NOT NULL,
    "whenBusy" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "GroupVeleroPolicy_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "GroupVeleroPolicy_whenBusy_check" CHECK ("whenBusy" IN ('refuse', 'wait'))
);

CREATE TABLE "GroupVeleroPolicyCluster" (
    "policyId" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "operationId" TEXT,
    "retryPastId" TEXT,
    "refusal" TEXT,
    "refusalDigest" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "GroupVeleroPolicyCluster_pkey" PRIMARY KEY ("policyId", "clusterId")
);

-- CreateIndex
CREATE UNIQUE INDEX "GroupVeleroPolicy_groupId_key" ON "GroupVeleroPolicy"("groupId");
CREATE INDEX "GroupVeleroPolicyCluster_clusterId_idx" ON "GroupVeleroPolicyCluster"("clusterId");

-- AddForeignKey
ALTER TABLE "GroupVeleroPolicy" ADD CONSTRAINT "GroupVeleroPolicy_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ClusterGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GroupVeleroPolicyCluster" ADD CONSTRAINT "GroupVeleroPolicyCluster_policyId_fkey" FOREIGN KEY ("policyId") REFERENCES "GroupVeleroPolicy"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GroupVeleroPolicyCluster" ADD CONSTRAINT "GroupVeleroPolicyCluster_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
