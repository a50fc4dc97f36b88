"use client";
import Chip, { type ChipProps } from "@mui/material/Chip";
import type { DrillPhase } from "@/lib/schemas/drill";
import { Tooltip } from "../common/Tooltip";

export { drillHref, drillRunning, durationText } from "./drill-text";

// A drill's phase as a chip (the words and times: drill-text.ts).

const PHASE: Record<DrillPhase, { label: string; color: NonNullable<ChipProps["color"]>; hint: string }> = {
  RESTORING: { label: "Restoring", color: "info", hint: "Velero is restoring the backup into the drill namespaces" },
  VERIFYING: {
    label: "Verifying",
    color: "info",
    hint: "The restore has finished; waiting for every claim to be bound and every pod to be ready",
  },
  CLEANING: {
    label: "Cleaning up",
    color: "info",
    hint: "The checks are done; the drill namespaces are being removed",
  },
  PASSED: { label: "Passed", color: "success", hint: "The backup was restored and everything in it came up" },
  FAILED: { label: "Failed", color: "error", hint: "The restore or its checks failed" },
};

/** A drill's phase as a chip; while cleaning up, the verdict already known is said beside it. */
export function DrillPhaseChip({
  phase,
  verdict,
  reason,
  testId,
}: {
  phase: DrillPhase;
  verdict?: "PASSED" | "FAILED" | null;
  reason?: string | null;
  testId?: string;
}) {
  const p = PHASE[phase];
  const label = phase === "CLEANING" && verdict ? `${p.label} (${PHASE[verdict].label.toLowerCase()})` : p.label;
  return (
    <Tooltip title={reason || p.hint}>
      <Chip
        size="small"
        label={label}
        color={phase === "CLEANING" && verdict === "FAILED" ? "error" : p.color}
        data-testid={testId}
        aria-label={`${label}: ${reason || p.hint}`}
      />
    </Tooltip>
  );
}
