import { describe, expect, it } from "vitest";
import { CronError } from "./robfig";
import { describeCron, explainCron, joinList, nextRuns, ordinal } from "./describe";

/** 2024-01-01 is a Monday. */
const JAN1 = new Date("2024-01-01T00:00:00Z");
const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe("describeCron: five fields", () => {
  it.each<[string, string]>([
    ["0 2 * * *", "Every day at 02:00 UTC"],
    ["0 */6 * * *", "Every 6 hours"],
    ["15 * * * 1-5", "At minute 15 past every hour on Monday through Friday"],
    ["* * * * *", "Every minute"],
    ["*/15 * * * *", "Every 15 minutes"],
    ["0-59/30 * * * *", "Every 30 minutes"],
    ["*/7 * * * *", "Every 7 minutes from minute 0 through 56"],
    ["5/15 * * * *", "Every 15 minutes from minute 5 through 50"],
    ["0,30 * * * *", "At minutes 0 and 30 past every hour"],
    ["1,,2, * * * *", "At minutes 1 and 2 past every hour"],
    ["*-5 * * * *", "Every minute"],
    ["0 * * * *", "Every hour"],
    ["0 3/6 * * *", "Every 6 hours from 03:00 through 21:00 UTC"],
    ["0 */5 * * *", "Every 5 hours from 00:00 through 20:00 UTC"],
    ["15 */6 * * *", "Every 6 hours, at minute 15 past the hour"],
    ["0 9-17 * * 1-5", "Every hour from 09:00 through 17:00 UTC on Monday through Friday"],
    ["*/5 9-17 * * *", "Every 5 minutes during 09:00–17:59 UTC"],
    ["* 2 * * *", "Every minute during 02:00–02:59 UTC"],
    ["30 2,14 * * *", "Every day at 02:30 and 14:30 UTC"],
    ["0 1-2,20/2 * * *", "Every day at 01:00, 02:00, 20:00 and 22:00 UTC"],
    ["0,10,20 1-3,5 * * *", "Every day at minutes 0, 10 and 20 past the hours 01:00, 02:00, 03:00 and 05:00 UTC"],
    ["05 +3 * * *", "Every day at 03:05 UTC"],
    ["0 0 ? * ?", "Every day at 00:00 UTC"],
  ])("%j → %s", (spec, words) => {
    expect(describeCron(spec)).toBe(words);
  });
});

describe("describeCron: days, weekdays and months", () => {
  it.each<[string, string]>([
    ["0 12 * * MON-FRI", "Every Monday through Friday at 12:00 UTC"],
    ["0 0 * * 0,6", "Every Sunday and Saturday at 00:00 UTC"],
    ["0 4 * * 1-5/2", "Every Monday, Wednesday and Friday at 04:00 UTC"],
    ["0 0 1,15 * *", "Every month on days 1 and 15 at 00:00 UTC"],
    ["0 0 1-7 * *", "On days 1 through 7 of every month at 00:00 UTC"],
    ["0 0 */10 * *", "On every 10th day of every month at 00:00 UTC"],
    ["0 3 1 1 *", "Every year on January 1 at 03:00 UTC"],
    ["0 0 1 jan,JUL *", "On day 1 of January and July at 00:00 UTC"],
    ["0 0 1 */3 *", "On day 1 of January, April, July and October at 00:00 UTC"],
    ["0 0 * FEB-mar *", "Every day in February through March at 00:00 UTC"],
    ["0 6 * 12 sun", "Every Sunday in December at 06:00 UTC"],
    ["0 * * 12 *", "Every hour in December"],
    ["0 * 1 * *", "Every hour on day 1 of the month"],
    // Neither day field has a star: robfig runs on a day matching EITHER.
    ["0 0 1 * 1", "On day 1 of the month and every Monday at 00:00 UTC"],
    // A star (with a step) in one day field: a day must match BOTH.
    ["0 0 */2 * 1", "On every 2nd day of the month when it is a Monday at 00:00 UTC"],
    // A full day-of-week range without a star ORs with day 1: every day.
    ["0 0 1 * 0-6", "Every day at 00:00 UTC"],
    [", * * * *", "Never runs: a field selects nothing"],
  ])("%j → %s", (spec, words) => {
    expect(describeCron(spec)).toBe(words);
  });
});

