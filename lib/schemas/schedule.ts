import { z } from "zod";
import { clusterState } from "./overview";
import { id } from "./admin";
import { backupInput, objectName } from "./protection";

// What the browser receives about schedules (schedule.list|get|preview|create|update|pause|unpause|delete).

/** The newest Backup a Schedule made (by its velero.io/schedule-name label). */
export const scheduleLastBackup = z.object({
  name: z.string(),
  phase: z.string(),
  startedAt: z.date().nullable(),
  completedAt: z.date().nullable(),
  errors: z.number(),
  warnings: z.number(),
  failureReason: z.string().nullable(),
});
export type ScheduleLastBackup = z.infer<typeof scheduleLastBackup>;

/**
 * What resuming a paused Schedule does (lib/cron/resume.ts): whether a backup starts at once (a run fell due while it
 * was paused, or it never ran), the run that was missed, and the next backup otherwise (or after "resume without
 * running now"). Null on a schedule that is not paused or whose cron expression can't be read.
 */
export const resumeOutlook = z.object({
  startsAtOnce: z.boolean(),
  missedRunAt: z.date().nullable(),
  nextRunAt: z.date().nullable(),
});
export type ResumeOutlookOutput = z.infer<typeof resumeOutlook>;

export const scheduleRow = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  clusterState,
  name: z.string(),
  cron: z.string(),
  cronText: z.string().nullable(),
  cronError: z.string().nullable(),
  timeZone: z.string().nullable(),
  paused: z.boolean(),
  phase: z.string(),
  validationErrors: z.array(z.string()),
  nextRunAt: z.date().nullable(),
  resume: resumeOutlook.nullable(),
  lastBackupAt: z.date().nullable(),
  lastBackup: scheduleLastBackup.nullable(),
  ttl: z.string().nullable(),
  location: z.string().nullable(),
  scope: z.string(),
  managedByLifeboat: z.boolean(),
  useOwnerReferencesInBackup: z.boolean(),
  createdAt: z.date().nullable(),
  observedAt: z.date(),
});
export type ScheduleRow = z.infer<typeof scheduleRow>;

/** A Schedule as it is on the cluster now, with what the edit form needs (the wizard input Lifeboat stored on it). */
export const scheduleDetail = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  name: z.string(),
  cron: z.string(),
  paused: z.boolean(),
  skipImmediately: z.boolean().nullable(),
  useOwnerReferencesInBackup: z.boolean(),
  input: backupInput.nullable(),
  templateEditable: z.boolean(),
  notEditableReason: z.string().nullable(),
  phase: z.string(),
  validationErrors: z.array(z.string()),
  lastBackupAt: z.date().nullable(),
  resume: resumeOutlook.nullable(),
});
export type ScheduleDetail = z.infer<typeof scheduleDetail>;

/**
 * schedule.unpause's input. runNow false resumes without the run that is due now: Velero (≥ 1.14) records lastSkipped
 * instead (spec.skipImmediately), and the next backup runs at the next cron time. true (the default) runs it at once.
 */
export const scheduleResume = z.object({ clusterId: id, name: objectName, runNow: z.boolean().default(true) });
export type ScheduleResume = z.infer<typeof scheduleResume>;

export const scheduleUpdated = z.object({ name: z.string(), paused: z.boolean(), cron: z.string() });
export const schedulePaused = z.object({ name: z.string(), paused: z.boolean() });
/** Its backups stay unless the Schedule owned them (useOwnerReferencesInBackup). */
export const scheduleDeleted = z.object({ name: z.string(), backupsKept: z.boolean() });
