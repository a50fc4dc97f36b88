import type { EventBus } from "./bus";

// Results shared between callers who would compute the same thing (the fleet overview of viewers who see the same
// clusters): computed once, and handed to every caller with the same key until the next change is heard on the bus,
// or for at most `maxAgeMs` (what moves without an announcement, such as "the last 24 hours", is that much older at
// most). A page refetches when it hears of a change. PostgreSQL notifies every process at once, and the refetch comes
// after a round trip through the browser and waits on its session's and access's queries before it gets here, so it
// computes anew; a process whose listening connection fell further behind than that could answer it from before the
// change (README, Performance: P3). While the bus is not listening, changes could go unheard: nothing is shared.

interface Entry {
  /** The bus's LISTEN when the computation started: one from before a reconnect may have missed changes. */
  listening: number;
  at: number;
  value: Promise<unknown>;
}

export class SharedResults {
  private readonly entries = new Map<string, Entry>();
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly bus: EventBus,
    opts: { maxAgeMs?: number; maxEntries?: number; ignore?: (topic: string) => boolean } = {},
  ) {
    this.maxAgeMs = opts.maxAgeMs ?? 2000;
    this.maxEntries = opts.maxEntries ?? 256;
    // Any change may be one the results are computed from; a computation under way when it is heard is not shared on.
    bus.subscribe((c) => {
      if (!opts.ignore?.(c.topic)) this.entries.clear();
    });
  }

  /** `compute()`'s result, or the one a caller with the same key got (or is getting) since the last change. */
  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const listening = this.bus.listening;
    if (listening === null) return compute();
    const now = performance.now(); // (not the wall clock, which may step back)
    const hit = this.entries.get(key);
    if (hit && hit.listening === listening && now - hit.at < this.maxAgeMs) return hit.value as Promise<T>;
    const value = compute();
    const entry = { listening, at: now, value };
    // Newest last: when full, the oldest goes.
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    // A failure is the caller's, not the next one's.
    value.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    return value;
  }
}
