import type { Deps } from "../../composition";
import { AppError, notFound } from "../../errors";
import {
  credentialCreateInput,
  credentialSecret as wholeCredential,
  type CredentialConfig,
  type CredentialCreateInput,
  type CredentialDraft,
  type CredentialSecret,
} from "@/lib/schemas/locations";
import {
  credentialConfigOf,
  credentialSecretOf,
  credentialTypeFor,
  splitCredential,
} from "../../storage/providers/registry";
import { ProviderError, type CredentialType } from "../../storage/providers/types";

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
  locations: { select: { id: true, name: true }, orderBy: { name: "asc" as const } },
} as const;

const withKind = <T extends { config: unknown }>({ config, ...row }: T) => {
  const c = credentialConfigOf(config);
  return { ...row, kind: c.kind, details: (credentialTypeFor(c.kind) as CredentialType).details(c as never) };
};

/**
 * The whole credential from what was given: checked where its kind can be checked on its own (an Azure account key
 * against its storage account, an AWS account credential with STS) and completed with what the check found (an AWS
 * account's id and principal). A refusal says why and that nothing was saved. `current` is the clear config of the
 * credential being rotated.
 */
export async function checkedCredential(
  d: Deps,
  draft: CredentialDraft,
  current?: CredentialConfig,
): Promise<{ secret: CredentialSecret; message: string | null }> {
  const type = credentialTypeFor(draft.kind) as CredentialType;
  const r = await type.check?.(draft as never, {
    resolve: (id) => findCredentialSecret(d, id),
    ...(current ? { current: current as never } : {}),
  });
  if (r && !r.ok) throw new AppError("PRECONDITION_FAILED", `${r.message}. Nothing was saved.`);
  const whole = wholeCredential.safeParse({ ...draft, ...r?.config, kind: draft.kind });
  // Only a check that does not fill in what its kind keeps gets here: name the kind, never a value.
  if (!whole.success) throw new ProviderError(`A ${draft.kind} credential is incomplete after its check`);
  // What the check found, in words (e.g. that the principal may not read the resource group), for the operator.
  return { secret: whole.data, message: r?.message ?? null };
}

export async function listCredentials(d: Deps) {
  return (await d.db.credential.findMany({ orderBy: { name: "asc" }, select: shown })).map(withKind);
}

export async function createCredential(d: Deps, actorId: string, given: CredentialCreateInput) {
  const { name, description, ...draft } = credentialCreateInput.parse(given);
  if (await d.db.credential.findUnique({ where: { name }, select: { id: true } }))
    throw new AppError("CONFLICT", `A credential named ${name} already exists`);
  const { secret, message } = await checkedCredential(d, draft);
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
    return { ...withKind(row), checked: message };
  } catch (e) {
    // Inside the procedure's transaction the sealed row rolls back with it (and the aborted transaction refuses this).
    await d.sealed.remove(sealedSecretId).catch(() => {});
    throw e;
  }
}

export async function deleteCredential(d: Deps, id: string) {
  const c = await d.db.credential.findUnique({
    where: { id },
    select: {
      sealedSecretId: true,
      locations: { select: { name: true } },
      accountStacks: {
        where: { OR: [{ phase: { not: "DELETED" } }, { bucketPhase: { in: ["RETAINED", "EMPTYING"] } }] },
        select: { name: true, phase: true, outputs: true },
      },
    },
  });
  if (!c) throw notFound("Credential");
  const live = c.accountStacks.filter((s) => s.phase !== "DELETED");
  if (live.length)
    throw new AppError(
      "CONFLICT",
      `Managed locations are provisioned with this account: ${live.map((s) => s.name).join(", ")}. Delete them first.`,
    );
  if (c.accountStacks.length)
    throw new AppError(
      "CONFLICT",
      "Lifeboat reaches the buckets kept from deleted managed locations with this account: " +
        c.accountStacks.map((s) => (s.outputs as { BucketName?: string } | null)?.BucketName ?? s.name).join(", ") +
        ". Empty and delete them, or dismiss them under Managed stacks, first.",
    );
  if (c.locations.length)
    throw new AppError(
      "CONFLICT",
      `The credential is used by target locations: ${c.locations.map((l) => l.name).join(", ")}. Delete or change them first.`,
    );
  // An AWS role credential names its source (an AWS account key) in its clear config; no column holds it.
  const roles = await d.db.credential.findMany({
    where: {
      AND: [
        { config: { path: ["kind"], equals: "AWS_ACCOUNT_ROLE" } },
        { config: { path: ["sourceCredentialId"], equals: id } },
      ],
    },
    orderBy: { name: "asc" },
    select: { name: true },
  });
  if (roles.length)
    throw new AppError(
      "CONFLICT",
      `The credential is the source of AWS role credentials: ${roles.map((r) => r.name).join(", ")}. Delete them first.`,
    );
  // The rows of its deleted stacks (history, nothing left to do with the account) go with it, in the procedure's
  // transaction (credential.delete is database-only: committed with its audit row).
  await d.db.managedStack.deleteMany({ where: { accountCredentialId: id, phase: "DELETED" } });
  await d.db.credential.delete({ where: { id } });
  await d.sealed.remove(c.sealedSecretId);
  return { id };
}

/** The credential's secret, for the code paths that must use it (location probe, writing the cluster Secret). */
export async function credentialSecret(d: Deps, id: string): Promise<CredentialSecret> {
  const secret = await findCredentialSecret(d, id);
  if (!secret) throw notFound("Credential");
  return secret;
}

/** The credential's secret, or null when there is no such credential. */
export async function findCredentialSecret(d: Deps, id: string): Promise<CredentialSecret | null> {
  const c = await d.db.credential.findUnique({ where: { id }, select: { sealedSecretId: true, config: true } });
  if (!c) return null;
  const config = credentialConfigOf(c.config);
  const sealed = await d.sealed.read(c.sealedSecretId, credentialTypeFor(config.kind).sealPurpose);
  return credentialSecretOf(config, sealed.toString());
}
