import {
  azureBlobConfig,
  LOCATION_CREDENTIAL_KINDS,
  type AzureCloud,
  type CredentialSecret,
} from "@/lib/schemas/locations";
import { defaultBlobEndpoint } from "../azure/client";
import { checkAzureAccountKey } from "../azure/account";
import { ACCOUNT_KEY_VAR, azureCredentialsFile, CredentialsFileError } from "../azure/credentials-file";
import { probeAzureLocation } from "../azure/probe";
import { ProviderError, type ConfigOf, type CredentialType, type LocationProvider } from "./types";

// The Azure Blob driver: a container in a storage account, served by velero-plugin-for-microsoft-azure with the
// account's access key (velero-api.md §6.2). The probe is server/storage/azure/probe.ts; here is what a location becomes
// for Velero. Lifeboat always writes storageAccountURI, so the plugin never asks Azure Resource Manager where the account
// is, and Velero reaches exactly the endpoint Lifeboat probed.

export const AZURE_PLUGIN = "velero/velero-plugin-for-microsoft-azure";

/** The BSL config keys velero-plugin-for-microsoft-azure accepts (Velero adds credentialsFile). Any other fails the BSL. */
export const AZURE_CONFIG_KEYS: ReadonlySet<string> = new Set([
  "resourceGroup",
  "storageAccount",
  "subscriptionId",
  "blockSizeInBytes",
  "storageAccountURI",
  "useAAD",
  "activeDirectoryAuthorityURI",
  "storageAccountKeyEnvVar",
]);

type AzureConfig = ConfigOf<"AZURE_BLOB">;
type AzureKey = Extract<CredentialSecret, { kind: "AZURE_STORAGE_KEY" }>;

/** Refuses BSL config the Azure plugin would not accept; `config` holds only the plugin's own keys. */
export function checkAzureBslConfig(config: Record<string, string>): void {
  for (const k of Object.keys(config))
    if (!AZURE_CONFIG_KEYS.has(k))
      throw new ProviderError(
        `The config key ${k} is not one velero-plugin-for-microsoft-azure accepts (${[...AZURE_CONFIG_KEYS].join(", ")})`,
      );
  if (!config.storageAccount) throw new ProviderError("An Azure location needs its storage account");
}

/** The BackupStorageLocation config for a location reached with an account key (velero-api.md §6.2). */
export function azureBslConfig(c: AzureConfig): Record<string, string> {
  const config: Record<string, string> = {
    storageAccount: c.storageAccount,
    storageAccountKeyEnvVar: ACCOUNT_KEY_VAR,
  };
  if (c.blobEndpoint) config.storageAccountURI = c.blobEndpoint;
  if (c.resourceGroup) config.resourceGroup = c.resourceGroup;
  if (c.subscriptionId) config.subscriptionId = c.subscriptionId;
  return config;
}

function keyOf(credential: CredentialSecret, c?: AzureConfig): AzureKey {
  if (credential.kind !== "AZURE_STORAGE_KEY")
    throw new ProviderError(
      `An Azure Blob location needs an Azure storage account key, not a ${String(credential.kind)} credential`,
    );
  if (c && credential.accountName !== c.storageAccount)
    throw new ProviderError(
      `The credential holds the key of storage account ${credential.accountName}, not of ${c.storageAccount}`,
    );
  return credential;
}

/** The endpoint a key reaches its account at: the one it was given, else its cloud's own. */
export const keyEndpoint = (k: { accountName: string; cloud: AzureCloud; blobEndpoint: string }) =>
  k.blobEndpoint || defaultBlobEndpoint(k.accountName, k.cloud);

export const azureBlobProvider: LocationProvider<"AZURE_BLOB"> = {
  kind: "AZURE_BLOB",
  label: "Azure Blob",
  credentialKinds: LOCATION_CREDENTIAL_KINDS.AZURE_BLOB,
  configSchema: azureBlobConfig,
  requiredPlugin: AZURE_PLUGIN,
  // The endpoint is the credential's (or its cloud's) unless the location names one: stored, so the BSL never varies.
  complete: (c, credential) =>
    c.blobEndpoint || credential.kind !== "AZURE_STORAGE_KEY" ? c : { ...c, blobEndpoint: keyEndpoint(credential) },
  describe: (c) =>
    [`azure://${c.storageAccount}/${c.container}/${c.prefix}`, c.blobEndpoint, c.resourceGroup]
      .filter(Boolean)
      .join(" · "),
  async probe(c, credential, opts) {
    let key: AzureKey;
    try {
      key = keyOf(credential, c);
    } catch (e) {
      return { ok: false, steps: [], failure: "InvalidCredentials", message: (e as Error).message };
    }
    const endpoint = c.blobEndpoint || keyEndpoint(key);
    const r = await probeAzureLocation(
      { endpoint, accountName: c.storageAccount, container: c.container, prefix: c.prefix || undefined },
      { accountKey: key.accountKey },
      opts,
    );
    if (!r.ok) return { ...r, message: `The container could not be used (${r.failure}): ${r.message}` };
    return {
      ok: true,
      steps: r.steps,
      message:
        `Reached the container: properties, list, write and delete under ${c.prefix || "the container root"} succeeded. ` +
        "Velero may own backups, restores, kopia there.",
    };
  },
  backupStorageLocation(c) {
    const config = azureBslConfig(c);
    checkAzureBslConfig(config);
    return {
      provider: "velero.io/azure",
      objectStorage: { bucket: c.container, ...(c.prefix ? { prefix: c.prefix } : {}) },
      config,
    };
  },
  credentialsFile(credential, c) {
    const key = keyOf(credential, c);
    try {
      return azureCredentialsFile({ kind: "AZURE_STORAGE_KEY", accountKey: key.accountKey, cloud: key.cloud });
    } catch (e) {
      if (e instanceof CredentialsFileError) throw new ProviderError(e.message);
      throw e;
    }
  },
};

export const azureStorageKeyType: CredentialType<"AZURE_STORAGE_KEY"> = {
  kind: "AZURE_STORAGE_KEY",
  provider: "AZURE",
  sealPurpose: "azure-credential",
  sealedFields: ["accountKey"],
  masked: (s) => s.accountName,
  details: (c) => [`Storage account ${c.accountName}`, c.cloud, c.blobEndpoint].filter(Boolean).join(" · "),
  check: (s, opts) =>
    checkAzureAccountKey({ endpoint: keyEndpoint(s), accountName: s.accountName }, { accountKey: s.accountKey }, opts),
};
