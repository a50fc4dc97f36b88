"use client";
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import type { FieldPath, FieldValues, UseFormReturn } from "react-hook-form";
import Button from "@mui/material/Button";
import CircularProgress from "@mui/material/CircularProgress";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import Step from "@mui/material/Step";
import StepLabel from "@mui/material/StepLabel";
import Stepper from "@mui/material/Stepper";
import Typography from "@mui/material/Typography";
import useMediaQuery from "@mui/material/useMediaQuery";
import { useTheme } from "@mui/material/styles";
import { ErrorAlert, type ErrLike } from "./ErrorAlert";
import { focusFirstField } from "./focus";

export interface WizardStep<T extends FieldValues = FieldValues> {
  label: string;
  content: ReactNode;
  /** The form's fields on this step: Next validates them, and is disabled while one of them shows an error. */
  fields?: readonly FieldPath<T>[];
  /** Runs when Next enters this step (the review asks the server for its preview). */
  onEnter?: () => void;
}

/** What the wizard needs of a react-hook-form form: validate some fields, and know which show an error. */
type WizardForm<T extends FieldValues> = Pick<UseFormReturn<T>, "trigger" | "getFieldState" | "formState">;

/**
 * The scaffolding of a step-by-step dialog: the steps (a stepper, or "Step 2 of 5" on a small screen, where the
 * dialog fills it), Back and Next (Enter in a field is Next), each step validated before it is left, a last step
 * that reviews and submits once (a double click sends one request) with its progress shown, and the error of a failed
 * submit at the top of the step, brought into view. A submit whose errors belong to fields of an earlier step goes back to that step.
 */
export function WizardDialog<T extends FieldValues = FieldValues>(props: {
  open: boolean;
  title: string;
  steps: WizardStep<T>[];
  onClose: () => void;
  /** Submits from the last step. Resolves false when it failed, so the wizard can show where. */
  onSubmit: () => Promise<boolean> | void;
  submitLabel: string;
  submittingLabel: string;
  submitting: boolean;
  /** False while the review is not ready (its preview is still building, or failed). */
  canSubmit?: boolean;
  /** The error of the submit that no field owns. */
  error?: ErrLike;
  form?: WizardForm<T>;
  maxWidth?: "sm" | "md" | "lg";
}) {
  const { steps, form } = props;
  const [active, setActive] = useState(0);
  // One submit at a time: a double click (or Enter twice) sends one request, before `submitting` re-renders.
  const sending = useRef(false);
  const [sendingNow, setSendingNow] = useState(false);
  const theme = useTheme();
  const small = useMediaQuery(theme.breakpoints.down("sm"));
  const primaryRef = useRef<HTMLButtonElement>(null);
  const errorRef = useRef<HTMLDivElement>(null);
  const last = steps.length - 1;
  const step = steps[Math.min(active, last)];
  const titleId = "wizard-title";

  /** A step's fields that show an error: any, or only those the form's own rules found (`clientOnly`). */
  const invalid = (s: WizardStep<T>, clientOnly = false) =>
    Boolean(
      form &&
      s.fields?.some((f) => {
        const { error } = form.getFieldState(f, form.formState);
        return error && !(clientOnly && error.type === "server");
      }),
    );
  // The server's verdict on a field does not block Next: Next checks the field again, and the review asks the server.
  const nextDisabled = invalid(step, true);
  const busy = props.submitting || sendingNow;

  // Each step's content mounts anew (keyed by the step): the keyboard goes to its first field, or the review's button.
  const focusOnMount = useCallback(
    (node: HTMLDivElement | null) => focusFirstField(node, () => primaryRef.current),
    [],
  );

  // A submit error appears at the top of the step: bring it into view, where the user is.
  useEffect(() => {
    if (props.error) errorRef.current?.scrollIntoView?.({ block: "nearest" });
  }, [props.error]);

  function close() {
    setActive(0);
    props.onClose();
  }

  async function next() {
    if (form && step.fields?.length && !(await form.trigger([...step.fields], { shouldFocus: true }))) return;
    const to = active + 1;
    setActive(to);
    steps[to].onEnter?.();
  }

  async function submit() {
    if (sending.current) return;
    sending.current = true;
    setSendingNow(true);
    let ok: boolean | void;
    try {
      ok = await props.onSubmit();
    } finally {
      sending.current = false;
      setSendingNow(false);
    }
    if (ok !== false || !form) return;
    // Field errors from the server: show the first step that has one, beside its field.
    const first = steps.findIndex((s) => invalid(s));
    if (first >= 0 && first < last) setActive(first);
  }

  function onFormSubmit(e: FormEvent) {
    e.preventDefault();
    if (active < last) {
      if (!nextDisabled) void next();
    } else if (props.canSubmit !== false && !props.submitting && !sending.current) void submit();
  }

  return (
    <Dialog
      open={props.open}
      onClose={close}
      fullWidth
      fullScreen={small}
      maxWidth={props.maxWidth ?? "md"}
      aria-labelledby={titleId}
    >
      <form onSubmit={onFormSubmit} noValidate>
        <DialogTitle id={titleId}>{props.title}</DialogTitle>
        <DialogContent>
          {small ? (
            <Typography variant="overline" component="p" sx={{ mb: 1 }} aria-live="polite">
              Step {active + 1} of {steps.length}: {step.label}
            </Typography>
          ) : (
            <Stepper activeStep={active} alternativeLabel sx={{ mb: 3 }}>
              {steps.map((s, i) => (
                <Step key={s.label} completed={i < active}>
                  <StepLabel error={i < active && invalid(s)}>{s.label}</StepLabel>
                </Step>
              ))}
            </Stepper>
          )}
          {/* At the top of the step, where the user looks first (and brought into view). */}
          <div ref={errorRef}>
            <ErrorAlert error={props.error} />
          </div>
          {/* Unlabelled on purpose: the stepper names the step, and a label here would shadow the fields' labels. */}
          <div key={active} ref={focusOnMount}>
            {step.content}
          </div>
        </DialogContent>
        <DialogActions>
          <Button onClick={close}>Cancel</Button>
          {active > 0 && <Button onClick={() => setActive(active - 1)}>Back</Button>}
          {active < last ? (
            <Button type="submit" variant="contained" disabled={nextDisabled} ref={primaryRef}>
              Next
            </Button>
          ) : (
            <Button
              type="submit"
              variant="contained"
              disabled={props.canSubmit === false || busy}
              startIcon={busy ? <CircularProgress size={16} color="inherit" aria-label="Working" /> : undefined}
              ref={primaryRef}
            >
              {busy ? props.submittingLabel : props.submitLabel}
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}
