import { describe, expect, it } from "vitest";
import { Gate, mapBounded } from "./bounded";

describe("mapBounded", () => {
  it("keeps the items' order with at most `limit` calls in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapBounded([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it("starts nothing new after a failure, and throws it", async () => {
    const started: number[] = [];
    await expect(
      mapBounded([1, 2, 3, 4, 5], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error("two");
        return n;
      }),
    ).rejects.toThrow("two");
    expect(started).toEqual([1, 2]);
  });
});

describe("Gate", () => {
  it("lets at most `limit` calls run at once, the others in the order they came, and frees the place of one that throws", async () => {
    const gate = new Gate(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const call = (i: number, fail = false) =>
      gate.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await new Promise<void>((r) => releases.push(r));
        running--;
        if (fail) throw new Error(`call ${i} failed`);
        return i;
      });
    const calls = [call(0, true), call(1), call(2), call(3)];
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    releases.shift()!(); // 0 ends by throwing: 2 takes its place
    await expect(calls[0]).rejects.toThrow("call 0 failed");
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    while (releases.length) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(calls.slice(1))).toEqual([1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(most).toBe(2);
    // Every place was given back: two run at once again at once.
    const again = [gate.run(async () => "a"), gate.run(async () => "b")];
    expect(await Promise.all(again)).toEqual(["a", "b"]);
  });
});

describe("Gate and a stop", () => {
  it("a call waiting for its place leaves the line when its signal aborts, never runs, and the line goes on", async () => {
    const gate = new Gate(1);
    let release!: () => void;
    const first = gate.run(() => new Promise<string>((r) => (release = () => r("first"))));
    const stop = new AbortController();
    let ran = false;
    const stopped = gate.run(async () => {
      ran = true;
      return "stopped";
    }, stop.signal);
    const third = gate.run(async () => "third");
    stop.abort();
    await expect(stopped).rejects.toThrow(/abort/i);
    release();
    expect(await first).toBe("first");
    expect(await third).toBe("third");
    expect(ran).toBe(false);
    // Aborted before it asks: refused at once.
    await expect(gate.run(async () => "late", stop.signal)).rejects.toThrow(/abort/i);
  });
});
