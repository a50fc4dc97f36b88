import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { fleetOverview } from "@/lib/schemas/overview";
import { dashboardInput, fleetDashboard } from "@/lib/schemas/coverage";
import { fleetStatus } from "../services/overview/fleet";
import { fleetDashboard as readDashboard } from "../services/coverage/dashboard";

export const overviewRouter = router({
  fleet: procedure
    .meta({ permission: "cluster.list" })
    .output(fleetOverview)
    .query(({ ctx }) => fleetStatus(ctx.db, ctx.access!)),
  /** The fleet dashboard (#13): coverage, recovery points and outcomes of the clusters the caller may see. */
  dashboard: procedure
    .meta({ permission: "cluster.list" })
    .input(dashboardInput)
    .output(fleetDashboard)
    .query(({ ctx, input }) => readDashboard(ctx.db, ctx.access!, input)),
});
