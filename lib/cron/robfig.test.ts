import { describe, expect, it } from "vitest";
import { CronError, goTrimSpace, neverRuns, parseStandard } from "./robfig";

// --- helpers ------------------------------------------------------------------------------------------------

/** The next `n` activations after `from`, as ISO strings (UTC). */
function runs(spec: string, from: string, n: number): string[] {
  const schedule = parseStandard(spec);
  const out: string[] = [];
  let t = new Date(from);
  for (let i = 0; i < n; i++) {
    t = schedule.next(t);
    out.push(t.toISOString());
  }
  return out;
}

function next(spec: string, from: string): string {
  return parseStandard(spec).next(new Date(from)).toISOString();
}

const ZERO = new Date(0).toISOString();

/** 2024-01-01 is a Monday. */
const JAN1 = "2024-01-01T00:00:00Z";

// --- syntax ---------------------------------------------------------------------------------------------------

describe("parseStandard: field syntax", () => {
  it.each<[string, string, string[]]>([
    ["star", "* * * * *", ["2024-01-01T00:01:00.000Z", "2024-01-01T00:02:00.000Z", "2024-01-01T00:03:00.000Z"]],
    [
      "? is a star in every field",
      "? ? ? ? ?",
      ["2024-01-01T00:01:00.000Z", "2024-01-01T00:02:00.000Z", "2024-01-01T00:03:00.000Z"],
    ],
    [
      "single number",
      "5 * * * *",
      ["2024-01-01T00:05:00.000Z", "2024-01-01T01:05:00.000Z", "2024-01-01T02:05:00.000Z"],
    ],
    [
      "leading zero and plus sign (strconv.Atoi)",
      "05 +3 * * *",
      ["2024-01-01T03:05:00.000Z", "2024-01-02T03:05:00.000Z", "2024-01-03T03:05:00.000Z"],
    ],
    [
      "range a-b",
      "10-12 * * * *",
      ["2024-01-01T00:10:00.000Z", "2024-01-01T00:11:00.000Z", "2024-01-01T00:12:00.000Z", "2024-01-01T01:10:00.000Z"],
    ],
    ["step */n", "*/20 * * * *", ["2024-01-01T00:20:00.000Z", "2024-01-01T00:40:00.000Z", "2024-01-01T01:00:00.000Z"]],
    [
      "range with step a-b/n",
      "10-30/10 * * * *",
      ["2024-01-01T00:10:00.000Z", "2024-01-01T00:20:00.000Z", "2024-01-01T00:30:00.000Z", "2024-01-01T01:10:00.000Z"],
    ],
    [
      "a/n means a-max/n",
      "50/5 * * * *",
      ["2024-01-01T00:50:00.000Z", "2024-01-01T00:55:00.000Z", "2024-01-01T01:50:00.000Z"],
    ],
    ["step larger than the range", "7/100 * * * *", ["2024-01-01T00:07:00.000Z", "2024-01-01T01:07:00.000Z"]],
    [
      "list",
      "1,2,40 * * * *",
      ["2024-01-01T00:01:00.000Z", "2024-01-01T00:02:00.000Z", "2024-01-01T00:40:00.000Z", "2024-01-01T01:01:00.000Z"],
    ],
    [
      "empty list items are skipped",
      "1,,2, * * * *",
      ["2024-01-01T00:01:00.000Z", "2024-01-01T00:02:00.000Z", "2024-01-01T01:01:00.000Z"],
    ],
    [
      "list of ranges and steps",
      "0 1-2,20/2 * * *",
      [
        "2024-01-01T01:00:00.000Z",
        "2024-01-01T02:00:00.000Z",
        "2024-01-01T20:00:00.000Z",
        "2024-01-01T22:00:00.000Z",
        "2024-01-02T01:00:00.000Z",
      ],
    ],
    ["anything after *- is ignored", "*-5 * * * *", ["2024-01-01T00:01:00.000Z", "2024-01-01T00:02:00.000Z"]],
    [
      "month names, any case, in a list",
      "0 0 1 jan,JUL *",
      ["2024-07-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z", "2025-07-01T00:00:00.000Z"],
    ],
    [
      "month name range",
      "0 0 * FEB-mar *",
      ["2024-02-01T00:00:00.000Z", "2024-02-02T00:00:00.000Z", "2024-02-03T00:00:00.000Z"],
    ],
    [
      "month step",
      "0 0 1 */3 *",
      ["2024-04-01T00:00:00.000Z", "2024-07-01T00:00:00.000Z", "2024-10-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"],
    ],
    ["dow name", "0 12 * * sun", ["2024-01-07T12:00:00.000Z", "2024-01-14T12:00:00.000Z", "2024-01-21T12:00:00.000Z"]],
    [
      "dow name range",
      "0 12 * * Mon-Wed",
      ["2024-01-01T12:00:00.000Z", "2024-01-02T12:00:00.000Z", "2024-01-03T12:00:00.000Z", "2024-01-08T12:00:00.000Z"],
    ],
    [
      "dow numbers 0 and 6",
      "0 12 * * 0,6",
      ["2024-01-06T12:00:00.000Z", "2024-01-07T12:00:00.000Z", "2024-01-13T12:00:00.000Z"],
    ],
    [
      "dom step",
      "0 0 */10 * *",
      ["2024-01-11T00:00:00.000Z", "2024-01-21T00:00:00.000Z", "2024-01-31T00:00:00.000Z", "2024-02-01T00:00:00.000Z"],
    ],
    [
      "whitespace: tabs, newlines, repeated blanks",
      " 0\t1  *\n* *\r",
      ["2024-01-01T01:00:00.000Z", "2024-01-02T01:00:00.000Z"],
    ],
    [
      "whitespace: Go unicode.IsSpace includes U+00A0 and U+0085",
      "0\u00a01\u0085* * *",
      ["2024-01-01T01:00:00.000Z", "2024-01-02T01:00:00.000Z"],
    ],
  ])("%s: %j", (_name, spec, expected) => {
    expect(runs(spec, JAN1, expected.length)).toEqual(expected);
  });
});

