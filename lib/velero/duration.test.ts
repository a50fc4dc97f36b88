import { describe, expect, it } from "vitest";
import {
  DurationError,
  describeTtl,
  formatGoDuration,
  formatGoDurationNs,
  isGoDuration,
  MAX_DURATION_NS,
  parseGoDuration,
  parseGoDurationNs,
  TTL_MAX,
  ttlFrom,
  ttlInputFrom,
} from "./duration";

const S = 1_000_000_000n;
const M = 60n * S;
const H = 60n * M;

describe("parseGoDurationNs (time.ParseDuration)", () => {
  // Go's src/time/time_test.go parseDurationTests, plus the Velero-shaped ones.
  it.each<[string, bigint]>([
    ["0", 0n],
    ["5s", 5n * S],
    ["30s", 30n * S],
    ["1478s", 1478n * S],
    ["-5s", -5n * S],
    ["+5s", 5n * S],
    ["-0", 0n],
    ["+0", 0n],
    ["5.0s", 5n * S],
    ["5.6s", 5n * S + 600_000_000n],
    ["5.s", 5n * S],
    [".5s", 500_000_000n],
    ["1.0s", S],
    ["1.00s", S],
    ["1.004s", S + 4_000_000n],
    ["1.0040s", S + 4_000_000n],
    ["100.00100s", 100n * S + 1_000_000n],
    ["10ns", 10n],
    ["11us", 11_000n],
    ["12\u00b5s", 12_000n],
    ["12\u03bcs", 12_000n],
    ["13ms", 13_000_000n],
    ["14s", 14n * S],
    ["15m", 15n * M],
    ["16h", 16n * H],
    ["3h30m", 3n * H + 30n * M],
    ["10.5s4m", 4n * M + 10n * S + 500_000_000n],
    ["-2m3.4s", -(2n * M + 3n * S + 400_000_000n)],
    ["1h2m3s4ms5us6ns", H + 2n * M + 3n * S + 4_000_000n + 5_000n + 6n],
    ["39h9m14.425s", 39n * H + 9n * M + 14n * S + 425_000_000n],
    ["52763797000ns", 52_763_797_000n],
    ["0.3333333333333333333h", 20n * M],
    ["9007199254740993ns", (1n << 53n) + 1n],
    ["9223372036854775807ns", (1n << 63n) - 1n],
    ["9223372036854775.807us", (1n << 63n) - 1n],
    ["9223372036s854ms775us807ns", (1n << 63n) - 1n],
    ["-9223372036s854ms775us808ns", -(1n << 63n)],
    ["-9223372036854775808ns", -(1n << 63n)],
    ["-9223372036854775.808us", -(1n << 63n)],
    ["0.100000000000000000000h", 6n * M],
    ["0.830103483285477580700h", 49n * M + 48n * S + 372_539_827n],
    ["720h", 720n * H],
    ["720h0m0s", 720n * H],
    ["1h30m", H + 30n * M],
    ["10m", 10n * M],
  ])("%s", (input, ns) => expect(parseGoDurationNs(input)).toBe(ns));

  it.each<[string, string]>([
    ["", 'time: invalid duration ""'],
    ["3", 'time: missing unit in duration "3"'],
    ["-", 'time: invalid duration "-"'],
    ["s", 'time: invalid duration "s"'],
    [".", 'time: invalid duration "."'],
    ["-.", 'time: invalid duration "-."'],
    [".s", 'time: invalid duration ".s"'],
    ["+.s", 'time: invalid duration "+.s"'],
    ["1d", 'time: unknown unit "d" in duration "1d"'],
    ["30d", 'time: unknown unit "d" in duration "30d"'],
    ["720H", 'time: unknown unit "H" in duration "720H"'],
    ["1 h", 'time: unknown unit " h" in duration "1 h"'],
    ["x", 'time: invalid duration "x"'],
    ["\uFFFD", 'time: invalid duration "\\xef\\xbf\\xbd"'],
    ["\uFFFD hello \uFFFD world", 'time: invalid duration "\\xef\\xbf\\xbd hello \\xef\\xbf\\xbd world"'],
    ['"1h"', 'time: invalid duration "\\"1h\\""'],
    ["1\u00b5", 'time: unknown unit "\\xc2\\xb5" in duration "1\\xc2\\xb5"'],
    // overflow
    ["9223372036854775810ns", 'time: invalid duration "9223372036854775810ns"'],
    ["9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'],
    ["9223372036854776us", 'time: invalid duration "9223372036854776us"'],
    ["3000000h", 'time: invalid duration "3000000h"'],
    ["9223372036854775.808us", 'time: invalid duration "9223372036854775.808us"'],
    ["9223372036854ms775us808ns", 'time: invalid duration "9223372036854ms775us808ns"'],
  ])("%j is refused with Go's message", (input, message) => {
    expect(() => parseGoDurationNs(input)).toThrow(DurationError);
    expect(() => parseGoDurationNs(input)).toThrow(message);
    expect(isGoDuration(input)).toBe(false);
  });
});

describe("parseGoDuration (milliseconds)", () => {
  it.each<[string, number]>([
    ["720h", 2_592_000_000],
    ["720h0m0s", 2_592_000_000],
    ["1h30m", 5_400_000],
    ["10m", 600_000],
    ["0s", 0],
    ["1500us", 1.5],
    ["-1m", -60_000],
    ["2562047h47m16.854775807s", 9_223_372_036_854.775],
  ])("%s → %d ms", (input, ms) => expect(parseGoDuration(input)).toBeCloseTo(ms, 2));
});

describe("formatGoDurationNs (Duration.String)", () => {
  // Go's durationTests, plus what Velero stores.
  it.each<[bigint, string]>([
    [0n, "0s"],
    [1n, "1ns"],
    [1100n, "1.1\u00b5s"],
    [2_200_000n, "2.2ms"],
    [3_300_000_000n, "3.3s"],
    [4n * M + 5n * S, "4m5s"],
    [4n * M + 5001n * 1_000_000n, "4m5.001s"],
    [5n * H + 6n * M + 7001n * 1_000_000n, "5h6m7.001s"],
    [8n * M + 1n, "8m0.000000001s"],
    [(1n << 63n) - 1n, "2562047h47m16.854775807s"],
    [-(1n << 63n), "-2562047h47m16.854775808s"],
    [720n * H, "720h0m0s"],
    [H + 30n * M, "1h30m0s"],
    [10n * M, "10m0s"],
    [H, "1h0m0s"],
    [-M, "-1m0s"],
    [-1n, "-1ns"],
  ])("%s ns → %s", (ns, text) => expect(formatGoDurationNs(ns)).toBe(text));

  it("refuses values outside int64", () => {
    expect(() => formatGoDurationNs(1n << 63n)).toThrow(RangeError);
    expect(() => formatGoDurationNs(-(1n << 63n) - 1n)).toThrow(RangeError);
  });

  it("round-trips with parseGoDurationNs", () => {
    for (const ns of [
      0n,
      1n,
      999n,
      1000n,
      1_500_000n,
      S,
      90n * M,
      720n * H,
      MAX_DURATION_NS,
      -(1n << 63n),
      -7n * H - 1n,
    ])
      expect(parseGoDurationNs(formatGoDurationNs(ns))).toBe(ns);
  });
});

describe("formatGoDuration (milliseconds)", () => {
  it.each<[number, string]>([
    [2_592_000_000, "720h0m0s"],
    [5_400_000, "1h30m0s"],
    [600_000, "10m0s"],
    [0, "0s"],
    [1.5, "1.5ms"],
    [0.001, "1\u00b5s"],
    [-60_000, "-1m0s"],
    [30 * 24 * 3_600_000, "720h0m0s"],
    [9_223_372_036_854, "2562047h47m16.854s"],
  ])("%d ms → %s", (ms, text) => expect(formatGoDuration(ms)).toBe(text));

  it("refuses NaN and infinities", () => {
    expect(() => formatGoDuration(Number.NaN)).toThrow(RangeError);
    expect(() => formatGoDuration(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe("ttlFrom: the console's TTL picker → Go duration", () => {
  it.each<[Parameters<typeof ttlFrom>[0], string]>([
    [{ value: 30, unit: "days" }, "720h0m0s"],
    [{ value: 1, unit: "days" }, "24h0m0s"],
    [{ value: 90, unit: "days" }, "2160h0m0s"],
    [{ value: 1, unit: "hours" }, "1h0m0s"],
    [{ value: 36, unit: "hours" }, "36h0m0s"],
    [{ value: TTL_MAX.days, unit: "days" }, "2562024h0m0s"],
    [{ value: TTL_MAX.hours, unit: "hours" }, "2562047h0m0s"],
  ])("%j → %s", (input, ttl) => {
    expect(ttlFrom(input)).toBe(ttl);
    expect(parseGoDurationNs(ttlFrom(input))).toBeGreaterThan(0n); // what Velero will read back
  });

  it.each<[unknown, RegExp]>([
    [{ value: 0, unit: "days" }, /whole number of days ≥ 1/],
    [{ value: -1, unit: "hours" }, /≥ 1/],
    [{ value: 1.5, unit: "hours" }, /whole number/],
    [{ value: Number.NaN, unit: "hours" }, /whole number/],
    [{ value: TTL_MAX.days + 1, unit: "days" }, /longer than Go can represent/],
    [{ value: TTL_MAX.hours + 1, unit: "hours" }, /longer than Go can represent/],
    [{ value: 1, unit: "weeks" }, /unknown TTL unit/],
  ])("%j is refused", (input, message) =>
    expect(() => ttlFrom(input as Parameters<typeof ttlFrom>[0])).toThrow(message),
  );

  it.each<[string, ReturnType<typeof ttlInputFrom>]>([
    ["720h0m0s", { value: 30, unit: "days" }],
    ["24h", { value: 1, unit: "days" }],
    ["36h0m0s", { value: 36, unit: "hours" }],
    ["1h", { value: 1, unit: "hours" }],
    ["90m", null],
    ["0s", null],
    ["-24h", null],
  ])("ttlInputFrom(%s) → %j (for editing a stored schedule)", (ttl, input) => expect(ttlInputFrom(ttl)).toEqual(input));
});

describe("describeTtl", () => {
  it.each([
    ["720h0m0s", "30 days"],
    ["336h", "14 days"],
    ["24h0m0s", "1 day"],
    ["36h0m0s", "36 hours"],
    ["1h", "1 hour"],
    ["90m", "90m"],
    ["not a duration", "not a duration"],
  ])("%s → %s", (ttl, words) => expect(describeTtl(ttl)).toBe(words));
});
