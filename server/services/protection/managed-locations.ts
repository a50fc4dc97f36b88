import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Deps } from "../../composition";
import { AppError, notFound } from "../../errors";
import { publish } from "../../events/bus";
import { awsS3Config, type CredentialSecret } from "@/lib/schemas/locations";
import {
  connectStackInput,
  defaultStackName,
  managedLocationInput,
  type ConnectStackInput,
  templateOptionsInput,
  type ManagedLocationInput,
  type TemplateOptionsInput,
} from "@/lib/schemas/managed-locations";
import {
  deployCommand,
  optionsFromSlug,
  optionsSlug,
  TEMPLATE_VERSION,
  templateJson,
  templateYaml,
  type TemplateOptions,
} from "@/lib/aws/location-template";
import { Prisma } from "../../db/generated/client";
import { roleCredentials, type AwsKeysProvider } from "../../storage/aws/clients";
import { maskKeyId } from "../../storage/s3";
import type { AwsEndpoint } from "../../storage/aws/cloudformation";
import {
  createOrAdoptStack,
  LOCATION_TAG,
  missingOutputs,
  newStackEvents,
  progressOf,
  REQUEST_TAG,
  stackError,
  stackFailure,
  StackRefused,
} from "../../storage/aws/stacks";
import { deleteAllVeleroKeys, freshVeleroKey, retireVeleroKey } from "../../storage/aws/velero-user";
import { replaceKeys } from "./rotation";
import { credentialTypeFor, splitCredential, storedLocationConfig } from "../../storage/providers/registry";
import { credentialSecret } from "./credentials";
import { EMPTY_TRIES, emptyBucketStep } from "./managed-buckets";

// Managed target locations (#11 §1): Lifeboat provisions a bucket and its Velero IAM user through CloudFormation with
// an AWS account credential, from its own template. A request only records the intent and starts CreateStack; the
// managed-stacks reconciler (advanceStack) follows the stack, stores its events, and when it completes creates the
// Velero user's access key through IAM, seals it, probes the bucket with it and makes the location: an ordinary AWS S3
// location to everything else (assignment, BackupStorageLocations, healing). Every step is idempotent, so a replica
// that takes over the lease, or a retry after a crash, converges on the same result.

/** How often a stack CloudFormation is still working on is read again, and the longest back-off after errors. */
export const POLL_MS = 5_000;
const MAX_BACKOFF_MS = 60_000;
/**
 * A new IAM key takes a few seconds to work on AWS: the bucket probe is tried this many times, KEY_SETTLE_MS apart
 * (about 30 s), before giving up: by the reconciler when a stack is finished, within the request when a key is rotated.
 */
const PROBE_TRIES = 12;
const KEY_SETTLE_MS = 2_500;
/** How often a rotation held up by a lagging cluster is looked at again (healing applies the new key meanwhile). */
const RETIRE_POLL_MS = 30_000;

type Options = TemplateOptions & {
  noncurrentVersionDays: number;
  objectLockRetentionDays: number;
  bucketName: string;
  prefix: string;
};

const ROLE_PROVIDERS_KEPT = 64;
const roleProviders = new Map<string, AwsKeysProvider>();

/** An AWS account credential as the SDK's clients take it, at `region`: its keys, or its role assumed with its source's. */
export async function accountAt(d: Deps, credentialId: string, region: string): Promise<AwsEndpoint> {
  const secret = await credentialSecret(d, credentialId);
  if (secret.kind === "AWS_ACCOUNT_KEY")
    return {
      region,
      endpoint: secret.endpoint || undefined,
      credentials: { accessKeyId: secret.accessKeyId, secretAccessKey: secret.secretAccessKey },
    };
  if (secret.kind === "AWS_ACCOUNT_ROLE") {
    const source = await credentialSecret(d, secret.sourceCredentialId);
    if (source.kind !== "AWS_ACCOUNT_KEY")
      throw new AppError("PRECONDITION_FAILED", "The role's source credential is not an AWS account key");
    // One provider per role and source keys, so its assumed keys serve every call until they near expiry (the
    // reconciler reads a stack every few seconds); new keys or a new external id make a new one.
    const cacheKey = createHash("sha256")
      .update(JSON.stringify([credentialId, secret, source]))
      .digest("hex");
    let credentials = roleProviders.get(cacheKey);
    if (!credentials) {
      credentials = roleCredentials(source, secret.roleArn, secret.externalId, {
        region: secret.region,
        endpoint: secret.endpoint || undefined,
        sessionName: secret.sessionName,
      });
      if (roleProviders.size >= ROLE_PROVIDERS_KEPT) roleProviders.delete(roleProviders.keys().next().value!);
      roleProviders.set(cacheKey, credentials);
    }
    return { region, endpoint: secret.endpoint || undefined, credentials };
  }
  throw new AppError(
    "BAD_REQUEST",
    `Managed locations are provisioned with an AWS account credential (access key or role), not ${secret.kind}`,
  );
}

