import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import type { ClusterRole } from "@/lib/rbac/permissions";
import type { Db } from "../../db/client";

// Who sees and acts on which target location, through the router: the sandbox's two clusters, "east" in group A and
// "west" in group B. Location L is assigned to group A and to the cluster west; location M to group B only; group C
// holds no cluster.
let db: Db;
let admin: ReturnType<typeof callerFor>;
const ids = { a: "", b: "", c: "", east: "", west: "", L: "", M: "" };
const run = crypto.randomBytes(3).toString("hex");
const NO_SUCH_LOCATION = "cmissinglocation000000000";

async function as(...roles: [ClusterRole, "a" | "b" | "c"][]) {
  const u = await aUser(db);
  for (const [role, g] of roles) await bind(db, role, { userId: u.id }, { clusterGroupId: ids[g] });
  return callerFor(db, await signedIn(db, u));
}
const deployment = (locationId: string, clusterId: string) =>
  db.locationDeployment.findUniqueOrThrow({ where: { locationId_clusterId: { locationId, clusterId } } });

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
  ids.west = (
    await admin.cluster.attach({
      kubeconfig: kubeconfigText(1),
      name: "west",
      groupId: ids.b,
      description: "",
      labels: {},
    })
  ).id;
  const s3 = testSandbox().s3;
  const cred = await admin.credential.create({
    kind: "AWS_ACCESS_KEY",
    name: "access-s3",
    description: "",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  const base = {
    provider: "S3_COMPATIBLE" as const,
    region: "us-east-1",
    endpoint: s3.endpoint,
    pathStyle: true,
    credentialId: cred.id,
    bucket: "lifeboat-backups",
  };
  ids.L = (
    await admin.location.create({ ...base, name: `shared-${run}`, prefix: `location-access-it/${run}/shared` })
  ).id;
  ids.M = (
    await admin.location.create({ ...base, name: `west-only-${run}`, prefix: `location-access-it/${run}/west` })
  ).id;
  await admin.location.assign({ locationId: ids.L, target: { kind: "clusterGroup", id: ids.a }, readOnly: false });
  await admin.location.assign({ locationId: ids.L, target: { kind: "cluster", id: ids.west }, readOnly: true });
  await admin.location.assign({ locationId: ids.M, target: { kind: "clusterGroup", id: ids.b }, readOnly: false });
});

afterAll(async () => {
  for (const l of await admin.location.list())
    for (const a of l.assignments) await admin.location.unassign({ id: a.id }).catch(() => undefined);
});

