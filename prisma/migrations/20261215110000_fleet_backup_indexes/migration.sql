-- The fleet overview and the dashboard (#15, P3/P6) ask per cluster for its newest backup, its newest completed one,
-- how many run and how many failed in the last day, over the backups it made itself (not the copies Velero syncs from
-- shared locations). With these two indexes each is a short lookup per cluster shown, instead of an aggregate over every
-- backup row of every visible cluster.
CREATE INDEX "VeleroObject_own_backups_phase_idx" ON "VeleroObject" ("clusterId", phase, "createdAt" DESC NULLS LAST)
  WHERE kind = 'backups' AND NOT "syncedCopy";
CREATE INDEX "VeleroObject_own_backups_newest_idx" ON "VeleroObject" ("clusterId", "createdAt" DESC NULLS LAST)
  WHERE kind = 'backups' AND NOT "syncedCopy";
