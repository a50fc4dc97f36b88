import { z } from "zod";
import { router, t } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { auditsCreatedId, clusterProcedureOn, groupProcedure } from "../trpc/scoped";
import { id } from "@/lib/schemas/admin";
import {
  drillDetail,
  drillEvidence,
  drillListInput,
  drillRef,
  drillRow,
  drillScheduleCreate,
  drillScheduleRef,
  drillScheduleRow,
  drillStart,
  drillStarted,
} from "@/lib/schemas/drill";
import { startDrill } from "../services/drills/drills";
import { drillEvidence as evidenceOf, getDrill, listDrills } from "../services/drills/reports";
import { createDrillSchedule, deleteDrillSchedule, listDrillSchedules } from "../services/drills/schedules";

// Restore drills (#14 §4): `drill.start` restores a backup (or a schedule's latest) into drill namespaces of a target
// cluster; the restore-drills reconciler waits for it, checks what came back, times it and cleans up. `list`/`get`
// show drills, `evidence` a cluster group's proof of restorability; `schedules.*` run drills of a Velero Schedule
// regularly (the drill-schedules reconciler starts them).

/** Once a drill has started, its audit row names it (until then: the target cluster). */
const auditsStartedDrill = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  const drill = result.ok ? (result.data as { id?: unknown }).id : undefined;
  if (typeof drill === "string") Object.assign(ctx.audit, { type: "drill", id: drill });
  return result;
});

const schedulesRouter = router({
  list: procedure
    .meta({ permission: "drillSchedule.list" })
    .input(z.object({ clusterId: id.optional() }).default({}))
    .output(z.array(drillScheduleRow))
    .query(({ ctx, input }) => listDrillSchedules(ctx.db, ctx.access!, input)),
  // Audited as the Velero Schedule drilled, on the target cluster, then as the drill schedule made.
  create: clusterProcedureOn("clusterId", { object: "scheduleName" })
    .meta({ permission: "drillSchedule.create", dbOnly: true })
    .input(drillScheduleCreate)
    .output(drillScheduleRow)
    .use(auditsCreatedId)
    .mutation(({ ctx, input }) =>
      createDrillSchedule(ctx.services, ctx.access!, ctx.cluster, input, ctx.principal!.email),
    ),
  delete: clusterProcedureOn("clusterId", { object: "id" })
    .meta({ permission: "drillSchedule.delete", dbOnly: true })
    .input(drillScheduleRef)
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => deleteDrillSchedule(ctx.services, ctx.cluster, input.id)),
});

export const drillRouter = router({
  list: procedure
    .meta({ permission: "drill.list" })
    .input(drillListInput)
    .output(z.array(drillRow))
    .query(({ ctx, input }) => listDrills(ctx.db, ctx.access!, input)),
  get: clusterProcedureOn("clusterId", { object: "id" })
    .meta({ permission: "drill.get" })
    .input(drillRef)
    .output(drillDetail)
    .query(({ ctx, input }) => getDrill(ctx.services, ctx.cluster, input.id)),
  start: clusterProcedureOn("clusterId", { object: null })
    .meta({ permission: "drill.run" })
    .input(drillStart)
    .output(drillStarted)
    .use(auditsStartedDrill)
    .mutation(({ ctx, input }) => startDrill(ctx.services, ctx.cluster, input, ctx.principal!.email)),
  /** A cluster group's evidence report (downloadable as JSON and printable by the pages). */
  evidence: groupProcedure
    .meta({ permission: "drill.evidence" })
    .output(drillEvidence)
    .query(({ ctx }) => evidenceOf(ctx.services, ctx.access!, ctx.group)),
  schedules: schedulesRouter,
});
