import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseAllDocuments, stringify as toYaml } from "yaml";
import { DurationError, formatGoDurationNs, parseGoDurationNs } from "../../lib/velero/duration";
import { PLUGIN_REPOSITORIES as LIB_PLUGIN_REPOSITORIES } from "../../lib/velero/versions";
import type { KObject } from "../kube-api/types";
import { defaultCrdsDir } from "../seed";

// What the real `velero/velero:<version>` image prints when a container runs `/velero install --dry-run -o json|yaml …`
// (#12 plan §2.1, §6 item 5). Read from velero-io/velero: pkg/cmd/cli/install/install.go (flags, Validate, Run),
// pkg/install/{resources,deployment,daemonset}.go (the objects), pkg/builder/container_builder.go (plugin init container
// names), pkg/cmd/util/output/output.go and pkg/util/encode (printing), pkg/util/kube (resources), pkg/cmd/errors.go
// ("An error occurred: …", exit 1). The sandbox's kubelet calls runVeleroInstall for a container of that image whose
// args start with "install", writes `output` to the pod's log and terminates the container with `exitCode`.
// The sandbox never installs from here: without --dry-run the run fails with a message saying so.

/** The velero/velero tags the sandbox registry serves (both ship the same CRDs, ../shared/velero-crds). */
export const INSTALLER_VERSIONS: readonly string[] = ["v1.18.1", "v1.17.0"];

/** The AWS and Azure plugin tag that goes with each served Velero version (velero-api.md §11). */
export const PLUGIN_TAGS: Readonly<Record<string, string>> = { "v1.18.1": "v1.14.0", "v1.17.0": "v1.13.0" };

/** Velero's plugin repositories by ObjectStore provider (the same table the console uses). */
const PLUGIN_REPOSITORIES: Readonly<Record<string, string>> = LIB_PLUGIN_REPOSITORIES;

/** The plugin image for an ObjectStore plugin name ("velero.io/aws") and a served Velero version. */
/** The ObjectStore provider a plugin image serves, by repository ("velero/velero-plugin-for-aws" → "velero.io/aws"). */
export const PLUGIN_PROVIDERS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(PLUGIN_REPOSITORIES).map(([provider, repository]) => [repository, provider]),
);

/** The tags the sandbox's registries serve for Velero's repositories (any other tag there is "not found"). */
export const VELERO_IMAGE_TAGS: Readonly<Record<string, string[]>> = {
  "velero/velero": [...INSTALLER_VERSIONS],
  ...Object.fromEntries(Object.values(PLUGIN_REPOSITORIES).map((r) => [r, [...new Set(Object.values(PLUGIN_TAGS))]])),
};

export function pluginImage(plugin: string, veleroVersion: string): string {
  const repository = PLUGIN_REPOSITORIES[plugin];
  const tag = PLUGIN_TAGS[veleroVersion];
  if (!repository || !tag) throw new Error(`no plugin image known for ${plugin} with Velero ${veleroVersion}`);
  return `${repository}:${tag}`;
}

export interface InstallerRun {
  exitCode: number;
  /** stdout and stderr as the pod log shows them. */
  output: string;
}

/** install's options (install.go `Options`), plus the root command's flags install reads. */
export interface InstallFlags {
  namespace: string;
  image: string;
  imagePullPolicy: string;
  provider: string;
  bucket: string;
  prefix: string;
  backupLocationConfig: Record<string, string>;
  snapshotLocationConfig: Record<string, string>;
  secretFile: string;
  noSecret: boolean;
  cacert: string;
  noDefaultBackupLocation: boolean;
  useVolumeSnapshots: boolean;
  plugins: string[];
  features: string;
  useNodeAgent: boolean;
  useNodeAgentWindows: boolean;
  privilegedNodeAgent: boolean;
  nodeAgentDisableHostPath: boolean;
  kubeletRootDir: string;
  defaultVolumesToFsBackup: boolean;
  defaultSnapshotMoveData: boolean;
  uploaderType: string;
  restoreOnly: boolean;
  veleroPodCpuRequest: string;
  veleroPodMemRequest: string;
  veleroPodCpuLimit: string;
  veleroPodMemLimit: string;
  nodeAgentPodCpuRequest: string;
  nodeAgentPodMemRequest: string;
  nodeAgentPodCpuLimit: string;
  nodeAgentPodMemLimit: string;
  podAnnotations: Record<string, string>;
  podLabels: Record<string, string>;
  saAnnotations: Record<string, string>;
  serviceAccountName: string;
  /** Go durations as given ("" = not set). */
  defaultRepoMaintainFrequency: string;
  garbageCollectionFrequency: string;
  podVolumeOperationTimeout: string;
  csiSnapshotEarlyFrequentPolling: boolean;
  disableInformerCache: boolean;
  scheduleSkipImmediately: boolean;
  keepLatestMaintenanceJobs: number;
  maintenanceJobCpuRequest: string;
  maintenanceJobMemRequest: string;
  maintenanceJobCpuLimit: string;
  maintenanceJobMemLimit: string;
  backupRepositoryConfigmap: string;
  repoMaintenanceJobConfigmap: string;
  defaultResourceModifierConfigmap: string;
  nodeAgentConfigmap: string;
  itemBlockWorkerCount: number;
  concurrentBackups: number;
  serverPriorityClassName: string;
  nodeAgentPriorityClassName: string;
  crdsOnly: boolean;
  dryRun: boolean;
  apply: boolean;
  wait: boolean;
  /** -o/--output: "" (install clears the "table" default), "json", "yaml", … */
  output: string;
  /** Root flags: --kubeconfig, --kubecontext. */
  kubeconfig: string;
  kubecontext: string;
}

