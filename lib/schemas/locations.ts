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

/** What a credential holds, by kind: the whole of it is sealed. */
export const credentialSecret = z.discriminatedUnion("kind", [awsAccessKey]);
export type CredentialSecret = z.infer<typeof credentialSecret>;
export type CredentialKind = CredentialSecret["kind"];
export const CREDENTIAL_KINDS = credentialSecret.options.map((o) => o.shape.kind.value) as [
  CredentialKind,
  ...CredentialKind[],
];

/**
 * What a credential row keeps in the clear (its `config`): the kind, and any setting of that kind that is not secret.
 * An access key pair has none.
 */
export const credentialConfig = z.discriminatedUnion("kind", [z.object({ kind: z.literal("AWS_ACCESS_KEY") })]);
export type CredentialConfig = z.infer<typeof credentialConfig>;

const credentialCommon = { name: resourceName, description };
export const credentialCreateInput = z.discriminatedUnion("kind", [awsAccessKey.extend(credentialCommon)]);
export type CredentialCreateInput = z.infer<typeof credentialCreateInput>;

/** New keys for an existing credential (rotation): the same fields as creating one, for the credential `id`. */
export const credentialRotateInput = z.discriminatedUnion("kind", [awsAccessKey.extend({ id })]);
export type CredentialRotateInput = z.infer<typeof credentialRotateInput>;

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

/** A location's provider-specific settings: stored as the Location row's `config` (beside its `provider` column). */
export const locationConfig = z.discriminatedUnion("provider", [awsS3Config, s3CompatibleConfig]);
export type LocationConfig = z.infer<typeof locationConfig>;
export type LocationKind = LocationConfig["provider"];
export const LOCATION_KINDS = locationConfig.options.map((o) => o.shape.provider.value) as [
  LocationKind,
  ...LocationKind[],
];

// ---- location inputs --------------------------------------------------------------------------------------------------

const locationCommon = { name: resourceName, credentialId: id };
/** A new location: its name and credential beside its provider's settings, flat (the form's fields keep their names). */
export const locationCreateInput = z.discriminatedUnion("provider", [
  awsS3Config.extend(locationCommon),
  s3CompatibleConfig.extend(locationCommon),
]);
export type LocationCreateInput = z.input<typeof locationCreateInput>;

/**
 * Changing a location: where in the store it points and with which keys; its name, provider and bucket stay (another
 * bucket is another location). `readOnly`, when given, sets the access mode of every assignment (BSL accessMode).
 * Validated again with the provider's schema once merged into the stored settings, and probed before it is saved.
 */
export const locationUpdateInput = z.object({
  id,
  credentialId: id,
  prefix,
  region: s3Settings.region,
  endpoint: s3Settings.endpoint,
  pathStyle: s3Settings.pathStyle,
  caBundle,
  readOnly: z.boolean().optional(),
});
export type LocationUpdateInput = z.input<typeof locationUpdateInput>;

export const locationAssignInput = z.object({
  locationId: id,
  target: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("clusterGroup"), id }),
    z.object({ kind: z.literal("cluster"), id }),
  ]),
  readOnly: z.boolean().default(false),
});
