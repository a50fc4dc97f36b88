import { parseStandard, type CronSchedule } from "./robfig";

// When Velero's schedule controller (pkg/controller/schedule_controller.go, 1.14+) starts a Schedule's next backup:
// cron.Next(max(lastBackup or creationTimestamp, lastSkipped)). Missed runs are not caught up, but a run that fell due
// while the Schedule was paused starts as soon as it is resumed, unless spec.skipImmediately makes the controller
// record lastSkipped = now instead (once: it clears the flag). A Schedule that never ran nor skipped runs at once.

/** What the controller reads from a Schedule's status and metadata. */
export interface RunHistory {
  lastBackup: Date | null;
  lastSkipped: Date | null;
  createdAt: Date | null;
}

/** What resuming a paused Schedule does. */
export interface ResumeOutlook {
  /** Resuming starts a backup at once (unless resumed without running now). */
  startsAtOnce: boolean;
  /** The run that fell due while paused (null when the Schedule never ran: its first backup is still to come). */
  missedRunAt: Date | null;
  /** Without a run at once: the next backup (after "resume without running now" when startsAtOnce). */
  nextRunAt: Date | null;
}

/** robfig's Next gives up after five years and answers the zero time (here the epoch): no run at all. */
function nextOf(cron: CronSchedule, after: Date): Date | null {
  const next = cron.next(after);
  return next.getTime() === 0 ? null : next;
}

/**
 * The time Velero's controller computes for the next run (at or before `now` means due: it starts at its next check),
 * or null when the expression never fires. A Schedule with neither lastBackup nor lastSkipped is due at once.
 */
export function dueAt(cron: CronSchedule, h: RunHistory, now: Date): Date | null {
  if (!h.lastBackup && !h.lastSkipped) return now;
  const from = h.lastBackup ?? h.createdAt;
  const base = Math.max(from?.getTime() ?? -Infinity, h.lastSkipped?.getTime() ?? -Infinity);
  return nextOf(cron, new Date(base));
}

/**
 * Whether resuming a paused Schedule with this cron expression and history starts a backup at once, and when the
 * next one runs otherwise. Null when the expression can't be parsed or never fires.
 */
export function resumeOutlook(expression: string, h: RunHistory, now: Date): ResumeOutlook | null {
  let cron: CronSchedule;
  try {
    cron = parseStandard(expression);
  } catch {
    return null;
  }
  const due = dueAt(cron, h, now);
  if (!due) return null;
  if (due.getTime() <= now.getTime()) {
    const never = !h.lastBackup && !h.lastSkipped;
    return { startsAtOnce: true, missedRunAt: never ? null : due, nextRunAt: nextOf(cron, now) };
  }
  return { startsAtOnce: false, missedRunAt: null, nextRunAt: due };
}
