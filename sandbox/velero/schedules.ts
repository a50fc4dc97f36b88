import { parseStandard, CronError } from "../../lib/cron/robfig";
import { dueAt } from "../../lib/cron/resume";
import { LABELS, validLabelValue, type VeleroContext } from "./context";

// schedule_controller.go: validate the cron spec; when due, create <schedule>-<yyyyMMddHHmmss> from the template, unless
// a backup of this schedule is still New/Queued/InProgress. Missed runs are not caught up, but a run that fell due while
// paused starts at once on unpause. The next run is cron.Next(max(lastBackup or creationTimestamp, lastSkipped)).
// skipImmediately (nil → false) on a schedule that is not paused records lastSkipped instead of running, once.
const ACTIVE = new Set(["", "New", "Queued", "ReadyToStart", "InProgress"]);
const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, "").slice(0, 14);

export async function tickSchedules(ctx: VeleroContext) {
  const now = new Date();
  for (const s of ctx.list("schedules")) {
    const name = s.metadata.name!;
    if (s.spec?.paused) continue; // as Velero's schedule controller: a paused schedule is left alone
    let cron;
    try {
      cron = parseStandard(String(s.spec?.schedule ?? ""));
    } catch (e) {
      const msg = `invalid schedule: ${e instanceof CronError ? e.message : String(e)}`;
      if (s.status?.phase !== "FailedValidation" || s.status?.validationErrors?.[0] !== msg)
        ctx.mutate(
          "schedules",
          name,
          (o) => void (o.status = { ...(o.status ?? {}), phase: "FailedValidation", validationErrors: [msg] }),
        );
      continue;
    }
    if (s.status?.phase !== "Enabled") {
      ctx.mutate("schedules", name, (o) => {
        o.status = { ...(o.status ?? {}), phase: "Enabled" };
        delete o.status.validationErrors;
      });
    }
    if (s.spec?.skipImmediately === true) {
      // Velero ≥ 1.14: on creation and on unpause, skipImmediately records lastSkipped = now instead of running, and the
      // controller clears the flag so it applies once. The next run is then cron.Next(lastSkipped).
      ctx.mutate("schedules", name, (o) => {
        o.spec = { ...(o.spec ?? {}), skipImmediately: false };
        o.status = { ...(o.status ?? {}), lastSkipped: now.toISOString().replace(/\.\d{3}Z$/, "Z") };
      });
      continue;
    }
    const date = (v: unknown) => (typeof v === "string" && v ? new Date(v) : null);
    const due = dueAt(
      cron,
      {
        lastBackup: date(s.status?.lastBackup),
        lastSkipped: date(s.status?.lastSkipped),
        createdAt: date(s.metadata.creationTimestamp),
      },
      now,
    );
    if (!due || due.getTime() > now.getTime()) continue; // never ran nor skipped: due at once (runs on creation)
    const running = ctx
      .list("backups")
      .some(
        (b) => b.metadata.labels?.[LABELS.scheduleName] === validLabelValue(name) && ACTIVE.has(b.status?.phase ?? ""),
      );
    if (running) continue;
    const template = s.spec?.template ?? {};
    const labels = {
      ...(template.metadata?.labels ?? s.metadata.labels ?? {}),
      [LABELS.scheduleName]: validLabelValue(name),
    };
    const { metadata: _m, ...spec } = template;
    ctx.create("backups", {
      apiVersion: "velero.io/v1",
      kind: "Backup",
      metadata: {
        name: `${name}-${stamp(now)}`,
        labels,
        annotations: s.metadata.annotations,
        ...(s.spec?.useOwnerReferencesInBackup
          ? {
              ownerReferences: [
                { apiVersion: "velero.io/v1", kind: "Schedule", name, uid: s.metadata.uid!, controller: true },
              ],
            }
          : {}),
      },
      spec,
    });
    ctx.mutate(
      "schedules",
      name,
      (o) =>
        void (o.status = {
          ...(o.status ?? {}),
          phase: "Enabled",
          lastBackup: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
        }),
    );
  }
}
