import { PLUGIN_REPOSITORIES } from "@/lib/velero/versions";
import {
  azureAuthIssues,
  azureBlobConfig,
  LOCATION_CREDENTIAL_KINDS,
  type AzureCloud,
  type CredentialSecret,
} from "@/lib/schemas/locations";
import { AadError, ServicePrincipalCredential, cloudEndpoints } from "../azure/aad";
import { defaultBlobEndpoint } from "../azure/client";
import { checkAzureAccountKey } from "../azure/account";
import { ACCOUNT_KEY_VAR, azureCredentialsFile, CredentialsFileError } from "../azure/credentials-file";
import { probeAzureLocation, type AzureProbeResult } from "../azure/probe";
import { checkServicePrincipal, listAccountKey } from "../azure/service-principal";
import {
  ProviderError,
  prefixKey,
  type ConfigOf,
  type CredentialType,
  type LocationProbe,
  type LocationProvider,
} from "./types";
import { redactSecrets } from "../probe-steps";

// The Azure Blob driver: a container in a storage account, served by velero-plugin-for-microsoft-azure with the
// account's access key or a service principal (velero-api.md §6.2). The probe is server/storage/azure/probe.ts; here is
// what a location becomes for Velero. Lifeboat always writes storageAccountURI, so the plugin never asks Azure Resource
// Manager where the account is, and Velero reaches exactly the endpoint Lifeboat probed. A location records the kind of
// credential it was completed with (`credentialKind`), because the BSL differs: an account key's variable
// (storageAccountKeyEnvVar), an Entra ID token (useAAD), or the keys read through ARM (resourceGroup, subscriptionId).

export const AZURE_PLUGIN = PLUGIN_REPOSITORIES["velero.io/azure"];

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
type AzureServicePrincipal = Extract<CredentialSecret, { kind: "AZURE_SERVICE_PRINCIPAL" }>;
type AzureCredential = AzureKey | AzureServicePrincipal;

/** Refuses BSL config the Azure plugin would not accept; `config` holds only the plugin's own keys. */
export function checkAzureBslConfig(config: Record<string, string>): void {
  for (const k of Object.keys(config))
    if (!AZURE_CONFIG_KEYS.has(k))
      throw new ProviderError(
        `The config key ${k} is not one velero-plugin-for-microsoft-azure accepts (${[...AZURE_CONFIG_KEYS].join(", ")})`,
      );
  if (!config.storageAccount) throw new ProviderError("An Azure location needs its storage account");
}

/**
 * The BackupStorageLocation config (velero-api.md §6.2): with an account key, the variable of the credentials file that
 * holds it; with a service principal, useAAD "true" (an Entra ID token), or nothing of the kind, so that the plugin
 * reads the keys through ARM in the resource group and subscription, which it then needs.
 */
export function azureBslConfig(c: AzureConfig): Record<string, string> {
  const issues = azureAuthIssues(c);
  if (issues.length) throw new ProviderError(issues.map((i) => i.message).join("; "));
  const config: Record<string, string> = { storageAccount: c.storageAccount };
  if (c.credentialKind === "AZURE_STORAGE_KEY") config.storageAccountKeyEnvVar = ACCOUNT_KEY_VAR;
  else if (c.useAAD) config.useAAD = "true";
  if (c.blobEndpoint) config.storageAccountURI = c.blobEndpoint;
  if (c.resourceGroup) config.resourceGroup = c.resourceGroup;
  if (c.subscriptionId) config.subscriptionId = c.subscriptionId;
  return config;
}

/**
 * The credential as an Azure location may use it: an account key of the location's own account (a service principal
 * may reach any account its roles allow), of the kind the location was completed with.
 */
function azureCredentialOf(credential: CredentialSecret, c?: AzureConfig): AzureCredential {
  if (credential.kind !== "AZURE_STORAGE_KEY" && credential.kind !== "AZURE_SERVICE_PRINCIPAL")
    throw new ProviderError(
      `An Azure Blob location needs an Azure storage account key or service principal, not a ${String(credential.kind)} credential`,
    );
  if (c && credential.kind !== c.credentialKind)
    throw new ProviderError(`The location was set up for an ${c.credentialKind} credential, not an ${credential.kind}`);
  if (c && credential.kind === "AZURE_STORAGE_KEY" && credential.accountName !== c.storageAccount)
    throw new ProviderError(
      `The credential holds the key of storage account ${credential.accountName}, not of ${c.storageAccount}`,
    );
  return credential;
}

/** The endpoint a key reaches its account at: the one it was given, else its cloud's own. */
export const keyEndpoint = (k: { accountName: string; cloud: AzureCloud; blobEndpoint: string }) =>
  k.blobEndpoint || defaultBlobEndpoint(k.accountName, k.cloud);

/** A probe's result in the driver's words. */
function asLocationProbe(c: AzureConfig, r: AzureProbeResult, how: string): LocationProbe {
  if (!r.ok) return { ...r, message: `The container could not be used (${r.failure}): ${r.message}` };
  return {
    ok: true,
    steps: r.steps,
    message:
      `Reached the container${how}: properties, list, write and delete under ${c.prefix || "the container root"} ` +
      "succeeded. Velero may own backups, restores, kopia there.",
  };
}

/**
 * Probes with a service principal the way Velero's plugin will reach the container: with an Entra ID token (useAAD),
 * or with the key ARM lists for the account (ListKeys), then as with any account key.
 */
