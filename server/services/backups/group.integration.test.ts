import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { groupBackupSpec } from "@/lib/schemas/protection";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText } from "../../testing/sandbox";
import { sandboxS3 } from "../../testing/locations";
import { veleroObjects } from "../../kube/testing-objects";
import type { Db } from "../../db/client";

// Backing up a whole cluster group in one action (#15 P7): each cluster at the location Lifeboat made writable there
// (a group's clusters write to places of their own), or at one named location where it is writable; each cluster's
// outcome said, a failure on one not stopping the others; the group's role decides who may.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

let db: Db;
let caller: ReturnType<typeof callerFor>;
let groupId = "";
const ids: string[] = [];
const suffix = Date.now().toString(36);
const spec: z.infer<typeof groupBackupSpec> = {
  scope: { kind: "namespaces", include: ["payments"] },
  volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
  location: null,
  ttl: { value: 1, unit: "days" },
};
let shared = "";
let own = "";

beforeAll(async () => {
  ({ db } = await freshDatabase());
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  caller = callerFor(db, await signedIn(db, admin));
  groupId = (await aGroup(db, "group-backups")).id;
  for (const [i, name] of ["gb-east", "gb-west"].entries())
    ids.push(
      (await caller.cluster.attach({ kubeconfig: kubeconfigText(i), name, groupId, description: "", labels: {} })).id,
    );
  const { location } = await sandboxS3(caller, "group-backups-s3");
  // The group's location is written by gb-east (read-only on gb-west); gb-west writes a location of its own.
  const groupLoc = await location(`gb-shared-${suffix}`, `group-backups-${suffix}`);
  const westLoc = await location(`gb-west-${suffix}`, `group-backups-${suffix}-west`);
  await caller.location.assign({
    locationId: groupLoc.id,
    target: { kind: "clusterGroup", id: groupId },
    readOnly: true,
    writers: [ids[0]],
  });
  await caller.location.assign({ locationId: westLoc.id, target: { kind: "cluster", id: ids[1] }, readOnly: false });
  await until("both locations applied", async () => {
    const rows = await db.locationDeployment.findMany({ where: { clusterId: { in: ids }, appliedAt: { not: null } } });
    return rows.length === 3;
  });
  own = (await db.locationDeployment.findFirstOrThrow({ where: { locationId: westLoc.id } })).bslName;
  shared = (await db.locationDeployment.findFirstOrThrow({ where: { locationId: groupLoc.id } })).bslName;
});

describe("backup.createForGroup", () => {
  it("backs up every cluster of the group at the location writable on each, in one action", async () => {
    const r = await caller.backup.createForGroup({ groupId, name: `all-${suffix}`, spec });
    expect(r.clusters).toEqual([
      {
        clusterId: ids[0],
        clusterName: "gb-east",
        name: `gb-east-all-${suffix}`,
        location: shared,
        created: true,
        error: null,
      },
      {
        clusterId: ids[1],
        clusterName: "gb-west",
        name: `gb-west-all-${suffix}`,
        location: own,
        created: true,
        error: null,
      },
    ]);
    // The Backups are on the clusters, as their own "Back up now" makes them.
    for (const [i, c] of r.clusters.entries()) {
      const b = await veleroObjects(kubeconfigText(i)).get("backups", c.name!);
      expect(b?.spec).toMatchObject({ storageLocation: c.location, includedNamespaces: ["payments"] });
    }
  });

  it("at one named location: made where it is writable, refused with the reason where it is read-only", async () => {
    const r = await caller.backup.createForGroup({
      groupId,
      name: `named-${suffix}`,
      spec: { ...spec, location: shared },
    });
    expect(r.clusters[0]).toMatchObject({ clusterName: "gb-east", created: true, error: null });
    expect(r.clusters[1]).toMatchObject({ clusterName: "gb-west", created: false, name: null });
    expect(r.clusters[1].error).toMatch(/ReadOnly on gb-west/);
  });

  it("is for those with a role on the group that may back up: a viewer is refused, an outsider does not see it", async () => {
    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: groupId });
    await expect(
      callerFor(db, await signedIn(db, viewer)).backup.createForGroup({ groupId, name: `v-${suffix}`, spec }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    // An operator of one cluster only has no role on the group.
    const operator = await aUser(db);
    await bind(db, "OPERATOR", { userId: operator.id }, { clusterId: ids[0] });
    await expect(
      callerFor(db, await signedIn(db, operator)).backup.createForGroup({ groupId, name: `o-${suffix}`, spec }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    const denied = await db.auditEvent.count({ where: { action: "backup.createForGroup", outcome: "DENIED" } });
    expect(denied).toBe(2);
  });

  it("refuses a name too long for the clusters' prefixes", async () => {
    await expect(caller.backup.createForGroup({ groupId, name: "x".repeat(33), spec })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});