describe("parseStandard: day-of-month / day-of-week star-bit logic", () => {
  it.each<[string, string, string[]]>([
    // Neither field has a star: a day matches if EITHER matches.
    [
      "dom OR dow",
      "0 0 13 * 5",
      [
        "2024-01-05T00:00:00.000Z",
        "2024-01-12T00:00:00.000Z",
        "2024-01-13T00:00:00.000Z",
        "2024-01-19T00:00:00.000Z",
        "2024-01-26T00:00:00.000Z",
      ],
    ],
    [
      "a full numeric range is not a star: OR, so every day",
      "0 0 1-31 * 5",
      ["2024-01-02T00:00:00.000Z", "2024-01-03T00:00:00.000Z", "2024-01-04T00:00:00.000Z"],
    ],
    // Either field has a star (including */n and ?): BOTH must match.
    [
      "*/1 in dom keeps the star bit: AND, Fridays only",
      "0 0 */1 * 5",
      ["2024-01-05T00:00:00.000Z", "2024-01-12T00:00:00.000Z", "2024-01-19T00:00:00.000Z"],
    ],
    [
      "*/2 in dom: odd days that are Mondays",
      "0 0 */2 * 1",
      ["2024-01-15T00:00:00.000Z", "2024-01-29T00:00:00.000Z", "2024-02-05T00:00:00.000Z"],
    ],
    [
      "? in dom: dow only",
      "0 0 ? * MON",
      ["2024-01-08T00:00:00.000Z", "2024-01-15T00:00:00.000Z", "2024-01-22T00:00:00.000Z"],
    ],
    [
      "? in dow: dom only",
      "0 0 13 * ?",
      ["2024-01-13T00:00:00.000Z", "2024-02-13T00:00:00.000Z", "2024-03-13T00:00:00.000Z"],
    ],
    ["star in dow with a list", "0 0 13 * *,1", ["2024-01-13T00:00:00.000Z", "2024-02-13T00:00:00.000Z"]],
  ])("%s: %j", (_name, spec, expected) => {
    expect(runs(spec, JAN1, expected.length)).toEqual(expected);
  });
});

