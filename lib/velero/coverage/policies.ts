import { parse as parseYaml } from "yaml";
import { parseQuantity } from "../quantity";
import { isRec, type Rec } from "../read";
import type { PodVolumeFacts, PvcFacts, PvFacts, ResourcePolicyFacts, VolumePolicy } from "./types";

// Resource policies (velero-api.md §7.3; Velero internal/resourcepolicies/): the ConfigMap a Backup names in
// spec.resourcePolicy, read the way Velero reads it, and the first volume policy that matches a volume. Pure.

/** Velero refuses a policy ConfigMap larger than this here (a ConfigMap may hold 1 MiB; a policy is a few lines). */
export const MAX_POLICY_BYTES = 64 * 1024;

const ACTIONS: readonly VolumePolicy["action"][] = ["skip", "snapshot", "fs-backup", "custom"];
/** The condition keys Velero 1.18 decodes (strictly: any other key fails the backup). */
const CONDITION_KEYS = ["capacity", "storageClass", "csi", "nfs", "volumeTypes", "pvcLabels", "pvcPhase"];
/** Top-level keys Velero decodes; only volumePolicies matter to volume coverage. */
const TOP_KEYS = [
  "version",
  "volumePolicies",
  "includeExcludePolicy",
  "clusterScopedFilterPolicy",
  "namespacedFilterPolicies",
];

class PolicyError extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------------

const strings = (v: unknown, what: string): string[] => {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string" && typeof x !== "number"))
    throw new PolicyError(`${what} must be a list of names`);
  return v.map(String);
};

const stringMap = (v: unknown, what: string): Record<string, string> => {
  if (!isRec(v) || Object.values(v).some((x) => typeof x !== "string" && typeof x !== "number"))
    throw new PolicyError(`${what} must be a map of names to values`);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
};

const onlyKeys = (o: Rec, keys: readonly string[], what: string) => {
  const unknown = Object.keys(o).find((k) => !keys.includes(k));
  if (unknown !== undefined)
    throw new PolicyError(`${what} has an unknown field "${unknown}" (known: ${keys.join(", ")})`);
};

function capacity(v: unknown): { min: number | null; max: number | null } {
  if (typeof v !== "string") throw new PolicyError('capacity must be a string "min,max", such as "0,100Gi"');
  const parts = v.split(",");
  if (parts.length !== 2) throw new PolicyError(`capacity "${v}" must be "min,max", such as "0,100Gi" or "10Gi,"`);
  const [min, max] = parts.map((p) => {
    if (p.trim() === "") return null;
    const bytes = parseQuantity(p);
    if (bytes === null || bytes < 0) throw new PolicyError(`capacity "${v}": "${p.trim()}" is not a size like 100Gi`);
    // Velero reads a zero bound as no bound (internal/resourcepolicies/volume_resources.go isInRange).
    return bytes === 0 ? null : bytes;
  });
  return { min, max };
}

function conditions(v: unknown, where: string): VolumePolicy["conditions"] {
  if (v === undefined || v === null) return {};
  if (!isRec(v)) throw new PolicyError(`${where}: conditions must be a map`);
  onlyKeys(v, CONDITION_KEYS, `${where}: conditions`);
  const c: VolumePolicy["conditions"] = {};
  try {
    if (v.capacity !== undefined) c.capacity = capacity(v.capacity);
    if (v.storageClass !== undefined) c.storageClass = strings(v.storageClass, "storageClass");
    if (v.volumeTypes !== undefined) c.volumeTypes = strings(v.volumeTypes, "volumeTypes");
    if (v.pvcPhase !== undefined) c.pvcPhase = strings(v.pvcPhase, "pvcPhase");
    if (v.pvcLabels !== undefined) c.pvcLabels = stringMap(v.pvcLabels, "pvcLabels");
    if (v.csi !== undefined) {
      const csi = v.csi ?? {};
      if (!isRec(csi)) throw new PolicyError("csi must be a map with driver and volumeAttributes");
      onlyKeys(csi, ["driver", "volumeAttributes"], "csi");
      if (csi.driver !== undefined && typeof csi.driver !== "string")
        throw new PolicyError("csi.driver must be a name");
      c.csi = {
        ...(csi.driver ? { driver: csi.driver } : {}),
        ...(csi.volumeAttributes !== undefined
          ? { volumeAttributes: stringMap(csi.volumeAttributes, "csi.volumeAttributes") }
          : {}),
      };
    }
    if (v.nfs !== undefined) {
      const nfs = v.nfs ?? {};
      if (!isRec(nfs)) throw new PolicyError("nfs must be a map with server and path");
      onlyKeys(nfs, ["server", "path"], "nfs");
      if ([nfs.server, nfs.path].some((x) => x !== undefined && typeof x !== "string"))
        throw new PolicyError("nfs.server and nfs.path must be strings");
      c.nfs = {
        ...(nfs.server ? { server: String(nfs.server) } : {}),
        ...(nfs.path ? { path: String(nfs.path) } : {}),
      };
    }
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyError(`${where}: ${e.message}`);
    throw e;
  }
  return c;
}

function volumePolicy(v: unknown, i: number): VolumePolicy {
  const where = `volume policy #${i + 1}`;
  if (!isRec(v)) throw new PolicyError(`${where} must be a map with conditions and action`);
  onlyKeys(v, ["conditions", "action"], where);
  const action = isRec(v.action) ? v.action.type : undefined;
  if (!ACTIONS.includes(action as VolumePolicy["action"]))
    throw new PolicyError(
      `${where}: action.type must be one of ${ACTIONS.join(", ")}` +
        (action === undefined ? "" : ` (it is "${String(action)}")`),
    );
  return { conditions: conditions(v.conditions, where), action: action as VolumePolicy["action"] };
}

