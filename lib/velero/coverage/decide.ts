import { matchPolicy, type PolicyMatch } from "./policies";
import type { Cause, FsbBlock, FsbMode, IgnoredClass, PolicyRef, VscVia } from "./reasons";
import { EXCLUSION_RULE, PlanScope, type Exclusion } from "./scope";
import type {
  BackupPlan,
  ClusterFacts,
  CoverageMethod,
  NamespaceFacts,
  PodFacts,
  PodVolumeFacts,
  PvcFacts,
  PvFacts,
  ResourcePolicyFacts,
  SnapshotLocationFacts,
  VolumePolicy,
  VolumeSnapshotClassFacts,
} from "./types";

// One plan, one volume: velero-api.md §9 in order. Step 0 (is it an item of the backup), A (does a pod copy it with
// file-system backup, and can that run), B (is it snapshotted, and how: CSI, CSI with data movement, or a native
// VolumeSnapshotLocation). The answer names the branch that decided in `rule` and says why as a Cause (reasons.ts
// words it). Pure; every lookup goes through Maps built once per cluster (Lookup), so a cluster is linear to decide.

/** A pod's use of a PVC: a persistentVolumeClaim volume, or a generic ephemeral volume whose PVC is `<pod>-<volume>`. */
export interface Mount {
  pod: PodFacts;
  volume: PodVolumeFacts;
  ephemeral: boolean;
}

/** The volume to decide on: a PVC with the pods that use it, or a pod's own volume (emptyDir, hostPath, …). */
export type Subject =
  | { kind: "pvc"; ns: NamespaceFacts; pvc: PvcFacts; pv: PvFacts | null; mounts: Mount[] }
  | { kind: "pod"; ns: NamespaceFacts; pod: PodFacts; volume: PodVolumeFacts };

export interface Outcome {
  method: CoverageMethod;
  rule: string;
  cause: Cause;
  /** The volume is an item of the backup (a plan-wide error counts as included: it fails the whole backup). */
  included: boolean;
  /** The volume's namespace is in the plan's scope (false when rule 0 left the namespace out). */
  namespaceIncluded: boolean;
}

/** The cluster, indexed. */
export interface Lookup {
  facts: ClusterFacts;
  nodeAgent: ReadonlySet<string> | null;
  /** By lower-cased name (Velero compares class names case-insensitively). */
  vscByName: Map<string, VolumeSnapshotClassFacts>;
  vscByDriver: Map<string, VolumeSnapshotClassFacts[]>;
  policies: Map<string, ResourcePolicyFacts>;
}

export function buildLookup(facts: ClusterFacts): Lookup {
  const vscByName = new Map<string, VolumeSnapshotClassFacts>();
  const vscByDriver = new Map<string, VolumeSnapshotClassFacts[]>();
  for (const c of facts.volumeSnapshotClasses) {
    if (!vscByName.has(c.name.toLowerCase())) vscByName.set(c.name.toLowerCase(), c);
    const list = vscByDriver.get(c.driver);
    if (list) list.push(c);
    else vscByDriver.set(c.driver, [c]);
  }
  return {
    facts,
    nodeAgent: facts.velero.nodeAgentNodes === null ? null : new Set(facts.velero.nodeAgentNodes),
    vscByName,
    vscByDriver,
    policies: new Map(facts.resourcePolicies.map((p) => [p.name, p])),
  };
}

/** A backup of everything with the server's defaults: what an on-demand backup would do. */
export const ON_DEMAND_PLAN: BackupPlan = {
  name: "",
  paused: false,
  spec: {
    includedNamespaces: [],
    excludedNamespaces: [],
    includedResources: [],
    excludedResources: [],
    includedNamespaceScopedResources: [],
    excludedNamespaceScopedResources: [],
    labelSelectors: [],
    snapshotVolumes: null,
    defaultVolumesToFsBackup: null,
    snapshotMoveData: null,
    resourcePolicy: null,
    snapshotClassByDriver: {},
  },
};

