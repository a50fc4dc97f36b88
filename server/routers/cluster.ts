import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { auditsCreatedId, clusterProcedureOn, groupProcedure } from "../trpc/scoped";
import {
  accessFound,
  clusterAttachInput,
  clusterOnboardingInput,
  clusterOnboardingOutput,
  clusterMoveInput,
  clusterPreviewInput,
  clusterReplaceKubeconfigInput,
  clusterReplaceKubeconfigPreview,
  clusterUpdateInput,
  veleroInfo,
} from "@/lib/schemas/cluster";
import { previewReplaceKubeconfig, replaceKubeconfig } from "../services/clusters/kubeconfig";
import { moveCluster, previewMove, updateCluster } from "../services/clusters/edits";
import {
  attachCluster,
  clusterSyncState,
  detachCluster,
  getCluster,
  listClusters,
  previewAttach,
  refreshCluster,
} from "../services/clusters/clusters";
import { clusterRole, ref } from "./outputs";

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
  ...accessFound,
  insecureTls: z.boolean(),
  velero: veleroInfo.nullable(),
  createdAt: z.date(),
  myRole: clusterRole.nullable(),
});

const movePreview = z.object({
  from: ref,
  to: ref,
  access: z.array(z.object({ subject: z.string(), before: clusterRole.nullable(), after: clusterRole.nullable() })),
  locationsAdded: z.array(ref),
  locationsRemoved: z.array(ref),
  /** Kept, but the cluster stops writing there (ReadOnly in the new group until chosen as a writer). */
  locationsReadOnly: z.array(ref),
});

export const clusterRouter = router({
  list: procedure
    .meta({ permission: "cluster.list" })
    .output(z.array(clusterRow))
    .query(({ ctx }) => listClusters(ctx.db, ctx.access!)),
  get: clusterProcedureOn("id")
    .meta({ permission: "cluster.get" })
    .output(clusterRow)
    .query(({ ctx }) => getCluster(ctx.db, ctx.cluster)),
  sync: clusterProcedureOn("id")
    .meta({ permission: "cluster.get" })
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
    .query(({ ctx }) => clusterSyncState(ctx.db, ctx.cluster)),
  onboarding: procedure
    .meta({ permission: "cluster.attach" })
    .input(clusterOnboardingInput)
    .output(clusterOnboardingOutput)
    .query(({ ctx, input }) => ctx.services.kube.onboardingManifest({ level: input?.level ?? "operate" })),
  // Checked like attach, on the group the cluster would join: it also says which storage keys attaching deploys there.
  preview: groupProcedure
    .meta({ permission: "cluster.attach" })
    .input(clusterPreviewInput)
    .output(
      z.object({
        contexts: z.array(z.object({ name: z.string(), server: z.string() })),
        context: z.object({ name: z.string(), server: z.string() }),
        kubernetesVersion: z.string(),
        ...accessFound,
        insecureTls: z.boolean(),
        velero: veleroInfo,
        keys: z.array(
          z.object({
            location: z.string(),
            provider: z.string(),
            bucket: z.string(),
            prefix: z.string().nullable(),
            credential: z.string(),
            readOnly: z.boolean(),
          }),
        ),
      }),
    )
    .mutation(({ ctx, input }) => previewAttach(ctx.services, ctx.group, input)),
  // Audited as the new cluster in its group (the name until it exists).
  attach: groupProcedure
    .meta({ permission: "cluster.attach" })
    .input(clusterAttachInput)
    .output(clusterRow)
    .use(auditsCreatedId)
    .mutation(({ ctx, input }) => attachCluster(ctx.services, ctx.group, input, ctx.principal!.userId)),
  detach: clusterProcedureOn("id")
    .meta({ permission: "cluster.detach" })
    .input(z.object({ removeFromCluster: z.boolean().default(false) }))
    .output(z.object({ id: z.string(), removed: z.array(z.string()) }))
    .mutation(({ ctx, input }) =>
      detachCluster(ctx.services, ctx.cluster, { removeFromCluster: input.removeFromCluster }),
    ),
  // Name, description and labels: Lifeboat's record of the cluster.
  update: clusterProcedureOn("id", { object: null })
    .meta({ permission: "cluster.update" })
    .input(clusterUpdateInput)
    .output(clusterRow)
    .mutation(({ ctx, input }) => updateCluster(ctx.services, ctx.cluster, input)),
  // What moving to another group changes (who may reach the cluster, which locations it holds), checked as the move is.
  movePreview: clusterProcedureOn("id", { object: null })
    .meta({ permission: "cluster.move" })
    .input(clusterMoveInput)
    .output(movePreview)
    .query(({ ctx, input }) => previewMove(ctx.services, ctx.access!, ctx.cluster, input.groupId)),
  move: clusterProcedureOn("id", { object: null })
    .meta({ permission: "cluster.move" })
    .input(clusterMoveInput)
    .output(clusterRow)
    .mutation(({ ctx, input }) => moveCluster(ctx.services, ctx.access!, ctx.cluster, input)),
  // A new kubeconfig for the same cluster (rotated token, new CA, moved API server), tried live like attach. The
  // preview is a mutation so that the kubeconfig travels in a request body, never in a URL.
  replaceKubeconfigPreview: clusterProcedureOn("id", { object: null })
    .meta({ permission: "cluster.update" })
    .input(clusterReplaceKubeconfigInput)
    .output(clusterReplaceKubeconfigPreview)
    .mutation(({ ctx, input }) => previewReplaceKubeconfig(ctx.services, ctx.cluster, input)),
  replaceKubeconfig: clusterProcedureOn("id", { object: null })
    .meta({ permission: "cluster.update" })
    .input(clusterReplaceKubeconfigInput)
    .output(clusterRow)
    .mutation(({ ctx, input }) => replaceKubeconfig(ctx.services, ctx.cluster, input)),
  refresh: clusterProcedureOn("id")
    .meta({ permission: "cluster.refresh" })
    .output(clusterRow)
    .mutation(({ ctx }) => refreshCluster(ctx.services, ctx.cluster)),
});
