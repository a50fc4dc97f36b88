"use client";
import type { ReactNode } from "react";
import Link from "next/link";
import Chip, { type ChipProps } from "@mui/material/Chip";
import Tooltip from "@mui/material/Tooltip";
import { severity, type PhaseKind, type PhaseSeverity } from "@/lib/velero/phases";

const COLOR: Record<PhaseSeverity, NonNullable<ChipProps["color"]>> = {
  success: "success",
  info: "info",
  warning: "warning",
  error: "error",
  neutral: "default",
};

/** The MUI colour of a phase (lib/velero/phases.ts decides its severity); an unknown or absent phase is "default". */
export const phaseColor = (kind: PhaseKind, phase: string | null | undefined) => COLOR[severity(kind, phase)];

/**
 * A Velero phase as a chip, coloured by what it means. The label is the phase as Velero wrote it, so a phase newer
 * than this console still reads right (in neutral). With `href` the chip is a link, with `tooltip` it explains itself.
 */
export function PhaseChip({
  kind,
  phase,
  tooltip,
  href,
  testId,
  ariaLabel,
  variant,
  sx,
}: {
  kind: PhaseKind;
  phase: string;
  tooltip?: ReactNode;
  href?: string;
  testId?: string;
  ariaLabel?: string;
  variant?: ChipProps["variant"];
  sx?: ChipProps["sx"];
}) {
  const common = {
    size: "small" as const,
    color: phaseColor(kind, phase),
    label: phase,
    variant,
    sx,
    "aria-label": ariaLabel,
    "data-testid": testId,
  };
  const chip = href ? <Chip {...common} component={Link} href={href} clickable /> : <Chip {...common} />;
  return tooltip ? <Tooltip title={tooltip}>{chip}</Tooltip> : chip;
}