describe("parseStandard: descriptors", () => {
  it.each<[string, string, string]>([
    ["@yearly", JAN1, "2025-01-01T00:00:00.000Z"],
    ["@annually", "2024-06-15T10:00:00Z", "2025-01-01T00:00:00.000Z"],
    ["@monthly", JAN1, "2024-02-01T00:00:00.000Z"],
    ["@weekly", JAN1, "2024-01-07T00:00:00.000Z"],
    ["@daily", JAN1, "2024-01-02T00:00:00.000Z"],
    ["@midnight", "2024-01-01T23:59:59.999Z", "2024-01-02T00:00:00.000Z"],
    ["@hourly", JAN1, "2024-01-01T01:00:00.000Z"],
    ["TZ=Asia/Tokyo @daily", JAN1, "2024-01-01T15:00:00.000Z"],
    ["@every 1h30m", "2024-01-01T00:00:00.750Z", "2024-01-01T01:30:00.000Z"],
    ["@every 90s", "2024-01-01T00:00:10Z", "2024-01-01T00:01:40.000Z"],
    ["@every 2h", "2024-01-01T00:10:00Z", "2024-01-01T02:10:00.000Z"],
    ["@every 1.5h", JAN1, "2024-01-01T01:30:00.000Z"],
    ["@every .5m", JAN1, "2024-01-01T00:00:30.000Z"],
    ["@every 1h2m3.5s", JAN1, "2024-01-01T01:02:03.000Z"],
    ["@every 1500ms", JAN1, "2024-01-01T00:00:01.000Z"],
    ["@every 500ms", JAN1, "2024-01-01T00:00:01.000Z"],
    ["@every 2000000us", JAN1, "2024-01-01T00:00:02.000Z"],
    ["@every 3000000000ns", JAN1, "2024-01-01T00:00:03.000Z"],
    ["@every 1µs", JAN1, "2024-01-01T00:00:01.000Z"],
    ["@every 0", JAN1, "2024-01-01T00:00:01.000Z"],
    ["@every -1h", JAN1, "2024-01-01T00:00:01.000Z"],
    ["@every +1m", JAN1, "2024-01-01T00:01:00.000Z"],
    ["CRON_TZ=Asia/Tokyo @every 1m", JAN1, "2024-01-01T00:01:00.000Z"],
  ])("%j after %s", (spec, from, expected) => {
    expect(next(spec, from)).toBe(expected);
  });
});

describe("parseStandard: properties", () => {
  it.each<[string, string]>([
    ["0 1 * * *", "UTC"],
    ["@every 1h", "UTC"],
    ["CRON_TZ=America/New_York 0 2 * * *", "America/New_York"],
    ["TZ=Asia/Kolkata 30 1 * * *", "Asia/Kolkata"],
    ["TZ=Europe/Berlin @daily", "Europe/Berlin"],
    ["TZ=UTC 0 1 * * *", "UTC"],
    ["TZ=Local 0 1 * * *", "UTC"],
    ["TZ= 0 1 * * *", "UTC"],
    ["TZ=Etc/UTC 0 1 * * *", "Etc/UTC"],
    ["CRON_TZ=US/Eastern 0 1 * * *", "US/Eastern"],
  ])("%j runs in %s and keeps its spec", (spec, zone) => {
    const s = parseStandard(spec);
    expect(s.timeZone).toBe(zone);
    expect(s.spec).toBe(spec);
  });

  it("TZ=Local and TZ= (empty) behave as UTC, like Velero's server", () => {
    expect(next("TZ=Local 0 1 * * *", JAN1)).toBe("2024-01-01T01:00:00.000Z");
    expect(next("TZ= 0 1 * * *", JAN1)).toBe("2024-01-01T01:00:00.000Z");
  });

  it("accepts every zone the runtime knows under its canonical name", () => {
    for (const zone of Intl.supportedValuesOf("timeZone")) {
      expect(parseStandard(`CRON_TZ=${zone} 0 0 * * *`).timeZone).toBe(zone);
    }
  });
});

// --- invalid specs ----------------------------------------------------------------------------------------

