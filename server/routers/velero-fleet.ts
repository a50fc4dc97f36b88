import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { clusterProcedure } from "../trpc/scoped";
import { veleroSettings } from "@/lib/schemas/velero";
import { veleroPrechecksOutput } from "@/lib/schemas/velero-prechecks";
import { veleroVersionsOutput } from "@/lib/schemas/velero-fleet";
import { veleroPrechecks } from "../services/velero/prechecks";
import { veleroFleetVersions } from "../services/velero/fleet-versions";

// Velero across the fleet (#12): `veleroFleet.prechecks` checks a cluster before Velero is installed there with the
// given settings (reads only); `veleroFleet.versions` lists the Velero, node-agent and plugin versions of every cluster
// the caller may see, with what is supported and what is newer (an empty list for someone bound to nothing).

export const veleroFleetRouter = router({
  prechecks: clusterProcedure
    .meta({ permission: "velero.install" })
    .input(z.object({ settings: veleroSettings }))
    .output(veleroPrechecksOutput)
    .query(({ ctx, input }) => veleroPrechecks(ctx.services, ctx.cluster.id, input.settings)),
  versions: procedure
    .meta({ permission: "cluster.list" })
    .output(veleroVersionsOutput)
    .query(({ ctx }) => veleroFleetVersions(ctx.db, ctx.access!)),
});
