import { parseGoDurationNs } from "../velero/duration";
// robfig/cron v3 ParseStandard semantics, shared by the console (schedule validation) and the sandbox's Velero stand-in.
/**
 * Cron schedules for the sandbox Velero stand-in: a faithful TypeScript port of what Velero's server does
 * with `Schedule.spec.schedule`, namely robfig/cron v3 `cron.ParseStandard(spec)` followed by
 * `sched.Next(t)` (parser.go, spec.go and constantdelay.go of github.com/robfig/cron/v3 v3.0.1).
 * No npm dependency: time zones come from the runtime's `Intl` (ICU) data.
 *
 * Grammar (ParseStandard = Minute | Hour | Dom | Month | Dow | Descriptor; the seconds field is fixed at 0):
 *
 *   spec   = [ ("CRON_TZ=" | "TZ=") zone " " ] ( fields | descriptor )
 *   fields = minute hour day-of-month month day-of-week        exactly 5, split on Go unicode.IsSpace
 *   field  = range { "," range }                                empty list items are skipped (",,")
 *   range  = ( "*" | "?" | value [ "-" value ] ) [ "/" step ]   "a/n" means "a-max/n"
 *   descriptor = @yearly | @annually | @monthly | @weekly | @daily | @midnight | @hourly | "@every " duration
 *
 * Faithful details worth knowing (all as robfig does them):
 *   - `?` is accepted in every field, not only day-of-month / day-of-week, and means `*`.
 *   - Names (JAN-DEC, SUN-SAT) are case-insensitive and allowed only in month / day-of-week.
 *     Day-of-week is 0-6; `7` is rejected ("end of range (7) above maximum (6): 7").
 *   - Numbers go through Go's strconv.Atoi, so `+5` and `05` are accepted.
 *   - After a `*` or `?` anything following a `-` is ignored (`*-3` == `*`), a star step (`*` + `/n`) keeps the star bit.
 *   - Day matching: when the day-of-month OR the day-of-week field contains a star (`*`, `?`, or a star with a step),
 *     a day must match BOTH fields; otherwise it must match EITHER (robfig's `dayMatches` star-bit logic).
 *   - Descriptors are matched exactly (case-sensitive, no trailing blanks); `@reboot` is unrecognised.
 *   - `@every d`: Go `time.ParseDuration` syntax; the delay is `max(d, 1s)` truncated to whole seconds and
 *     `next(t)` = t truncated to the second + delay. `@every` ignores any CRON_TZ prefix.
 *   - The time zone: without a prefix robfig uses `time.Local`. Velero's server container runs with UTC as
 *     its local zone (no TZ set), so the default here is UTC. `TZ=Local` and `TZ=` (empty name) are UTC too,
 *     as `time.LoadLocation` maps them to Local / UTC.
 *
 * `next(after)` ports SpecSchedule.Next step by step, emulating the Go `time` operations it uses:
 *   - `t.Add(d)` is instant arithmetic; `t.Truncate(d)` rounds the instant down (not the wall clock);
 *   - `time.Date(...)` / `t.AddDate(...)` normalise the wall-clock fields and resolve them in the zone with
 *     Go's exact rule: offset = offsetAt(wall - offsetAt(wall)) (wall read as if it were UTC). So a wall
 *     time skipped by a spring-forward resolves to the earlier instant (02:30 in New York on the
 *     spring-forward day becomes 01:30 EST) and an ambiguous fall-back time resolves to the first
 *     occurrence in zones west of UTC and to the second one in zones east of UTC — exactly like Go.
 *   - the search then walks month -> day -> hour -> minute -> second, adding units and re-reading the wall
 *     clock, wrapping back to the month check, and gives up after 5 years with the "zero time".
 *   Consequences (same as Velero): a time skipped by a spring-forward does not fire that day
 *   (`0 2 * * *` in America/New_York skips the spring-forward day), and a time repeated by a fall-back
 *   fires twice (`0 1 * * *` in America/New_York fires at 01:00 EDT and again at 01:00 EST).
 *
 * Deliberate deviations from robfig/Go (none reachable by a sane Velero Schedule):
 *   - The "zero time" is `new Date(0)` (the Unix epoch), not Go's year-1 zero `time.Time`.
 *   - `CRON_TZ=zone` with no following ASCII space makes Go panic (slice bounds out of range); here it is a
 *     CronError "provided bad location <rest>: missing space after the time zone".
 *   - Zone lookup uses ICU instead of the zoneinfo files: names ICU does not know are "unknown time zone
 *     <name>"; a name that differs from its ICU canonical name only by letter case (e.g. `utc`,
 *     `america/new_york`) is rejected like Go on a case-sensitive file system, but a wrongly-cased alias
 *     (`us/eastern`) is accepted; offset-style names (`+05:30`) are rejected.
 *   - Millisecond precision (JS Date) instead of nanoseconds.
 *   - A safety valve: if the search loop ever exceeded 1,000,000 steps (Go would spin forever) the zero
 *     time is returned; a schedule that can never match (an empty field such as `,`) returns the zero
 *     time at once instead of iterating through five years.
 */

