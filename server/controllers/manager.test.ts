import { describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { ControllerManager } from "./manager";

/** A database whose lease renewals answer only when the test lets them (each call counted). */
function heldDatabase() {
  const waiting: (() => void)[] = [];
  const state = { renewals: 0 };
  const db = {
    $queryRaw: () => {
      state.renewals++;
      return new Promise((resolve) => waiting.push(() => resolve([{ token: 1n }])));
    },
    $executeRaw: () => Promise.resolve(0),
  } as unknown as Db;
  /** Lets every promise callback that can run, run. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  /** Answers the renewal in flight. */
  const answer = async () => {
    waiting.shift()!();
    await settle();
  };
  return { db, state, answer, settle, waiting };
}

describe("ControllerManager rounds", () => {
  it("while a round is held up, further periods wait as one round, not one each", async () => {
    const { db, state, answer, settle, waiting } = heldDatabase();
    const started: string[] = [];
    const manager = new ControllerManager(
      db,
      [{ name: "fleet", start: () => (started.push("fleet"), () => undefined) }],
      {
        holder: "h",
        renewMs: 3_600_000,
        leaseMs: 10_800_000,
      },
    );
    const first = manager.start();
    await settle();
    expect(state.renewals).toBe(1); // the first round's renewal, held
    for (let i = 0; i < 10; i++) manager.nudge(); // ten periods pass while it is held
    await answer();
    await first;
    expect(started).toEqual(["fleet"]);
    expect(state.renewals).toBe(2); // one round waited behind it, not ten
    await answer();
    expect(state.renewals).toBe(2);
    expect(waiting).toHaveLength(0);
    manager.nudge(); // a new period after that: a round again
    await settle();
    expect(state.renewals).toBe(3);
    await answer();
    await manager.stop();
  });
});
