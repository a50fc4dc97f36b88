import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { auditExport, auditExportInput, auditListInput, auditPage } from "@/lib/schemas/admin";
import { exportAudit, listAudit } from "../services/audit/audit";

export const auditRouter = router({
  list: procedure
    .meta({ permission: "audit.list" })
    .input(auditListInput)
    .output(auditPage)
    .query(({ ctx, input }) => listAudit(ctx.db, input)),
  /** The filtered rows as a CSV or JSON file (bounded: AUDIT_EXPORT_MAX rows, and says when it stopped there). */
  export: procedure
    .meta({ permission: "audit.list" })
    .input(auditExportInput)
    .output(auditExport)
    .query(({ ctx, input }) => {
      const { format, ...filter } = input;
      return exportAudit(ctx.db, filter, format);
    }),
});