export class CronError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CronError";
  }
}

export interface CronSchedule {
  /** The first activation strictly after `after`; `new Date(0)` when none exists within five years. */
  next(after: Date): Date;
  /** IANA zone the schedule is evaluated in ("UTC" unless a CRON_TZ= / TZ= prefix names another zone). */
  readonly timeZone: string;
  /** The spec exactly as given to parseStandard. */
  readonly spec: string;
}

// ---------------------------------------------------------------------------------------------------------
// Go helpers: whitespace, quoting, strconv.Atoi, time.ParseDuration
// ---------------------------------------------------------------------------------------------------------

/** Go's unicode.IsSpace set (note: includes U+0085, excludes U+FEFF, unlike JS `\s`). */
const GO_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
const GO_SPACE_RUN = new RegExp(`[${GO_SPACE}]+`);
const GO_SPACE_CODES = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** strings.Fields */
function goFields(s: string): string[] {
  return s.split(GO_SPACE_RUN).filter((f) => f !== "");
}

/**
 * strings.TrimSpace, in linear time: a Schedule's text comes from the cluster, and the regex this replaced
 * (`^\s+|\s+$`) went quadratic on a long run of spaces followed by a non-space.
 */
export function goTrimSpace(s: string): string {
  let from = 0;
  let to = s.length;
  while (from < to && GO_SPACE_CODES.has(s.charCodeAt(from))) from++;
  while (to > from && GO_SPACE_CODES.has(s.charCodeAt(to - 1))) to--;
  return s.slice(from, to);
}

/** fmt "%s" of a []string: `[a b c]`. */
function goStringSlice(items: string[]): string {
  return `[${items.join(" ")}]`;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.Quote (as used in strconv.NumError messages). */
function strconvQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\v") out += "\\v";
    else if (cp < 0x80) out += "\\x" + cp.toString(16).padStart(2, "0");
    else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += "\\U" + cp.toString(16).padStart(8, "0");
  }
  return out + '"';
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** strconv.Atoi on a 64-bit platform; returns the value or the NumError message. */
function goAtoi(s: string): { value: bigint } | { error: string } {
  const syntax = { error: `strconv.Atoi: parsing ${strconvQuote(s)}: invalid syntax` };
  const range = { error: `strconv.Atoi: parsing ${strconvQuote(s)}: value out of range` };
  if (s === "") return syntax;
  let body = s;
  let neg = false;
  if (body[0] === "+" || body[0] === "-") {
    neg = body[0] === "-";
    body = body.slice(1);
  }
  if (body === "") return syntax;
  // ParseUint(base 10): the first bad digit or the first overflow, whichever comes first, decides.
  let n = 0n;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (!isDigitCode(c)) return syntax;
    n = n * 10n + BigInt(c - 48);
    if (n > UINT64_MAX) return range;
  }
  const v = neg ? -n : n;
  if (v > INT64_MAX || v < INT64_MIN) return range;
  return { value: v };
}

const NS_SECOND = 1_000_000_000n;

