"use client";
import { useState, type ReactNode } from "react";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogContentText from "@mui/material/DialogContentText";
import DialogTitle from "@mui/material/DialogTitle";

const focusOnMount = (node: HTMLButtonElement | null) => node?.focus();

export function ConfirmDialogView(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  destructive?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  // One confirmation per opening: a double click sends one request (a click's state update renders before the next
  // click, unlike `busy`, which a query library may report later). It unlocks when the request ends (busy back to
  // false, say after an error to retry) or the dialog opens again.
  const { busy, open } = props;
  const [locked, setLocked] = useState(false);
  const [seen, setSeen] = useState({ busy, open });
  if (seen.busy !== busy || seen.open !== open) {
    setSeen({ busy, open });
    if (!busy) setLocked(false);
  }
  const confirm = () => {
    if (locked || busy) return;
    setLocked(true);
    props.onConfirm();
  };
  return (
    <Dialog open={props.open} onClose={props.onClose} aria-labelledby="confirm-title">
      <DialogTitle id="confirm-title">{props.title}</DialogTitle>
      <DialogContent>
        <DialogContentText component="div">{props.children}</DialogContentText>
      </DialogContent>
      <DialogActions>
        {/* The safe choice has the keyboard, so Enter does not destroy. */}
        <Button onClick={props.onClose} ref={focusOnMount}>
          Cancel
        </Button>
        <Button
          onClick={confirm}
          color={props.destructive ? "error" : "primary"}
          variant="contained"
          disabled={busy || locked}
        >
          {props.confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
