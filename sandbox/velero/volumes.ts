import crypto from "node:crypto";
import type { KObject } from "../kube-api/types";

// The volume decisions of Velero's item backupper (velero-api.md §9), without resource policies:
// which pod volumes get a file-system backup, which PVCs get a CSI snapshot, and what is left uncovered.
export interface VolumeSettings {
  defaultVolumesToFsBackup: boolean;
  snapshotVolumes: boolean; // spec.snapshotVolumes, nil = true
  snapshotMoveData: boolean;
  csi: boolean; // server EnableCSI
  nodeAgent: boolean; // the node-agent DaemonSet is ready (the built-in data mover needs it)
  /** Nodes with a Running node-agent pod (label role=node-agent) in Velero's namespace: where FSB can run. */
  nodeAgentNodes: ReadonlySet<string>;
  pvcsExcluded: boolean; // PVCs excluded by the resource filters
}

const NEVER_FSB = ["hostPath", "secret", "configMap", "projected", "downwardAPI"];

const csvAnnotation = (pod: KObject, key: string) =>
  (pod.metadata.annotations?.[key] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Rule A.a + A.c: would Velero pick FSB for this pod volume (regardless of the pod's phase)? */
export function picksFsb(pod: KObject, volume: any, s: VolumeSettings): boolean {
  if (NEVER_FSB.some((k) => volume[k]) || String(volume.name).startsWith("default-token")) return false;
  if (volume.persistentVolumeClaim && s.pvcsExcluded) return false;
  return s.defaultVolumesToFsBackup
    ? !csvAnnotation(pod, "backup.velero.io/backup-volumes-excludes").includes(volume.name)
    : csvAnnotation(pod, "backup.velero.io/backup-volumes").includes(volume.name);
}

/** kube.IsPodRunning (pkg/util/kube/pod.go): why a pod is not running stably, in Velero's words, or null. */
export function podNotRunning(pod: KObject): string | null {
  const { name, namespace } = pod.metadata;
  const where = `name=${name}, namespace=${namespace}, phase=${pod.status?.phase ?? ""}`;
  if (!pod.spec?.nodeName) return `pod is not scheduled, ${where}`;
  if (pod.status?.phase !== "Running") return `pod is not in the expected status, ${where}: pod is not running`;
  if (pod.metadata.deletionTimestamp) return `pod is being terminated, ${where}`;
  return null;
}

/** Why a chosen FSB does not run, as Velero's pod volume backupper reports it (pkg/podvolume/backupper.go). */
export interface FsbBlocker {
  /** The log line (a warning in the backup's results). */
  warning: string;
  /** The volume's skippedReason in the volume information. */
  skippedReason: string;
  /** The error that fails the pod item (the backup ends PartiallyFailed), or null when it is only skipped. */
  error: string | null;
}

/**
 * Why an FSB that was chosen cannot run (the volume is then SKIPPED, with no snapshot fallback), or null, checked in
 * Velero's order: the pod must be running (else every chosen volume is skipped with a warning), a node-agent pod must
 * be running on the pod's node (else skipped, and the pod item fails: "daemonset pod not found in running state in
 * node …"), then per volume: not a hostPath volume, mounted by a container.
 */
export function fsbBlocker(pod: KObject, volume: any, s: VolumeSettings, pv: KObject | undefined): FsbBlocker | null {
  const podRef = `${pod.metadata.namespace}/${pod.metadata.name}`;
  const skipAll = (cause: string, fails: boolean): FsbBlocker => ({
    warning: `Skip pod volume ${volume.name} of pod ${podRef}: ${cause}`,
    skippedReason: `encountered a problem with backing up the PVC of pod ${podRef}: ${cause}`,
    error: fails ? cause : null,
  });
  const notRunning = podNotRunning(pod);
  if (notRunning) return skipAll(notRunning, false);
  if (!s.nodeAgentNodes.has(pod.spec.nodeName))
    return skipAll(`daemonset pod not found in running state in node ${pod.spec.nodeName}`, true);
  const skipOne = (msg: string): FsbBlocker => ({ warning: msg, skippedReason: msg, error: null });
  if (pv?.spec?.hostPath)
    return skipOne(
      `Volume ${volume.name} in pod ${podRef} is a hostPath volume which is not supported for pod volume backup, skipping`,
    );
  const mounted = (pod.spec?.containers ?? []).some((c: any) =>
    (c.volumeMounts ?? []).some((m: any) => m.name === volume.name),
  );
  if (!mounted)
    return skipOne(`volume ${volume.name} is declared in pod ${podRef} but not mounted by any container, skipping`);
  return null;
}

const UNITS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};
export function quantityBytes(q: string | undefined, fallback: number): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?)?$/.exec(q ?? "");
  return m ? Math.round(Number(m[1]) * (m[2] ? UNITS[m[2]] : 1)) : fallback;
}

/** Simulated amount of data in a volume: deterministic, a fraction of its capacity. */
export function simulatedUsage(key: string, capacityBytes: number): number {
  const h = crypto.createHash("sha256").update(key).digest().readUInt32BE(0);
  return Math.max(4096, Math.round(capacityBytes * (0.05 + (h % 40) / 100)));
}
