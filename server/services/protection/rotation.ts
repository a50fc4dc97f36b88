import type { Deps } from "../../composition";
import { AppError, notFound } from "../../errors";
import { credentialRotateInput, type CredentialRotateInput, type CredentialSecret } from "@/lib/schemas/locations";
import {
  credentialConfigOf,
  credentialSecretOf,
  credentialTypeFor,
  locationConfigOf,
  splitCredential,
} from "../../storage/providers/registry";
import type { CredentialType } from "../../storage/providers/types";
import { checkedCredential, listCredentials } from "./credentials";
import { reconcileLocation } from "./locations";

// Replacing a credential's keys (rotation). The new keys are probed against every location that uses the credential,
// with the probe creating a location runs; one refusal and nothing changes. Then the new keys are sealed in place of the
// old ones (the old sealed row is deleted), every deployment of those locations is marked for re-applying (so the
// healing reconciler converges on the new credentials Secret even if applying now fails), and each location is
// reconciled at once.

export async function rotateCredential(d: Deps, given: CredentialRotateInput) {
  const { id, ...keys } = credentialRotateInput.parse(given);
  const c = await d.db.credential.findUnique({
    where: { id },
    select: { config: true },
  });
  if (!c) throw notFound("Credential");
  if (await d.db.managedStack.findUnique({ where: { veleroCredentialId: id }, select: { id: true } }))
    throw new AppError(
      "CONFLICT",
      "This is the Velero key of a managed location: Lifeboat made it through IAM and replaces it from the location",
    );
  const stored = credentialConfigOf(c.config);
  const kind = stored.kind;
  if (kind !== keys.kind) throw new AppError("BAD_REQUEST", `This credential holds ${kind} keys, not ${keys.kind}`);
  // The new sealed fields with what the credential keeps in the clear, checked again (an AWS account credential's
  // principal is found again, and must be in the same account).
  const { secret, message } = await checkedCredential(d, credentialSecretOf(stored, JSON.stringify(keys)), stored);

  await replaceKeys(d, id, secret);
  const row = (await listCredentials(d)).find((x) => x.id === id);
  if (!row) throw notFound("Credential");
  return { ...row, checked: message };
}

/**
 * Puts new keys in a credential's place: probed at every location that uses it first (one refusal and nothing changes),
 * then sealed in place of the old ones, every deployment marked for re-applying, and each location reconciled at once.
 * Gives the locations' ids. Also how a managed location's Velero key is replaced (after IAM made the new one).
 */
export async function replaceKeys(d: Deps, id: string, secret: CredentialSecret): Promise<string[]> {
  const c = await d.db.credential.findUnique({
    where: { id },
    select: { sealedSecretId: true, locations: { select: { id: true, name: true, provider: true, config: true } } },
  });
  if (!c) throw notFound("Credential");
  const kind = secret.kind;
  const probed = new Map<string, string>();
  for (const l of c.locations) {
    const config = locationConfigOf(l, d.storage.providerFor);
    const probe = await d.storage.providerFor(config.provider).probe(config, secret);
    if (!probe.ok)
      throw new AppError(
        "PRECONDITION_FAILED",
        `The new keys were refused at target location ${l.name}: ${probe.message}. Nothing was changed.`,
      );
    probed.set(l.id, probe.message);
  }

  const type = credentialTypeFor(kind) as CredentialType;
  const split = splitCredential(secret);
  const sealedSecretId = await d.sealed.put(type.sealPurpose, split.sealed);
  const locationIds = c.locations.map((l) => l.id);
  try {
    await d.db.$transaction(async (tx) => {
      await tx.credential.update({
        where: { id },
        data: { sealedSecretId, config: split.config, keyIdMasked: type.masked(secret as never) },
      });
      for (const [locationId, message] of probed)
        await tx.location.update({
          where: { id: locationId },
          data: { lastProbeAt: new Date(), lastProbeMessage: message },
        });
      // Until applied again, the deployments count as not applied: healing re-applies them if this request cannot.
      await tx.locationDeployment.updateMany({ where: { locationId: { in: locationIds } }, data: { appliedAt: null } });
    });
  } catch (e) {
    await d.sealed.remove(sealedSecretId);
    throw e;
  }
  await d.sealed.remove(c.sealedSecretId);
  for (const locationId of locationIds) await reconcileLocation(d, locationId);
  return locationIds;
}
