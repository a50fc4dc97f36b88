import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { clusterProcedure } from "../trpc/scoped";
import { id } from "@/lib/schemas/admin";
import { backupInput, objectName } from "@/lib/schemas/protection";
import {
  backupLogs,
  backupsPage,
  createBackup,
  deleteBackup,
  describeBackup,
  listBackups,
  previewBackup,
} from "../services/backups/backups";
import { depsFor } from "../composition";

const backupRequest = z.object({
  clusterId: id,
  name: objectName.refine((n) => n.length <= 63, "At most 63 characters"),
  spec: backupInput,
});
const backupRef = z.object({ clusterId: id, name: objectName });

/** The newest DeleteBackupRequest of a backup: New and InProgress are pending; Processed with errors means it failed. */
const deletion = z
  .object({
    requestName: z.string(),
    phase: z.enum(["New", "InProgress", "Processed"]),
    errors: z.array(z.string()),
    createdAt: z.date().nullable(),
  })
  .nullable();

const backupRow = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  clusterState: z.enum(["PENDING", "CONNECTED", "DISCONNECTED"]),
  name: z.string(),
  phase: z.string(),
  itemsBackedUp: z.number().nullable(),
  totalItems: z.number().nullable(),
  errors: z.number(),
  warnings: z.number(),
  queuePosition: z.number().nullable(),
  startTimestamp: z.date().nullable(),
  completionTimestamp: z.date().nullable(),
  expiration: z.date().nullable(),
  location: z.string().nullable(),
  schedule: z.string().nullable(),
  failureReason: z.string().nullable(),
  createdAt: z.date().nullable(),
  observedAt: z.date(),
  deletion,
  canDelete: z.boolean(),
  volumeBytesDone: z.number().nullable(),
  volumeBytesTotal: z.number().nullable(),
});

export const backupRouter = router({
  list: procedure
    .meta({ permission: "backup.list" })
    .input(z.object({ clusterId: id.optional(), name: objectName.optional() }).default({}))
    .output(z.array(backupRow))
    .query(({ ctx, input }) => listBackups(ctx.db, ctx.access!, input)),
  /** The lists' pages: newest first, `cursor` from the page before; optionally only some phases. */
  page: procedure
    .meta({ permission: "backup.list" })
    .input(
      z.object({
        clusterId: id.optional(),
        phases: z.array(z.string().max(64)).max(20).optional(),
        cursor: z.string().max(200).nullish(),
        limit: z.number().int().min(1).max(200).default(100),
      }),
    )
    .output(z.object({ items: z.array(backupRow), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => backupsPage(ctx.db, ctx.access!, { ...input, cursor: input.cursor ?? undefined })),
  get: clusterProcedure
    .meta({ permission: "backup.get" })
    .input(backupRef)
    .output(
      z.object({
        name: z.string(),
        clusterId: z.string(),
        clusterName: z.string(),
        phase: z.string(),
        spec: z.record(z.string(), z.unknown()),
        status: z.record(z.string(), z.unknown()),
        labels: z.record(z.string(), z.string()),
        observedAt: z.date(),
        volumes: z.array(z.unknown()).nullable(),
        results: z.record(z.string(), z.unknown()).nullable(),
        resources: z.record(z.string(), z.array(z.string())).nullable(),
        downloadErrors: z.array(z.string()),
        deletion,
        canDelete: z.boolean(),
        volumeWork: z.array(
          z.object({
            method: z.string(),
            volume: z.string(),
            phase: z.string(),
            bytesDone: z.number().nullable(),
            totalBytes: z.number().nullable(),
          }),
        ),
      }),
    )
    .query(({ ctx, input }) => describeBackup(depsFor(ctx.db), ctx.cluster, input.name)),
  logs: clusterProcedure
    .meta({ permission: "backup.logs" })
    .input(backupRef)
    .output(z.object({ text: z.string() }))
    .query(({ ctx, input }) => backupLogs(depsFor(ctx.db), ctx.cluster, input.name)),
  preview: clusterProcedure
    .meta({ permission: "backup.preview" })
    .input(backupRequest)
    .output(z.object({ yaml: z.string() }))
    .mutation(({ ctx, input }) => previewBackup(ctx.cluster, input, ctx.principal!.email)),
  create: clusterProcedure
    .meta({ permission: "backup.create" })
    .input(backupRequest)
    .output(z.object({ name: z.string(), created: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const r = await createBackup(depsFor(ctx.db), ctx.cluster, input, ctx.principal!.email);
      return { name: r.name, created: r.created };
    }),
  delete: clusterProcedure
    .meta({ permission: "backup.delete" })
    .input(backupRef)
    .output(z.object({ name: z.string(), requestName: z.string(), created: z.boolean() }))
    .mutation(({ ctx, input }) => deleteBackup(depsFor(ctx.db), ctx.cluster, input, ctx.principal!.email)),
});
