"use client";
import { useMemo } from "react";
import Alert from "@mui/material/Alert";
import Chip from "@mui/material/Chip";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { explainCron } from "@/lib/cron/describe";

/** Common choices; any robfig/cron expression Velero accepts can be typed. */
const PRESETS: { label: string; cron: string }[] = [
  { label: "Daily at 02:00", cron: "0 2 * * *" },
  { label: "Every 6 hours", cron: "0 */6 * * *" },
  { label: "Weekdays at 01:00", cron: "0 1 * * 1-5" },
  { label: "Sundays at 03:00", cron: "0 3 * * 0" },
  { label: "Hourly", cron: "@hourly" },
];

/** "Tue, 7 May 2024, 04:00 CEST", in the browser's zone and locale. */
const whenFormat = () =>
  new Intl.DateTimeFormat(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });

/**
 * The cron expression of a Velero Schedule: validated as Velero's robfig/cron parser does, described in words, and
 * its next five runs in the user's time zone.
 */
export function CronField({
  value,
  onChange,
  autoFocus,
}: {
  value: string;
  onChange: (v: string) => void;
  autoFocus?: boolean;
}) {
  const explained = useMemo(() => explainCron(value), [value]);
  const fmt = useMemo(whenFormat, []);
  const localZone = fmt.resolvedOptions().timeZone;
  return (
    <Stack spacing={1.5}>
      <TextField
        label="Cron expression"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoFocus={autoFocus}
        error={!explained.ok && value.trim() !== ""}
        helperText={
          explained.ok
            ? explained.text
            : value.trim()
              ? explained.error
              : "Minute hour day-of-month month day-of-week, a descriptor like @daily or @every 6h, optionally after CRON_TZ=<zone>"
        }
        slotProps={{
          htmlInput: { spellCheck: false, "aria-describedby": "cron-next-runs", style: { fontFamily: "monospace" } },
        }}
      />
      <Stack
        direction="row"
        spacing={1}
        useFlexGap
        sx={{ flexWrap: "wrap" }}
        role="group"
        aria-label="Common schedules"
      >
        {PRESETS.map((p) => (
          <Chip
            key={p.cron}
            label={p.label}
            onClick={() => onChange(p.cron)}
            color={value.trim() === p.cron ? "primary" : "default"}
            variant={value.trim() === p.cron ? "filled" : "outlined"}
          />
        ))}
      </Stack>
      <div id="cron-next-runs" aria-live="polite">
        {explained.ok &&
          (explained.next.length ? (
            <>
              <Typography variant="subtitle2">
                Next {explained.next.length} runs, in your time zone ({localZone})
              </Typography>
              <ol style={{ margin: "4px 0 0", paddingLeft: 20 }}>
                {explained.next.map((d) => (
                  <li key={d.getTime()}>
                    <Typography variant="body2" component="time" dateTime={d.toISOString()}>
                      {fmt.format(d)}
                    </Typography>
                  </li>
                ))}
              </ol>
              {explained.timeZone !== localZone && (
                <Typography variant="caption" color="text.secondary">
                  Velero evaluates the expression in {explained.timeZone}
                  {explained.timeZone === "UTC" ? " (add CRON_TZ=<zone> in front to use another zone)" : ""}.
                </Typography>
              )}
            </>
          ) : (
            <Alert severity="warning">
              This expression never matches a date in the next five years, so Velero would never run it.
            </Alert>
          ))}
      </div>
    </Stack>
  );
}
