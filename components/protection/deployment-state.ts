/**
 * A location's deployment on one cluster, in a few words: not applied (its error), being applied (an edit rolling out,
 * a new writer recorded before its write), or the phase Velero reports once applied.
 */
export function deploymentState(d: { error: string | null; appliedAt: Date | null; phase: string | null }): string {
  if (d.error) return "not applied";
  if (!d.appliedAt) return "being applied";
  return d.phase ?? "applied, waiting for Velero";
}
