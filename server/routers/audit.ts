import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { auditListInput, auditPage } from "@/lib/schemas/admin";
import { listAudit } from "../services/audit/audit";

export const auditRouter = router({
  list: procedure
    .meta({ permission: "audit.list" })
    .input(auditListInput)
    .output(auditPage)
    .query(({ ctx, input }) => listAudit(ctx.db, input)),
});
