import { beforeAll, describe, expect, it } from "vitest";
import type { BackupInput } from "@/lib/schemas/protection";
import type { Db } from "../db/client";
import { freshDatabase } from "../testing/db";
import { aCluster, aGroup, aUser, bind, callerFor, signedIn } from "../testing/builders";

// Procedures bound to a cluster check the procedure's permission on that very cluster (previews included), answer
// NOT_FOUND for a cluster the caller may not see, and fill the audit row's target and scope.
let db: Db;
beforeAll(async () => {
  ({ db } = await freshDatabase());
});

const spec = {
  scope: { kind: "namespaces", include: ["payments"] },
  volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
  location: "default",
  ttl: { value: 7, unit: "days" },
} as BackupInput;

describe("clusterProcedure", () => {
  it("refuses a preview on a cluster where the caller is only a viewer, though they operate another one", async () => {
    const operated = await aGroup(db);
    const viewed = await aGroup(db);
    const hidden = await aGroup(db);
    const mine = await aCluster(db, operated.id, "operated-1");
    const theirs = await aCluster(db, viewed.id, "viewed-1");
    const secret = await aCluster(db, hidden.id, "hidden-1");
    const u = await aUser(db);
    await bind(db, "OPERATOR", { userId: u.id }, { clusterGroupId: operated.id });
    await bind(db, "VIEWER", { userId: u.id }, { clusterGroupId: viewed.id });
    const caller = callerFor(db, await signedIn(db, u));

    // The cluster is not reachable (no kubeconfig): the review still shows the manifest, and says the names went unchecked.
    await expect(caller.backup.preview({ clusterId: mine.id, name: "operated-1-a", spec })).resolves.toMatchObject({
      yaml: expect.stringContaining("kind: Backup"),
      notes: [expect.objectContaining({ code: "namespaces-unchecked", severity: "info" })],
    });
    await expect(caller.backup.preview({ clusterId: theirs.id, name: "viewed-1-a", spec })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(
      caller.restore.preview({
        clusterId: theirs.id,
        name: "viewed-1-r",
        backupName: "b",
        spec: { scope: { kind: "all" }, restorePVs: true, existingResourcePolicy: "none" },
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller.backup.preview({ clusterId: secret.id, name: "hidden-1-a", spec })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });

    const denied = await db.auditEvent.findFirst({
      where: { actorId: u.id, action: "backup.preview", outcome: "DENIED", scope: `cluster:${theirs.id}` },
    });
    expect(denied).toMatchObject({ targetType: "backup", targetId: "viewed-1-a" });
  });
});

describe("procedures bound to a cluster, a group or an input's target", () => {
  it("read the target where the input names it, answer NOT_FOUND or FORBIDDEN there, and fill each call's audit row", async () => {
    const administered = await aGroup(db);
    const viewed = await aGroup(db);
    const hidden = await aGroup(db);
    const theirs = await aCluster(db, viewed.id, "viewed-2");
    const secret = await aCluster(db, hidden.id, "hidden-2");
    const u = await aUser(db);
    await bind(db, "CLUSTER_ADMIN", { userId: u.id }, { clusterGroupId: administered.id });
    await bind(db, "VIEWER", { userId: u.id }, { clusterGroupId: viewed.id });
    const credential = await db.credential.create({
      data: { name: "scoped-it", config: {}, keyIdMasked: "AKIA…", sealedSecretId: "scoped-it-secret" },
    });
    const location = await db.location.create({
      data: { name: "scoped-it", provider: "S3_COMPATIBLE", config: {}, credentialId: credential.id },
    });
    await db.locationAssignment.create({ data: { locationId: location.id, clusterGroupId: viewed.id } });
    // One caller, one context for every call (as in a batched request).
    const caller = callerFor(db, await signedIn(db, u));

    await expect(caller.cluster.get({ id: theirs.id })).resolves.toMatchObject({ name: "viewed-2", myRole: "VIEWER" });
    await expect(caller.cluster.get({ id: secret.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.cluster.refresh({ id: theirs.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const attach = { kubeconfig: "apiVersion: v1", name: "new-one", description: "", labels: {} };
    await expect(caller.cluster.attach({ ...attach, groupId: viewed.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller.cluster.attach({ ...attach, groupId: hidden.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const assign = (target: { kind: "cluster" | "clusterGroup"; id: string }) =>
      caller.location.assign({ locationId: location.id, target, readOnly: false });
    await expect(assign({ kind: "cluster", id: theirs.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(assign({ kind: "clusterGroup", id: hidden.id })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const rows = await db.auditEvent.findMany({
      where: { actorId: u.id, outcome: "DENIED" },
      orderBy: { id: "asc" },
      select: { action: true, targetType: true, targetId: true, scope: true },
    });
    expect(rows).toEqual([
      { action: "cluster.get", targetType: "cluster", targetId: secret.id, scope: `cluster:${secret.id}` },
      { action: "cluster.refresh", targetType: "cluster", targetId: theirs.id, scope: `cluster:${theirs.id}` },
      { action: "cluster.attach", targetType: "cluster", targetId: "new-one", scope: `clusterGroup:${viewed.id}` },
      { action: "cluster.attach", targetType: "cluster", targetId: "new-one", scope: `clusterGroup:${hidden.id}` },
      { action: "location.assign", targetType: "location", targetId: location.id, scope: `cluster:${theirs.id}` },
      { action: "location.assign", targetType: "location", targetId: location.id, scope: `clusterGroup:${hidden.id}` },
    ]);
    expect(await db.locationAssignment.count({ where: { locationId: location.id } })).toBe(1);
  });
});