async function probeWithServicePrincipal(
  c: AzureConfig,
  sp: AzureServicePrincipal,
  opts?: { timeoutMs?: number },
): Promise<LocationProbe> {
  const credential = new ServicePrincipalCredential(sp, opts);
  const endpoint = c.blobEndpoint || defaultBlobEndpoint(c.storageAccount, sp.cloud);
  const loc = { endpoint, accountName: c.storageAccount, container: c.container, prefix: c.prefix || undefined };
  if (c.useAAD)
    return asLocationProbe(
      c,
      await probeAzureLocation(loc, { tokenCredential: credential, secrets: [sp.clientSecret] }, opts),
      " with an Entra ID token",
    );
  let accountKey: string;
  try {
    accountKey = await listAccountKey(credential, sp, {
      subscriptionId: c.subscriptionId,
      resourceGroup: c.resourceGroup,
      accountName: c.storageAccount,
    });
  } catch (e) {
    const redact = redactSecrets([sp.clientSecret]);
    const why = e instanceof AadError ? e : new AadError("Other", "Reading the account keys failed");
    return {
      ok: false,
      steps: [],
      failure: why.failure,
      message: `The account keys could not be read through Azure Resource Manager (${why.failure}): ${redact(why.message)}`,
    };
  }
  const r = await probeAzureLocation(loc, { accountKey }, opts);
  return asLocationProbe(
    c,
    r.ok ? r : { ...r, message: redactSecrets([accountKey, sp.clientSecret])(r.message) },
    " with a key read through Azure Resource Manager",
  );
}

export const azureBlobProvider: LocationProvider<"AZURE_BLOB"> = {
  kind: "AZURE_BLOB",
  label: "Azure Blob",
  credentialKinds: LOCATION_CREDENTIAL_KINDS.AZURE_BLOB,
  configSchema: azureBlobConfig,
  requiredPlugin: AZURE_PLUGIN,
  // The endpoint is the credential's (or its cloud's) unless the location names one: stored, so the BSL never varies;
  // so is the kind of credential, which decides how Velero signs in.
  complete: (c, credential) => {
    if (credential.kind === "AZURE_STORAGE_KEY")
      return { ...c, credentialKind: credential.kind, blobEndpoint: c.blobEndpoint || keyEndpoint(credential) };
    if (credential.kind === "AZURE_SERVICE_PRINCIPAL")
      return {
        ...c,
        credentialKind: credential.kind,
        blobEndpoint: c.blobEndpoint || defaultBlobEndpoint(c.storageAccount, credential.cloud),
      };
    return c;
  },
  // Storage account names are global within a cloud.
  storageKey: (c) => `azure:${c.storageAccount.toLowerCase()}/${c.container.toLowerCase()}/${prefixKey(c.prefix)}`,
  describe: (c) =>
    [
      `azure://${c.storageAccount}/${c.container}/${c.prefix}`,
      c.blobEndpoint,
      c.resourceGroup,
      c.credentialKind === "AZURE_SERVICE_PRINCIPAL" ? (c.useAAD ? "Entra ID token" : "keys through ARM") : "",
    ]
      .filter(Boolean)
      .join(" · "),
  async probe(c, credential, opts) {
    let azure: AzureCredential;
    try {
      azure = azureCredentialOf(credential, c);
    } catch (e) {
      return { ok: false, steps: [], failure: "InvalidCredentials", message: (e as Error).message };
    }
    const issues = azureAuthIssues(c);
    if (issues.length)
      return { ok: false, steps: [], failure: "Other", message: issues.map((i) => i.message).join("; ") };
    if (azure.kind === "AZURE_SERVICE_PRINCIPAL") return probeWithServicePrincipal(c, azure, opts);
    const endpoint = c.blobEndpoint || keyEndpoint(azure);
    const r = await probeAzureLocation(
      { endpoint, accountName: c.storageAccount, container: c.container, prefix: c.prefix || undefined },
      { accountKey: azure.accountKey },
      opts,
    );
    return asLocationProbe(c, r, "");
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
    const azure = azureCredentialOf(credential, c);
    try {
      return azureCredentialsFile(
        azure.kind === "AZURE_STORAGE_KEY"
          ? { kind: "AZURE_STORAGE_KEY", accountKey: azure.accountKey, cloud: azure.cloud }
          : {
              kind: "AZURE_SERVICE_PRINCIPAL",
              tenantId: azure.tenantId,
              clientId: azure.clientId,
              clientSecret: azure.clientSecret,
              subscriptionId: azure.subscriptionId,
              resourceGroup: azure.resourceGroup,
              cloud: azure.cloud,
            },
      );
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

export const azureServicePrincipalType: CredentialType<"AZURE_SERVICE_PRINCIPAL"> = {
  kind: "AZURE_SERVICE_PRINCIPAL",
  provider: "AZURE",
  sealPurpose: "azure-credential",
  sealedFields: ["clientSecret"],
  masked: (s) => s.clientId,
  details: (c) =>
    [`Tenant ${c.tenantId}`, `subscription ${c.subscriptionId}`, `resource group ${c.resourceGroup}`, c.cloud].join(
      " · ",
    ),
  // The credentials file must carry every value (checked before anything is asked of Entra ID).
  check: async (s, opts) => {
    try {
      azureCredentialsFile({ ...s, kind: "AZURE_SERVICE_PRINCIPAL" });
    } catch (e) {
      if (e instanceof CredentialsFileError) return { ok: false, failure: "Other", message: e.message };
      throw e;
    }
    try {
      cloudEndpoints(s.cloud);
    } catch (e) {
      if (e instanceof AadError) return { ok: false, failure: e.failure, message: e.message };
      throw e;
    }
    return checkServicePrincipal(s, opts);
  },
};
