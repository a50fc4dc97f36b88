// Go durations, the way Velero reads and writes them. Every duration in a Velero spec (ttl, csiSnapshotTimeout,
// itemOperationTimeout, hook timeouts) is a metav1.Duration: a JSON string parsed with Go's time.ParseDuration and
// printed with time.Duration.String(). The CRDs type these fields as a plain string, so the API server accepts
// "30d" and Velero then fails to decode the object; the console checks them here instead.
//
// Ports of time.ParseDuration and Duration.String (Go's src/time/format.go and time.go). Nanoseconds are held in a
// bigint so every int64 duration round-trips exactly; the millisecond API is for callers that think in JS time.
// Pure code, no I/O, safe in the browser.

const NS = 1n;
const US = 1_000n * NS;
const MS = 1_000n * US;
const SECOND = 1_000n * MS;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;

/** Go's unit table. There is no "d": Velero (and Go) have no day unit. */
const UNITS: Record<string, bigint> = {
  ns: NS,
  us: US,
  "\u00b5s": US, // U+00B5 micro sign
  "\u03bcs": US, // U+03BC Greek small letter mu
  ms: MS,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
};

const TWO_63 = 1n << 63n;
const INT64_MAX = TWO_63 - 1n;

/** The largest duration Go can hold: 2562047h47m16.854775807s. */
export const MAX_DURATION_NS = INT64_MAX;

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/**
 * Go's time.quote: ASCII printable characters as they are (with \" and \\ escaped), every byte of anything else
 * as \xNN of its UTF-8 encoding.
 */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x80 || code < 0x20) {
      for (const b of new TextEncoder().encode(ch)) out += `\\x${b.toString(16).padStart(2, "0")}`;
    } else {
      if (ch === '"' || ch === "\\") out += "\\";
      out += ch;
    }
  }
  return out + '"';
}

/** A Go duration string is not valid; `message` is Go's error text, e.g. `time: invalid duration "30d"`. */
export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DurationError";
  }
}

/**
 * time.ParseDuration, exactly: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, units ns us µs μs ms s m h, "0" alone allowed.
 * Returns nanoseconds. Throws DurationError with Go's messages:
 *   time: invalid duration "x" | time: missing unit in duration "1" | time: unknown unit "d" in duration "30d"
 */
export function parseGoDurationNs(orig: string): bigint {
  const invalid = () => new DurationError(`time: invalid duration ${goQuote(orig)}`);
  let s = orig;
  let d = 0n;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw invalid();
  while (s !== "") {
    let v = 0n; // integer part
    let f = 0n; // fraction digits
    let scale = 1; // value = v + f/scale
    if (!(s[0] === "." || isDigit(s[0]))) throw invalid();
    // leadingInt: overflow is an error
    let i = 0;
    for (; isDigit(s[i]); i++) {
      if (v > TWO_63 / 10n) throw invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > TWO_63) throw invalid();
    }
    const pre = i > 0;
    s = s.slice(i);
    let post = false;
    if (s !== "" && s[0] === ".") {
      s = s.slice(1);
      // leadingFraction: stops adding precision on overflow, never fails
      let j = 0;
      let overflow = false;
      for (; isDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > INT64_MAX / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
        if (y > TWO_63) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid(); // no digits, e.g. ".s"
    let k = 0;
    while (k < s.length && s[k] !== "." && !isDigit(s[k])) k++;
    if (k === 0) throw new DurationError(`time: missing unit in duration ${goQuote(orig)}`);
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS[u];
    if (unit === undefined) throw new DurationError(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    if (v > TWO_63 / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go does this in float64 and truncates (nanosecond-accurate up to hours).
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO_63) throw invalid();
    }
    d += v;
    if (d > TWO_63) throw invalid();
  }
  if (neg) return -d;
  if (d > INT64_MAX) throw invalid();
  return d;
}

/** time.ParseDuration in milliseconds (fractional below 1 ms: "1500us" → 1.5). */
export function parseGoDuration(s: string): number {
  const ns = parseGoDurationNs(s);
  const whole = ns / MS;
  return Number(whole) + Number(ns - whole * MS) / 1e6;
}

/** Is `s` something Velero's metav1.Duration would accept? */
export function isGoDuration(s: string): boolean {
  try {
    parseGoDurationNs(s);
    return true;
  } catch {
    return false;
  }
}

/** `v / 10**prec` as ".123" without trailing zeros (nothing when the fraction is 0); returns [text, v / 10**prec]. */
function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let out = "";
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print ||= digit !== 0n;
    if (print) out = digit.toString() + out;
    v /= 10n;
  }
  return [print ? `.${out}` : "", v];
}

