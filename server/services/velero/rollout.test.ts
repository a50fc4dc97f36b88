import { describe, expect, it } from "vitest";
import { daemonSetRollout, deploymentRollout } from "./rollout";

const dep = (status: object, extra: object = {}) => ({
  metadata: { name: "velero", generation: 2 },
  spec: { replicas: 1 },
  status: { observedGeneration: 2, ...status },
  ...extra,
});
const ds = (status: object, generation = 3) => ({
  metadata: { name: "node-agent", generation },
  spec: { updateStrategy: { type: "RollingUpdate" } },
  status: { observedGeneration: 3, ...status },
});

describe("deploymentRollout (kubectl rollout status)", () => {
  it.each([
    [{ observedGeneration: 1 }, "waiting", "Waiting for deployment spec update to be observed..."],
    [
      { updatedReplicas: 0, replicas: 1 },
      "waiting",
      'Waiting for deployment "velero" rollout to finish: 0 out of 1 new replicas have been updated...',
    ],
    [
      { updatedReplicas: 1, replicas: 2, availableReplicas: 1 },
      "waiting",
      'Waiting for deployment "velero" rollout to finish: 1 old replicas are pending termination...',
    ],
    [
      { updatedReplicas: 1, replicas: 1, availableReplicas: 0 },
      "waiting",
      'Waiting for deployment "velero" rollout to finish: 0 of 1 updated replicas are available...',
    ],
    [{ updatedReplicas: 1, replicas: 1, availableReplicas: 1 }, "done", 'deployment "velero" successfully rolled out'],
    [
      { conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] },
      "failed",
      'deployment "velero" exceeded its progress deadline',
    ],
    [
      {
        conditions: [
          { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: 'pods "velero-" is forbidden' },
        ],
      },
      "failed",
      'deployment "velero" cannot create pods: pods "velero-" is forbidden',
    ],
  ])("%j → %s", (status, state, message) => {
    expect(deploymentRollout(dep(status))).toMatchObject({ state, message });
  });
});

describe("daemonSetRollout (kubectl rollout status)", () => {
  it.each([
    [ds({}, 4), "waiting", "Waiting for daemon set spec update to be observed..."],
    [
      ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3 }),
      "waiting",
      'Waiting for daemon set "node-agent" rollout to finish: 1 out of 3 new pods have been updated...',
    ],
    [
      ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }),
      "waiting",
      'Waiting for daemon set "node-agent" rollout to finish: 2 of 3 updated pods are available...',
    ],
    [
      ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }),
      "done",
      'daemon set "node-agent" successfully rolled out',
    ],
    [
      { ...ds({}), spec: { updateStrategy: { type: "OnDelete" } } },
      "failed",
      "rollout status is only available for RollingUpdate strategy type",
    ],
  ])("%#: %s", (obj, state, message) => {
    expect(daemonSetRollout(obj)).toMatchObject({ state, message });
  });
  it("reports progress as ready of desired", () => {
    expect(
      daemonSetRollout(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 })),
    ).toMatchObject({ ready: 2, desired: 3 });
  });
});
