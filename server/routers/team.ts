import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { byId, idOnly, ref, teamCreateInput, teamMemberInput, teamRow, teamUpdateInput } from "@/lib/schemas/admin";
import { addMember, createTeam, deleteTeam, listTeams, removeMember, updateTeam } from "../services/teams/teams";

const membership = z.object({ teamId: z.string(), userId: z.string() });

export const teamRouter = router({
  list: procedure
    .meta({ permission: "team.list" })
    .output(z.array(teamRow))
    .query(({ ctx }) => listTeams(ctx.db)),
  create: procedure
    .meta({ permission: "team.create" })
    .input(teamCreateInput)
    .output(ref)
    .mutation(async ({ ctx, input }) => {
      const team = await createTeam(ctx.db, input);
      Object.assign(ctx.audit, { type: "team", id: team.id });
      return team;
    }),
  update: procedure
    .meta({ permission: "team.update" })
    .input(teamUpdateInput)
    .output(ref)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "team", id: input.id });
      return updateTeam(ctx.db, input);
    }),
  delete: procedure
    .meta({ permission: "team.delete" })
    .input(byId)
    .output(idOnly)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "team", id: input.id });
      return deleteTeam(ctx.db, input.id);
    }),
  addMember: procedure
    .meta({ permission: "team.addMember" })
    .input(teamMemberInput)
    .output(membership)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "team", id: input.teamId, scope: `user:${input.userId}` });
      return addMember(ctx.db, input.teamId, input.userId);
    }),
  removeMember: procedure
    .meta({ permission: "team.removeMember" })
    .input(teamMemberInput)
    .output(membership)
    .mutation(({ ctx, input }) => {
      Object.assign(ctx.audit, { type: "team", id: input.teamId, scope: `user:${input.userId}` });
      return removeMember(ctx.db, input.teamId, input.userId);
    }),
});
