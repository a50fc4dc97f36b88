import type { Deps } from "../../composition";
import { AppError, notFound } from "../../errors";
import {
  credentialCreateInput,
  type CredentialConfig,
  type CredentialCreateInput,
  type CredentialSecret,
} from "@/lib/schemas/locations";
import {
  credentialConfigOf,
  credentialSecretOf,
  credentialTypeFor,
  splitCredential,
} from "../../storage/providers/registry";
import type { CredentialType } from "../../storage/providers/types";

// Data-protection credentials: the secret sealed on create, never read back except by the code that uses it (a probe,
// the credentials Secret on a cluster). The row keeps its kind (in `config`) and a masked identifier in the clear.
const shown = {
  id: true,
  name: true,
  provider: true,
  config: true,
  description: true,
  keyIdMasked: true,
  createdAt: true,
  locations: { select: { id: true, name: true } },
} as const;

const withKind = <T extends { config: unknown }>({ config, ...row }: T) => {
  const c = credentialConfigOf(config);
  return { ...row, kind: c.kind, details: (credentialTypeFor(c.kind) as CredentialType).details(c as never) };
};

/**
 * Checks a credential where its kind can be checked on its own (an Azure account key against its storage account);
 * a refusal says why and that nothing was saved.
 */
export async function checkedCredential(secret: CredentialSecret): Promise<void> {
  const type = credentialTypeFor(secret.kind) as CredentialType;
  if (!type.check) return;
  const r = await type.check(secret as never);
  if (!r.ok) throw new AppError("PRECONDITION_FAILED", `${r.message}. Nothing was saved.`);
}

export async function listCredentials(d: Deps) {
  return (await d.db.credential.findMany({ orderBy: { name: "asc" }, select: shown })).map(withKind);
}

export async function createCredential(d: Deps, actorId: string, given: CredentialCreateInput) {
  const { name, description, ...secret } = credentialCreateInput.parse(given);
  if (await d.db.credential.findUnique({ where: { name }, select: { id: true } }))
    throw new AppError("CONFLICT", `A credential named ${name} already exists`);
  await checkedCredential(secret);
  const type = credentialTypeFor(secret.kind) as CredentialType;
  const { sealed, config } = splitCredential(secret);
  const sealedSecretId = await d.sealed.put(type.sealPurpose, sealed);
  try {
    const row = await d.db.credential.create({
      data: {
        name,
        description,
        provider: type.provider,
        config: config satisfies CredentialConfig,
        keyIdMasked: type.masked(secret as never),
        sealedSecretId,
        createdById: actorId,
      },
      select: shown,
    });
    return withKind(row);
  } catch (e) {
    // Inside the procedure's transaction the sealed row rolls back with it (and the aborted transaction refuses this).
    await d.sealed.remove(sealedSecretId).catch(() => {});
    throw e;
  }
}

export async function deleteCredential(d: Deps, id: string) {
  const c = await d.db.credential.findUnique({
    where: { id },
    select: { sealedSecretId: true, locations: { select: { name: true } } },
  });
  if (!c) throw notFound("Credential");
  if (c.locations.length)
    throw new AppError(
      "CONFLICT",
      `The credential is used by target locations: ${c.locations.map((l) => l.name).join(", ")}. Delete or change them first.`,
    );
  await d.db.credential.delete({ where: { id } });
  await d.sealed.remove(c.sealedSecretId);
  return { id };
}

/** The credential's secret, for the code paths that must use it (location probe, writing the cluster Secret). */
export async function credentialSecret(d: Deps, id: string): Promise<CredentialSecret> {
  const c = await d.db.credential.findUnique({ where: { id }, select: { sealedSecretId: true, config: true } });
  if (!c) throw notFound("Credential");
  const config = credentialConfigOf(c.config);
  const sealed = await d.sealed.read(c.sealedSecretId, credentialTypeFor(config.kind).sealPurpose);
  return credentialSecretOf(config, sealed.toString());
}
