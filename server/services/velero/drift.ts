import type { Deps } from "../../composition";
import { readVeleroObject } from "../../kube/velero-install";
import type { VeleroDrift } from "@/lib/schemas/velero";
import { objectChange } from "./diff";
import type { K8sObject } from "./manifest";
import { previousRender } from "./operations";

// Drift (#12 §3): Velero's objects on the cluster against what Lifeboat applied last, field by field (only the fields
// Lifeboat sets: what the API server defaults or other controllers add is not drift). Read live on request; "put it
// back" is a REPAIR operation that applies the same objects again.

/** Objects whose drift is shown: the workloads and their RBAC (CRDs change only with an upgrade, and are long). */
const WATCHED = new Set(["Namespace", "ServiceAccount", "ClusterRoleBinding", "Deployment", "DaemonSet"]);

export async function veleroDriftOf(d: Deps, clusterId: string): Promise<VeleroDrift> {
  const inst = await d.db.veleroInstallation.findUnique({ where: { clusterId }, select: { management: true } });
  if (inst?.management !== "MANAGED") return { checkedAt: null, drifted: false, objects: [] };
  const objects = (await previousRender(d, clusterId)).filter((o) => WATCHED.has(o.kind));
  if (!objects.length) return { checkedAt: null, drifted: false, objects: [] };
  const c = await d.clusters.forCluster(clusterId);
  const changes = [];
  for (const o of objects) changes.push(objectChange(o, (await readVeleroObject(c, o)) as K8sObject | null));
  return {
    checkedAt: new Date(),
    drifted: changes.some((x) => x.change !== "same"),
    objects: changes.filter((x) => x.change !== "same"),
  };
}
