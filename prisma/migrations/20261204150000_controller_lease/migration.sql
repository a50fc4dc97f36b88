-- The controller runtime's leases: one row per lease name; the holder renews it before it expires, another process
-- takes it over once it has expired. The token grows with every change of holder (a fencing token).
CREATE TABLE "ControllerLease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "token" BIGINT NOT NULL DEFAULT 1,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "acquiredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ControllerLease_pkey" PRIMARY KEY ("name")
);
