-- A cluster whose kubeconfig sets insecure-skip-tls-verify: attached only after an explicit confirmation (#9 §2), and
-- flagged so its page warns that the connection is not verified.

-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN "insecureTls" BOOLEAN NOT NULL DEFAULT false;
