import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { fleetStatus } from "../services/overview/fleet";

export const overviewRouter = router({
  fleet: procedure
    .meta({ permission: "cluster.list" })
    .output(
      z.array(
        z.object({
          clusterId: z.string(),
          clusterName: z.string(),
          groupName: z.string(),
          state: z.enum(["PENDING", "CONNECTED", "DISCONNECTED"]),
          lastSeenAt: z.date().nullable(),
          protection: z.enum(["NO_VELERO", "NEVER", "STALE", "PROTECTED"]),
          lastCompletedAt: z.date().nullable(),
          running: z.number(),
          failedLastDay: z.number(),
          schedules: z.number(),
        }),
      ),
    )
    .query(({ ctx }) => fleetStatus(ctx.db, ctx.access!)),
});
