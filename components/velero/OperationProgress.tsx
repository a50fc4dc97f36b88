"use client";
import Box from "@mui/material/Box";
import LinearProgress from "@mui/material/LinearProgress";
import Step from "@mui/material/Step";
import StepLabel from "@mui/material/StepLabel";
import Stepper from "@mui/material/Stepper";
import Typography from "@mui/material/Typography";
import { ACTIVE_PHASES, type VeleroOperationSummary } from "@/lib/schemas/velero";
import { operationSteps, operationTitle, type DisableAsked } from "./operation-steps";

const ACTIVE: readonly string[] = ACTIVE_PHASES;

/**
 * Where an operation is, step by step (each kind has its own steps), with its progress: the pods rolled out, or the
 * backups deleted while data protection is turned off.
 */
export function OperationProgress({ op, asked }: { op: VeleroOperationSummary; asked?: DisableAsked }) {
  const steps = operationSteps(op, asked);
  const current = steps.findIndex((s) => s.state === "active" || s.state === "failed");
  const open = steps.findIndex((s) => s.state !== "done");
  const progress = op.progress && op.progress.desired > 0 ? op.progress : null;
  const deleting = op.kind === "DISABLE" && steps.some((s) => s.name === "delete-backups" && s.state === "active");
  return (
    <Box data-testid="velero-operation" data-phase={op.phase} data-kind={op.kind}>
      <Typography variant="subtitle2" component="h3" sx={{ mb: 1 }} data-testid="velero-operation-title">
        {operationTitle(op)}
      </Typography>
      <Stepper activeStep={current >= 0 ? current : open >= 0 ? open : steps.length} alternativeLabel sx={{ mb: 1 }}>
        {steps.map((s) => (
          <Step key={s.name} completed={s.state === "done"}>
            <StepLabel error={s.state === "failed"}>{s.label}</StepLabel>
          </Step>
        ))}
      </Stepper>
      {progress && (
        <LinearProgress
          variant="determinate"
          value={(100 * progress.ready) / progress.desired}
          aria-label={
            deleting
              ? `${progress.ready} of ${progress.desired} backups deleted`
              : `${progress.ready} of ${progress.desired} pods ready`
          }
          data-testid="velero-operation-progress"
          sx={{ mb: 1 }}
        />
      )}
      {ACTIVE.includes(op.phase) && op.phase !== "REVIEW" && !progress && (
        <LinearProgress aria-label="Working" sx={{ mb: 1 }} />
      )}
    </Box>
  );
}
