import { describe, expect, it } from "vitest";
import { didYouMean, editDistance, MAX_NAME, noSuchNamespace } from "./did-you-mean";

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["a", "", 1],
    ["", "abc", 3],
    ["cassandra", "casandra", 1],
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
    ["ab", "ba", 2],
    ["payments", "payments", 0],
  ])("%j → %j is %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it("stops early past the limit, answering limit + 1", () => {
    expect(editDistance("abcdefgh", "zyxwvuts", 2)).toBe(3);
    expect(editDistance("a", "abcdefgh", 2)).toBe(3);
    expect(editDistance("kitten", "sitting", 3)).toBe(3);
  });
});

describe("didYouMean", () => {
  const known = ["cassandra", "default", "kube-system", "payments", "velero"];
  it.each([
    ["casandra", "cassandra"],
    ["cassandar", "cassandra"],
    ["defualt", "default"],
    ["veleor", "velero"],
    ["kube-sytem", "kube-system"],
    ["paymnts", "payments"],
    ["cassandra", null],
    ["postgres", null],
    ["ab", null],
    ["", null],
  ])("%j → %j", (typed, want) => {
    expect(didYouMean(typed, known)).toBe(want);
  });

  it("allows one edit for short names only", () => {
    expect(didYouMean("dbx", ["db"])).toBe("db");
    expect(didYouMean("dxy", ["d"])).toBeNull();
  });

  it("prefers the closest, then the first", () => {
    expect(didYouMean("team-b", ["team-xyz", "team-a", "team-c"])).toBe("team-a");
  });

  it("ignores input beyond the bound", () => {
    expect(didYouMean("a".repeat(MAX_NAME + 1), ["a".repeat(MAX_NAME)])).toBeNull();
  });
});

describe("noSuchNamespace", () => {
  const known = ["cassandra", "default"];
  it.each([
    ["casandra", "casandra: no such namespace on sandbox-1; did you mean cassandra?"],
    ["zookeeper", "zookeeper: no such namespace on sandbox-1"],
    ["cassandra", null],
    ["cass*", null],
    ["", null],
  ])("%j → %j", (typed, want) => {
    expect(noSuchNamespace(typed, known, "sandbox-1")).toBe(want);
  });
});