const templateOptionsOf = (o: {
  encryption: TemplateOptions["encryption"];
  versioning: boolean;
  objectLock: TemplateOptions["objectLock"];
}): TemplateOptions => ({
  encryption: o.encryption,
  versioning: o.versioning,
  objectLock: o.objectLock,
});

/** The stack's parameters for the options (only those the template declares for them). */
function parametersOf(o: Options): Record<string, string> {
  const p: Record<string, string> = {};
  if (o.bucketName) p.BucketName = o.bucketName;
  if (o.versioning) p.NoncurrentVersionDays = String(o.noncurrentVersionDays);
  if (o.objectLock) p.ObjectLockRetentionDays = String(o.objectLockRetentionDays);
  return p;
}

/**
 * Refuses a location name or a stack that is in use: a location's, or a stack's that is not deleted (a deleted stack's
 * row, kept for its bucket, holds neither).
 */
async function refuseTakenNames(d: Deps, name: string, accountCredentialId: string, region: string, stackName: string) {
  if (await d.db.location.findUnique({ where: { name }, select: { id: true } }))
    throw new AppError("CONFLICT", `A target location named ${name} already exists`);
  const live = { phase: { not: "DELETED" as const } };
  if (await d.db.managedStack.findFirst({ where: { name, ...live }, select: { id: true } }))
    throw new AppError("CONFLICT", `A managed location named ${name} is already being provisioned or deleted`);
  const taken = await d.db.managedStack.findFirst({
    where: { accountCredentialId, region, stackName, ...live },
    select: { name: true },
  });
  if (taken)
    throw new AppError(
      "CONFLICT",
      `A stack named ${stackName} already exists in ${region}: it is the managed location ${taken.name}'s`,
    );
}

/** The template for the options, to download, and the command that deploys it in an operator's own account. */
export function templateFor(
  given: TemplateOptionsInput & { stackName?: string; region?: string; bucketName?: string },
) {
  const o = templateOptionsInput.parse(given);
  const options = templateOptionsOf(o);
  const fileName = `lifeboat-location.${optionsSlug(options)}.v${TEMPLATE_VERSION}.yaml`;
  const { BucketName: _bucket, ...parameters } = parametersOf({
    ...o,
    bucketName: "",
    prefix: "",
  });
  return {
    yaml: templateYaml(options),
    fileName,
    templateVersion: TEMPLATE_VERSION,
    deployCommand: deployCommand({
      file: fileName,
      stackName: given.stackName || "lifeboat-<location>",
      region: given.region || "<region>",
      bucketName: given.bucketName || undefined,
      parameters,
    }),
  };
}

