import { z } from "zod";
import { pageCursor } from "@/lib/schemas/paging";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { clusterProcedure, groupProcedureOn } from "../trpc/scoped";
import { id } from "@/lib/schemas/admin";
import { backupInput, objectName } from "@/lib/schemas/protection";
import {
  backupDeleteResult,
  backupFacets,
  backupPreview,
  backupDetail,
  backupFilter,
  backupPage,
  backupRow,
  groupBackupRequest,
  groupBackupResult,
  logText,
  namespaceList,
  objectCreated,
} from "@/lib/schemas/backup";
import {
  backupFacets as backupFacetsOf,
  backupLogs,
  backupsPage,
  createBackup,
  deleteBackup,
  describeBackup,
  listBackups,
  previewBackup,
} from "../services/backups/backups";
import { clusterNamespaces } from "../services/namespaces/namespaces";
import { backUpGroup } from "../services/backups/group";

const backupRequest = z.object({
  clusterId: id,
  name: objectName.refine((n) => n.length <= 63, "At most 63 characters"),
  spec: backupInput,
});
const backupRef = z.object({ clusterId: id, name: objectName });

export const backupRouter = router({
  list: procedure
    .meta({ permission: "backup.list" })
    .input(z.object({ clusterId: id.optional(), name: objectName.optional() }).default({}))
    .output(z.array(backupRow))
    .query(({ ctx, input }) => listBackups(ctx.db, ctx.access!, input)),
  /** The lists' pages: newest first, `cursor` from the page before; narrowed by a BackupFilter (the page's URL). */
  page: procedure
    .meta({ permission: "backup.list" })
    .input(
      backupFilter.extend({
        cursor: pageCursor.nullish(),
        limit: z.number().int().min(1).max(200).default(100),
      }),
    )
    .output(backupPage)
    .query(({ ctx, input }) => backupsPage(ctx.db, ctx.access!, { ...input, cursor: input.cursor ?? undefined })),
  /** What the list's filters offer to pick from (namespaces, schedules, locations of the visible backups). */
  facets: procedure
    .meta({ permission: "backup.list" })
    .input(z.object({ clusterId: id.optional() }).default({}))
    .output(backupFacets)
    .query(({ ctx, input }) => backupFacetsOf(ctx.db, ctx.access!, input)),
  get: clusterProcedure
    .meta({ permission: "backup.get" })
    .input(backupRef)
    .output(backupDetail)
    .query(({ ctx, input }) => describeBackup(ctx.services, ctx.cluster, input.name)),
  logs: clusterProcedure
    .meta({ permission: "backup.logs" })
    .input(backupRef)
    .output(logText)
    .query(({ ctx, input }) => backupLogs(ctx.services, ctx.cluster, input.name)),
  preview: clusterProcedure
    .meta({ permission: "backup.preview" })
    .input(backupRequest)
    .output(backupPreview)
    .mutation(({ ctx, input }) => previewBackup(ctx.services, ctx.cluster, input, ctx.principal!.email)),
  /** The cluster's namespaces, for the scope step's "no such namespace; did you mean …?" (restores check the same). */
  namespaces: clusterProcedure
    .meta({ permission: "backup.preview" })
    .input(z.object({ clusterId: id }))
    .output(namespaceList)
    .query(async ({ ctx }) => ({ namespaces: await clusterNamespaces(ctx.services, ctx.cluster) })),
  create: clusterProcedure
    .meta({ permission: "backup.create" })
    .input(backupRequest)
    .output(objectCreated)
    .mutation(async ({ ctx, input }) => {
      const r = await createBackup(ctx.services, ctx.cluster, input, ctx.principal!.email);
      return { name: r.name, created: r.created };
    }),
  /** One action, a backup on every attached cluster of a group (each with its own checks and outcome). */
  createForGroup: groupProcedureOn("groupId")
    .meta({ permission: "backup.create" })
    .input(groupBackupRequest)
    .output(groupBackupResult)
    .mutation(({ ctx, input }) => backUpGroup(ctx.services, ctx.access!, ctx.group, input, ctx.principal!.email)),
  delete: clusterProcedure
    .meta({ permission: "backup.delete" })
    .input(backupRef)
    .output(backupDeleteResult)
    .mutation(({ ctx, input }) => deleteBackup(ctx.services, ctx.cluster, input, ctx.principal!.email)),
});
