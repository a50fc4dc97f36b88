// Bounded concurrency for I/O over a list (cluster reads, discovery documents, access reviews): at most `limit` calls in
// flight; results keep the order of the items; after a failure no new item is started and the first failure is thrown.

export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * At most `limit` calls of `run` in flight at once; the others wait in the order they came, and a call that throws frees
 * its place too. A call whose `signal` is aborted while it waits leaves the line and rejects, never running. For work
 * that must not take every connection of a shared pool (the sync's list pages).
 */
export class Gate {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw abortError(signal);
    if (this.held < this.limit) this.held++;
    else
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.waiting.indexOf(take);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(abortError(signal!));
        };
        const take = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        this.waiting.push(take);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    try {
      return await fn();
    } finally {
      // The place goes to the next in line (held stays), or is given back.
      const next = this.waiting.shift();
      if (next) next();
      else this.held--;
    }
  }
}

const abortError = (signal: AbortSignal) =>
  signal.reason instanceof Error ? signal.reason : new DOMException("The operation was aborted", "AbortError");
