"use client";
import { useId, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import LinearProgress from "@mui/material/LinearProgress";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemIcon from "@mui/material/ListItemIcon";
import ListItemText from "@mui/material/ListItemText";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import CheckCircle from "@mui/icons-material/CheckCircle";
import ErrorIcon from "@mui/icons-material/Error";
import Warning from "@mui/icons-material/Warning";
import ContentCopy from "@mui/icons-material/ContentCopy";
import { useTRPC } from "@/lib/trpc/client";
import type { VeleroSettings } from "@/lib/schemas/velero";
import type { PrecheckStatus, VeleroPrecheck } from "@/lib/schemas/velero-prechecks";
import { errorText } from "../common/ErrorAlert";

// The pre-checks before Velero is installed on a cluster with these settings (#12 §1), one row per check: its status
// as an icon with its name (never colour alone), what was found, and the fix to copy where there is one. Read from the
// live cluster when the settings change or the operator asks again; placed in the enable dialog.

const STATUS: Record<
  PrecheckStatus,
  { label: string; icon: typeof CheckCircle; color: "success" | "warning" | "error" }
> = {
  pass: { label: "Passed", icon: CheckCircle, color: "success" },
  warn: { label: "Warning", icon: Warning, color: "warning" },
  fail: { label: "Failed", icon: ErrorIcon, color: "error" },
};

const SUMMARY: Record<PrecheckStatus, string> = {
  pass: "Every check passed.",
  warn: "Velero can be installed; read the warnings first.",
  fail: "Mend what failed before installing Velero.",
};

function Fix({ check }: { check: VeleroPrecheck }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(check.fix!).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  const lines = check.fix!.split("\n").length;
  return (
    <Box sx={{ mt: 1, display: "flex", flexDirection: "column", alignItems: "flex-start", gap: 0.5 }}>
      <TextField
        label={`Fix: ${check.title}`}
        value={check.fix}
        multiline
        fullWidth
        size="small"
        minRows={Math.min(lines, 8)}
        maxRows={12}
        slotProps={{
          input: { readOnly: true, sx: { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", fontSize: 13 } },
          htmlInput: { "data-testid": `precheck-fix-${check.id}` },
        }}
      />
      <Button
        size="small"
        startIcon={<ContentCopy />}
        onClick={() => void copy()}
        aria-label={`Copy the fix for ${check.title}`}
      >
        Copy
      </Button>
      <Typography variant="caption" color={copied === false ? "error" : "text.secondary"} role="status">
        {copied === true
          ? "Copied to the clipboard"
          : copied === false
            ? "The browser did not allow copying: select the text and copy it"
            : ""}
      </Typography>
    </Box>
  );
}

/** The pre-checks of installing Velero on `clusterId` with `settings`. */
export function VeleroPrechecks({ clusterId, settings }: { clusterId: string; settings: VeleroSettings }) {
  const trpc = useTRPC();
  const headingId = useId();
  const q = useQuery({
    ...trpc.veleroFleet.prechecks.queryOptions({ clusterId, settings }),
    placeholderData: keepPreviousData,
    // Read from the cluster on demand, not on every change the console hears about.
    meta: { live: false },
    refetchOnWindowFocus: false,
  });
  return (
    <Box component="section" aria-labelledby={headingId} aria-busy={q.isFetching} data-testid="velero-prechecks">
      <Box sx={{ display: "flex", alignItems: "center", gap: 1, mb: 1 }}>
        <Typography variant="subtitle1" component="h3" id={headingId} sx={{ flex: 1 }}>
          Pre-checks
        </Typography>
        <Button size="small" onClick={() => void q.refetch()} disabled={q.isFetching}>
          Check again
        </Button>
      </Box>
      {q.isFetching && <LinearProgress aria-label="Checking the cluster" sx={{ mb: 1 }} />}
      {q.error && (
        <Alert
          severity="error"
          action={
            <Button color="inherit" size="small" onClick={() => void q.refetch()}>
              Retry
            </Button>
          }
        >
          The pre-checks could not run: {errorText(q.error)}
        </Alert>
      )}
      {q.data && (
        <>
          <Alert severity={q.data.worst === "pass" ? "success" : q.data.worst === "warn" ? "warning" : "error"}>
            {SUMMARY[q.data.worst]}
          </Alert>
          <List aria-labelledby={headingId} dense>
            {q.data.checks.map((c) => {
              const s = STATUS[c.status];
              const Icon = s.icon;
              return (
                <ListItem
                  key={c.id}
                  alignItems="flex-start"
                  data-testid={`precheck-${c.id}`}
                  data-status={c.status}
                  sx={{ flexWrap: "wrap" }}
                >
                  <ListItemIcon sx={{ minWidth: 36, mt: 0.5 }}>
                    <Icon color={s.color} titleAccess={s.label} />
                  </ListItemIcon>
                  <ListItemText
                    sx={{ flex: 1, minWidth: 0 }}
                    primary={c.title}
                    secondary={c.detail}
                    slotProps={{ secondary: { sx: { overflowWrap: "anywhere" } } }}
                  />
                  {c.fix && (
                    <Box sx={{ flexBasis: "100%", pl: 4.5 }}>
                      <Fix check={c} />
                    </Box>
                  )}
                </ListItem>
              );
            })}
          </List>
        </>
      )}
    </Box>
  );
}
