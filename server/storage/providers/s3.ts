import { PLUGIN_REPOSITORIES } from "@/lib/velero/versions";
import {
  awsAccessKey,
  awsS3Config,
  LOCATION_CREDENTIAL_KINDS,
  s3CompatibleConfig,
  type CredentialSecret,
  type LocationKind,
} from "@/lib/schemas/locations";
import type { z } from "zod";
import { DEFAULT_REGION, maskKeyId, probeS3Location } from "../s3";
import {
  ProviderError,
  prefixKey,
  storeOf,
  type BackupStorageLocationPart,
  type ConfigOf,
  type CredentialType,
  type LocationProvider,
} from "./types";

// The S3 driver: AWS S3 and S3-compatible stores (MinIO, Ceph, Backblaze, …), both served by velero-plugin-for-aws
// with an access key pair. The probe is server/storage/s3.ts; here is what a location becomes for Velero.

export const AWS_PLUGIN = PLUGIN_REPOSITORIES["velero.io/aws"];

/** The BSL config keys velero-plugin-for-aws accepts that a user sets (Velero adds bucket, prefix, caCert, credentialsFile). */
export const AWS_CONFIG_KEYS: ReadonlySet<string> = new Set([
  "region",
  "s3ForcePathStyle",
  "s3Url",
  "publicUrl",
  "profile",
  "serverSideEncryption",
  "kmsKeyId",
  "customerKeyEncryptionFile",
  "customerKeyEncryptionSecret",
  "signatureVersion",
  "insecureSkipTLSVerify",
  "enableSharedConfig",
  "tagging",
  "checksumAlgorithm",
]);
const PROFILE_RE = /^[A-Za-z0-9_.-]+$/;

type S3Kind = Extract<LocationKind, "AWS_S3" | "S3_COMPATIBLE">;
type S3Config = ConfigOf<S3Kind>;
type AwsAccessKey = z.infer<typeof awsAccessKey>;

/** Refuses BSL config the aws plugin would not accept (velero-api.md §6.1); `config` holds only the plugin's own keys. */
export function checkAwsBslConfig(config: Record<string, string>): void {
  for (const k of Object.keys(config)) {
    if (!AWS_CONFIG_KEYS.has(k))
      throw new ProviderError(
        `The config key ${k} is not one velero-plugin-for-aws accepts (${[...AWS_CONFIG_KEYS].join(", ")})`,
      );
  }
  if (config.profile !== undefined && !PROFILE_RE.test(config.profile))
    throw new ProviderError(`The profile "${config.profile}" is not a valid AWS profile name`);
}

/** The BackupStorageLocation config (velero-plugin-for-aws keys, velero-api.md §6.1) for a location. */
export function bslConfigFor(
  l: Pick<S3Config, "provider" | "region" | "endpoint" | "pathStyle">,
): Record<string, string> {
  const config: Record<string, string> = { region: l.region || DEFAULT_REGION };
  if (l.endpoint) config.s3Url = l.endpoint;
  if (l.pathStyle) config.s3ForcePathStyle = "true";
  // Velero 1.18's aws plugin sends CRC32 checksums unless told otherwise, which Ceph, Backblaze, IBM COS and older MinIO
  // refuse; "" turns them off. AWS S3 keeps the default.
  if (l.provider === "S3_COMPATIBLE") config.checksumAlgorithm = "";
  return config;
}

function accessKeyOf(credential: CredentialSecret): AwsAccessKey {
  if (credential.kind !== "AWS_ACCESS_KEY")
    throw new ProviderError(`An S3 location needs an AWS access key pair, not a ${String(credential.kind)} credential`);
  return credential;
}

/** The AWS credentials file velero-plugin-for-aws reads (the section named by config.profile, else [default]). */
export function awsCredentialsFile(keys: AwsAccessKey, profile = "default"): string {
  for (const [what, v] of [
    ["access key ID", keys.accessKeyId],
    ["secret access key", keys.secretAccessKey],
  ] as const) {
    if (typeof v !== "string" || !v.trim()) throw new ProviderError(`The ${what} is missing`);
    if (/[\r\n]/.test(v) || v !== v.trim())
      throw new ProviderError(`The ${what} must be a single line without surrounding spaces`);
  }
  return `[${profile}]\naws_access_key_id=${keys.accessKeyId}\naws_secret_access_key=${keys.secretAccessKey}\n`;
}

function s3Driver<K extends S3Kind>(
  kind: K,
  label: string,
  configSchema: LocationProvider<K>["configSchema"],
): LocationProvider<K> {
  // ConfigOf<K> of a generic K does not narrow to the S3 members; the methods are written for both.
  return s3Methods(kind, label, configSchema) as unknown as LocationProvider<K>;
}

function s3Methods(
  kind: S3Kind,
  label: string,
  configSchema: LocationProvider<S3Kind>["configSchema"],
): LocationProvider<S3Kind> {
  const backupStorageLocation = (c: S3Config): BackupStorageLocationPart => {
    const config = bslConfigFor(c);
    checkAwsBslConfig(config);
    return {
      provider: "aws",
      objectStorage: {
        bucket: c.bucket,
        ...(c.prefix ? { prefix: c.prefix } : {}),
        ...(c.caBundle ? { caCert: c.caBundle } : {}),
      },
      config,
    };
  };
  return {
    kind,
    label,
    credentialKinds: LOCATION_CREDENTIAL_KINDS[kind],
    configSchema,
    requiredPlugin: AWS_PLUGIN,
    describe: (c) => [`s3://${c.bucket}/${c.prefix}`, c.endpoint, c.region].filter(Boolean).join(" · "),
    // AWS's bucket names are global, whichever of its endpoints reaches them; another store's are its endpoint's.
    storageKey: (c) => `s3:${storeOf(c.endpoint)}/${c.bucket}/${prefixKey(c.prefix)}`,
    async probe(c, credential, opts) {
      const keys = accessKeyOf(credential);
      const r = await probeS3Location(
        {
          bucket: c.bucket,
          prefix: c.prefix || undefined,
          region: c.region || DEFAULT_REGION,
          endpoint: c.endpoint || undefined,
          pathStyle: c.pathStyle,
          caBundle: c.caBundle,
        },
        { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
        opts,
      );
      if (!r.ok) return { ...r, message: `The bucket could not be used (${r.failure}): ${r.message}` };
      return {
        ok: true,
        steps: r.steps,
        message:
          `Reached the bucket: head, list, write and delete under ${c.prefix || "the bucket root"} succeeded. ` +
          "Velero may own backups, restores, kopia there.",
      };
    },
    backupStorageLocation,
    credentialsFile(credential, c) {
      const keys = accessKeyOf(credential);
      const content = awsCredentialsFile(keys, backupStorageLocation(c).config.profile);
      return { content, secrets: [keys.accessKeyId, keys.secretAccessKey] };
    },
  };
}

export const awsS3Provider = s3Driver("AWS_S3", "AWS S3", awsS3Config);
export const s3CompatibleProvider = s3Driver("S3_COMPATIBLE", "S3-compatible", s3CompatibleConfig);

export const awsAccessKeyType: CredentialType<"AWS_ACCESS_KEY"> = {
  kind: "AWS_ACCESS_KEY",
  provider: "AWS",
  sealPurpose: "aws-credential",
  sealedFields: ["accessKeyId", "secretAccessKey"],
  masked: (s) => maskKeyId(s.accessKeyId),
  details: () => "",
};
