import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { migratedThrough, type MigratedDb } from "../../testing/migration-db";
import type { Deps } from "../../composition";
import { loadAccess } from "../../rbac/access";
import { aUser } from "../../testing/builders";
import { listLocations } from "./locations";

// The migration that brought one writer per bucket and prefix (#14 §3) keeps what each cluster did: a database migrated
// up to the migration before it gets group and cluster assignments written the old way (a group assignment's readOnly
// was its clusters' mode), then the migration itself; a group that wrote keeps writing through every cluster it had,
// and the list flags the place they now share.
const MINE = "20261213100000_location_writers";

const s3 = (prefix: string) =>
  JSON.stringify({ bucket: "velero", prefix, region: "", endpoint: "https://ceph.example.com", pathStyle: true });

let migrated: MigratedDb;
let db: Db;
let d: Deps;

beforeAll(async () => {
  migrated = await migratedThrough(MINE, async (c, d) => {
    const sealedSecretId = await d.sealed.put(
      "aws-credential",
      JSON.stringify({ kind: "AWS_ACCESS_KEY", accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" }),
    );
    await c.query(
      `INSERT INTO "Credential" ("id", "name", "config", "keyIdMasked", "sealedSecretId", "updatedAt")
       VALUES ('cred', 'keys', '{"kind":"AWS_ACCESS_KEY"}', 'AKIA…MPLE', $1, now())`,
      [sealedSecretId],
    );
    await c.query(`INSERT INTO "ClusterGroup" ("id", "name", "updatedAt") VALUES ('g1', 'writers', now()),
      ('g2', 'readers', now())`);
    await c.query(`INSERT INTO "Cluster" ("id", "name", "groupId", "updatedAt") VALUES ('c1', 'one', 'g1', now()),
      ('c2', 'two', 'g1', now()), ('c3', 'three', 'g2', now())`);
    await c.query(
      `INSERT INTO "Location" ("id", "name", "provider", "config", "credentialId", "updatedAt")
       VALUES ('loc-rw', 'group-writes', 'S3_COMPATIBLE', $1, 'cred', now()),
              ('loc-ro', 'group-reads', 'S3_COMPATIBLE', $2, 'cred', now())`,
      [s3("team"), s3("archive")],
    );
    // loc-rw read-write for group g1 (both its clusters wrote there); loc-ro read-only for g2 and read-write for c1.
    await c.query(
      `INSERT INTO "LocationAssignment" ("id", "locationId", "clusterGroupId", "clusterId", "readOnly")
       VALUES ('a-rw', 'loc-rw', 'g1', NULL, false), ('a-ro', 'loc-ro', 'g2', NULL, true),
              ('a-direct', 'loc-ro', NULL, 'c1', false)`,
    );
  });
  expect(migrated.before.length).toBeGreaterThan(0);
  ({ db, d } = migrated);
});

afterAll(async () => {
  await migrated?.drop();
});

describe(`the migration ${MINE}`, () => {
  it("makes every cluster of a read-write group assignment its writer, and every group assignment ReadOnly", async () => {
    const assignments = await db.locationAssignment.findMany({
      orderBy: { id: "asc" },
      select: { id: true, readOnly: true, writers: { select: { clusterId: true }, orderBy: { clusterId: "asc" } } },
    });
    expect(assignments).toEqual([
      { id: "a-direct", readOnly: false, writers: [] },
      { id: "a-ro", readOnly: true, writers: [] },
      { id: "a-rw", readOnly: true, writers: [{ clusterId: "c1" }, { clusterId: "c2" }] },
    ]);
    expect(await db.location.findMany({ select: { readOnly: true } })).toEqual([
      { readOnly: false },
      { readOnly: false },
    ]);
  });

  it("keeps each cluster's mode, and the list flags the place two clusters of a group now write to", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const listed = await listLocations(d, await loadAccess(db, admin.id, "ORG_ADMIN"));
    const rw = listed.find((l) => l.id === "loc-rw")!;
    expect(rw.writeConflict).toMatch(/^(one and two|two and one) both write backups to s3:\/\/velero\/team: /);
    expect(rw.assignments[0].writers.map((w) => w.name).sort()).toEqual(["one", "two"]);
    // loc-ro: one writes (its own assignment), three reads (its group's): no conflict.
    expect(listed.find((l) => l.id === "loc-ro")!.writeConflict).toBeNull();
  });
});
