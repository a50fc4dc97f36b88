-- The read model of Velero objects and the sync engine's per-cluster, per-kind position.
-- CreateTable
CREATE TABLE "VeleroObject" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "uid" TEXT NOT NULL,
    "resourceVersion" TEXT NOT NULL,
    "phase" TEXT,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "spec" JSONB NOT NULL DEFAULT '{}',
    "status" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3),
    "observedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VeleroObject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncState" (
    "clusterId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "resourceVersion" TEXT NOT NULL DEFAULT '',
    "lastListAt" TIMESTAMP(3),
    "lastEventAt" TIMESTAMP(3),
    "lastError" TEXT,
    "relists" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SyncState_pkey" PRIMARY KEY ("clusterId","kind")
);

-- CreateIndex
CREATE INDEX "VeleroObject_clusterId_kind_phase_idx" ON "VeleroObject"("clusterId", "kind", "phase");

-- CreateIndex
CREATE INDEX "VeleroObject_kind_phase_idx" ON "VeleroObject"("kind", "phase");

-- CreateIndex
CREATE UNIQUE INDEX "VeleroObject_clusterId_kind_namespace_name_key" ON "VeleroObject"("clusterId", "kind", "namespace", "name");


-- AddForeignKey
ALTER TABLE "VeleroObject" ADD CONSTRAINT "VeleroObject_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncState" ADD CONSTRAINT "SyncState_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
