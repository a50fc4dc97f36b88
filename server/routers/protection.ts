import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { byId } from "@/lib/schemas/admin";
import {
  CREDENTIAL_KINDS,
  CREDENTIAL_PROVIDERS,
  credentialCreateInput,
  credentialRotateInput,
  LOCATION_KINDS,
  locationAssignInput,
  locationWritersInput,
  locationConfig,
  locationCreateInput,
  locationUpdateInput,
} from "@/lib/schemas/locations";
import { createCredential, deleteCredential, listCredentials } from "../services/protection/credentials";
import {
  assignLocation,
  setLocationWriters,
  createLocation,
  deleteLocation,
  listLocations,
  refreshLocationStatus,
  unassignLocation,
  updateLocation,
} from "../services/protection/locations";
import { rotateCredential } from "../services/protection/rotation";
import {
  connectManagedLocation,
  dismissFailedStack,
  listStacks,
  provisionManagedLocation,
  rotateManagedKey,
  templateFor,
} from "../services/protection/managed-locations";
import {
  connectStackInput,
  emptyKeptBucketInput,
  managedLocationInput,
  templateOptionsInput,
} from "@/lib/schemas/managed-locations";
import { emptyKeptBucket, keptBucketContents } from "../services/protection/managed-buckets";
import { objectProcedure, targetProcedureOn } from "../trpc/scoped";
import { idOnly, ref } from "./outputs";

// Credentials (never returned: only the masked key id) and self-provisioned target locations.
const credentialRow = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.enum(CREDENTIAL_PROVIDERS),
  kind: z.enum(CREDENTIAL_KINDS),
  description: z.string(),
  keyIdMasked: z.string(),
  /** What the credential is for, from its clear settings (e.g. "Storage account acme · AzurePublicCloud"), or "". */
  details: z.string(),
  createdAt: z.date(),
  locations: z.array(ref),
});

/** A credential just created or given new keys, with what its check found, in words (null for a kind not checked). */
const checkedCredentialRow = credentialRow.extend({ checked: z.string().nullable() });

const locationRow = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.enum(LOCATION_KINDS),
  /** The provider and where it points, as its driver says it (e.g. "S3-compatible · s3://bucket/prefix · endpoint"). */
  summary: z.string(),
  /** What the edit form starts from: where the location points, by provider (none of it secret). */
  settings: locationConfig.nullable(),
  lastProbeAt: z.date().nullable(),
  lastProbeMessage: z.string().nullable(),
  createdAt: z.date(),
  credential: z.object({ id: z.string(), name: z.string(), keyIdMasked: z.string() }),
  /** For a managed location, the stack it came from (whoever may see the location sees this). */
  managedStack: z
    .object({
      mode: z.enum(["LIFEBOAT", "OPERATOR"]),
      stackName: z.string(),
      region: z.string(),
      templateVersion: z.string(),
    })
    .nullable(),
  /** ReadOnly on every assigned cluster, whatever the assignments say. */
  readOnly: z.boolean(),
  /** Set when more than one cluster writes to where this location points (made before Lifeboat refused it). */
  writeConflict: z.string().nullable(),
  assignments: z.array(
    z.object({
      id: z.string(),
      readOnly: z.boolean(),
      clusterGroup: ref.nullable(),
      cluster: ref.nullable(),
      /** On a group assignment, the clusters of the group that write to the location (the others only read it). */
      writers: z.array(ref),
      /** Writers the viewer does not see, counted. */
      hiddenWriters: z.number().int(),
    }),
  ),
  deployments: z.array(
    z.object({
      clusterId: z.string(),
      clusterName: z.string(),
      groupId: z.string(),
      bslName: z.string(),
      readOnly: z.boolean(),
      phase: z.string().nullable(),
      message: z.string().nullable(),
      lastValidationTime: z.date().nullable(),
      appliedAt: z.date().nullable(),
      error: z.string().nullable(),
      /** The Velero plugin image this location needs and the cluster's Velero does not report, or null. */
      missingPlugin: z.string().nullable(),
    }),
  ),
});