/** NewInstallOptions() plus the factory's default namespace; the image is the CLI's own build version. */
export function defaultInstallFlags(version: string): InstallFlags {
  return {
    namespace: "velero",
    image: `velero/velero:${version}`,
    imagePullPolicy: "",
    provider: "",
    bucket: "",
    prefix: "",
    backupLocationConfig: {},
    snapshotLocationConfig: {},
    secretFile: "",
    noSecret: false,
    cacert: "",
    noDefaultBackupLocation: false,
    useVolumeSnapshots: true,
    plugins: [],
    features: "",
    useNodeAgent: false,
    useNodeAgentWindows: false,
    privilegedNodeAgent: false,
    nodeAgentDisableHostPath: false,
    kubeletRootDir: "/var/lib/kubelet",
    defaultVolumesToFsBackup: false,
    defaultSnapshotMoveData: false,
    uploaderType: "kopia",
    restoreOnly: false,
    veleroPodCpuRequest: "500m",
    veleroPodMemRequest: "128Mi",
    veleroPodCpuLimit: "1000m",
    veleroPodMemLimit: "512Mi",
    nodeAgentPodCpuRequest: "0",
    nodeAgentPodMemRequest: "0",
    nodeAgentPodCpuLimit: "0",
    nodeAgentPodMemLimit: "0",
    podAnnotations: {},
    podLabels: {},
    saAnnotations: {},
    serviceAccountName: "",
    defaultRepoMaintainFrequency: "",
    garbageCollectionFrequency: "",
    podVolumeOperationTimeout: "",
    csiSnapshotEarlyFrequentPolling: false,
    disableInformerCache: false,
    scheduleSkipImmediately: false,
    keepLatestMaintenanceJobs: 0,
    maintenanceJobCpuRequest: "",
    maintenanceJobMemRequest: "",
    maintenanceJobCpuLimit: "",
    maintenanceJobMemLimit: "",
    backupRepositoryConfigmap: "",
    repoMaintenanceJobConfigmap: "",
    defaultResourceModifierConfigmap: "",
    nodeAgentConfigmap: "",
    itemBlockWorkerCount: 0,
    concurrentBackups: 0,
    serverPriorityClassName: "",
    nodeAgentPriorityClassName: "",
    crdsOnly: false,
    dryRun: false,
    apply: false,
    wait: false,
    output: "",
    kubeconfig: "",
    kubecontext: "",
  };
}

// ---- flag parsing (spf13/pflag's rules) ---------------------------------------------------------------------------------

type FlagType = "string" | "bool" | "map" | "array" | "duration" | "int" | "pullPolicy" | "ignored" | "ignoredBool";

interface FlagSpec {
  name: string;
  type: FlagType;
  key?: keyof InstallFlags;
  short?: string;
}

const f = (name: string, type: FlagType, key?: keyof InstallFlags, short?: string): FlagSpec => ({
  name,
  type,
  key,
  short,
});

const FLAGS: readonly FlagSpec[] = [
  f("provider", "string", "provider"),
  f("bucket", "string", "bucket"),
  f("secret-file", "string", "secretFile"),
  f("no-secret", "bool", "noSecret"),
  f("apply", "bool", "apply"),
  f("no-default-backup-location", "bool", "noDefaultBackupLocation"),
  f("image", "string", "image"),
  f("image-pull-policy", "pullPolicy", "imagePullPolicy"),
  f("prefix", "string", "prefix"),
  f("pod-annotations", "map", "podAnnotations"),
  f("pod-labels", "map", "podLabels"),
  f("sa-annotations", "map", "saAnnotations"),
  f("service-account-name", "string", "serviceAccountName"),
  f("velero-pod-cpu-request", "string", "veleroPodCpuRequest"),
  f("velero-pod-mem-request", "string", "veleroPodMemRequest"),
  f("velero-pod-cpu-limit", "string", "veleroPodCpuLimit"),
  f("velero-pod-mem-limit", "string", "veleroPodMemLimit"),
  f("node-agent-pod-cpu-request", "string", "nodeAgentPodCpuRequest"),
  f("node-agent-pod-mem-request", "string", "nodeAgentPodMemRequest"),
  f("node-agent-pod-cpu-limit", "string", "nodeAgentPodCpuLimit"),
  f("node-agent-pod-mem-limit", "string", "nodeAgentPodMemLimit"),
  f("kubelet-root-dir", "string", "kubeletRootDir"),
  f("backup-location-config", "map", "backupLocationConfig"),
  f("snapshot-location-config", "map", "snapshotLocationConfig"),
  f("use-volume-snapshots", "bool", "useVolumeSnapshots"),
  f("restore-only", "bool", "restoreOnly"),
  f("dry-run", "bool", "dryRun"),
  f("use-node-agent", "bool", "useNodeAgent"),
  f("use-node-agent-windows", "bool", "useNodeAgentWindows"),
  f("privileged-node-agent", "bool", "privilegedNodeAgent"),
  f("wait", "bool", "wait"),
  f("default-repo-maintain-frequency", "duration", "defaultRepoMaintainFrequency"),
  f("garbage-collection-frequency", "duration", "garbageCollectionFrequency"),
  f("pod-volume-operation-timeout", "duration", "podVolumeOperationTimeout"),
  f("plugins", "array", "plugins"),
  f("crds-only", "bool", "crdsOnly"),
  f("cacert", "string", "cacert"),
  f("features", "string", "features"),
  f("default-volumes-to-fs-backup", "bool", "defaultVolumesToFsBackup"),
  f("uploader-type", "string", "uploaderType"),
  f("default-snapshot-move-data", "bool", "defaultSnapshotMoveData"),
  f("csi-snapshot-early-frequent-polling", "bool", "csiSnapshotEarlyFrequentPolling"),
  f("disable-informer-cache", "bool", "disableInformerCache"),
  f("schedule-skip-immediately", "bool", "scheduleSkipImmediately"),
  f("node-agent-disable-host-path", "bool", "nodeAgentDisableHostPath"),
  f("keep-latest-maintenance-jobs", "int", "keepLatestMaintenanceJobs"),
  f("maintenance-job-cpu-request", "string", "maintenanceJobCpuRequest"),
  f("maintenance-job-mem-request", "string", "maintenanceJobMemRequest"),
  f("maintenance-job-cpu-limit", "string", "maintenanceJobCpuLimit"),
  f("maintenance-job-mem-limit", "string", "maintenanceJobMemLimit"),
  f("backup-repository-configmap", "string", "backupRepositoryConfigmap"),
  f("repo-maintenance-job-configmap", "string", "repoMaintenanceJobConfigmap"),
  f("default-resource-modifier-configmap", "string", "defaultResourceModifierConfigmap"),
  f("node-agent-configmap", "string", "nodeAgentConfigmap"),
  f("item-block-worker-count", "int", "itemBlockWorkerCount"),
  f("concurrent-backups", "int", "concurrentBackups"),
  f("server-priority-class-name", "string", "serverPriorityClassName"),
  f("node-agent-priority-class-name", "string", "nodeAgentPriorityClassName"),
  // output.BindFlags
  f("output", "string", "output", "o"),
  f("label-columns", "ignored", undefined, "L"),
  f("show-labels", "ignoredBool"),
  // the root command's persistent flags (client.Factory, --colorized, klog's go flags)
  f("namespace", "string", "namespace", "n"),
  f("kubeconfig", "string", "kubeconfig"),
  f("kubecontext", "string", "kubecontext"),
  f("colorized", "ignoredBool"),
  f("v", "ignored", undefined, "v"),
  f("vmodule", "ignored"),
  f("logtostderr", "ignoredBool"),
  f("alsologtostderr", "ignoredBool"),
  f("stderrthreshold", "ignored"),
  f("log_dir", "ignored"),
  f("log_file", "ignored"),
  f("add_dir_header", "ignoredBool"),
  f("skip_headers", "ignoredBool"),
  f("one_output", "ignoredBool"),
];
const BY_NAME = new Map(FLAGS.map((s) => [s.name, s]));
const BY_SHORT = new Map(FLAGS.filter((s) => s.short).map((s) => [s.short!, s]));

