-- Floods and secrets at rest (#9 §4, §5).
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
