import { parseGoDurationNs } from "../velero/duration";
import { CronError, parseStandard } from "./robfig";

// A Velero Schedule's cron expression in words, and its next runs. Pure and isomorphic: the schedule form shows both
// while the operator types, the schedules list shows the words. The expression is validated by robfig.ts first (so
// anything described here is what Velero accepts); this file only reads the fields again to phrase them.
//
//   "0 2 * * *"          → "Every day at 02:00 UTC"
//   "0 */6 * * *"        → "Every 6 hours"
//   "15 * * * 1-5"       → "At minute 15 past every hour on Monday through Friday"
//   "@every 90m"         → "Every 1 hour and 30 minutes"
//   "CRON_TZ=Europe/Paris 30 3 * * 1" → "Every Monday at 03:30 Europe/Paris time"
//
// Times of day are written in the schedule's own zone (UTC unless a CRON_TZ= / TZ= prefix names one), since that is
// where Velero evaluates them; the browser shows the next runs in the user's zone.

const MONTHS = [
  "",
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTH_NAMES: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

/** What one field selects: its values, whether a star (`*`, `?`) appears, and a shape worth its own wording. */
type Shape =
  | { kind: "any" }
  | { kind: "values"; values: number[] }
  | { kind: "range"; start: number; end: number }
  | { kind: "step"; step: number; start: number; end: number }
  | { kind: "mixed"; values: number[] };

interface Field {
  values: number[];
  star: boolean;
  shape: Shape;
}

const num = (s: string, names?: Record<string, number>) => names?.[s.toLowerCase()] ?? Number(s);

/** Reads a field robfig already accepted (so every number is in range and every range is ordered). */
function readField(text: string, b: Bounds): Field {
  const items: { start: number; end: number; step: number; star: boolean }[] = [];
  for (const expr of text.split(",")) {
    if (expr === "") continue;
    const [range, stepText] = expr.split("/");
    const lowHigh = range.split("-");
    const star = lowHigh[0] === "*" || lowHigh[0] === "?";
    const start = star ? b.min : num(lowHigh[0], b.names);
    let end = star ? b.max : lowHigh.length > 1 ? num(lowHigh[1], b.names) : start;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (stepText !== undefined && lowHigh.length === 1) end = b.max;
    items.push({ start, end, step, star });
  }
  const set = new Set<number>();
  for (const i of items) for (let v = i.start; v <= i.end; v += i.step) set.add(v);
  const values = [...set].sort((a, c) => a - c);
  const star = items.some((i) => i.star);
  let shape: Shape;
  if (values.length === b.max - b.min + 1) shape = { kind: "any" };
  else if (items.every((i) => i.start === i.end || i.step > i.end - i.start)) shape = { kind: "values", values };
  else if (items.length === 1 && values.length > 1 && items[0].step === 1)
    shape = { kind: "range", start: values[0], end: values[values.length - 1] };
  else if (items.length === 1 && values.length > 1)
    shape = { kind: "step", step: items[0].step, start: values[0], end: values[values.length - 1] };
  else shape = { kind: "mixed", values };
  return { values, star, shape };
}

// ---------------------------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------------------------

/** "a", "a and b", "a, b and c". */
export function joinList(items: string[], conjunction = "and"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd, ... */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

const pad = (n: number) => String(n).padStart(2, "0");
const clock = (h: number, m: number) => `${pad(h)}:${pad(m)}`;
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const plural = (n: number, unit: string) => (n === 1 ? unit : `${n} ${unit}s`);

/** Consecutive runs of sorted values: [1,2,3,7] → [[1,3],[7,7]]. */
function runs(values: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const v of values) {
    const last = out[out.length - 1];
    if (last && last[1] === v - 1) last[1] = v;
    else out.push([v, v]);
  }
  return out;
}

/** "at minute 15" / "at minutes 0 and 30" / "at minutes 0, 10 through 20 and 45". */
function minutesList(values: number[]): string {
  const parts = runs(values).flatMap(([a, b]) =>
    a === b ? [String(a)] : b === a + 1 ? [String(a), String(b)] : [`${a} through ${b}`],
  );
  return `at ${values.length === 1 ? "minute" : "minutes"} ${joinList(parts)}`;
}

/** The hours a field selects as clock ranges: "02:00–02:59 and 09:00–17:59". */
const hourRanges = (values: number[]) => joinList(runs(values).map(([a, b]) => `${clock(a, 0)}–${clock(b, 59)}`));

/** The time-of-day part, lowercase. `clock` says whether it names times of day (so the zone matters). */
function timePhrase(minute: Field, hour: Field): { text: string; clock: boolean } {
  const m = minute.shape;
  const h = hour.shape;
  if (m.kind === "values") {
    const onTheHour = m.values.length === 1 && m.values[0] === 0;
    const past = onTheHour ? "" : `, ${minutesList(m.values)} past the hour`;
    if (h.kind === "any")
      return { text: onTheHour ? "every hour" : `${minutesList(m.values)} past every hour`, clock: false };
    if (h.kind === "step" && h.start === 0 && 24 % h.step === 0)
      return { text: `every ${plural(h.step, "hour")}${past}`, clock: false };
    if ((h.kind === "values" || h.kind === "mixed") && hour.values.length * m.values.length <= 8)
      return { text: `at ${joinList(hour.values.flatMap((hh) => m.values.map((mm) => clock(hh, mm))))}`, clock: true };
    if (h.kind === "range")
      return { text: `every hour from ${clock(h.start, 0)} through ${clock(h.end, 0)}${past}`, clock: true };
    if (h.kind === "step")
      return {
        text: `every ${plural(h.step, "hour")} from ${clock(h.start, 0)} through ${clock(h.end, 0)}${past}`,
        clock: true,
      };
    return {
      text: `${minutesList(m.values)} past the hours ${joinList(hour.values.map((v) => clock(v, 0)))}`,
      clock: true,
    };
  }
  let text: string;
  if (m.kind === "any") text = "every minute";
  else if (m.kind === "step" && m.start === 0 && 60 % m.step === 0) text = `every ${plural(m.step, "minute")}`;
  else if (m.kind === "step") text = `every ${plural(m.step, "minute")} from minute ${m.start} through ${m.end}`;
  else if (m.kind === "range") text = `every minute from minute ${m.start} through ${m.end}`;
  else text = minutesList(minute.values);
  if (h.kind === "any") return { text: m.kind === "mixed" ? `${text} past every hour` : text, clock: false };
  return {
    text: `${text} ${m.kind === "mixed" ? "past the hour " : ""}during ${hourRanges(hour.values)}`,
    clock: true,
  };
}

function monthText(f: Field): string {
  const s = f.shape;
  if (s.kind === "range") return `${MONTHS[s.start]} through ${MONTHS[s.end]}`;
  return joinList(f.values.map((v) => MONTHS[v]));
}

function dowText(f: Field, conjunction = "and"): string {
  const s = f.shape;
  if (s.kind === "range") return `${DAYS[s.start]} through ${DAYS[s.end]}`;
  return joinList(
    f.values.map((v) => DAYS[v]),
    conjunction,
  );
}

function domText(f: Field): string {
  const s = f.shape;
  if (s.kind === "values") return `${s.values.length === 1 ? "day" : "days"} ${joinList(s.values.map(String))}`;
  if (s.kind === "range") return `days ${s.start} through ${s.end}`;
  if (s.kind === "step" && s.start === 1) return `every ${ordinal(s.step)} day`;
  if (s.kind === "step") return `every ${ordinal(s.step)} day from day ${s.start} through ${s.end}`;
  return `days ${joinList(runs(f.values).map(([a, b]) => (a === b ? String(a) : `${a} through ${b}`)))}`;
}

/** The day and month parts, for the two sentence forms ("Every Monday at 02:00 UTC" / "Every hour on Monday"). */
function dayParts(dom: Field, month: Field, dow: Field) {
  // robfig: when either day field has a star, a day must match both; otherwise either (so a full field matches all).
  const and = dom.star || dow.star;
  let domR = dom.shape.kind !== "any";
  let dowR = dow.shape.kind !== "any";
  if (!and && (!domR || !dowR) && dom.values.length && dow.values.length) domR = dowR = false;
  // Without stars, an empty day field simply never matches: the other one decides alone.
  if (!and && !dom.values.length) domR = false;
  if (!and && !dow.values.length) dowR = false;
  const monR = month.shape.kind !== "any";
  const simpleDom = dom.shape.kind === "values";
  const ofMonth = monR ? monthText(month) : "the month";

  /** Leads a sentence whose time is "at HH:MM". */
  let lead: string;
  /** Follows a frequency ("every 6 hours ..."). */
  let tail: string;
  if (domR && dowR) {
    const days = and
      ? `${domText(dom)} of ${ofMonth} when it is a ${dowText(dow, "or")}`
      : `${domText(dom)} of ${ofMonth} and every ${dowText(dow)}`;
    lead = `On ${days}`;
    tail = ` on ${days}`;
  } else if (domR) {
    if (monR && simpleDom && dom.values.length === 1 && month.values.length === 1)
      lead = `Every year on ${MONTHS[month.values[0]]} ${dom.values[0]}`;
    else if (!monR && simpleDom) lead = `Every month on ${domText(dom)}`;
    else lead = `On ${domText(dom)} of ${monR ? ofMonth : "every month"}`;
    tail = ` on ${domText(dom)} of ${ofMonth}`;
  } else if (dowR) {
    lead = `Every ${dowText(dow)}${monR ? ` in ${monthText(month)}` : ""}`;
    tail = ` on ${dowText(dow)}${monR ? ` in ${monthText(month)}` : ""}`;
  } else if (monR) {
    lead = `Every day in ${monthText(month)}`;
    tail = ` in ${monthText(month)}`;
  } else {
    lead = "Every day";
    tail = "";
  }
  return { lead, tail };
}

/** A Go duration (nanoseconds) as robfig's @every uses it: at least a second, whole seconds. */
function everyText(ns: bigint): string {
  const total = Math.max(1, Number(ns / 1_000_000_000n));
  const units: [number, string][] = [
    [Math.floor(total / 3600), "hour"],
    [Math.floor((total % 3600) / 60), "minute"],
    [total % 60, "second"],
  ];
  const parts = units.filter(([n]) => n > 0);
  if (parts.length === 1 && parts[0][0] === 1) return `Every ${parts[0][1]}`;
  return `Every ${joinList(parts.map(([n, unit]) => `${n} ${unit}${n === 1 ? "" : "s"}`))}`;
}

/** The zone prefix (if any) and the rest, as robfig splits them. */
function splitZone(spec: string): { zone: string | null; body: string } {
  if (!spec.startsWith("TZ=") && !spec.startsWith("CRON_TZ=")) return { zone: null, body: spec.trim() };
  const i = spec.indexOf(" ");
  return { zone: spec.slice(spec.indexOf("=") + 1, i), body: spec.slice(i).trim() };
}

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/**
 * The cron expression in words. Throws CronError (robfig's message) when Velero would refuse the expression.
 */
export function describeCron(spec: string): string {
  const schedule = parseStandard(spec);
  const { body } = splitZone(spec);
  if (body.startsWith("@every ")) return everyText(parseGoDurationNs(body.slice("@every ".length)));
  const fields = (DESCRIPTORS[body] ?? body).split(/\s+/).filter(Boolean);
  const [minute, hour, dom, month, dow] = [
    readField(fields[0], { min: 0, max: 59 }),
    readField(fields[1], { min: 0, max: 23 }),
    readField(fields[2], { min: 1, max: 31 }),
    readField(fields[3], { min: 1, max: 12, names: MONTH_NAMES }),
    readField(fields[4], { min: 0, max: 6, names: DAY_NAMES }),
  ];
  const noDay =
    dom.star || dow.star ? !dom.values.length || !dow.values.length : !dom.values.length && !dow.values.length;
  if ([minute, hour, month].some((f) => f.values.length === 0) || noDay) return "Never runs: a field selects nothing";

  const tz = schedule.timeZone;
  const zoneText = tz === "UTC" ? "UTC" : `${tz} time`;
  const time = timePhrase(minute, hour);
  const { lead, tail } = dayParts(dom, month, dow);
  if (time.text.startsWith("at ") && time.clock) return `${lead} ${time.text} ${zoneText}`;
  return `${capitalize(time.text)}${time.clock ? ` ${zoneText}` : ""}${tail}${!time.clock && tz !== "UTC" ? ` (${zoneText})` : ""}`;
}

/**
 * The next `n` times Velero would start a backup after `from` (robfig's Next, in the schedule's zone), fewer when the
 * expression can never match again within five years. Throws CronError for an invalid expression.
 */
export function nextRuns(spec: string, n = 5, from: Date = new Date()): Date[] {
  const schedule = parseStandard(spec);
  const out: Date[] = [];
  let t = from;
  for (let i = 0; i < n; i++) {
    const next = schedule.next(t);
    if (next.getTime() === 0 || next.getTime() <= t.getTime()) break;
    out.push(next);
    t = next;
  }
  return out;
}

export type CronExplanation = { ok: true; text: string; timeZone: string; next: Date[] } | { ok: false; error: string };

/** For forms: the words, the zone and the next runs, or robfig's message for an expression Velero would refuse. */
export function explainCron(spec: string, n = 5, from: Date = new Date()): CronExplanation {
  const trimmed = spec.trim();
  if (!trimmed) return { ok: false, error: "Enter a schedule" };
  try {
    return {
      ok: true,
      text: describeCron(trimmed),
      timeZone: parseStandard(trimmed).timeZone,
      next: nextRuns(trimmed, n, from),
    };
  } catch (e) {
    if (e instanceof CronError) return { ok: false, error: e.message };
    throw e;
  }
}
