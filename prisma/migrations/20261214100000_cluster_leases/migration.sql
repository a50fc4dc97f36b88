-- Several console processes share the fleet (#15): each attached cluster is owned by one process at a time, through a
-- lease per cluster (holder, expiry, and a token that grows with every change of holder: writes made for the lease
-- carry it, so a process that lost its lease cannot overwrite the new owner's work). Each live process says so in
-- ControllerMember, so a fair share is the attached clusters divided by the live members.
CREATE TABLE "ClusterLease" (
    "clusterId" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "token" BIGINT NOT NULL DEFAULT 1,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "acquiredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ClusterLease_pkey" PRIMARY KEY ("clusterId")
);
CREATE INDEX "ClusterLease_holder_idx" ON "ClusterLease"("holder");
ALTER TABLE "ClusterLease" ADD CONSTRAINT "ClusterLease_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "ControllerMember" (
    "holder" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ControllerMember_pkey" PRIMARY KEY ("holder")
);
