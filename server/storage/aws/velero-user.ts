import type { IamPort } from "./iam";

// The access keys of a managed location's Velero user. Lifeboat is their only holder by design: the key it holds is
// sealed as the location's credential; any other key on the user is a leftover (a crash between creating a key and
// sealing it) and is removed before a new one is made, so the user never reaches IAM's limit of two keys.

/** A new key for the user, after removing every key but `keep` (the one clusters still use during a rotation). */
export async function freshVeleroKey(
  iam: IamPort,
  user: string,
  keep: readonly string[] = [],
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  for (const k of await iam.listAccessKeys(user))
    if (!keep.includes(k.accessKeyId)) await iam.deleteAccessKey(user, k.accessKeyId);
  return iam.createAccessKey(user);
}

/** Retires a key: inactive first (a use of it would fail, not succeed unseen), then deleted. Gone already is fine. */
export async function retireVeleroKey(iam: IamPort, user: string, accessKeyId: string): Promise<void> {
  const there = (await iam.listAccessKeys(user)).some((k) => k.accessKeyId === accessKeyId);
  if (!there) return;
  await iam.deactivateAccessKey(user, accessKeyId);
  await iam.deleteAccessKey(user, accessKeyId);
}

/** Removes every key of the user (AWS refuses to delete a user, and so the stack, while it has keys). */
export async function deleteAllVeleroKeys(iam: IamPort, user: string): Promise<number> {
  const keys = await iam.listAccessKeys(user);
  for (const k of keys) await iam.deleteAccessKey(user, k.accessKeyId);
  return keys.length;
}
