import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { byId } from "@/lib/schemas/admin";
import { clusterAttachInput, clusterPreviewInput } from "@/lib/schemas/cluster";
import {
  attachCluster,
  clusterSyncState,
  detachCluster,
  getCluster,
  listClusters,
  previewAttach,
  refreshCluster,
} from "../services/clusters/clusters";
import { depsFor } from "../composition";
import { clusterRole } from "./outputs";

const veleroInfo = z.object({
  installed: z.boolean(),
  reason: z.string().optional(),
  serverVersion: z.string().optional(),
  plugins: z.array(z.object({ name: z.string(), kind: z.string() })).optional(),
  nodeAgent: z.boolean(),
  csi: z.object({
    enabled: z.boolean(),
    snapshotClasses: z.array(z.object({ name: z.string(), driver: z.string(), default: z.boolean() })),
  }),
});

const clusterRow = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  groupId: z.string(),
  groupName: z.string(),
  server: z.string(),
  contextName: z.string(),
  labels: z.record(z.string(), z.string()),
  kubernetesVersion: z.string().nullable(),
  state: z.enum(["PENDING", "CONNECTED", "DISCONNECTED"]),
  failedChecks: z.number(),
  lastSeenAt: z.date().nullable(),
  lastCheckAt: z.date().nullable(),
  lastError: z.string().nullable(),
  missingAccess: z.array(z.string()),
  velero: veleroInfo.nullable(),
  createdAt: z.date(),
  myRole: clusterRole.nullable(),
});

export const clusterRouter = router({
  list: procedure
    .meta({ permission: "cluster.list" })
    .output(z.array(clusterRow))
    .query(({ ctx }) => listClusters(ctx.db, ctx.access!)),
  get: procedure
    .meta({ permission: "cluster.get" })
    .input(byId)
    .output(clusterRow)
    .query(({ ctx, input }) => getCluster(ctx.db, ctx.access!, input.id)),
  sync: procedure
    .meta({ permission: "cluster.get" })
    .input(byId)
    .output(
      z.array(
        z.object({
          kind: z.string(),
          lastListAt: z.date().nullable(),
          lastEventAt: z.date().nullable(),
          lastError: z.string().nullable(),
          relists: z.number(),
          updatedAt: z.date(),
        }),
      ),
    )
    .query(({ ctx, input }) => clusterSyncState(ctx.db, ctx.access!, input.id)),
  onboarding: procedure
    .meta({ permission: "cluster.attach" })
    .output(z.object({ yaml: z.string(), command: z.string() }))
    .query(({ ctx }) => depsFor(ctx.db).kube.onboardingManifest()),
  preview: procedure
    .meta({ permission: "cluster.attach" })
    .input(clusterPreviewInput)
    .output(
      z.object({
        contexts: z.array(z.object({ name: z.string(), server: z.string() })),
        context: z.object({ name: z.string(), server: z.string() }),
        kubernetesVersion: z.string(),
        missingAccess: z.array(z.string()),
        velero: veleroInfo,
      }),
    )
    .mutation(({ ctx, input }) => previewAttach(depsFor(ctx.db), input)),
  attach: procedure
    .meta({ permission: "cluster.attach" })
    .input(clusterAttachInput)
    .output(clusterRow)
    .mutation(async ({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "cluster", id: input.name, scope: `clusterGroup:${input.groupId}` });
      const c = await attachCluster(depsFor(ctx.db), ctx.access!, input);
      Object.assign(ctx.audit, { id: c.id });
      return c;
    }),
  detach: procedure
    .meta({ permission: "cluster.detach" })
    .input(byId.extend({ removeFromCluster: z.boolean().default(false) }))
    .output(z.object({ id: z.string(), removed: z.array(z.string()) }))
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "cluster", id: input.id, scope: `cluster:${input.id}` });
      return detachCluster(depsFor(ctx.db), ctx.access!, input.id, { removeFromCluster: input.removeFromCluster });
    }),
  refresh: procedure
    .meta({ permission: "cluster.refresh" })
    .input(byId)
    .output(clusterRow)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "cluster", id: input.id, scope: `cluster:${input.id}` });
      return refreshCluster(depsFor(ctx.db), ctx.access!, input.id);
    }),
});
