import type { z } from "zod";
import type { CredentialProvider } from "../../db/generated/enums";
import type {
  CredentialConfig,
  CredentialDraft,
  CredentialKind,
  CredentialSecret,
  LocationConfig,
  LocationKind,
} from "@/lib/schemas/locations";

// A location provider driver: everything Lifeboat knows about one kind of target location (AWS S3, an S3-compatible
// store, later Azure Blob). The services, the schema and the cluster adapter stay provider-neutral: they hand the
// driver a location's settings (validated by `configSchema`) and a credential, and get back a probe, the
// BackupStorageLocation's provider-specific half and the credentials file Velero's plugin reads.

/** One step of a probe, with its timing (a step that failed carries its explanation). */
export interface ProbeStep {
  step: string;
  ok: boolean;
  ms: number;
  message?: string;
}

/** What reaching the store found: on success what was proven (kept as the location's last probe message), else why not. */
export type LocationProbe =
  | { ok: true; steps: ProbeStep[]; message: string }
  | {
      ok: false;
      steps: ProbeStep[];
      /** The driver's failure kind, e.g. NoSuchBucket, AccessDenied, InvalidCredentials, TLS, Unreachable, Timeout. */
      failure: string;
      /** A sentence for the operator that names the store and never the secret. */
      message: string;
    };

/** The provider-specific half of a BackupStorageLocation spec (Lifeboat adds the credential, access mode and default). */
export interface BackupStorageLocationPart {
  /** Velero's provider string, e.g. "aws" (S3 and S3-compatible) or "velero.io/azure". */
  provider: string;
  objectStorage: {
    /** The bucket (or container) alone, without "/" or spaces. */
    bucket: string;
    /** The folder inside it, without a leading or trailing "/". */
    prefix?: string;
    /** PEM certificates Velero trusts for the store (written base64-encoded to spec.objectStorage.caCert). */
    caCert?: string;
  };
  /** The plugin's BSL config keys (every value a string). */
  config: Record<string, string>;
}

/** The file Velero's plugin reads its credentials from (the Secret key "cloud"), and the secret strings in it. */
export interface CredentialsFile {
  content: string;
  /** Every secret value in `content`, so that no error or log line ever shows one. */
  secrets: string[];
}

/** Thrown when a location or credential cannot become what Velero's plugin accepts (the message never quotes a secret). */
export class ProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderError";
  }
}

export type ConfigOf<K extends LocationKind> = Extract<LocationConfig, { provider: K }>;

export interface LocationProvider<K extends LocationKind = LocationKind> {
  /** The Location row's provider (and the discriminator of its config). */
  kind: K;
  /** How the console names it, e.g. "AWS S3". */
  label: string;
  /** The credential kinds a location of this kind may use. */
  credentialKinds: readonly CredentialKind[];
  /** The location's provider-specific settings, checked when written and when read back. */
  configSchema: z.ZodType<ConfigOf<K>, unknown>;
  /** The Velero plugin that serves this provider's BackupStorageLocations (image without tag). */
  requiredPlugin: string;
  /**
   * The settings as stored, completed from the credential where the user left a setting to it (e.g. an Azure location's
   * blob endpoint from its account key's cloud), so that what Velero gets never depends on the credential's settings.
   */
  complete?(config: ConfigOf<K>, credential: CredentialSecret): ConfigOf<K>;
  /** Where the location points, in one line for people, e.g. "s3://bucket/prefix · https://minio.example.com". */
  describe(config: ConfigOf<K>): string;
  /**
   * Where Velero's files of the location live, the same for every location that points there (same store, bucket or
   * container, and prefix): two clusters that write there would delete each other's backups (#14 §3).
   */
  storageKey(config: ConfigOf<K>): string;
  /** Reaches the store with the credential and does what Velero will do there; never throws for what it meets. */
  probe(config: ConfigOf<K>, credential: CredentialSecret, opts?: { timeoutMs?: number }): Promise<LocationProbe>;
  backupStorageLocation(config: ConfigOf<K>): BackupStorageLocationPart;
  /** The credentials file for the plugin; throws a ProviderError for a credential it cannot hold. */
  credentialsFile(credential: CredentialSecret, config: ConfigOf<K>): CredentialsFile;
}

/** What a check found out about a credential of kind C and keeps in the clear (an AWS account's id and principal). */
export type CredentialConfigPatch<C extends CredentialKind = CredentialKind> = C extends CredentialKind
  ? Partial<Omit<Extract<CredentialConfig, { kind: C }>, "kind">>
  : never;

/**
 * What checking a credential on save found: who it is (for people) and what the credential keeps of it in the clear
 * (merged into its config before it is saved), or why it is refused.
 */
export type CredentialCheck<C extends CredentialKind = CredentialKind> =
  { ok: true; message: string; config?: CredentialConfigPatch<C> } | { ok: false; failure: string; message: string };

export interface CredentialCheckOptions<C extends CredentialKind = CredentialKind> {
  timeoutMs?: number;
  /** Another credential's whole, by id (an AWS role's source credential), or null when there is none. */
  resolve?(credentialId: string): Promise<CredentialSecret | null>;
  /** When the credential is rotated: what it keeps in the clear now (a check may refuse a change of identity). */
  current?: Extract<CredentialConfig, { kind: C }>;
}

/** How a credential kind is kept: its provider (the Credential row's column), what the row shows, what is sealed. */
export interface CredentialType<C extends CredentialKind = CredentialKind> {
  kind: C;
  /** The Credential row's provider column. */
  provider: CredentialProvider;
  /** The purpose the sealed value is stored under. */
  sealPurpose: string;
  /** The fields that are sealed; every other field of the credential is kept in the clear (the row's config). */
  sealedFields: readonly Exclude<keyof Extract<CredentialSecret, { kind: C }>, "kind">[];
  /** The identifier a row shows, masked (e.g. "AKIA…WXYZ"). */
  masked(secret: Extract<CredentialSecret, { kind: C }>): string;
  /** What the row says about it besides its masked identifier, from its clear settings (e.g. the storage account). */
  details(config: Extract<CredentialConfig, { kind: C }>): string;
  /**
   * Checks the credential where it can be checked without a location (a key Lifeboat can ask its store or its cloud
   * about); absent when only a location can tell (an S3 key may be MinIO's). It gets the credential as given (a draft:
   * what the check finds is not in it yet) and returns what it found for the clear config. Never throws for what it
   * meets.
   */
  check?(draft: Extract<CredentialDraft, { kind: C }>, opts?: CredentialCheckOptions<C>): Promise<CredentialCheck<C>>;
}

/** A prefix as a storage key holds it: "backups/", "/backups" and "backups" are the same place. */
export const prefixKey = (prefix: string | undefined) => (prefix ?? "").replace(/^\/+|\/+$/g, "");

/** An S3 endpoint as a storage key holds it (scheme, case and a trailing "/" aside); "aws" for AWS's own. */
export function storeOf(endpoint: string | undefined): string {
  if (!endpoint) return "aws";
  try {
    const u = new URL(endpoint);
    // An AWS endpoint (regional, FIPS, dual-stack) reaches AWS's global bucket names; China's are its own.
    if (/(^|\.)amazonaws\.com\.cn$/i.test(u.hostname)) return "aws-cn";
    if (/(^|\.)amazonaws\.com$/i.test(u.hostname)) return "aws";
    return `${u.host}${u.pathname.replace(/\/+$/, "")}`.toLowerCase();
  } catch {
    return endpoint.toLowerCase();
  }
}