/**
 * A resource-policy ConfigMap as Velero reads it (internal/resourcepolicies/resource_policies.go
 * getResourcePoliciesFromConfig, Validate): exactly one data key holding YAML, version "v1", known fields only, valid
 * capacities and actions. Anything else makes Velero fail the backup: the answer is then `invalid`, in words.
 */
export function parseResourcePolicy(name: string, dataKeys: Record<string, string>): ResourcePolicyFacts {
  const invalid = (why: string): ResourcePolicyFacts => ({ name, volumePolicies: [], invalid: why });
  const keys = Object.keys(dataKeys);
  if (keys.length !== 1)
    return invalid(`the ConfigMap must hold exactly one data key with the policy YAML (it has ${keys.length})`);
  const text = dataKeys[keys[0]];
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_POLICY_BYTES)
    return invalid(`the policy is ${Math.ceil(bytes / 1024)} KiB; Lifeboat reads policies of at most 64 KiB`);
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 50, uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    return invalid(`"${keys[0]}" is not valid YAML: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
  if (!isRec(doc)) return invalid(`"${keys[0]}" must hold a YAML map with version and volumePolicies`);
  try {
    onlyKeys(doc, TOP_KEYS, "the policy");
    if (doc.version !== "v1")
      throw new PolicyError(
        doc.version === undefined
          ? 'version is missing (it must be "v1")'
          : `version must be "v1" (it is "${String(doc.version)}")`,
      );
    const list = doc.volumePolicies ?? [];
    if (!Array.isArray(list)) throw new PolicyError("volumePolicies must be a list");
    return { name, volumePolicies: list.map(volumePolicy) };
  } catch (e) {
    if (e instanceof PolicyError) return invalid(e.message);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------------------------

/**
 * What a volume policy is matched against: the PV (with its PVC) for a bound PVC, the pod volume for a volume that is
 * not a PVC, the PVC alone for a PVC without a volume.
 */
export interface PolicyInput {
  pv?: PvFacts | null;
  pvc?: PvcFacts | null;
  podVolume?: PodVolumeFacts | null;
}

/** Velero's structuredVolume: the fields the conditions read. */
interface Structured {
  capacity: number;
  storageClass: string;
  volumeType: string;
  nfs: { server: string; path: string } | null;
  csi: { driver: string; volumeAttributes: Record<string, string> } | null;
  pvcLabels: Record<string, string> | null;
  pvcPhase: string;
}

function structured({ pv, pvc, podVolume }: PolicyInput): Structured {
  const s: Structured = {
    capacity: 0,
    storageClass: "",
    volumeType: "",
    nfs: null,
    csi: null,
    pvcLabels: pvc?.labels ?? null,
    pvcPhase: pvc?.phase ?? "",
  };
  if (pv) {
    s.capacity = pv.capacityBytes ?? 0;
    s.storageClass = pv.storageClassName;
    s.volumeType = pv.source;
    s.nfs = pv.nfs ?? (pv.source === "nfs" ? { server: "", path: "" } : null);
    s.csi = pv.csiDriver ? { driver: pv.csiDriver, volumeAttributes: pv.csiVolumeAttributes ?? {} } : null;
  } else if (podVolume) {
    // A pod volume has no capacity or storage class as far as the conditions go (Velero parses neither).
    s.volumeType = ["other", "persistentVolumeClaim"].includes(podVolume.source) ? "" : podVolume.source;
    s.nfs = podVolume.nfs ?? (podVolume.source === "nfs" ? { server: "", path: "" } : null);
    s.csi = podVolume.source === "csi" ? { driver: podVolume.csiDriver ?? "", volumeAttributes: {} } : null;
  }
  return s;
}

function conditionsMatch(c: VolumePolicy["conditions"], v: Structured): boolean {
  if (c.capacity) {
    const { min, max } = c.capacity;
    if ((min !== null && v.capacity < min) || (max !== null && v.capacity > max)) return false;
  }
  if (c.storageClass?.length && !(v.storageClass !== "" && c.storageClass.includes(v.storageClass))) return false;
  if (c.nfs) {
    if (!v.nfs) return false;
    if (c.nfs.server && c.nfs.server !== v.nfs.server) return false;
    if (c.nfs.path && c.nfs.path !== v.nfs.path) return false;
  }
  if (c.csi) {
    if (!v.csi) return false;
    if (c.csi.driver && c.csi.driver !== v.csi.driver) return false;
    const csi = v.csi;
    if (Object.entries(c.csi.volumeAttributes ?? {}).some(([k, x]) => csi.volumeAttributes[k] !== x)) return false;
  }
  if (c.volumeTypes?.length && !c.volumeTypes.includes(v.volumeType)) return false;
  if (c.pvcLabels && Object.keys(c.pvcLabels).length) {
    const labels = v.pvcLabels;
    if (!labels || Object.entries(c.pvcLabels).some(([k, x]) => !Object.hasOwn(labels, k) || labels[k] !== x))
      return false;
  }
  if (c.pvcPhase?.length && !c.pvcPhase.includes(v.pvcPhase)) return false;
  return true;
}

export interface PolicyMatch {
  /** 0-based position in volumePolicies. */
  index: number;
  policy: VolumePolicy;
}

/** The first volume policy whose conditions all match (velero-api.md §7.3), or null. */
export function matchPolicy(policies: readonly VolumePolicy[], input: PolicyInput): PolicyMatch | null {
  if (policies.length === 0) return null;
  const v = structured(input);
  const index = policies.findIndex((p) => conditionsMatch(p.conditions, v));
  return index < 0 ? null : { index, policy: policies[index] };
}