/** One plan, with its spec resolved against the server's defaults and its per-object answers cached. */
export class PlanContext {
  readonly scope: PlanScope;
  readonly snapshotVolumes: boolean;
  readonly defaultFsb: boolean;
  readonly moveData: boolean;
  /** Why Velero refuses the whole backup (FailedValidation), or null. */
  readonly planError: Cause | null;
  readonly policyName: string | null;
  readonly policies: readonly VolumePolicy[];

  constructor(
    readonly plan: BackupPlan,
    readonly lookup: Lookup,
  ) {
    const s = plan.spec;
    const velero = lookup.facts.velero;
    this.scope = new PlanScope(plan);
    this.snapshotVolumes = s.snapshotVolumes !== false;
    this.defaultFsb = s.defaultVolumesToFsBackup ?? velero.defaultVolumesToFsBackup;
    this.moveData = s.snapshotMoveData ?? velero.defaultSnapshotMoveData;
    this.policyName = s.resourcePolicy || null;
    const policy = this.policyName ? lookup.policies.get(this.policyName) : undefined;
    this.policies = policy && !policy.invalid ? policy.volumePolicies : [];
    this.planError = this.scope.problem
      ? { kind: "plan-filters", plan: plan.name, problem: this.scope.problem }
      : this.policyName && !policy
        ? { kind: "policy-missing", plan: plan.name, policy: this.policyName }
        : policy?.invalid
          ? { kind: "policy-invalid", plan: plan.name, policy: policy.name, problem: policy.invalid }
          : null;
  }

