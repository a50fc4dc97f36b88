import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { listVisibleClusters } from "../services/cluster-groups/cluster-groups";
import { clusterRole } from "./outputs";

export const clusterRouter = router({
  list: procedure
    .meta({ permission: "cluster.list" })
    .output(z.array(z.object({ id: z.string(), name: z.string(), groupId: z.string(), groupName: z.string(), myRole: clusterRole.nullable() })))
    .query(({ ctx }) => listVisibleClusters(ctx.db, ctx.access!)),
});
