import { describe, expect, it } from "vitest";
import {
  azureBlobConfig,
  credentialCreateInput,
  locationCreateInput,
  locationUpdateInput,
} from "@/lib/schemas/locations";
import { AZURE_CONFIG_KEYS, azureBlobProvider, azureStorageKeyType, checkAzureBslConfig } from "./azure";
import { credentialConfigOf, credentialSecretOf, providerFor, splitCredential } from "./registry";
import { ProviderError } from "./types";

// The Azure Blob driver: what an Azure location becomes for velero-plugin-for-microsoft-azure (velero-api.md §6.2).
const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const key = {
  kind: "AZURE_STORAGE_KEY" as const,
  accountName: "acme",
  cloud: "AzurePublicCloud" as const,
  blobEndpoint: "",
  accountKey: KEY,
};
const config = azureBlobConfig.parse({
  provider: "AZURE_BLOB",
  storageAccount: "acme",
  container: "velero",
  prefix: "cluster-a/",
});

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a refusal");
}

describe("an Azure Blob location for Velero", () => {
  it("completes the endpoint from the credential's cloud, or keeps the one given", () => {
    expect(azureBlobProvider.complete!(config, key).blobEndpoint).toBe("https://acme.blob.core.windows.net");
    expect(azureBlobProvider.complete!(config, { ...key, cloud: "AzureChinaCloud" }).blobEndpoint).toBe(
      "https://acme.blob.core.chinacloudapi.cn",
    );
    expect(
      azureBlobProvider.complete!(config, { ...key, blobEndpoint: "http://127.0.0.1:10000/devstoreaccount1" })
        .blobEndpoint,
    ).toBe("http://127.0.0.1:10000/devstoreaccount1");
    const own = { ...config, blobEndpoint: "https://acme.privatelink.blob.core.windows.net" };
    expect(azureBlobProvider.complete!(own, key)).toEqual(own);
  });

  it("becomes a velero.io/azure BSL with the container as bucket and only the plugin's config keys", () => {
    const done = azureBlobProvider.complete!(
      { ...config, resourceGroup: "rg-backup", subscriptionId: "00000000-0000-0000-0000-000000000001" },
      key,
    );
    const bsl = azureBlobProvider.backupStorageLocation(done);
    expect(bsl).toEqual({
      provider: "velero.io/azure",
      objectStorage: { bucket: "velero", prefix: "cluster-a" },
      config: {
        storageAccount: "acme",
        storageAccountURI: "https://acme.blob.core.windows.net",
        storageAccountKeyEnvVar: "AZURE_STORAGE_ACCOUNT_ACCESS_KEY",
        resourceGroup: "rg-backup",
        subscriptionId: "00000000-0000-0000-0000-000000000001",
      },
    });
    for (const k of Object.keys(bsl.config)) expect(AZURE_CONFIG_KEYS.has(k)).toBe(true);
    // No CA bundle: the Azure plugin has no caCert key.
    expect(bsl.objectStorage).not.toHaveProperty("caCert");
  });

  it("refuses config keys the plugin does not accept, and a BSL without its account", () => {
    expect(thrown(() => checkAzureBslConfig({ storageAccount: "a", region: "x" }))).toBeInstanceOf(ProviderError);
    expect(thrown(() => checkAzureBslConfig({ storageAccountURI: "https://a" })).message).toContain("storage account");
  });

  it("writes the plugin's env-file credentials, naming the secret so no log shows it", () => {
    const file = azureBlobProvider.credentialsFile(key, config);
    expect(file.content).toContain(`AZURE_STORAGE_ACCOUNT_ACCESS_KEY=${KEY}`);
    expect(file.content).toContain("AZURE_CLOUD_NAME=AzurePublicCloud");
    expect(file.secrets).toContain(KEY);
  });

  it("refuses another account's key, and a credential of another kind, without quoting the key", () => {
    const other = { ...key, accountName: "other" };
    const e = thrown(() => azureBlobProvider.credentialsFile(other, config));
    expect(e.message).toContain("other");
    expect(e.message).not.toContain(KEY);
    expect(
      thrown(() =>
        azureBlobProvider.credentialsFile({ kind: "AWS_ACCESS_KEY", accessKeyId: "A", secretAccessKey: "B" }, config),
      ),
    ).toBeInstanceOf(ProviderError);
  });

  it("says where it points, for people", () => {
    expect(azureBlobProvider.describe(azureBlobProvider.complete!(config, key))).toBe(
      "azure://acme/velero/cluster-a · https://acme.blob.core.windows.net",
    );
  });
});

