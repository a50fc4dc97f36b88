import { z } from "zod";
import { router } from "../trpc/init";
import { clusterProcedure } from "../trpc/scoped";
import {
  veleroApproveInput,
  veleroInstallInput,
  veleroOperationDetail,
  veleroOperationRef,
  veleroStatus,
} from "@/lib/schemas/velero";
import { approveOperation, cancelOperation, startInstall } from "../services/velero/operations";
import { veleroOperationOf, veleroStatusOf } from "../services/velero/view";

// Velero's lifecycle on a cluster (#12): `velero.get|operation` read it; `velero.install|approve|cancel` start an
// install, approve the exact objects the installer rendered, or cancel before anything is applied. Procedures only
// write rows; the velero-installer reconciler does the work on the cluster.

const done = z.object({ ok: z.literal(true) });

export const veleroRouter = router({
  get: clusterProcedure
    .meta({ permission: "velero.get" })
    .output(veleroStatus)
    .query(({ ctx }) => veleroStatusOf(ctx.db, ctx.cluster.id)),
  operation: clusterProcedure
    .meta({ permission: "velero.get" })
    .input(veleroOperationRef)
    .output(veleroOperationDetail)
    .query(({ ctx, input }) => veleroOperationOf(ctx.db, ctx.cluster.id, input.operationId)),
  install: clusterProcedure
    .meta({ permission: "velero.install" })
    .input(veleroInstallInput)
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => startInstall(ctx.services, ctx.cluster.id, input, ctx.principal!.userId)),
  approve: clusterProcedure
    .meta({ permission: "velero.install" })
    .input(veleroApproveInput)
    .output(done)
    .mutation(async ({ ctx, input }) => {
      await approveOperation(ctx.services, ctx.cluster.id, input.operationId, input.digest, ctx.principal!.userId);
      return { ok: true as const };
    }),
  cancel: clusterProcedure
    .meta({ permission: "velero.install" })
    .input(veleroOperationRef)
    .output(done)
    .mutation(async ({ ctx, input }) => {
      await cancelOperation(ctx.services, ctx.cluster.id, input.operationId);
      return { ok: true as const };
    }),
});
