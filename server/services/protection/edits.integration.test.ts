import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminClients } from "../../kube/testing-objects";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aGroup, aUser, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import type { Db } from "../../db/client";

// Editing what exists, through the router against the sandbox: rotating a credential's keys, and changing a target
// location. The sandbox's s3rver accepts only its own access key id and checks no signature, so a rotation keeps the
// key id and replaces the secret key; another key id is refused there.
let db: Db;
let admin: ReturnType<typeof callerFor>;
const run = crypto.randomBytes(3).toString("hex");
const ids = { group: "", east: "", west: "", credential: "", location: "" };
const onCluster = (i: number) => adminClients(kubeconfigText(i));
const cloudFile = async (i: number, bslName: string) => {
  const s = await onCluster(i)
    .core.readNamespacedSecret({ name: `${bslName}-credentials`, namespace: "velero" })
    .catch(() => null);
  return s?.data?.cloud ? Buffer.from(s.data.cloud, "base64").toString() : null;
};
const bslOn = (i: number, name: string) =>
  onCluster(i)
    .custom.getNamespacedCustomObject({
      group: "velero.io",
      version: "v1",
      namespace: "velero",
      plural: "backupstoragelocations",
      name,
    })
    .then(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a BackupStorageLocation read back from the cluster
      (o) => o as any,
      () => null,
    );
const locationRow = async () => (await admin.location.list()).find((l) => l.id === ids.location)!;
const availableEverywhere = () =>
  until("the location Available on both clusters", async () => {
    await admin.location.refresh({ id: ids.location });
    const l = await locationRow();
    return l.deployments.length === 2 && l.deployments.every((x) => x.phase === "Available" && !x.error) ? l : null;
  });

beforeAll(async () => {
  ({ db } = await freshDatabase());
  admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  ids.group = (await aGroup(db, `edits-${run}`)).id;
  for (const [i, name] of [
    [0, "east"],
    [1, "west"],
  ] as const)
    ids[name] = (
      await admin.cluster.attach({
        kubeconfig: kubeconfigText(i),
        name,
        groupId: ids.group,
        description: "",
        labels: {},
      })
    ).id;
  const s3 = testSandbox().s3;
  ids.credential = (
    await admin.credential.create({
      kind: "AWS_ACCESS_KEY",
      name: `rotating-${run}`,
      description: "",
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    })
  ).id;
  ids.location = (
    await admin.location.create({
      provider: "S3_COMPATIBLE",
      name: `edited-${run}`,
      bucket: "lifeboat-backups",
      prefix: `edits-it/${run}/a`,
      region: "us-east-1",
      endpoint: s3.endpoint,
      pathStyle: true,
      credentialId: ids.credential,
    })
  ).id;
  await admin.location.assign({
    locationId: ids.location,
    target: { kind: "clusterGroup", id: ids.group },
    readOnly: true,
    writers: [ids.east], // one writer per bucket and prefix (#14 §3): west only reads
  });
  await availableEverywhere();
});

afterAll(async () => {
  for (const l of await admin.location.list())
    for (const a of l.assignments) await admin.location.unassign({ id: a.id }).catch(() => undefined);
});