describe("describeCron: descriptors and time zones", () => {
  it.each<[string, string]>([
    ["@yearly", "Every year on January 1 at 00:00 UTC"],
    ["@annually", "Every year on January 1 at 00:00 UTC"],
    ["@monthly", "Every month on day 1 at 00:00 UTC"],
    ["@weekly", "Every Sunday at 00:00 UTC"],
    ["@daily", "Every day at 00:00 UTC"],
    ["@midnight", "Every day at 00:00 UTC"],
    ["@hourly", "Every hour"],
    ["@every 6h", "Every 6 hours"],
    ["@every 1h", "Every hour"],
    ["@every 90m", "Every 1 hour and 30 minutes"],
    ["@every 1h0m30s", "Every 1 hour and 30 seconds"],
    ["@every 45s", "Every 45 seconds"],
    ["@every 500ms", "Every second"],
    ["CRON_TZ=Europe/Paris 30 3 * * 1", "Every Monday at 03:30 Europe/Paris time"],
    ["TZ=America/New_York @daily", "Every day at 00:00 America/New_York time"],
    ["CRON_TZ=America/New_York 0 */6 * * *", "Every 6 hours (America/New_York time)"],
    ["CRON_TZ=UTC 0 2 * * *", "Every day at 02:00 UTC"],
    ["CRON_TZ=Asia/Tokyo @every 2h", "Every 2 hours"],
  ])("%j → %s", (spec, words) => {
    expect(describeCron(spec)).toBe(words);
  });

  it.each<[string, string]>([
    ["0 2 * *", "expected exactly 5 fields, found 4: [0 2 * *]"],
    ["61 * * * *", "end of range (61) above maximum (59): 61"],
    ["0 0 * * 7", "end of range (7) above maximum (6): 7"],
    ["@reboot", "unrecognized descriptor: @reboot"],
    ["CRON_TZ=Mars/Olympus 0 2 * * *", "provided bad location Mars/Olympus: unknown time zone Mars/Olympus"],
  ])("refuses %j with robfig's message", (spec, message) => {
    expect(() => describeCron(spec)).toThrow(CronError);
    expect(() => describeCron(spec)).toThrow(message);
  });
});

describe("nextRuns", () => {
  it.each<[string, string[]]>([
    [
      "0 2 * * *",
      [
        "2024-01-01T02:00:00.000Z",
        "2024-01-02T02:00:00.000Z",
        "2024-01-03T02:00:00.000Z",
        "2024-01-04T02:00:00.000Z",
        "2024-01-05T02:00:00.000Z",
      ],
    ],
    [
      "0 */6 * * *",
      [
        "2024-01-01T06:00:00.000Z",
        "2024-01-01T12:00:00.000Z",
        "2024-01-01T18:00:00.000Z",
        "2024-01-02T00:00:00.000Z",
        "2024-01-02T06:00:00.000Z",
      ],
    ],
    [
      "15 * * * 1-5",
      [
        "2024-01-01T00:15:00.000Z",
        "2024-01-01T01:15:00.000Z",
        "2024-01-01T02:15:00.000Z",
        "2024-01-01T03:15:00.000Z",
        "2024-01-01T04:15:00.000Z",
      ],
    ],
    [
      "@every 90m",
      [
        "2024-01-01T01:30:00.000Z",
        "2024-01-01T03:00:00.000Z",
        "2024-01-01T04:30:00.000Z",
        "2024-01-01T06:00:00.000Z",
        "2024-01-01T07:30:00.000Z",
      ],
    ],
    // 03:30 in Paris is 02:30 UTC in winter.
    [
      "CRON_TZ=Europe/Paris 30 3 * * 1",
      [
        "2024-01-01T02:30:00.000Z",
        "2024-01-08T02:30:00.000Z",
        "2024-01-15T02:30:00.000Z",
        "2024-01-22T02:30:00.000Z",
        "2024-01-29T02:30:00.000Z",
      ],
    ],
    // February 31 never comes: robfig gives up after five years.
    ["0 0 31 2 *", []],
  ])("%j from 2024-01-01", (spec, expected) => {
    expect(iso(nextRuns(spec, 5, JAN1))).toEqual(expected);
  });

  it("takes n and starts strictly after `from`", () => {
    expect(iso(nextRuns("0 2 * * *", 2, new Date("2024-01-01T02:00:00Z")))).toEqual([
      "2024-01-02T02:00:00.000Z",
      "2024-01-03T02:00:00.000Z",
    ]);
  });

  it("throws CronError for an invalid expression", () => {
    expect(() => nextRuns("nope", 5, JAN1)).toThrow(CronError);
  });
});

describe("explainCron", () => {
  it.each<[string, ReturnType<typeof explainCron>]>([
    ["  ", { ok: false, error: "Enter a schedule" }],
    ["0 2 * *", { ok: false, error: "expected exactly 5 fields, found 4: [0 2 * *]" }],
    [
      "CRON_TZ=Europe/Paris 0 2 * * *",
      {
        ok: true,
        text: "Every day at 02:00 Europe/Paris time",
        timeZone: "Europe/Paris",
        next: [new Date("2024-01-01T01:00:00Z"), new Date("2024-01-02T01:00:00Z")],
      },
    ],
  ])("%j", (spec, expected) => {
    expect(explainCron(spec, 2, JAN1)).toEqual(expected);
  });
});

describe("words", () => {
  it.each<[string[], string]>([
    [[], ""],
    [["a"], "a"],
    [["a", "b"], "a and b"],
    [["a", "b", "c"], "a, b and c"],
  ])("joinList(%j) = %j", (items, out) => {
    expect(joinList(items)).toBe(out);
  });

  it.each<[number, string]>([
    [1, "1st"],
    [2, "2nd"],
    [3, "3rd"],
    [4, "4th"],
    [11, "11th"],
    [12, "12th"],
    [13, "13th"],
    [21, "21st"],
    [22, "22nd"],
    [101, "101st"],
    [111, "111th"],
  ])("ordinal(%i) = %s", (n, out) => {
    expect(ordinal(n)).toBe(out);
  });
});
