import { describe, expect, it } from "vitest";
import type { DrillNamespaceCheck, DrillRestoreFacts } from "../schemas/drill";
import {
  drillDate,
  drillNamespaces,
  evidenceRows,
  namespaceProblems,
  recoverySeconds,
  restoreFailure,
  restoreFinished,
  verifyOutcome,
  type FinishedDrill,
} from "./drills";
import { isDnsLabel, sha256Hex } from "./names";

const DAY = new Date("2026-12-05T23:59:59Z");

describe("drillDate", () => {
  it("is yyyymmdd in UTC", () => {
    expect(drillDate(DAY)).toBe("20261205");
    expect(drillDate(new Date("2027-01-01T00:00:00+01:00"))).toBe("20261231");
  });
  it("refuses an invalid date", () => {
    expect(() => drillDate(new Date("nope"))).toThrow(RangeError);
  });
});

describe("drillNamespaces", () => {
  it("maps each source to <ns>-drill-<yyyymmdd>", () => {
    expect(drillNamespaces(["shop", "billing"], DAY)).toEqual({
      billing: "billing-drill-20261205",
      shop: "shop-drill-20261205",
    });
  });

  it("keeps a 48-character source whole (63 exactly) and cuts a longer one, with 6 hex of its hash", () => {
    const fits = "a".repeat(48);
    expect(drillNamespaces([fits], DAY)[fits]).toBe(`${fits}-drill-20261205`);
    expect(`${fits}-drill-20261205`).toHaveLength(63);
    const long = "b".repeat(50);
    const got = drillNamespaces([long], DAY)[long];
    expect(got).toHaveLength(63);
    expect(isDnsLabel(got)).toBe(true);
    expect(got).toBe(`${"b".repeat(41)}-${sha256Hex(long).slice(0, 6)}-drill-20261205`);
    // Cut right after a dash: the dash goes, one character shorter.
    const dashed = `${"c".repeat(40)}-${"d".repeat(22)}`;
    expect(drillNamespaces([dashed], DAY)[dashed]).toBe(
      `${"c".repeat(40)}-${sha256Hex(dashed).slice(0, 6)}-drill-20261205`,
    );
  });

  it("drops a dash left at the cut, so the name stays a DNS label", () => {
    const long = `${"d".repeat(40)}-${"e".repeat(30)}`.slice(0, 63);
    const cutAtDash = `${"d".repeat(40)}-x`.padEnd(63, "y");
    for (const s of [long, cutAtDash]) {
      const got = drillNamespaces([s], DAY)[s];
      expect(isDnsLabel(got), got).toBe(true);
      expect(got).not.toContain("--");
    }
  });

  it("never gives two long sources with the same beginning the same name", () => {
    const a = `${"p".repeat(50)}-one`;
    const b = `${"p".repeat(50)}-two`;
    const m = drillNamespaces([a, b], DAY);
    expect(m[a]).not.toBe(m[b]);
    expect([m[a], m[b]].every(isDnsLabel)).toBe(true);
  });

  it("adds a counter when the name is taken on the target, by another source of the drill, or by a name given already", () => {
    expect(drillNamespaces(["shop"], DAY, ["shop-drill-20261205"])).toEqual({ shop: "shop-drill-20261205-2" });
    expect(drillNamespaces(["shop"], DAY, ["shop-drill-20261205", "shop-drill-20261205-2"])).toEqual({
      shop: "shop-drill-20261205-3",
    });
    // A source that is itself called like another source's drill namespace.
    expect(drillNamespaces(["shop", "shop-drill-20261205"], DAY)).toEqual({
      shop: "shop-drill-20261205-2",
      "shop-drill-20261205": "shop-drill-20261205-drill-20261205",
    });
    // Two long sources whose cut names meet: the counter separates them, within 63 characters.
    const long = "q".repeat(63);
    const m = drillNamespaces([long], DAY, [drillNamespaces([long], DAY)[long]]);
    expect(m[long]).toMatch(/-drill-20261205-2$/);
    expect(m[long]).toHaveLength(63);
  });

  it("is the same whatever the order of the sources, and names each source once", () => {
    expect(drillNamespaces(["b", "a", "b"], DAY)).toEqual(drillNamespaces(["a", "b"], DAY));
    expect(Object.keys(drillNamespaces(["b", "a", "b"], DAY))).toHaveLength(2);
  });

  it("refuses a source that is not a namespace name", () => {
    expect(() => drillNamespaces(["Not_A_Namespace"], DAY)).toThrow(RangeError);
  });
});

