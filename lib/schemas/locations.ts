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

const guid = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i, "A GUID, e.g. 00000000-0000-0000-0000-000000000000");
const GUID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{4,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/** An Azure resource group name (1 to 90: letters, digits, "-", "_", ".", "(", ")", not ending in "."). */
const resourceGroupName = z
  .string()
  .trim()
  .max(90)
  .regex(/^([-\w.()]*[-\w()])?$/, "Letters, digits, '-', '_', '.', '(' and ')', not ending in '.'");

const storageAccountName = z
  .string()
  .trim()
  .regex(/^[a-z0-9]{3,24}$/, "A storage account name has 3 to 24 lowercase letters and digits");

/** Why an endpoint is not an http(s) URL without query, fragment or user (null when it is one). */
export function endpointUrlProblem(v: string): string | null {
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

/** An endpoint URL, or "" for the service's own: http(s), no query or user, without a trailing "/". */
const endpointUrl = () =>
  z
    .string()
    .trim()
    .max(2048)
    .default("")
    .refine((v) => !v || endpointUrlProblem(v) === null, { message: "An http(s) URL without query or user" })
    .transform((v) => v.replace(/\/+$/, ""));

/** A blob service endpoint ("" = the cloud's own, https://<account>.blob.core.windows.net). */
export const blobEndpoint = endpointUrl();

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

/**
 * An Entra ID (Azure AD) application's service principal with a client secret, the one sealed field. Velero's plugin
 * signs in with it (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET) and then reaches the blobs with a token
 * (a location's useAAD) or reads the account keys through Azure Resource Manager (ListKeys). The subscription and
 * resource group are the plugin's AZURE_SUBSCRIPTION_ID and AZURE_RESOURCE_GROUP; the check on save reads the group.
 */
export const azureServicePrincipal = z.object({
  kind: z.literal("AZURE_SERVICE_PRINCIPAL"),
  tenantId: z
    .string()
    .trim()
    .min(1, "Enter the directory (tenant) id")
    .refine((v) => GUID.test(v) || DOMAIN.test(v), {
      message: "The directory (tenant) id: a GUID, or a domain such as contoso.onmicrosoft.com",
    }),
  clientId: guid.describe("The application (client) id"),
  subscriptionId: guid,
  resourceGroup: resourceGroupName.min(1, "Enter the resource group"),
  cloud: azureCloud.default("AzurePublicCloud"),
  clientSecret: z.string().trim().min(1, "Enter the client secret").max(1024),
});

// The AWS account Lifeboat provisions in (CloudFormation, IAM, STS): never Velero's, so no location kind lists these
// kinds and they are never written to a cluster. Who the account and the principal are is not typed in: the check on
// save (STS GetCallerIdentity) finds it, and the stored credential keeps it.

/** An AWS API endpoint ("" = AWS itself; an AWS-compatible API such as moto in tests). */
export const awsEndpoint = endpointUrl();
/** The region Lifeboat calls STS (and IAM) in. */
export const awsRegion = z
  .string()
  .trim()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, "An AWS region, e.g. us-east-1")
  .default("us-east-1");
/** Who an AWS account credential is, as STS GetCallerIdentity answered when it was checked. */
const awsIdentity = {
  accountId: z.string().regex(/^\d{12}$/, "An AWS account id has 12 digits"),
  arn: z.string().min(1).max(2048),
};

/** An AWS account's access key, as given (its account and principal are found when it is checked). */
export const awsAccountKeyDraft = z.object({
  kind: z.literal("AWS_ACCOUNT_KEY"),
  accessKeyId: awsAccessKey.shape.accessKeyId,
  secretAccessKey: awsAccessKey.shape.secretAccessKey,
  endpoint: awsEndpoint,
  region: awsRegion,
});
export const awsAccountKey = awsAccountKeyDraft.extend(awsIdentity);

/**
 * A role in an AWS account, assumed with the keys of another credential (an AWS_ACCOUNT_KEY, its source) and an
 * external id, which is the one sealed field. Lifeboat always sends the external id.
 */
export const awsAccountRoleDraft = z.object({
  kind: z.literal("AWS_ACCOUNT_ROLE"),
  roleArn: z
    .string()
    .trim()
    .regex(
      /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
      "A role ARN, e.g. arn:aws:iam::123456789012:role/lifeboat-provisioner",
    ),
  sourceCredentialId: id,
  sessionName: z
    .string()
    .trim()
    .regex(/^[\w+=,.@-]{2,64}$/, "2 to 64 letters, digits and '+=,.@_-'")
    .default("lifeboat"),
  externalId: z
    .string()
    .trim()
    .min(2, "An external id has at least 2 characters")
    .max(1224)
    .regex(/^[\w+=,.@:/-]+$/, "Letters, digits and '+=,.@:/_-'"),
  endpoint: awsEndpoint,
  region: awsRegion,
});
export const awsAccountRole = awsAccountRoleDraft.extend(awsIdentity);

/** A whole credential, by kind, as the code that uses it sees it (its secret fields sealed, the rest in the clear). */
export const credentialSecret = z.discriminatedUnion("kind", [
  awsAccessKey,
  azureStorageKey,
  azureServicePrincipal,
  awsAccountKey,
  awsAccountRole,
]);
export type CredentialSecret = z.infer<typeof credentialSecret>;
export type CredentialKind = CredentialSecret["kind"];
export const CREDENTIAL_KINDS = credentialSecret.options.map((o) => o.shape.kind.value) as [
  CredentialKind,
  ...CredentialKind[],
];
/** The Credential row's provider column. */
export const CREDENTIAL_PROVIDERS = ["AWS", "AZURE"] as const;

/**
 * A credential as the operator gives it: the whole, but for what checking it on save finds out (an AWS account
 * credential's account id and principal ARN). For the other kinds it is the whole.
 */
export const credentialDraft = z.discriminatedUnion("kind", [
  awsAccessKey,
  azureStorageKey,
  azureServicePrincipal,
  awsAccountKeyDraft,
  awsAccountRoleDraft,
]);
export type CredentialDraft = z.infer<typeof credentialDraft>;

/** How the console names each kind of credential. */
export const CREDENTIAL_KIND_LABELS: Record<CredentialKind, string> = {
  AWS_ACCESS_KEY: "AWS access key (S3 and S3-compatible)",
  AZURE_STORAGE_KEY: "Azure storage account key",
  AZURE_SERVICE_PRINCIPAL: "Azure service principal",
  AWS_ACCOUNT_KEY: "AWS account (access key)",
  AWS_ACCOUNT_ROLE: "AWS account (role)",
};

/**
 * What a credential row keeps in the clear (its `config`): the kind, and every setting of that kind that is not secret.
 * An access key pair for Velero has none; an Azure key its account, cloud and endpoint; an AWS account credential its
 * endpoint, region, account id and principal (and a role its ARN, source credential and session name).
 */
export const credentialConfig = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("AWS_ACCESS_KEY") }),
  azureStorageKey.omit({ accountKey: true }),
  azureServicePrincipal.omit({ clientSecret: true }),
  awsAccountKey.omit({ accessKeyId: true, secretAccessKey: true }),
  awsAccountRole.omit({ externalId: true }),
]);
export type CredentialConfig = z.infer<typeof credentialConfig>;