const parsedInput = (given: ManagedLocationInput) => {
  const r = managedLocationInput.safeParse(given);
  if (!r.success)
    throw new AppError("BAD_REQUEST", r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return r.data;
};

/**
 * Starts provisioning: records the stack (phase PROVISIONING, its idempotency token), then CreateStack. A refusal
 * (no CloudFormation rights, a taken stack name, a template CloudFormation rejects) leaves nothing behind and says why;
 * a CloudFormation that does not answer leaves the row for the reconciler, which repeats the same request (the token
 * makes it one stack).
 */
export async function provisionManagedLocation(d: Deps, actorId: string, given: ManagedLocationInput) {
  const input = parsedInput(given);
  const stackName = input.stackName || defaultStackName(input.name);
  await refuseTakenNames(d, input.name, input.accountCredentialId, input.region, stackName);
  const at = await accountAt(d, input.accountCredentialId, input.region);
  const options: Options = {
    ...templateOptionsOf(input),
    noncurrentVersionDays: input.noncurrentVersionDays,
    objectLockRetentionDays: input.objectLockRetentionDays,
    bucketName: input.bucketName,
    prefix: input.prefix,
  };
  const token = `lifeboat-${randomUUID()}`;
  const row = await d.db.managedStack.create({
    data: {
      name: input.name,
      mode: "LIFEBOAT",
      accountCredentialId: input.accountCredentialId,
      region: input.region,
      stackName,
      clientRequestToken: token,
      templateVersion: TEMPLATE_VERSION,
      options: options as unknown as Prisma.InputJsonObject,
      phase: "PROVISIONING",
      createdById: actorId,
    },
    select: { id: true, name: true },
  });
  try {
    const { stackId } = await createOrAdoptStack(
      d.aws.cloudFormation(at),
      createInput(row.name, stackName, token, options),
    );
    await d.db.managedStack.update({ where: { id: row.id }, data: { stackId, nextPollAt: new Date() } });
  } catch (e) {
    const refused = e instanceof StackRefused ? e : stackError(e, `create the stack ${stackName}`);
    if (refused.failure === "Throttled" || refused.failure === "Unreachable" || refused.failure === "Other") {
      // CloudFormation may have created it: the reconciler asks again with the same token.
      await d.db.managedStack.update({
        where: { id: row.id },
        data: { statusReason: refused.message, nextPollAt: new Date(Date.now() + POLL_MS) },
      });
    } else {
      await d.db.managedStack.delete({ where: { id: row.id } });
      throw new AppError(
        refused.failure === "Conflict" ? "CONFLICT" : "PRECONDITION_FAILED",
        `${refused.message}. Nothing was created.`,
      );
    }
  }
  await publish(d.db, { topic: "locations" });
  return row;
}

function createInput(name: string, stackName: string, token: string, options: Options) {
  return {
    stackName,
    // JSON (YAML's subset) for CreateStack: moto 5.2's YAML reader fails on what the yaml package writes (an HTML 500),
    // while CloudFormation takes either; operators download the same template as YAML.
    templateBody: templateJson(templateOptionsOf(options)),
    parameters: parametersOf(options),
    clientRequestToken: token,
    tags: { [LOCATION_TAG]: name, [REQUEST_TAG]: token },
  };
}

export type StackRow = NonNullable<Awaited<ReturnType<typeof loadStack>>>;
export const loadStack = (d: Deps, id: string) => d.db.managedStack.findUnique({ where: { id } });

/**
 * The rows the reconciler has work for now (a stack being created, finished or deleted, a key rotation to finish, or a
 * kept bucket being emptied, whose next poll is due).
 */
export async function dueStacks(d: Deps, limit = 20) {
  return d.db.managedStack.findMany({
    where: {
      OR: [
        { phase: { in: ["PROVISIONING", "FINISHING", "DELETING"] } },
        { bucketPhase: "EMPTYING" },
        { phase: "READY", retiringKeyId: { not: null } },
      ],
      nextPollAt: { lte: new Date() },
    },
    orderBy: { nextPollAt: "asc" },
    take: limit,
    select: { id: true },
  });
}

/**
 * One reconciler step for a stack: read CloudFormation and store what changed, or finish a completed stack. An error
 * is kept on the row (statusReason) and the step is tried again later, backing off.
 */
export async function advanceStack(d: Deps, id: string): Promise<void> {
  const row = await loadStack(d, id);
  if (!row) return;
  try {
    if (row.phase === "PROVISIONING") await followCreate(d, row);
    else if (row.phase === "FINISHING") await finish(d, row);
    else if (row.phase === "DELETING") await followDelete(d, row);
    else if (row.phase === "READY" && row.retiringKeyId) await finishRotation(d, row);
    if (row.bucketPhase === "EMPTYING") await emptyBucketStep(d, row);
  } catch (e) {
    const message =
      e instanceof StackRefused || e instanceof AppError ? e.message : stackError(e, "read the stack").message;
    const attempts = row.attempts + 1;
    // Emptying a bucket stops after a few refusals in a row (e.g. the account may not delete its objects): the bucket
    // is kept again, with the reason, and the operator may try again once it is fixed.
    const stopEmptying = row.bucketPhase === "EMPTYING" && attempts >= EMPTY_TRIES;
    await d.db.managedStack.update({
      where: { id },
      data: {
        attempts,
        statusReason: stopEmptying ? `Emptying the bucket stopped: ${message}` : message,
        ...(stopEmptying ? { bucketPhase: "RETAINED" as const } : {}),
        nextPollAt: new Date(Date.now() + Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** Math.min(attempts, 4))),
      },
    });
  }
  await publish(d.db, { topic: "locations" });
}

