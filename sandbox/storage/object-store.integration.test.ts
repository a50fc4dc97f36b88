import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AZURITE_ACCOUNT_KEY,
  AZURITE_ACCOUNT_NAME,
  sandboxPrincipal,
  startEmulators,
  type Emulators,
} from "./emulators";
import {
  AZURE_BEARER_OVER_HTTP,
  type BslStorage,
  type ObjectStore,
  type ObjectStoreOptions,
  StoreError,
  objectStoreFor,
  presignS3Url,
} from "./object-store";

// The Velero stand-in's object store against real emulators: s3rver (in-process), Azurite (child process) and the
// Entra ID / ARM stand-in next to it (in-process), through which a service principal lists Azurite's keys.
let dir: string;
let emu: Emulators;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-storage-"));
  emu = await startEmulators({
    dir,
    s3Port: 0,
    azurePort: 0,
    buckets: ["velero"],
    containers: ["velero", "velero-sp"],
  });
});

afterAll(async () => {
  await emu?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function storeError(promise: Promise<unknown>): Promise<StoreError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

interface Provider {
  name: string;
  bsl(bucket: string, prefix?: string): BslStorage;
  credentials(): Record<string, string>;
  wrongCredentials(): Record<string, string>;
  /** The same store config pointing at a port nothing listens on. */
  unreachable(port: number): BslStorage;
  /** Where a service principal signs in (the sandbox's Entra ID / ARM stand-in). */
  options?(): ObjectStoreOptions;
}

/** The sandbox's service principal, which may list Azurite's keys in its resource group. */
const sp = () => emu.azure!.servicePrincipal!;
/** The plugin's credentials file for a service principal, as Lifeboat writes it (server/storage/azure/credentials-file.ts). */
const spFile = (clientSecret = sp().clientSecret) =>
  [
    `AZURE_SUBSCRIPTION_ID=${sp().subscriptionId}`,
    `AZURE_TENANT_ID=${sp().tenantId}`,
    `AZURE_CLIENT_ID=${sp().clientId}`,
    `AZURE_CLIENT_SECRET=${clientSecret}`,
    `AZURE_RESOURCE_GROUP=${sp().resourceGroup}`,
    "AZURE_CLOUD_NAME=AzurePublicCloud",
    "",
  ].join("\n");
const listKeysConfig = (endpoint: string, change: Record<string, string> = {}) => ({
  storageAccount: AZURITE_ACCOUNT_NAME,
  storageAccountURI: endpoint,
  resourceGroup: sp().resourceGroup,
  subscriptionId: sp().subscriptionId,
  ...change,
});
const atEntra = () => ({ azureAuthorityHost: sp().url, azureResourceManager: sp().url });

const providers: Provider[] = [
  {
    name: "S3 (s3rver)",
    bsl: (bucket, prefix) => ({
      provider: "velero.io/aws",
      bucket,
      prefix,
      config: { region: "us-east-1", s3Url: emu.s3.endpoint, s3ForcePathStyle: "true" },
    }),
    credentials: () => ({ accessKeyId: emu.s3.accessKeyId, secretAccessKey: emu.s3.secretAccessKey }),
    wrongCredentials: () => ({ accessKeyId: "NOT-AN-ACCOUNT", secretAccessKey: "x" }),
    unreachable: (port) => ({
      provider: "aws",
      bucket: "velero",
      config: { s3Url: `http://127.0.0.1:${port}`, s3ForcePathStyle: "true" },
    }),
  },
  {
    name: "Azure (Azurite)",
    bsl: (bucket, prefix) => ({
      provider: "velero.io/azure",
      bucket,
      prefix,
      config: { storageAccount: AZURITE_ACCOUNT_NAME, storageAccountURI: emu.azure!.blobEndpoint },
    }),
    credentials: () => ({ accountKey: AZURITE_ACCOUNT_KEY }),
    wrongCredentials: () => ({ accountKey: Buffer.alloc(64, 7).toString("base64") }),
    unreachable: (port) => ({
      provider: "azure",
      bucket: "velero",
      config: {
        storageAccount: AZURITE_ACCOUNT_NAME,
        storageAccountURI: `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`,
      },
    }),
  },
  {
    name: "Azure (Azurite) with a service principal, keys listed through ARM",
    // A container of its own: the account-key provider above leaves blobs in "velero".
    bsl: (bucket, prefix) => ({
      provider: "velero.io/azure",
      bucket: bucket === "velero" ? "velero-sp" : bucket,
      prefix,
      config: listKeysConfig(emu.azure!.blobEndpoint),
    }),
    credentials: () => ({ cloud: spFile() }),
    wrongCredentials: () => ({ cloud: spFile("not~the-secret-of-this-principal") }),
    unreachable: (port) => ({
      provider: "azure",
      bucket: "velero",
      config: listKeysConfig(`http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`),
    }),
    options: atEntra,
  },
];

describe.each(providers)("$name", (p) => {
  let store: ObjectStore;
  let root: ObjectStore; // the same bucket without a prefix, to see where keys land
  beforeAll(() => {
    store = objectStoreFor(p.bsl("velero", "cluster-a"), p.credentials(), p.options?.());
    root = objectStoreFor(p.bsl("velero"), p.credentials(), p.options?.());
  });

  it("puts, gets, checks, lists, deletes under the BSL prefix", async () => {
    await store.put("backups/b1/velero-backup.json", JSON.stringify({ kind: "Backup" }));
    await store.put("backups/b1/b1.tar.gz", Buffer.from([0x1f, 0x8b, 0, 1, 2]));
    await store.put("backups/b2/velero-backup.json", "{}");
    await store.put("restores/r1/restore-r1-logs.gz", "log");

    expect((await store.get("backups/b1/velero-backup.json"))?.toString()).toBe('{"kind":"Backup"}');
    expect(await store.get("backups/b1/b1.tar.gz")).toEqual(Buffer.from([0x1f, 0x8b, 0, 1, 2]));
    expect(await store.get("backups/b9/velero-backup.json")).toBeNull();
    expect(await store.exists("backups/b2/velero-backup.json")).toBe(true);
    expect(await store.exists("backups/b9/velero-backup.json")).toBe(false);

    expect(await store.list("backups/")).toEqual([
      "backups/b1/b1.tar.gz",
      "backups/b1/velero-backup.json",
      "backups/b2/velero-backup.json",
    ]);
    expect(await store.list("")).toHaveLength(4);
    expect(await root.list("")).toContain("cluster-a/backups/b1/velero-backup.json");
    expect(await store.listPrefixes("")).toEqual(["backups/", "restores/"]);
    expect(await store.listPrefixes("backups/")).toEqual(["backups/b1/", "backups/b2/"]);
    expect(await root.listPrefixes("")).toContain("cluster-a/");

    await store.delete("backups/b2/velero-backup.json");
    await store.delete("backups/b2/velero-backup.json"); // absent: not an error
    expect(await store.exists("backups/b2/velero-backup.json")).toBe(false);
    expect(await store.listPrefixes("backups/")).toEqual(["backups/b1/"]);

    expect(await store.deletePrefix("backups/")).toBe(2);
    expect(await store.list("backups/")).toEqual([]);
    expect(await store.list("")).toEqual(["restores/r1/restore-r1-logs.gz"]);
    expect(await store.deletePrefix("")).toBe(1);
    expect(await root.list("cluster-a/")).toEqual([]);
  });

  it("round-trips 2 MiB of binary byte-exact, and serves it from a signed URL", async () => {
    const data = crypto.randomBytes(2 * 1024 * 1024);
    await store.put("backups/big/big.tar.gz", data);
    const back = await store.get("backups/big/big.tar.gz");
    expect(back?.length).toBe(data.length);
    expect(back?.equals(data)).toBe(true);

    const url = await store.signedUrl("backups/big/big.tar.gz", 600);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
  });

  it("signs keys that need escaping", async () => {
    const key = "backups/odd name+1/a=b&c.json";
    await store.put(key, "odd");
    expect(await store.list("backups/odd name+1/")).toEqual([key]);
    const res = await fetch(await store.signedUrl(key, 60));
    expect(await res.text()).toBe("odd");
    await store.delete(key);
  });

  it("reports a missing bucket as NoSuchBucket", async () => {
    const missing = objectStoreFor(p.bsl("no-such-bucket", "x"), p.credentials(), p.options?.());
    expect((await storeError(missing.list("backups/"))).kind).toBe("NoSuchBucket");
    expect((await storeError(missing.listPrefixes("backups/"))).kind).toBe("NoSuchBucket");
    expect((await storeError(missing.get("backups/b1/velero-backup.json"))).kind).toBe("NoSuchBucket");
    expect((await storeError(missing.exists("backups/b1/velero-backup.json"))).kind).toBe("NoSuchBucket");
    expect((await storeError(missing.put("k", "v"))).kind).toBe("NoSuchBucket");
  });

  it("reports rejected credentials as AccessDenied", async () => {
    const denied = objectStoreFor(p.bsl("velero"), p.wrongCredentials(), p.options?.());
    const err = await storeError(denied.list(""));
    expect(err.kind).toBe("AccessDenied");
  });

  it("reports a closed port as Unreachable within a few seconds", { timeout: 8_000 }, async () => {
    const port = await closedPort();
    const gone = objectStoreFor(p.unreachable(port), p.credentials(), p.options?.());
    const err = await storeError(gone.list("backups/"));
    expect(err.kind).toBe("Unreachable");
    expect(err.message).toMatch(/unreachable/);
    expect((await storeError(gone.put("k", "v"))).kind).toBe("Unreachable");
  });

  it(
    "reports an endpoint that accepts connections but never answers as Unreachable after timeoutMs",
    { timeout: 8_000 },
    async () => {
      const sockets = new Set<net.Socket>();
      const silent = net.createServer((socket) => void sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = silent.address() as net.AddressInfo;
        const hung = objectStoreFor(p.unreachable(port), p.credentials(), { ...p.options?.(), timeoutMs: 500 });
        expect((await storeError(hung.exists("backups/b1/velero-backup.json"))).kind).toBe("Unreachable");
      } finally {
        for (const socket of sockets) socket.destroy();
        silent.close();
      }
    },
  );
});

describe("credentials as Velero's cloud-credentials file", () => {
  it("reads an AWS INI profile", async () => {
    const cloud = `[default]\naws_access_key_id=NOPE\naws_secret_access_key=x\n\n[sandbox]\naws_access_key_id = ${emu.s3.accessKeyId}\naws_secret_access_key = ${emu.s3.secretAccessKey}\n`;
    const config = { region: "us-east-1", s3Url: emu.s3.endpoint, s3ForcePathStyle: "true" };
    const ok = objectStoreFor(
      { provider: "velero.io/aws", bucket: "velero", prefix: "ini", config: { ...config, profile: "sandbox" } },
      { cloud },
    );
    await ok.put("metadata/probe", "1");
    expect(await ok.list("")).toEqual(["metadata/probe"]);
    const wrongProfile = objectStoreFor({ provider: "velero.io/aws", bucket: "velero", config }, { cloud });
    expect((await storeError(wrongProfile.list(""))).kind).toBe("AccessDenied");
  });

  it("reads an Azure env file with storageAccountKeyEnvVar, and a connection string", async () => {
    const cloud = `AZURE_SUBSCRIPTION_ID=00000000-0000-0000-0000-000000000000\nAZURE_CLOUD_NAME=AzurePublicCloud\nMY_KEY="${AZURITE_ACCOUNT_KEY}"\n`;
    const byEnv = objectStoreFor(
      {
        provider: "velero.io/azure",
        bucket: "velero",
        prefix: "env",
        config: {
          storageAccount: AZURITE_ACCOUNT_NAME,
          storageAccountURI: emu.azure!.blobEndpoint,
          storageAccountKeyEnvVar: "MY_KEY",
        },
      },
      { cloud },
    );
    await byEnv.put("metadata/probe", "1");
    const byConnectionString = objectStoreFor(
      { provider: "velero.io/azure", bucket: "velero", prefix: "env" },
      { connectionString: emu.azure!.connectionString },
    );
    expect(await byConnectionString.list("")).toEqual(["metadata/probe"]);
  });

  it("rejects an unknown provider and missing keys at construction", () => {
    expect(() => objectStoreFor({ provider: "velero.io/gcp", bucket: "b" }, {})).toThrow(StoreError);
    expect(() => objectStoreFor({ provider: "velero.io/aws", bucket: "b" }, {})).toThrow(/accessKeyId/);
    expect(() =>
      objectStoreFor({ provider: "velero.io/azure", bucket: "b", config: { storageAccount: "a", useAAD: "true" } }, {}),
    ).toThrow(/useAAD/);
  });
});

describe("a service principal, as velero-plugin-for-microsoft-azure uses one", () => {
  const bsl = (config: Record<string, string>): BslStorage => ({
    provider: "velero.io/azure",
    bucket: "velero",
    config,
  });

  it("signs in at the Entra ID stand-in and lists the account's keys there, with the file's principal", async () => {
    const store = objectStoreFor(bsl(listKeysConfig(emu.azure!.blobEndpoint)), { cloud: spFile() }, atEntra());
    await store.put("sp/probe", "1");
    // Shared Key with the listed key: the same blob, read with the account key as anyone holding it would.
    const byKey = objectStoreFor(
      { provider: "velero.io/azure", bucket: "velero", config: { storageAccount: AZURITE_ACCOUNT_NAME } },
      { connectionString: emu.azure!.connectionString },
    );
    expect((await byKey.get("sp/probe"))?.toString()).toBe("1");
    await byKey.delete("sp/probe");
    // The subscription may come from the file (AZURE_SUBSCRIPTION_ID), as in the plugin.
    const { subscriptionId: _, ...withoutSubscription } = listKeysConfig(emu.azure!.blobEndpoint);
    expect(await objectStoreFor(bsl(withoutSubscription), { cloud: spFile() }, atEntra()).list("sp/")).toEqual([]);
  });

  it("says why Entra ID refused the sign-in (AADSTS), never with the secret", async () => {
    const wrong = "not~the-secret-of-this-principal";
    const store = objectStoreFor(bsl(listKeysConfig(emu.azure!.blobEndpoint)), { cloud: spFile(wrong) }, atEntra());
    const err = await storeError(store.listPrefixes(""));
    expect(err.kind).toBe("AccessDenied");
    expect(err.message).toMatch(
      /^ClientSecretCredential authentication failed: POST .*RESPONSE 401: invalid_client: AADSTS7000215/,
    );
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(sp().clientSecret);
  });

  it("says what ARM answered when the account is not in the resource group", async () => {
    const store = objectStoreFor(
      bsl(listKeysConfig(emu.azure!.blobEndpoint, { resourceGroup: "rg-elsewhere" })),
      { cloud: spFile() },
      atEntra(),
    );
    const err = await storeError(store.list(""));
    expect(err.kind).toBe("Other");
    expect(err.message).toMatch(
      /error getting storage account key of devstoreaccount1: POST .*RESPONSE 404: ResourceNotFound/,
    );
  });

  it("reports an Entra ID that does not answer as Unreachable", async () => {
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const store = objectStoreFor(
      bsl(listKeysConfig(emu.azure!.blobEndpoint)),
      { cloud: spFile() },
      {
        azureAuthorityHost: closed,
        azureResourceManager: closed,
      },
    );
    expect((await storeError(store.list(""))).kind).toBe("Unreachable");
  });

  it("needs the resource group to list keys, and refuses useAAD over plain http as the plugin's SDK does", async () => {
    const { resourceGroup: _, ...withoutGroup } = listKeysConfig(emu.azure!.blobEndpoint);
    expect(() => objectStoreFor(bsl(withoutGroup), { cloud: spFile() }, atEntra())).toThrow(/config\.resourceGroup/);
    const aad = { storageAccount: AZURITE_ACCOUNT_NAME, storageAccountURI: emu.azure!.blobEndpoint, useAAD: "true" };
    expect(() => objectStoreFor(bsl(aad), { cloud: spFile() }, atEntra())).toThrow(AZURE_BEARER_OVER_HTTP);
    // storageAccountKeyEnvVar comes first: a key named there is used even with useAAD.
    const named = objectStoreFor(bsl({ ...aad, storageAccountKeyEnvVar: "AZURE_STORAGE_ACCOUNT_ACCESS_KEY" }), {
      cloud: `AZURE_STORAGE_ACCOUNT_ACCESS_KEY=${AZURITE_ACCOUNT_KEY}\n`,
    });
    expect(await named.list("nothing-here/")).toEqual([]);
  });

  it("keeps the sandbox's principal in its directory, so a console that stored it still signs in after a restart", () => {
    const { url: _url, ...stored } = sp();
    expect(sandboxPrincipal(dir)).toEqual(stored);
    expect(fs.statSync(path.join(dir, "entra-principal.json")).mode & 0o777).toBe(0o600);
    // The secret travels unquoted in Velero's credentials file (server/storage/azure/credentials-file.ts).
    expect(stored.clientSecret).toMatch(/^[A-Za-z0-9+/=._~:@-]{40}$/);
  });
});

describe("presignS3Url", () => {
  // The worked example of https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
  it("matches AWS's documented SigV4 query-signing example", () => {
    const url = presignS3Url({
      method: "GET",
      url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
      region: "us-east-1",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      expiresSeconds: 86400,
      now: new Date("2013-05-24T00:00:00Z"),
    });
    expect(url).toBe(
      "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z" +
        "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    );
  });
});

describe("startEmulators", () => {
  it("runs without Azurite when azurePort is null", async () => {
    const only = await startEmulators({ dir: path.join(dir, "s3-only"), azurePort: null, buckets: ["solo"] });
    try {
      expect(only.azure).toBeNull();
      expect(only.azuritePid).toBeNull();
      const store = objectStoreFor(
        { provider: "aws", bucket: "solo", config: { s3Url: only.s3.endpoint, s3ForcePathStyle: "true" } },
        { accessKeyId: only.s3.accessKeyId, secretAccessKey: only.s3.secretAccessKey },
      );
      await store.put("a", "b");
      expect(await store.list("")).toEqual(["a"]);
    } finally {
      await only.stop();
    }
  });

  it("stop() leaves no Azurite process behind", async () => {
    const pid = emu.azuritePid;
    expect(pid).toBeTypeOf("number");
    expect(() => process.kill(pid!, 0)).not.toThrow();
    await emu.stop();
    expect(() => process.kill(pid!, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
    await emu.stop(); // idempotent (afterAll calls it again)
  });
});
