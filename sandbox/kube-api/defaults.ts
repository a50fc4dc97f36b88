import type { KObject, ResourceType } from "./types";

// The apiserver's defaulting for the workload kinds (what SetDefaults_* fills in on every write), limited to the fields
// that clients and the sandbox's controllers read: kubectl rollout status refuses a DaemonSet without an update
// strategy, and the Deployment and Job controllers follow replicas, progress deadlines and back-off limits.

const fill = (o: Record<string, unknown>, defaults: Record<string, unknown>) => {
  for (const [k, v] of Object.entries(defaults)) if (o[k] === undefined || o[k] === null) o[k] = v;
};

export function defaultWorkload(rt: ResourceType, obj: KObject): KObject {
  const spec = (obj as any).spec;
  if (!spec || typeof spec !== "object") return obj;
  const key = `${rt.group}/${rt.resource}`;
  if (key === "apps/deployments") {
    fill(spec, { replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
    spec.strategy ??= { type: "RollingUpdate" };
    if (spec.strategy.type === undefined) spec.strategy.type = "RollingUpdate";
    if (spec.strategy.type === "RollingUpdate")
      spec.strategy.rollingUpdate = { maxSurge: "25%", maxUnavailable: "25%", ...(spec.strategy.rollingUpdate ?? {}) };
  } else if (key === "apps/daemonsets") {
    fill(spec, { revisionHistoryLimit: 10 });
    spec.updateStrategy ??= { type: "RollingUpdate" };
    if (spec.updateStrategy.type === undefined) spec.updateStrategy.type = "RollingUpdate";
    if (spec.updateStrategy.type === "RollingUpdate")
      spec.updateStrategy.rollingUpdate = {
        maxSurge: 0,
        maxUnavailable: 1,
        ...(spec.updateStrategy.rollingUpdate ?? {}),
      };
  } else if (key === "apps/replicasets") {
    fill(spec, { replicas: 1 });
  } else if (key === "batch/jobs") {
    fill(spec, { parallelism: 1, completions: 1, backoffLimit: 6, completionMode: "NonIndexed", suspend: false });
  }
  return obj;
}