/** time.Duration.String(): "720h0m0s", "1h30m0s", "10m0s", "1.5s", "2ms", "0s", "-1m0s". */
export function formatGoDurationNs(d: bigint): string {
  if (d < -TWO_63 || d > INT64_MAX) throw new RangeError(`duration ${d}ns is outside Go's int64 range`);
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < SECOND) {
    if (u === 0n) return "0s";
    let unit: string;
    let prec: number;
    if (u < US) [unit, prec] = ["ns", 0];
    else if (u < MS) [unit, prec] = ["\u00b5s", 3];
    else [unit, prec] = ["ms", 6];
    const [frac, rest] = fmtFrac(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const [frac, secs] = fmtFrac(u, 9);
    u = secs;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`; // Go stops at hours: days differ in length
    }
  }
  return neg ? `-${out}` : out;
}

/** Duration.String() of a millisecond count (sub-millisecond fractions are kept to the nanosecond). */
export function formatGoDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`duration ${ms}ms is not a finite number`);
  const whole = Math.trunc(ms);
  const ns = BigInt(whole) * MS + BigInt(Math.round((ms - whole) * 1e6));
  return formatGoDurationNs(ns);
}

// ---------------------------------------------------------------------------------------------------------------
// The console's TTL picker: a whole number of hours or days, turned into a Go duration.
// ---------------------------------------------------------------------------------------------------------------

export const TTL_UNITS = ["hours", "days"] as const;
export type TtlUnit = (typeof TTL_UNITS)[number];
export interface TtlInput {
  value: number;
  unit: TtlUnit;
}

const UNIT_NS: Record<TtlUnit, bigint> = { hours: HOUR, days: 24n * HOUR };

/** The largest value Go can hold for each unit (2562047 hours, 106751 days). */
export const TTL_MAX: Record<TtlUnit, number> = {
  hours: Number(INT64_MAX / UNIT_NS.hours),
  days: Number(INT64_MAX / UNIT_NS.days),
};

/**
 * {value: 30, unit: "days"} → "720h0m0s" (what `velero backup create --ttl 720h` stores). A day is 24h: Velero has
 * no calendar-day unit. Value must be a whole number ≥ 1 (0 would mean "the server default", which the console
 * never relies on) and fit Go's int64 nanoseconds.
 */
export function ttlFrom(input: TtlInput): string {
  const { value, unit } = input;
  if (!(unit in UNIT_NS)) throw new DurationError(`unknown TTL unit ${JSON.stringify(unit)} (expected hours or days)`);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new DurationError(`TTL must be a whole number of ${unit} ≥ 1, got ${value}`);
  if (value > TTL_MAX[unit])
    throw new DurationError(
      `TTL of ${value} ${unit} is longer than Go can represent (at most ${TTL_MAX[unit]} ${unit})`,
    );
  return formatGoDurationNs(BigInt(value) * UNIT_NS[unit]);
}

/**
 * The picker value for a stored Go duration, for editing an existing Schedule: whole days when it divides evenly,
 * else whole hours; null when the duration is not a positive whole number of hours (e.g. "90m").
 */
export function ttlInputFrom(goDuration: string): TtlInput | null {
  const ns = parseGoDurationNs(goDuration);
  if (ns <= 0n || ns % HOUR !== 0n) return null;
  if (ns % UNIT_NS.days === 0n) return { value: Number(ns / UNIT_NS.days), unit: "days" };
  return { value: Number(ns / HOUR), unit: "hours" };
}

/** A retention in words: "720h0m0s" → "30 days", "36h0m0s" → "36 hours", "90m" → "1h30m0s" (the Go form when not whole hours). */
export function describeTtl(goDuration: string): string {
  let picked: TtlInput | null;
  try {
    picked = ttlInputFrom(goDuration);
  } catch {
    return goDuration;
  }
  if (!picked) return goDuration;
  const unit = picked.value === 1 ? picked.unit.slice(0, -1) : picked.unit;
  return `${picked.value} ${unit}`;
}
