import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { objectProcedure } from "../trpc/scoped";
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
  create: objectProcedure("user", { field: null })
    .meta({ permission: "user.create", dbOnly: true })
    .input(userCreateInput)
    .output(userRow)
    .mutation(({ ctx, input }) => createUser(ctx.db, input)),
  update: objectProcedure("user")
    .meta({ permission: "user.update", dbOnly: true })
    .input(userUpdateInput)
    .output(userRow)
    .mutation(({ ctx, input }) => updateUser(ctx.db, ctx.principal!.userId, input)),
  setDisabled: objectProcedure("user")
    .meta({ permission: "user.disable", dbOnly: true })
    .input(userDisableInput)
    .output(userRow)
    .mutation(({ ctx, input }) => setUserDisabled(ctx.db, ctx.principal!.userId, input.id, input.disabled)),
  resetPassword: objectProcedure("user")
    .meta({ permission: "user.resetPassword", dbOnly: true })
    .input(userResetPasswordInput)
    .output(idOnly)
    .mutation(({ ctx, input }) => resetPassword(ctx.db, input.id, input.password)),
});