const goQuote = (s: string) => JSON.stringify(s);

/** strconv.ParseBool */
function parseBool(v: string): boolean {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  throw new Error(`strconv.ParseBool: parsing ${goQuote(v)}: invalid syntax`);
}

/** util.SplitAndTrimCSV: split on ",", trim, drop empty entries. */
const splitAndTrimCsv = (v: string) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** flag.Map.Set: a CSV record of k=v entries (quotes allow commas inside an entry), merged into the map. */
function parseMapEntries(v: string): [string, string][] {
  const parts: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (quoted) {
      if (ch === '"' && v[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === "") quoted = true;
    else if (ch === ",") {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (quoted)
    throw new Error(
      `error parsing ${goQuote(v)}: parse error on line 1, column ${v.length + 1}: extraneous or missing " in quoted-field`,
    );
  parts.push(cur);
  return parts.map((p) => {
    const i = p.indexOf("=");
    if (i < 0) throw new Error(`error parsing ${goQuote(p)}`);
    return [p.slice(0, i), p.slice(i + 1)];
  });
}

export type ParsedArgs =
  { ok: true; flags: InstallFlags; positional: string[]; help: boolean } | { ok: false; error: string };

/** Parses install's arguments (after "install") as cobra/pflag would, onto the defaults for `version`. */
export function parseInstallArgs(args: readonly string[], version: string): ParsedArgs {
  const flags = defaultInstallFlags(version);
  const positional: string[] = [];
  let help = false;
  const set = (spec: FlagSpec, value: string) => {
    const shown = spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
    try {
      const rec = flags as unknown as Record<string, unknown>;
      switch (spec.type) {
        case "string":
          rec[spec.key!] = value;
          break;
        case "bool":
          rec[spec.key!] = parseBool(value);
          break;
        case "ignoredBool":
          parseBool(value);
          break;
        case "ignored":
          break;
        case "array":
          rec[spec.key!] = splitAndTrimCsv(value);
          break;
        case "map":
          rec[spec.key!] = {
            ...(rec[spec.key!] as Record<string, string>),
            ...Object.fromEntries(parseMapEntries(value)),
          };
          break;
        case "duration":
          parseGoDurationNs(value);
          rec[spec.key!] = value;
          break;
        case "int": {
          const n = /^[+-]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]*|[1-9][0-9]*)$/.test(value) ? Number(value) : NaN;
          if (!Number.isSafeInteger(n)) throw new Error(`strconv.ParseInt: parsing ${goQuote(value)}: invalid syntax`);
          rec[spec.key!] = n;
          break;
        }
        case "pullPolicy":
          if (!["Always", "IfNotPresent", "Never"].includes(value)) throw new Error(`invalid value: ${goQuote(value)}`);
          rec[spec.key!] = value;
          break;
      }
    } catch (e) {
      const msg = e instanceof DurationError || e instanceof Error ? e.message : String(e);
      throw new Error(`invalid argument ${goQuote(value)} for ${goQuote(shown)} flag: ${msg}`);
    }
  };
  const isBool = (s: FlagSpec) => s.type === "bool" || s.type === "ignoredBool";
  try {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === "--") {
        positional.push(...args.slice(i + 1));
        break;
      }
      if (a.startsWith("--") && a.length > 2) {
        const eq = a.indexOf("=");
        const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
        const spec = BY_NAME.get(name);
        if (!spec) {
          if (name === "help") {
            help = true;
            continue;
          }
          throw new Error(`unknown flag: --${name}`);
        }
        if (eq >= 0) set(spec, a.slice(eq + 1));
        else if (isBool(spec)) set(spec, "true");
        else if (i + 1 < args.length) set(spec, args[++i]);
        else throw new Error(`flag needs an argument: --${name}`);
      } else if (a.startsWith("-") && a.length > 1) {
        const shorts = a.slice(1);
        for (let j = 0; j < shorts.length; j++) {
          const c = shorts[j];
          const spec = BY_SHORT.get(c);
          if (!spec) {
            if (c === "h") {
              help = true;
              continue;
            }
            throw new Error(`unknown shorthand flag: '${c}' in -${shorts}`);
          }
          if (shorts[j + 1] === "=") {
            set(spec, shorts.slice(j + 2));
            break;
          }
          if (isBool(spec)) {
            set(spec, "true");
            continue;
          }
          if (j + 1 < shorts.length) set(spec, shorts.slice(j + 1));
          else if (i + 1 < args.length) set(spec, args[++i]);
          else throw new Error(`flag needs an argument: '${c}' in -${shorts}`);
          break;
        }
      } else positional.push(a);
    }
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  return { ok: true, flags, positional, help };
}

