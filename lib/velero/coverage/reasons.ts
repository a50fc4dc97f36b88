import { formatLabelSelector } from "../label-selector";
import { EXCLUDE_FROM_BACKUP_LABEL, type Exclusion, type ObjectRef } from "./scope";
import type { CoverageFix, PodFacts, PodVolumeFacts, PvcFacts, PvFacts, SnapshotLocationFacts } from "./types";

// The words of a coverage decision: why a volume is not protected, and a concrete fix an operator can run or apply
// (velero-api.md §3, §8, §9). decide.ts says what happens as a Cause; this file only words it. Pure.

export const BACKUP_VOLUMES_ANNOTATION = "backup.velero.io/backup-volumes";
export const BACKUP_VOLUMES_EXCLUDES_ANNOTATION = "backup.velero.io/backup-volumes-excludes";
export const VSC_LABEL = "velero.io/csi-volumesnapshot-class";

/** A volume policy: the ConfigMap's name and the policy's 0-based position in volumePolicies. */
export interface PolicyRef {
  name: string;
  index: number;
}

/** Why a file-system backup Velero chose will not run (the volume is then SKIPPED; no snapshot replaces it). */
export type FsbBlock =
  | { kind: "not-scheduled" }
  | { kind: "not-running"; phase: string }
  | { kind: "no-node-agent" }
  | { kind: "no-node-agent-on-node"; node: string }
  | { kind: "hostpath" }
  | { kind: "block" }
  | { kind: "not-mounted" };

/** How the volume came to be chosen for FSB: the pod's annotations (opt-in or opt-out mode), or a volume policy. */
export type FsbMode = { kind: "opt-in" } | { kind: "opt-out" } | { kind: "policy"; policy: PolicyRef };

/** Where the VolumeSnapshotClass came from (velero-api.md §8, in Velero's order). */
export type VscVia = "pvc-annotation" | "backup-annotation" | "label" | "default" | "only";

/** A class named by an annotation that Velero passed over (it logs this at debug level and goes on). */
export interface IgnoredClass {
  name: string;
  via: "pvc-annotation" | "backup-annotation";
  /** The named class's driver; null when no class has that name. */
  driver: string | null;
}

export type Cause =
  // Protected
  | { kind: "fsb"; pod: PodFacts; volume: string; storageClassError: boolean }
  | { kind: "csi"; vsc: string; via: VscVia; ignored: IgnoredClass[]; moved: boolean }
  | { kind: "native"; vsl: SnapshotLocationFacts }
  | { kind: "custom"; policy: PolicyRef }
  // Rule 0: not an item of the backup, or no backup at all
  | { kind: "excluded"; exclusion: Exclusion; plan: string }
  | { kind: "plan-filters"; plan: string; problem: string }
  | { kind: "policy-missing"; plan: string; policy: string }
  | { kind: "policy-invalid"; plan: string; policy: string; problem: string }
  | { kind: "no-schedule"; namespace: string }
  | { kind: "paused-only"; schedules: string[] }
  | { kind: "in-no-schedule"; namespace: string }
  // FSB chosen, then blocked
  | { kind: "fsb-blocked"; pod: PodFacts; volume: string; block: FsbBlock; mode: FsbMode; pvc: PvcFacts | null }
  // No backup carries the data
  | { kind: "hostpath-volume"; pod: PodFacts; volume: string }
  | { kind: "policy-skip"; policy: PolicyRef }
  | { kind: "policy-snapshot-pod-volume"; policy: PolicyRef; pod: PodFacts; volume: PodVolumeFacts }
  | { kind: "policy-fsb-no-pod"; policy: PolicyRef; pvc: PvcFacts }
  | { kind: "not-opted-in"; pod: PodFacts; volume: PodVolumeFacts; optOut: boolean }
  | {
      kind: "fsb-by-excluded-pod";
      pvc: PvcFacts;
      pod: PodFacts;
      volume: string;
      exclusion: Exclusion;
      plan: string;
      optOut: boolean;
    }
  | { kind: "snapshots-off"; plan: string; pvc: PvcFacts; pods: { pod: PodFacts; volume: string }[] }
  | { kind: "unbound"; pvc: PvcFacts; error: boolean }
  | { kind: "hostpath-pv"; pvc: PvcFacts; pv: PvFacts }
  // The backup reports an error for it
  | { kind: "no-storage-class"; pvc: PvcFacts; pv: PvFacts }
  | { kind: "no-snapshot-api"; driver: string }
  | { kind: "no-vsc"; driver: string; candidates: string[]; ignored: IgnoredClass[] }
  | { kind: "mover-no-node-agent" }
  // Snapshot chosen, no snapshotter
  | { kind: "no-vsl"; pvc: PvcFacts; pv: PvFacts; provider: string | null; csiEnabled: boolean };