async function followCreate(d: Deps, row: StackRow) {
  const options = row.options as unknown as Options;
  const cfn = d.aws.cloudFormation(await accountAt(d, row.accountCredentialId, row.region));
  if (!row.stackId) {
    const { stackId } = await createOrAdoptStack(
      cfn,
      createInput(row.name, row.stackName, row.clientRequestToken, options),
    );
    await d.db.managedStack.update({ where: { id: row.id }, data: { stackId, statusReason: null, attempts: 0 } });
    return;
  }
  const read = await cfn.describeStack(row.stackId);
  if (!read) {
    await d.db.managedStack.update({
      where: { id: row.id },
      data: { phase: "FAILED", failure: { reason: `The stack ${row.stackName} no longer exists in ${row.region}` } },
    });
    return;
  }
  const known = new Set(
    (await d.db.managedStackEvent.findMany({ where: { stackRowId: row.id }, select: { eventId: true } })).map(
      (e) => e.eventId,
    ),
  );
  const fresh = await newStackEvents(cfn, row.stackId, known);
  if (fresh.length)
    await d.db.managedStackEvent.createMany({
      data: fresh.map((e) => ({ stackRowId: row.id, ...e })),
      skipDuplicates: true,
    });
  const progress = progressOf(read.status, "create");
  const common = { stackStatus: read.status, statusReason: read.statusReason, attempts: 0 };
  if (progress === "IN_PROGRESS") {
    await d.db.managedStack.update({
      where: { id: row.id },
      data: { ...common, nextPollAt: new Date(Date.now() + POLL_MS) },
    });
  } else if (progress === "COMPLETE") {
    const missing = missingOutputs(read.outputs);
    await d.db.managedStack.update({
      where: { id: row.id },
      data: missing.length
        ? { ...common, phase: "FAILED", failure: { reason: `The stack has no output ${missing.join(", ")}` } }
        : { ...common, phase: "FINISHING", outputs: read.outputs, nextPollAt: new Date() },
    });
  } else {
    const events = await d.db.managedStackEvent.findMany({ where: { stackRowId: row.id } });
    const why = stackFailure(events.map((e) => ({ ...e, reason: e.reason })));
    await d.db.managedStack.update({
      where: { id: row.id },
      data: {
        ...common,
        phase: "FAILED",
        failure: why
          ? { logicalId: why.logicalId, resourceType: why.resourceType, status: why.status, reason: why.reason }
          : { reason: read.statusReason ?? read.status },
      },
    });
  }
}

/** The completed stack's Velero key (created once, sealed as the location's credential), its probe, its location. */
async function finish(d: Deps, row: StackRow) {
  const outputs = row.outputs as Record<string, string>;
  const options = row.options as unknown as Options;
  const at = await accountAt(d, row.accountCredentialId, row.region);
  let credentialId = row.veleroCredentialId;
  if (!credentialId) {
    const key = await freshVeleroKey(d.aws.iam(at), outputs.VeleroUserName);
    credentialId = await sealVeleroKey(d, row, outputs.VeleroUserName, {
      kind: "AWS_ACCESS_KEY",
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
    });
  }
  const provider = d.storage.providerFor("AWS_S3");
  const config = awsS3Config.parse({
    provider: "AWS_S3",
    bucket: outputs.BucketName,
    prefix: options.prefix,
    region: outputs.Region || row.region,
    // An AWS-compatible API (moto in the sandbox) serves buckets in the path, as AWS's own endpoint does not need.
    endpoint: at.endpoint ?? "",
    pathStyle: Boolean(at.endpoint),
  });
  const secret = await credentialSecret(d, credentialId);
  const probe = await provider.probe(config, secret);
  if (!probe.ok) {
    if (row.attempts + 1 >= PROBE_TRIES)
      await d.db.managedStack.update({
        where: { id: row.id },
        data: { phase: "FAILED", failure: { reason: probe.message } },
      });
    else
      await d.db.managedStack.update({
        where: { id: row.id },
        data: {
          attempts: row.attempts + 1,
          statusReason: probe.message,
          nextPollAt: new Date(Date.now() + KEY_SETTLE_MS),
        },
      });
    return;
  }
  await d.db.$transaction(async (tx) => {
    const location =
      (row.locationId && (await tx.location.findUnique({ where: { id: row.locationId }, select: { id: true } }))) ||
      (await tx.location.create({
        data: {
          name: row.name,
          provider: "AWS_S3",
          config: storedLocationConfig(config),
          credentialId: credentialId!,
          lastProbeAt: new Date(),
          lastProbeMessage: probe.message,
          createdById: row.createdById,
        },
        select: { id: true },
      }));
    await tx.managedStack.update({
      where: { id: row.id },
      data: { phase: "READY", locationId: location.id, statusReason: null, attempts: 0, failure: Prisma.DbNull },
    });
  });
}

