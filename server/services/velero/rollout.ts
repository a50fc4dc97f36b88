// Whether Velero's Deployment and the node-agent DaemonSet have rolled out, by the rules of `kubectl rollout status`
// (kubectl's DeploymentStatusViewer and DaemonSetStatusViewer), with their words. Pure: the reconciler reads the two
// objects and asks; "failed" ends the wait with the reason (a progress deadline passed, pods cannot be created).

export type RolloutState =
  | { state: "done"; message: string }
  | { state: "waiting"; message: string; ready: number; desired: number }
  | { state: "failed"; message: string };

interface Workload {
  metadata?: { name?: string; generation?: number };
  spec?: { replicas?: number; updateStrategy?: { type?: string } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

const condition = (o: Workload, type: string) =>
  (o.status?.conditions ?? []).find((c: { type: string }) => c.type === type) as
    { status: string; reason?: string; message?: string } | undefined;

export function deploymentRollout(d: Workload): RolloutState {
  const name = d.metadata?.name ?? "";
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  const ready = s.availableReplicas ?? 0;
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0))
    return { state: "waiting", message: "Waiting for deployment spec update to be observed...", ready, desired: want };
  const failure = condition(d, "ReplicaFailure");
  if (failure?.status === "True")
    return {
      state: "failed",
      message: `deployment "${name}" cannot create pods: ${failure.message ?? failure.reason}`,
    };
  if (condition(d, "Progressing")?.reason === "ProgressDeadlineExceeded")
    return { state: "failed", message: `deployment "${name}" exceeded its progress deadline` };
  const updated = s.updatedReplicas ?? 0;
  const wait = (message: string): RolloutState => ({
    state: "waiting",
    message: `Waiting for deployment "${name}" rollout to finish: ${message}`,
    ready,
    desired: want,
  });
  if (updated < want) return wait(`${updated} out of ${want} new replicas have been updated...`);
  if ((s.replicas ?? 0) > updated)
    return wait(`${(s.replicas ?? 0) - updated} old replicas are pending termination...`);
  if (ready < updated) return wait(`${ready} of ${updated} updated replicas are available...`);
  return { state: "done", message: `deployment "${name}" successfully rolled out` };
}

export function daemonSetRollout(ds: Workload): RolloutState {
  const name = ds.metadata?.name ?? "";
  const s = ds.status ?? {};
  const desired = s.desiredNumberScheduled ?? 0;
  const ready = s.numberAvailable ?? 0;
  if ((ds.spec?.updateStrategy?.type ?? "RollingUpdate") !== "RollingUpdate")
    return { state: "failed", message: "rollout status is only available for RollingUpdate strategy type" };
  if ((ds.metadata?.generation ?? 0) > (s.observedGeneration ?? 0))
    return { state: "waiting", message: "Waiting for daemon set spec update to be observed...", ready, desired };
  const updated = s.updatedNumberScheduled ?? 0;
  const wait = (message: string): RolloutState => ({
    state: "waiting",
    message: `Waiting for daemon set "${name}" rollout to finish: ${message}`,
    ready,
    desired,
  });
  if (updated < desired) return wait(`${updated} out of ${desired} new pods have been updated...`);
  if (ready < desired) return wait(`${ready} of ${desired} updated pods are available...`);
  return { state: "done", message: `daemon set "${name}" successfully rolled out` };
}
