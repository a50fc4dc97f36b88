-- #14 §2: the pre-flight check's prediction for a restore Lifeboat created, shown beside the restore's results.
CREATE TABLE "RestorePrediction" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "restoreName" TEXT NOT NULL,
    "backupName" TEXT NOT NULL,
    "prediction" JSONB NOT NULL,
    "verdict" TEXT NOT NULL,
    "findings" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RestorePrediction_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "RestorePrediction_clusterId_restoreName_key" ON "RestorePrediction"("clusterId", "restoreName");

ALTER TABLE "RestorePrediction" ADD CONSTRAINT "RestorePrediction_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
