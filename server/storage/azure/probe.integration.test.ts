import { randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectStoreFor } from "../../../sandbox/storage/object-store";
import { startEmulators, type AzureEndpoint, type Emulators } from "../../../sandbox/storage/emulators";
import { blobServiceClient } from "./client";
import { azureCredentialsFile } from "./credentials-file";
import { probeAzureLocation, type AzureBlobLocation } from "./probe";

// The probe against a real Azurite (plain HTTP on 127.0.0.1), started here and stopped in afterAll, reached over the
// network through the outbound path as a storage account would be. Azurite checks the shared-key signature but not
// roles, so AuthorizationPermissionMismatch is pinned by the unit tests.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const CONTAINER = "velero";
let emulators: Emulators;
let azure: AzureEndpoint;
let admin: ContainerClient;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-azure-probe-"));
  emulators = await startEmulators({ dir, s3Port: 0, azurePort: 0, containers: [CONTAINER] });
  azure = emulators.azure!;
  admin = new BlobServiceClient(
    azure.blobEndpoint,
    new StorageSharedKeyCredential(azure.accountName, azure.accountKey),
  ).getContainerClient(CONTAINER);
});

afterAll(async () => {
  await emulators?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const location = (more: Partial<AzureBlobLocation> = {}): AzureBlobLocation => ({
  endpoint: azure.blobEndpoint,
  accountName: azure.accountName,
  container: CONTAINER,
  ...more,
});
const key = () => ({ accountKey: azure.accountKey });
const freshPrefix = () => `probe-test/${randomUUID()}`;
const put = (name: string) => admin.getBlockBlobClient(name).upload("x", 1);
async function blobsUnder(prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const b of admin.listBlobsFlat({ prefix: `${prefix}/` })) names.push(b.name);
  return names.sort();
}

/** A TCP server on 127.0.0.1 that counts the connections it gets and answers none. */
async function countingServer(): Promise<{ endpoint: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    sockets.add(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/devstoreaccount1`,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Runs fn with LIFEBOAT_ALLOW_LOOPBACK unset, as in production. */
async function withLoopbackRefused<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.LIFEBOAT_ALLOW_LOOPBACK;
  delete process.env.LIFEBOAT_ALLOW_LOOPBACK;
  try {
    return await fn();
  } finally {
    process.env.LIFEBOAT_ALLOW_LOOPBACK = saved;
  }
}

describe("probeAzureLocation against Azurite", () => {
  it("passes a container under a fresh prefix in four steps and leaves no blob behind", async () => {
    const prefix = freshPrefix();
    const r = await probeAzureLocation(location({ prefix }), key());
    expect(r).toEqual({
      ok: true,
      steps: expect.any(Array),
      message:
        `Reached the container "velero" of storage account "devstoreaccount1" at ${azure.blobEndpoint}: listed, ` +
        `wrote and deleted a probe object under "${prefix}/"`,
    });
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([
      ["head", true],
      ["list", true],
      ["write", true],
      ["delete", true],
    ]);
    for (const s of r.steps) expect(s.ms).toBeGreaterThanOrEqual(0);
    expect(await blobsUnder(prefix)).toEqual([]);
  });

  it("passes a prefix that holds only Velero's folders, naming them", async () => {
    const prefix = freshPrefix();
    await put(`${prefix}/backups/nightly-1/velero-backup.json`);
    await put(`${prefix}/kopia/app/kopia.repository`);
    const r = await probeAzureLocation(location({ prefix: `${prefix}/` }), key());
    expect(r.ok).toBe(true);
    expect(r.steps.find((s) => s.step === "list")?.message).toBe("Velero folders present: backups, kopia");
    expect(await blobsUnder(prefix)).toEqual([
      `${prefix}/backups/nightly-1/velero-backup.json`,
      `${prefix}/kopia/app/kopia.repository`,
    ]);
  });

  it("refuses a prefix that holds a folder Velero does not own, naming it, and writes nothing", async () => {
    const prefix = freshPrefix();
    await put(`${prefix}/photos/cat.jpg`);
    await put(`${prefix}/backups/nightly-1/velero-backup.json`);
    const r = await probeAzureLocation(location({ prefix }), key());
    expect(r).toMatchObject({ ok: false, failure: "ForeignData" });
    expect(!r.ok && r.message).toBe(
      `The prefix "${prefix}/" of the container "velero" already holds folders that are not Velero's: photos. ` +
        `Velero would mark the location Unavailable ("Backup store contains invalid top-level directories"); ` +
        `use an empty container or a prefix of its own`,
    );
    expect(r.steps.map((s) => [s.step, s.ok, s.message])).toEqual([
      ["head", true, undefined],
      ["list", false, "Folders that are not Velero's: photos"],
    ]);
    expect(await blobsUnder(prefix)).toEqual([
      `${prefix}/backups/nightly-1/velero-backup.json`,
      `${prefix}/photos/cat.jpg`,
    ]);
  });

  it("reports a wrong account key as InvalidCredentials and never shows it", async () => {
    const wrong = Buffer.from("not-the-account-key-of-devstoreaccount1-at-all-0123456789").toString("base64");
    const r = await probeAzureLocation(location({ prefix: freshPrefix() }), { accountKey: wrong });
    expect(r).toMatchObject({ ok: false, failure: "InvalidCredentials" });
    expect(!r.ok && r.message).toMatch(/^The account key is wrong.*\(AuthorizationFailure\)$/);
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([["head", false]]);
    expect(JSON.stringify(r)).not.toContain(wrong);
  });

  it("reports a missing container as NoSuchBucket, naming it and the account", async () => {
    const r = await probeAzureLocation(location({ container: "no-such-container" }), key());
    expect(r).toMatchObject({ ok: false, failure: "NoSuchBucket" });
    expect(!r.ok && r.message).toBe(
      `The container "no-such-container" does not exist in storage account "devstoreaccount1" at ${azure.blobEndpoint}`,
    );
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([["head", false]]);
  });

  it("gives up on an endpoint that accepts but never answers when the step's deadline passes", async () => {
    const silent = await countingServer();
    try {
      const r = await probeAzureLocation(location({ endpoint: silent.endpoint }), key(), { timeoutMs: 300 });
      expect(r).toMatchObject({ ok: false, failure: "Timeout" });
      expect(!r.ok && r.message).toBe(
        `${silent.endpoint} did not answer within 0.3 s when Lifeboat tried to read the container "velero"`,
      );
      expect(r.steps.map((s) => [s.step, s.ok])).toEqual([["head", false]]);
    } finally {
      await silent.close();
    }
  });

  it("with loopback refused, fails with the outbound refusal and never connects", async () => {
    const r = await withLoopbackRefused(() => probeAzureLocation(location({ prefix: freshPrefix() }), key()));
    expect(r).toMatchObject({ ok: false, failure: "Other", steps: [] });
    expect(!r.ok && r.message).toBe(
      `Lifeboat will not connect to ${azure.blobEndpoint}: 127.0.0.1 is a loopback address ` +
        "(set LIFEBOAT_ALLOW_LOOPBACK=1 to allow it)",
    );

    const watched = await countingServer();
    try {
      const refused = await withLoopbackRefused(() =>
        probeAzureLocation(location({ endpoint: watched.endpoint }), key()),
      );
      expect(refused).toMatchObject({ ok: false, failure: "Other", steps: [] });
      expect(watched.connections()).toBe(0);
    } finally {
      await watched.close();
    }
  });

  it("sends the client's requests through the outbound path: the guard refuses the socket itself", async () => {
    const watched = await countingServer();
    try {
      const client = await blobServiceClient({
        endpoint: watched.endpoint,
        accountName: azure.accountName,
        accountKey: azure.accountKey,
        timeoutMs: 2_000,
      });
      const error = await withLoopbackRefused(() =>
        client
          .getContainerClient(CONTAINER)
          .getProperties()
          .then(
            () => null,
            (e: unknown) => e,
          ),
      );
      expect(error).toMatchObject({ code: "LIFEBOAT_OUTBOUND_REFUSED" });
      expect(watched.connections()).toBe(0);
    } finally {
      await watched.close();
    }
  });
});

describe("the credentials file, read by the sandbox's Velero stand-in", () => {
  it("lets the stand-in reach the container with the key it holds", async () => {
    const { content } = azureCredentialsFile({
      kind: "AZURE_STORAGE_KEY",
      accountKey: azure.accountKey,
      cloud: "AzurePublicCloud",
    });
    const prefix = freshPrefix();
    const store = objectStoreFor(
      {
        provider: "velero.io/azure",
        bucket: CONTAINER,
        prefix,
        config: {
          storageAccount: azure.accountName,
          storageAccountURI: azure.blobEndpoint,
          storageAccountKeyEnvVar: "AZURE_STORAGE_ACCOUNT_ACCESS_KEY",
        },
      },
      { cloud: content },
    );
    await store.put("backups/b1/velero-backup.json", "{}");
    expect(await blobsUnder(prefix)).toEqual([`${prefix}/backups/b1/velero-backup.json`]);
  });
});
