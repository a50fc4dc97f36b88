import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { adminClients } from "../../kube/testing-objects";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aGroup, aUser, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import type { Db } from "../../db/client";

// Azure Blob target locations end to end, through the router, against the sandbox's azurite and its two clusters'
// Velero stand-in (which reaches azurite the way velero-plugin-for-microsoft-azure does: storageAccountURI and the
// account key from the env-file credentials Secret).
let db: Db;
let admin: ReturnType<typeof callerFor>;
const run = crypto.randomBytes(3).toString("hex");
const ids = { group: "", credential: "", location: "" };
const azure = () => {
  const a = testSandbox().azure;
  if (!a) throw new Error("the integration sandbox runs azurite (sandbox/testing/global-setup.ts)");
  return a;
};
const onCluster = (i: number) => adminClients(kubeconfigText(i));
const bslName = `lifeboat-az-${run}`;
const bslOn = (i: number) =>
  onCluster(i)
    .custom.getNamespacedCustomObject({
      group: "velero.io",
      version: "v1",
      namespace: "velero",
      plural: "backupstoragelocations",
      name: bslName,
    })
    .then(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a BackupStorageLocation read back from the cluster
      (o) => o as any,
      () => null,
    );
const cloudFile = async (i: number) => {
  const s = await onCluster(i).core.readNamespacedSecret({ name: `${bslName}-credentials`, namespace: "velero" });
  return Buffer.from(s.data!.cloud!, "base64").toString();
};
const row = async () => (await admin.location.list()).find((l) => l.id === ids.location)!;

beforeAll(async () => {
  ({ db } = await freshDatabase());
  admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  ids.group = (await aGroup(db, `azure-${run}`)).id;
  for (const [i, name] of [
    [0, "east"],
    [1, "west"],
  ] as const)
    await admin.cluster.attach({
      kubeconfig: kubeconfigText(i),
      name,
      groupId: ids.group,
      description: "",
      labels: {},
    });
});

describe("an Azure storage account key", () => {
  it("is checked against the account before it is saved; a wrong key is refused and nothing is kept", async () => {
    const sealedBefore = await db.sealedSecret.count();
    const wrong = crypto.randomBytes(64).toString("base64");
    const refused = admin.credential.create({
      kind: "AZURE_STORAGE_KEY",
      name: `az-wrong-${run}`,
      description: "",
      accountName: azure().accountName,
      accountKey: wrong,
      cloud: "AzurePublicCloud",
      blobEndpoint: azure().blobEndpoint,
    });
    await expect(refused).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/account key is wrong.*Nothing was saved/),
    });
    await expect(refused).rejects.not.toMatchObject({ message: expect.stringContaining(wrong) });
    expect(await db.credential.count({ where: { name: `az-wrong-${run}` } })).toBe(0);
    expect(await db.sealedSecret.count()).toBe(sealedBefore);
  });

  it("is saved sealed; the list shows the account, never the key", async () => {
    const c = await admin.credential.create({
      kind: "AZURE_STORAGE_KEY",
      name: `az-${run}`,
      description: "azurite",
      accountName: azure().accountName,
      accountKey: azure().accountKey,
      cloud: "AzurePublicCloud",
      blobEndpoint: azure().blobEndpoint,
    });
    ids.credential = c.id;
    expect(c).toMatchObject({ provider: "AZURE", kind: "AZURE_STORAGE_KEY", keyIdMasked: azure().accountName });
    expect(c.details).toContain(`Storage account ${azure().accountName}`);
    expect(JSON.stringify(await admin.credential.list())).not.toContain(azure().accountKey);
    const stored = await db.credential.findUniqueOrThrow({ where: { id: c.id } });
    expect(JSON.stringify(stored.config)).not.toContain(azure().accountKey);
  });
});

