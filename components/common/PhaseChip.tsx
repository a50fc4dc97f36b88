"use client";
import type { ReactNode } from "react";
import Link from "next/link";
import Chip, { type ChipProps } from "@mui/material/Chip";
import { Tooltip } from "@/components/common/Tooltip";
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

/** A backup that completed with nothing in it: Velero calls it Completed, but nothing is protected. */
export const isEmptyBackup = (kind: PhaseKind, phase: string | null | undefined, items: number | null | undefined) =>
  kind === "Backup" && phase === "Completed" && items === 0;
export const EMPTY_BACKUP_TEXT = "Completed with 0 items: nothing matched the scope, so nothing is protected";

/**
 * A Velero phase as a chip, coloured by what it means. The label is the phase as Velero wrote it, so a phase newer
 * than this console still reads right (in neutral). With `href` the chip is a link, with `tooltip` it explains itself.
 * A backup's `items` (backed up) turns a Completed backup with none into a warning, not a success.
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
  items,
}: {
  kind: PhaseKind;
  phase: string;
  tooltip?: ReactNode;
  href?: string;
  testId?: string;
  ariaLabel?: string;
  variant?: ChipProps["variant"];
  sx?: ChipProps["sx"];
  items?: number | null;
}) {
  const empty = isEmptyBackup(kind, phase, items);
  if (empty) tooltip = tooltip || EMPTY_BACKUP_TEXT;
  const common = {
    size: "small" as const,
    color: empty ? ("warning" as const) : phaseColor(kind, phase),
    label: empty ? `${phase}, 0 items` : phase,
    variant,
    sx,
    "aria-label": ariaLabel,
    "data-testid": testId,
  };
  const chip = href ? <Chip {...common} component={Link} href={href} clickable /> : <Chip {...common} />;
  return tooltip ? <Tooltip title={tooltip}>{chip}</Tooltip> : chip;
}