export const credentialRouter = router({
  list: procedure
    .meta({ permission: "credential.list" })
    .output(z.array(credentialRow))
    .query(({ ctx }) => listCredentials(ctx.services)),
  create: objectProcedure("credential", { field: null })
    // Committed with its audit row. A kind that is checked on save makes its bounded calls inside the transaction, well
    // within its 30 s: an Azure account key one (8 s at most), an AWS account credential one or two (AssumeRole, then
    // GetCallerIdentity: 16 s at most).
    .meta({ permission: "credential.create", dbOnly: true })
    .input(credentialCreateInput)
    .output(checkedCredentialRow)
    .mutation(({ ctx, input }) => createCredential(ctx.services, ctx.principal!.userId, input)),
  delete: objectProcedure("credential")
    .meta({ permission: "credential.delete", dbOnly: true })
    .input(byId)
    .output(idOnly)
    .mutation(({ ctx, input }) => deleteCredential(ctx.services, input.id)),
  // New keys, probed at every location using the credential first; then rolled out to every cluster that holds them.
  rotate: objectProcedure("credential")
    .meta({ permission: "credential.rotate" })
    .input(credentialRotateInput)
    .output(checkedCredentialRow)
    .mutation(({ ctx, input }) => rotateCredential(ctx.services, input)),
});

const keptBucketOutput = z.object({
  bucket: z.string(),
  region: z.string(),
  backups: z.number().int(),
  lock: z
    .object({
      mode: z.enum(["GOVERNANCE", "COMPLIANCE"]).nullable(),
      days: z.number().int().nullable(),
      years: z.number().int().nullable(),
    })
    .nullable(),
  refusal: z.string().nullable(),
});

const stackRow = z.object({
  id: z.string(),
  name: z.string(),
  mode: z.enum(["LIFEBOAT", "OPERATOR"]),
  phase: z.enum(["PROVISIONING", "FINISHING", "READY", "FAILED", "DELETING", "DELETED"]),
  region: z.string(),
  stackName: z.string(),
  stackId: z.string().nullable(),
  stackStatus: z.string().nullable(),
  statusReason: z.string().nullable(),
  templateVersion: z.string(),
  accountCredential: z.string(),
  locationId: z.string().nullable(),
  /** The failing resource (or step) and CloudFormation's reason. */
  failure: z
    .object({
      logicalId: z.string().optional(),
      resourceType: z.string().optional(),
      status: z.string().optional(),
      reason: z.string().nullable().optional(),
    })
    .nullable(),
  /** The template's outputs: bucket, region, the Velero user and key ARN (the template puts no secret there). */
  outputs: z.record(z.string(), z.string()),
  /** A key rotation waits for a lagging cluster before the old key is retired. */
  rotationPending: z.boolean(),
  /** A deleted location's kept bucket: kept, being emptied (objects deleted so far), or deleted. */
  bucket: z
    .object({
      phase: z.enum(["RETAINED", "EMPTYING", "DELETED"]),
      backups: z.number().int().nullable(),
      objectsDeleted: z.number().int(),
    })
    .nullable(),
  events: z.array(
    z.object({
      id: z.string(),
      timestamp: z.date(),
      logicalId: z.string(),
      resourceType: z.string(),
      status: z.string(),
      reason: z.string().nullable(),
    }),
  ),
  createdAt: z.date(),
});

