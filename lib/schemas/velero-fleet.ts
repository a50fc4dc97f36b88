import { z } from "zod";
import { veleroOperationProgress, veleroStatus } from "./velero";

// The fleet's Velero versions (#12 §3: "each cluster's Velero, node-agent and plugin versions, what is supported, what
// is newer"): one row per cluster the user may see, from what detection last stored on the cluster's record.

export const compatibilityLevel = z.enum(["tested", "supported", "unsupported", "unknown"]);

export const veleroVersionRow = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  groupName: z.string(),
  /** The group's data protection policy decides this cluster's Velero (upgraded with the group). */
  groupPolicy: z.boolean(),
  management: veleroStatus.shape.management,
  /** Velero's server version ("v1.18.1"), null when none runs. */
  veleroVersion: z.string().nullable(),
  /** Whether the node-agent DaemonSet has a ready pod. */
  nodeAgentRunning: z.boolean(),
  /** The node-agent image's tag, null when it does not run or detection did not read its image. */
  nodeAgent: z.string().nullable(),
  /** The plugin images (Velero's init containers): the provider they serve, or the container's name, and the tag. */
  plugins: z.array(z.object({ name: z.string(), version: z.string().nullable() })),
  kubernetesVersion: z.string().nullable(),
  /** How the running Velero goes with the cluster's Kubernetes (Velero's matrix); null without both versions. */
  compatibility: z.object({ level: compatibilityLevel, why: z.string() }).nullable(),
  /** The newest release Lifeboat installs. */
  newestRelease: z.string(),
  /** A release newer than the running one that Lifeboat installs and this Kubernetes does not rule out. */
  upgradeAvailable: z.boolean(),
  /**
   * The caller may upgrade it here: a cluster admin, Velero managed by Lifeboat with its "manage Velero" access, no
   * group policy deciding it and no operation under way.
   */
  canUpgrade: z.boolean(),
  /** The operation under way on the cluster (install, change, upgrade, …), null when none is. */
  operation: veleroOperationProgress.nullable(),
});
export type VeleroVersionRow = z.infer<typeof veleroVersionRow>;

export const veleroVersionsOutput = z.array(veleroVersionRow);
