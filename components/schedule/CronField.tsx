"use client";
import { useMemo, type Ref } from "react";
import Alert from "@mui/material/Alert";
import Chip from "@mui/material/Chip";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { Controller, type Control, type FieldPath, type FieldValues } from "react-hook-form";
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
export const whenFormat = () =>
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
 * its next five runs in the user's time zone. FormCronField binds it to a react-hook-form field.
 */
export function CronField({
  value,
  onChange,
  onBlur,
  inputRef,
  error,
}: {
  value: string;
  onChange: (v: string) => void;
  onBlur?: () => void;
  inputRef?: Ref<HTMLInputElement>;
  /** The form's error for the field (the server's, say), shown instead of the parser's. */
  error?: string;
}) {
  const explained = useMemo(() => explainCron(value), [value]);
  const fmt = useMemo(() => whenFormat(), []);
  const problem = error ?? (!explained.ok && value.trim() !== "" ? explained.error : undefined);
  const localZone = fmt.resolvedOptions().timeZone;
  return (
    <Stack spacing={1.5}>
      <TextField
        label="Cron expression"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onBlur={onBlur}
        inputRef={inputRef}
        error={Boolean(problem)}
        helperText={
          problem ??
          (explained.ok
            ? explained.text
            : "Minute hour day-of-month month day-of-week, a descriptor like @daily or @every 6h, optionally after CRON_TZ=<zone>")
        }
        slotProps={{
          htmlInput: { spellCheck: false, "aria-describedby": "cron-next-runs", style: { fontFamily: "monospace" } },
          formHelperText: problem ? { role: "alert" } : undefined,
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

/** CronField bound to a react-hook-form field (its value, ref and error). */
export function FormCronField<T extends FieldValues, O = T>({
  control,
  name,
}: {
  control: Control<T, unknown, O>;
  name: FieldPath<T>;
}) {
  return (
    <Controller
      control={control}
      name={name}
      render={({ field, fieldState }) => (
        <CronField
          value={field.value}
          onChange={field.onChange}
          onBlur={field.onBlur}
          inputRef={field.ref}
          error={fieldState.error?.message}
        />
      )}
    />
  );
}
