import { phaseColor } from "../common/PhaseChip";

interface Deployment {
  error: string | null;
  appliedAt: Date | null;
  phase: string | null;
  readOnly: boolean;
}

/**
 * A location's deployment on one cluster, as its chip says it: not applied (its error, in warning), being applied (an
 * edit rolling out, a new writer recorded before its write; neutral, whatever phase the cluster showed before), or the
 * phase Velero reports once applied, coloured by it; and whether the cluster only reads there.
 */
export function deploymentChip(d: Deployment) {
  const state = d.error ? "not applied" : !d.appliedAt ? "being applied" : (d.phase ?? "applied, waiting for Velero");
  return {
    label: `${state}${d.readOnly ? " · read-only" : ""}`,
    color: d.error
      ? ("warning" as const)
      : !d.appliedAt
        ? ("default" as const)
        : phaseColor("BackupStorageLocation", d.phase),
  };
}
