import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminClients, veleroObjects } from "../../kube/testing-objects";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aCluster, aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import { depsFor } from "../../composition";
import { reconcileCluster, reconcileLocation } from "./locations";
import { scheduleName } from "@/lib/velero/names";
import { isTerminal } from "@/lib/velero/phases";
import type { BackupInput } from "@/lib/schemas/protection";
import type { ClusterRole } from "@/lib/rbac/permissions";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";

// One writer per bucket and prefix (#14 §3), through the router against the sandbox's S3 emulator and clusters: Velero
// on a ReadWrite cluster deletes the backups it finds in its location that it did not make, so Lifeboat refuses to make
// a second cluster write where another one does. Group A holds east (sandbox cluster 0) and, attached later, west
// (sandbox cluster 1); group C holds north, a cluster known only to the database (no kubeconfig, nothing is applied
// there): it counts as a writer all the same.
let db: Db;
let admin: ReturnType<typeof callerFor>;
const run = crypto.randomBytes(3).toString("hex");
const base = `writers-it/${run}`;
const ids = { a: "", b: "", c: "", east: "", west: "", north: "", credential: "", G: "", groupAssignment: "" };
const sandbox = { east: 0, west: 1 } as const;

async function as(...roles: [ClusterRole, "a" | "b" | "c"][]) {
  const u = await aUser(db);
  for (const [role, g] of roles) await bind(db, role, { userId: u.id }, { clusterGroupId: ids[g] });
  return callerFor(db, await signedIn(db, u));
}

const s3 = () => testSandbox().s3;
const where = (prefix: string) => `s3://lifeboat-backups/${prefix}`;
async function aLocation(name: string, prefix: string) {
  return admin.location.create({
    name: `${name}-${run}`,
    provider: "S3_COMPATIBLE",
    region: "us-east-1",
    endpoint: s3().endpoint,
    pathStyle: true,
    credentialId: ids.credential,
    bucket: "lifeboat-backups",
    prefix,
  });
}

/** location.update of a location made by aLocation: its prefix, and its ReadOnly switch when given. */
function updateLocation(id: string, prefix: string, readOnly?: boolean) {
  return admin.location.update({
    provider: "S3_COMPATIBLE",
    id,
    credentialId: ids.credential,
    prefix,
    region: "us-east-1",
    endpoint: s3().endpoint,
    pathStyle: true,
    caBundle: "",
    ...(readOnly === undefined ? {} : { readOnly }),
  });
}

type Bsl = { spec?: { accessMode?: string; objectStorage?: { prefix?: string } } };

/** The BackupStorageLocation on a sandbox cluster, or null when it is not there. */
async function bslOn(cluster: "east" | "west", locationName: string): Promise<Bsl | null> {
  return adminClients(kubeconfigText(sandbox[cluster]))
    .custom.getNamespacedCustomObject({
      group: "velero.io",
      version: "v1",
      namespace: "velero",
      plural: "backupstoragelocations",
      name: `lifeboat-${locationName}`,
    })
    .then((o) => o as Bsl)
    .catch(() => null);
}

/** The BackupStorageLocation's access mode on a sandbox cluster, or null when it is not there. */
async function accessModeOn(cluster: "east" | "west", locationName: string): Promise<string | null> {
  const o = await bslOn(cluster, locationName);
  return o ? (o.spec?.accessMode ?? "ReadWrite") : null;
}

/** Each deployment of the location: cluster name → readOnly. */
async function deploymentModes(locationId: string): Promise<Record<string, boolean>> {
  const rows = await db.locationDeployment.findMany({
    where: { locationId },
    select: { readOnly: true, cluster: { select: { name: true } } },
  });
  return Object.fromEntries(rows.map((r) => [r.cluster.name, r.readOnly]));
}

const writerNames = async (assignmentId: string) =>
  (await db.locationWriter.findMany({ where: { assignmentId }, select: { cluster: { select: { name: true } } } })).map(
    (w) => w.cluster.name,
  );

/** The message of the refusal `p` ends in, after checking its code. */
async function refusal(p: Promise<unknown>, code: string): Promise<string> {
  const e = await p.then(
    () => {
      throw new Error(`expected ${code}`);
    },
    (err: { code?: string; message: string }) => err,
  );
  expect(e.code).toBe(code);
  return e.message;
}

