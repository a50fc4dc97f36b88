import { describe, expect, it } from "vitest";
import {
  formatLabelSelector,
  parseLabelSelector,
  parseLabelSelectors,
  SelectorSyntaxError,
  tryParseLabelSelectors,
} from "./label-selector";
import { labelSelectorInput } from "../schemas/protection";

describe("parseLabelSelector", () => {
  it.each([
    ["app=web", { matchLabels: { app: "web" } }],
    ["app==web", { matchLabels: { app: "web" } }],
    [" app = web , tier=db ", { matchLabels: { app: "web", tier: "db" } }],
    ["app.kubernetes.io/name=payments-api", { matchLabels: { "app.kubernetes.io/name": "payments-api" } }],
    ["tier!=db", { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] }],
    ["env in (prod, staging)", { matchExpressions: [{ key: "env", operator: "In", values: ["prod", "staging"] }] }],
    ["env notin (dev)", { matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }] }],
    ["env IN (prod)", { matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] }],
    ["release", { matchExpressions: [{ key: "release", operator: "Exists" }] }],
    ["!legacy", { matchExpressions: [{ key: "legacy", operator: "DoesNotExist" }] }],
    [
      "app=web, env in (a,b), !legacy",
      {
        matchLabels: { app: "web" },
        matchExpressions: [
          { key: "env", operator: "In", values: ["a", "b"] },
          { key: "legacy", operator: "DoesNotExist" },
        ],
      },
    ],
    ["app=", { matchLabels: { app: "" } }],
  ])("%s", (text, want) => {
    const got = parseLabelSelector(text);
    expect(got).toEqual(want);
    expect(labelSelectorInput.safeParse(got).success).toBe(true);
  });

  it.each([
    ["", "Enter a selector"],
    ["app=web,", "an empty term"],
    ["env in (prod", "is not closed"],
    ["env in prod)", 'a ")" without'],
    ["env in ()", "at least one value"],
    ["app=we b", "is not a label value"],
    ["-app=web", "the key"],
    ["app=web, app=api", 'cannot equal both "web" and "api"'],
    ["app web", "is not a selector term"],
  ])("refuses %j with a reason", (text, reason) => {
    expect(() => parseLabelSelector(text)).toThrow(SelectorSyntaxError);
    expect(() => parseLabelSelector(text)).toThrow(reason);
  });
});

describe("several selectors", () => {
  it("one per line, ORed, blank lines ignored", () => {
    expect(parseLabelSelectors("app=web\n\n tier in (db)\n")).toEqual([
      { matchLabels: { app: "web" } },
      { matchExpressions: [{ key: "tier", operator: "In", values: ["db"] }] },
    ]);
  });
  it("gives the message instead of throwing for forms", () => {
    expect(tryParseLabelSelectors("app=web\nenv in (")).toContain("is not closed");
    expect(tryParseLabelSelectors("\n")).toContain("Enter a selector");
  });
  it("formats back to the same syntax", () => {
    const text = "app=web, env in (a, b), tier notin (db), release, !legacy";
    expect(formatLabelSelector(parseLabelSelector(text))).toBe(text);
  });
});