  policyRef(m: PolicyMatch): PolicyRef {
    return { name: this.policyName ?? "", index: m.index };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

const outcome = (method: CoverageMethod, rule: string, cause: Cause): Outcome => ({
  method,
  rule,
  cause,
  included: true,
  namespaceIncluded: true,
});

function excluded(ctx: PlanContext, exclusion: Exclusion): Outcome {
  return {
    method: "NOT_COVERED",
    rule: EXCLUSION_RULE[exclusion.kind],
    cause: { kind: "excluded", exclusion, plan: ctx.plan.name },
    included: false,
    namespaceIncluded: !exclusion.kind.startsWith("namespace-"),
  };
}

const splitList = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Rule A.c (shouldPerformFSBackupLegacy): opt-in names the volume, or opt-out does not exclude it. Ignores phase. */
export function legacyFsb(pod: PodFacts, volume: string, defaultFsb: boolean): boolean {
  return defaultFsb
    ? !splitList(pod.backupVolumesExcludes).includes(volume)
    : splitList(pod.backupVolumes).includes(volume);
}

/**
 * Why an FSB Velero chose will not run, in the order pkg/podvolume/backupper.go checks (BackupPodVolumes): the pod
 * Running on a node (kube.IsPodRunning), a node-agent on that node, not a hostPath PV, not a block device, mounted.
 */
function fsbBlock(
  ctx: PlanContext,
  pod: PodFacts,
  volume: string,
  pvc: PvcFacts | null,
  pv: PvFacts | null,
): FsbBlock | null {
  if (!pod.nodeName) return { kind: "not-scheduled" };
  if (pod.phase !== "Running") return { kind: "not-running", phase: pod.phase };
  const agents = ctx.lookup.nodeAgent;
  if (agents === null) return { kind: "no-node-agent" };
  if (!agents.has(pod.nodeName)) return { kind: "no-node-agent-on-node", node: pod.nodeName };
  if (pv?.source === "hostPath") return { kind: "hostpath" };
  if (pvc?.volumeMode === "Block") return { kind: "block" };
  if (!pod.mounted.includes(volume)) return { kind: "not-mounted" };
  return null;
}

/** The native snapshotters a VolumeSnapshotLocation provider stands for, and the PV sources each can snapshot. */
const NATIVE: Record<string, { sources: readonly string[]; csiDrivers: readonly string[] }> = {
  aws: { sources: ["awsElasticBlockStore"], csiDrivers: ["ebs.csi.aws.com"] },
  azure: { sources: ["azureDisk"], csiDrivers: ["disk.csi.azure.com"] },
  gcp: { sources: ["gcePersistentDisk"], csiDrivers: ["pd.csi.storage.gke.io"] },
};
const providerKey = (p: string) => p.toLowerCase().replace(/^velero\.io\//, "");

/** The provider whose VolumeSnapshotter would return a volume ID for the PV (GetVolumeID ≠ ""), or null. */
export function nativeProviderFor(pv: PvFacts): string | null {
  for (const [provider, t] of Object.entries(NATIVE))
    if (t.sources.includes(pv.source) || (pv.csiDriver !== null && t.csiDrivers.includes(pv.csiDriver)))
      return provider;
  return null;
}

export type VscChoice =
  | { vsc: VolumeSnapshotClassFacts; via: VscVia; ignored: IgnoredClass[] }
  | { vsc: null; candidates: string[]; ignored: IgnoredClass[] };

/**
 * The VolumeSnapshotClass Velero uses for a CSI driver (pkg/util/csi/volume_snapshot.go GetVolumeSnapshotClass):
 * the PVC's annotation, then the Backup's annotation for the driver, then the driver's class labelled
 * velero.io/csi-volumesnapshot-class, then its default class, then its only class. A name that does not exist or
 * belongs to another driver is passed over (Velero logs it at debug level), not an error by itself.
 */
export function chooseVsc(lookup: Lookup, driver: string, pvc: PvcFacts, plan: BackupPlan): VscChoice {
  const ignored: IgnoredClass[] = [];
  const named = (name: string | undefined, via: IgnoredClass["via"]) => {
    if (!name) return null;
    const c = lookup.vscByName.get(name.toLowerCase());
    if (c && c.driver.toLowerCase() === driver.toLowerCase()) return c;
    ignored.push({ name, via, driver: c ? c.driver : null });
    return null;
  };
  const byPvc = named(pvc.snapshotClass, "pvc-annotation");
  if (byPvc) return { vsc: byPvc, via: "pvc-annotation", ignored };
  const annotations = plan.spec.snapshotClassByDriver;
  const byBackup = named(annotations[driver.toLowerCase()] ?? annotations[driver], "backup-annotation");
  if (byBackup) return { vsc: byBackup, via: "backup-annotation", ignored };
  const classes = lookup.vscByDriver.get(driver) ?? [];
  const labelled = classes.find((c) => c.veleroLabel);
  if (labelled) return { vsc: labelled, via: "label", ignored };
  const byDefault = classes.find((c) => c.isDefault);
  if (byDefault) return { vsc: byDefault, via: "default", ignored };
  if (classes.length === 1) return { vsc: classes[0], via: "only", ignored };
  return { vsc: null, candidates: classes.map((c) => c.name), ignored };
}

// ---------------------------------------------------------------------------------------------------------------
// Snapshots (B)
// ---------------------------------------------------------------------------------------------------------------

/** Snapshot chosen (by B.a or B.c): the CSI path for a CSI PV when EnableCSI is on, else the native path. */
function snapshot(ctx: PlanContext, branch: string, pvc: PvcFacts, pv: PvFacts): Outcome {
  const { facts, nodeAgent } = ctx.lookup;
  if (facts.velero.csiEnabled) {
    // The CSI plugin checks the storage class before it even looks at the PV (pvc_action.go validatePVCandPV).
    if (pvc.storageClassName === null)
      return outcome("ERROR", `${branch}/no-storage-class`, { kind: "no-storage-class", pvc, pv });
    if (pv.csiDriver) {
      const driver = pv.csiDriver;
      // "" names no StorageClass: the plugin cannot read its provisioner.
      if (pvc.storageClassName === "")
        return outcome("ERROR", `${branch}/no-storage-class`, { kind: "no-storage-class", pvc, pv });
      if (!facts.snapshotApi) return outcome("ERROR", `${branch}/no-snapshot-api`, { kind: "no-snapshot-api", driver });
      const choice = chooseVsc(ctx.lookup, driver, pvc, ctx.plan);
      if (!choice.vsc)
        return outcome("ERROR", `${branch}/no-vsc`, {
          kind: "no-vsc",
          driver,
          candidates: choice.candidates,
          ignored: choice.ignored,
        });
      const csi = { kind: "csi", vsc: choice.vsc.name, via: choice.via, ignored: choice.ignored } as const;
      if (!ctx.moveData) return outcome("CSI_SNAPSHOT", `${branch}/CSI`, { ...csi, moved: false });
      if (nodeAgent === null || nodeAgent.size === 0)
        return outcome("ERROR", `${branch}/no-node-agent`, { kind: "mover-no-node-agent" });
      return outcome("CSI_DATA_MOVED", `${branch}/data-moved`, { ...csi, moved: true });
    }
  }
  // Native path (item_backupper.go takePVSnapshot): the first VolumeSnapshotLocation whose plugin knows the PV.
  if (pv.source === "hostPath") return outcome("NOT_COVERED", `${branch}/hostpath`, { kind: "hostpath-pv", pvc, pv });
  const provider = nativeProviderFor(pv);
  const vsl: SnapshotLocationFacts | undefined =
    provider === null ? undefined : facts.snapshotLocations.find((l) => providerKey(l.provider) === provider);
  if (vsl) return outcome("NATIVE_SNAPSHOT", `${branch}/native`, { kind: "native", vsl });
  return outcome("SKIPPED", `${branch}/no-vsl`, {
    kind: "no-vsl",
    pvc,
    pv,
    provider,
    csiEnabled: facts.velero.csiEnabled,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------------------------

/** A pod's own volume (not a PVC): only FSB can carry it. */
function decidePodVolume(ctx: PlanContext, s: Extract<Subject, { kind: "pod" }>): Outcome {
  const { pod, volume } = s;
  const ex = ctx.scope.pod(pod, s.ns);
  if (ex) return excluded(ctx, ex);
  if (ctx.planError) return outcome("ERROR", "0/plan", ctx.planError);
  // A.a: hostPath is never copied (volume_policy_helper.go shouldIncludeVolumeInBackup).
  if (volume.source === "hostPath")
    return outcome("NOT_COVERED", "A.a/hostpath", { kind: "hostpath-volume", pod, volume: volume.name });
  const fsb = (branch: string, mode: FsbMode): Outcome => {
    const block = fsbBlock(ctx, pod, volume.name, null, null);
    return block
      ? outcome("SKIPPED", `${branch}/${block.kind}`, {
          kind: "fsb-blocked",
          pod,
          volume: volume.name,
          block,
          mode,
          pvc: null,
        })
      : outcome("FSB", branch, { kind: "fsb", pod, volume: volume.name, storageClassError: false });
  };
  // A.b: a matching volume policy decides.
  const m = matchPolicy(ctx.policies, { podVolume: volume });
  if (m) {
    const policy = ctx.policyRef(m);
    switch (m.policy.action) {
      case "fs-backup":
        return fsb("A.b", { kind: "policy", policy });
      case "custom":
        return outcome("CUSTOM", "A.b/custom", { kind: "custom", policy });
      case "skip":
        return outcome("NOT_COVERED", "A.b/skip", { kind: "policy-skip", policy });
      case "snapshot":
        return outcome("NOT_COVERED", "A.b/snapshot", { kind: "policy-snapshot-pod-volume", policy, pod, volume });
    }
  }
  // A.c: the pod's annotations.
  if (legacyFsb(pod, volume.name, ctx.defaultFsb)) return fsb("A.c", { kind: ctx.defaultFsb ? "opt-out" : "opt-in" });
  return outcome("NOT_COVERED", "A.c/not-opted-in", { kind: "not-opted-in", pod, volume, optOut: ctx.defaultFsb });
}

/** A PVC (one volume however many pods mount it). */
function decidePvc(ctx: PlanContext, s: Extract<Subject, { kind: "pvc" }>): Outcome {
  const { pvc, mounts } = s;
  const { scope } = ctx;
  const nsEx = scope.namespace(s.ns);
  if (nsEx) return excluded(ctx, nsEx);
  const included = mounts.filter((m) => scope.pod(m.pod, s.ns) === null);
  // Velero's pod action hands the pod's persistentVolumeClaim volumes over as additional items.
  const ex = scope.pvc(
    pvc,
    s.ns,
    included.some((m) => !m.ephemeral),
  );
  if (ex) return excluded(ctx, ex);
  if (ctx.planError) return outcome("ERROR", "0/plan", ctx.planError);

  const pv = pvc.phase === "Bound" && pvc.volumeName ? s.pv : null;
  // Conditions read the PV (with its PVC) when the PVC is bound, else the PVC alone.
  const policy = matchPolicy(ctx.policies, pv ? { pv, pvc } : { pvc });
  const storageClassError =
    ctx.lookup.facts.velero.csiEnabled && pvc.storageClassName === null && policy?.policy.action !== "skip";

  // A. Which included pods would copy it with FSB? (b: a policy decides; for an ephemeral volume Velero matches it
  // against the pod volume, not the PV. c: the pod's annotations.)
  const chosen: { m: Mount; branch: string; mode: FsbMode }[] = [];
  for (const m of included) {
    const pm = m.ephemeral ? matchPolicy(ctx.policies, { podVolume: m.volume }) : policy;
    if (pm) {
      if (pm.policy.action === "fs-backup")
        chosen.push({ m, branch: "A.b", mode: { kind: "policy", policy: ctx.policyRef(pm) } });
    } else if (legacyFsb(m.pod, m.volume.name, ctx.defaultFsb))
      chosen.push({ m, branch: "A.c", mode: { kind: ctx.defaultFsb ? "opt-out" : "opt-in" } });
  }
  if (chosen.length > 0) {
    // Backed up once: by the first pod that can run the copy.
    let first: Outcome | null = null;
    for (const { m, branch, mode } of chosen) {
      const block = fsbBlock(ctx, m.pod, m.volume.name, pvc, pv);
      if (!block) return outcome("FSB", branch, { kind: "fsb", pod: m.pod, volume: m.volume.name, storageClassError });
      first ??= outcome("SKIPPED", `${branch}/${block.kind}`, {
        kind: "fsb-blocked",
        pod: m.pod,
        volume: m.volume.name,
        block,
        mode,
        pvc,
      });
    }
    return first!;
  }

  // B.a: a matching volume policy decides (skip also stops every plugin action on the PVC).
  if (policy?.policy.action === "skip")
    return outcome("NOT_COVERED", "B.a/skip", { kind: "policy-skip", policy: ctx.policyRef(policy) });
  if (!pv) {
    // Without a PV there is nothing to copy; with EnableCSI the CSI plugin reports an error (GetPVForPVC).
    const error = ctx.lookup.facts.velero.csiEnabled;
    return outcome(error ? "ERROR" : "NOT_COVERED", "B.a/unbound", { kind: "unbound", pvc, error });
  }
  if (policy) {
    const ref = ctx.policyRef(policy);
    switch (policy.policy.action) {
      case "custom":
        return outcome("CUSTOM", "B.a/custom", { kind: "custom", policy: ref });
      case "fs-backup":
        return outcome("NOT_COVERED", "A.b/no-pod", { kind: "policy-fsb-no-pod", policy: ref, pvc });
      case "snapshot":
        return snapshot(ctx, "B.a", pvc, pv);
    }
  }
  // B.b: a pod (any phase, in the backup or not) that would pick FSB for it by A.c rules the snapshot out.
  for (const m of mounts) {
    if (m.ephemeral || !legacyFsb(m.pod, m.volume.name, ctx.defaultFsb)) continue;
    const why = scope.pod(m.pod, s.ns);
    if (why)
      return outcome("NOT_COVERED", "B.b", {
        kind: "fsb-by-excluded-pod",
        pvc,
        pod: m.pod,
        volume: m.volume.name,
        exclusion: why,
        plan: ctx.plan.name,
        optOut: ctx.defaultFsb,
      });
  }
  // B.c: snapshotVolumes.
  if (!ctx.snapshotVolumes)
    return outcome("NOT_COVERED", "B.c/snapshot-volumes-off", {
      kind: "snapshots-off",
      plan: ctx.plan.name,
      pvc,
      pods: included.filter((m) => !m.ephemeral).map((m) => ({ pod: m.pod, volume: m.volume.name })),
    });
  return snapshot(ctx, "B.c", pvc, pv);
}

/** What the plan does with the volume (velero-api.md §9). */
export function decide(ctx: PlanContext, subject: Subject): Outcome {
  return subject.kind === "pvc" ? decidePvc(ctx, subject) : decidePodVolume(ctx, subject);
}
