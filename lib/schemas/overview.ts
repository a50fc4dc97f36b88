import { z } from "zod";

// What the browser receives about the fleet (overview.fleet), and the cluster state every Velero row carries.

/** A cluster's connection as the health checks last saw it (Prisma's ClusterState). */
export const clusterState = z.enum(["PENDING", "CONNECTED", "DISCONNECTED"]);

/** One cluster on the overview: is Velero there, when did a backup last complete, what is running or failing. */
export const fleetRow = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  groupName: z.string(),
  state: clusterState,
  lastSeenAt: z.date().nullable(),
  protection: z.enum(["NO_VELERO", "NEVER", "STALE", "PROTECTED"]),
  lastCompletedAt: z.date().nullable(),
  running: z.number(),
  failedLastDay: z.number(),
  schedules: z.number(),
});
export type FleetRow = z.infer<typeof fleetRow>;

export const fleetOverview = z.array(fleetRow);
export type FleetOverview = z.infer<typeof fleetOverview>;