// ---------------------------------------------------------------------------------------------------------
// Time zones: the few Go time operations SpecSchedule.Next uses, on millisecond instants
// ---------------------------------------------------------------------------------------------------------

const MS_SECOND = 1000;
const MS_MINUTE = 60 * MS_SECOND;
const MS_HOUR = 60 * MS_MINUTE;

interface Wall {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

function floorTo(ms: number, unit: number): number {
  return Math.floor(ms / unit) * unit;
}

/** Wall-clock fields read as if they were UTC, normalised like Go's time.Date (overflow carries). */
function wallAsUtc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

class Zone {
  private readonly fmt: Intl.DateTimeFormat | null;
  private readonly cache = new Map<number, number>();

  constructor(readonly name: string) {
    this.fmt =
      name === "UTC"
        ? null
        : new Intl.DateTimeFormat("en-US", {
            timeZone: name,
            hourCycle: "h23",
            year: "numeric",
            month: "numeric",
            day: "numeric",
            hour: "numeric",
            minute: "numeric",
            second: "numeric",
          });
  }

  /** UTC offset (ms) in effect at an instant. */
  offsetAt(instant: number): number {
    if (this.fmt === null) return 0;
    const sec = floorTo(instant, MS_SECOND);
    const hit = this.cache.get(sec);
    if (hit !== undefined) return hit;
    const p: Record<string, number> = {};
    for (const part of this.fmt.formatToParts(sec)) {
      if (part.type !== "literal") p[part.type] = Number(part.value);
    }
    const local = wallAsUtc(p.year!, p.month!, p.day!, p.hour! % 24, p.minute!, p.second!, 0);
    const off = local - sec;
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(sec, off);
    return off;
  }

  /** t.Year(), t.Month(), ... in this zone. */
  wall(instant: number): Wall {
    const d = new Date(instant + this.offsetAt(instant));
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      weekday: d.getUTCDay(),
    };
  }

  /**
   * time.Date(year, month, day, hour, min, sec, nsec, loc). Go looks the offset up at the wall time read as
   * UTC, and if the resulting instant falls outside that offset's zone period, looks the offset up again
   * at that instant; either way the offset used is offsetAt(wall - offsetAt(wall)).
   */
  date(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
    const wall = wallAsUtc(year, month, day, hour, minute, second, ms);
    return wall - this.offsetAt(wall - this.offsetAt(wall));
  }

  /** t.AddDate(years, months, days): add to the wall-clock fields and resolve with time.Date. */
  addDate(instant: number, years: number, months: number, days: number): number {
    const w = this.wall(instant);
    const ms = instant - floorTo(instant, MS_SECOND);
    return this.date(w.year + years, w.month + months, w.day + days, w.hour, w.minute, w.second, ms);
  }
}

/**
 * time.LoadLocation as Velero's server sees it. Returns the zone or Go's error text.
 * "" and "UTC" are UTC; "Local" is the server's local zone, which is UTC in Velero's container.
 */
function loadLocation(name: string): Zone | string {
  if (name === "" || name === "UTC" || name === "Local") return new Zone("UTC");
  if (name.includes("..") || name[0] === "/" || name[0] === "\\") return "time: invalid location name";
  const unknown = `unknown time zone ${name}`;
  if (name[0] === "+" || name[0] === "-") return unknown;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return unknown;
  }
  // Go opens a zoneinfo file, so the name is case-sensitive; ICU matches case-insensitively.
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return unknown;
  return new Zone(name);
}

// ---------------------------------------------------------------------------------------------------------
// Parser (parser.go)
// ---------------------------------------------------------------------------------------------------------

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const SECONDS: Bounds = { min: 0, max: 59 };
const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** Set if a star (`*` or `?`) was included in the expression. */
const STAR_BIT = 1n << 63n;
const MAX_UINT64 = (1n << 64n) - 1n;

