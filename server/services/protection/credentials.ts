import type { Deps } from "../../composition";
import { AppError, notFound } from "../../errors";
import { maskKeyId } from "../../storage/s3";

// Data-protection credentials: keys sealed on create, never read back except by the code that writes them to a cluster.
const shown = {
  id: true,
  name: true,
  provider: true,
  description: true,
  keyIdMasked: true,
  createdAt: true,
  locations: { select: { id: true, name: true } },
} as const;

export async function listCredentials(d: Deps) {
  return d.db.credential.findMany({ orderBy: { name: "asc" }, select: shown });
}

export async function createCredential(
  d: Deps,
  actorId: string,
  input: { name: string; description: string; accessKeyId: string; secretAccessKey: string },
) {
  if (await d.db.credential.findUnique({ where: { name: input.name }, select: { id: true } }))
    throw new AppError("CONFLICT", `A credential named ${input.name} already exists`);
  const sealedSecretId = await d.sealed.put(
    "aws-credential",
    JSON.stringify({ accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey }),
  );
  try {
    return await d.db.credential.create({
      data: {
        name: input.name,
        description: input.description,
        provider: "AWS",
        keyIdMasked: maskKeyId(input.accessKeyId),
        sealedSecretId,
        createdById: actorId,
      },
      select: shown,
    });
  } catch (e) {
    await d.sealed.remove(sealedSecretId);
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

/** The keys, for the code paths that must use them (location probe, writing the cluster Secret). */
export async function credentialKeys(d: Deps, id: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const c = await d.db.credential.findUnique({ where: { id }, select: { sealedSecretId: true } });
  if (!c) throw notFound("Credential");
  return JSON.parse((await d.sealed.read(c.sealedSecretId)).toString());
}
