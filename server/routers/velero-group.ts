import { z } from "zod";
import { router } from "../trpc/init";
import { groupProcedure, groupProcedureOn } from "../trpc/scoped";
import { groupPolicyInput, groupPolicyStatus, groupRetryInput } from "@/lib/schemas/velero-group";
import {
  groupPolicyStatus as statusOf,
  removeGroupPolicy,
  retryGroupCluster,
  setGroupPolicy,
} from "../services/velero/group-policy";

// A cluster group's Velero (#12 §3): `veleroGroup.get` reads the group's policy and where each of its clusters is;
// `set` makes every cluster of the group (clusters attached later too) run Velero with the group's settings, `remove`
// stops that (Velero stays on the clusters), `retry` lets the policy try a cluster again after a failure. Procedures
// only write rows; the velero-group-policy reconciler starts the operations.

const done = z.object({ ok: z.literal(true) });

export const veleroGroupRouter = router({
  get: groupProcedure
    .meta({ permission: "velero.get" })
    .output(groupPolicyStatus)
    .query(({ ctx }) => statusOf(ctx.services, ctx.group.id)),
  set: groupProcedure
    .meta({ permission: "velero.install", dbOnly: true })
    .input(groupPolicyInput)
    .output(done)
    .mutation(({ ctx, input }) => setGroupPolicy(ctx.services, ctx.group.id, input, ctx.principal!.userId)),
  remove: groupProcedure
    .meta({ permission: "velero.install", dbOnly: true })
    .output(done)
    .mutation(({ ctx }) => removeGroupPolicy(ctx.services, ctx.group.id)),
  // The audit row names the cluster tried again, within the group.
  retry: groupProcedureOn("groupId", { object: "clusterId" })
    .meta({ permission: "velero.install", dbOnly: true })
    .input(groupRetryInput)
    .output(done)
    .mutation(({ ctx, input }) => retryGroupCluster(ctx.services, ctx.group.id, input.clusterId)),
});
