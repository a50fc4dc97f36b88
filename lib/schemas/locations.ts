import { z } from "zod";
import { description, id, resourceName } from "./admin";

// Credentials and target locations: shapes shared by the forms, the routers and the location provider drivers
// (server/storage/providers), which validate a location's stored settings with the same schemas. Each provider adds one
// member to each union below; the discriminators are `kind` (credentials) and `provider` (locations).

// ---- credentials ------------------------------------------------------------------------------------------------------

/** An AWS access key pair (velero-plugin-for-aws reads it from an AWS credentials file). */
export const awsAccessKey = z.object({
  kind: z.literal("AWS_ACCESS_KEY"),
  accessKeyId: z.string().trim().min(1, "Enter the access key id").max(128),
  secretAccessKey: z.string().min(1, "Enter the secret access key").max(256),
});

/** Azure's clouds, by the names velero-plugin-for-microsoft-azure reads from AZURE_CLOUD_NAME. */
export const AZURE_CLOUDS = ["AzurePublicCloud", "AzureUSGovernmentCloud", "AzureChinaCloud"] as const;
export const azureCloud = z.enum(AZURE_CLOUDS);
export type AzureCloud = z.infer<typeof azureCloud>;

const storageAccountName = z
  .string()
  .trim()
  .regex(/^[a-z0-9]{3,24}$/, "A storage account name has 3 to 24 lowercase letters and digits");

/** A blob service endpoint ("" = the cloud's own, https://<account>.blob.core.windows.net): an http(s) URL, no query. */
export const blobEndpoint = z
  .string()
  .trim()
  .max(2048)
  .default("")
  .refine((v) => !v || blobEndpointProblem(v) === null, { message: "An http(s) URL without query or user" })
  .transform((v) => v.replace(/\/+$/, ""));

/** Why a blob endpoint is not one (null when it is). */
export function blobEndpointProblem(v: string): string | null {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return "not a URL";
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return "not http(s)";
  if (u.search || u.hash || u.username || u.password) return "a query, fragment or user";
  return null;
}

/**
 * An Azure storage account's access key (velero-plugin-for-microsoft-azure reads it from AZURE_STORAGE_ACCOUNT_ACCESS_KEY).
 * The account name, cloud and endpoint are kept in the clear; only the key is sealed.
 */
export const azureStorageKey = z.object({
  kind: z.literal("AZURE_STORAGE_KEY"),
  accountName: storageAccountName,
  cloud: azureCloud.default("AzurePublicCloud"),
  blobEndpoint,
  accountKey: z
    .string()
    .trim()
    .min(1, "Enter the account key")
    .max(512)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, "An account key is base64: letters, digits, '+', '/' and '=' at the end"),
});

/** A whole credential, by kind, as the code that uses it sees it (its secret fields sealed, the rest in the clear). */
export const credentialSecret = z.discriminatedUnion("kind", [awsAccessKey, azureStorageKey]);
export type CredentialSecret = z.infer<typeof credentialSecret>;
export type CredentialKind = CredentialSecret["kind"];
export const CREDENTIAL_KINDS = credentialSecret.options.map((o) => o.shape.kind.value) as [
  CredentialKind,
  ...CredentialKind[],
];
/** The Credential row's provider column. */
export const CREDENTIAL_PROVIDERS = ["AWS", "AZURE"] as const;

/** How the console names each kind of credential. */
export const CREDENTIAL_KIND_LABELS: Record<CredentialKind, string> = {
  AWS_ACCESS_KEY: "AWS access key (S3 and S3-compatible)",
  AZURE_STORAGE_KEY: "Azure storage account key",
};

/**
 * What a credential row keeps in the clear (its `config`): the kind, and every setting of that kind that is not secret.
 * An access key pair has none; an Azure key its account, cloud and endpoint.
 */
export const credentialConfig = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("AWS_ACCESS_KEY") }),
  azureStorageKey.omit({ accountKey: true }),
]);
export type CredentialConfig = z.infer<typeof credentialConfig>;

const credentialCommon = { name: resourceName, description };
export const credentialCreateInput = z.discriminatedUnion("kind", [
  awsAccessKey.extend(credentialCommon),
  azureStorageKey.extend(credentialCommon),
]);
export type CredentialCreateInput = z.input<typeof credentialCreateInput>;

/**
 * New keys for an existing credential (rotation), for the credential `id`: its kind's secret fields (the sealed ones);
 * what it keeps in the clear (an Azure key's account and cloud) stays.
 */
export const credentialRotateInput = z.discriminatedUnion("kind", [
  awsAccessKey.extend({ id }),
  azureStorageKey.pick({ kind: true, accountKey: true }).extend({ id }),
]);
export type CredentialRotateInput = z.input<typeof credentialRotateInput>;

// ---- location settings, by provider -----------------------------------------------------------------------------------

const bucketName = z
  .string()
  .trim()
  .min(3, "Bucket names have 3 to 63 characters")
  .max(63)
  .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, "Lowercase letters, digits, '.' and '-'");
const prefix = z
  .string()
  .trim()
  .max(512)
  .regex(/^([^/\s][^\s]*)?$/, "No leading '/' and no spaces")
  .transform((p) => p.replace(/\/+$/, ""))
  .default("");
const caBundle = z
  .string()
  .max(64 * 1024)
  .optional()
  .transform((v) => (v?.trim() ? v : undefined));

