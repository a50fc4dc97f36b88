import { describe, expect, it } from "vitest";
import type { KObject } from "../kube-api/types";
import { fsbBlocker, picksFsb, podNotRunning, type VolumeSettings } from "./volumes";

// The stand-in's pod volume decisions, in Velero's order and words (pkg/podvolume/backupper.go, pkg/util/kube/pod.go).
const settings = (o: Partial<VolumeSettings> = {}): VolumeSettings => ({
  defaultVolumesToFsBackup: false,
  snapshotVolumes: true,
  snapshotMoveData: false,
  csi: true,
  nodeAgent: true,
  nodeAgentNodes: new Set(["node-1", "node-2", "node-3"]),
  pvcsExcluded: false,
  ...o,
});

const pod = (o: { nodeName?: string; phase?: string; deleting?: boolean; mounts?: string[] } = {}): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "app-0",
    namespace: "shop",
    annotations: { "backup.velero.io/backup-volumes": "data,logs" },
    ...(o.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
  },
  spec: {
    ...(o.nodeName === undefined ? { nodeName: "node-1" } : o.nodeName ? { nodeName: o.nodeName } : {}),
    containers: [{ name: "app", volumeMounts: (o.mounts ?? ["data", "logs"]).map((name) => ({ name })) }],
    volumes: [
      { name: "data", persistentVolumeClaim: { claimName: "data" } },
      { name: "logs", hostPath: { path: "/var/log" } },
    ],
  },
  status: { phase: o.phase ?? "Running" },
});
const data = { name: "data", persistentVolumeClaim: { claimName: "data" } };

describe("podNotRunning (kube.IsPodRunning)", () => {
  it("says why, in Velero's words: not scheduled, then not Running, then being deleted", () => {
    expect(podNotRunning(pod({ nodeName: "", phase: "Pending" }))).toBe(
      "pod is not scheduled, name=app-0, namespace=shop, phase=Pending",
    );
    expect(podNotRunning(pod({ phase: "Pending" }))).toBe(
      "pod is not in the expected status, name=app-0, namespace=shop, phase=Pending: pod is not running",
    );
    expect(podNotRunning(pod({ deleting: true }))).toBe(
      "pod is being terminated, name=app-0, namespace=shop, phase=Running",
    );
    expect(podNotRunning(pod())).toBeNull();
  });
});

describe("picksFsb", () => {
  it("never picks a hostPath volume, even one the annotation names", () => {
    const p = pod();
    expect(picksFsb(p, p.spec.volumes[0], settings())).toBe(true);
    expect(picksFsb(p, p.spec.volumes[1], settings())).toBe(false);
    expect(picksFsb(p, p.spec.volumes[1], settings({ defaultVolumesToFsBackup: true }))).toBe(false);
  });
});

describe("fsbBlocker", () => {
  it("skips every chosen volume of a pod that is not running, with a warning and no error", () => {
    const b = fsbBlocker(pod({ nodeName: "", phase: "Pending" }), data, settings(), undefined);
    expect(b).toEqual({
      warning:
        "Skip pod volume data of pod shop/app-0: pod is not scheduled, name=app-0, namespace=shop, phase=Pending",
      skippedReason:
        "encountered a problem with backing up the PVC of pod shop/app-0: pod is not scheduled, name=app-0, namespace=shop, phase=Pending",
      error: null,
    });
  });

  it("decides per node: no Running node-agent on the pod's node skips the volume and fails the pod item", () => {
    const b = fsbBlocker(pod({ nodeName: "node-4" }), data, settings(), undefined);
    expect(b).toEqual({
      warning: "Skip pod volume data of pod shop/app-0: daemonset pod not found in running state in node node-4",
      skippedReason:
        "encountered a problem with backing up the PVC of pod shop/app-0: daemonset pod not found in running state in node node-4",
      error: "daemonset pod not found in running state in node node-4",
    });
    expect(fsbBlocker(pod({ nodeName: "node-2" }), data, settings(), undefined)).toBeNull();
    // No node-agent anywhere is the same answer, for every node.
    expect(fsbBlocker(pod(), data, settings({ nodeAgentNodes: new Set() }), undefined)?.error).toBe(
      "daemonset pod not found in running state in node node-1",
    );
  });

  it("checks the pod before the node: a Pending pod is only skipped, wherever it is", () => {
    expect(fsbBlocker(pod({ nodeName: "node-4", phase: "Pending" }), data, settings(), undefined)?.error).toBeNull();
  });

  it("then per volume: a claim on a hostPath volume, a volume no container mounts", () => {
    const hostPathPv: KObject = { metadata: { name: "pv-1" }, spec: { hostPath: { path: "/mnt/pv-1" } } };
    expect(fsbBlocker(pod(), data, settings(), hostPathPv)).toMatchObject({
      warning:
        "Volume data in pod shop/app-0 is a hostPath volume which is not supported for pod volume backup, skipping",
      error: null,
    });
    expect(fsbBlocker(pod({ mounts: ["logs"] }), data, settings(), undefined)).toMatchObject({
      skippedReason: "volume data is declared in pod shop/app-0 but not mounted by any container, skipping",
      error: null,
    });
  });
});
