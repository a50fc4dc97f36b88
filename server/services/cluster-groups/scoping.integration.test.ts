import { beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { freshDatabase } from "../../testing/db";
import { aCluster, aGroup, aTeam, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import type { Db } from "../../db/client";

let db: Db;
beforeAll(async () => {
  ({ db } = await freshDatabase());
});

describe("scoped views", () => {
  it("a user sees only the groups and clusters their bindings (direct or through a team) grant", async () => {
    const [prod, dev, lab] = [await aGroup(db, "prod"), await aGroup(db, "dev"), await aGroup(db, "lab")];
    const labA = await aCluster(db, lab.id, "lab-a");
    await aCluster(db, lab.id, "lab-b");
    await aCluster(db, dev.id, "dev-a");
    const alice = await aUser(db);
    const team = await aTeam(db, [alice.id]);
    await bind(db, "VIEWER", { teamId: team.id }, { clusterGroupId: prod.id });
    await bind(db, "OPERATOR", { userId: alice.id }, { clusterId: labA.id });

    const caller = callerFor(db, await signedIn(db, alice));
    const groups = await caller.clusterGroup.list();
    expect(groups.map((g) => g.name)).toEqual(["lab", "prod"]);
    expect(groups.find((g) => g.name === "lab")).toMatchObject({
      myRole: null,
      clusters: [{ name: "lab-a", myRole: "OPERATOR" }],
    });
    expect(groups.find((g) => g.name === "prod")?.myRole).toBe("VIEWER");
    expect((await caller.cluster.list()).map((c) => c.name)).toEqual(["lab-a"]);
  });

  it("an organization admin sees everything; a user with no binding sees an empty list", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    expect((await callerFor(db, await signedIn(db, admin)).clusterGroup.list()).map((g) => g.name)).toEqual([
      "dev",
      "lab",
      "prod",
    ]);
    const nobody = await aUser(db);
    expect(await callerFor(db, await signedIn(db, nobody)).clusterGroup.list()).toEqual([]);
    expect(await callerFor(db, await signedIn(db, nobody)).cluster.list()).toEqual([]);
  });

  it("the highest role wins when team and direct bindings overlap", async () => {
    const g = await aGroup(db);
    const bob = await aUser(db);
    const team = await aTeam(db, [bob.id]);
    await bind(db, "VIEWER", { userId: bob.id }, { clusterGroupId: g.id });
    await bind(db, "CLUSTER_ADMIN", { teamId: team.id }, { clusterGroupId: g.id });
    const mine = (await callerFor(db, await signedIn(db, bob)).clusterGroup.list()).find((x) => x.id === g.id);
    expect(mine?.myRole).toBe("CLUSTER_ADMIN");
  });

  it("admin mutations answer NOT_FOUND for what does not exist, and are audited", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const caller = callerFor(db, await signedIn(db, admin));
    const err = await caller.clusterGroup.delete({ id: "no-such-group" }).catch((e) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect(err.code).toBe("NOT_FOUND");
    const row = await db.auditEvent.findFirst({ where: { actorId: admin.id, action: "clusterGroup.delete" } });
    expect(row).toMatchObject({ outcome: "DENIED", targetId: "no-such-group" });
  });

  it("a group that holds clusters cannot be deleted, and says which", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const g = await aGroup(db, "busy");
    await aCluster(db, g.id, "busy-1");
    await expect(callerFor(db, await signedIn(db, admin)).clusterGroup.delete({ id: g.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("busy-1"),
    });
  });
});