/** A bucket on AWS S3 or an S3-compatible store (MinIO, Ceph, …): what velero-plugin-for-aws needs to reach it. */
const s3Settings = {
  bucket: bucketName,
  prefix,
  region: z.string().trim().max(64).default(""),
  /** The endpoint URL (velero-plugin-for-aws's s3Url); "" for AWS S3's own. */
  endpoint: z.string().trim().max(2048).default(""),
  pathStyle: z.boolean().default(false),
  /** PEM certificates that sign the endpoint's certificate. */
  caBundle,
};
const pemOnly = (v: { caBundle?: string }, ctx: z.RefinementCtx) => {
  if (v.caBundle && !v.caBundle.includes("-----BEGIN CERTIFICATE-----"))
    ctx.addIssue({ code: "custom", path: ["caBundle"], message: "The CA bundle must be PEM certificates" });
};

export const awsS3Config = z.object({ provider: z.literal("AWS_S3"), ...s3Settings }).superRefine((v, ctx) => {
  if (!v.region) ctx.addIssue({ code: "custom", path: ["region"], message: "AWS S3 needs the bucket's region" });
  pemOnly(v, ctx);
});
export const s3CompatibleConfig = z
  .object({ provider: z.literal("S3_COMPATIBLE"), ...s3Settings })
  .superRefine((v, ctx) => {
    if (!v.endpoint)
      ctx.addIssue({ code: "custom", path: ["endpoint"], message: "S3-compatible storage needs its endpoint URL" });
    pemOnly(v, ctx);
  });

const guid = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i, "A GUID, e.g. 00000000-0000-0000-0000-000000000000");

/** An Azure Blob container: what velero-plugin-for-microsoft-azure needs to reach it (velero-api.md §6.2). */
const azureSettings = {
  storageAccount: storageAccountName,
  container: z
    .string()
    .trim()
    .min(3, "Container names have 3 to 63 characters")
    .max(63)
    .regex(/^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/, "Lowercase letters, digits and single '-'"),
  prefix,
  /** The storage account's resource group and subscription: optional with an account key (Velero does not need them). */
  resourceGroup: z
    .string()
    .trim()
    .max(90)
    .regex(/^([-\w.()]*[-\w()])?$/, "Letters, digits, '-', '_', '.', '(' and ')', not ending in '.'")
    .default(""),
  subscriptionId: z.union([guid, z.literal("")]).default(""),
  /** The blob service endpoint (Velero's storageAccountURI); filled from the credential when not given. */
  blobEndpoint,
};
export const azureBlobConfig = z.object({ provider: z.literal("AZURE_BLOB"), ...azureSettings });

/** A location's provider-specific settings: stored as the Location row's `config` (beside its `provider` column). */
export const locationConfig = z.discriminatedUnion("provider", [awsS3Config, s3CompatibleConfig, azureBlobConfig]);
export type LocationConfig = z.infer<typeof locationConfig>;
export type LocationKind = LocationConfig["provider"];
export const LOCATION_KINDS = locationConfig.options.map((o) => o.shape.provider.value) as [
  LocationKind,
  ...LocationKind[],
];

/** The credential kinds each kind of location may use (the drivers and the forms read this one list). */
export const LOCATION_CREDENTIAL_KINDS: Record<LocationKind, readonly CredentialKind[]> = {
  AWS_S3: ["AWS_ACCESS_KEY"],
  S3_COMPATIBLE: ["AWS_ACCESS_KEY"],
  AZURE_BLOB: ["AZURE_STORAGE_KEY"],
};

// ---- location inputs --------------------------------------------------------------------------------------------------

const locationCommon = { name: resourceName, credentialId: id };
/** A new location: its name and credential beside its provider's settings, flat (the form's fields keep their names). */
export const locationCreateInput = z.discriminatedUnion("provider", [
  awsS3Config.extend(locationCommon),
  s3CompatibleConfig.extend(locationCommon),
  azureBlobConfig.extend(locationCommon),
]);
export type LocationCreateInput = z.input<typeof locationCreateInput>;

/**
 * Changing a location: where in the store it points and with which keys; its name, provider and bucket (or storage
 * account and container) stay: another bucket is another location. `readOnly`, when given, sets the access mode of every
 * assignment (BSL accessMode). Validated again with the provider's schema once merged into the stored settings, and
 * probed before it is saved. `provider` must be the location's own.
 */
const updateCommon = { id, credentialId: id, prefix, readOnly: z.boolean().optional() };
const s3Update = {
  ...updateCommon,
  region: s3Settings.region,
  endpoint: s3Settings.endpoint,
  pathStyle: s3Settings.pathStyle,
  caBundle,
};
export const locationUpdateInput = z.discriminatedUnion("provider", [
  z.object({ provider: z.literal("AWS_S3"), ...s3Update }),
  z.object({ provider: z.literal("S3_COMPATIBLE"), ...s3Update }),
  z.object({
    provider: z.literal("AZURE_BLOB"),
    ...updateCommon,
    resourceGroup: azureSettings.resourceGroup,
    subscriptionId: azureSettings.subscriptionId,
    blobEndpoint,
  }),
]);
export type LocationUpdateInput = z.input<typeof locationUpdateInput>;

export const locationAssignInput = z.object({
  locationId: id,
  target: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("clusterGroup"), id }),
    z.object({ kind: z.literal("cluster"), id }),
  ]),
  readOnly: z.boolean().default(false),
});