describe("rotating a credential's keys", () => {
  const bsl = () => `lifeboat-edited-${run}`;

  it("refuses keys the store refuses, with the reason, and changes nothing", async () => {
    const before = await db.credential.findUniqueOrThrow({ where: { id: ids.credential } });
    const secretBefore = await cloudFile(0, bsl());
    await expect(
      admin.credential.rotate({
        id: ids.credential,
        kind: "AWS_ACCESS_KEY",
        accessKeyId: "NOT-AN-ACCOUNT",
        secretAccessKey: "whatever",
      }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/refused at target location edited-.*Nothing was changed/),
    });
    const after = await db.credential.findUniqueOrThrow({ where: { id: ids.credential } });
    expect(after.sealedSecretId).toBe(before.sealedSecretId);
    expect(after.keyIdMasked).toBe(before.keyIdMasked);
    expect(await cloudFile(0, bsl())).toBe(secretBefore);
    const audit = await db.auditEvent.findFirst({ where: { action: "credential.rotate" }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ outcome: "FAILURE", targetId: ids.credential });
  });

  it("puts the new keys in every cluster's Secret, drops the old sealed value, and the location stays Available", async () => {
    const before = await db.credential.findUniqueOrThrow({ where: { id: ids.credential } });
    const newSecret = `rotated-${run}-${crypto.randomBytes(6).toString("hex")}`;
    expect(await cloudFile(0, bsl())).not.toContain(newSecret);
    const row = await admin.credential.rotate({
      id: ids.credential,
      kind: "AWS_ACCESS_KEY",
      accessKeyId: testSandbox().s3.accessKeyId,
      secretAccessKey: newSecret,
    });
    expect(JSON.stringify(row)).not.toContain(newSecret);
    for (const i of [0, 1]) expect(await cloudFile(i, bsl())).toContain(`aws_secret_access_key=${newSecret}`);
    const after = await db.credential.findUniqueOrThrow({ where: { id: ids.credential } });
    expect(after.sealedSecretId).not.toBe(before.sealedSecretId);
    expect(await db.sealedSecret.findUnique({ where: { id: before.sealedSecretId } })).toBeNull();
    const l = await availableEverywhere();
    expect(l.deployments.every((x) => x.appliedAt)).toBe(true);
    const audit = await db.auditEvent.findFirst({ where: { action: "credential.rotate" }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ outcome: "SUCCESS", targetId: ids.credential });
    expect(Object.values(audit!).map(String).join(" ")).not.toContain(newSecret);
  });
});

describe("changing a target location", () => {
  const bsl = () => `lifeboat-edited-${run}`;
  const s3 = () => testSandbox().s3;

  it("refuses an endpoint it cannot reach, and changes nothing", async () => {
    const before = await db.location.findUniqueOrThrow({ where: { id: ids.location } });
    const specsBefore = [(await bslOn(0, bsl())).spec, (await bslOn(1, bsl())).spec];
    await expect(
      admin.location.update({
        provider: "S3_COMPATIBLE",
        id: ids.location,
        credentialId: ids.credential,
        prefix: `edits-it/${run}/b`,
        region: "us-east-1",
        endpoint: "http://127.0.0.1:9",
        pathStyle: true,
        caBundle: "",
      }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringContaining("Nothing was changed") });
    expect((await db.location.findUniqueOrThrow({ where: { id: ids.location } })).config).toEqual(before.config);
    for (const i of [0, 1]) expect((await bslOn(i, bsl())).spec).toEqual(specsBefore[i]);
  });

  it("rolls a new prefix and read-only mode out to the BackupStorageLocation on every assigned cluster", async () => {
    expect((await bslOn(0, bsl())).spec.accessMode).toBe("ReadWrite");
    expect((await bslOn(1, bsl())).spec.accessMode).toBe("ReadOnly");
    await admin.location.update({
      provider: "S3_COMPATIBLE",
      id: ids.location,
      credentialId: ids.credential,
      prefix: `edits-it/${run}/b`,
      region: "us-east-1",
      endpoint: s3().endpoint,
      pathStyle: true,
      caBundle: "",
      readOnly: true,
    });
    for (const i of [0, 1]) {
      const spec = (await bslOn(i, bsl())).spec;
      expect(spec.objectStorage.prefix).toBe(`edits-it/${run}/b`);
      expect(spec.accessMode).toBe("ReadOnly");
    }
    const l = await availableEverywhere();
    expect(l.settings).toMatchObject({ prefix: `edits-it/${run}/b`, endpoint: s3().endpoint });
    // ReadOnly everywhere is the location's switch: the assignment keeps its writer for when it is turned off.
    expect(l.readOnly).toBe(true);
    expect(l.assignments.map((a) => a.writers.map((w) => w.name))).toEqual([["east"]]);
    const audit = await db.auditEvent.findFirst({ where: { action: "location.update" }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ outcome: "SUCCESS", targetId: ids.location });
  });

  it("refuses a CA bundle that is not PEM certificates", async () => {
    await expect(
      admin.location.update({
        provider: "S3_COMPATIBLE",
        id: ids.location,
        credentialId: ids.credential,
        prefix: `edits-it/${run}/b`,
        region: "us-east-1",
        endpoint: s3().endpoint,
        pathStyle: true,
        caBundle: "not a certificate",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("PEM") });
  });
});