const restore = (o: Partial<DrillRestoreFacts> = {}): DrillRestoreFacts => ({
  phase: "Completed",
  itemsRestored: 10,
  totalItems: 10,
  errors: 0,
  warnings: 0,
  failureReason: null,
  validationErrors: [],
  ...o,
});

describe("restoreFinished / restoreFailure", () => {
  it.each([
    ["New", false],
    ["InProgress", false],
    ["WaitingForPluginOperations", false],
    ["Finalizing", false],
    ["Completed", true],
    ["PartiallyFailed", true],
    ["Failed", true],
    ["FailedValidation", true],
  ])("%s is finished: %s", (phase, done) => expect(restoreFinished(phase)).toBe(done));

  it("passes a Completed restore, with warnings too", () => {
    expect(restoreFailure(restore())).toBeNull();
    expect(restoreFailure(restore({ warnings: 3 }))).toBeNull();
  });

  it.each<[Partial<DrillRestoreFacts>, string]>([
    [{ phase: "PartiallyFailed", errors: 2 }, "The restore partially failed with 2 errors"],
    [{ phase: "PartiallyFailed", errors: 1 }, "The restore partially failed with 1 error"],
    [{ phase: "Failed", failureReason: "error downloading backup" }, "The restore failed: error downloading backup"],
    [{ phase: "Failed" }, "The restore failed: no reason given"],
    [
      { phase: "FailedValidation", validationErrors: ["backup b is not in a restorable phase", "x"] },
      "Velero refused the restore: backup b is not in a restorable phase; x",
    ],
  ])("fails %j", (o, reason) => expect(restoreFailure(restore(o))).toBe(reason));
});

const ns = (o: Partial<DrillNamespaceCheck> = {}): DrillNamespaceCheck => ({
  source: "shop",
  namespace: "shop-drill-20261205",
  exists: true,
  claims: { bound: 1, total: 1, notBound: [] },
  pods: { ready: 2, total: 2, notReady: [] },
  workloads: { ready: 1, total: 1, notReady: [] },
  ...o,
});

describe("namespaceProblems", () => {
  it("finds none when everything is ready", () => {
    expect(namespaceProblems(ns())).toEqual([]);
    expect(namespaceProblems(ns({ workloads: null }))).toEqual([]);
  });

  it("names what is not ready, counting what the list leaves out", () => {
    expect(
      namespaceProblems(
        ns({
          claims: { bound: 0, total: 3, notBound: ["data", "logs"] },
          pods: { ready: 1, total: 2, notReady: [{ name: "web-0", reason: "ImagePullBackOff" }] },
          workloads: { ready: 0, total: 1, notReady: ["Deployment web"] },
        }),
      ),
    ).toEqual([
      "claims shop-drill-20261205/data, shop-drill-20261205/logs and 1 more not Bound",
      "pod shop-drill-20261205/web-0 (ImagePullBackOff) not Ready",
      "shop-drill-20261205/Deployment web without all replicas ready",
    ]);
  });

  it("says when nothing of the source came back", () => {
    expect(namespaceProblems(ns({ exists: false }))).toEqual([
      "nothing of shop came back (shop-drill-20261205 was not made by the restore)",
    ]);
  });
});

