import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { bindingCreateInput, bindingListInput, bindingRow, byId, idOnly } from "@/lib/schemas/admin";
import { createBinding, deleteBinding, listBindings } from "../services/bindings/bindings";

export const bindingRouter = router({
  list: procedure
    .meta({ permission: "binding.list" })
    .input(bindingListInput)
    .output(z.array(bindingRow))
    .query(({ ctx, input }) => listBindings(ctx.db, input)),
  create: procedure
    .meta({ permission: "binding.create" })
    .input(bindingCreateInput)
    .output(bindingRow)
    .mutation(async ({ ctx, input }) => {
      const b = await createBinding(ctx.db, input);
      Object.assign(ctx.audit, { type: "binding", id: b.id, scope: `${input.target.kind}:${input.target.id}` });
      return b;
    }),
  delete: procedure
    .meta({ permission: "binding.delete" })
    .input(byId)
    .output(idOnly)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "binding", id: input.id });
      return deleteBinding(ctx.db, input.id);
    }),
});
