import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminClients } from "../../kube/testing-objects";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aCluster, aGroup, aTeam, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import type { ClusterRole } from "@/lib/rbac/permissions";
import type { Db } from "../../db/client";

// Editing an attached cluster through the router, against the sandbox: rename and relabel (Lifeboat's record only),
// and moving it to another group, previewed first (bindings and locations that change) and checked like the move.
let db: Db;
let admin: ReturnType<typeof callerFor>;
const run = crypto.randomBytes(3).toString("hex");
const ids = { a: "", b: "", c: "", east: "", la: "", lb: "", operator: "", team: "", cred: "" };
const bslOn = (name: string) =>
  adminClients(kubeconfigText(0))
    .custom.getNamespacedCustomObject({
      group: "velero.io",
      version: "v1",
      namespace: "velero",
      plural: "backupstoragelocations",
      name,
    })
    .then(
      () => true,
      () => false,
    );

async function as(...roles: [ClusterRole, "a" | "b" | "c"][]) {
  const u = await aUser(db);
  for (const [role, g] of roles) await bind(db, role, { userId: u.id }, { clusterGroupId: ids[g] });
  return callerFor(db, await signedIn(db, u));
}

beforeAll(async () => {
  ({ db } = await freshDatabase());
  admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  ids.a = (await aGroup(db, "group-a")).id;
  ids.b = (await aGroup(db, "group-b")).id;
  ids.c = (await aGroup(db, "group-c")).id;
  ids.east = (
    await admin.cluster.attach({
      kubeconfig: kubeconfigText(0),
      name: "east",
      groupId: ids.a,
      description: "",
      labels: {},
    })
  ).id;
  const s3 = testSandbox().s3;
  const cred = await admin.credential.create({
    kind: "AWS_ACCESS_KEY",
    name: "moves",
    description: "",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  ids.cred = cred.id;
  const base = {
    provider: "S3_COMPATIBLE" as const,
    region: "us-east-1",
    endpoint: s3.endpoint,
    pathStyle: true,
    credentialId: cred.id,
    bucket: "lifeboat-backups",
  };
  ids.la = (await admin.location.create({ ...base, name: `in-a-${run}`, prefix: `moves-it/${run}/a` })).id;
  ids.lb = (await admin.location.create({ ...base, name: `in-b-${run}`, prefix: `moves-it/${run}/b` })).id;
  // east writes to group A's location (its group's clusters only read it unless chosen as writers, #14 §3).
  await admin.location.assign({
    locationId: ids.la,
    target: { kind: "clusterGroup", id: ids.a },
    readOnly: true,
    writers: [ids.east],
  });
  await admin.location.assign({ locationId: ids.lb, target: { kind: "clusterGroup", id: ids.b }, readOnly: true });
  const operator = await aUser(db, { email: `operator-${run}@example.com` });
  await bind(db, "OPERATOR", { userId: operator.id }, { clusterGroupId: ids.a });
  const team = await aTeam(db, [], `readers-${run}`);
  await bind(db, "VIEWER", { teamId: team.id }, { clusterGroupId: ids.b });
});

afterAll(async () => {
  for (const l of await admin.location.list())
    for (const a of l.assignments) await admin.location.unassign({ id: a.id }).catch(() => undefined);
});

describe("renaming and relabelling a cluster", () => {
  it("changes the name, description and labels, refuses a name in use, and audits it", async () => {
    await aCluster(db, (await aGroup(db)).id, `taken-${run}`);
    await expect(
      admin.cluster.update({ id: ids.east, name: `taken-${run}`, description: "", labels: {} }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    const c = await admin.cluster.update({
      id: ids.east,
      name: "east-renamed",
      description: "the eastern one",
      labels: { env: "prod", "example.com/tier": "gold" },
    });
    expect(c).toMatchObject({ name: "east-renamed", description: "the eastern one", labels: { env: "prod" } });
    expect((await admin.cluster.get({ id: ids.east })).labels).toEqual({ env: "prod", "example.com/tier": "gold" });
    const audit = await db.auditEvent.findFirst({ where: { action: "cluster.update" }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ outcome: "SUCCESS", targetId: ids.east });
    await expect(
      admin.cluster.update({ id: ids.east, name: "east", description: "", labels: { "bad key!": "x" } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("needs CLUSTER_ADMIN: an operator is refused, a stranger does not find the cluster", async () => {
    const operator = await as(["OPERATOR", "a"]);
    await expect(
      operator.cluster.update({ id: ids.east, name: "mine", description: "", labels: {} }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const stranger = await as(["CLUSTER_ADMIN", "c"]);
    await expect(
      stranger.cluster.update({ id: ids.east, name: "mine", description: "", labels: {} }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("moving a cluster to another group", () => {
  it("previews who gains and loses access and which locations come and go", async () => {
    const p = await admin.cluster.movePreview({ id: ids.east, groupId: ids.b });
    expect(p.from.name).toBe("group-a");
    expect(p.to.name).toBe("group-b");
    // (The users the other tests bound to group A lose their access as well.)
    expect(p.access).toEqual(
      expect.arrayContaining([
        { subject: `operator-${run}@example.com`, before: "OPERATOR", after: null },
        { subject: `team readers-${run}`, before: null, after: "VIEWER" },
      ]),
    );
    expect(p.access.filter((x) => x.after)).toEqual([
      { subject: `team readers-${run}`, before: null, after: "VIEWER" },
    ]);
    expect(p.locationsAdded).toEqual([{ id: ids.lb, name: `in-b-${run}` }]);
    expect(p.locationsRemoved).toEqual([{ id: ids.la, name: `in-a-${run}` }]);
    expect(p.locationsReadOnly).toEqual([]);
    await expect(admin.cluster.movePreview({ id: ids.east, groupId: ids.a })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("says which kept location the cluster stops writing to: in the new group it is read-only until chosen", async () => {
    const shared = await admin.location.create({
      provider: "S3_COMPATIBLE",
      region: "us-east-1",
      endpoint: testSandbox().s3.endpoint,
      pathStyle: true,
      credentialId: ids.cred,
      bucket: "lifeboat-backups",
      name: `both-${run}`,
      prefix: `moves-it/${run}/both`,
    });
    const inA = await admin.location.assign({
      locationId: shared.id,
      target: { kind: "clusterGroup", id: ids.a },
      readOnly: true,
      writers: [ids.east],
    });
    const inB = await admin.location.assign({
      locationId: shared.id,
      target: { kind: "clusterGroup", id: ids.b },
      readOnly: true,
    });
    try {
      const p = await admin.cluster.movePreview({ id: ids.east, groupId: ids.b });
      expect(p.locationsReadOnly).toEqual([{ id: shared.id, name: `both-${run}` }]);
      expect(p.locationsAdded.map((l) => l.id)).not.toContain(shared.id);
      expect(p.locationsRemoved.map((l) => l.id)).not.toContain(shared.id);
    } finally {
      await admin.location.unassign({ id: inA.id });
      await admin.location.unassign({ id: inB.id });
      await admin.location.delete({ id: shared.id });
    }
  });

  it("needs CLUSTER_ADMIN on both groups, and may spread only locations the caller administers everywhere", async () => {
    const onlySource = await as(["CLUSTER_ADMIN", "a"]);
    await expect(onlySource.cluster.movePreview({ id: ids.east, groupId: ids.b })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const viewerThere = await as(["CLUSTER_ADMIN", "a"], ["VIEWER", "b"]);
    await expect(viewerThere.cluster.move({ id: ids.east, groupId: ids.b })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    // The location of group B is shared with group C as well, where this admin has no say: its keys stay put.
    const both = await as(["CLUSTER_ADMIN", "a"], ["CLUSTER_ADMIN", "b"]);
    const toC = await admin.location.assign({
      locationId: ids.lb,
      target: { kind: "clusterGroup", id: ids.c },
      readOnly: true,
    });
    await expect(both.cluster.move({ id: ids.east, groupId: ids.b })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await admin.cluster.get({ id: ids.east })).groupId).toBe(ids.a);
    await admin.location.unassign({ id: toC.id });
  });

  it("moves it: the new group's locations reach the cluster, the old group's leave it", async () => {
    expect(await bslOn(`lifeboat-in-a-${run}`)).toBe(true);
    const both = await as(["CLUSTER_ADMIN", "a"], ["CLUSTER_ADMIN", "b"]);
    const moved = await both.cluster.move({ id: ids.east, groupId: ids.b });
    expect(moved).toMatchObject({ groupId: ids.b, groupName: "group-b" });
    await until("the new group's location on the cluster", () => bslOn(`lifeboat-in-b-${run}`));
    expect(await bslOn(`lifeboat-in-a-${run}`)).toBe(false);
    const deployments = await db.locationDeployment.findMany({ where: { clusterId: ids.east } });
    expect(deployments.map((x) => [x.locationId, x.readOnly])).toEqual([[ids.lb, true]]);
    // It no longer writes through group A's assignment (were it moved back, it would be ReadOnly there).
    expect(await db.locationWriter.count({ where: { clusterId: ids.east } })).toBe(0);
    const audit = await db.auditEvent.findFirst({ where: { action: "cluster.move" }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ outcome: "SUCCESS", targetId: ids.east });
  });
});
