import { describe, expect, it } from "vitest";
import { operationSteps, operationTitle, reviewCopy } from "./operation-steps";

type Op = Parameters<typeof operationSteps>[0];
const at = "2026-01-01T00:00:00.000Z";
/** An operation of `kind` in `phase`, with the server's step records as "name:state". */
const op = (kind: Op["kind"], phase: Op["phase"], ...records: string[]): Op => ({
  kind,
  phase,
  version: "v1.18.1",
  steps: records.map((r) => {
    const [name, state] = r.split(":");
    return { name, state: state as "running" | "done" | "failed", at };
  }),
});
/** "name=state" per step, in order. */
const shown = (o: Op, asked?: Parameters<typeof operationSteps>[1]) =>
  operationSteps(o, asked).map((s) => `${s.name}=${s.state}`);

describe("the steps of an operation, by kind", () => {
  it("an install, a change, an upgrade and a take-over render, wait for a review, then apply", () => {
    expect(shown(op("UPGRADE", "PENDING"))).toEqual([
      "render=active",
      "review=pending",
      "crds=pending",
      "workloads=pending",
      "rollout=pending",
      "verify=pending",
    ]);
    expect(shown(op("CONFIGURE", "REVIEW", "render:done")).slice(0, 3)).toEqual([
      "render=done",
      "review=active",
      "crds=pending",
    ]);
    // CRDs applied but not yet served: still their step.
    expect(shown(op("TAKE_OVER", "APPLYING", "render:done", "crds:done")).slice(1, 4)).toEqual([
      "review=done",
      "crds=active",
      "workloads=pending",
    ]);
    expect(
      shown(op("INSTALL", "ROLLING_OUT", "render:done", "crds:done", "established:done", "rollout:running")),
    ).toEqual(["render=done", "review=done", "crds=done", "workloads=done", "rollout=active", "verify=pending"]);
    expect(operationSteps(op("UPGRADE", "SUCCEEDED")).every((s) => s.state === "done")).toBe(true);
  });

  it("a take-over that replaces someone else's workloads waits for them to go before applying Lifeboat's", () => {
    const replacing = ["render:done", "crds:done", "established:done", "replaced:running"];
    const replaces = ["Deployment velero/velero"];
    expect(shown({ ...op("TAKE_OVER", "APPLYING", ...replacing), replaces }).slice(2, 5)).toEqual([
      "crds=done",
      "replaced=active",
      "workloads=pending",
    ]);
    expect(
      operationSteps({ ...op("TAKE_OVER", "REVIEW", "render:done"), replaces }).find((s) => s.name === "replaced"),
    ).toMatchObject({ label: "Replace Deployment velero/velero", state: "pending" });
    // Past its deadline: the replacement failed, nothing of Lifeboat's was applied.
    expect(shown({ ...op("TAKE_OVER", "FAILED", ...replacing), replaces }).slice(3, 5)).toEqual([
      "replaced=failed",
      "workloads=pending",
    ]);
    // Where only the progress is read (the fleet's versions page), the record shows it.
    const progressOnly = operationSteps(
      op("TAKE_OVER", "APPLYING", "render:done", "established:done", "replaced:done"),
    );
    expect(progressOnly.find((s) => s.name === "replaced")).toMatchObject({
      label: "Replace workloads",
      state: "done",
    });
    // A take-over that adopts everything in place, and a repair, replace nothing.
    expect(shown({ ...op("TAKE_OVER", "APPLYING", "render:done"), replaces: [] })).not.toContain("replaced=pending");
    expect(shown(op("REPAIR", "APPLYING")).some((s) => s.startsWith("replaced"))).toBe(false);
  });

  it("names the upgrade's CRD step for what it does", () => {
    expect(operationSteps(op("UPGRADE", "PENDING")).find((s) => s.name === "crds")?.label).toBe("Upgrade the CRDs");
    expect(operationSteps(op("CONFIGURE", "PENDING")).find((s) => s.name === "crds")?.label).toBe("CRDs");
  });

  it("marks the step that failed: the one recorded, else the first not done", () => {
    expect(shown(op("UPGRADE", "FAILED", "render:failed")).slice(0, 2)).toEqual(["render=failed", "review=pending"]);
    // Refused at apply time (backups running): the review had been approved.
    expect(shown(op("CONFIGURE", "FAILED", "render:done")).slice(0, 3)).toEqual([
      "render=done",
      "review=done",
      "crds=failed",
    ]);
    const rolledOut = ["render:done", "crds:done", "established:done", "namespace-rbac:done", "workloads:done"];
    expect(shown(op("INSTALL", "FAILED", ...rolledOut, "rollout:failed"))).toEqual([
      "render=done",
      "review=done",
      "crds=done",
      "workloads=done",
      "rollout=failed",
      "verify=pending",
    ]);
  });

  it("a cancelled review shows nothing active or failed", () => {
    expect(shown(op("CONFIGURE", "CANCELLED", "render:done")).slice(0, 3)).toEqual([
      "render=done",
      "review=pending",
      "crds=pending",
    ]);
  });

  it("a repair applies again without rendering or review", () => {
    expect(shown(op("REPAIR", "APPLYING"))).toEqual([
      "crds=active",
      "workloads=pending",
      "rollout=pending",
      "verify=pending",
    ]);
  });

  it("a disable deletes backups and CRDs only when asked", () => {
    expect(shown(op("DISABLE", "APPLYING"))).toEqual(["locations=active", "workloads=pending"]);
    expect(shown(op("DISABLE", "APPLYING"), { backups: "delete", deleteCrds: true })).toEqual([
      "delete-backups=active",
      "locations=pending",
      "workloads=pending",
      "crds=pending",
    ]);
    // What the server recorded tells, when this browser did not start it.
    expect(shown(op("DISABLE", "APPLYING", "delete-backups:done", "locations:done", "workloads:running"))).toEqual([
      "delete-backups=done",
      "locations=done",
      "workloads=active",
    ]);
    expect(shown(op("DISABLE", "FAILED", "delete-backups:failed"))).toEqual([
      "delete-backups=failed",
      "locations=pending",
      "workloads=pending",
    ]);
    expect(operationSteps(op("DISABLE", "SUCCEEDED", "locations:done", "workloads:done", "crds:done"))).toEqual([
      { name: "locations", label: "Remove locations", state: "done" },
      { name: "workloads", label: "Stop Velero", state: "done" },
      { name: "crds", label: "Delete CRDs and namespace", state: "done" },
    ]);
  });
});

describe("an operation's words", () => {
  it("titles each kind", () => {
    expect(operationTitle({ kind: "UPGRADE", version: "v1.18.1" })).toBe("Upgrade to Velero v1.18.1");
    expect(operationTitle({ kind: "INSTALL", version: "v1.17.0" })).toBe("Install of Velero v1.17.0");
    expect(operationTitle({ kind: "REPAIR", version: "v1.17.0" })).toBe("Putting back what Lifeboat applied");
  });

  it("names the review's apply button after the kind", () => {
    expect(reviewCopy("INSTALL", "v1.17.0", 18).apply).toBe("Apply 18 objects");
    expect(reviewCopy("INSTALL", "v1.17.0", 18).title).toBe("Review what Velero's installer rendered");
    expect(reviewCopy("CONFIGURE", "v1.17.0", 18).apply).toBe("Apply changes");
    expect(reviewCopy("UPGRADE", "v1.18.1", 18)).toEqual({
      title: "Review the upgrade to Velero v1.18.1",
      apply: "Upgrade",
      cancel: "Cancel the upgrade",
    });
    expect(reviewCopy("TAKE_OVER", "v1.18.1", 18).apply).toBe("Take over");
  });
});