describe("verifyOutcome", () => {
  const notReady = ns({ pods: { ready: 0, total: 1, notReady: [{ name: "web", reason: "ErrImagePull" }] } });

  it("passes when every namespace is ready (and an empty namespace list passes)", () => {
    expect(verifyOutcome([ns(), ns({ namespace: "b" })], 1_000, 300_000)).toEqual({ state: "passed" });
    expect(verifyOutcome([], 0, 300_000)).toEqual({ state: "passed" });
  });

  it("waits while something is not ready before the timeout", () => {
    expect(verifyOutcome([notReady], 299_999, 300_000)).toEqual({
      state: "waiting",
      problems: ["pod shop-drill-20261205/web (ErrImagePull) not Ready"],
    });
  });

  it("fails with what was not ready at the timeout", () => {
    expect(verifyOutcome([notReady], 300_000, 300_000)).toEqual({
      state: "failed",
      reason: "Not ready 5 minutes after the restore: pod shop-drill-20261205/web (ErrImagePull) not Ready",
    });
    expect(verifyOutcome([notReady], 20_000, 15_000)).toMatchObject({
      reason: expect.stringMatching(/^Not ready 15 s/),
    });
  });

  it("shows at most five problems", () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ ...notReady, namespace: `n${i}` }));
    const got = verifyOutcome(many, 1e9, 1);
    expect(got.state === "failed" && got.reason.endsWith("; and 2 more")).toBe(true);
  });

  it("fails at once when a drill namespace was never made", () => {
    expect(verifyOutcome([ns(), ns({ exists: false, source: "billing", namespace: "b" })], 0, 300_000)).toEqual({
      state: "failed",
      reason: "nothing of billing came back (b was not made by the restore)",
    });
  });
});

describe("recoverySeconds", () => {
  it("counts whole seconds from the start to the checks passing", () => {
    expect(recoverySeconds(new Date("2026-12-05T10:00:00Z"), new Date("2026-12-05T10:02:03.600Z"))).toBe(124);
    expect(recoverySeconds(new Date("2026-12-05T10:00:01Z"), new Date("2026-12-05T10:00:00Z"))).toBe(0);
  });
});

describe("evidenceRows", () => {
  const clusters = [
    { id: "c1", name: "west" },
    { id: "c2", name: "east" },
  ];
  let n = 0;
  const drill = (o: Partial<FinishedDrill>): FinishedDrill => ({
    id: `d${++n}`,
    sourceClusterId: "c1",
    namespaces: ["shop"],
    verdict: "PASSED",
    at: new Date("2026-12-01T00:00:00Z"),
    backupName: "b",
    targetClusterId: "c1",
    targetClusterName: "west",
    recoverySeconds: 60,
    failureReason: null,
    ...o,
  });

  it("gives each namespace its last passed drill and the latest failure after it", () => {
    const old = drill({ at: new Date("2026-11-01T00:00:00Z"), recoverySeconds: 90 });
    const passed = drill({ at: new Date("2026-11-20T00:00:00Z"), recoverySeconds: 75 });
    const failedBefore = drill({ verdict: "FAILED", at: new Date("2026-11-10T00:00:00Z"), recoverySeconds: null });
    const failedAfter = drill({
      verdict: "FAILED",
      at: new Date("2026-11-25T00:00:00Z"),
      recoverySeconds: null,
      failureReason: "pod not Ready",
    });
    const rows = evidenceRows(clusters, [old, failedAfter, passed, failedBefore]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      clusterId: "c1",
      clusterName: "west",
      namespace: "shop",
      drills: 4,
      lastPassed: { drillId: passed.id, recoverySeconds: 75, at: passed.at },
      failedSince: { drillId: failedAfter.id, failureReason: "pod not Ready" },
    });
  });

  it("has no failure after a pass that is the newest, and the latest failure when none passed", () => {
    const f1 = drill({ verdict: "FAILED", namespaces: ["db"], at: new Date("2026-11-01T00:00:00Z") });
    const f2 = drill({ verdict: "FAILED", namespaces: ["db"], at: new Date("2026-11-02T00:00:00Z") });
    const p = drill({ namespaces: ["shop"] });
    const rows = evidenceRows(clusters, [f1, f2, p]);
    expect(rows.map((r) => [r.namespace, r.lastPassed?.drillId ?? null, r.failedSince?.drillId ?? null])).toEqual([
      ["db", null, f2.id],
      ["shop", p.id, null],
    ]);
  });

  it("counts a drill of several namespaces for each, leaves out other clusters' drills, sorts by cluster and namespace", () => {
    const rows = evidenceRows(clusters, [
      drill({ namespaces: ["b", "a"], sourceClusterId: "c1" }),
      drill({ namespaces: ["z"], sourceClusterId: "c2" }),
      drill({ namespaces: ["x"], sourceClusterId: "elsewhere" }),
    ]);
    expect(rows.map((r) => `${r.clusterName}/${r.namespace}`)).toEqual(["east/z", "west/a", "west/b"]);
  });
});
