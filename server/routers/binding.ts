import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { objectProcedure } from "../trpc/scoped";
import { bindingCreateInput, bindingListInput, bindingRow, byId, idOnly } from "@/lib/schemas/admin";
import { createBinding, deleteBinding, listBindings } from "../services/bindings/bindings";

const scopeOf = (target: unknown) => {
  const t = (target ?? {}) as { kind?: unknown; id?: unknown };
  return `${String(t.kind)}:${String(t.id)}`;
};

export const bindingRouter = router({
  list: procedure
    .meta({ permission: "binding.list" })
    .input(bindingListInput)
    .output(z.array(bindingRow))
    .query(({ ctx, input }) => listBindings(ctx.db, input)),
  // Audited as the new binding, scoped to the cluster group or cluster it grants a role on.
  create: objectProcedure("binding", { field: null, scope: (_id, raw) => scopeOf(raw.target) })
    .meta({ permission: "binding.create", dbOnly: true })
    .input(bindingCreateInput)
    .output(bindingRow)
    .mutation(({ ctx, input }) => createBinding(ctx.db, input)),
  delete: objectProcedure("binding")
    .meta({ permission: "binding.delete", dbOnly: true })
    .input(byId)
    .output(idOnly)
    .mutation(({ ctx, input }) => deleteBinding(ctx.db, input.id)),
});
