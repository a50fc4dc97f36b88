import { describe, expect, it } from "vitest";
import { parseStandard } from "./robfig";
import { dueAt, resumeOutlook } from "./resume";

const at = (iso: string) => new Date(iso);
const NOW = at("2024-03-10T12:00:00Z");
const never = { lastBackup: null, lastSkipped: null, createdAt: at("2024-03-01T00:00:00Z") };

describe("resumeOutlook: what resuming a paused schedule does", () => {
  it("a run that fell due while paused starts at once; without it, the next run is cron.Next(now)", () => {
    const h = { ...never, lastBackup: at("2024-03-08T03:00:00Z") };
    expect(resumeOutlook("0 3 * * *", h, NOW)).toEqual({
      startsAtOnce: true,
      missedRunAt: at("2024-03-09T03:00:00Z"),
      nextRunAt: at("2024-03-11T03:00:00Z"),
    });
  });

  it("no run due: nothing starts at once, and the next run is cron.Next(lastBackup)", () => {
    const h = { ...never, lastBackup: at("2024-03-10T03:00:00Z") };
    expect(resumeOutlook("0 3 * * *", h, NOW)).toEqual({
      startsAtOnce: false,
      missedRunAt: null,
      nextRunAt: at("2024-03-11T03:00:00Z"),
    });
  });

  it("a later lastSkipped wins over lastBackup (Velero's max of the two)", () => {
    const h = { ...never, lastBackup: at("2024-03-01T03:00:00Z"), lastSkipped: at("2024-03-10T11:00:00Z") };
    expect(resumeOutlook("0 3 * * *", h, NOW)).toMatchObject({
      startsAtOnce: false,
      nextRunAt: at("2024-03-11T03:00:00Z"),
    });
    // An older lastSkipped does not hold back a missed run.
    const older = { ...never, lastBackup: at("2024-03-08T03:00:00Z"), lastSkipped: at("2024-03-07T00:00:00Z") };
    expect(resumeOutlook("0 3 * * *", older, NOW)).toMatchObject({
      startsAtOnce: true,
      missedRunAt: at("2024-03-09T03:00:00Z"),
    });
  });

  it("skipped but never backed up: counts from lastSkipped", () => {
    const h = { ...never, lastSkipped: at("2024-03-09T12:00:00Z") };
    expect(resumeOutlook("0 3 * * *", h, NOW)).toMatchObject({
      startsAtOnce: true,
      missedRunAt: at("2024-03-10T03:00:00Z"),
    });
    expect(resumeOutlook("0 13 * * *", { ...never, lastSkipped: at("2024-03-10T11:00:00Z") }, NOW)).toEqual({
      startsAtOnce: false,
      missedRunAt: null,
      nextRunAt: at("2024-03-10T13:00:00Z"),
    });
  });

  it("a schedule that never ran nor skipped starts at once, with no missed run to name", () => {
    expect(resumeOutlook("0 3 * * *", never, NOW)).toEqual({
      startsAtOnce: true,
      missedRunAt: null,
      nextRunAt: at("2024-03-11T03:00:00Z"),
    });
  });

  it("honours CRON_TZ and @every", () => {
    const h = { ...never, lastBackup: at("2024-03-09T22:00:00Z") };
    // 03:00 in Berlin (UTC+1 in March 2024) is 02:00 UTC: due on the 10th at 02:00 UTC, before now.
    expect(resumeOutlook("CRON_TZ=Europe/Berlin 0 3 * * *", h, NOW)).toMatchObject({
      startsAtOnce: true,
      missedRunAt: at("2024-03-10T02:00:00Z"),
    });
    expect(resumeOutlook("@every 6h", { ...never, lastBackup: at("2024-03-10T07:00:00Z") }, NOW)).toEqual({
      startsAtOnce: false,
      missedRunAt: null,
      nextRunAt: at("2024-03-10T13:00:00Z"),
    });
  });

  it("is null for an expression that can't be parsed or never fires", () => {
    expect(resumeOutlook("61 * * * *", never, NOW)).toBeNull();
    expect(resumeOutlook("0 0 31 2 *", { ...never, lastBackup: NOW }, NOW)).toBeNull();
  });

  it("a run due exactly now counts as due", () => {
    const h = { ...never, lastBackup: at("2024-03-10T11:00:00Z") };
    expect(resumeOutlook("0 * * * *", h, NOW)).toMatchObject({ startsAtOnce: true, missedRunAt: NOW });
  });
});

describe("dueAt", () => {
  it("counts from creation when a lastSkipped exists but no lastBackup is older", () => {
    const cron = parseStandard("0 * * * *");
    expect(dueAt(cron, { lastBackup: null, lastSkipped: at("2024-03-10T10:30:00Z"), createdAt: null }, NOW)).toEqual(
      at("2024-03-10T11:00:00Z"),
    );
  });
});
