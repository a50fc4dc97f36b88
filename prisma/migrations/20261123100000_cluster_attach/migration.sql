-- Attached clusters: connection, detection and the reference to the sealed kubeconfig.
CREATE TYPE "ClusterState" AS ENUM ('PENDING', 'CONNECTED', 'DISCONNECTED');

ALTER TABLE "Cluster"
    ADD COLUMN "description" TEXT NOT NULL DEFAULT '',
    ADD COLUMN "server" TEXT NOT NULL DEFAULT '',
    ADD COLUMN "contextName" TEXT NOT NULL DEFAULT '',
    ADD COLUMN "kubeconfigSecretId" TEXT,
    ADD COLUMN "labels" JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN "kubernetesVersion" TEXT,
    ADD COLUMN "state" "ClusterState" NOT NULL DEFAULT 'PENDING',
    ADD COLUMN "failedChecks" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "lastSeenAt" TIMESTAMP(3),
    ADD COLUMN "lastCheckAt" TIMESTAMP(3),
    ADD COLUMN "lastError" TEXT,
    ADD COLUMN "missingAccess" TEXT[] DEFAULT ARRAY[]::TEXT[],
    ADD COLUMN "velero" JSONB,
    ADD COLUMN "attachedById" TEXT;

CREATE UNIQUE INDEX "Cluster_kubeconfigSecretId_key" ON "Cluster"("kubeconfigSecretId");
