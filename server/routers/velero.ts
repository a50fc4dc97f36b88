import { z } from "zod";
import { router } from "../trpc/init";
import { clusterProcedure } from "../trpc/scoped";
import {
  veleroApproveInput,
  veleroChangeInput,
  veleroDisableInput,
  veleroDrift,
  veleroInstallInput,
  veleroTakeOverInput,
  veleroOperationDetail,
  veleroOperationRef,
  veleroStatus,
} from "@/lib/schemas/velero";
import {
  approveOperation,
  cancelOperation,
  startChange,
  startDisable,
  startInstall,
  startRepair,
  startTakeOver,
} from "../services/velero/operations";
import { veleroDriftOf } from "../services/velero/drift";
import { veleroOperationOf, veleroStatusOf } from "../services/velero/view";

// Velero's lifecycle on a cluster (#12): `velero.get|operation|drift` read it; `velero.install|change|takeOver|repair|
// disable` start an operation, `approve` applies the exact objects the installer rendered, `cancel` stops one before
// anything is applied. Procedures only write rows; the velero-installer reconciler does the work on the cluster.

const done = z.object({ ok: z.literal(true) });
const started = z.object({ id: z.string() });

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
    .output(started)
    .mutation(({ ctx, input }) => startInstall(ctx.services, ctx.cluster.id, input, ctx.principal!.userId)),
  change: clusterProcedure
    .meta({ permission: "velero.install" })
    .input(veleroChangeInput)
    .output(started)
    .mutation(({ ctx, input }) => startChange(ctx.services, ctx.cluster.id, input, ctx.principal!.userId)),
  takeOver: clusterProcedure
    .meta({ permission: "velero.install" })
    .input(veleroTakeOverInput)
    .output(started)
    .mutation(({ ctx, input }) => startTakeOver(ctx.services, ctx.cluster.id, input, ctx.principal!.userId)),
  repair: clusterProcedure
    .meta({ permission: "velero.install" })
    .output(started)
    .mutation(({ ctx }) => startRepair(ctx.services, ctx.cluster.id, ctx.principal!.userId)),
  disable: clusterProcedure
    .meta({ permission: "velero.install" })
    .input(veleroDisableInput)
    .output(started)
    .mutation(({ ctx, input }) => startDisable(ctx.services, ctx.cluster.id, input, ctx.principal!.userId)),
  drift: clusterProcedure
    .meta({ permission: "velero.get" })
    .output(veleroDrift)
    .query(({ ctx }) => veleroDriftOf(ctx.services, ctx.cluster.id)),
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
