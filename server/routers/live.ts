import { z } from "zod";
import { router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { eventBus, type Change } from "../events/bus";
import { visibleClusterWhere } from "../rbac/access";
import type { Db } from "../db/client";
import type { Access } from "../rbac/access";
import { COVERAGE_KINDS } from "../kube/watch";
import { isDraining, onDrain } from "../lifecycle";

// Pushed updates: a page subscribes (server-sent events) and is told what changed, for the clusters it may see; it
// then refetches what it shows. Nothing is sent while nothing changes (besides the stream's keep-alive pings).
const change = z.object({ topic: z.string().max(64), clusterId: z.string().max(64).optional() });
export type LiveChange = z.infer<typeof change>;

async function visibleIds(db: Db, access: Access): Promise<Set<string> | null> {
  const where = visibleClusterWhere(access);
  if (!where) return null;
  return new Set((await db.cluster.findMany({ where, select: { id: true } })).map((c) => c.id));
}

export const liveRouter = router({
  changes: procedure.meta({ permission: "live.subscribe" }).subscription(async function* ({ ctx, signal }) {
    const access = ctx.access!;
    let visible = await visibleIds(ctx.db, access);
    const queue: Change[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = (ctx.events ?? eventBus()).subscribe((c) => {
      // Pods, claims and the like change often; pages hear of them through "coverage", once their effect is computed.
      if (COVERAGE_KINDS.includes(c.topic)) return;
      // A change already waiting to be sent says the same: a slow reader gets each topic once, not a backlog.
      if (!queue.some((q) => q.topic === c.topic && q.clusterId === c.clusterId)) queue.push(c);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort, { once: true });
    // This process is stopping: the page is told to open its stream again, which the load balancer sends elsewhere.
    const offDrain = onDrain(() => wake?.());
    try {
      // A process already stopping says only that (a page that reconnected to it tries again, elsewhere, without
      // refetching everything it shows).
      if (!isDraining()) yield change.parse({ topic: "connected" });
      while (!signal?.aborted) {
        if (isDraining()) {
          yield change.parse({ topic: "reconnect" });
          return;
        }
        if (!queue.length) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            if (signal?.aborted || isDraining()) resolve();
          });
          wake = undefined;
        }
        while (queue.length) {
          const c = queue.shift()!;
          // A cluster attached or detached: what this user may see may have changed.
          if (c.topic === "clusters" || c.topic === "resync") visible = await visibleIds(ctx.db, access);
          const hidden = Boolean(c.clusterId && visible && !visible.has(c.clusterId));
          // Someone else's cluster: nothing, except that the list of clusters changed (without saying which).
          if (hidden && c.topic !== "clusters") continue;
          yield change.parse({ topic: c.topic, ...(c.clusterId && !hidden ? { clusterId: c.clusterId } : {}) });
        }
      }
    } finally {
      offDrain();
      signal?.removeEventListener("abort", onAbort);
      unsubscribe();
    }
  }),
});