export interface Explanation {
  reason: string | null;
  fix: CoverageFix | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------------------------

export const planWords = (plan: string) => (plan ? `schedule ${plan}` : "an on-demand backup");
/** Who Velero refuses when a plan is invalid. */
const refusedWords = (plan: string) => (plan ? `the backups of schedule ${plan}` : "the backup");
const policyWords = (p: PolicyRef) => `volume policy #${p.index + 1} of resource policy ${p.name}`;
const objectWords = (o: ObjectRef) => `${o.kind === "pod" ? "pod" : "PVC"} ${o.name}`;
const kubectlKind = (o: ObjectRef) => (o.kind === "pod" ? "pod" : "pvc");
const names = (list: readonly string[]) => list.join(", ");
const splitList = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function selectorWords(selectors: Extract<Exclusion, { kind: "selector" }>): string {
  return selectors.selectors.map((s) => `"${formatLabelSelector(s)}"`).join(" or ");
}

const exclusionRule = (ex: Exclusion): string => {
  switch (ex.kind) {
    case "namespace-not-included":
      return `namespace ${ex.namespace} is not among its included namespaces`;
    case "namespace-excluded":
      return ex.pattern === ex.namespace
        ? `namespace ${ex.namespace} is in its excluded namespaces`
        : `namespace ${ex.namespace} matches its excluded namespace pattern "${ex.pattern}"`;
    case "namespace-labelled":
      return `namespace ${ex.namespace} is labelled ${EXCLUDE_FROM_BACKUP_LABEL}=true`;
    case "namespace-deleting":
      return `namespace ${ex.namespace} is being deleted`;
    case "resource-excluded":
      return `its resource filters leave out ${ex.resource}`;
    case "labelled":
      return `${objectWords(ex.object)} is labelled ${EXCLUDE_FROM_BACKUP_LABEL}=true`;
    case "deleting":
      return `${objectWords(ex.object)} is being deleted`;
    case "selector":
      return (
        `the labels of ${objectWords(ex.object)} do not match its label selector${ex.selectors.length > 1 ? "s" : ""} ` +
        selectorWords(ex) +
        (ex.object.kind === "pvc" ? " and no pod it backs up mounts the PVC" : "")
      );
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Fixes
// ---------------------------------------------------------------------------------------------------------------

type Yaml = string | null | Yaml[] | { [key: string]: Yaml };

/** A string as a YAML scalar: plain when YAML reads it back as that string, else double-quoted (JSON is YAML). */
function scalar(v: string | null): string {
  if (v === null) return "null";
  const plain =
    /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(v) && !/^([-+.0-9eE_]+|true|false|yes|no|on|off|y|n|null)$/i.test(v);
  return plain ? v : JSON.stringify(v);
}

function yamlEntry(key: string, v: Yaml, indent: string): string[] {
  if (v === null || typeof v === "string") return [`${indent}${scalar(key)}: ${scalar(v)}`];
  if (Array.isArray(v)) return [`${indent}${scalar(key)}:`, ...v.flatMap((item) => yamlItem(item, `${indent}  `))];
  const entries = Object.entries(v);
  if (entries.length === 0) return [`${indent}${scalar(key)}: {}`];
  return [`${indent}${scalar(key)}:`, ...entries.flatMap(([k, x]) => yamlEntry(k, x, `${indent}  `))];
}

function yamlItem(item: Yaml, indent: string): string[] {
  if (item === null || typeof item === "string") return [`${indent}- ${scalar(item)}`];
  if (Array.isArray(item)) throw new Error("nested lists are not used in fixes");
  const [first, ...rest] = Object.entries(item).flatMap(([k, x]) => yamlEntry(k, x, `${indent}  `));
  return [`${indent}- ${first.slice(indent.length + 2)}`, ...rest];
}

/**
 * The small YAML snippets of fixes, written directly: the yaml package's stringify costs more than the whole decision
 * when a cluster has thousands of volumes.
 */
export function toYaml(map: { [key: string]: Yaml }): string {
  return Object.entries(map)
    .flatMap(([k, v]) => yamlEntry(k, v, ""))
    .map((l) => `${l}\n`)
    .join("");
}

function ownerNote(pod: PodFacts, removing: boolean): string {
  if (!pod.owner) return "";
  const owner = `${pod.owner.kind}/${pod.owner.name}`;
  const template = pod.owner.kind === "ReplicaSet" ? "the pod template of its Deployment" : `${owner}'s pod template`;
  return (
    `. Pod ${pod.name} is managed by ${owner}: ` +
    (removing ? `remove the annotation from ${template} too` : `set the annotation in ${template} as well`) +
    ", or the next pod comes back as before"
  );
}

/** The annotation in the owner's pod template (written out by hand: it is on the hot path of large clusters). */
function templateYaml(pod: PodFacts, key: string, value: string | null): string | undefined {
  if (!pod.owner) return undefined;
  return (
    `# ${pod.owner.kind}/${pod.owner.name} in namespace ${pod.namespace}: its pod template's annotations` +
    (value === null ? " (null removes it in a merge patch)\n" : "\n") +
    `spec:\n  template:\n    metadata:\n      annotations:\n        ${scalar(key)}: ${scalar(value)}\n`
  );
}

/**
 * A command to copy only when every name put into it is a plain Kubernetes name: names come from the cluster, and a
 * name with quotes, spaces or `$(…)` in a pasted command would run whatever the cluster's owner wrote.
 */
const SAFE_NAME = /^[A-Za-z0-9]([-A-Za-z0-9._]{0,252})?$/;
export function safeCommand(command: string, names: readonly string[]): { command: string } | Record<string, never> {
  return names.every((n) => SAFE_NAME.test(n) && !n.includes("..")) ? { command } : {};
}

/** Set (or, with an empty value, remove) one annotation on a pod. */
function annotateFix(pod: PodFacts, key: string, value: string, text: string): CoverageFix {
  const arg = value ? `${key}=${value} --overwrite` : `${key}-`;
  const yaml = templateYaml(pod, key, value || null);
  return {
    text: text + ownerNote(pod, !value),
    ...safeCommand(`kubectl -n ${pod.namespace} annotate pod ${pod.name} ${arg}`, [
      pod.namespace,
      pod.name,
      value ? `x${value.replace(/,/g, "")}` : "x",
    ]),
    ...(yaml ? { yaml } : {}),
  };
}

/** Make Velero copy the volume with FSB: name it in backup-volumes, or take it out of backup-volumes-excludes. */
export function fsbOptInFix(pod: PodFacts, volume: string, optOut: boolean): CoverageFix {
  if (optOut) {
    const rest = splitList(pod.backupVolumesExcludes).filter((v) => v !== volume);
    return annotateFix(
      pod,
      BACKUP_VOLUMES_EXCLUDES_ANNOTATION,
      rest.join(","),
      `Remove ${volume} from pod ${pod.name}'s ${BACKUP_VOLUMES_EXCLUDES_ANNOTATION} annotation`,
    );
  }
  const value = [...new Set([...splitList(pod.backupVolumes), volume])].join(",");
  return annotateFix(
    pod,
    BACKUP_VOLUMES_ANNOTATION,
    value,
    `Annotate pod ${pod.name} with ${BACKUP_VOLUMES_ANNOTATION}=${value}`,
  );
}

/** Stop choosing FSB for the volume, so that a snapshot takes it instead. */
function fsbOptOutFix(pod: PodFacts, volume: string, mode: FsbMode, why: string): CoverageFix {
  switch (mode.kind) {
    case "policy":
      return {
        text: `${why}: change ${policyWords(mode.policy)} so that this volume gets action snapshot instead of fs-backup`,
      };
    case "opt-out": {
      const value = [...new Set([...splitList(pod.backupVolumesExcludes), volume])].join(",");
      return annotateFix(
        pod,
        BACKUP_VOLUMES_EXCLUDES_ANNOTATION,
        value,
        `${why}: annotate pod ${pod.name} with ${BACKUP_VOLUMES_EXCLUDES_ANNOTATION}=${value} so that a snapshot takes it`,
      );
    }
    case "opt-in": {
      const rest = splitList(pod.backupVolumes).filter((v) => v !== volume);
      return annotateFix(
        pod,
        BACKUP_VOLUMES_ANNOTATION,
        rest.join(","),
        `${why}: remove ${volume} from pod ${pod.name}'s ${BACKUP_VOLUMES_ANNOTATION} annotation so that a snapshot takes it`,
      );
    }
  }
}

const enableNodeAgentFix = (): CoverageFix => ({
  text:
    "Enable file-system backup (node-agent) on this cluster: install Velero's node-agent DaemonSet " +
    "(velero install --use-node-agent, or the console's Velero settings)",
});

function vscName(driver: string): string {
  const base = driver
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^[.-]+|[.-]+$/g, "");
  return `${base || "csi"}-velero`.slice(0, 253);
}

function addVscFix(driver: string, candidates: readonly string[]): CoverageFix {
  if (candidates.length > 1)
    return {
      text:
        `Label one of the VolumeSnapshotClasses for driver ${driver} (${names(candidates)}) ` +
        `with ${VSC_LABEL}=true so that Velero knows which one to use`,
      ...safeCommand(`kubectl label volumesnapshotclass ${candidates[0]} ${VSC_LABEL}=true`, [candidates[0]]),
    };
  let yaml = vscYaml.get(driver);
  if (yaml === undefined) {
    yaml = toYaml({
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotClass",
      metadata: { name: vscName(driver), labels: { [VSC_LABEL]: "true" } },
      driver,
      deletionPolicy: "Retain",
    });
    if (vscYaml.size < 100) vscYaml.set(driver, yaml);
  }
  return { text: `Add a VolumeSnapshotClass for driver ${driver}`, yaml };
}

/** The class YAML per driver (a cluster has a handful of drivers and may have thousands of volumes without a class). */
const vscYaml = new Map<string, string>();

const SKIP_UNBOUND_YAML = toYaml({
  volumePolicies: [{ conditions: { pvcPhase: ["Pending", "Lost"] }, action: { type: "skip" } }],
});

const NATIVE_PROVIDER_WORDS: Record<string, string> = {
  awsElasticBlockStore: "aws",
  azureDisk: "azure",
  gcePersistentDisk: "gcp",
};

function exclusionFix(ex: Exclusion, plan: string): CoverageFix | null {
  const p = planWords(plan);
  switch (ex.kind) {
    case "namespace-not-included":
      return { text: `Add namespace ${ex.namespace} to the namespaces of ${p}` };
    case "namespace-excluded":
      return { text: `Take "${ex.pattern}" out of the excluded namespaces of ${p}` };
    case "namespace-labelled":
      return {
        text: `Remove the label ${EXCLUDE_FROM_BACKUP_LABEL} from namespace ${ex.namespace}`,
        ...safeCommand(`kubectl label namespace ${ex.namespace} ${EXCLUDE_FROM_BACKUP_LABEL}-`, [ex.namespace]),
      };
    case "resource-excluded":
      return {
        text: `Let ${p} back up ${ex.resource}: take it out of its excluded resources, or add it to its included ones`,
      };
    case "labelled":
      return {
        text: `Remove the label ${EXCLUDE_FROM_BACKUP_LABEL} from ${objectWords(ex.object)}`,
        ...safeCommand(
          `kubectl -n ${ex.object.namespace} label ${kubectlKind(ex.object)} ${ex.object.name} ${EXCLUDE_FROM_BACKUP_LABEL}-`,
          [ex.object.namespace, ex.object.name],
        ),
      };
    case "selector":
      return {
        text: `Label ${objectWords(ex.object)} so that it matches ${selectorWords(ex)}, or widen the label selector of ${p}`,
      };
    case "namespace-deleting":
    case "deleting":
      return null; // nothing to protect once it is gone
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Blocked file-system backups
// ---------------------------------------------------------------------------------------------------------------

function blockedWords(c: Extract<Cause, { kind: "fsb-blocked" }>): Explanation {
  const { pod, volume, block, mode, pvc } = c;
  const chosen = `file-system backup was chosen for volume ${volume} of pod ${pod.name}`;
  const noSnapshot = "and Velero takes no snapshot of a volume chosen for file-system backup";
  // For a PVC, not choosing FSB lets a snapshot take it; for a pod's own volume there is no other way.
  const orSnapshot = (why: string, fallback: CoverageFix | null) =>
    pvc ? fsbOptOutFix(pod, volume, mode, why) : fallback;
  switch (block.kind) {
    case "not-scheduled":
      return {
        reason: `${chosen}, but the pod is not scheduled on a node, ${noSnapshot}`,
        fix: orSnapshot(`Pod ${pod.name} is not scheduled`, { text: `Get pod ${pod.name} scheduled and Running` }),
      };
    case "not-running":
      return {
        reason: `${chosen}, but the pod is ${block.phase || "not Running"} (FSB copies a Running pod's volumes), ${noSnapshot}`,
        fix: orSnapshot(`Pod ${pod.name} is ${block.phase || "not Running"}`, { text: `Get pod ${pod.name} Running` }),
      };
    case "no-node-agent":
      return {
        reason: `${chosen}, but this cluster has no node-agent, ${noSnapshot}; the backup also reports an error`,
        fix: enableNodeAgentFix(),
      };
    case "no-node-agent-on-node":
      return {
        reason:
          `${chosen}, but no node-agent pod runs on node ${block.node} where the pod runs, ${noSnapshot}; ` +
          "the backup also reports an error",
        fix: {
          text:
            `Let node-agent run on node ${block.node} (it has no node-agent pod: check its taints against the ` +
            "DaemonSet's tolerations)",
          ...safeCommand(`kubectl get node ${block.node} -o jsonpath='{.spec.taints}'`, [block.node]),
        },
      };
    case "hostpath":
      return {
        reason: `${chosen}, but its PV is a hostPath volume, which the node-agent cannot read, ${noSnapshot}`,
        fix: {
          text: `Move the data of PVC ${pvc?.name ?? volume} to a volume of a CSI driver; hostPath PVs cannot be backed up`,
        },
      };
    case "block":
      return {
        reason: `${chosen}, but PVC ${pvc?.name ?? volume} is a block-mode volume, which FSB cannot copy, ${noSnapshot}`,
        fix: fsbOptOutFix(pod, volume, mode, `PVC ${pvc?.name ?? volume} is a block volume`),
      };
    case "not-mounted":
      return {
        reason: `${chosen}, but no container of the pod mounts it, ${noSnapshot}`,
        fix: pvc
          ? fsbOptOutFix(pod, volume, mode, `No container of pod ${pod.name} mounts ${volume}`)
          : {
              text: `Mount volume ${volume} in a container of pod ${pod.name}, or stop naming it for file-system backup`,
            },
      };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Every cause
// ---------------------------------------------------------------------------------------------------------------

/** The reason (or, for a protected volume, a note) and the fix of a cause. */
export function explain(c: Cause): Explanation {
  switch (c.kind) {
    case "fsb":
      return {
        reason:
          `file-system backup (kopia) from pod ${c.pod.name}` +
          (c.storageClassError
            ? "; the backup still reports an error for the PVC: it has no storage class, which Velero's CSI plugin checks first"
            : ""),
        fix: null,
      };
    case "csi": {
      const ignored = c.ignored.map(
        (i) =>
          `; the ${i.via === "pvc-annotation" ? "PVC's" : "backup's"} annotation names VolumeSnapshotClass ${i.name}, ` +
          (i.driver === null ? "which does not exist" : `which is for driver ${i.driver}`) +
          ", so Velero passed over it",
      );
      return {
        reason:
          `CSI snapshot with VolumeSnapshotClass ${c.vsc}` +
          (c.moved ? ", moved to the backup location by the node-agent" : ", kept in the storage system") +
          ignored.join(""),
        fix: null,
      };
    }
    case "native":
      return {
        reason: `native snapshot by VolumeSnapshotLocation ${c.vsl.name} (provider ${c.vsl.provider})`,
        fix: null,
      };
    case "custom":
      return { reason: `${policyWords(c.policy)} hands it to an external plugin (action custom)`, fix: null };

    case "excluded":
      return {
        reason: `${planWords(c.plan)} leaves it out: ${exclusionRule(c.exclusion)}`,
        fix: exclusionFix(c.exclusion, c.plan),
      };
    case "plan-filters":
      return {
        reason: `Velero refuses ${refusedWords(c.plan)} (FailedValidation): ${c.problem}`,
        fix: { text: `Correct the resource and namespace filters of ${planWords(c.plan)}` },
      };
    case "policy-missing":
      return {
        reason: `Velero refuses ${refusedWords(c.plan)} (FailedValidation): its resource policy ConfigMap ${c.policy} does not exist`,
        fix: {
          text: `Create ConfigMap ${c.policy} in the Velero namespace, or remove the resource policy from ${planWords(c.plan)}`,
        },
      };
    case "policy-invalid":
      return {
        reason: `Velero refuses ${refusedWords(c.plan)} (FailedValidation): resource policy ${c.policy} is invalid: ${c.problem}`,
        fix: { text: `Correct ConfigMap ${c.policy} in the Velero namespace: ${c.problem}` },
      };
    case "no-schedule":
      return {
        reason: "no schedule backs up this cluster",
        fix: { text: `Create a schedule that backs up namespace ${c.namespace}` },
      };
    case "paused-only":
      return {
        reason: `only in paused schedule${c.schedules.length > 1 ? "s" : ""} ${names(c.schedules)}`,
        fix: {
          text: `Unpause schedule ${c.schedules[0]}`,
          ...safeCommand(`velero schedule unpause ${c.schedules[0]}`, [c.schedules[0]]),
        },
      };
    case "in-no-schedule":
      return {
        reason: `namespace ${c.namespace} is in no schedule`,
        fix: { text: `Namespace ${c.namespace} is in no schedule: add it to a schedule` },
      };

    case "fsb-blocked":
      return blockedWords(c);

    case "hostpath-volume":
      return {
        reason: `volume ${c.volume} of pod ${c.pod.name} is a hostPath volume: Velero can neither copy nor snapshot a node's directory`,
        fix: {
          text: `Keep the data of pod ${c.pod.name} in a PVC or an emptyDir instead of hostPath volume ${c.volume}`,
        },
      };
    case "policy-skip":
      return {
        reason: `${policyWords(c.policy)} skips it (action skip)`,
        fix: {
          text: `If it should be backed up, change ${policyWords(c.policy)} (ConfigMap ${c.policy.name} in the Velero namespace)`,
        },
      };
    case "policy-snapshot-pod-volume":
      return {
        reason: `${policyWords(c.policy)} says snapshot, but a pod's ${c.volume.source} volume cannot be snapshotted`,
        fix: { text: `Give this volume action fs-backup in ${policyWords(c.policy)}` },
      };
    case "policy-fsb-no-pod":
      return {
        reason: `${policyWords(c.policy)} says fs-backup, but no pod that the backup includes mounts PVC ${c.pvc.name}`,
        fix: {
          text: `Give PVC ${c.pvc.name} action snapshot in ${policyWords(c.policy)}: FSB needs a pod that mounts it`,
        },
      };
    case "not-opted-in":
      return {
        reason: c.optOut
          ? `pod ${c.pod.name} excludes ${c.volume.source} volume ${c.volume.name} from file-system backup (${BACKUP_VOLUMES_EXCLUDES_ANNOTATION})`
          : `${c.volume.source} volume ${c.volume.name} of pod ${c.pod.name} is not opted into file-system backup ` +
            `(${BACKUP_VOLUMES_ANNOTATION}), and only PVCs can be snapshotted`,
        fix: fsbOptInFix(c.pod, c.volume.name, c.optOut),
      };
    case "fsb-by-excluded-pod":
      return {
        reason:
          `pod ${c.pod.name} ${c.optOut ? "leaves" : "names"} volume ${c.volume} ` +
          `${c.optOut ? "to" : "for"} file-system backup, which stops Velero from snapshotting ` +
          `PVC ${c.pvc.name}, but ${planWords(c.plan)} does not back the pod up: ${exclusionRule(c.exclusion)}`,
        fix: fsbOptOutFix(
          c.pod,
          c.volume,
          { kind: c.optOut ? "opt-out" : "opt-in" },
          `Pod ${c.pod.name} is not in the backup`,
        ),
      };
    case "snapshots-off": {
      const first = c.pods[0];
      return {
        reason: `${planWords(c.plan)} takes no volume snapshots (snapshotVolumes false) and no pod copies PVC ${c.pvc.name} with FSB`,
        fix: first
          ? fsbOptInFix(first.pod, first.volume, false)
          : { text: `Turn volume snapshots on in ${planWords(c.plan)}` },
      };
    }
    case "unbound":
      return {
        reason:
          (c.pvc.phase === "Bound" && c.pvc.volumeName
            ? `PV ${c.pvc.volumeName} of PVC ${c.pvc.name} cannot be found`
            : `PVC ${c.pvc.name} is ${c.pvc.phase || "not bound"}: it has no volume`) +
          (c.error ? ", and Velero's CSI plugin reports an error for it" : ", so there is no data to back up"),
        fix: {
          text: `Bind or delete PVC ${c.pvc.name}, or skip unbound PVCs with a volume policy`,
          yaml: SKIP_UNBOUND_YAML,
        },
      };
    case "hostpath-pv":
      return {
        reason: `PV ${c.pv.name} is a hostPath volume: no snapshotter can take a node's directory`,
        fix: { text: `Move the data of PVC ${c.pvc.name} to a volume of a CSI driver` },
      };

    case "no-storage-class": {
      const cls = c.pv.storageClassName;
      return {
        reason:
          `PVC ${c.pvc.name} has ${c.pvc.storageClassName === null ? "no" : "an empty"} storage class, ` +
          "so Velero's CSI plugin cannot choose a VolumeSnapshotClass and reports an error",
        fix: {
          text:
            `Set a storage class on PVC ${c.pvc.name}` +
            (cls ? ` (its PV has ${cls})` : " (one whose provisioner is its CSI driver)"),
          ...(cls
            ? {
                ...safeCommand(
                  `kubectl -n ${c.pvc.namespace} patch pvc ${c.pvc.name} -p '{"spec":{"storageClassName":"${cls}"}}'`,
                  [c.pvc.namespace, c.pvc.name, cls],
                ),
              }
            : {}),
        },
      };
    }
    case "no-snapshot-api":
      return {
        reason: `the cluster does not serve snapshot.storage.k8s.io, so Velero cannot take CSI snapshots of driver ${c.driver}`,
        fix: {
          text: "Install the CSI external-snapshotter (the snapshot.storage.k8s.io/v1 CRDs and the snapshot controller)",
        },
      };
    case "no-vsc":
      return {
        reason:
          (c.candidates.length > 1
            ? `none of the VolumeSnapshotClasses for driver ${c.driver} (${names(c.candidates)}) is labelled ${VSC_LABEL} ` +
              "or marked default, so Velero cannot choose one"
            : `no VolumeSnapshotClass exists for driver ${c.driver}`) +
          c.ignored
            .map(
              (i) =>
                `; the annotation naming ${i.name} does not help: ${i.driver === null ? "no such class" : `it is for ${i.driver}`}`,
            )
            .join(""),
        fix: addVscFix(c.driver, c.candidates),
      };
    case "mover-no-node-agent":
      return {
        reason:
          "the backup moves snapshot data (snapshotMoveData), which runs in the node-agent, and this cluster has none",
        fix: enableNodeAgentFix(),
      };
    case "no-vsl": {
      const provider = c.provider ?? NATIVE_PROVIDER_WORDS[c.pv.source] ?? null;
      return {
        reason: `no applicable volumesnapshotter found for PV ${c.pv.name} (${c.pv.source}${c.pv.csiDriver ? ` ${c.pv.csiDriver}` : ""})`,
        fix:
          c.pv.csiDriver && !c.csiEnabled
            ? { text: "Enable CSI snapshots on this cluster's Velero (--features=EnableCSI)" }
            : provider
              ? { text: `Add a VolumeSnapshotLocation for provider ${provider}` }
              : {
                  text:
                    `No snapshotter handles ${c.pv.source} volumes: copy PVC ${c.pvc.name} with file-system backup ` +
                    `(annotate a pod that mounts it with ${BACKUP_VOLUMES_ANNOTATION})`,
                },
      };
    }
  }
}
