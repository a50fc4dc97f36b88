import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../testing/db";
import { aCluster, aGroup, aUser, callerFor, signedIn } from "../testing/builders";
import type { Db } from "../db/client";
import { backupDetail } from "@/lib/schemas/backup";
import { restoreDetail } from "@/lib/schemas/restore";

// The detail pages get projections of Velero's objects, never the objects: fields Velero (or anyone) adds to a Backup
// or a Restore stay on the server. Rows written to the read model directly, as the sync engine would; running objects,
// so nothing is fetched from the location.
let db: Db;
let caller: ReturnType<typeof callerFor>;
let clusterId = "";

const SECRET = "s3cr3t-value-never-sent";

const row = (kind: string, name: string, o: { phase: string; labels?: object; spec: object; status: object }) =>
  db.veleroObject.create({
    data: {
      clusterId,
      kind,
      namespace: "velero",
      name,
      uid: `${kind}-${name}`,
      resourceVersion: "1",
      phase: o.phase,
      labels: o.labels ?? {},
      spec: o.spec,
      status: o.status,
      createdAt: new Date(),
    },
  });

beforeAll(async () => {
  ({ db } = await freshDatabase());
  caller = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  clusterId = (await aCluster(db, (await aGroup(db)).id, "contracts")).id;
});

describe("backup.get and restore.get", () => {
  it("answer the typed facts of a Backup and nothing else it carries", async () => {
    await row("backups", "nightly-1", {
      phase: "InProgress",
      labels: { "velero.io/schedule-name": "nightly", "team.example.com/token": SECRET },
      spec: {
        includedNamespaces: ["shop"],
        labelSelector: { matchLabels: { app: "web" } },
        storageLocation: "primary",
        ttl: "720h0m0s",
        snapshotVolumes: false,
        someSecretThing: { password: SECRET },
        hooks: { resources: [{ name: "freeze", pre: [{ exec: { command: [SECRET] } }] }] },
      },
      status: {
        progress: { itemsBackedUp: 3, totalItems: 9 },
        startTimestamp: "2026-01-02T03:04:05Z",
        weird: SECRET,
      },
    });
    const got = await caller.backup.get({ clusterId, name: "nightly-1" });
    expect(Object.keys(got).sort()).toEqual(Object.keys(backupDetail.shape).sort());
    expect(JSON.stringify(got)).not.toContain(SECRET);
    expect(JSON.stringify(got)).not.toMatch(/someSecretThing|weird|hooks|team\.example\.com/);
    expect(got).toMatchObject({
      schedule: "nightly",
      filters: {
        includedNamespaces: ["shop"],
        excludedNamespaces: [],
        labelSelectors: [{ matchLabels: { app: "web" }, matchExpressions: [] }],
        includedResources: null,
        includeClusterResources: null,
      },
      storageLocation: "primary",
      ttl: "720h0m0s",
      snapshotVolumes: false,
      progress: { itemsBackedUp: 3, totalItems: 9 },
      startTimestamp: new Date("2026-01-02T03:04:05Z"),
      completionTimestamp: null,
      volumes: null,
      results: null,
    });
  });

  it("answer the typed facts of a Restore and nothing else it carries", async () => {
    await row("restores", "nightly-1-r", {
      phase: "InProgress",
      spec: {
        backupName: "nightly-1",
        namespaceMapping: { shop: "shop-copy" },
        existingResourcePolicy: "update",
        restoreStatus: { includedResources: ["*"] },
        someSecretThing: SECRET,
      },
      status: { progress: { itemsRestored: 1, totalItems: 4 }, errors: 2, weird: { deeper: SECRET } },
    });
    const got = await caller.restore.get({ clusterId, name: "nightly-1-r" });
    expect(Object.keys(got).sort()).toEqual(Object.keys(restoreDetail.shape).sort());
    expect(JSON.stringify(got)).not.toContain(SECRET);
    expect(JSON.stringify(got)).not.toMatch(/someSecretThing|weird|restoreStatus/);
    expect(got).toMatchObject({
      backupName: "nightly-1",
      scheduleName: null,
      namespaceMapping: { shop: "shop-copy" },
      existingResourcePolicy: "update",
      restorePVs: null,
      progress: { itemsRestored: 1, totalItems: 4 },
      errors: 2,
      warnings: 0,
      results: null,
    });
  });
});