// ---- resource quantities (k8s.io/apimachinery resource.Quantity, canonical form) ---------------------------------------

const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const NANO = 1_000_000_000n;

interface Quantity {
  /** The value in units of 1e-9, rounded up as Go rounds to nano precision. */
  nano: bigint;
  format: "DecimalSI" | "BinarySI" | "DecimalExponent";
}

/** resource.ParseQuantity; throws with Go's error text. */
function parseQuantity(s: string): Quantity {
  const m = QUANTITY_RE.exec(s);
  if (!m) throw new Error(`quantities must match the regular expression '${QUANTITY_RE.source}'`);
  const [, num, suffix] = m;
  let exp10 = 0;
  let exp2 = 0;
  let format: Quantity["format"] = "DecimalSI";
  if (suffix in DECIMAL_SUFFIX) exp10 = DECIMAL_SUFFIX[suffix];
  else if (suffix in BINARY_SUFFIX) {
    exp2 = BINARY_SUFFIX[suffix] * 10;
    format = "BinarySI";
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    exp10 = Number(suffix.slice(1));
    format = "DecimalExponent";
  } else throw new Error("unable to parse quantity's suffix");
  const neg = num.startsWith("-");
  const body = num.replace(/^[+-]/, "");
  const parts = body.split(".");
  if (parts.length > 2 || !/[0-9]/.test(body)) throw new Error("unable to parse quantity's numeric part");
  const frac = parts[1] ?? "";
  let n = BigInt((parts[0] || "0") + frac) * 2n ** BigInt(exp2);
  const scale = exp10 - frac.length + 9;
  if (scale >= 0) n *= 10n ** BigInt(scale);
  else {
    const d = 10n ** BigInt(-scale);
    n = (n + d - 1n) / d; // round up to nano
  }
  return { nano: neg ? -n : n, format };
}

/** Quantity.String() of a parsed quantity: "1000m" → "1", "1024Mi" → "1Gi", "0.5" → "500m". */
function canonicalQuantity(q: Quantity): string {
  const neg = q.nano < 0n;
  const abs = neg ? -q.nano : q.nano;
  const sign = neg ? "-" : "";
  if (abs === 0n) return "0";
  if (q.format === "BinarySI" && abs % NANO === 0n && abs >= 1024n * NANO) {
    let v = abs / NANO;
    let k = 0;
    while (k < 6 && v % 1024n === 0n) {
      v /= 1024n;
      k++;
    }
    return `${sign}${v}${["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k]}`;
  }
  let v = abs;
  let exp = -9;
  while (exp < 18 && v % 1000n === 0n) {
    v /= 1000n;
    exp += 3;
  }
  if (q.format === "DecimalExponent") return `${sign}${v}${exp === 0 ? "" : `e${exp}`}`;
  const suffix = Object.entries(DECIMAL_SUFFIX).find(([, e]) => e === exp)![0];
  return `${sign}${v}${suffix}`;
}

/** kube.ParseCPUAndMemoryResources: "0" means unbounded (left out); a request above its limit is refused. */
function parseResources(cpuReq: string, memReq: string, cpuLim: string, memLim: string): Record<string, unknown> {
  const parse = (v: string, what: string) => {
    try {
      return parseQuantity(v);
    } catch (e) {
      throw new Error(`couldn't parse ${what} "${v}": ${(e as Error).message}`);
    }
  };
  const [cr, mr, cl, ml] = [
    parse(cpuReq, "CPU request"),
    parse(memReq, "memory request"),
    parse(cpuLim, "CPU limit"),
    parse(memLim, "memory limit"),
  ];
  if (cl.nano !== 0n && cr.nano > cl.nano)
    throw new Error(`CPU request "${cpuReq}" must be less than or equal to CPU limit "${cpuLim}"`);
  if (ml.nano !== 0n && mr.nano > ml.nano)
    throw new Error(`Memory request "${memReq}" must be less than or equal to Memory limit "${memLim}"`);
  const list = (cpu: Quantity, mem: Quantity) => {
    const out: Record<string, string> = {};
    if (cpu.nano !== 0n) out.cpu = canonicalQuantity(cpu);
    if (mem.nano !== 0n) out.memory = canonicalQuantity(mem);
    return Object.keys(out).length ? out : undefined;
  };
  const limits = list(cl, ml);
  const requests = list(cr, mr);
  return { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) };
}