describe("target location access", () => {
  it("an organization admin sees every location with all its assignments and deployments", async () => {
    const all = await admin.location.list();
    const L = all.find((l) => l.id === ids.L)!;
    expect(all.map((l) => l.id).sort()).toEqual([ids.L, ids.M].sort());
    expect(L.assignments.map((a) => a.clusterGroup?.name ?? a.cluster?.name)).toEqual(["group-a", "west"]);
    expect(L.deployments.map((d) => d.clusterName).sort()).toEqual(["east", "west"]);
  });

  it("a viewer of group A sees only what is in group A: no assignment to a cluster or group they cannot see", async () => {
    const viewer = await as(["VIEWER", "a"]);
    const seen = await viewer.location.list();
    expect(seen.map((l) => l.id)).toEqual([ids.L]);
    expect(seen[0].assignments).toEqual([
      expect.objectContaining({ clusterGroup: { id: ids.a, name: "group-a" }, cluster: null }),
    ]);
    expect(seen[0].deployments.map((d) => d.clusterName)).toEqual(["east"]);
    expect(JSON.stringify(seen)).not.toContain("west");
  });

  it("a viewer with a binding on one cluster of a group sees that cluster's assignment and deployment only", async () => {
    const u = await aUser(db);
    await bind(db, "VIEWER", { userId: u.id }, { clusterId: ids.west });
    const seen = await callerFor(db, await signedIn(db, u)).location.list();
    expect(seen.map((l) => l.id).sort()).toEqual([ids.L, ids.M].sort());
    const L = seen.find((l) => l.id === ids.L)!;
    expect(L.assignments.map((a) => a.cluster?.name ?? `group ${a.clusterGroup?.name}`)).toEqual(["west"]);
    expect(L.deployments.map((d) => d.clusterName)).toEqual(["west"]);
    // Its group B is visible through the cluster (as the cluster group list shows it), so M's assignment shows.
    expect(seen.find((l) => l.id === ids.M)!.assignments.map((a) => a.clusterGroup?.name)).toEqual(["group-b"]);
  });

  it("refresh reads the status only on clusters the caller may operate", async () => {
    await db.locationDeployment.updateMany({
      where: { locationId: ids.L },
      data: { phase: "Sentinel", message: "untouched" },
    });
    const operator = await as(["OPERATOR", "a"]);
    await operator.location.refresh({ id: ids.L });
    expect(await deployment(ids.L, ids.east)).not.toMatchObject({ message: "untouched" });
    expect(await deployment(ids.L, ids.west)).toMatchObject({ phase: "Sentinel", message: "untouched" });

    // The admin reaches every cluster.
    await admin.location.refresh({ id: ids.L });
    expect(await deployment(ids.L, ids.west)).not.toMatchObject({ message: "untouched" });
  });

  it("refresh answers NOT_FOUND for a location the caller cannot see, and FORBIDDEN where they only view", async () => {
    const operator = await as(["OPERATOR", "a"]);
    await expect(operator.location.refresh({ id: ids.M })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(operator.location.refresh({ id: NO_SUCH_LOCATION })).rejects.toMatchObject({ code: "NOT_FOUND" });

    // Viewer on A, operator only of the empty group C: sees L (through A) but operates none of its clusters.
    await db.locationDeployment.updateMany({
      where: { locationId: ids.L },
      data: { phase: "Sentinel", message: "untouched" },
    });
    const viewerOperatorElsewhere = await as(["VIEWER", "a"], ["OPERATOR", "c"]);
    await expect(viewerOperatorElsewhere.location.refresh({ id: ids.L })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(viewerOperatorElsewhere.location.refresh({ id: ids.M })).rejects.toMatchObject({ code: "NOT_FOUND" });
    for (const clusterId of [ids.east, ids.west])
      expect(await deployment(ids.L, clusterId)).toMatchObject({ message: "untouched" });

    // A plain viewer holds location.refresh nowhere: the guard refuses before the service.
    await expect((await as(["VIEWER", "a"])).location.refresh({ id: ids.L })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    // Each refusal is audited (two NOT_FOUND for the operator, FORBIDDEN and NOT_FOUND, the guard's FORBIDDEN).
    expect(await db.auditEvent.count({ where: { action: "location.refresh", outcome: "DENIED" } })).toBe(5);
  });

  it("assign answers NOT_FOUND for a location outside the caller's view, and FORBIDDEN unless they administer every scope it reaches", async () => {
    const clusterAdminOfC = await as(["CLUSTER_ADMIN", "c"]);
    const outside = clusterAdminOfC.location.assign({
      locationId: ids.L,
      target: { kind: "clusterGroup", id: ids.c },
      readOnly: false,
    });
    await expect(outside).rejects.toMatchObject({ code: "NOT_FOUND", message: "Target location was not found" });
    const missing = clusterAdminOfC.location.assign({
      locationId: NO_SUCH_LOCATION,
      target: { kind: "clusterGroup", id: ids.c },
      readOnly: false,
    });
    await expect(missing).rejects.toMatchObject({ code: "NOT_FOUND", message: "Target location was not found" });
    expect(await db.locationAssignment.count({ where: { clusterGroupId: ids.c } })).toBe(0);

    // Seeing L (a viewer of group A, where L is assigned) does not make L's keys theirs to hand to group C: they would
    // land in a Secret on C's clusters, which this user administers (#9 §3).
    const alsoViewsA = await as(["CLUSTER_ADMIN", "c"], ["VIEWER", "a"]);
    await expect(
      alsoViewsA.location.assign({ locationId: ids.L, target: { kind: "clusterGroup", id: ids.c }, readOnly: true }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringMatching(/CLUSTER_ADMIN role wherever it is already shared \(2 of its 2 scopes/),
    });
    expect(await db.locationAssignment.count({ where: { clusterGroupId: ids.c } })).toBe(0);
    // Cluster admin wherever L already reaches (group A, and the cluster west in group B) may share it with C.
    const adminWhereverItIs = await as(["CLUSTER_ADMIN", "c"], ["CLUSTER_ADMIN", "a"], ["CLUSTER_ADMIN", "b"]);
    await adminWhereverItIs.location.assign({
      locationId: ids.L,
      target: { kind: "clusterGroup", id: ids.c },
      readOnly: true,
    });
    expect(
      (await clusterAdminOfC.location.list()).map((l) => ({
        id: l.id,
        assignments: l.assignments.map((a) => a.clusterGroup?.name),
      })),
    ).toEqual([{ id: ids.L, assignments: ["group-c"] }]);
    // Seeing the location does not make a group they only view assignable.
    await expect(
      alsoViewsA.location.assign({ locationId: ids.L, target: { kind: "clusterGroup", id: ids.a }, readOnly: true }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