async function sealVeleroKey(d: Deps, row: StackRow, user: string, key: CredentialSecret): Promise<string> {
  const type = credentialTypeFor(key.kind);
  const { sealed, config } = splitCredential(key);
  const taken = await d.db.credential.findUnique({ where: { name: `${row.name}-velero` }, select: { id: true } });
  const name = taken ? `${row.name}-velero-${randomBytes(2).toString("hex")}` : `${row.name}-velero`;
  const sealedSecretId = await d.sealed.put(type.sealPurpose, sealed);
  const c = await d.db.credential.create({
    data: {
      name,
      provider: type.provider,
      config,
      description: `Velero's access key for the managed location ${row.name} (IAM user ${user}); rotated from the location`,
      keyIdMasked: type.masked(key as never),
      sealedSecretId,
      createdById: row.createdById,
    },
    select: { id: true },
  });
  await d.db.managedStack.update({ where: { id: row.id }, data: { veleroCredentialId: c.id } });
  return c.id;
}

/** What the console shows of a managed stack: never a secret (the outputs hold none by the template's design). */
export async function listStacks(d: Deps) {
  const rows = await d.db.managedStack.findMany({
    where: { OR: [{ phase: { not: "DELETED" } }, { bucketPhase: { in: ["RETAINED", "EMPTYING"] } }] },
    orderBy: { createdAt: "desc" },
    include: { events: { orderBy: { timestamp: "desc" }, take: 100 }, accountCredential: { select: { name: true } } },
  });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    mode: r.mode,
    phase: r.phase,
    region: r.region,
    stackName: r.stackName,
    stackId: r.stackId,
    stackStatus: r.stackStatus,
    statusReason: r.statusReason,
    templateVersion: r.templateVersion,
    accountCredential: r.accountCredential.name,
    locationId: r.locationId,
    failure: (r.failure ?? null) as {
      logicalId?: string;
      resourceType?: string;
      status?: string;
      reason?: string | null;
    } | null,
    outputs: (r.outputs ?? {}) as Record<string, string>,
    rotationPending: r.retiringKeyId !== null,
    bucket: r.bucketPhase
      ? { phase: r.bucketPhase, backups: r.bucketBackups, objectsDeleted: r.bucketObjectsDeleted }
      : null,
    events: r.events.map((e) => ({
      id: e.eventId,
      timestamp: e.timestamp,
      logicalId: e.logicalId,
      resourceType: e.resourceType,
      status: e.status,
      reason: e.reason,
    })),
    createdAt: r.createdAt,
  }));
}

/**
 * Forgets a failed stack's row (CloudFormation keeps a failed stack until it is deleted; say so), or a deleted
 * location's kept bucket (it stays in the account, untouched).
 */
export async function dismissFailedStack(d: Deps, id: string) {
  const row = await loadStack(d, id);
  if (!row) throw notFound("Managed stack");
  if (row.phase === "FAILED" && !row.locationId) await forgetFailedStack(d, row);
  else if (row.bucketPhase === "RETAINED" && !row.locationId)
    await (row.phase === "DELETED"
      ? d.db.managedStack.delete({ where: { id } })
      : d.db.managedStack.update({ where: { id }, data: { bucketPhase: null } }));
  else throw new AppError("CONFLICT", "Only a failed provisioning or a kept bucket can be dismissed");
  await publish(d.db, { topic: "locations" });
  return { id };
}

