import { afterEach, describe, expect, it, vi } from "vitest";
import type { Change, EventBus } from "./bus";
import { SharedResults } from "./shared-results";

/** A bus as SharedResults uses it: the test says when a change is heard and which LISTEN is in place. */
function aBus() {
  const handlers = new Set<(c: Change) => void>();
  const bus = {
    listening: 1 as number | null,
    subscribe(fn: (c: Change) => void) {
      handlers.add(fn);
      return () => handlers.delete(fn);
    },
    hear(c: Change) {
      for (const h of handlers) h(c);
    },
  };
  return bus;
}

/** A computation that answers `value`, counting its calls. */
const counted = <T>(value: T) => vi.fn(async () => value);

afterEach(() => vi.useRealTimers());

describe("SharedResults", () => {
  it("computes once for callers with the same key, at once or after, and apart for another key", async () => {
    const bus = aBus();
    const shared = new SharedResults(bus as unknown as EventBus);
    const compute = counted({ n: 1 });
    const [a, b] = await Promise.all([shared.get("k", compute), shared.get("k", compute)]);
    expect(await shared.get("k", compute)).toBe(a);
    expect(b).toBe(a);
    expect(compute).toHaveBeenCalledTimes(1);
    const other = counted({ n: 2 });
    expect(await shared.get("other", other)).toEqual({ n: 2 });
    expect(other).toHaveBeenCalledTimes(1);
  });

  it("computes again after a change is heard, also for a computation under way when it was", async () => {
    const bus = aBus();
    const shared = new SharedResults(bus as unknown as EventBus);
    let release!: (v: string) => void;
    const first = shared.get("k", () => new Promise<string>((r) => (release = r)));
    bus.hear({ topic: "backups", clusterId: "c1" });
    const second = counted("after");
    const after = shared.get("k", second);
    release("before");
    expect(await first).toBe("before");
    expect(await after).toBe("after");
    expect(second).toHaveBeenCalledTimes(1);
    expect(await shared.get("k", counted("later"))).toBe("after");
  });

  it("ignores the topics it is told to", async () => {
    const bus = aBus();
    const shared = new SharedResults(bus as unknown as EventBus, { ignore: (t) => t === "pods" });
    await shared.get("k", counted(1));
    bus.hear({ topic: "pods", clusterId: "c1" });
    expect(await shared.get("k", counted(2))).toBe(1);
    bus.hear({ topic: "coverage", clusterId: "c1" });
    expect(await shared.get("k", counted(3))).toBe(3);
  });

  it("shares nothing while the bus is not listening, nor across a reconnect", async () => {
    const bus = aBus();
    const shared = new SharedResults(bus as unknown as EventBus);
    await shared.get("k", counted("first"));
    bus.listening = null;
    expect(await shared.get("k", counted("down"))).toBe("down");
    expect(await shared.get("k", counted("still down"))).toBe("still down");
    // Listening again, before its `resync` is heard: what was computed on the old LISTEN may have missed changes.
    bus.listening = 2;
    expect(await shared.get("k", counted("back"))).toBe("back");
    expect(await shared.get("k", counted("again"))).toBe("back");
  });

  it("computes again once a result is older than its age limit", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const bus = aBus();
    const shared = new SharedResults(bus as unknown as EventBus, { maxAgeMs: 2000 });
    await shared.get("k", counted("old"));
    vi.advanceTimersByTime(1999);
    expect(await shared.get("k", counted("x"))).toBe("old");
    vi.advanceTimersByTime(2);
    expect(await shared.get("k", counted("new"))).toBe("new");
  });

  it("does not hand a failure to the next caller", async () => {
    const bus = aBus();
    const shared = new SharedResults(bus as unknown as EventBus);
    await expect(shared.get("k", () => Promise.reject(new Error("database down")))).rejects.toThrow("database down");
    expect(await shared.get("k", counted("ok"))).toBe("ok");
  });

  it("keeps at most maxEntries results, letting the oldest go", async () => {
    const bus = aBus();
    const shared = new SharedResults(bus as unknown as EventBus, { maxEntries: 2 });
    await shared.get("a", counted("a"));
    await shared.get("b", counted("b"));
    await shared.get("c", counted("c"));
    expect(await shared.get("b", counted("b2"))).toBe("b");
    expect(await shared.get("c", counted("c2"))).toBe("c");
    expect(await shared.get("a", counted("a2"))).toBe("a2");
  });
});
