import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { aCluster, aGroup, aUser } from "../../testing/builders";
import { loadAccess } from "../../rbac/access";
import type { Db } from "../../db/client";
import { fleetDashboard } from "./dashboard";

// A failed restore drill on the fleet dashboard (#14 §4): a cluster whose newest finished drill failed shows that
// drill, until a newer one passes; a drill still running does not hide it.

let db: Db;
let groupId = "";

beforeAll(async () => {
  ({ db } = await freshDatabase());
  groupId = (await aGroup(db, "drill-dash")).id;
});

const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, minutes));

async function drill(clusterId: string, n: number, phase: "PASSED" | "FAILED" | "VERIFYING", failureReason?: string) {
  return db.restoreDrill.create({
    data: {
      clusterId,
      backupName: `nightly-${n}`,
      restoreName: `drill-${n}`,
      phase,
      verdict: phase === "VERIFYING" ? null : phase,
      startedAt: at(n),
      finishedAt: phase === "VERIFYING" ? null : at(n + 1),
      failureReason: failureReason ?? null,
      createdBy: "tester@example.com",
    },
  });
}

async function rowOf(clusterId: string) {
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  const dash = await fleetDashboard(db, await loadAccess(db, admin.id, "ORG_ADMIN"), { groupId });
  return dash.clusters.find((c) => c.clusterId === clusterId)!;
}

describe("the fleet dashboard's failed drill", () => {
  it("names the newest finished drill when it failed, and nothing once a newer one passed", async () => {
    const c = await aCluster(db, groupId);
    expect((await rowOf(c.id)).failedDrill).toBeNull();
    await drill(c.id, 1, "PASSED");
    expect((await rowOf(c.id)).failedDrill).toBeNull();
    const failed = await drill(c.id, 10, "FAILED", "2 pods not ready");
    // A drill still running leaves the failure standing.
    await drill(c.id, 20, "VERIFYING");
    expect((await rowOf(c.id)).failedDrill).toEqual({
      id: failed.id,
      at: at(11),
      backupName: "nightly-10",
      failureReason: "2 pods not ready",
    });
    await drill(c.id, 30, "PASSED");
    expect((await rowOf(c.id)).failedDrill).toBeNull();
  });

  it("shows a cluster's failure on its own row only", async () => {
    const bad = await aCluster(db, groupId);
    const good = await aCluster(db, groupId);
    const failed = await drill(bad.id, 40, "FAILED");
    await drill(good.id, 41, "PASSED");
    expect((await rowOf(bad.id)).failedDrill?.id).toBe(failed.id);
    expect((await rowOf(good.id)).failedDrill).toBeNull();
  });
});