/**
 * A failed stack's row goes, and with it a Velero key Lifeboat made before the failure: its IAM keys (best effort: AWS
 * refuses to delete a stack whose user still has keys) and the sealed credential.
 */
async function forgetFailedStack(d: Deps, row: StackRow) {
  const user = ((row.outputs ?? {}) as Record<string, string>).VeleroUserName;
  if (row.veleroCredentialId && user)
    await deleteAllVeleroKeys(d.aws.iam(await accountAt(d, row.accountCredentialId, row.region)), user).catch(
      () => undefined,
    );
  const credential = row.veleroCredentialId
    ? await d.db.credential.findUnique({
        where: { id: row.veleroCredentialId },
        select: { id: true, sealedSecretId: true },
      })
    : null;
  await d.db.$transaction(async (tx) => {
    await tx.managedStack.delete({ where: { id: row.id } });
    if (credential) await tx.credential.delete({ where: { id: credential.id } });
  });
  if (credential) await d.sealed.remove(credential.sealedSecretId);
}

/**
 * Deletes a managed location (the caller has refused it while assigned): the Velero user's keys first (AWS will not
 * delete a user that has keys, and so not the stack), then DeleteStack; the location and its Velero credential go at
 * once, the stack row follows CloudFormation to DELETE_COMPLETE. The bucket and its backups stay (DeletionPolicy
 * Retain), and so does an SSE-KMS key: the answer says so.
 */
export async function deleteManagedLocation(d: Deps, locationId: string): Promise<{ kept: string }> {
  const row = await d.db.managedStack.findUnique({ where: { locationId } });
  if (!row) throw notFound("Managed stack");
  const outputs = (row.outputs ?? {}) as Record<string, string>;
  const at = await accountAt(d, row.accountCredentialId, row.region);
  try {
    if (outputs.VeleroUserName) await deleteAllVeleroKeys(d.aws.iam(at), outputs.VeleroUserName);
    // A stack the operator deployed stays theirs: Lifeboat removes only the keys it made.
    if (row.mode === "LIFEBOAT")
      await d.aws.cloudFormation(at).deleteStack(row.stackId ?? row.stackName, `${row.clientRequestToken}-delete`);
  } catch (e) {
    const refused = e instanceof StackRefused ? e : stackError(e, `delete the stack ${row.stackName}`);
    throw new AppError("PRECONDITION_FAILED", `${refused.message}. Nothing was deleted.`);
  }
  const credential = row.veleroCredentialId
    ? await d.db.credential.findUnique({
        where: { id: row.veleroCredentialId },
        select: { id: true, sealedSecretId: true },
      })
    : null;
  await d.db.$transaction(async (tx) => {
    await tx.managedStack.update({
      where: { id: row.id },
      data: {
        phase: row.mode === "LIFEBOAT" ? "DELETING" : "DELETED",
        // Lifeboat's own stack's bucket is kept (Retain) and offered for emptying; an operator's stack stays theirs.
        bucketPhase: row.mode === "LIFEBOAT" && outputs.BucketName ? "RETAINED" : null,
        locationId: null,
        veleroCredentialId: null,
        nextPollAt: new Date(),
        attempts: 0,
      },
    });
    await tx.location.delete({ where: { id: locationId } });
    if (credential) await tx.credential.delete({ where: { id: credential.id } });
  });
  if (credential) await d.sealed.remove(credential.sealedSecretId);
  await publish(d.db, { topic: "locations" });
  const kept = [`the bucket ${outputs.BucketName ?? "(unknown)"} and the backups in it`];
  if (outputs.KmsKeyArn) kept.push(`the KMS key ${outputs.KmsKeyArn}, which reads them`);
  if (row.mode === "OPERATOR")
    return {
      kept:
        `Lifeboat deleted the Velero user's keys it made; the stack ${row.stackName} is yours and stays in ` +
        `${row.region} (delete it there; its bucket is kept by DeletionPolicy Retain)`,
    };
  return {
    kept:
      `CloudFormation deletes the stack; kept: ${kept.join(", and ")} (DeletionPolicy Retain). ` +
      "Kept buckets lists the bucket, to empty and delete it when its backups are no longer needed",
  };
}

