import { describe, expect, it } from "vitest";
import { parseLabelSelector } from "./label-selector";
import { anySelectorMatches, selectorMatches, type SelectorLike } from "./selector-match";

const labels = { app: "web", tier: "front", "app.kubernetes.io/name": "shop" };

describe("selectorMatches", () => {
  it.each<[string, SelectorLike, boolean]>([
    ["the empty selector matches everything", {}, true],
    ["matchLabels: equal value", { matchLabels: { app: "web" } }, true],
    ["matchLabels: other value", { matchLabels: { app: "db" } }, false],
    ["matchLabels: missing key", { matchLabels: { env: "prod" } }, false],
    ["matchLabels: every pair must hold", { matchLabels: { app: "web", tier: "back" } }, false],
    ["In: value listed", { matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] }, true],
    ["In: value not listed", { matchExpressions: [{ key: "tier", operator: "In", values: ["back"] }] }, false],
    ["In: key missing", { matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] }, false],
    ["NotIn: value listed", { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["front"] }] }, false],
    ["NotIn: value not listed", { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["back"] }] }, true],
    ["NotIn: key missing matches", { matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }, true],
    ["Exists: present", { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "Exists" }] }, true],
    ["Exists: absent", { matchExpressions: [{ key: "env", operator: "Exists", values: [] }] }, false],
    ["DoesNotExist: absent", { matchExpressions: [{ key: "env", operator: "DoesNotExist" }] }, true],
    ["DoesNotExist: present", { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, false],
    [
      "matchLabels and matchExpressions are ANDed",
      { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["back"] }] },
      false,
    ],
    [
      "an unknown operator matches nothing",
      { matchExpressions: [{ key: "app", operator: "Gt", values: ["1"] }] },
      false,
    ],
    ["In without values is invalid and matches nothing", { matchExpressions: [{ key: "app", operator: "In" }] }, false],
    [
      "NotIn without values is invalid and matches nothing",
      { matchExpressions: [{ key: "env", operator: "NotIn", values: [] }] },
      false,
    ],
    [
      "Exists with values is invalid and matches nothing",
      { matchExpressions: [{ key: "app", operator: "Exists", values: ["web"] }] },
      false,
    ],
  ])("%s", (_name, selector, want) => {
    expect(selectorMatches(selector, labels)).toBe(want);
  });

  it("a label inherited from Object.prototype is not a label", () => {
    expect(selectorMatches({ matchExpressions: [{ key: "constructor", operator: "Exists" }] }, {})).toBe(false);
    expect(selectorMatches({ matchLabels: { toString: "x" } }, {})).toBe(false);
  });

  it.each([
    ["app=web, tier in (front)", true],
    ["app=web, !tier", false],
    ["app.kubernetes.io/name, tier notin (back)", true],
    ["app!=web", false],
  ])("agrees with the wizard's kubectl syntax: %s", (text, want) => {
    expect(selectorMatches(parseLabelSelector(text), labels)).toBe(want);
  });
});

describe("anySelectorMatches", () => {
  it("no selector matches everything", () => {
    expect(anySelectorMatches([], {})).toBe(true);
  });
  it("selectors are ORed", () => {
    const sels: SelectorLike[] = [{ matchLabels: { app: "db" } }, { matchLabels: { tier: "front" } }];
    expect(anySelectorMatches(sels, labels)).toBe(true);
    expect(anySelectorMatches(sels, { app: "api" })).toBe(false);
  });
});
