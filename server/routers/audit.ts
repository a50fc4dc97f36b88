import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { auditListInput } from "@/lib/schemas/admin";
import { listAudit } from "../services/audit/audit";
import { auditRow } from "./outputs";

export const auditRouter = router({
  list: procedure
    .meta({ permission: "audit.list" })
    .input(auditListInput)
    .output(z.object({ items: z.array(auditRow), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listAudit(ctx.db, input)),
});