async function followDelete(d: Deps, row: StackRow) {
  const cfn = d.aws.cloudFormation(await accountAt(d, row.accountCredentialId, row.region));
  const read = await cfn.describeStack(row.stackId ?? row.stackName);
  const progress = read ? progressOf(read.status, "delete") : "DELETED";
  if (progress === "IN_PROGRESS")
    await d.db.managedStack.update({
      where: { id: row.id },
      data: { stackStatus: read!.status, attempts: 0, nextPollAt: new Date(Date.now() + POLL_MS) },
    });
  else
    await d.db.managedStack.update({
      where: { id: row.id },
      data:
        progress === "DELETED"
          ? { phase: "DELETED", stackStatus: "DELETE_COMPLETE", statusReason: null }
          : {
              phase: "FAILED",
              stackStatus: read!.status,
              failure: { reason: read!.statusReason ?? "CloudFormation could not delete the stack" },
            },
    });
}

/**
 * A new access key for a managed location's Velero user: made through IAM beside the one in use, probed at the bucket
 * (a new IAM key takes a few seconds to work), rolled out to every cluster holding the location, and only then the old
 * key retired (inactive, then deleted). A cluster that could not take the new key yet keeps the old one working: the
 * answer says so, and healing finishes the roll-out; rotating again then retires it.
 */
export async function rotateManagedKey(d: Deps, locationId: string): Promise<{ id: string; note: string }> {
  const row = await d.db.managedStack.findUnique({ where: { locationId } });
  if (!row || row.phase !== "READY" || !row.veleroCredentialId) throw notFound("Managed location");
  if (row.retiringKeyId)
    throw new AppError(
      "CONFLICT",
      `The previous rotation is still rolling out: its old key ${maskKeyId(row.retiringKeyId)} is retired once every ` +
        "cluster holding the location has the new one. Rotate again after that.",
    );
  const outputs = (row.outputs ?? {}) as Record<string, string>;
  const user = outputs.VeleroUserName;
  const iam = d.aws.iam(await accountAt(d, row.accountCredentialId, row.region));
  const old = await credentialSecret(d, row.veleroCredentialId);
  if (old.kind !== "AWS_ACCESS_KEY") throw new Error("The Velero key is not an access key pair");
  let key: { accessKeyId: string; secretAccessKey: string };
  try {
    key = await freshVeleroKey(iam, user, [old.accessKeyId]);
  } catch (e) {
    throw new AppError("PRECONDITION_FAILED", `${stackError(e, `create a key for ${user}`).message}. Nothing changed.`);
  }
  const secret: CredentialSecret = { kind: "AWS_ACCESS_KEY", ...key };
  const location = await d.db.location.findUniqueOrThrow({ where: { id: locationId } });
  const provider = d.storage.providerFor("AWS_S3");
  const config = awsS3Config.parse({ ...(location.config as object), provider: "AWS_S3" });
  let probe = await provider.probe(config, secret);
  for (let i = 1; !probe.ok && i < PROBE_TRIES; i++) {
    await new Promise((r) => setTimeout(r, KEY_SETTLE_MS)); // IAM's eventual consistency: the key works soon
    probe = await provider.probe(config, secret);
  }
  if (!probe.ok) {
    await iam.deleteAccessKey(user, key.accessKeyId).catch(() => undefined);
    throw new AppError(
      "PRECONDITION_FAILED",
      `The new key was refused at the bucket: ${probe.message}. Nothing changed.`,
    );
  }
  await replaceKeys(d, row.veleroCredentialId, secret);
  const deployments = await d.db.locationDeployment.findMany({
    where: { locationId },
    select: { appliedAt: true, error: true, cluster: { select: { name: true } } },
  });
  const behind = deployments.filter((x) => !x.appliedAt || x.error).map((x) => x.cluster.name);
  if (behind.length) {
    // Healing keeps applying the new key there; the reconciler retires the old one once every cluster holds it.
    await d.db.managedStack.update({
      where: { id: row.id },
      data: { retiringKeyId: old.accessKeyId, nextPollAt: new Date(Date.now() + RETIRE_POLL_MS), attempts: 0 },
    });
    await publish(d.db, { topic: "locations" });
    return {
      id: locationId,
      note:
        `The new key is in use; the old one stays active until ${behind.join(", ")} hold the new one (healing ` +
        "retries), and Lifeboat then retires it.",
    };
  }
  await retireVeleroKey(iam, user, old.accessKeyId);
  await publish(d.db, { topic: "locations" });
  return { id: locationId, note: "The new key is in use on every cluster; the old one was deactivated and deleted." };
}