const credentialCommon = { name: resourceName, description };
/** A new credential: its name and description beside its kind's draft, flat. */
export const credentialCreateInput = z.discriminatedUnion("kind", [
  awsAccessKey.extend(credentialCommon),
  azureStorageKey.extend(credentialCommon),
  azureServicePrincipal.extend(credentialCommon),
  awsAccountKeyDraft.extend(credentialCommon),
  awsAccountRoleDraft.extend(credentialCommon),
]);
export type CredentialCreateInput = z.input<typeof credentialCreateInput>;

/**
 * New keys for an existing credential (rotation), for the credential `id`: its kind's secret fields (the sealed ones);
 * what it keeps in the clear (an Azure key's account and cloud, an AWS account credential's endpoint) stays, and what
 * a check finds (an AWS account's principal) is found again.
 */
export const credentialRotateInput = z.discriminatedUnion("kind", [
  awsAccessKey.extend({ id }),
  azureStorageKey.pick({ kind: true, accountKey: true }).extend({ id }),
  azureServicePrincipal.pick({ kind: true, clientSecret: true }).extend({ id }),
  awsAccountKey.pick({ kind: true, accessKeyId: true, secretAccessKey: true }).extend({ id }),
  awsAccountRole.pick({ kind: true, externalId: true }).extend({ id }),
]);
export type CredentialRotateInput = z.input<typeof credentialRotateInput>;

// ---- location settings, by provider -----------------------------------------------------------------------------------

const bucketName = z
  .string()
  .trim()
  .min(3, "Bucket names have 3 to 63 characters")
  .max(63)
  .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, "Lowercase letters, digits, '.' and '-'");
/** A folder in the bucket (or container) for Velero's files: no leading '/', trailing ones dropped. */
export const locationPrefix = z
  .string()
  .trim()
  .max(512)
  .regex(/^([^/\s][^\s]*)?$/, "No leading '/' and no spaces")
  .transform((p) => p.replace(/\/+$/, ""))
  .default("");
const prefix = locationPrefix;
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
  /**
   * The storage account's resource group and subscription: optional with an account key (Velero does not need them),
   * and with a service principal that uses an Entra ID token; required for one that reads the account keys (ListKeys).
   */
  resourceGroup: resourceGroupName.default(""),
  subscriptionId: z.union([guid, z.literal("")]).default(""),
  /** The blob service endpoint (Velero's storageAccountURI); filled from the credential when not given. */
  blobEndpoint,
  /**
   * With a service principal: true, Velero and Lifeboat reach the blobs with an Entra ID token (the principal needs the
   * Storage Blob Data Contributor role); false, they read the account keys through Azure Resource Manager (ListKeys, in
   * the resource group and subscription above) and use a key. An account key credential ignores it.
   */
  useAAD: z.boolean().default(true),
};

