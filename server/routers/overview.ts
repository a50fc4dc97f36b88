import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { fleetOverview } from "@/lib/schemas/overview";
import { dashboardInput, fleetDashboard } from "@/lib/schemas/coverage";
import { fleetStatus } from "../services/overview/fleet";
import { fleetDashboard as readDashboard } from "../services/coverage/dashboard";
import { sharedOverview } from "../services/overview/shared";

// Both are computed once per change for the viewers who see the same clusters (services/overview/shared.ts).
export const overviewRouter = router({
  fleet: procedure
    .meta({ permission: "cluster.list" })
    .output(fleetOverview)
    .query(({ ctx }) => sharedOverview(ctx.events, ctx.access!, ["fleet"], () => fleetStatus(ctx.db, ctx.access!))),
  /** The fleet dashboard (#13): coverage, recovery points and outcomes of the clusters the caller may see. */
  dashboard: procedure
    .meta({ permission: "cluster.list" })
    .input(dashboardInput)
    .output(fleetDashboard)
    .query(({ ctx, input }) =>
      sharedOverview(ctx.events, ctx.access!, ["dashboard", input.groupId ?? null], () =>
        readDashboard(ctx.db, ctx.access!, input),
      ),
    ),
});