// ---- rendering (pkg/install) ---------------------------------------------------------------------------------------------

const LABELS = () => ({ component: "velero" });

/** objectMeta() after runtime.DefaultUnstructuredConverter: a zero creationTimestamp is encoded as null. */
const objectMeta = (namespace: string, name: string): any => ({
  creationTimestamp: null,
  labels: LABELS(),
  name,
  ...(namespace ? { namespace } : {}),
});

const nonEmpty = (m: Record<string, string> | undefined) => (m && Object.keys(m).length ? m : undefined);

/** resolveImagePullPolicy: the flag, else IfNotPresent for "repo:tag" with a tag other than latest, else Always. */
function resolveImagePullPolicy(image: string, policy: string): string {
  if (policy) return policy;
  const parts = image.split(":");
  return parts.length === 2 && parts[1] !== "latest" ? "IfNotPresent" : "Always";
}

/** builder.getName: the image without registry and tag, "/", "_" and "." turned into "-", at most 63 characters. */
export function pluginContainerName(image: string): string {
  const slash = image.indexOf("/");
  const slashCount = slash >= 0 ? image.slice(slash).split("/").length - 1 : 0;
  const start = slashCount > 1 || slash === 0 ? slash + 1 : 0;
  let end = image.length;
  const at = image.lastIndexOf("@");
  if (at > 0) end = at;
  else {
    const colon = image.lastIndexOf(":");
    if (colon > 0) end = colon;
  }
  const name = image.slice(start, end).replace(/[/_.]/g, "-");
  if (name.length <= 63) return name;
  // label.GetValidName: 57 characters and the first 6 hex digits of the name's SHA-256.
  return name.slice(0, 57) + crypto.createHash("sha256").update(name).digest("hex").slice(0, 6);
}

const notWindows = () => ({
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "NotIn", values: ["windows"] }] }],
    },
  },
});

const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
const durationArg = (flag: string, v: string) => {
  if (!v) return [];
  const ns = parseGoDurationNs(v);
  return ns > 0n ? [`--${flag}=${formatGoDurationNs(ns)}`] : [];
};

function deployment(fl: InstallFlags, resources: Record<string, unknown>, saName: string): any {
  const pullPolicy = resolveImagePullPolicy(fl.image, fl.imagePullPolicy);
  const args = [
    "server",
    `--features=${fl.features}`, // strings.Split("", ",") is [""]: install always passes --features
    ...(fl.defaultVolumesToFsBackup ? ["--default-volumes-to-fs-backup=true"] : []),
    ...(fl.defaultSnapshotMoveData ? ["--default-snapshot-move-data=true"] : []),
    ...(fl.disableInformerCache ? ["--disable-informer-cache=true"] : []),
    ...(fl.scheduleSkipImmediately ? ["--schedule-skip-immediately=true"] : []),
    ...(fl.uploaderType ? [`--uploader-type=${fl.uploaderType}`] : []),
    ...(fl.restoreOnly ? ["--restore-only"] : []),
    ...durationArg("default-repo-maintain-frequency", fl.defaultRepoMaintainFrequency),
    ...durationArg("garbage-collection-frequency", fl.garbageCollectionFrequency),
    ...durationArg("fs-backup-timeout", fl.podVolumeOperationTimeout),
    ...(fl.keepLatestMaintenanceJobs > 0 ? [`--keep-latest-maintenance-jobs=${fl.keepLatestMaintenanceJobs}`] : []),
    ...(fl.maintenanceJobCpuLimit ? [`--maintenance-job-cpu-limit=${fl.maintenanceJobCpuLimit}`] : []),
    ...(fl.maintenanceJobCpuRequest ? [`--maintenance-job-cpu-request=${fl.maintenanceJobCpuRequest}`] : []),
    ...(fl.maintenanceJobMemLimit ? [`--maintenance-job-mem-limit=${fl.maintenanceJobMemLimit}`] : []),
    ...(fl.maintenanceJobMemRequest ? [`--maintenance-job-mem-request=${fl.maintenanceJobMemRequest}`] : []),
    ...(fl.backupRepositoryConfigmap ? [`--backup-repository-configmap=${fl.backupRepositoryConfigmap}`] : []),
    ...(fl.repoMaintenanceJobConfigmap ? [`--repo-maintenance-job-configmap=${fl.repoMaintenanceJobConfigmap}`] : []),
    ...(fl.defaultResourceModifierConfigmap
      ? [`--default-resource-modifier-configmap=${fl.defaultResourceModifierConfigmap}`]
      : []),
    ...(fl.itemBlockWorkerCount > 0 ? [`--item-block-worker-count=${fl.itemBlockWorkerCount}`] : []),
    ...(fl.concurrentBackups > 0 ? [`--concurrent-backups=${fl.concurrentBackups}`] : []),
  ];
  const env = [
    { name: "VELERO_SCRATCH_DIR", value: "/scratch" },
    fieldEnv("VELERO_NAMESPACE", "metadata.namespace"),
    { name: "LD_LIBRARY_PATH", value: "/plugins" },
    ...(fl.csiSnapshotEarlyFrequentPolling ? [{ name: "CSI_SNAPSHOT_EARLY_FREQUENT_POLLING", value: "true" }] : []),
  ];
  const initContainers = fl.plugins
    .map((p) => p.trim())
    .map((image) => ({
      image,
      imagePullPolicy: pullPolicy,
      name: pluginContainerName(image),
      resources: {},
      volumeMounts: [{ mountPath: "/target", name: "plugins" }],
    }));
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: objectMeta(fl.namespace, "velero"),
    spec: {
      selector: { matchLabels: { deploy: "velero" } },
      strategy: {},
      template: {
        metadata: {
          annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": "8085",
            "prometheus.io/path": "/metrics",
            ...fl.podAnnotations,
          },
          creationTimestamp: null,
          labels: { ...LABELS(), ...fl.podLabels, deploy: "velero" },
        },
        spec: {
          affinity: notWindows(),
          containers: [
            {
              args,
              command: ["/velero"],
              env,
              image: fl.image,
              imagePullPolicy: pullPolicy,
              name: "velero",
              ports: [{ containerPort: 8085, name: "metrics" }],
              resources,
              volumeMounts: [
                { mountPath: "/plugins", name: "plugins" },
                { mountPath: "/scratch", name: "scratch" },
              ],
            },
          ],
          ...(initContainers.length ? { initContainers } : {}),
          os: { name: "linux" },
          ...(fl.serverPriorityClassName ? { priorityClassName: fl.serverPriorityClassName } : {}),
          restartPolicy: "Always",
          serviceAccountName: saName,
          volumes: [
            { emptyDir: {}, name: "plugins" },
            { emptyDir: {}, name: "scratch" },
          ],
        },
      },
    },
  };
}

