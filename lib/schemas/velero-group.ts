import { z } from "zod";
import { veleroOperationSummary, veleroSettings, WHEN_BUSY } from "./velero";

// A cluster group's Velero (#12 §3): the settings every cluster of the group runs Velero with, clusters attached later
// included, and how far each cluster is. One schema per contract: the group's dialog, the router input and output.

/** Set (or change) the group's policy: a different version upgrades every cluster of the group, one at a time each. */
export const groupPolicyInput = z.object({ settings: veleroSettings, whenBusy: z.enum(WHEN_BUSY) });
export type GroupPolicyInput = z.infer<typeof groupPolicyInput>;

/** Try a cluster again after the policy's operation failed there, or after someone's failed operation blocked it. */
export const groupRetryInput = z.object({ clusterId: z.string().min(1).max(64) });

export const GROUP_CLUSTER_STATES = [
  "in policy",
  "installing",
  "upgrading",
  "changing",
  "waiting",
  "blocked",
  "failed",
] as const;
export type GroupClusterState = (typeof GROUP_CLUSTER_STATES)[number];

/**
 * Why the policy does not act on a cluster: Lifeboat lacks the "manage Velero" access there, someone else's Velero
 * runs there (take it over on the cluster's page first), an operation someone started there failed, the cluster runs a
 * newer Velero than the policy's (Lifeboat never downgrades), or the services refused the start.
 */
export const GROUP_BLOCK_REASONS = [
  "no manage access",
  "someone else's Velero",
  "a failed operation",
  "a newer version",
  "refused",
] as const;
export type GroupBlockReason = (typeof GROUP_BLOCK_REASONS)[number];

export const groupClusterRow = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  management: z.enum(["OFF", "ADOPTED", "MANAGED", "DISABLED"]),
  /** The Velero version running (detection), else the one Lifeboat installed. */
  version: z.string().nullable(),
  /** Against the group's policy; null when no policy is in force. */
  state: z.enum(GROUP_CLUSTER_STATES).nullable(),
  reason: z.enum(GROUP_BLOCK_REASONS).nullable(),
  /** What the operator reads next to the state (the failure's message, what a blocked cluster needs). */
  message: z.string().nullable(),
  /** The admin may ask the policy to try this cluster again (a failed operation). */
  retryable: z.boolean(),
  /** The cluster's latest operation (the policy's or anyone's), with its phase and rollout progress. */
  operation: veleroOperationSummary.nullable(),
});
export type GroupClusterRow = z.infer<typeof groupClusterRow>;

export const groupPolicyStatus = z.object({
  policy: z
    .object({
      settings: veleroSettings,
      whenBusy: z.enum(WHEN_BUSY),
      enabled: z.boolean(),
      updatedAt: z.date(),
    })
    .nullable(),
  clusters: z.array(groupClusterRow),
});
export type GroupPolicyStatus = z.infer<typeof groupPolicyStatus>;
