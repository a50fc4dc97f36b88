import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { clusterProcedure } from "../trpc/scoped";
import { id } from "@/lib/schemas/admin";
import { objectName, restoreInput } from "@/lib/schemas/protection";
import { restoreDetail, restorePreview, restoreRow } from "@/lib/schemas/restore";
import { preflightResult } from "@/lib/schemas/preflight";
import { preflightRestore } from "../services/restores/preflight";
import { logText, objectCreated } from "@/lib/schemas/backup";
import {
  createRestore,
  describeRestore,
  listRestores,
  previewRestore,
  restoreLogs,
} from "../services/restores/restores";

const restoreRequest = z.object({
  clusterId: id,
  name: objectName.refine((n) => n.length <= 63, "At most 63 characters"),
  backupName: objectName,
  spec: restoreInput,
  predict: z.boolean().optional(),
});

export const restoreRouter = router({
  list: procedure
    .meta({ permission: "restore.list" })
    .input(z.object({ clusterId: id.optional() }).default({}))
    .output(z.array(restoreRow))
    .query(({ ctx, input }) => listRestores(ctx.db, ctx.access!, input)),
  get: clusterProcedure
    .meta({ permission: "restore.get" })
    .input(z.object({ clusterId: id, name: objectName }))
    .output(restoreDetail)
    .query(({ ctx, input }) => describeRestore(ctx.services, ctx.cluster, input.name)),
  logs: clusterProcedure
    .meta({ permission: "restore.logs" })
    .input(z.object({ clusterId: id, name: objectName }))
    .output(logText)
    .query(({ ctx, input }) => restoreLogs(ctx.services, ctx.cluster, input.name)),
  preview: clusterProcedure
    .meta({ permission: "restore.preview" })
    .input(restoreRequest)
    .output(restorePreview)
    .mutation(({ ctx, input }) => previewRestore(ctx.services, ctx.cluster, input, ctx.principal!.email)),
  /** #14 §1–§2: what would not fit on the target, and what the restore would do, before it is created. */
  preflight: clusterProcedure
    .meta({ permission: "restore.preflight" })
    .input(z.object({ clusterId: id, backupName: objectName, spec: restoreInput, sourceClusterId: id.optional() }))
    .output(preflightResult)
    .mutation(({ ctx, input }) => preflightRestore(ctx.services, ctx.access!, ctx.cluster, input)),
  create: clusterProcedure
    .meta({ permission: "restore.create" })
    .input(restoreRequest)
    .output(objectCreated)
    .mutation(async ({ ctx, input }) => {
      return createRestore(ctx.services, ctx.cluster, input, ctx.principal!.email);
    }),
});
