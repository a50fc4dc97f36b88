import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import {
  idOnly,
  ref,
  userCreateInput,
  userDisableInput,
  userResetPasswordInput,
  userRow,
  userUpdateInput,
} from "@/lib/schemas/admin";
import { createUser, listUsers, resetPassword, setUserDisabled, updateUser } from "../services/users/users";

export const userRouter = router({
  list: procedure
    .meta({ permission: "user.list" })
    .output(z.array(userRow.extend({ teams: z.array(ref) })))
    .query(({ ctx }) => listUsers(ctx.db)),
  create: procedure
    .meta({ permission: "user.create" })
    .input(userCreateInput)
    .output(userRow)
    .mutation(async ({ ctx, input }) => {
      const u = await createUser(ctx.db, input);
      Object.assign(ctx.audit, { type: "user", id: u.id });
      return u;
    }),
  update: procedure
    .meta({ permission: "user.update" })
    .input(userUpdateInput)
    .output(userRow)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "user", id: input.id });
      return updateUser(ctx.db, ctx.principal!.userId, input);
    }),
  setDisabled: procedure
    .meta({ permission: "user.disable" })
    .input(userDisableInput)
    .output(userRow)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "user", id: input.id });
      return setUserDisabled(ctx.db, ctx.principal!.userId, input.id, input.disabled);
    }),
  resetPassword: procedure
    .meta({ permission: "user.resetPassword" })
    .input(userResetPasswordInput)
    .output(idOnly)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "user", id: input.id });
      return resetPassword(ctx.db, input.id, input.password);
    }),
});
