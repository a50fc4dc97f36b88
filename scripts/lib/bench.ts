// Helpers of the `npm run bench` scripts (they measure; they assert nothing).
import { setTimeout as delay } from "node:timers/promises";

/** Polls `probe` every `everyMs` until it answers a value; a bench may poll (it measures, it does not synchronise). */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined>,
  timeoutMs: number,
  everyMs = 5,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(everyMs);
  }
}

/** The p-th quantile (0..1) of the samples, nearest rank. */
export const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
