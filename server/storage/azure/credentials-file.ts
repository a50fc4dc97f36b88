import type { AzureCloud } from "./client";

// The credentials file velero-plugin-for-microsoft-azure reads (the Secret key "cloud"; plan #11 §3.1): KEY=VALUE lines
// that Velero loads with godotenv — 1.3 in Velero, 1.4 in the plugin, 1.5 in newer builds. Each version reads a value
// differently, so a value is written in the one form all of them read back verbatim, or refused:
//   - plain when it holds only [A-Za-z0-9+/=._~:@-] (account keys, ids, most client secrets), since godotenv expands
//     $VAR in unquoted and double-quoted values and cuts a " #…" comment from unquoted ones;
//   - otherwise single-quoted, where nothing is expanded or cut;
//   - refused when no form carries it: a single quote, CR, LF or NUL anywhere; a trailing backslash (1.5 reads \' as
//     an escaped quote); both '"' and '#' (1.3/1.4 strip comments by counting quotes between hashes); a plain value
//     ending in "---" is quoted (1.5 drops "---\n" as a YAML document marker).
// The error names the variable and what is wrong, never the value.

/** The variable the BSL's storageAccountKeyEnvVar names (the plugin README's own name for it). */
export const ACCOUNT_KEY_VAR = "AZURE_STORAGE_ACCOUNT_ACCESS_KEY";

export interface AzureStorageKeyInput {
  kind: "AZURE_STORAGE_KEY";
  accountKey: string;
  cloud: AzureCloud;
}
export interface AzureServicePrincipalInput {
  kind: "AZURE_SERVICE_PRINCIPAL";
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  resourceGroup: string;
  cloud: AzureCloud;
}
export type AzureCredentialInput = AzureStorageKeyInput | AzureServicePrincipalInput;

/** A value (or variable name) the credentials file cannot carry; the message never holds the value. */
export class CredentialsFileError extends Error {
  constructor(
    message: string,
    /** The variable whose value was refused. */
    readonly variable: string,
  ) {
    super(message);
    this.name = "CredentialsFileError";
  }
}

const NAME = /^[A-Z_][A-Z0-9_]*$/;
const PLAIN = /^[A-Za-z0-9+/=._~:@-]*$/;
const CLOUDS: ReadonlySet<string> = new Set<AzureCloud>([
  "AzurePublicCloud",
  "AzureUSGovernmentCloud",
  "AzureChinaCloud",
]);

/** Why a value cannot be written at all, or null. */
function unwritable(value: string): string | null {
  if (value.includes("'")) return "a single quote";
  if (/[\r\n]/.test(value)) return "a line break";
  if (value.includes("\0")) return "a NUL character";
  if (value.endsWith("\\")) return "a trailing backslash";
  if (value.includes('"') && value.includes("#")) return 'both a double quote and "#"';
  return null;
}

/** One KEY=VALUE line every godotenv version reads back as `value`; throws a CredentialsFileError otherwise. */
export function envLine(key: string, value: string): string {
  if (!NAME.test(key)) throw new CredentialsFileError("The variable name must match [A-Z_][A-Z0-9_]*", key);
  if (PLAIN.test(value) && !value.endsWith("---")) return `${key}=${value}\n`;
  const why = unwritable(value);
  if (why)
    throw new CredentialsFileError(
      `${key} holds ${why}, which the Azure credentials file (godotenv) cannot carry; choose another value`,
      key,
    );
  return `${key}='${value}'\n`;
}

function cloudLines(cloud: AzureCloud): string {
  if (!CLOUDS.has(cloud))
    throw new CredentialsFileError("AZURE_CLOUD_NAME must name an Azure cloud", "AZURE_CLOUD_NAME");
  // AZURE_ENVIRONMENT is what the Azure SDK for Go reads for the authority in sovereign clouds; public needs none.
  return envLine("AZURE_CLOUD_NAME", cloud) + (cloud === "AzurePublicCloud" ? "" : envLine("AZURE_ENVIRONMENT", cloud));
}

/** The plugin's credentials file for an account key or a service principal, and the secrets it holds. */
export function azureCredentialsFile(cred: AzureCredentialInput): { content: string; secrets: string[] } {
  if (cred.kind === "AZURE_STORAGE_KEY")
    return { content: envLine(ACCOUNT_KEY_VAR, cred.accountKey) + cloudLines(cred.cloud), secrets: [cred.accountKey] };
  return {
    content:
      envLine("AZURE_SUBSCRIPTION_ID", cred.subscriptionId) +
      envLine("AZURE_TENANT_ID", cred.tenantId) +
      envLine("AZURE_CLIENT_ID", cred.clientId) +
      envLine("AZURE_CLIENT_SECRET", cred.clientSecret) +
      envLine("AZURE_RESOURCE_GROUP", cred.resourceGroup) +
      cloudLines(cred.cloud),
    secrets: [cred.clientSecret],
  };
}