function daemonSet(fl: InstallFlags, resources: Record<string, unknown>, saName: string): any {
  const pullPolicy = resolveImagePullPolicy(fl.image, fl.imagePullPolicy);
  const root = fl.kubeletRootDir.replace(/\\/g, "/");
  const hostPath = (leaf: string) => path.posix.join(root, leaf);
  const args = [
    "node-agent",
    "server",
    `--features=${fl.features}`,
    ...(fl.nodeAgentConfigmap ? [`--node-agent-configmap=${fl.nodeAgentConfigmap}`] : []),
    ...(fl.backupRepositoryConfigmap ? [`--backup-repository-configmap=${fl.backupRepositoryConfigmap}`] : []),
  ];
  const hostVolumes = fl.nodeAgentDisableHostPath
    ? []
    : [
        { hostPath: { path: hostPath("pods") }, name: "host-pods" },
        { hostPath: { path: hostPath("plugins") }, name: "host-plugins" },
      ];
  const hostMounts = fl.nodeAgentDisableHostPath
    ? []
    : [
        { mountPath: "/host_pods", mountPropagation: "HostToContainer", name: "host-pods" },
        { mountPath: "/var/lib/kubelet/plugins", mountPropagation: "HostToContainer", name: "host-plugins" },
      ];
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: objectMeta(fl.namespace, "node-agent"),
    spec: {
      selector: { matchLabels: { name: "node-agent" } },
      template: {
        metadata: {
          ...(nonEmpty(fl.podAnnotations) ? { annotations: fl.podAnnotations } : {}),
          creationTimestamp: null,
          labels: { ...LABELS(), ...fl.podLabels, name: "node-agent", role: "node-agent" },
        },
        spec: {
          affinity: notWindows(),
          containers: [
            {
              args,
              command: ["/velero"],
              env: [
                fieldEnv("NODE_NAME", "spec.nodeName"),
                fieldEnv("VELERO_NAMESPACE", "metadata.namespace"),
                { name: "VELERO_SCRATCH_DIR", value: "/scratch" },
              ],
              image: fl.image,
              imagePullPolicy: pullPolicy,
              name: "node-agent",
              ports: [{ containerPort: 8085, name: "metrics" }],
              resources,
              securityContext: { privileged: fl.privilegedNodeAgent },
              volumeMounts: [...hostMounts, { mountPath: "/scratch", name: "scratch" }],
            },
          ],
          ...(fl.nodeAgentPriorityClassName ? { priorityClassName: fl.nodeAgentPriorityClassName } : {}),
          securityContext: { runAsUser: 0 },
          serviceAccountName: saName,
          volumes: [...hostVolumes, { emptyDir: {}, name: "scratch" }],
        },
      },
      updateStrategy: {},
    },
  };
}

/** The CRD files of a directory, Velero's v1 CRDs first then v2alpha1 (as AllCRDs lists them), by file name. */
function loadCrds(dir: string): any[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new Error(`the Velero CRDs directory ${dir} does not exist (set VELERO_CRDS_DIR or pass crdsDir)`);
  const crds: { crd: any; file: string }[] = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith(".yaml"))
    .sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8"))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
      const o = doc.toJS();
      if (o?.kind === "CustomResourceDefinition") crds.push({ crd: o, file });
    }
  }
  const v1 = (c: any) => (c.spec?.versions ?? []).some((v: any) => v.storage && v.name === "v1");
  return [...crds.filter((c) => v1(c.crd)), ...crds.filter((c) => !v1(c.crd))].map(({ crd }) => {
    // crd.SetLabels(Labels()) replaces the labels; the converter writes the zero creationTimestamp; status is dropped.
    const out = { ...crd, metadata: { ...crd.metadata, creationTimestamp: null, labels: LABELS() } };
    delete out.status;
    return out;
  });
}

/**
 * install.AllResources (or AllCRDs with --crds-only) for the flags: the items of the List `velero install --dry-run`
 * prints. Throws with Velero's message for what AsVeleroOptions refuses (resources that do not parse). The sandbox
 * reads no files, so a --secret-file or --cacert fails as an unreadable file.
 */
