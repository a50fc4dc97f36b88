"use client";
import { Tooltip } from "@/components/common/Tooltip";

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 31536e6],
  ["month", 2592e6],
  ["day", 864e5],
  ["hour", 36e5],
  ["minute", 6e4],
  ["second", 1e3],
];

export function relative(d: Date, now = Date.now()) {
  const diff = d.getTime() - now;
  const fmt = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  for (const [unit, ms] of units)
    if (Math.abs(diff) >= ms || unit === "second") return fmt.format(Math.round(diff / ms), unit);
  return "";
}

export function RelativeTime({ date }: { date: Date | null | undefined }) {
  if (!date) return <span>never</span>;
  return (
    <Tooltip title={date.toLocaleString()}>
      {/* Rendered on the server too: its clock, locale and time zone may differ from the browser's by a little. */}
      <time dateTime={date.toISOString()} suppressHydrationWarning>
        {relative(date)}
      </time>
    </Tooltip>
  );
}
