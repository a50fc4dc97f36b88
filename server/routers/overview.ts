import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { fleetOverview } from "@/lib/schemas/overview";
import { fleetStatus } from "../services/overview/fleet";

export const overviewRouter = router({
  fleet: procedure
    .meta({ permission: "cluster.list" })
    .output(fleetOverview)
    .query(({ ctx }) => fleetStatus(ctx.db, ctx.access!)),
});
