import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { clusterProcedure } from "../trpc/scoped";
import { id } from "@/lib/schemas/admin";
import { backupInput, objectName } from "@/lib/schemas/protection";
import {
  scheduleDeleted,
  scheduleDetail,
  schedulePaused,
  scheduleResume,
  scheduleRow,
  scheduleUpdated,
} from "@/lib/schemas/schedule";
import { manifestPreview, objectCreated } from "@/lib/schemas/backup";
import {
  backupFromSchedule,
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  previewSchedule,
  setPaused,
  updateSchedule,
} from "../services/schedules/schedules";

// Velero Schedules: `schedule.list|get|preview|create|update|pause|unpause|backupNow|delete`. The services scope to the clusters the
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

export const scheduleRouter = router({
  list: procedure
    .meta({ permission: "schedule.list" })
    .input(z.object({ clusterId: id.optional(), name: objectName.optional() }).default({}))
    .output(z.array(scheduleRow))
    .query(({ ctx, input }) => listSchedules(ctx.db, ctx.access!, input)),
  get: clusterProcedure
    .meta({ permission: "schedule.get" })
    .input(key)
    .output(scheduleDetail)
    .query(({ ctx, input }) => getSchedule(ctx.services, ctx.cluster, input.name)),
  preview: clusterProcedure
    .meta({ permission: "schedule.preview" })
    .input(scheduleRequest)
    .output(manifestPreview)
    .mutation(({ ctx, input }) => previewSchedule(ctx.cluster, input, ctx.principal!.email)),
  create: clusterProcedure
    .meta({ permission: "schedule.create" })
    .input(scheduleRequest)
    .output(objectCreated)
    .mutation(({ ctx, input }) => {
      return createSchedule(ctx.services, ctx.cluster, input, ctx.principal!.email);
    }),
  update: clusterProcedure
    .meta({ permission: "schedule.update" })
    .input(scheduleUpdate)
    .output(scheduleUpdated)
    .mutation(({ ctx, input }) => {
      return updateSchedule(ctx.services, ctx.cluster, input);
    }),
  pause: clusterProcedure
    .meta({ permission: "schedule.pause" })
    .input(key)
    .output(schedulePaused)
    .mutation(({ ctx, input }) => {
      return setPaused(ctx.services, ctx.cluster, input, true);
    }),
  unpause: clusterProcedure
    .meta({ permission: "schedule.pause" })
    .input(scheduleResume)
    .output(schedulePaused)
    .mutation(({ ctx, input }) => {
      return setPaused(ctx.services, ctx.cluster, input, false);
    }),
  /** "Back up now" from a schedule (`velero backup create --from-schedule`): creating a backup, so backup.create. */
  backupNow: clusterProcedure
    .meta({ permission: "backup.create" })
    .input(key)
    .output(objectCreated)
    .mutation(({ ctx, input }) => backupFromSchedule(ctx.services, ctx.cluster, input, ctx.principal!.email)),
  delete: clusterProcedure
    .meta({ permission: "schedule.delete" })
    .input(key)
    .output(scheduleDeleted)
    .mutation(({ ctx, input }) => {
      return deleteSchedule(ctx.services, ctx.cluster, input);
    }),
});
