import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { byId, clusterGroupCreateInput, clusterGroupUpdateInput, clusterRole, idOnly, ref } from "@/lib/schemas/admin";
import { createGroup, deleteGroup, listVisibleGroups, updateGroup } from "../services/cluster-groups/cluster-groups";

const groupRow = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  createdAt: z.date(),
  myRole: clusterRole.nullable(),
  clusters: z.array(z.object({ id: z.string(), name: z.string(), myRole: clusterRole.nullable() })),
});

export const clusterGroupRouter = router({
  list: procedure
    .meta({ permission: "clusterGroup.list" })
    .output(z.array(groupRow))
    .query(({ ctx }) => listVisibleGroups(ctx.db, ctx.access!)),
  create: procedure
    .meta({ permission: "clusterGroup.create" })
    .input(clusterGroupCreateInput)
    .output(ref)
    .mutation(async ({ ctx, input }) => {
      const g = await createGroup(ctx.db, input);
      Object.assign(ctx.audit, { type: "clusterGroup", id: g.id, scope: `clusterGroup:${g.id}` });
      return g;
    }),
  update: procedure
    .meta({ permission: "clusterGroup.update" })
    .input(clusterGroupUpdateInput)
    .output(ref)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "clusterGroup", id: input.id, scope: `clusterGroup:${input.id}` });
      return updateGroup(ctx.db, input);
    }),
  delete: procedure
    .meta({ permission: "clusterGroup.delete" })
    .input(byId)
    .output(idOnly)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "clusterGroup", id: input.id, scope: `clusterGroup:${input.id}` });
      return deleteGroup(ctx.db, input.id);
    }),
});