/** getBits: all bits in [min, max], modulo the step. */
function getBits(min: bigint, max: bigint, step: bigint): bigint {
  if (step === 1n) return ~(MAX_UINT64 << (max + 1n)) & (MAX_UINT64 << min) & MAX_UINT64;
  let bits = 0n;
  for (let i = min; i <= max; i += step) bits |= 1n << i;
  return bits;
}

function all(r: Bounds): bigint {
  return getBits(BigInt(r.min), BigInt(r.max), 1n) | STAR_BIT;
}

/** mustParseInt */
function mustParseInt(expr: string): bigint {
  const res = goAtoi(expr);
  if ("error" in res) throw new CronError(`failed to parse int from ${expr}: ${res.error}`);
  if (res.value < 0n) throw new CronError(`negative number (${res.value}) not allowed: ${expr}`);
  return res.value;
}

/** parseIntOrName */
function parseIntOrName(expr: string, names: Record<string, number> | undefined): bigint {
  if (names !== undefined) {
    const key = expr.toLowerCase();
    if (Object.hasOwn(names, key)) return BigInt(names[key]!);
  }
  return mustParseInt(expr);
}

/** getRange: number | number "-" number [ "/" number ], or a star with an optional step. */
function getRange(expr: string, r: Bounds): bigint {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0]!.split("-");
  const singleDigit = lowAndHigh.length === 1;
  const min = BigInt(r.min);
  const max = BigInt(r.max);
  let start: bigint;
  let end: bigint;
  let step: bigint;
  let extra = 0n;

  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = min;
    end = max;
    extra = STAR_BIT;
  } else {
    start = parseIntOrName(lowAndHigh[0]!, r.names);
    switch (lowAndHigh.length) {
      case 1:
        end = start;
        break;
      case 2:
        end = parseIntOrName(lowAndHigh[1]!, r.names);
        break;
      default:
        throw new CronError(`too many hyphens: ${expr}`);
    }
  }

  switch (rangeAndStep.length) {
    case 1:
      step = 1n;
      break;
    case 2:
      step = mustParseInt(rangeAndStep[1]!);
      // Special handling: "N/step" means "N-max/step".
      if (singleDigit) end = max;
      break;
    default:
      throw new CronError(`too many slashes: ${expr}`);
  }

  if (start < min) throw new CronError(`beginning of range (${start}) below minimum (${min}): ${expr}`);
  if (end > max) throw new CronError(`end of range (${end}) above maximum (${max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0n) throw new CronError(`step of range should be a positive number: ${expr}`);

  return getBits(start, end, step) | extra;
}

/** getField: a comma-separated list of ranges (empty items are skipped, like strings.FieldsFunc). */
function getField(field: string, r: Bounds): bigint {
  let bits = 0n;
  for (const expr of field.split(",")) {
    if (expr === "") continue;
    bits |= getRange(expr, r);
  }
  return bits;
}

interface SpecBits {
  second: bigint;
  minute: bigint;
  hour: bigint;
  dom: bigint;
  month: bigint;
  dow: bigint;
}

function parseDescriptor(descriptor: string, zone: Zone, spec: string): CronSchedule {
  const one = (r: Bounds) => 1n << BigInt(r.min);
  const make = (b: SpecBits) => new SpecSchedule(spec, zone, b);
  switch (descriptor) {
    case "@yearly":
    case "@annually":
      return make({
        second: one(SECONDS),
        minute: one(MINUTES),
        hour: one(HOURS),
        dom: one(DOM),
        month: one(MONTHS),
        dow: all(DOW),
      });
    case "@monthly":
      return make({
        second: one(SECONDS),
        minute: one(MINUTES),
        hour: one(HOURS),
        dom: one(DOM),
        month: all(MONTHS),
        dow: all(DOW),
      });
    case "@weekly":
      return make({
        second: one(SECONDS),
        minute: one(MINUTES),
        hour: one(HOURS),
        dom: all(DOM),
        month: all(MONTHS),
        dow: one(DOW),
      });
    case "@daily":
    case "@midnight":
      return make({
        second: one(SECONDS),
        minute: one(MINUTES),
        hour: one(HOURS),
        dom: all(DOM),
        month: all(MONTHS),
        dow: all(DOW),
      });
    case "@hourly":
      return make({
        second: one(SECONDS),
        minute: one(MINUTES),
        hour: all(HOURS),
        dom: all(DOM),
        month: all(MONTHS),
        dow: all(DOW),
      });
  }
  const every = "@every ";
  if (descriptor.startsWith(every)) {
    let duration: bigint;
    try {
      duration = parseGoDurationNs(descriptor.slice(every.length));
    } catch (err) {
      throw new CronError(`failed to parse duration ${descriptor}: ${(err as Error).message}`, { cause: err });
    }
    return new ConstantDelaySchedule(spec, zone.name, duration);
  }
  throw new CronError(`unrecognized descriptor: ${descriptor}`);
}

/**
 * cron.ParseStandard: 5 fields (minute hour day-of-month month day-of-week) or a descriptor, with an
 * optional `CRON_TZ=<zone> ` / `TZ=<zone> ` prefix. Throws CronError with robfig's messages.
 */
export function parseStandard(spec: string): CronSchedule {
  if (typeof spec !== "string") throw new CronError("empty spec string");
  const original = spec;
  if (spec.length === 0) throw new CronError("empty spec string");

  // Extract the time zone if present. No prefix means time.Local, which is UTC for Velero's server.
  let zone = new Zone("UTC");
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const i = spec.indexOf(" ");
    const eq = spec.indexOf("=");
    if (i < 0) {
      // Go: spec[eq+1:-1] panics with "slice bounds out of range".
      throw new CronError(`provided bad location ${spec.slice(eq + 1)}: missing space after the time zone`);
    }
    const name = spec.slice(eq + 1, i);
    const loc = loadLocation(name);
    if (typeof loc === "string") throw new CronError(`provided bad location ${name}: ${loc}`);
    zone = loc;
    spec = goTrimSpace(spec.slice(i));
  }

  // Named schedules (descriptors).
  if (spec.startsWith("@")) return parseDescriptor(spec, zone, original);

  const fields = goFields(spec);
  if (fields.length !== 5) {
    throw new CronError(`expected exactly 5 fields, found ${fields.length}: ${goStringSlice(fields)}`);
  }
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  return new SpecSchedule(original, zone, {
    second: getField("0", SECONDS),
    minute: getField(minute, MINUTES),
    hour: getField(hour, HOURS),
    dom: getField(dom, DOM),
    month: getField(month, MONTHS),
    dow: getField(dow, DOW),
  });
}

// ---------------------------------------------------------------------------------------------------------
// Schedules (spec.go, constantdelay.go)
// ---------------------------------------------------------------------------------------------------------

function zeroTime(): Date {
  return new Date(0);
}

function instantOf(after: Date): number {
  const ms = after instanceof Date ? after.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new RangeError("cron: next() needs a valid Date");
  return ms;
}

function toFlags(bits: bigint, size: number): boolean[] {
  const flags: boolean[] = [];
  for (let i = 0; i < size; i++) flags.push(((bits >> BigInt(i)) & 1n) === 1n);
  return flags;
}

const MAX_STEPS = 1_000_000;

class SpecSchedule implements CronSchedule {
  readonly timeZone: string;
  private readonly second: boolean[];
  private readonly minute: boolean[];
  private readonly hour: boolean[];
  private readonly dom: boolean[];
  private readonly month: boolean[];
  private readonly dow: boolean[];
  /** dayMatches uses AND when either day field contains a star, OR otherwise. */
  private readonly dayAnd: boolean;
  /** Some field can never match: robfig would search five years and return the zero time. */
  private readonly never: boolean;

  constructor(
    readonly spec: string,
    private readonly zone: Zone,
    bits: SpecBits,
  ) {
    this.timeZone = zone.name;
    this.second = toFlags(bits.second, 60);
    this.minute = toFlags(bits.minute, 60);
    this.hour = toFlags(bits.hour, 24);
    this.dom = toFlags(bits.dom, 32);
    this.month = toFlags(bits.month, 13);
    this.dow = toFlags(bits.dow, 7);
    this.dayAnd = (bits.dom & STAR_BIT) !== 0n || (bits.dow & STAR_BIT) !== 0n;
    const none = (flags: boolean[]) => !flags.includes(true);
    const noDay = this.dayAnd ? none(this.dom) || none(this.dow) : none(this.dom) && none(this.dow);
    this.never = none(this.second) || none(this.minute) || none(this.hour) || none(this.month) || noDay;
  }

  private dayMatches(w: Wall): boolean {
    const domMatch = this.dom[w.day]!;
    const dowMatch = this.dow[w.weekday]!;
    return this.dayAnd ? domMatch && dowMatch : domMatch || dowMatch;
  }

  next(after: Date): Date {
    const z = this.zone;
    let t = instantOf(after);
    if (this.never) return zeroTime();

    // Start at the earliest possible time (the upcoming second).
    t = floorTo(t, MS_SECOND) + MS_SECOND;
    let added = false;
    const yearLimit = z.wall(t).year + 5;
    let steps = 0;

    wrap: for (;;) {
      let w = z.wall(t);
      if (w.year > yearLimit) return zeroTime();

      // Find the first applicable month.
      while (!this.month[w.month]) {
        if (++steps > MAX_STEPS) return zeroTime();
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, 1, 0, 0, 0, 0);
        }
        t = z.addDate(t, 0, 1, 0);
        w = z.wall(t);
        if (w.month === 1) continue wrap;
      }

      // Now get a day in that month. When midnight does not exist (DST), fix the hour up as robfig does.
      while (!this.dayMatches(w)) {
        if (++steps > MAX_STEPS) return zeroTime();
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, w.day, 0, 0, 0, 0);
        }
        t = z.addDate(t, 0, 0, 1);
        w = z.wall(t);
        if (w.hour !== 0) {
          t = w.hour > 12 ? t + (24 - w.hour) * MS_HOUR : t - w.hour * MS_HOUR;
          w = z.wall(t);
        }
        if (w.day === 1) continue wrap;
      }

      while (!this.hour[w.hour]) {
        if (++steps > MAX_STEPS) return zeroTime();
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, w.day, w.hour, 0, 0, 0);
        }
        t += MS_HOUR;
        w = z.wall(t);
        if (w.hour === 0) continue wrap;
      }

      while (!this.minute[w.minute]) {
        if (++steps > MAX_STEPS) return zeroTime();
        if (!added) {
          added = true;
          t = floorTo(t, MS_MINUTE);
        }
        t += MS_MINUTE;
        w = z.wall(t);
        if (w.minute === 0) continue wrap;
      }

      while (!this.second[w.second]) {
        if (++steps > MAX_STEPS) return zeroTime();
        if (!added) {
          added = true;
          t = floorTo(t, MS_SECOND);
        }
        t += MS_SECOND;
        w = z.wall(t);
        if (w.second === 0) continue wrap;
      }

      return new Date(t);
    }
  }
}

/** `@every <duration>`: robfig's ConstantDelaySchedule. */
class ConstantDelaySchedule implements CronSchedule {
  /** Whole seconds, at least one. */
  private readonly delayMs: number;

  constructor(
    readonly spec: string,
    readonly timeZone: string,
    durationNs: bigint,
  ) {
    // Every(): delays under a second become a second; anything below a second is truncated.
    const d = durationNs < NS_SECOND ? NS_SECOND : durationNs;
    this.delayMs = Number((d - (d % NS_SECOND)) / 1_000_000n);
  }

  next(after: Date): Date {
    // t.Add(delay - t.Nanosecond()): truncate to the second, then add the delay.
    return new Date(floorTo(instantOf(after), MS_SECOND) + this.delayMs);
  }
}

/**
 * True when a valid expression never fires within five years of `from` (robfig's Next gives up there and returns the
 * zero time; Velero then never creates a backup): "0 0 31 2 *", say. `@every` always fires.
 */
export function neverRuns(schedule: CronSchedule, from: Date = new Date()): boolean {
  return schedule.next(from).getTime() === zeroTime().getTime();
}