export function renderVeleroObjects(o: { version: string; flags: InstallFlags; crdsDir?: string }): KObject[] {
  const fl = o.flags;
  const crds = loadCrds(o.crdsDir ?? defaultCrdsDir());
  if (fl.crdsOnly) return crds;
  for (const file of [fl.noSecret ? "" : fl.secretFile, fl.cacert].filter(Boolean))
    throw new Error(`open ${path.posix.resolve("/", file)}: no such file or directory`);
  const veleroResources = parseResources(
    fl.veleroPodCpuRequest,
    fl.veleroPodMemRequest,
    fl.veleroPodCpuLimit,
    fl.veleroPodMemLimit,
  );
  const nodeAgentResources = parseResources(
    fl.nodeAgentPodCpuRequest,
    fl.nodeAgentPodMemRequest,
    fl.nodeAgentPodCpuLimit,
    fl.nodeAgentPodMemLimit,
  );
  const ns = fl.namespace;
  const out: any[] = [...crds];
  out.push({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      ...objectMeta("", ns),
      labels: {
        ...LABELS(),
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "privileged",
        "pod-security.kubernetes.io/audit-version": "latest",
        "pod-security.kubernetes.io/warn": "privileged",
        "pod-security.kubernetes.io/warn-version": "latest",
      },
    },
    spec: {},
  });
  let saName = "velero";
  if (!fl.serviceAccountName) {
    out.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: objectMeta("", ns === "velero" ? "velero" : `velero-${ns}`),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: "velero", namespace: ns }],
    });
    const annotations = nonEmpty(fl.saAnnotations);
    out.push({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { ...objectMeta(ns, "velero"), ...(annotations ? { annotations } : {}) },
    });
  } else saName = fl.serviceAccountName;
  if (!fl.noDefaultBackupLocation) {
    const config = nonEmpty(fl.backupLocationConfig);
    out.push({
      apiVersion: "velero.io/v1",
      kind: "BackupStorageLocation",
      metadata: objectMeta(ns, "default"),
      spec: {
        ...(config ? { config } : {}),
        default: true,
        objectStorage: { bucket: fl.bucket, ...(fl.prefix ? { prefix: fl.prefix } : {}) },
        provider: fl.provider,
      },
    });
  }
  if (fl.useVolumeSnapshots) {
    const config = nonEmpty(fl.snapshotLocationConfig);
    out.push({
      apiVersion: "velero.io/v1",
      kind: "VolumeSnapshotLocation",
      metadata: objectMeta(ns, "default"),
      spec: { ...(config ? { config } : {}), provider: fl.provider },
    });
  }
  out.push(deployment(fl, veleroResources, saName));
  if (fl.useNodeAgent) out.push(daemonSet(fl, nodeAgentResources, saName));
  return out as KObject[];
}

// ---- printing (output.printEncoded) --------------------------------------------------------------------------------------

/** Go's encoding/json writes map keys sorted. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/**
 * The text `-o json` or `-o yaml` prints: one List document (apiVersion, items, kind), or the only item alone when
 * the list holds one. JSON as json.MarshalIndent(…, "", "  ") writes it (sorted keys, <, > and & escaped); YAML as
 * sigs.k8s.io/yaml's JSONToYAML (sorted keys, sequences not indented). fmt.Println adds the final newline.
 */
export function printVeleroObjects(items: readonly KObject[], format: "json" | "yaml"): string {
  const doc = sortKeys(items.length === 1 ? items[0] : { apiVersion: "v1", kind: "List", items });
  if (format === "json")
    return (
      JSON.stringify(doc, null, 2)
        .replace(/</g, "\\u003c")
        .replace(/>/g, "\\u003e")
        .replace(/&/g, "\\u0026")
        .replace(/\u2028/g, "\\u2028")
        .replace(/\u2029/g, "\\u2029") + "\n"
    );
  return toYaml(doc, { indentSeq: false }) + "\n";
}

// ---- the container run ---------------------------------------------------------------------------------------------------

const USAGE = "Usage:\n  velero install [flags]\n\nRun 'velero install --help' for the flags.\n";

const HELP =
  "Install Velero onto a Kubernetes cluster using the supplied provider information, such as\n" +
  "the provider's name, a bucket name, and a file containing the credentials to access that bucket.\n\n" +
  "Use '-o yaml' or '-o json' with '--dry-run' to output all generated resources as text instead of sending the " +
  "resources to the server.\n\n" +
  USAGE;

