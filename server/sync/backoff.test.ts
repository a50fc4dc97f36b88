import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff";

describe("backoffDelay", () => {
  const low = () => 0;
  const high = () => 0.999999;

  it.each([
    [1, 250, 500],
    [2, 500, 1_000],
    [3, 1_000, 2_000],
    [6, 8_000, 16_000],
    [7, 10_000, 20_000],
    [8, 10_000, 20_000],
    [1_000, 10_000, 20_000],
  ])("after %i failures waits between %i and %i ms", (failures, min, max) => {
    expect(backoffDelay(failures, DEFAULT_BACKOFF, low)).toBe(min);
    expect(backoffDelay(failures, DEFAULT_BACKOFF, high)).toBe(max);
  });

  it("treats 0 or fewer failures as the first", () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, low)).toBe(250);
    expect(backoffDelay(-3, DEFAULT_BACKOFF, high)).toBe(500);
  });

  it("follows a custom policy", () => {
    expect(backoffDelay(3, { baseMs: 10, maxMs: 25 }, high)).toBe(25);
    expect(backoffDelay(2, { baseMs: 10, maxMs: 25 }, low)).toBe(10);
  });
});
