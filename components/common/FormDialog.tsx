"use client";
import { useCallback, useRef, useState, type FormEvent, type ReactNode } from "react";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import Stack from "@mui/material/Stack";
import useMediaQuery from "@mui/material/useMediaQuery";
import { useTheme } from "@mui/material/styles";
import { ErrorAlert } from "./ErrorAlert";
import { focusFirstField } from "./focus";

/**
 * A dialog around a form: the first field has the keyboard, Enter submits (once: a double click sends one request while
 * `onSubmit`'s promise runs), Escape cancels, the form's error shows above its fields and nothing typed is lost.
 */
export function FormDialog(props: {
  open: boolean;
  title: string;
  submitLabel: string;
  busy?: boolean;
  error?: Parameters<typeof ErrorAlert>[0]["error"];
  onSubmit: () => unknown;
  onClose: () => void;
  children: ReactNode;
}) {
  // On a phone the form takes the whole screen, as the wizards do.
  const fullScreen = useMediaQuery(useTheme().breakpoints.down("sm"));
  const focusOnMount = useCallback((node: HTMLDivElement | null) => focusFirstField(node), []);
  // One submit at a time: a double click (or Enter twice) sends one request, even before `busy` re-renders.
  const sending = useRef(false);
  const [sendingNow, setSendingNow] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (sending.current || props.busy) return;
    sending.current = true;
    setSendingNow(true);
    void Promise.resolve()
      .then(props.onSubmit)
      .finally(() => {
        sending.current = false;
        setSendingNow(false);
      });
  };
  return (
    <Dialog
      open={props.open}
      onClose={props.onClose}
      fullWidth
      fullScreen={fullScreen}
      maxWidth="sm"
      aria-labelledby="form-dialog-title"
    >
      <form onSubmit={submit} noValidate>
        <DialogTitle id="form-dialog-title">{props.title}</DialogTitle>
        <DialogContent>
          <ErrorAlert error={props.error} />
          <Stack spacing={2} sx={{ pt: 1 }} ref={focusOnMount}>
            {props.children}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={props.busy || sendingNow}>
            {props.submitLabel}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
