-- The two cluster access levels (#12 plan §5): what the probe found Lifeboat may do on a cluster ("operate": run
-- backups and restores against a Velero installed by someone else; "manage Velero": install, upgrade and remove Velero
-- itself), the "manage" rows it lacks, and the namespace of Lifeboat's service account (from a SelfSubjectReview), where
-- Velero's installer Job runs.

-- CreateEnum
CREATE TYPE "ClusterAccessLevel" AS ENUM ('NONE', 'OPERATE', 'MANAGE');

-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN "accessLevel" "ClusterAccessLevel" NOT NULL DEFAULT 'NONE',
ADD COLUMN "missingManageAccess" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "lifeboatNamespace" TEXT;