beforeAll(async () => {
  ({ db } = await freshDatabase());
  admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  ids.a = (await aGroup(db, "group-a")).id;
  ids.b = (await aGroup(db, "group-b")).id;
  ids.c = (await aGroup(db, "group-c")).id;
  ids.east = (
    await admin.cluster.attach({
      kubeconfig: kubeconfigText(sandbox.east),
      name: "east",
      groupId: ids.a,
      description: "",
      labels: {},
    })
  ).id;
  ids.north = (await aCluster(db, ids.c, "north")).id;
  ids.credential = (
    await admin.credential.create({
      kind: "AWS_ACCESS_KEY",
      name: `writers-${run}`,
      description: "",
      accessKeyId: s3().accessKeyId,
      secretAccessKey: s3().secretAccessKey,
    })
  ).id;
});

afterAll(async () => {
  // Take every location off the sandbox clusters again (unassigning removes the BackupStorageLocation and its Secret).
  for (const l of await admin.location.list())
    for (const a of l.assignments) await admin.location.unassign({ id: a.id }).catch(() => undefined);
});

describe("a group assignment's writers", () => {
  it("make the location ReadWrite on the chosen cluster of the group", async () => {
    const G = await aLocation("g", `${base}/group`);
    ids.G = G.id;
    ids.groupAssignment = (
      await admin.location.assign({
        locationId: G.id,
        target: { kind: "clusterGroup", id: ids.a },
        readOnly: false, // ignored for a group: its clusters are ReadOnly unless they are writers
        writers: [ids.east],
      })
    ).id;
    expect(await deploymentModes(G.id)).toEqual({ east: false });
    expect(await accessModeOn("east", G.name)).toBe("ReadWrite");
    const row = (await admin.location.list()).find((l) => l.id === G.id)!;
    expect(row.readOnly).toBe(false);
    expect(row.writeConflict).toBeNull();
    expect(row.assignments).toEqual([
      expect.objectContaining({ readOnly: true, writers: [{ id: ids.east, name: "east" }] }),
    ]);
  });

  it("leave a cluster attached to the group later ReadOnly", async () => {
    ids.west = (
      await admin.cluster.attach({
        kubeconfig: kubeconfigText(sandbox.west),
        name: "west",
        groupId: ids.a,
        description: "",
        labels: {},
      })
    ).id;
    expect(await deploymentModes(ids.G)).toEqual({ east: false, west: true });
    expect(await accessModeOn("west", `g-${run}`)).toBe("ReadOnly");
    expect(await accessModeOn("east", `g-${run}`)).toBe("ReadWrite");
    expect(await writerNames(ids.groupAssignment)).toEqual(["east"]);
  });

  it("are refused when two of them would write to the same bucket and prefix, and nothing changes", async () => {
    const message = await refusal(
      admin.location.setWriters({ id: ids.groupAssignment, writers: [ids.east, ids.west] }),
      "CONFLICT",
    );
    expect(message).toContain(`east (through g-${run})`);
    expect(message).toContain(`west (through g-${run})`);
    expect(message).toContain(`would both write backups to ${where(`${base}/group`)}`);
    expect(message).toContain("Nothing was changed");
    expect(await writerNames(ids.groupAssignment)).toEqual(["east"]);
    expect(await deploymentModes(ids.G)).toEqual({ east: false, west: true });
    expect(await accessModeOn("west", `g-${run}`)).toBe("ReadOnly");
    expect(
      await db.auditEvent.findFirst({
        where: { action: "location.setWriters", outcome: "FAILURE" },
        orderBy: { id: "desc" },
      }),
    ).toMatchObject({
      targetType: "locationAssignment",
      targetId: ids.groupAssignment,
      reason: expect.stringContaining("CONFLICT"),
    });
  });

  it("must be clusters of the group, on assigning and on choosing them", async () => {
    await expect(admin.location.setWriters({ id: ids.groupAssignment, writers: [ids.north] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("Only clusters of the group"),
    });
    expect(await writerNames(ids.groupAssignment)).toEqual(["east"]);
    const other = await aLocation("outsider", `${base}/outsider`);
    await expect(
      admin.location.assign({
        locationId: other.id,
        target: { kind: "clusterGroup", id: ids.a },
        readOnly: true,
        writers: [ids.east, ids.north],
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await db.locationAssignment.count({ where: { locationId: other.id } })).toBe(0);
    // A cluster's own assignment has no writers: it is read-only or not.
    await expect(
      admin.location.assign({
        locationId: other.id,
        target: { kind: "cluster", id: ids.east },
        readOnly: false,
        writers: [ids.east],
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await db.locationAssignment.count({ where: { locationId: other.id } })).toBe(0);
    await admin.location.delete({ id: other.id });
  });

  it("can be switched to another cluster of the group, and the BackupStorageLocations follow", async () => {
    expect(await admin.location.setWriters({ id: ids.groupAssignment, writers: [ids.west] })).toEqual({
      id: ids.groupAssignment,
    });
    expect(await writerNames(ids.groupAssignment)).toEqual(["west"]);
    expect(await deploymentModes(ids.G)).toEqual({ east: true, west: false });
    expect(await accessModeOn("east", `g-${run}`)).toBe("ReadOnly");
    expect(await accessModeOn("west", `g-${run}`)).toBe("ReadWrite");
    expect(
      await db.auditEvent.findFirst({
        where: { action: "location.setWriters", outcome: "SUCCESS" },
        orderBy: { id: "desc" },
      }),
    ).toMatchObject({ targetType: "locationAssignment", targetId: ids.groupAssignment });
  });

  it("are chosen only by who may assign the location there, and each refusal is audited", async () => {
    const viewer = await as(["VIEWER", "a"]);
    await expect(viewer.location.setWriters({ id: ids.groupAssignment, writers: [ids.east] })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const elsewhere = await as(["CLUSTER_ADMIN", "c"]);
    await expect(elsewhere.location.setWriters({ id: ids.groupAssignment, writers: [ids.east] })).rejects.toMatchObject(
      { code: "NOT_FOUND" },
    );
    const operator = await as(["OPERATOR", "a"], ["CLUSTER_ADMIN", "c"]);
    await expect(operator.location.setWriters({ id: ids.groupAssignment, writers: [ids.east] })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await writerNames(ids.groupAssignment)).toEqual(["west"]);
    const denied = await db.auditEvent.findMany({
      where: { action: "location.setWriters", outcome: "DENIED" },
      orderBy: { id: "asc" },
      select: { targetType: true, targetId: true, reason: true },
    });
    // The guard refuses the viewer before the assignment is read (as for every procedure): its row names no target.
    const named = { targetType: "locationAssignment", targetId: ids.groupAssignment };
    expect(denied).toEqual([
      { targetType: null, targetId: null, reason: "lacks location.assign" },
      { ...named, reason: expect.stringContaining("NOT_FOUND") },
      { ...named, reason: expect.stringContaining("FORBIDDEN") },
    ]);
  });

  it("on a cluster's own assignment: said to have none only to who administers the cluster", async () => {
    const L = await aLocation("own", `${base}/own`);
    const own = await admin.location.assign({
      locationId: L.id,
      target: { kind: "cluster", id: ids.east },
      readOnly: true,
    });
    const setWriters = (c: ReturnType<typeof callerFor>) => c.location.setWriters({ id: own.id, writers: [ids.east] });
    // Who does not see east learns nothing of the assignment; who sees it without administering it is refused as such.
    await expect(setWriters(await as(["CLUSTER_ADMIN", "c"]))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(setWriters(await as(["OPERATOR", "a"], ["CLUSTER_ADMIN", "c"]))).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(setWriters(await as(["CLUSTER_ADMIN", "a"]))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "A cluster's assignment has no writers: make it read-only or not",
    });
    expect(await db.locationWriter.count({ where: { assignmentId: own.id } })).toBe(0);
    await admin.location.unassign({ id: own.id });
    await admin.location.delete({ id: L.id });
  });

  it("may include a cluster whose own assignment is ReadOnly, which then may not be ended: it would make a second writer", async () => {
    const U = await aLocation("u", `${base}/unassign`);
    const own = await admin.location.assign({
      locationId: U.id,
      target: { kind: "cluster", id: ids.east },
      readOnly: true,
    });
    // east's own assignment wins over the group's: of its two writers only west writes, so it is accepted.
    const group = await admin.location.assign({
      locationId: U.id,
      target: { kind: "clusterGroup", id: ids.a },
      readOnly: true,
      writers: [ids.east, ids.west],
    });
    expect(await deploymentModes(U.id)).toEqual({ east: true, west: false });

    const message = await refusal((await as(["CLUSTER_ADMIN", "a"])).location.unassign({ id: own.id }), "CONFLICT");
    expect(message).toContain(
      `east (through u-${run}) and west (through u-${run}) would both write backups to ${where(`${base}/unassign`)}`,
    );
    expect(message).toContain("Nothing was changed");
    expect(await db.locationAssignment.findUnique({ where: { id: own.id }, select: { readOnly: true } })).toEqual({
      readOnly: true,
    });
    expect(await deploymentModes(U.id)).toEqual({ east: true, west: false });
    expect(await accessModeOn("east", U.name)).toBe("ReadOnly");
    expect(await accessModeOn("west", U.name)).toBe("ReadWrite");

    // Once east is no longer one of the group's writers, its own assignment may go: east stays ReadOnly.
    await admin.location.setWriters({ id: group.id, writers: [ids.west] });
    await admin.location.unassign({ id: own.id });
    expect(await deploymentModes(U.id)).toEqual({ east: true, west: false });
    expect(await accessModeOn("east", U.name)).toBe("ReadOnly");
    await admin.location.unassign({ id: group.id });
    await admin.location.delete({ id: U.id });
  });
});

describe("backups and schedules to a location ReadOnly on the cluster", () => {
  // Decided from Lifeboat's assignments, before Velero is asked (its Backup would only fail validation).
  const objects = () => veleroObjects(kubeconfigText(sandbox.east));
  const backup = `east-writers-${run}`;
  const schedule = scheduleName({ cluster: "east", base: `writers-${run}` });
  const spec = (): BackupInput => ({
    scope: { kind: "namespaces", include: ["payments"] },
    volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
    location: `lifeboat-g-${run}`,
    ttl: { value: 1, unit: "days" },
  });
  const createSchedule = () =>
    admin.schedule.create({ clusterId: ids.east, name: schedule, spec: spec(), cron: "0 3 * * *", paused: true });
  const readOnly = `The location g-${run} is ReadOnly on east: east restores from it and never writes there`;

  it("are refused, naming the location and the cluster, and nothing is created", async () => {
    // west writes to g; east only reads it.
    expect(await deploymentModes(ids.G)).toEqual({ east: true, west: false });
    expect(
      await refusal(admin.backup.create({ clusterId: ids.east, name: backup, spec: spec() }), "PRECONDITION_FAILED"),
    ).toContain(readOnly);
    expect(await refusal(createSchedule(), "PRECONDITION_FAILED")).toContain(readOnly);
    expect(await objects().get("backups", backup)).toBeNull();
    expect(await objects().get("schedules", schedule)).toBeNull();
  });

  it("are accepted right after the cluster is made the writer; once it no longer is, Back up now is refused", async () => {
    await admin.location.setWriters({ id: ids.groupAssignment, writers: [ids.east] });
    expect(await admin.backup.create({ clusterId: ids.east, name: backup, spec: spec() })).toEqual({
      name: backup,
      created: true,
    });
    expect(await createSchedule()).toEqual({ name: schedule, created: true });
    // Velero backs up: the location is ReadWrite on east (a ReadOnly one fails the backup's validation).
    const done = await until("east's backup to finish", async () => {
      const b = (await objects().get("backups", backup)) as { status?: { phase?: string } } | null;
      const phase = b?.status?.phase;
      return phase && isTerminal("Backup", phase) ? phase : null;
    });
    expect(done).toBe("Completed");

    // west writes again: east's schedule may no longer back up there.
    await admin.location.setWriters({ id: ids.groupAssignment, writers: [ids.west] });
    expect(await deploymentModes(ids.G)).toEqual({ east: true, west: false });
    expect(
      await refusal(admin.schedule.backupNow({ clusterId: ids.east, name: schedule }), "PRECONDITION_FAILED"),
    ).toContain(readOnly);
    expect(await objects().listLabelled("backups", `velero.io/schedule-name=${schedule}`)).toEqual([]);
    await objects().remove("schedules", schedule);
  });
});

describe("two locations on the same bucket and prefix", () => {
  it("may not both be written to by different clusters: the second is refused, naming both, and nothing is written", async () => {
    const P = await aLocation("p", `${base}/shared`);
    // "shared/" is the same place as "shared".
    const Q = await aLocation("q", `${base}/shared/`);
    await admin.location.assign({ locationId: P.id, target: { kind: "cluster", id: ids.east }, readOnly: false });
    const message = await refusal(
      admin.location.assign({ locationId: Q.id, target: { kind: "cluster", id: ids.west }, readOnly: false }),
      "CONFLICT",
    );
    expect(message).toContain(`east (through p-${run})`);
    expect(message).toContain(`west (through q-${run})`);
    expect(message).toContain(`would both write backups to ${where(`${base}/shared`)}`);
    expect(message).toContain("Nothing was changed");
    expect(await db.locationAssignment.count({ where: { locationId: Q.id } })).toBe(0);
    expect(await deploymentModes(Q.id)).toEqual({});
    expect(await accessModeOn("west", Q.name)).toBeNull();
    expect(
      await db.auditEvent.findFirst({
        where: { action: "location.assign", outcome: "FAILURE" },
        orderBy: { id: "desc" },
      }),
    ).toMatchObject({ targetId: Q.id, reason: expect.stringContaining("CONFLICT") });

    // Reading it is fine.
    await admin.location.assign({ locationId: Q.id, target: { kind: "cluster", id: ids.west }, readOnly: true });
    expect(await deploymentModes(Q.id)).toEqual({ west: true });
    expect(await accessModeOn("west", Q.name)).toBe("ReadOnly");
    expect(await accessModeOn("east", P.name)).toBe("ReadWrite");
  });

  it("do not conflict when their prefixes differ", async () => {
    const R = await aLocation("r", `${base}/shared-too`);
    await admin.location.assign({ locationId: R.id, target: { kind: "cluster", id: ids.west }, readOnly: false });
    expect(await deploymentModes(R.id)).toEqual({ west: false });
    expect(await accessModeOn("west", R.name)).toBe("ReadWrite");
  });

  it("name a cluster the caller does not see only as counted", async () => {
    // H1 is written by north (group C); H2 points at the same place and is read by group A.
    const H1 = await aLocation("h1", `${base}/hidden`);
    const H2 = await aLocation("h2", `${base}/hidden`);
    await admin.location.assign({ locationId: H1.id, target: { kind: "cluster", id: ids.north }, readOnly: false });
    const a = await admin.location.assign({
      locationId: H2.id,
      target: { kind: "clusterGroup", id: ids.a },
      readOnly: true,
    });
    const clusterAdminOfA = await as(["CLUSTER_ADMIN", "a"]);
    const message = await refusal(clusterAdminOfA.location.setWriters({ id: a.id, writers: [ids.east] }), "CONFLICT");
    expect(message).toContain(`east (through h2-${run}) and 1 cluster you do not see would both write backups to`);
    expect(message).not.toContain("north");
    expect(message).not.toContain(`h1-${run}`);
    expect(await writerNames(a.id)).toEqual([]);
    // An organization admin sees it.
    expect(await refusal(admin.location.setWriters({ id: a.id, writers: [ids.east] }), "CONFLICT")).toContain(
      `north (through h1-${run})`,
    );
  });

  it("written by two clusters before the rule are flagged on the list, and may not get a third writer", async () => {
    const D1 = await aLocation("d1", `${base}/double`);
    const D2 = await aLocation("d2", `${base}/double`);
    // As a database from before the rule holds it (the migration keeps what was ReadWrite so).
    await db.locationAssignment.create({ data: { locationId: D1.id, clusterId: ids.east, readOnly: false } });
    await db.locationAssignment.create({ data: { locationId: D2.id, clusterId: ids.north, readOnly: false } });
    const listed = await admin.location.list();
    for (const id of [D1.id, D2.id])
      expect(listed.find((l) => l.id === id)!.writeConflict).toMatch(
        new RegExp(`^(east and north|north and east) both write backups to ${where(`${base}/double`)}: `),
      );
    expect(
      listed
        .filter((l) => l.writeConflict)
        .map((l) => l.id)
        .sort(),
    ).toEqual([D1.id, D2.id].sort());

    // A viewer of group A sees east by name and north counted.
    const viewer = await as(["VIEWER", "a"]);
    const seen = (await viewer.location.list()).find((l) => l.id === D1.id)!;
    expect(seen.writeConflict).toMatch(/^east and 1 other cluster both write backups to /);
    expect(seen.writeConflict).not.toContain("north");

    // Left to the operator: a change that adds no writer there goes through, one that adds a third is refused.
    await admin.location.assign({ locationId: D2.id, target: { kind: "cluster", id: ids.west }, readOnly: true });
    await expect(
      admin.location.assign({ locationId: D1.id, target: { kind: "cluster", id: ids.west }, readOnly: false }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await db.locationAssignment.count({ where: { locationId: D1.id } })).toBe(1);
  });
});

describe("the location's ReadOnly switch", () => {
  const update = (readOnly: boolean) => updateLocation(ids.G, `${base}/group`, readOnly);

  it("makes every cluster ReadOnly and keeps the writers; turning it off makes the writer write again", async () => {
    await update(true);
    expect(await deploymentModes(ids.G)).toEqual({ east: true, west: true });
    for (const c of ["east", "west"] as const) expect(await accessModeOn(c, `g-${run}`)).toBe("ReadOnly");
    const row = (await admin.location.list()).find((l) => l.id === ids.G)!;
    expect(row.readOnly).toBe(true);
    expect(row.assignments[0].writers).toEqual([{ id: ids.west, name: "west" }]);

    await update(false);
    expect(await deploymentModes(ids.G)).toEqual({ east: true, west: false });
    expect(await accessModeOn("west", `g-${run}`)).toBe("ReadWrite");
    expect(await accessModeOn("east", `g-${run}`)).toBe("ReadOnly");
    expect((await admin.location.list()).find((l) => l.id === ids.G)!.readOnly).toBe(false);
  });

  it("is not turned off while another cluster has taken over writing there", async () => {
    await update(true);
    // Nobody writes to G's place now, so east may write there through another location.
    const G2 = await aLocation("g2", `${base}/group`);
    const direct = await admin.location.assign({
      locationId: G2.id,
      target: { kind: "cluster", id: ids.east },
      readOnly: false,
    });
    const message = await refusal(update(false), "CONFLICT");
    expect(message).toContain(`west (through g-${run})`);
    expect(message).toContain(`east (through g2-${run})`);
    expect((await db.location.findUniqueOrThrow({ where: { id: ids.G } })).readOnly).toBe(true);
    expect(await accessModeOn("west", `g-${run}`)).toBe("ReadOnly");

    await admin.location.unassign({ id: direct.id });
    await update(false);
    expect(await deploymentModes(ids.G)).toEqual({ east: true, west: false });
  });
});

describe("moving a writer cluster to another group", () => {
  it("drops its writer row: back in the group it only reads, until chosen again", async () => {
    await admin.cluster.move({ id: ids.west, groupId: ids.b });
    expect(await db.locationWriter.count({ where: { clusterId: ids.west } })).toBe(0);
    expect(await writerNames(ids.groupAssignment)).toEqual([]);
    expect(await deploymentModes(ids.G)).toEqual({ east: true });
    expect(await accessModeOn("west", `g-${run}`)).toBeNull();

    await admin.cluster.move({ id: ids.west, groupId: ids.a });
    expect(await deploymentModes(ids.G)).toEqual({ east: true, west: true });
    expect(await accessModeOn("west", `g-${run}`)).toBe("ReadOnly");
  });
});

describe("a cluster made the writer", () => {
  const d = () => depsFor(db);
  const deployment = (locationId: string, clusterId: string) =>
    db.locationDeployment.findUniqueOrThrow({
      where: { locationId_clusterId: { locationId, clusterId } },
      select: { readOnly: true, appliedAt: true, error: true },
    });
  const waiting = (prefix: string) =>
    `Another cluster still writes to ${where(prefix)} (Lifeboat is making it read-only there): this cluster writes ` +
    "once it has stopped";

  it("waits while another cluster still holds the place ReadWrite as last applied, and writes once it no longer does", async () => {
    const S1 = await aLocation("s1", `${base}/stale`);
    const S2 = await aLocation("s2", `${base}/stale`);
    // north wrote to S1 and is ReadOnly there by its assignment now, but could not be reached: as last applied there,
    // it still writes.
    await admin.location.assign({ locationId: S1.id, target: { kind: "cluster", id: ids.north }, readOnly: true });
    await db.locationDeployment.create({
      data: {
        locationId: S1.id,
        clusterId: ids.north,
        bslName: `lifeboat-${S1.name}`,
        readOnly: false,
        appliedAt: new Date(),
      },
    });

    // By the assignments east alone writes there: accepted, but east is not made ReadWrite yet.
    await admin.location.assign({ locationId: S2.id, target: { kind: "cluster", id: ids.east }, readOnly: false });
    // Never applied: east writes nothing there yet (the row's mode is the one last applied).
    expect(await deployment(S2.id, ids.east)).toEqual({
      readOnly: true,
      appliedAt: null,
      error: waiting(`${base}/stale`),
    });
    expect(await accessModeOn("east", S2.name)).toBeNull();
    const listed = (await admin.location.list()).find((l) => l.id === S2.id)!;
    expect(listed.deployments).toEqual([
      expect.objectContaining({ clusterId: ids.east, error: waiting(`${base}/stale`) }),
    ]);

    // Reconciling again while north still does changes nothing.
    await reconcileLocation(d(), S2.id);
    expect(await deployment(S2.id, ids.east)).toMatchObject({ appliedAt: null, error: waiting(`${base}/stale`) });
    expect(await accessModeOn("east", S2.name)).toBeNull();

    // north made ReadOnly at last: east writes.
    await db.locationDeployment.update({
      where: { locationId_clusterId: { locationId: S1.id, clusterId: ids.north } },
      data: { readOnly: true },
    });
    await reconcileLocation(d(), S2.id);
    expect(await deployment(S2.id, ids.east)).toEqual({ readOnly: false, appliedAt: expect.any(Date), error: null });
    expect(await accessModeOn("east", S2.name)).toBe("ReadWrite");
  });

  it("waits for the writer it replaces, whose failed change to ReadOnly keeps the mode last applied", async () => {
    const R = await aLocation("handover", `${base}/handover`);
    const a = await admin.location.assign({
      locationId: R.id,
      target: { kind: "clusterGroup", id: ids.a },
      readOnly: true,
      writers: [ids.east],
    });
    expect(await deploymentModes(R.id)).toEqual({ east: false, west: true });

    // east cannot be changed now (Lifeboat finds no Velero there): west made the writer, east stays ReadWrite as last
    // applied, and west waits, ReadOnly as it was.
    const { velero } = await db.cluster.findUniqueOrThrow({ where: { id: ids.east }, select: { velero: true } });
    await db.cluster.update({
      where: { id: ids.east },
      data: { velero: { ...(velero as Prisma.JsonObject), installed: false } },
    });
    try {
      await admin.location.setWriters({ id: a.id, writers: [ids.west] });
      expect(await deployment(R.id, ids.east)).toEqual({
        readOnly: false,
        appliedAt: expect.any(Date),
        error: expect.stringContaining("Velero is not installed"),
      });
      expect(await accessModeOn("east", R.name)).toBe("ReadWrite");
      expect(await deployment(R.id, ids.west)).toEqual({
        readOnly: true,
        appliedAt: expect.any(Date),
        error: waiting(`${base}/handover`),
      });
      expect(await accessModeOn("west", R.name)).toBe("ReadOnly");
    } finally {
      await db.cluster.update({ where: { id: ids.east }, data: { velero: velero as Prisma.InputJsonValue } });
    }

    // Healing west first still waits; healing east makes it ReadOnly; then west writes.
    expect((await reconcileCluster(d(), ids.west)).failed).toContain(R.name);
    expect(await accessModeOn("west", R.name)).toBe("ReadOnly");
    expect((await reconcileCluster(d(), ids.east)).applied).toContain(R.name);
    expect(await deployment(R.id, ids.east)).toMatchObject({ readOnly: true, error: null });
    expect(await accessModeOn("east", R.name)).toBe("ReadOnly");
    expect((await reconcileCluster(d(), ids.west)).applied).toContain(R.name);
    expect(await deployment(R.id, ids.west)).toMatchObject({ readOnly: false, error: null });
    expect(await accessModeOn("west", R.name)).toBe("ReadWrite");
  });

  it("counts an old writer whose roll-out an edit began and could not finish (its appliedAt cleared) as still writing", async () => {
    const X = await aLocation("edited", `${base}/edited`);
    const Y = await aLocation("edited-2", `${base}/edited`);
    await admin.location.assign({ locationId: X.id, target: { kind: "cluster", id: ids.east }, readOnly: false });
    expect(await accessModeOn("east", X.name)).toBe("ReadWrite");
    // X is made ReadOnly everywhere while east cannot be changed (Lifeboat finds no Velero there): the edit clears
    // appliedAt, the apply fails, east still holds X ReadWrite.
    const { velero } = await db.cluster.findUniqueOrThrow({ where: { id: ids.east }, select: { velero: true } });
    await db.cluster.update({
      where: { id: ids.east },
      data: { velero: { ...(velero as Prisma.JsonObject), installed: false } },
    });
    try {
      await updateLocation(X.id, `${base}/edited`, true);
      expect(await deployment(X.id, ids.east)).toMatchObject({ readOnly: false, appliedAt: null });
      expect(await accessModeOn("east", X.name)).toBe("ReadWrite");
      // By the assignments nobody writes there now: west may, but waits until east has stopped.
      await admin.location.assign({ locationId: Y.id, target: { kind: "cluster", id: ids.west }, readOnly: false });
      expect(await deployment(Y.id, ids.west)).toMatchObject({ error: waiting(`${base}/edited`) });
      expect(await accessModeOn("west", Y.name)).toBeNull();
    } finally {
      await db.cluster.update({ where: { id: ids.east }, data: { velero: velero as Prisma.InputJsonValue } });
    }
    // east reached: ReadOnly there; then west writes.
    await reconcileCluster(d(), ids.east);
    expect(await accessModeOn("east", X.name)).toBe("ReadOnly");
    await reconcileCluster(d(), ids.west);
    expect(await accessModeOn("west", Y.name)).toBe("ReadWrite");
  });

  it("waits when an edit moves a writer's location to a place another cluster still writes to", async () => {
    const M1 = await aLocation("moved", `${base}/moved-from`);
    const M2 = await aLocation("moved-2", `${base}/moved-to`);
    await admin.location.assign({ locationId: M1.id, target: { kind: "cluster", id: ids.east }, readOnly: false });
    expect(await accessModeOn("east", M1.name)).toBe("ReadWrite");
    // north still holds M2's place ReadWrite as last applied (it could not be reached since); by the assignments it
    // only reads there, so nobody is wanted as a writer of that place.
    await admin.location.assign({ locationId: M2.id, target: { kind: "cluster", id: ids.north }, readOnly: true });
    await db.locationDeployment.create({
      data: { locationId: M2.id, clusterId: ids.north, bslName: `lifeboat-${M2.name}`, readOnly: false },
    });
    // M1's prefix becomes M2's: the rule accepts it (one writer wanted), but east does not write there yet.
    await updateLocation(M1.id, `${base}/moved-to`);
    expect(await deployment(M1.id, ids.east)).toMatchObject({ error: waiting(`${base}/moved-to`) });
    const bsl = await bslOn("east", M1.name);
    expect(bsl?.spec?.objectStorage?.prefix).toBe(`${base}/moved-from`);
    // north stops: east writes at the new place.
    await db.locationDeployment.update({
      where: { locationId_clusterId: { locationId: M2.id, clusterId: ids.north } },
      data: { readOnly: true },
    });
    await reconcileCluster(d(), ids.east);
    expect(await deployment(M1.id, ids.east)).toMatchObject({ readOnly: false, error: null });
    expect((await bslOn("east", M1.name))?.spec?.objectStorage?.prefix).toBe(`${base}/moved-to`);
  });
});
