import {
  credentialConfig,
  credentialSecret,
  type CredentialConfig,
  type CredentialKind,
  type CredentialSecret,
  type LocationConfig,
  type LocationKind,
} from "@/lib/schemas/locations";
import type { Prisma } from "../../db/generated/client";
import { awsAccessKeyType, awsS3Provider, s3CompatibleProvider } from "./s3";
import { azureBlobProvider, azureServicePrincipalType, azureStorageKeyType } from "./azure";
import { awsAccountKeyType, awsAccountRoleType } from "./aws-account";
import { ProviderError, type CredentialType, type LocationProvider } from "./types";

// Every location provider and credential kind Lifeboat knows, by the value the database keeps. A new provider is a
// driver module, its members of the unions in lib/schemas/locations.ts, one entry here and an enum value by migration.
const PROVIDERS: { [K in LocationKind]: LocationProvider<K> } = {
  AWS_S3: awsS3Provider,
  S3_COMPATIBLE: s3CompatibleProvider,
  AZURE_BLOB: azureBlobProvider,
};
const CREDENTIAL_TYPES: { [C in CredentialKind]: CredentialType<C> } = {
  AWS_ACCESS_KEY: awsAccessKeyType,
  AZURE_STORAGE_KEY: azureStorageKeyType,
  AZURE_SERVICE_PRINCIPAL: azureServicePrincipalType,
  AWS_ACCOUNT_KEY: awsAccountKeyType,
  AWS_ACCOUNT_ROLE: awsAccountRoleType,
};

export function providerFor<K extends LocationKind>(kind: K): LocationProvider<K> {
  const p = PROVIDERS[kind] as LocationProvider<K> | undefined; // undefined for a kind read from an older database
  if (!p) throw new ProviderError(`Lifeboat has no driver for ${String(kind)} locations`);
  return p;
}

export function credentialTypeFor<C extends CredentialKind>(kind: C): CredentialType<C> {
  const t = CREDENTIAL_TYPES[kind] as CredentialType<C> | undefined;
  if (!t) throw new ProviderError(`Lifeboat does not know ${String(kind)} credentials`);
  return t;
}

/** A Location row's settings (its provider column and config JSON), validated by its driver's schema. */
export function locationConfigOf(
  row: { provider: string; config: unknown },
  lookup: (kind: LocationKind) => LocationProvider = providerFor,
): LocationConfig {
  const config = row.config && typeof row.config === "object" ? row.config : {};
  const parsed = lookup(row.provider as LocationKind).configSchema.safeParse({ ...config, provider: row.provider });
  if (!parsed.success)
    throw new ProviderError(
      `The stored settings of a ${row.provider} location are not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

/** What a Location row keeps as its config JSON: the settings without the provider (that is the row's column). */
export function storedLocationConfig(config: LocationConfig): Prisma.InputJsonObject {
  const { provider: _provider, ...rest } = config;
  // Settings are JSON by construction (strings, booleans, numbers, plain objects of them); undefined ones are left out.
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Prisma.InputJsonObject;
}

/** A Credential row's clear config (its kind, and any setting that is not secret), validated. */
export function credentialConfigOf(config: unknown): CredentialConfig {
  const parsed = credentialConfig.safeParse(config);
  if (!parsed.success) throw new ProviderError("The stored settings of a credential are not valid");
  return parsed.data;
}

/** A credential's whole from its clear config and its sealed value (the sealed JSON holds the secret fields). */
export function credentialSecretOf(config: CredentialConfig, sealed: string): CredentialSecret {
  const parsed = credentialSecret.safeParse({ ...(JSON.parse(sealed) as object), ...config });
  // The issues would name fields only, but a secret is never worth the risk of an echo: say what, not which value.
  if (!parsed.success) throw new ProviderError(`The sealed value of a ${config.kind} credential is not valid`);
  return parsed.data;
}

/** A credential split into what is sealed (its kind's secret fields, as JSON) and what its row keeps in the clear. */
export function splitCredential(secret: CredentialSecret): { sealed: string; config: CredentialConfig } {
  const sealedFields = new Set<string>(credentialTypeFor(secret.kind).sealedFields);
  const entries = Object.entries(secret).filter(([k]) => k !== "kind");
  return {
    sealed: JSON.stringify(Object.fromEntries(entries.filter(([k]) => sealedFields.has(k)))),
    config: credentialConfigOf({
      kind: secret.kind,
      ...Object.fromEntries(entries.filter(([k]) => !sealedFields.has(k))),
    }),
  };
}
