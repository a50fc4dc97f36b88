import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { byId } from "@/lib/schemas/admin";
import {
  CREDENTIAL_KINDS,
  credentialCreateInput,
  LOCATION_KINDS,
  locationAssignInput,
  locationCreateInput,
} from "@/lib/schemas/locations";
import { createCredential, deleteCredential, listCredentials } from "../services/protection/credentials";
import {
  assignLocation,
  createLocation,
  deleteLocation,
  listLocations,
  refreshLocationStatus,
  unassignLocation,
} from "../services/protection/locations";
import { depsFor } from "../composition";
import { idOnly, ref } from "./outputs";

// Credentials (never returned: only the masked key id) and self-provisioned target locations.
const credentialRow = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.enum(["AWS"]),
  kind: z.enum(CREDENTIAL_KINDS),
  description: z.string(),
  keyIdMasked: z.string(),
  createdAt: z.date(),
  locations: z.array(ref),
});

const locationRow = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.enum(LOCATION_KINDS),
  /** The provider and where it points, as its driver says it (e.g. "S3-compatible · s3://bucket/prefix · endpoint"). */
  summary: z.string(),
  lastProbeAt: z.date().nullable(),
  lastProbeMessage: z.string().nullable(),
  createdAt: z.date(),
  credential: z.object({ id: z.string(), name: z.string(), keyIdMasked: z.string() }),
  assignments: z.array(
    z.object({ id: z.string(), readOnly: z.boolean(), clusterGroup: ref.nullable(), cluster: ref.nullable() }),
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
    }),
  ),
});

export const credentialRouter = router({
  list: procedure
    .meta({ permission: "credential.list" })
    .output(z.array(credentialRow))
    .query(({ ctx }) => listCredentials(depsFor(ctx.db))),
  create: procedure
    .meta({ permission: "credential.create" })
    .input(credentialCreateInput)
    .output(credentialRow)
    .mutation(async ({ ctx, input }) => {
      const c = await createCredential(depsFor(ctx.db), ctx.principal!.userId, input);
      Object.assign(ctx.audit, { type: "credential", id: c.id });
      return c;
    }),
  delete: procedure
    .meta({ permission: "credential.delete" })
    .input(byId)
    .output(idOnly)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "credential", id: input.id });
      return deleteCredential(depsFor(ctx.db), input.id);
    }),
});

export const locationRouter = router({
  list: procedure
    .meta({ permission: "location.list" })
    .output(z.array(locationRow))
    .query(({ ctx }) => listLocations(depsFor(ctx.db), ctx.access!)),
  create: procedure
    .meta({ permission: "location.create" })
    .input(locationCreateInput)
    .output(z.object({ id: z.string(), name: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const l = await createLocation(depsFor(ctx.db), ctx.principal!.userId, input);
      Object.assign(ctx.audit, { type: "location", id: l.id });
      return { id: l.id, name: l.name };
    }),
  delete: procedure
    .meta({ permission: "location.delete" })
    .input(byId)
    .output(idOnly)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "location", id: input.id });
      return deleteLocation(depsFor(ctx.db), input.id);
    }),
  assign: procedure
    .meta({ permission: "location.assign" })
    .input(locationAssignInput)
    .output(idOnly)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, {
        type: "location",
        id: input.locationId,
        scope: `${input.target.kind}:${input.target.id}`,
      });
      return assignLocation(depsFor(ctx.db), ctx.access!, input);
    }),
  unassign: procedure
    .meta({ permission: "location.assign" })
    .input(byId)
    .output(idOnly)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "locationAssignment", id: input.id });
      return unassignLocation(depsFor(ctx.db), ctx.access!, input.id);
    }),
  refresh: procedure
    .meta({ permission: "location.refresh" })
    .input(byId)
    .output(idOnly)
    .mutation(async ({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "location", id: input.id });
      await refreshLocationStatus(depsFor(ctx.db), ctx.access!, input.id);
      return { id: input.id };
    }),
});
