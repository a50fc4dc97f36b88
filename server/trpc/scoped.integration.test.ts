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

    await expect(caller.backup.preview({ clusterId: mine.id, name: "operated-1-a", spec })).resolves.toMatchObject({
      yaml: expect.stringContaining("kind: Backup"),
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
