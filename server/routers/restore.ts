import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { clusterProcedure } from "../trpc/scoped";
import { id } from "@/lib/schemas/admin";
import { objectName, restoreInput } from "@/lib/schemas/protection";
import {
  createRestore,
  describeRestore,
  listRestores,
  previewRestore,
  restoreLogs,
} from "../services/restores/restores";
import { depsFor } from "../composition";

const restoreRequest = z.object({
  clusterId: id,
  name: objectName.refine((n) => n.length <= 63, "At most 63 characters"),
  backupName: objectName,
  spec: restoreInput,
});

const restoreRow = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  clusterState: z.enum(["PENDING", "CONNECTED", "DISCONNECTED"]),
  name: z.string(),
  phase: z.string(),
  backupName: z.string(),
  itemsRestored: z.number().nullable(),
  totalItems: z.number().nullable(),
  errors: z.number(),
  warnings: z.number(),
  namespaceMapping: z.record(z.string(), z.string()),
  startTimestamp: z.date().nullable(),
  completionTimestamp: z.date().nullable(),
  failureReason: z.string().nullable(),
  validationErrors: z.array(z.string()),
  createdAt: z.date().nullable(),
  observedAt: z.date(),
});

const messages = z.object({
  velero: z.array(z.string()).optional(),
  cluster: z.array(z.string()).optional(),
  namespaces: z.record(z.string(), z.array(z.string())).optional(),
});
const note = z.object({ code: z.string(), severity: z.enum(["info", "warning"]), text: z.string() });

export const restoreRouter = router({
  list: procedure
    .meta({ permission: "restore.list" })
    .input(z.object({ clusterId: id.optional() }).default({}))
    .output(z.array(restoreRow))
    .query(({ ctx, input }) => listRestores(ctx.db, ctx.access!, input)),
  get: clusterProcedure
    .meta({ permission: "restore.get" })
    .input(z.object({ clusterId: id, name: objectName }))
    .output(
      z.object({
        name: z.string(),
        clusterId: z.string(),
        clusterName: z.string(),
        clusterState: z.enum(["PENDING", "CONNECTED", "DISCONNECTED"]),
        phase: z.string(),
        observedAt: z.date(),
        spec: z.record(z.string(), z.unknown()),
        status: z.record(z.string(), z.unknown()),
        results: z.object({ errors: messages, warnings: messages }).nullable(),
        downloadError: z.string().nullable(),
      }),
    )
    .query(({ ctx, input }) => describeRestore(depsFor(ctx.db), ctx.cluster, input.name)),
  logs: clusterProcedure
    .meta({ permission: "restore.logs" })
    .input(z.object({ clusterId: id, name: objectName }))
    .output(z.object({ text: z.string() }))
    .query(({ ctx, input }) => restoreLogs(depsFor(ctx.db), ctx.cluster, input.name)),
  preview: clusterProcedure
    .meta({ permission: "restore.preview" })
    .input(restoreRequest)
    .output(z.object({ yaml: z.string(), configMapYaml: z.string().nullable(), notes: z.array(note) }))
    .mutation(({ ctx, input }) => previewRestore(ctx.cluster, input, ctx.principal!.email)),
  create: clusterProcedure
    .meta({ permission: "restore.create" })
    .input(restoreRequest)
    .output(z.object({ name: z.string(), created: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      return createRestore(depsFor(ctx.db), ctx.cluster, input, ctx.principal!.email);
    }),
});