/**
 * Finishes a rotation a lagging cluster held up: once every cluster holding the location has applied the new key (and
 * reports no error), the old key is deactivated and deleted; until then it is looked at again every RETIRE_POLL_MS.
 */
async function finishRotation(d: Deps, row: StackRow) {
  const deployments = row.locationId
    ? await d.db.locationDeployment.findMany({
        where: { locationId: row.locationId },
        select: { appliedAt: true, error: true },
      })
    : [];
  if (deployments.some((x) => !x.appliedAt || x.error)) {
    await d.db.managedStack.update({
      where: { id: row.id },
      data: { nextPollAt: new Date(Date.now() + RETIRE_POLL_MS), attempts: 0 },
    });
    return;
  }
  const user = ((row.outputs ?? {}) as Record<string, string>).VeleroUserName;
  await retireVeleroKey(d.aws.iam(await accountAt(d, row.accountCredentialId, row.region)), user, row.retiringKeyId!);
  await d.db.managedStack.update({
    where: { id: row.id },
    data: { retiringKeyId: null, statusReason: null, attempts: 0 },
  });
}

/**
 * "I run it in my account": reads the stack the operator deployed from Lifeboat's template (it must be complete and
 * carry the template's outputs), and hands it to the reconciler's finishing step, as a stack Lifeboat made would be:
 * the Velero user's key through IAM, the probe, the location. Lifeboat never deletes such a stack; deleting the location
 * removes its keys and leaves the stack to its owner.
 */
export async function connectManagedLocation(d: Deps, actorId: string, given: ConnectStackInput) {
  const r = connectStackInput.safeParse(given);
  if (!r.success)
    throw new AppError("BAD_REQUEST", r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  const input = r.data;
  await refuseTakenNames(d, input.name, input.accountCredentialId, input.region, input.stackName);
  const at = await accountAt(d, input.accountCredentialId, input.region);
  let read;
  try {
    read = await d.aws.cloudFormation(at).describeStack(input.stackName);
  } catch (e) {
    throw new AppError("PRECONDITION_FAILED", stackError(e, `read the stack ${input.stackName}`).message);
  }
  if (!read)
    throw new AppError(
      "PRECONDITION_FAILED",
      `No stack named ${input.stackName} in ${input.region} for this account: check the name, the region and the account`,
    );
  if (progressOf(read.status, "create") !== "COMPLETE")
    throw new AppError(
      "PRECONDITION_FAILED",
      `The stack ${input.stackName} is ${read.status}: connect it once it is CREATE_COMPLETE`,
    );
  const missing = missingOutputs(read.outputs);
  const options = optionsFromSlug(read.outputs.LifeboatOptions ?? "");
  if (missing.length || !options)
    throw new AppError(
      "PRECONDITION_FAILED",
      `The stack ${input.stackName} was not made from Lifeboat's template` +
        (missing.length ? ` (it has no output ${missing.join(", ")})` : " (its LifeboatOptions output is not one)"),
    );
  const row = await d.db.managedStack.create({
    data: {
      name: input.name,
      mode: "OPERATOR",
      accountCredentialId: input.accountCredentialId,
      region: input.region,
      stackName: input.stackName,
      stackId: read.stackId,
      stackStatus: read.status,
      clientRequestToken: `lifeboat-${randomUUID()}`,
      templateVersion: read.outputs.LifeboatTemplateVersion,
      options: {
        ...options,
        noncurrentVersionDays: 0,
        objectLockRetentionDays: 0,
        bucketName: read.outputs.BucketName,
        prefix: input.prefix,
      } as unknown as Prisma.InputJsonObject,
      outputs: read.outputs,
      phase: "FINISHING",
      createdById: actorId,
    },
    select: { id: true, name: true },
  });
  await publish(d.db, { topic: "locations" });
  return row;
}
