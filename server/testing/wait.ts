/**
 * For integration tests: polls `fn` until it gives something truthy (returned), or fails after `ms` naming `what`.
 * Waiting on a real system is the test's business; how long it took is never asserted.
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 30_000,
  everyMs = 150,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
