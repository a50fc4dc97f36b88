import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { clusterProcedure } from "../trpc/scoped";
import { id } from "@/lib/schemas/admin";
import { backupInput, objectName } from "@/lib/schemas/protection";
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  previewSchedule,
  setPaused,
  updateSchedule,
} from "../services/schedules/schedules";
import { depsFor } from "../composition";

// Velero Schedules: `schedule.list|get|preview|create|update|pause|unpause|delete`. The services scope to the clusters the
// caller may see (NOT_FOUND otherwise) and check the role on the cluster (FORBIDDEN).

/** Velero names each backup <schedule>-<yyyyMMddHHmmss>: 48 characters keep those names within 63. */
const newScheduleName = objectName.refine(
  (n) => n.length <= 48,
  "At most 48 characters: Velero names each backup <schedule>-<yyyyMMddHHmmss>, which must fit in 63",
);
const cron = z.string().max(500);
const key = z.object({ clusterId: id, name: objectName });
const scheduleRequest = z.object({
  clusterId: id,
  name: newScheduleName,
  spec: backupInput,
  cron,
  paused: z.boolean().default(false),
  skipImmediately: z.boolean().optional(),
  useOwnerReferencesInBackup: z.boolean().optional(),
});
const scheduleUpdate = z.object({
  clusterId: id,
  name: objectName,
  cron,
  paused: z.boolean().optional(),
  skipImmediately: z.boolean().optional(),
  spec: backupInput.optional(),
});

const lastBackup = z.object({
  name: z.string(),
  phase: z.string(),
  startedAt: z.date().nullable(),
  completedAt: z.date().nullable(),
  errors: z.number(),
  warnings: z.number(),
  failureReason: z.string().nullable(),
});

const scheduleRow = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  clusterState: z.enum(["PENDING", "CONNECTED", "DISCONNECTED"]),
  name: z.string(),
  cron: z.string(),
  cronText: z.string().nullable(),
  cronError: z.string().nullable(),
  timeZone: z.string().nullable(),
  paused: z.boolean(),
  phase: z.string(),
  validationErrors: z.array(z.string()),
  nextRunAt: z.date().nullable(),
  lastBackupAt: z.date().nullable(),
  lastBackup: lastBackup.nullable(),
  ttl: z.string().nullable(),
  location: z.string().nullable(),
  scope: z.string(),
  managedByLifeboat: z.boolean(),
  useOwnerReferencesInBackup: z.boolean(),
  createdAt: z.date().nullable(),
  observedAt: z.date(),
});

const scheduleDetail = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  name: z.string(),
  cron: z.string(),
  paused: z.boolean(),
  skipImmediately: z.boolean().nullable(),
  useOwnerReferencesInBackup: z.boolean(),
  input: backupInput.nullable(),
  templateEditable: z.boolean(),
  notEditableReason: z.string().nullable(),
  phase: z.string(),
  validationErrors: z.array(z.string()),
  lastBackupAt: z.date().nullable(),
  yaml: z.string(),
});

export const scheduleRouter = router({
  list: procedure
    .meta({ permission: "schedule.list" })
    .input(z.object({ clusterId: id.optional() }).default({}))
    .output(z.array(scheduleRow))
    .query(({ ctx, input }) => listSchedules(ctx.db, ctx.access!, input)),
  get: clusterProcedure
    .meta({ permission: "schedule.get" })
    .input(key)
    .output(scheduleDetail)
    .query(({ ctx, input }) => getSchedule(depsFor(ctx.db), ctx.cluster, input.name)),
  preview: clusterProcedure
    .meta({ permission: "schedule.preview" })
    .input(scheduleRequest)
    .output(z.object({ yaml: z.string() }))
    .mutation(({ ctx, input }) => previewSchedule(ctx.cluster, input, ctx.principal!.email)),
  create: clusterProcedure
    .meta({ permission: "schedule.create" })
    .input(scheduleRequest)
    .output(z.object({ name: z.string(), created: z.boolean() }))
    .mutation(({ ctx, input }) => {
      return createSchedule(depsFor(ctx.db), ctx.cluster, input, ctx.principal!.email);
    }),
  update: clusterProcedure
    .meta({ permission: "schedule.update" })
    .input(scheduleUpdate)
    .output(z.object({ name: z.string(), paused: z.boolean(), cron: z.string() }))
    .mutation(({ ctx, input }) => {
      return updateSchedule(depsFor(ctx.db), ctx.cluster, input);
    }),
  pause: clusterProcedure
    .meta({ permission: "schedule.pause" })
    .input(key)
    .output(z.object({ name: z.string(), paused: z.boolean() }))
    .mutation(({ ctx, input }) => {
      return setPaused(depsFor(ctx.db), ctx.cluster, input, true);
    }),
  unpause: clusterProcedure
    .meta({ permission: "schedule.pause" })
    .input(key)
    .output(z.object({ name: z.string(), paused: z.boolean() }))
    .mutation(({ ctx, input }) => {
      return setPaused(depsFor(ctx.db), ctx.cluster, input, false);
    }),
  delete: clusterProcedure
    .meta({ permission: "schedule.delete" })
    .input(key)
    .output(z.object({ name: z.string(), backupsKept: z.boolean() }))
    .mutation(({ ctx, input }) => {
      return deleteSchedule(depsFor(ctx.db), ctx.cluster, input);
    }),
});
