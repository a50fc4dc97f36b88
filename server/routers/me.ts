import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { objectProcedure } from "../trpc/scoped";
import { grantedPermissions } from "../rbac/access";
import { changePasswordInput, ref } from "@/lib/schemas/admin";
import { changeOwnPassword } from "../services/users/users";
import { ORG_ROLES, PERMISSIONS, type Permission } from "@/lib/rbac/permissions";

const permissionEnum = z.enum(Object.keys(PERMISSIONS) as [Permission, ...Permission[]]);

export const meRouter = router({
  get: procedure
    .meta({ permission: "me.read" })
    .output(
      z.object({
        id: z.string(),
        email: z.string(),
        name: z.string(),
        orgRole: z.enum(ORG_ROLES),
        provider: z.enum(["LOCAL", "OIDC"]),
        permissions: z.array(permissionEnum),
        teams: z.array(ref),
      }),
    )
    .query(async ({ ctx }) => {
      const p = ctx.principal!;
      const user = await ctx.db.user.findUniqueOrThrow({
        where: { id: p.userId },
        select: { provider: true, memberships: { select: { team: { select: { id: true, name: true } } } } },
      });
      return {
        id: p.userId,
        email: p.email,
        name: p.name,
        orgRole: p.orgRole,
        provider: user.provider,
        permissions: grantedPermissions(ctx.access!),
        teams: user.memberships.map((m) => m.team),
      };
    }),
  changePassword: objectProcedure("user", { own: true })
    .meta({ permission: "me.changePassword", dbOnly: true })
    .input(changePasswordInput)
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => {
      const { userId, sessionId } = ctx.principal!;
      return changeOwnPassword(ctx.db, userId, sessionId, input.current, input.next);
    }),
});
