import { parseStandard, CronError } from "../../lib/cron/robfig";
import { LABELS, validLabelValue, type VeleroContext } from "./context";

// schedule_controller.go: validate the cron spec; when due, create <schedule>-<yyyyMMddHHmmss> from the template, unless
// a backup of this schedule is still New/Queued/InProgress. Missed runs are not caught up. skipImmediately (nil → false)
// decides whether a new or resumed schedule runs at once.
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
    const lastBackup = s.status?.lastBackup ? new Date(s.status.lastBackup) : null;
    const lastSkipped = s.status?.lastSkipped ? new Date(s.status.lastSkipped) : null;
    let due: boolean;
    if (!lastBackup && !lastSkipped) {
      if (s.spec?.skipImmediately === true) {
        ctx.mutate(
          "schedules",
          name,
          (o) => void (o.status = { ...(o.status ?? {}), lastSkipped: now.toISOString().replace(/\.\d{3}Z$/, "Z") }),
        );
        continue;
      }
      due = true; // runs immediately on creation
    } else {
      const from = new Date(Math.max(lastBackup?.getTime() ?? 0, lastSkipped?.getTime() ?? 0));
      due = cron.next(from).getTime() <= now.getTime();
    }
    if (!due) continue;
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
