"use client";
import Alert from "@mui/material/Alert";
import AlertTitle from "@mui/material/AlertTitle";
import Box from "@mui/material/Box";
import MenuItem from "@mui/material/MenuItem";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import type { z } from "zod";
import type { veleroInfo } from "@/lib/schemas/cluster";
import { VeleroSummary } from "./VeleroSummary";

/** What a live check of a kubeconfig found, as the attach and replace dialogs both show it. */
export interface CheckedConnection {
  contexts: { name: string; server: string }[];
  context: { name: string; server: string };
  kubernetesVersion: string;
  missingAccess: string[];
  velero: z.infer<typeof veleroInfo>;
}

/**
 * The result of "Check connection": the server and version reached, a context picker when the kubeconfig has several,
 * what Velero looks like there, and the access Lifeboat lacks.
 */
export function ConnectionCheck(props: {
  checked: CheckedConnection;
  /** The context chosen in the form (the checked one when none was chosen). */
  context: string | undefined;
  onContext: (name: string) => void;
  testId: string;
}) {
  const { checked } = props;
  return (
    <Alert severity={checked.missingAccess.length ? "warning" : "success"} data-testid={props.testId}>
      <AlertTitle>
        Connected to {checked.context.server} · Kubernetes {checked.kubernetesVersion}
      </AlertTitle>
      {checked.contexts.length > 1 && (
        <TextField
          select
          size="small"
          label="Context"
          value={props.context ?? checked.context.name}
          sx={{ my: 1, minWidth: 260 }}
          onChange={(e) => props.onContext(e.target.value)}
        >
          {checked.contexts.map((c) => (
            <MenuItem key={c.name} value={c.name}>
              {c.name} ({c.server})
            </MenuItem>
          ))}
        </TextField>
      )}
      <Box sx={{ my: 1 }}>
        <VeleroSummary velero={checked.velero} />
      </Box>
      {checked.missingAccess.length > 0 && (
        <>
          <Typography variant="body2">Lifeboat may not do everything it needs here:</Typography>
          <ul style={{ margin: 0 }}>
            {checked.missingAccess.map((m) => (
              <li key={m}>
                <Typography variant="body2">{m}</Typography>
              </li>
            ))}
          </ul>
        </>
      )}
    </Alert>
  );
}
