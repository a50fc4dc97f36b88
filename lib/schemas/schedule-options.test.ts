import { describe, expect, it } from "vitest";
import { scheduleOptions } from "./protection";

// The cron rule the schedule form, schedule.create|update and the stored output share.
describe("scheduleOptions.cron", () => {
  const cron = scheduleOptions.shape.cron;
  it("refuses an expression that never runs within five years", () => {
    const r = cron.safeParse("0 0 31 2 *");
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toMatch(/never runs/);
  });
  it("accepts one that runs, even rarely", () => {
    expect(cron.safeParse("0 0 29 2 *").success).toBe(true);
    expect(cron.safeParse("0 2 * * *").success).toBe(true);
  });
  it("keeps robfig's message for an invalid one", () => {
    expect(cron.safeParse("61 * * * *").error?.issues[0].message).toMatch(/61/);
  });
});
