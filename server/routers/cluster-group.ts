import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { groupProcedureOn, objectProcedure } from "../trpc/scoped";
import { clusterGroupCreateInput, clusterGroupUpdateInput, clusterRole, idOnly, ref } from "@/lib/schemas/admin";
import { createGroup, deleteGroup, listVisibleGroups, updateGroup } from "../services/cluster-groups/cluster-groups";

const groupRow = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  createdAt: z.date(),
  rpoHours: z.number(),
  myRole: clusterRole.nullable(),
  clusters: z.array(z.object({ id: z.string(), name: z.string(), myRole: clusterRole.nullable() })),
});

export const clusterGroupRouter = router({
  list: procedure
    .meta({ permission: "clusterGroup.list" })
    .output(z.array(groupRow))
    .query(({ ctx }) => listVisibleGroups(ctx.db, ctx.access!)),
  create: objectProcedure("clusterGroup", { field: null, scope: (id) => `clusterGroup:${id}` })
    .meta({ permission: "clusterGroup.create", dbOnly: true })
    .input(clusterGroupCreateInput)
    .output(ref)
    .mutation(({ ctx, input }) => createGroup(ctx.db, input)),
  // A group's own settings: bound to the group named by `id` (the audited object is the group, not its new name).
  update: groupProcedureOn("id", { object: null })
    .meta({ permission: "clusterGroup.update", dbOnly: true })
    .input(clusterGroupUpdateInput)
    .output(ref)
    .mutation(({ ctx, input }) => updateGroup(ctx.db, ctx.group, input)),
  delete: groupProcedureOn("id", { object: null })
    .meta({ permission: "clusterGroup.delete", dbOnly: true })
    .output(idOnly)
    .mutation(({ ctx }) => deleteGroup(ctx.db, ctx.group)),
});
