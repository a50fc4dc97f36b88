import type { ClusterRole } from "@/lib/rbac/permissions";

/** The cluster roles a binding grants, in words. */
export const ROLES: { value: ClusterRole; label: string; help: string }[] = [
  { value: "VIEWER", label: "Viewer", help: "reads everything in scope" },
  { value: "OPERATOR", label: "Operator", help: "also backs up, schedules and restores" },
  { value: "CLUSTER_ADMIN", label: "Cluster admin", help: "also attaches, detaches and assigns locations" },
];
