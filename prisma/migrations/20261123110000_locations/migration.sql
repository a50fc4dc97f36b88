-- Data-protection credentials (sealed keys), self-provisioned target locations, their assignments and per-cluster deployments.
-- CreateEnum
CREATE TYPE "CredentialProvider" AS ENUM ('AWS');

-- CreateEnum
CREATE TYPE "LocationProvider" AS ENUM ('AWS_S3', 'S3_COMPATIBLE');

-- CreateTable
CREATE TABLE "Credential" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "provider" "CredentialProvider" NOT NULL DEFAULT 'AWS',
    "description" TEXT NOT NULL DEFAULT '',
    "keyIdMasked" TEXT NOT NULL,
    "sealedSecretId" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Location" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "provider" "LocationProvider" NOT NULL,
    "bucket" TEXT NOT NULL,
    "prefix" TEXT NOT NULL DEFAULT '',
    "region" TEXT NOT NULL DEFAULT '',
    "endpoint" TEXT NOT NULL DEFAULT '',
    "pathStyle" BOOLEAN NOT NULL DEFAULT false,
    "caBundle" TEXT,
    "credentialId" TEXT NOT NULL,
    "lastProbeAt" TIMESTAMP(3),
    "lastProbeMessage" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Location_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LocationAssignment" (
    "id" TEXT NOT NULL,
    "locationId" TEXT NOT NULL,
    "clusterGroupId" TEXT,
    "clusterId" TEXT,
    "readOnly" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LocationAssignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LocationDeployment" (
    "id" TEXT NOT NULL,
    "locationId" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "bslName" TEXT NOT NULL,
    "readOnly" BOOLEAN NOT NULL DEFAULT false,
    "phase" TEXT,
    "message" TEXT,
    "lastValidationTime" TIMESTAMP(3),
    "appliedAt" TIMESTAMP(3),
    "error" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LocationDeployment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Credential_name_key" ON "Credential"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Credential_sealedSecretId_key" ON "Credential"("sealedSecretId");

-- CreateIndex
CREATE UNIQUE INDEX "Location_name_key" ON "Location"("name");

-- CreateIndex
CREATE INDEX "Location_credentialId_idx" ON "Location"("credentialId");

-- CreateIndex
CREATE INDEX "LocationAssignment_locationId_idx" ON "LocationAssignment"("locationId");

-- CreateIndex
CREATE INDEX "LocationAssignment_clusterGroupId_idx" ON "LocationAssignment"("clusterGroupId");

-- CreateIndex
CREATE INDEX "LocationAssignment_clusterId_idx" ON "LocationAssignment"("clusterId");

-- CreateIndex
CREATE INDEX "LocationDeployment_clusterId_idx" ON "LocationDeployment"("clusterId");

-- CreateIndex
CREATE UNIQUE INDEX "LocationDeployment_locationId_clusterId_key" ON "LocationDeployment"("locationId", "clusterId");


-- AddForeignKey
ALTER TABLE "Location" ADD CONSTRAINT "Location_credentialId_fkey" FOREIGN KEY ("credentialId") REFERENCES "Credential"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LocationAssignment" ADD CONSTRAINT "LocationAssignment_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "Location"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LocationAssignment" ADD CONSTRAINT "LocationAssignment_clusterGroupId_fkey" FOREIGN KEY ("clusterGroupId") REFERENCES "ClusterGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LocationAssignment" ADD CONSTRAINT "LocationAssignment_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LocationDeployment" ADD CONSTRAINT "LocationDeployment_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "Location"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LocationDeployment" ADD CONSTRAINT "LocationDeployment_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- An assignment names exactly one target, once.
ALTER TABLE "LocationAssignment" ADD CONSTRAINT "LocationAssignment_one_target" CHECK (num_nonnulls("clusterGroupId", "clusterId") = 1);
CREATE UNIQUE INDEX "LocationAssignment_unique" ON "LocationAssignment" ("locationId", COALESCE("clusterGroupId", ''), COALESCE("clusterId", ''));
