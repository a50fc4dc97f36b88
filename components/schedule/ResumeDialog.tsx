"use client";
import { useState } from "react";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogContentText from "@mui/material/DialogContentText";
import DialogTitle from "@mui/material/DialogTitle";
import type { ScheduleRow } from "@/lib/schemas/schedule";
import { ErrorAlert, type ErrLike } from "../common/ErrorAlert";
import { whenFormat } from "./CronField";

const focusOnMount = (node: HTMLButtonElement | null) => node?.focus();

/** What resuming a paused schedule does, in words: a backup at once (and why), or when the next one runs. */
export function resumeText(s: Pick<ScheduleRow, "resume" | "cronError">, when: (d: Date) => string) {
  const r = s.resume;
  if (!r)
    return {
      now: `Lifeboat can't tell when Velero runs it next${s.cronError ? `: ${s.cronError}` : "."}`,
      skipped: null,
    };
  if (!r.startsAtOnce)
    return {
      now: r.nextRunAt ? `The next backup runs at ${when(r.nextRunAt)}.` : "It has no next run.",
      skipped: null,
    };
  return {
    now: r.missedRunAt
      ? `A backup starts as soon as you resume: the run due at ${when(r.missedRunAt)} was missed while paused.`
      : "A backup starts as soon as you resume: this schedule has not made a backup yet.",
    skipped: r.nextRunAt
      ? `Resumed without running now, the next backup runs at ${when(r.nextRunAt)}.`
      : "Resumed without running now, it waits for its next cron time.",
  };
}

/**
 * Resuming a paused schedule: says whether a backup starts at once, and offers "Resume without running now" when it
 * would (Velero's skipImmediately). One click sends one request: the buttons lock until it ends.
 */
export function ResumeDialog(props: {
  schedule: ScheduleRow | null;
  busy: boolean;
  error: ErrLike;
  onResume: (runNow: boolean) => void;
  onClose: () => void;
}) {
  const { schedule: s, busy } = props;
  const open = Boolean(s);
  const [locked, setLocked] = useState(false);
  const [seen, setSeen] = useState({ busy, open });
  if (seen.busy !== busy || seen.open !== open) {
    setSeen({ busy, open });
    if (!busy) setLocked(false);
  }
  const resume = (runNow: boolean) => {
    if (locked || busy) return;
    setLocked(true);
    props.onResume(runNow);
  };
  const fmt = whenFormat();
  const text = s ? resumeText(s, (d) => fmt.format(d)) : null;
  const atOnce = s?.resume?.startsAtOnce === true;
  return (
    <Dialog open={open} onClose={props.onClose} aria-labelledby="resume-title">
      <DialogTitle id="resume-title">Resume schedule {s?.name ?? ""}?</DialogTitle>
      <DialogContent>
        <ErrorAlert error={props.error} />
        <DialogContentText data-testid="resume-outlook">{text?.now}</DialogContentText>
        {text?.skipped && <DialogContentText sx={{ mt: 1 }}>{text.skipped}</DialogContentText>}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose} ref={focusOnMount}>
          Cancel
        </Button>
        {atOnce && (
          <Button variant="outlined" disabled={busy || locked} onClick={() => resume(false)}>
            Resume without running now
          </Button>
        )}
        <Button variant="contained" disabled={busy || locked} onClick={() => resume(true)}>
          Resume
        </Button>
      </DialogActions>
    </Dialog>
  );
}
