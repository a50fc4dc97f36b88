import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { migratedThrough, type MigratedDb } from "../../testing/migration-db";
import type { Deps } from "../../composition";
import { loadAccess } from "../../rbac/access";
import { aUser } from "../../testing/builders";
import { credentialSecret, listCredentials } from "./credentials";
import { listLocations, reconcileLocation } from "./locations";

// The migration that moved a location's S3 columns into its config JSON (and gave credentials their kind) keeps what
// was there: a database migrated up to the migration before it gets an S3 location and credential written the old way,
// then the migration itself, and the services read both back through the S3 driver.
const MINE = "20261201100000_location_provider_settings";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
let migrated: MigratedDb;
let db: Db;
let d: Deps;

beforeAll(async () => {
  migrated = await migratedThrough(MINE, async (c, d) => {
    // The old way: keys sealed as { accessKeyId, secretAccessKey } (the sealed table is unchanged by the migration),
    // S3 settings in columns.
    const sealedSecretId = await d.sealed.put(
      "aws-credential",
      JSON.stringify({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI-old-secret" }),
    );
    await c.query(
      `INSERT INTO "Credential" ("id", "name", "provider", "keyIdMasked", "sealedSecretId", "updatedAt")
       VALUES ('cred-old', 'old-keys', 'AWS', 'AKIA…MPLE', $1, now())`,
      [sealedSecretId],
    );
    await c.query(
      `INSERT INTO "Location" ("id", "name", "provider", "bucket", "prefix", "region", "endpoint", "pathStyle",
         "credentialId", "lastProbeMessage", "updatedAt")
       VALUES ('loc-ceph', 'old-ceph', 'S3_COMPATIBLE', 'velero', 'cluster-a', '', 'https://ceph.example.com', true,
         'cred-old', 'Reached the bucket', now())`,
    );
    await c.query(
      `INSERT INTO "Location" ("id", "name", "provider", "bucket", "region", "caBundle", "credentialId", "updatedAt")
       VALUES ('loc-aws', 'old-aws', 'AWS_S3', 'backups', 'eu-west-1', $1, 'cred-old', now())`,
      [CA],
    );
  });
  expect(migrated.before.length).toBeGreaterThan(0);
  ({ db, d } = migrated);
});

afterAll(async () => {
  await migrated?.drop();
});

describe(`the migration ${MINE}`, () => {
  it("moves each location's S3 columns into its config, a CA bundle only where there was one", async () => {
    const rows = await db.location.findMany({
      orderBy: { name: "asc" },
      select: { name: true, provider: true, config: true },
    });
    expect(rows).toEqual([
      {
        name: "old-aws",
        provider: "AWS_S3",
        config: { bucket: "backups", prefix: "", region: "eu-west-1", endpoint: "", pathStyle: false, caBundle: CA },
      },
      {
        name: "old-ceph",
        provider: "S3_COMPATIBLE",
        config: {
          bucket: "velero",
          prefix: "cluster-a",
          region: "",
          endpoint: "https://ceph.example.com",
          pathStyle: true,
        },
      },
    ]);
  });

  it("the services read the locations and the credential back through the S3 driver", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const listed = await listLocations(d, await loadAccess(db, admin.id, "ORG_ADMIN"));
    expect(listed.map((l) => ({ name: l.name, summary: l.summary, credential: l.credential }))).toEqual([
      {
        name: "old-aws",
        summary: "AWS S3 · s3://backups/ · eu-west-1",
        credential: { id: "cred-old", name: "old-keys", keyIdMasked: "AKIA…MPLE" },
      },
      {
        name: "old-ceph",
        summary: "S3-compatible · s3://velero/cluster-a · https://ceph.example.com",
        credential: { id: "cred-old", name: "old-keys", keyIdMasked: "AKIA…MPLE" },
      },
    ]);
    expect(listed.find((l) => l.name === "old-ceph")?.lastProbeMessage).toBe("Reached the bucket");

    expect(await listCredentials(d)).toEqual([
      expect.objectContaining({ name: "old-keys", provider: "AWS", kind: "AWS_ACCESS_KEY", keyIdMasked: "AKIA…MPLE" }),
    ]);
    expect(await credentialSecret(d, "cred-old")).toEqual({
      kind: "AWS_ACCESS_KEY",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI-old-secret",
    });
    // Reconciling reads the settings and the keys the same way (nothing is assigned, so no cluster is reached).
    for (const id of ["loc-ceph", "loc-aws"]) await expect(reconcileLocation(d, id)).resolves.toBeUndefined();
  });

  it("a location whose stored settings its driver refuses still lists, saying why, and is not reconciled", async () => {
    await db.location.update({ where: { id: "loc-aws" }, data: { config: { region: "eu-west-1" } } });
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const listed = await listLocations(d, await loadAccess(db, admin.id, "ORG_ADMIN"));
    expect(listed.find((l) => l.name === "old-aws")?.summary).toMatch(
      /^AWS_S3 · The stored settings of a AWS_S3 location are not valid: bucket: /,
    );
    await expect(reconcileLocation(d, "loc-aws")).rejects.toThrow(/stored settings of a AWS_S3 location are not valid/);
  });
});
