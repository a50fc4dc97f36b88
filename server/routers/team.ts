import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { objectProcedure } from "../trpc/scoped";
import { byId, idOnly, ref, teamCreateInput, teamMemberInput, teamRow, teamUpdateInput } from "@/lib/schemas/admin";
import { addMember, createTeam, deleteTeam, listTeams, removeMember, updateTeam } from "../services/teams/teams";

const membership = z.object({ teamId: z.string(), userId: z.string() });
const memberOfTeam = {
  field: "teamId",
  scope: (_team: string, raw: Record<string, unknown>) => `user:${String(raw.userId)}`,
};

export const teamRouter = router({
  list: procedure
    .meta({ permission: "team.list" })
    .output(z.array(teamRow))
    .query(({ ctx }) => listTeams(ctx.db)),
  create: objectProcedure("team", { field: null })
    .meta({ permission: "team.create", dbOnly: true })
    .input(teamCreateInput)
    .output(ref)
    .mutation(({ ctx, input }) => createTeam(ctx.db, input)),
  update: objectProcedure("team")
    .meta({ permission: "team.update", dbOnly: true })
    .input(teamUpdateInput)
    .output(ref)
    .mutation(({ ctx, input }) => updateTeam(ctx.db, input)),
  delete: objectProcedure("team")
    .meta({ permission: "team.delete", dbOnly: true })
    .input(byId)
    .output(idOnly)
    .mutation(({ ctx, input }) => deleteTeam(ctx.db, input.id)),
  // Audited as the team, scoped to the member.
  addMember: objectProcedure("team", memberOfTeam)
    .meta({ permission: "team.addMember", dbOnly: true })
    .input(teamMemberInput)
    .output(membership)
    .mutation(({ ctx, input }) => addMember(ctx.db, input.teamId, input.userId)),
  removeMember: objectProcedure("team", memberOfTeam)
    .meta({ permission: "team.removeMember", dbOnly: true })
    .input(teamMemberInput)
    .output(membership)
    .mutation(({ ctx, input }) => removeMember(ctx.db, input.teamId, input.userId)),
});