describe("parseStandard: invalid specs", () => {
  it.each<[string, string]>([
    ["", "empty spec string"],
    ["* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"],
    ["0 0 1 * * 2024", "expected exactly 5 fields, found 6: [0 0 1 * * 2024]"],
    ["* * * *", "expected exactly 5 fields, found 4: [* * * *]"],
    ["   ", "expected exactly 5 fields, found 0: []"],
    ["TZ=UTC ", "expected exactly 5 fields, found 0: []"],
    [" @daily", "expected exactly 5 fields, found 1: [@daily]"],
    ["x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ["1.5 * * * *", 'failed to parse int from 1.5: strconv.Atoi: parsing "1.5": invalid syntax'],
    ["MON * * * *", 'failed to parse int from MON: strconv.Atoi: parsing "MON": invalid syntax'],
    ["* * * foo *", 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
    ["* * * * monday", 'failed to parse int from monday: strconv.Atoi: parsing "monday": invalid syntax'],
    ["5- * * * *", 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ["-5 * * * *", 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ["*/x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ["\ufeff0 1 * * *", 'failed to parse int from \ufeff0: strconv.Atoi: parsing "\\ufeff0": invalid syntax'],
    [
      "99999999999999999999 * * * *",
      'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range',
    ],
    ["9223372036854775807 * * * *", "end of range (9223372036854775807) above maximum (59): 9223372036854775807"],
    ["*/-5 * * * *", "negative number (-5) not allowed: -5"],
    ["0-70 * * * *", "end of range (70) above maximum (59): 0-70"],
    ["60 * * * *", "end of range (60) above maximum (59): 60"],
    ["* 24 * * *", "end of range (24) above maximum (23): 24"],
    ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
    ["* * 32 * *", "end of range (32) above maximum (31): 32"],
    ["* * * 0 *", "beginning of range (0) below minimum (1): 0"],
    ["* * * 13 *", "end of range (13) above maximum (12): 13"],
    ["* * * * 7", "end of range (7) above maximum (6): 7"],
    ["* * * * 1-7", "end of range (7) above maximum (6): 1-7"],
    ["* * * * 7/2", "beginning of range (7) beyond end of range (6): 7/2"],
    ["30-10 * * * *", "beginning of range (30) beyond end of range (10): 30-10"],
    ["* * * DEC-JAN *", "beginning of range (12) beyond end of range (1): DEC-JAN"],
    ["1-2-3 * * * *", "too many hyphens: 1-2-3"],
    ["*/2/3 * * * *", "too many slashes: */2/3"],
    ["*/0 * * * *", "step of range should be a positive number: */0"],
    ["0 0 * * 8,x", "end of range (8) above maximum (6): 8"],
    ["CRON_TZ=Mars/Base 0 2 * * *", "provided bad location Mars/Base: unknown time zone Mars/Base"],
    ["TZ=Mars/Base @daily", "provided bad location Mars/Base: unknown time zone Mars/Base"],
    [
      "CRON_TZ=america/new_york 0 2 * * *",
      "provided bad location america/new_york: unknown time zone america/new_york",
    ],
    ["CRON_TZ=utc 0 2 * * *", "provided bad location utc: unknown time zone utc"],
    ["CRON_TZ=+05:30 0 2 * * *", "provided bad location +05:30: unknown time zone +05:30"],
    ["TZ=../etc/passwd 0 2 * * *", "provided bad location ../etc/passwd: time: invalid location name"],
    ["TZ=/etc/localtime 0 2 * * *", "provided bad location /etc/localtime: time: invalid location name"],
    ["CRON_TZ=UTC", "provided bad location UTC: missing space after the time zone"],
    ["@fortnightly", "unrecognized descriptor: @fortnightly"],
    ["@reboot", "unrecognized descriptor: @reboot"],
    ["@DAILY", "unrecognized descriptor: @DAILY"],
    ["@daily ", "unrecognized descriptor: @daily "],
    ["@every", "unrecognized descriptor: @every"],
    ["@every 1x", 'failed to parse duration @every 1x: time: unknown unit "x" in duration "1x"'],
    ["@every 1d", 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'],
    ["@every 1h ", 'failed to parse duration @every 1h : time: unknown unit "h " in duration "1h "'],
    ["@every 1é", 'failed to parse duration @every 1é: time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'],
    ["@every 10", 'failed to parse duration @every 10: time: missing unit in duration "10"'],
    ["@every h", 'failed to parse duration @every h: time: invalid duration "h"'],
    ["@every .h", 'failed to parse duration @every .h: time: invalid duration ".h"'],
    ["@every ", 'failed to parse duration @every : time: invalid duration ""'],
    ["@every -", 'failed to parse duration @every -: time: invalid duration "-"'],
    ["@every  1h", 'failed to parse duration @every  1h: time: invalid duration " 1h"'],
    ["@every 9999999999h", 'failed to parse duration @every 9999999999h: time: invalid duration "9999999999h"'],
  ])("%j -> %s", (spec, message) => {
    let error: unknown;
    try {
      parseStandard(spec);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CronError);
    expect((error as CronError).message).toBe(message);
    expect((error as CronError).name).toBe("CronError");
  });
});

// --- next() ---------------------------------------------------------------------------------------------------

describe("next(): common schedules", () => {
  it.each<[string, string, string]>([
    ["0 1 * * *", "2024-05-10T12:34:56Z", "2024-05-11T01:00:00.000Z"],
    ["0 1 * * *", "2024-05-11T00:59:59.999Z", "2024-05-11T01:00:00.000Z"],
    ["0 1 * * *", "2024-05-11T01:00:00Z", "2024-05-12T01:00:00.000Z"], // strictly after
    ["0 1 * * *", "2024-05-11T01:00:00.500Z", "2024-05-12T01:00:00.000Z"],
    ["*/15 * * * *", "2024-05-10T12:34:56Z", "2024-05-10T12:45:00.000Z"],
    ["*/15 * * * *", "2024-05-10T12:45:00Z", "2024-05-10T13:00:00.000Z"],
    ["*/15 * * * *", "2024-12-31T23:59:00Z", "2025-01-01T00:00:00.000Z"],
    ["0 0 1 * *", "2024-01-31T10:00:00Z", "2024-02-01T00:00:00.000Z"],
    ["0 0 1 * *", "2024-12-15T00:00:00Z", "2025-01-01T00:00:00.000Z"],
    ["0 9 * * MON-FRI", "2024-05-10T09:00:00Z", "2024-05-13T09:00:00.000Z"], // Friday -> Monday
    ["0 9 * * MON-FRI", "2024-05-13T08:59:00Z", "2024-05-13T09:00:00.000Z"],
    ["0 0 13 * 5", "2024-09-07T00:00:00Z", "2024-09-13T00:00:00.000Z"], // Friday the 13th fires once
    ["0 0 13 * 5", "2024-10-11T00:00:00Z", "2024-10-13T00:00:00.000Z"], // Sunday the 13th
    ["@every 6h", "2024-05-10T12:34:56.789Z", "2024-05-10T18:34:56.000Z"],
    ["@daily", "2024-05-10T12:34:56Z", "2024-05-11T00:00:00.000Z"],
    ["TZ=Asia/Kolkata 30 1 * * *", "2024-05-10T12:00:00Z", "2024-05-10T20:00:00.000Z"], // 01:30 IST = 20:00Z the day before
    ["TZ=Asia/Kolkata 30 1 * * *", "2024-05-10T20:00:00Z", "2024-05-11T20:00:00.000Z"],
    ["CRON_TZ=America/New_York 0 2 * * *", "2024-07-01T12:00:00Z", "2024-07-02T06:00:00.000Z"], // EDT
    ["CRON_TZ=America/New_York 0 2 * * *", "2024-01-01T12:00:00Z", "2024-01-02T07:00:00.000Z"], // EST
    ["0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00.000Z"], // leap day, 4 years on
    ["0 0 31 * *", "2024-04-01T00:00:00Z", "2024-05-31T00:00:00.000Z"], // skips 30-day April
  ])("%j after %s", (spec, from, expected) => {
    expect(next(spec, from)).toBe(expected);
  });

  it.each<[string, string]>([
    ["0 0 30 2 *", "2024-01-01T00:00:00Z"], // never exists
    ["0 0 31 4,6,9,11 *", "2024-01-01T00:00:00Z"],
    ["0 0 29 2 *", "2096-03-01T00:00:00Z"], // 2100 is not a leap year: next is 2104, beyond 5 years
    [", * * * *", "2024-01-01T00:00:00Z"], // an empty field matches nothing
    ["0 0 , , ,", "2024-01-01T00:00:00Z"],
  ])("%j after %s gives the zero time", (spec, from) => {
    expect(next(spec, from)).toBe(ZERO);
  });

  it("rejects an invalid Date", () => {
    expect(() => parseStandard("* * * * *").next(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe("next(): sequences of five runs", () => {
  it.each<[string, string, string[]]>([
    [
      "0 1 * * *",
      "2024-02-27T12:00:00Z",
      [
        "2024-02-28T01:00:00.000Z",
        "2024-02-29T01:00:00.000Z",
        "2024-03-01T01:00:00.000Z",
        "2024-03-02T01:00:00.000Z",
        "2024-03-03T01:00:00.000Z",
      ],
    ],
    [
      "*/15 * * * *",
      "2024-05-10T23:20:00Z",
      [
        "2024-05-10T23:30:00.000Z",
        "2024-05-10T23:45:00.000Z",
        "2024-05-11T00:00:00.000Z",
        "2024-05-11T00:15:00.000Z",
        "2024-05-11T00:30:00.000Z",
      ],
    ],
    [
      "0 0 1 * *",
      "2024-10-15T00:00:00Z",
      [
        "2024-11-01T00:00:00.000Z",
        "2024-12-01T00:00:00.000Z",
        "2025-01-01T00:00:00.000Z",
        "2025-02-01T00:00:00.000Z",
        "2025-03-01T00:00:00.000Z",
      ],
    ],
    [
      "0 9 * * MON-FRI",
      "2024-05-09T10:00:00Z",
      [
        "2024-05-10T09:00:00.000Z",
        "2024-05-13T09:00:00.000Z",
        "2024-05-14T09:00:00.000Z",
        "2024-05-15T09:00:00.000Z",
        "2024-05-16T09:00:00.000Z",
      ],
    ],
    [
      "0 0 13 * 5",
      "2024-09-01T00:00:00Z",
      [
        "2024-09-06T00:00:00.000Z",
        "2024-09-13T00:00:00.000Z",
        "2024-09-20T00:00:00.000Z",
        "2024-09-27T00:00:00.000Z",
        "2024-10-04T00:00:00.000Z",
      ],
    ],
    [
      "0 0 31 * *",
      "2024-01-01T00:00:00Z",
      [
        "2024-01-31T00:00:00.000Z",
        "2024-03-31T00:00:00.000Z",
        "2024-05-31T00:00:00.000Z",
        "2024-07-31T00:00:00.000Z",
        "2024-08-31T00:00:00.000Z",
      ],
    ],
    [
      "@every 6h",
      "2024-05-10T12:34:56.789Z",
      [
        "2024-05-10T18:34:56.000Z",
        "2024-05-11T00:34:56.000Z",
        "2024-05-11T06:34:56.000Z",
        "2024-05-11T12:34:56.000Z",
        "2024-05-11T18:34:56.000Z",
      ],
    ],
    [
      "@weekly",
      "2024-01-01T00:00:00Z",
      [
        "2024-01-07T00:00:00.000Z",
        "2024-01-14T00:00:00.000Z",
        "2024-01-21T00:00:00.000Z",
        "2024-01-28T00:00:00.000Z",
        "2024-02-04T00:00:00.000Z",
      ],
    ],
    [
      "TZ=Asia/Kolkata 30 1 * * *",
      "2024-05-10T12:00:00Z",
      [
        "2024-05-10T20:00:00.000Z",
        "2024-05-11T20:00:00.000Z",
        "2024-05-12T20:00:00.000Z",
        "2024-05-13T20:00:00.000Z",
        "2024-05-14T20:00:00.000Z",
      ],
    ],
  ])("%j after %s", (spec, from, expected) => {
    expect(runs(spec, from, 5)).toEqual(expected);
  });
});

describe("next(): daylight-saving transitions (robfig's algorithm on Go's time semantics)", () => {
  it.each<[string, string, string, string[]]>([
    [
      // 2024-03-10: 02:00 EST jumps to 03:00 EDT; 02:00 does not exist, so that day does not fire.
      "New York spring-forward: 02:00 is skipped that day",
      "CRON_TZ=America/New_York 0 2 * * *",
      "2024-03-08T12:00:00Z",
      ["2024-03-09T07:00:00.000Z", "2024-03-11T06:00:00.000Z", "2024-03-12T06:00:00.000Z"],
    ],
    [
      "New York spring-forward: 02:30 is skipped too",
      "CRON_TZ=America/New_York 30 2 * * *",
      "2024-03-09T12:00:00Z",
      ["2024-03-11T06:30:00.000Z", "2024-03-12T06:30:00.000Z"],
    ],
    [
      "New York spring-forward: 03:00 EDT still fires",
      "CRON_TZ=America/New_York 0 3 * * *",
      "2024-03-09T12:00:00Z",
      ["2024-03-10T07:00:00.000Z", "2024-03-11T07:00:00.000Z"],
    ],
    [
      // 2024-11-03: 02:00 EDT falls back to 01:00 EST; 02:00 happens once (EST), 25 h after the previous run.
      "New York fall-back: 02:00 fires once",
      "CRON_TZ=America/New_York 0 2 * * *",
      "2024-11-01T12:00:00Z",
      ["2024-11-02T06:00:00.000Z", "2024-11-03T07:00:00.000Z", "2024-11-04T07:00:00.000Z"],
    ],
    [
      "New York fall-back: 01:00 happens twice and fires twice",
      "CRON_TZ=America/New_York 0 1 * * *",
      "2024-11-02T12:00:00Z",
      ["2024-11-03T05:00:00.000Z", "2024-11-03T06:00:00.000Z", "2024-11-04T06:00:00.000Z"],
    ],
    [
      "New York fall-back: @hourly gets two 01:00 runs an hour apart",
      "TZ=America/New_York @hourly",
      "2024-11-03T04:30:00Z",
      ["2024-11-03T05:00:00.000Z", "2024-11-03T06:00:00.000Z", "2024-11-03T07:00:00.000Z"],
    ],
    [
      // 2024-03-31: 02:00 CET jumps to 03:00 CEST.
      "Berlin spring-forward: 02:30 is skipped that day",
      "CRON_TZ=Europe/Berlin 30 2 * * *",
      "2024-03-30T00:00:00Z",
      ["2024-03-30T01:30:00.000Z", "2024-04-01T00:30:00.000Z"],
    ],
    [
      // 2024-10-27: 03:00 CEST falls back to 02:00 CET.
      "Berlin fall-back: 02:30 fires in CEST and again in CET",
      "CRON_TZ=Europe/Berlin 30 2 * * *",
      "2024-10-26T12:00:00Z",
      ["2024-10-27T00:30:00.000Z", "2024-10-27T01:30:00.000Z", "2024-10-28T01:30:00.000Z"],
    ],
    [
      // 2018-11-04: Sao Paulo jumped from 00:00 -03 to 01:00 -02, so midnight did not exist that day.
      "Sao Paulo: midnight skipped by DST, @daily skips that day",
      "CRON_TZ=America/Sao_Paulo @daily",
      "2018-11-03T12:00:00Z",
      ["2018-11-05T02:00:00.000Z", "2018-11-06T02:00:00.000Z"],
    ],
    [
      "Sao Paulo: 01:00 on the day without midnight is 01:00 -02",
      "CRON_TZ=America/Sao_Paulo 0 1 4 11 *",
      "2018-11-01T00:00:00Z",
      ["2018-11-04T03:00:00.000Z", "2019-11-04T04:00:00.000Z"],
    ],
  ])("%s", (_name, spec, from, expected) => {
    expect(runs(spec, from, expected.length)).toEqual(expected);
  });
});

describe("untrusted input: linear time", () => {
  it("trims a long run of spaces before a non-space without going quadratic (a Schedule written by hand in a cluster)", () => {
    // The regex trim this replaced took ~17 s here (past the test's 5 s timeout) and blocked the event loop.
    const spec = "CRON_TZ=UTC x" + " ".repeat(200_000) + "x";
    expect(() => parseStandard(spec)).toThrow("expected exactly 5 fields, found 2: [x x]");
  });

  it("trims exactly Go's unicode.IsSpace set (U+0085 and U+00A0 count, U+FEFF does not)", () => {
    const spaces = "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000";
    expect(goTrimSpace(`${spaces}a b${spaces}`)).toBe("a b");
    expect(goTrimSpace("\ufeffa\ufeff")).toBe("\ufeffa\ufeff");
    expect(goTrimSpace(spaces)).toBe("");
    expect(goTrimSpace("")).toBe("");
  });
});

describe("neverRuns", () => {
  const from = new Date("2026-12-04T12:00:00Z");
  it.each(["0 0 31 2 *", "0 0 30 2 *", "CRON_TZ=Europe/Berlin 0 0 31 4 *", "0 0 31 11 *"])("%s never runs", (spec) => {
    expect(neverRuns(parseStandard(spec), from)).toBe(true);
  });
  it.each(["0 0 29 2 *", "0 2 * * *", "@every 6h", "@yearly", "0 0 31 2 1"])("%s runs", (spec) => {
    expect(neverRuns(parseStandard(spec), from)).toBe(false);
  });
});
