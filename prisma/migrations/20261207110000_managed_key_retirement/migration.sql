-- A managed location's key rotation that a lagging cluster has not taken yet (#11 §1): the old IAM key stays active
-- until every cluster holding the location has the new one; the managed-stacks reconciler then retires it.

-- AlterTable
ALTER TABLE "ManagedStack" ADD COLUMN "retiringKeyId" TEXT;
