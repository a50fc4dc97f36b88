import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { objectProcedure } from "../trpc/scoped";
import { setupInput } from "@/lib/schemas/admin";
import { checkSetupToken, createFirstAdmin, needsSetup, setupTokenRequired } from "../services/setup/setup";
import { AppError } from "../errors";
import { authSecret, oidcConfigured } from "../auth/options";
import { env } from "../env";

export const setupRouter = router({
  status: procedure
    .meta({ permission: "setup.read" })
    .output(
      z.object({
        needsSetup: z.boolean(),
        tokenRequired: z.boolean(),
        oidc: z.object({ enabled: z.boolean(), name: z.string() }),
      }),
    )
    .query(async ({ ctx }) => ({
      needsSetup: await needsSetup(ctx.db),
      tokenRequired: setupTokenRequired(),
      oidc: { enabled: oidcConfigured(), name: env().LIFEBOAT_OIDC_NAME },
    })),
  create: objectProcedure("user", { field: null })
    .meta({ permission: "setup.create", dbOnly: true })
    .input(setupInput)
    .output(z.object({ id: z.string(), email: z.string() }))
    .mutation(async ({ ctx, input }) => {
      if (!(await needsSetup(ctx.db))) throw new AppError("CONFLICT", "Setup is already complete: sign in instead");
      const { token, ...admin } = input;
      checkSetupToken(token, authSecret());
      return createFirstAdmin(ctx.db, admin);
    }),
});