// Where Velero's files of an Azure location live (#14 §3): two locations with the same key share them.
describe("the storage key of an Azure location", () => {
  it("is the account, the container and the prefix without its slashes, whatever the endpoint", () => {
    expect(azureBlobProvider.storageKey(config)).toBe("azure:acme/velero/cluster-a");
    expect(azureBlobProvider.storageKey(azureBlobProvider.complete!(config, key))).toBe("azure:acme/velero/cluster-a");
    expect(azureBlobProvider.storageKey({ ...config, prefix: "" })).toBe("azure:acme/velero/");
  });

  it("counts the account's and the container's case and the prefix's slashes the same, not another prefix", () => {
    const k = azureBlobProvider.storageKey(config);
    for (const same of [
      { storageAccount: "ACME" },
      { container: "Velero" },
      { prefix: "cluster-a/" },
      { prefix: "/cluster-a" },
    ])
      expect(azureBlobProvider.storageKey({ ...config, ...same })).toBe(k);
    for (const other of [
      { storageAccount: "acme2" },
      { container: "velero-2" },
      { prefix: "cluster-b" },
      { prefix: "" },
    ])
      expect(azureBlobProvider.storageKey({ ...config, ...other })).not.toBe(k);
  });
});

describe("the Azure schemas", () => {
  it.each([
    ["an account name with capitals", { storageAccount: "Acme" }, "storageAccount"],
    ["a container with a double dash", { container: "ve--lero" }, "container"],
    ["a container of two letters", { container: "ve" }, "container"],
    ["a SAS URL as endpoint", { blobEndpoint: "https://acme.blob.core.windows.net/?sv=2020&sig=x" }, "blobEndpoint"],
    ["a subscription that is not a GUID", { subscriptionId: "my-sub" }, "subscriptionId"],
  ])("refuses %s", (_what, change, field) => {
    const r = locationCreateInput.safeParse({
      provider: "AZURE_BLOB",
      name: "az",
      credentialId: "c1",
      storageAccount: "acme",
      container: "velero",
      ...change,
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join("."))).toContain(field);
  });

  it("lets an Azure location change its prefix, group, subscription and endpoint, not its account or container", () => {
    const r = locationUpdateInput.parse({
      provider: "AZURE_BLOB",
      id: "l1",
      credentialId: "c1",
      prefix: "b",
      storageAccount: "other",
      container: "other",
    });
    expect(r).not.toHaveProperty("storageAccount");
    expect(r).not.toHaveProperty("container");
  });

  it("refuses an account key that is not base64", () => {
    const r = credentialCreateInput.safeParse({ ...key, name: "k", description: "", accountKey: "not a key!" });
    expect(r.success).toBe(false);
  });
});

describe("an Azure storage account key as a credential", () => {
  it("seals only the key; the account, cloud and endpoint stay in the clear", () => {
    const { sealed, config: clear } = splitCredential(key);
    expect(JSON.parse(sealed)).toEqual({ accountKey: KEY });
    expect(JSON.stringify(clear)).not.toContain(KEY);
    expect(clear).toEqual({
      kind: "AZURE_STORAGE_KEY",
      accountName: "acme",
      cloud: "AzurePublicCloud",
      blobEndpoint: "",
    });
    expect(credentialSecretOf(credentialConfigOf(clear), sealed)).toEqual(key);
  });

  it("shows the account, never the key", () => {
    expect(azureStorageKeyType.masked(key)).toBe("acme");
    expect(azureStorageKeyType.details({ ...key })).toBe("Storage account acme · AzurePublicCloud");
  });

  it("is what Azure Blob locations use, and only they", () => {
    expect(providerFor("AZURE_BLOB").credentialKinds).toEqual(["AZURE_STORAGE_KEY", "AZURE_SERVICE_PRINCIPAL"]);
    expect(providerFor("AWS_S3").credentialKinds).not.toContain("AZURE_STORAGE_KEY");
  });
});
