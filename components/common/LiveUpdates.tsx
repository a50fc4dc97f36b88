"use client";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import Box from "@mui/material/Box";
import { Tooltip } from "@/components/common/Tooltip";
import FiberManualRecord from "@mui/icons-material/FiberManualRecord";
import { useTRPC } from "@/lib/trpc/client";

// Pushed updates: one subscription per signed-in page (server-sent events). Each change names a topic (a Velero kind,
// a cluster, locations, a sync state) and refetches only the queries that show it (a router, or router.procedure).
// While the stream is down, pages fall back to polling (useLiveInterval); once it is back, they refetch once and stop
// polling.
const ROUTERS_BY_TOPIC: Record<string, string[]> = {
  // (velero: the Data protection section lists what runs, which an upgrade waits for)
  backups: ["backup", "overview", "schedule", "restore", "velero"],
  deletebackuprequests: ["backup"],
  podvolumebackups: ["backup"],
  datauploads: ["backup"],
  // (drill: a drill's page shows its restore's progress)
  restores: ["restore", "overview", "velero", "drill"],
  // Restore drills and drill schedules; the dashboard shows a cluster's failed drill.
  drills: ["drill", "overview"],
  schedules: ["schedule", "overview"],
  backupstoragelocations: ["location", "backup"],
  // A check finds the cluster's access level and its Velero: the Data protection section and the versions page show them.
  cluster: ["cluster", "overview", "backup", "restore", "schedule", "velero", "veleroFleet", "veleroGroup"],
  clusters: ["cluster", "clusterGroup", "overview", "location", "velero", "veleroFleet", "veleroGroup"],
  locations: ["location"],
  // A cluster group created, renamed or deleted (its name shows beside its clusters).
  group: ["clusterGroup", "overview", "cluster", "velero", "veleroFleet", "location"],
  syncstate: ["cluster.sync"],
  velero: ["velero", "veleroGroup", "veleroFleet"],
  coverage: ["coverage", "overview"],
  // What a backup wrote (read from its location once it completed): the dashboard's data per location, recovery points.
  digests: ["coverage", "overview", "drill"],
};

const LiveContext = createContext<{ connected: boolean }>({ connected: false });

export function LiveUpdates({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reconnects, setReconnects] = useState(0);
  const sub = useSubscription(
    trpc.live.changes.subscriptionOptions(undefined, {
      onData: (c) => {
        if (c.topic === "reconnect") {
          setReconnects((n) => n + 1);
          return;
        }
        if (c.topic === "connected" || c.topic === "resync") {
          // Whatever changed while the stream was down (or before it opened).
          void queryClient.invalidateQueries();
          return;
        }
        if (c.topic === "checked") {
          // A check that found the cluster as it was: only that cluster's own page shows when it was last checked.
          if (c.clusterId)
            void queryClient.invalidateQueries({
              queryKey: trpc.cluster.get.queryKey({ id: c.clusterId }),
              refetchType: "active",
            });
          return;
        }
        // A query marked `meta: { live: false }` (suggestions, not state) is not refetched on every change.
        for (const r of ROUTERS_BY_TOPIC[c.topic] ?? [])
          void queryClient.invalidateQueries({
            queryKey: [r.split(".")],
            refetchType: "active",
            predicate: (q) => q.meta?.live !== false,
          });
      },
    }),
  );
  // The console process serving the stream is stopping: open it again after a moment (a load balancer has taken that
  // process out by then and sends the new stream to another one).
  const { reset } = sub;
  useEffect(() => {
    if (!reconnects) return;
    const t = setTimeout(reset, 1_000 + Math.random() * 1_000);
    return () => clearTimeout(t);
  }, [reconnects, reset]);
  // "pending": the stream is open and waiting for changes.
  const connected = sub.status === "pending";
  return <LiveContext.Provider value={{ connected }}>{children}</LiveContext.Provider>;
}

/** Whether pushed updates arrive; pages poll only when they do not. */
export function useLive() {
  return useContext(LiveContext);
}

/** A query's refetchInterval: none while updates are pushed, `fallbackMs` while the stream is down. */
export function useLiveInterval(fallbackMs = 5_000, whileLiveMs: number | false = false): number | false {
  return useLive().connected ? whileLiveMs : fallbackMs;
}

/** A small sign in the app bar: whether changes arrive as they happen, or pages refresh on a timer meanwhile. */
export function LiveIndicator() {
  const { connected } = useLive();
  const label = connected
    ? "Live updates: connected"
    : "Live updates: reconnecting (pages refresh every few seconds meanwhile)";
  return (
    <Tooltip title={label}>
      <Box role="status" aria-label={label} sx={{ display: "flex", alignItems: "center", mx: 1 }}>
        <FiberManualRecord fontSize="small" sx={{ color: connected ? "success.light" : "warning.light" }} />
      </Box>
    </Tooltip>
  );
}
