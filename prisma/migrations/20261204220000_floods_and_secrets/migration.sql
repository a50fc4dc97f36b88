-- Floods and secrets at rest (#9 §4, §5).
--
-- The audit trail: every mutation that only changes the database now commits with its audit row (server/trpc/guard.ts).
-- The append-only trigger (AuditEvent_append_only, AuditEvent_no_truncate, in 20261123000000_init) refuses UPDATE,
-- DELETE and TRUNCATE, but the table's owner could still disable or drop it. Run the console under a role that does
-- not own the tables: prisma/roles/console-role.sql grants it INSERT and SELECT on "AuditEvent" and nothing more there
-- (README, "Running under a restricted role"); migrations keep running as the owner (LIFEBOAT_MIGRATE_DATABASE_URL).
-- Sign-in throttle: one row per account or client address, reserved atomically (INSERT … ON CONFLICT DO UPDATE …
-- RETURNING) before the password is checked, so concurrent wrong passwords cannot all pass a count read at once. The
-- failure log it replaces is dropped: its rows only ever fed the throttle.

-- DropTable
DROP TABLE "LoginFailure";

-- CreateTable
CREATE TABLE "LoginThrottle" (
    "key" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "lastAttemptAt" TIMESTAMP(3) NOT NULL,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LoginThrottle_pkey" PRIMARY KEY ("key")
);