/** The Azure credential kinds, as a location records which one it was completed with. */
export const AZURE_LOCATION_CREDENTIAL_KINDS = ["AZURE_STORAGE_KEY", "AZURE_SERVICE_PRINCIPAL"] as const;

/** Why an Azure location's settings do not fit the kind of its credential: one issue per field, in its words. */
export function azureAuthIssues(c: {
  credentialKind: (typeof AZURE_LOCATION_CREDENTIAL_KINDS)[number];
  useAAD: boolean;
  resourceGroup: string;
  subscriptionId: string;
}): { path: "resourceGroup" | "subscriptionId"; message: string }[] {
  if (c.credentialKind !== "AZURE_SERVICE_PRINCIPAL" || c.useAAD) return [];
  const why =
    "without an Entra ID token, Velero reads the account keys through Azure Resource Manager (ListKeys) there";
  return [
    ...(c.resourceGroup
      ? []
      : [{ path: "resourceGroup" as const, message: `Enter the storage account's resource group: ${why}` }]),
    ...(c.subscriptionId
      ? []
      : [{ path: "subscriptionId" as const, message: `Enter the storage account's subscription id: ${why}` }]),
  ];
}

/** An Azure location's settings as given (the form, location.create). */
const azureBlobSettings = z.object({ provider: z.literal("AZURE_BLOB"), ...azureSettings });
/**
 * An Azure location's settings as stored: as given, plus the kind of credential it was completed with (the driver's
 * `complete` sets it from the credential), because what Velero gets depends on it: an account key's variable, an Entra
 * ID token (useAAD) or ListKeys. Rows from before service principals hold account keys.
 */
export const azureBlobConfig = azureBlobSettings
  .extend({ credentialKind: z.enum(AZURE_LOCATION_CREDENTIAL_KINDS).default("AZURE_STORAGE_KEY") })
  .superRefine((v, ctx) => {
    for (const i of azureAuthIssues(v)) ctx.addIssue({ code: "custom", path: [i.path], message: i.message });
  });

/** A location's provider-specific settings: stored as the Location row's `config` (beside its `provider` column). */
export const locationConfig = z.discriminatedUnion("provider", [awsS3Config, s3CompatibleConfig, azureBlobConfig]);
export type LocationConfig = z.infer<typeof locationConfig>;
export type LocationKind = LocationConfig["provider"];
export const LOCATION_KINDS = locationConfig.options.map((o) => o.shape.provider.value) as [
  LocationKind,
  ...LocationKind[],
];

/**
 * The credential kinds each kind of location may use (the drivers and the forms read this one list). The AWS account
 * kinds are in none: Lifeboat uses them itself and never writes them to a cluster.
 */
export const LOCATION_CREDENTIAL_KINDS: Record<LocationKind, readonly CredentialKind[]> = {
  AWS_S3: ["AWS_ACCESS_KEY"],
  S3_COMPATIBLE: ["AWS_ACCESS_KEY"],
  AZURE_BLOB: AZURE_LOCATION_CREDENTIAL_KINDS,
};

// ---- location inputs --------------------------------------------------------------------------------------------------

const locationCommon = { name: resourceName, credentialId: id };
/** A new location: its name and credential beside its provider's settings, flat (the form's fields keep their names). */
export const locationCreateInput = z.discriminatedUnion("provider", [
  awsS3Config.extend(locationCommon),
  s3CompatibleConfig.extend(locationCommon),
  azureBlobSettings.extend(locationCommon),
]);
export type LocationCreateInput = z.input<typeof locationCreateInput>;

/**
 * Changing a location: where in the store it points and with which keys; its name, provider and bucket (or storage
 * account and container) stay: another bucket is another location. `readOnly`, when given, makes the location ReadOnly
 * on every assigned cluster (BSL accessMode) or lets the assignments' own modes apply again. Validated again with the
 * provider's schema once merged into the stored settings, and probed before it is saved. `provider` must be the
 * location's own.
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
    /** Kept when not given. */
    useAAD: z.boolean().optional(),
  }),
]);
export type LocationUpdateInput = z.input<typeof locationUpdateInput>;

/** The clusters of a group assignment's group that write to the location; the others only read it. */
const writers = z.array(id).max(500, "At most 500 writers");

export const locationAssignInput = z.object({
  locationId: id,
  target: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("clusterGroup"), id }),
    z.object({ kind: z.literal("cluster"), id }),
  ]),
  /** A cluster's access mode; a group's clusters are ReadOnly except its `writers`. */
  readOnly: z.boolean().default(false),
  writers: writers.default([]),
});

export const locationWritersInput = z.object({ id, writers });
export type LocationWritersInput = z.input<typeof locationWritersInput>;
