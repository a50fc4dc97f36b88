// How long the sync engine waits after the n-th consecutive failure: exponential from baseMs, capped at maxMs, with
// "equal jitter" (half fixed, half random) so a fleet of loops that failed together does not retry together.
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * At most 20 s between tries: a cluster that comes back after an outage of any length is followed again (its read model
 * equal to it) within 30 s of its return (#15 §4), the wait for the next try included.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 20_000 };

/** `failures` counts from 1; `random` returns [0, 1). */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(failures));
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
