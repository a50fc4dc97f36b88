import { z } from "zod";

// The pre-checks before Lifeboat installs Velero on a cluster (#12 §1: "Pre-checks before anything is written, each
// explained"): one row per check, what it found in words, and what to do about it when that is more than a sentence
// (a YAML snippet or a command to copy). Shared by veleroFleet.prechecks and the enable dialog's list.

export const PRECHECK_STATUSES = ["pass", "warn", "fail"] as const;
export type PrecheckStatus = (typeof PRECHECK_STATUSES)[number];

export const veleroPrecheck = z.object({
  /** Stable per check ("kubernetes-version", "csi-snapshot-class:<driver>"), for keys and tests. */
  id: z.string(),
  status: z.enum(PRECHECK_STATUSES),
  title: z.string(),
  detail: z.string(),
  /** What to apply or run to mend it (YAML or a command), shown copyable. */
  fix: z.string().optional(),
});
export type VeleroPrecheck = z.infer<typeof veleroPrecheck>;

export const veleroPrechecksOutput = z.object({
  checks: z.array(veleroPrecheck),
  /** The worst status among the checks ("pass" when none warns or fails). */
  worst: z.enum(PRECHECK_STATUSES),
  checkedAt: z.date(),
});
export type VeleroPrechecks = z.infer<typeof veleroPrechecksOutput>;

const RANK: Record<PrecheckStatus, number> = { pass: 0, warn: 1, fail: 2 };

/** The worst status among checks: "fail" over "warn" over "pass". */
export const worstStatus = (checks: Pick<VeleroPrecheck, "status">[]): PrecheckStatus =>
  checks.reduce<PrecheckStatus>((w, c) => (RANK[c.status] > RANK[w] ? c.status : w), "pass");
