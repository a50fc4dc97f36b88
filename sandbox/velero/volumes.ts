import crypto from "node:crypto";
import type { KObject } from "../kube-api/types";

// The volume decisions of Velero's item backupper (velero-api.md §9), without resource policies:
// which pod volumes get a file-system backup, which PVCs get a CSI snapshot, and what is left uncovered.
export interface VolumeSettings {
  defaultVolumesToFsBackup: boolean;
  snapshotVolumes: boolean; // spec.snapshotVolumes, nil = true
  snapshotMoveData: boolean;
  csi: boolean; // server EnableCSI
  nodeAgent: boolean;
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

/** Why an FSB that was chosen cannot run (it is then SKIPPED, with no snapshot fallback), or null. */
export function fsbBlocker(pod: KObject, volume: any, s: VolumeSettings, pv: KObject | undefined): string | null {
  if (!s.nodeAgent) return "node-agent is not running on the node: file-system backup is not possible";
  if (pod.status?.phase !== "Running" || !pod.spec?.nodeName || pod.metadata.deletionTimestamp)
    return `pod ${pod.metadata.namespace}/${pod.metadata.name} is not running`;
  if (pv?.spec?.hostPath) return "the volume is a hostPath volume, which file-system backup does not support";
  const mounted = (pod.spec?.containers ?? []).some((c: any) =>
    (c.volumeMounts ?? []).some((m: any) => m.name === volume.name),
  );
  if (!mounted) return `volume ${volume.name} is not mounted by any container`;
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
