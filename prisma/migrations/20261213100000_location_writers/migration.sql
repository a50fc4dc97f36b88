-- One writer per bucket and prefix (#14 §3): a location can be made ReadOnly everywhere without losing its assignments'
-- modes, and a group assignment names the clusters that write (ReadWrite); every other cluster of the group is ReadOnly.
ALTER TABLE "Location" ADD COLUMN "readOnly" BOOLEAN NOT NULL DEFAULT false;
-- Where a deployment was last applied (null: before this column; then its location's place counts).
ALTER TABLE "LocationDeployment" ADD COLUMN "storageKey" TEXT;
CREATE INDEX "LocationDeployment_storageKey_idx" ON "LocationDeployment"("storageKey");

CREATE TABLE "LocationWriter" (
    "assignmentId" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    CONSTRAINT "LocationWriter_pkey" PRIMARY KEY ("assignmentId", "clusterId")
);
CREATE INDEX "LocationWriter_clusterId_idx" ON "LocationWriter"("clusterId");
ALTER TABLE "LocationWriter" ADD CONSTRAINT "LocationWriter_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "LocationAssignment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "LocationWriter" ADD CONSTRAINT "LocationWriter_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A location made read-only with the old switch (every assignment ReadOnly) is read-only everywhere now.
UPDATE "Location" l SET "readOnly" = true
WHERE EXISTS (SELECT 1 FROM "LocationAssignment" a WHERE a."locationId" = l."id")
  AND NOT EXISTS (SELECT 1 FROM "LocationAssignment" a WHERE a."locationId" = l."id" AND a."readOnly" = false);

-- What was read-write through a group stays so: every cluster of the group is a writer of that assignment.
INSERT INTO "LocationWriter" ("assignmentId", "clusterId")
SELECT a."id", c."id" FROM "LocationAssignment" a JOIN "Cluster" c ON c."groupId" = a."clusterGroupId"
WHERE a."clusterGroupId" IS NOT NULL AND a."readOnly" = false;
UPDATE "LocationAssignment" SET "readOnly" = true WHERE "clusterGroupId" IS NOT NULL;