describe("an Azure Blob location", () => {
  const base = () => ({
    provider: "AZURE_BLOB" as const,
    credentialId: ids.credential,
    storageAccount: azure().accountName,
    prefix: `azure-it/${run}`,
  });

  it("is created only after reaching the container, and says why not", async () => {
    await expect(
      admin.location.create({ ...base(), name: `az-none-${run}`, container: "no-such-container" }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringContaining('The container "no-such-container" does not exist'),
    });
    await expect(
      admin.location.create({
        ...base(),
        name: `az-other-${run}`,
        container: "velero",
        storageAccount: "otheraccount",
      }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringContaining("not of otheraccount") });
    const l = await admin.location.create({ ...base(), name: `az-${run}`, container: "velero" });
    ids.location = l.id;
    const listed = await row();
    // The endpoint was taken from the credential and stored, so the BackupStorageLocation never depends on it.
    expect(listed.settings).toMatchObject({ provider: "AZURE_BLOB", blobEndpoint: azure().blobEndpoint });
    expect(listed.summary).toContain(`Azure Blob · azure://${azure().accountName}/velero/azure-it/${run}`);
    expect(listed.lastProbeMessage).toContain("Reached the container");
  });

  it("refuses an S3 credential, and an Azure key for an S3 location", async () => {
    const s3 = await admin.credential.create({
      kind: "AWS_ACCESS_KEY",
      name: `s3-${run}`,
      description: "",
      accessKeyId: testSandbox().s3.accessKeyId,
      secretAccessKey: testSandbox().s3.secretAccessKey,
    });
    await expect(
      admin.location.create({ ...base(), name: `az-s3-${run}`, container: "velero", credentialId: s3.id }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("Azure storage account key") });
    await expect(
      admin.location.create({
        provider: "S3_COMPATIBLE",
        name: `s3-az-${run}`,
        bucket: "lifeboat-backups",
        endpoint: testSandbox().s3.endpoint,
        pathStyle: true,
        credentialId: ids.credential,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("becomes a velero.io/azure BackupStorageLocation and an env-file Secret on every assigned cluster, Available", async () => {
    await admin.location.assign({
      locationId: ids.location,
      target: { kind: "clusterGroup", id: ids.group },
      readOnly: false,
    });
    for (const i of [0, 1]) {
      const bsl = await bslOn(i);
      expect(bsl.spec).toMatchObject({
        provider: "velero.io/azure",
        objectStorage: { bucket: "velero", prefix: `azure-it/${run}` },
        credential: { name: `${bslName}-credentials`, key: "cloud" },
      });
      expect(bsl.spec.config).toEqual({
        storageAccount: azure().accountName,
        storageAccountURI: azure().blobEndpoint,
        storageAccountKeyEnvVar: "AZURE_STORAGE_ACCOUNT_ACCESS_KEY",
      });
      expect(await cloudFile(i)).toBe(
        `AZURE_STORAGE_ACCOUNT_ACCESS_KEY=${azure().accountKey}\nAZURE_CLOUD_NAME=AzurePublicCloud\n`,
      );
    }
    const l = await until("the Azure location Available on both clusters", async () => {
      await admin.location.refresh({ id: ids.location });
      const r = await row();
      return r.deployments.length === 2 && r.deployments.every((d) => d.phase === "Available") ? r : null;
    });
    expect(l.deployments.map((d) => d.missingPlugin)).toEqual([null, null]);
  });

  it("changes its prefix through the edit, probed first, and rolls it out", async () => {
    await expect(
      admin.location.update({
        provider: "S3_COMPATIBLE",
        id: ids.location,
        credentialId: ids.credential,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("cannot change") });
    await admin.location.update({
      provider: "AZURE_BLOB",
      id: ids.location,
      credentialId: ids.credential,
      prefix: `azure-it/${run}/b`,
      blobEndpoint: azure().blobEndpoint,
    });
    await until("the new prefix on both clusters", async () => {
      const specs = await Promise.all([bslOn(0), bslOn(1)]);
      return specs.every((b) => b?.spec.objectStorage.prefix === `azure-it/${run}/b`);
    });
  });

  it("says which cluster's Velero lacks the Azure plugin", async () => {
    const west = await db.cluster.findFirstOrThrow({ where: { name: "west", groupId: ids.group } });
    const velero = west.velero as { plugins?: { name: string; kind: string }[] };
    await db.cluster.update({
      where: { id: west.id },
      data: { velero: { ...velero, plugins: velero.plugins!.filter((p) => p.name !== "velero.io/azure") } },
    });
    const l = await row();
    expect(Object.fromEntries(l.deployments.map((d) => [d.clusterName, d.missingPlugin]))).toEqual({
      east: null,
      west: "velero/velero-plugin-for-microsoft-azure",
    });
    await db.cluster.update({ where: { id: west.id }, data: { velero: velero } });
  });

  it("takes new keys only when the container accepts them", async () => {
    await expect(
      admin.credential.rotate({
        id: ids.credential,
        kind: "AZURE_STORAGE_KEY",
        accountKey: crypto.randomBytes(64).toString("base64"),
      }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    // Azurite has one key per account; rotating to it again is the same round trip as to key2.
    const c = await admin.credential.rotate({
      id: ids.credential,
      kind: "AZURE_STORAGE_KEY",
      accountKey: azure().accountKey,
    });
    expect(c.details).toContain(azure().accountName);
  });
});