/** The version an image reference names: its tag ("…/velero/velero:v1.18.1" → "v1.18.1"), or "latest". */
export function imageVersion(image: string): string {
  const noDigest = image.split("@")[0];
  const last = noDigest.slice(noDigest.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  return colon >= 0 ? last.slice(colon + 1) : "latest";
}

const fail = (output: string, message: string): InstallerRun => ({
  exitCode: 1,
  output: `${output}An error occurred: ${message}\n`,
});

/** Velero 1.17 removed restic as an uploader (#9069); older versions warn that it is deprecated. */
function validateUploaderType(t: string, version: string): { warning?: string; error?: string } {
  t = t.trim();
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  const restic = !m || Number(m[1]) > 1 || Number(m[2]) >= 17 ? false : true;
  if (t === "kopia") return {};
  if (restic && t === "restic")
    return {
      warning:
        "Uploader 'restic' is deprecated, don't use it for new backups, otherwise the backups won't be available " +
        "for restore when this functionality is removed in a future version of Velero",
    };
  return {
    error: restic
      ? `invalid uploader type '${t}', valid upload types are: 'restic', 'kopia'`
      : `invalid uploader type '${t}', valid upload types are: 'kopia'`,
  };
}

/** Options.Validate, in its order; returns the first error, and the "⚠️" lines it prints to stdout. */
function validate(
  fl: InstallFlags,
  version: string,
  serviceAccountToken: boolean,
): { printed: string; error?: string } {
  let printed = "";
  switch (fl.output) {
    case "":
    case "json":
    case "yaml":
      break;
    case "table":
      return { printed, error: "'table' format is not supported with 'install' command" };
    default:
      return {
        printed,
        error: `invalid output format ${goQuote(fl.output)} - valid values are 'table', 'json', and 'yaml'`,
      };
  }
  if (fl.crdsOnly) return { printed };
  const uploader = validateUploaderType(fl.uploaderType, version);
  if (uploader.error) return { printed, error: uploader.error };
  if (uploader.warning) printed += `⚠️  ${uploader.warning}\n`;
  const err = (error: string) => ({ printed, error });
  if (fl.bucket.startsWith("-")) return err(`Bucket names cannot begin with a dash. Bucket name was: ${fl.bucket}`);
  if (fl.noDefaultBackupLocation) {
    if (fl.bucket) return err("Cannot use both --bucket and --no-default-backup-location at the same time");
    if (fl.prefix) return err("Cannot use both --prefix and --no-default-backup-location at the same time");
    if (nonEmpty(fl.backupLocationConfig))
      return err("Cannot use both --backup-location-config and --no-default-backup-location at the same time");
  } else {
    if (!fl.provider) return err("--provider is required");
    if (!fl.bucket) return err("--bucket is required");
  }
  if (fl.useVolumeSnapshots) {
    if (!fl.provider) return err("--provider is required when --use-volume-snapshots is set to true");
  } else if (nonEmpty(fl.snapshotLocationConfig))
    return err("--snapshot-location-config must be empty when --use-volume-snapshots=false");
  if (fl.noDefaultBackupLocation && !fl.useVolumeSnapshots) {
    if (fl.provider)
      return err("--provider must be empty when using --no-default-backup-location and --use-volume-snapshots=false");
  } else if (fl.plugins.length === 0) return err("--plugins flag is required");
  if (fl.defaultVolumesToFsBackup && !fl.useNodeAgent)
    return err("--use-node-agent is required when using --default-volumes-to-fs-backup");
  if (!fl.secretFile && !fl.noSecret) return err("One of --secret-file or --no-secret is required");
  if (fl.secretFile && fl.noSecret) return err("Cannot use both --secret-file and --no-secret");
  const negative = (v: string) => v !== "" && parseGoDurationNs(v) < 0n;
  if (negative(fl.defaultRepoMaintainFrequency)) return err("--default-repo-maintain-frequency must be non-negative");
  if (negative(fl.garbageCollectionFrequency)) return err("--garbage-collection-frequency must be non-negative");
  if (negative(fl.podVolumeOperationTimeout)) return err("--pod-volume-operation-timeout must be non-negative");
  // f.KubebuilderClient(): clientcmd's loading rules, then the in-cluster config (which needs the mounted token).
  const config = "error finding Kubernetes API server config in --kubeconfig, $KUBECONFIG, or in-cluster configuration";
  if (fl.kubeconfig) return err(`fail to create go-client ${config}: stat ${fl.kubeconfig}: no such file or directory`);
  if (!serviceAccountToken)
    return err(
      `fail to create go-client ${config}: invalid configuration: no configuration has been provided, ` +
        "try setting KUBERNETES_MASTER environment variable",
    );
  // The ConfigMap flags make Validate read those ConfigMaps from the cluster; the sandbox's installer does not call
  // the API server, so it takes them as valid.
  return { printed };
}

/**
 * `/velero <args>` in a container of `image` (a velero/velero image; its tag is the CLI's version). `crdsDir` is where
 * the image's CRDs come from (default: the seed's). `serviceAccountToken`: whether the pod has a token mounted.
 */
export function runVeleroInstall(o: {
  image: string;
  args: string[];
  crdsDir?: string;
  serviceAccountToken: boolean;
}): InstallerRun {
  const version = imageVersion(o.image);
  const [command, ...rest] = o.args;
  if (command !== "install")
    return fail(
      `Error: unknown command ${goQuote(command ?? "")} for "velero"\nRun 'velero --help' for usage.\n`,
      `unknown command ${goQuote(command ?? "")} for "velero"`,
    );
  const parsed = parseInstallArgs(rest, version);
  if (!parsed.ok) return fail(`Error: ${parsed.error}\n${USAGE}\n`, parsed.error);
  if (parsed.help) return { exitCode: 0, output: HELP };
  const fl = parsed.flags;
  let output = "";
  try {
    const v = validate(fl, version, o.serviceAccountToken);
    output += v.printed;
    if (v.error) return fail(output, v.error);
    const items = renderVeleroObjects({ version, flags: fl, crdsDir: o.crdsDir });
    if (fl.output === "json" || fl.output === "yaml") output += printVeleroObjects(items, fl.output);
  } catch (e) {
    return fail(output, (e as Error).message);
  }
  if (!fl.dryRun)
    return fail(
      output,
      "the sandbox's velero image only renders the install manifests: run it with --dry-run -o json (or -o yaml); " +
        "it does not create anything in the cluster",
    );
  return { exitCode: 0, output };
}

/** The flags that reproduce what the sandbox seeds for a cluster "with Velero" (start.ts's plan → velero install). */
export function seedInstallArgs(v: {
  version: string;
  nodeAgent: boolean;
  csi: boolean;
  objectStorePlugins?: readonly string[];
}): string[] {
  const plugins = (v.objectStorePlugins ?? Object.keys(PLUGIN_REPOSITORIES)).filter((p) => p in PLUGIN_REPOSITORIES);
  return [
    "--no-secret",
    "--no-default-backup-location",
    "--use-volume-snapshots=false",
    "--uploader-type=kopia",
    "--namespace",
    "velero",
    ...(PLUGIN_TAGS[v.version] && plugins.length
      ? ["--plugins", plugins.map((p) => pluginImage(p, v.version)).join(",")]
      : []),
    ...(v.csi ? ["--features=EnableCSI"] : []),
    ...(v.nodeAgent ? ["--use-node-agent"] : []),
    "--dry-run",
    "-o",
    "json",
  ];
}