export const locationRouter = router({
  list: procedure
    .meta({ permission: "location.list" })
    .output(z.array(locationRow))
    .query(({ ctx }) => listLocations(ctx.services, ctx.access!)),
  create: objectProcedure("location", { field: null })
    .meta({ permission: "location.create" })
    .input(locationCreateInput)
    .output(z.object({ id: z.string(), name: z.string() }))
    .mutation(({ ctx, input }) => createLocation(ctx.services, ctx.principal!.userId, input)),
  // The managed location's CloudFormation template for the chosen options, and the command that deploys it.
  template: procedure
    .meta({ permission: "location.create" })
    .input(
      templateOptionsInput.and(
        z.object({
          stackName: z.string().max(128).optional(),
          region: z.string().max(32).optional(),
          bucketName: z.string().max(63).optional(),
        }),
      ),
    )
    .output(
      z.object({ yaml: z.string(), fileName: z.string(), templateVersion: z.string(), deployCommand: z.string() }),
    )
    .query(({ input }) => templateFor(input)),
  // Starts CreateStack with an AWS account credential; the managed-stacks reconciler follows it to a location.
  provision: objectProcedure("location", { field: null })
    .meta({ permission: "location.create" })
    .input(managedLocationInput)
    .output(z.object({ id: z.string(), name: z.string() }))
    .mutation(({ ctx, input }) => provisionManagedLocation(ctx.services, ctx.principal!.userId, input)),
  // The managed locations' stacks: phase, status, events, outputs, why one failed.
  stacks: procedure
    .meta({ permission: "location.create" })
    .output(z.array(stackRow))
    .query(({ ctx }) => listStacks(ctx.services)),
  // "I run it in my account": reads the stack the operator deployed from the template and makes it a location.
  connectStack: objectProcedure("location", { field: null })
    .meta({ permission: "location.create" })
    .input(connectStackInput)
    .output(z.object({ id: z.string(), name: z.string() }))
    .mutation(({ ctx, input }) => connectManagedLocation(ctx.services, ctx.principal!.userId, input)),
  // A new IAM key for a managed location's Velero user, rolled out to every cluster before the old one is retired.
  rotateKey: objectProcedure("location")
    .meta({ permission: "location.update" })
    .input(byId)
    .output(z.object({ id: z.string(), note: z.string() }))
    .mutation(({ ctx, input }) => rotateManagedKey(ctx.services, input.id)),
  dismissStack: objectProcedure("managedStack")
    .meta({ permission: "location.create" })
    .input(byId)
    .output(idOnly)
    .mutation(({ ctx, input }) => dismissFailedStack(ctx.services, input.id)),
  // What emptying a deleted location's kept bucket would destroy: its backups, read from the bucket now, and its lock.
  keptBucket: objectProcedure("managedStack")
    .meta({ permission: "location.delete" })
    .input(byId)
    .output(keptBucketOutput)
    .query(({ ctx, input }) => keptBucketContents(ctx.services, input.id)),
  // Empties and deletes the kept bucket (the reconciler does it page by page), once its name is typed and its backups confirmed.
  emptyKeptBucket: objectProcedure("managedStack")
    .meta({ permission: "location.delete" })
    .input(emptyKeptBucketInput)
    .output(z.object({ id: z.string(), bucket: z.string(), backups: z.number().int() }))
    .mutation(({ ctx, input }) => emptyKeptBucket(ctx.services, input)),
  // Probed before it is saved; then rolled out to every assigned cluster's BackupStorageLocation.
  update: objectProcedure("location")
    .meta({ permission: "location.update" })
    .input(locationUpdateInput)
    .output(idOnly)
    .mutation(({ ctx, input }) => updateLocation(ctx.services, ctx.access!, input)),
  delete: objectProcedure("location")
    .meta({ permission: "location.delete" })
    .input(byId)
    // For a managed location, what CloudFormation deletes and what it keeps.
    .output(z.object({ id: z.string(), note: z.string().optional() }))
    .mutation(({ ctx, input }) => deleteLocation(ctx.services, input.id)),
  // Bound to the cluster group or cluster it shares the location with; audited as the location there.
  assign: targetProcedureOn({ object: "locationId" })
    .meta({ permission: "location.assign" })
    .input(locationAssignInput)
    .output(idOnly)
    .mutation(({ ctx, input }) => assignLocation(ctx.services, ctx.access!, ctx.target, input)),
  // Which clusters of a group assignment's group write to the location (one writer per bucket and prefix).
  setWriters: objectProcedure("locationAssignment")
    .meta({ permission: "location.assign" })
    .input(locationWritersInput)
    .output(idOnly)
    .mutation(({ ctx, input }) => setLocationWriters(ctx.services, ctx.access!, input)),
  unassign: objectProcedure("locationAssignment")
    .meta({ permission: "location.assign" })
    .input(byId)
    .output(idOnly)
    .mutation(({ ctx, input }) => unassignLocation(ctx.services, ctx.access!, input.id)),
  refresh: objectProcedure("location")
    .meta({ permission: "location.refresh" })
    .input(byId)
    .output(idOnly)
    .mutation(async ({ ctx, input }) => {
      await refreshLocationStatus(ctx.services, ctx.access!, input.id);
      return { id: input.id };
    }),
});
