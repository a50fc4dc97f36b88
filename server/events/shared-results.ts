import type { EventBus } from "./bus";

// Results shared between callers who would compute the same thing (the fleet overview of viewers who see the same
// clusters): computed once, and handed to every caller with the same key until the next change is heard on the bus,
// or for at most `maxAgeMs` (what moves without an announcement, such as a cluster's last-seen time or "the last 24
// hours", is that much older at most). A page refetches when it hears of a change; this process hears the same
// notification before it can answer the page's request (the request first waits on its session's and access's
// queries), so the refetch computes anew. While the bus is not listening, changes could go unheard: nothing is shared.

interface Entry {
  /** The bus's LISTEN when the computation started: one from before a reconnect may have missed changes. */
  listening: number;
  at: number;
  value: Promise<unknown>;
}

export class SharedResults {
  private readonly entries = new Map<string, Entry>();
  private subscribed = false;

  constructor(
    private readonly bus: EventBus,
    private readonly opts: { maxAgeMs?: number; maxEntries?: number; ignore?: (topic: string) => boolean } = {},
  ) {}

  /** `compute()`'s result, or the one a caller with the same key got (or is getting) since the last change. */
  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    // Any change may be one the results are computed from; a computation under way when it is heard is not shared on.
    if (!this.subscribed) {
      this.subscribed = true;
      this.bus.subscribe((c) => {
        if (!this.opts.ignore?.(c.topic)) this.entries.clear();
      });
    }
    const listening = this.bus.listening;
    if (listening === null) return compute();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.listening === listening && now - hit.at < (this.opts.maxAgeMs ?? 2000))
      return hit.value as Promise<T>;
    const value = compute();
    if (this.entries.size >= (this.opts.maxEntries ?? 256)) this.entries.clear();
    const entry = { listening, at: now, value };
    this.entries.set(key, entry);
    // A failure is the caller's, not the next one's.
    value.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    return value;
  }
}
