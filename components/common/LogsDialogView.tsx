"use client";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import LinearProgress from "@mui/material/LinearProgress";
import { ErrorAlert } from "./ErrorAlert";

type Logs = { isLoading: boolean; error: Parameters<typeof ErrorAlert>[0]["error"]; data?: { text: string } };

/** Velero's log of a backup or restore (fetched by the caller through a DownloadRequest), with a download button. */
export function LogsDialogView({
  open,
  onClose,
  name,
  logs,
  testId,
}: {
  open: boolean;
  onClose: () => void;
  name: string;
  logs: Logs;
  testId: string;
}) {
  const download = () => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([logs.data!.text], { type: "text/plain" }));
    a.download = `${name}-logs.txt`;
    a.click();
  };
  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="lg" aria-labelledby="logs-title">
      <DialogTitle id="logs-title">Logs of {name}</DialogTitle>
      <DialogContent>
        {logs.isLoading && <LinearProgress aria-label={`Loading the logs of ${name}`} />}
        <ErrorAlert error={logs.error} />
        {logs.data && (
          <pre data-testid={testId} style={{ fontSize: 12, whiteSpace: "pre-wrap" }}>
            {logs.data.text}
          </pre>
        )}
      </DialogContent>
      <DialogActions>
        {logs.data && <Button onClick={download}>Download</Button>}
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
