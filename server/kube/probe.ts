import type { ClusterClient } from "./cluster-client";
import { mapBounded } from "@/lib/bounded";
import { ClusterError } from "./errors";
import {
  describeAccess,
  isNonResource,
  manageAccess,
  requiredAccess,
  VELERO_NAMESPACE,
  type AccessRequirement,
} from "./access";
import { RESOURCES, type KubeObject } from "./resources";
import { rulesAllow } from "./rules";

// Attaching and checking a cluster: is it reachable, may Lifeboat do what it needs, and what Velero runs there.
// Both run over the cluster-access port's client (see cluster-access.ts), so every request has its deadline, its
// outbound check and its error mapping there.
export const DEFAULT_VELERO_WAIT_MS = 10_000;
const SSAR_CONCURRENCY = 8;

const orNull = <T>(p: Promise<T>) =>
  p.catch((e) => (e instanceof ClusterError && e.status === 404 ? null : Promise.reject(e)));

// ---- probeCluster -----------------------------------------------------------------------------------------------------

export interface ServerVersion {
  gitVersion: string;
  major: string;
  minor: string;
  platform?: string;
}
export interface AccessCheck extends AccessRequirement {
  allowed: boolean;
}
/**
 * MANAGE: every operate and manage row is allowed; OPERATE: every operate row; NONE: some operate row is missing
 * (optional rows do not count: AccessRequirement.optional).
 */
export type ClusterAccessLevel = "MANAGE" | "OPERATE" | "NONE";
export interface ProbeResult {
  serverVersion: ServerVersion;
  /** The "operate" rows, checked. */
  access: AccessCheck[];
  /** The "manage Velero" rows, checked (those in Lifeboat's namespace only when it is known). */
  manageAccess: AccessCheck[];
  /** The operate rows not allowed (describeAccess). */
  missing: string[];
  /** The manage rows not allowed (describeAccess). */
  missingManage: string[];
  accessLevel: ClusterAccessLevel;
  /** Lifeboat's identity on the cluster (SelfSubjectReview), null when the server did not say. */
  identity: string | null;
  /** The namespace of Lifeboat's service account, null when its identity is not a service account (or unknown). */
  lifeboatNamespace: string | null;
}

const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([a-z0-9]([-a-z0-9]*[a-z0-9])?):([^:]+)$/;

/** `system:serviceaccount:<ns>:<sa>` → `<ns>`; any other user name → null. */
export function serviceAccountNamespace(username: string | null | undefined): string | null {
  return SERVICE_ACCOUNT_USER.exec(username ?? "")?.[1] ?? null;
}

/**
 * GET /version, Lifeboat's identity (a SelfSubjectReview), then each row of both levels ("operate" and "manage Velero")
 * checked against the rules Lifeboat holds (checkAccess). `missing` lists the operate rows not allowed, `missingManage`
 * the manage ones; the manage rows in Lifeboat's namespace are asked only when the identity is a service account (its
 * namespace is Lifeboat's).
 */
export async function probeCluster(c: ClusterClient, opts: { veleroNamespace?: string } = {}): Promise<ProbeResult> {
  const v = await c.version();
  const serverVersion: ServerVersion = {
    gitVersion: v.gitVersion,
    major: v.major,
    minor: v.minor,
    ...(v.platform ? { platform: v.platform } : {}),
  };
  const identity = (await c.whoAmI())?.username ?? null;
  const lifeboatNamespace = serviceAccountNamespace(identity);
  const veleroNamespace = opts.veleroNamespace ?? VELERO_NAMESPACE;
  const operateRows = requiredAccess(veleroNamespace);
  const manageRows = manageAccess(veleroNamespace, lifeboatNamespace);
  const checked = await checkAccess(c, [...operateRows, ...manageRows]);
  const access = checked.slice(0, operateRows.length);
  const manage = checked.slice(operateRows.length);
  const missing = access.filter((a) => !a.allowed && !a.optional).map(describeAccess);
  const missingManage = manage.filter((a) => !a.allowed && !a.optional).map(describeAccess);
  const accessLevel: ClusterAccessLevel = missing.length ? "NONE" : missingManage.length ? "OPERATE" : "MANAGE";
  return {
    serverVersion,
    access,
    manageAccess: manage,
    missing,
    missingManage,
    accessLevel,
    identity,
    lifeboatNamespace,
  };
}

/**
 * Not a namespace name (namespaces are DNS labels, without dots), so no RoleBinding can be in it: a rules review there
 * answers the cluster-wide rules alone, which is what RBAC checks a cluster-wide request against.
 */
export const CLUSTER_WIDE_REVIEW = "lifeboat.cluster-wide";

/** The answers to a rules review after which each row is asked by an access review instead. */
const REVIEW_REFUSED = new Set([400, 403, 404, 405, 422]);

/**
 * Whether Lifeboat may do what each row says: one SelfSubjectRulesReview per scope the rows name (cluster-wide, Velero's
 * namespace, Lifeboat's), each row matched against its scope's rules as RBAC matches them. A row those rules do not
 * allow is asked with a SelfSubjectAccessReview (at most SSAR_CONCURRENCY in flight) only where the review could not
 * tell: its rules are incomplete (an authorizer such as a webhook cannot list its own) or the server refused the review.
 */
export async function checkAccess(c: ClusterClient, rows: AccessRequirement[]): Promise<AccessCheck[]> {
  const scopes = [...new Set(rows.map((a) => a.namespace ?? CLUSTER_WIDE_REVIEW))];
  const reviews = new Map(
    await Promise.all(
      scopes.map(async (s) => {
        try {
          return [s, await c.rulesIn(s)] as const;
        } catch (e) {
          // A server that does not serve this review or refuses it (an older or a restricted one): ask row by row.
          // Not when it is throttling (429) or does not know Lifeboat (401): a review per row would only add to that.
          if (e instanceof ClusterError && e.status !== undefined && REVIEW_REFUSED.has(e.status))
            return [s, null] as const;
          throw e;
        }
      }),
    ),
  );
  const attributes = (a: AccessRequirement) => {
    if (isNonResource(a)) return { verb: a.verb, nonResourcePath: a.resource };
    const slash = a.resource.indexOf("/");
    return slash >= 0
      ? {
          verb: a.verb,
          group: a.group,
          resource: a.resource.slice(0, slash),
          subresource: a.resource.slice(slash + 1),
          name: a.resourceName,
        }
      : { verb: a.verb, group: a.group, resource: a.resource, name: a.resourceName };
  };
  const checked: AccessCheck[] = [];
  const unsure: number[] = [];
  for (const a of rows) {
    const review = reviews.get(a.namespace ?? CLUSTER_WIDE_REVIEW) ?? null;
    const allowed = review !== null && rulesAllow(review, attributes(a));
    if (!allowed && (review === null || review.incomplete)) unsure.push(checked.length);
    checked.push({ ...a, allowed });
  }
  await mapBounded(unsure, SSAR_CONCURRENCY, async (i) => {
    const a = checked[i];
    const why = describeAccess(a).split(":")[0];
    checked[i] = {
      ...a,
      allowed: await c.canI(
        isNonResource(a)
          ? { verb: a.verb, nonResourcePath: a.resource }
          : { verb: a.verb, group: a.group, resource: a.resource, namespace: a.namespace, name: a.resourceName },
        why,
      ),
    };
  });
  return checked;
}

// ---- detectVelero -----------------------------------------------------------------------------------------------------

export interface VeleroDetection {
  installed: boolean;
  reason?: string;
  serverVersion?: string;
  plugins?: { name: string; kind: string }[];
  nodeAgent: boolean;
  csi: { enabled: boolean; snapshotClasses: { name: string; driver: string; default: boolean }[] };
  /** The server's default for a backup that does not say: "optOut" with --default-volumes-to-fs-backup. */
  fsBackupDefault?: "optIn" | "optOut";
  /** The server's --default-snapshot-move-data. */
  moveDataByDefault?: boolean;
  /** The images that run: Velero's server, the node-agent (null without its DaemonSet), each plugin init container. */
  images?: VeleroImages;
}
export interface VeleroImages {
  server: string | null;
  nodeAgent: string | null;
  plugins: { name: string; image: string }[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects read from the cluster, checked field by field
type KObj = KubeObject & { spec?: Record<string, any>; status?: Record<string, any>; [k: string]: any };

/** `--features=EnableCSI,…` or `--features EnableCSI,…` among a container's command and args. */
export function featuresOf(container: { command?: string[]; args?: string[] } | undefined): string[] {
  const argv = [...(container?.command ?? []), ...(container?.args ?? [])];
  const out: string[] = [];
  argv.forEach((a, i) => {
    const value = a.startsWith("--features=")
      ? a.slice("--features=".length)
      : a === "--features"
        ? (argv[i + 1] ?? "")
        : undefined;
    if (value !== undefined)
      out.push(
        ...value
          .split(",")
          .map((f) => f.trim())
          .filter(Boolean),
      );
  });
  return out;
}

/** strconv.ParseBool, which pflag uses for a bool flag's value; null for anything else. */
function parseBool(v: string): boolean | null {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return null;
}

/**
 * A boolean flag among a container's command and args as pflag reads it: `--name` is true, `--name=<bool>` says
 * (true|false, 1|0, t|f …), the last one wins, and nothing after `--` is a flag. Null when the flag is not given (a
 * bool flag takes no separate value: in `--name false`, "false" is a positional argument and the flag is true).
 */
export function boolFlag(container: { command?: string[]; args?: string[] } | undefined, name: string): boolean | null {
  const argv = [...(container?.command ?? []), ...(container?.args ?? [])];
  const end = argv.indexOf("--");
  let value: boolean | null = null;
  for (const a of end >= 0 ? argv.slice(0, end) : argv) {
    if (a === `--${name}`) value = true;
    else if (a.startsWith(`--${name}=`)) value = parseBool(a.slice(name.length + 3)) ?? value;
  }
  return value;
}

type Container = { name?: string; image?: string; command?: string[]; args?: string[] };

/** The velero Deployment's server container: the one named velero, else the first. */
export function serverContainer(deployment: KObj | null | undefined): Container | undefined {
  const containers: Container[] = deployment?.spec?.template?.spec?.containers ?? [];
  return containers.find((x) => x.name === "velero") ?? containers[0];
}

/**
 * What the velero Deployment and the node-agent DaemonSet (null when there is none) say about the server: its
 * defaults for a backup that does not choose (--default-volumes-to-fs-backup, --default-snapshot-move-data) and the
 * images that run (the server, the node-agent's first container, one plugin per init container of the Deployment).
 */
export function serverSettingsOf(
  deployment: KObj,
  daemonSet: KObj | null | undefined,
): Pick<VeleroDetection, "fsBackupDefault" | "moveDataByDefault" | "images"> {
  const server = serverContainer(deployment);
  const image = (c: Container | undefined) => (typeof c?.image === "string" && c.image ? c.image : null);
  const inits: Container[] = deployment.spec?.template?.spec?.initContainers ?? [];
  const nodeAgentContainers: Container[] = daemonSet?.spec?.template?.spec?.containers ?? [];
  return {
    fsBackupDefault: boolFlag(server, "default-volumes-to-fs-backup") ? "optOut" : "optIn",
    moveDataByDefault: boolFlag(server, "default-snapshot-move-data") === true,
    images: {
      server: image(server),
      nodeAgent: daemonSet ? image(nodeAgentContainers[0]) : null,
      plugins: inits.flatMap((c) => {
        const i = image(c);
        return i ? [{ name: c.name ?? "", image: i }] : [];
      }),
    },
  };
}

/** The node-agent counts when at least one pod is ready (or, before the controller reported, one is desired). */
export function nodeAgentReady(
  ds: { status?: { numberReady?: number; desiredNumberScheduled?: number } } | undefined,
): boolean {
  if (!ds) return false;
  const st = ds.status;
  if (typeof st?.numberReady === "number") return st.numberReady >= 1;
  return (st?.desiredNumberScheduled ?? 0) >= 1;
}

export function snapshotClassOf(o: KObj): { name: string; driver: string; default: boolean } {
  const isDefault =
    o.metadata?.labels?.["velero.io/csi-volumesnapshot-class"] !== undefined ||
    o.metadata?.annotations?.["snapshot.storage.kubernetes.io/is-default-class"] === "true";
  return { name: o.metadata?.name ?? "", driver: typeof o.driver === "string" ? o.driver : "", default: isDefault };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Is Velero installed (its namespace, the backups.velero.io CRD and the velero Deployment), which version and plugins does its server report
 * (a ServerStatusRequest, waited for up to timeoutMs), is the node-agent running, is CSI enabled and which
 * VolumeSnapshotClasses exist; with the Deployment, also the server's volume defaults and the images that run (read
 * from the objects already fetched).
 */
export async function detectVelero(
  c: ClusterClient,
  opts: { namespace?: string; timeoutMs?: number } = {},
): Promise<VeleroDetection> {
  const ns = opts.namespace ?? VELERO_NAMESPACE;
  const waitMs = opts.timeoutMs ?? DEFAULT_VELERO_WAIT_MS;
  const snapshotClasses = async () => {
    const list = await orNull(c.listItems<KObj>(RESOURCES.volumesnapshotclasses));
    return (list ?? []).map(snapshotClassOf).sort((a, b) => a.name.localeCompare(b.name));
  };
  const [namespace, crd] = await Promise.all([
    c.get(RESOURCES.namespaces, ns),
    c.get(RESOURCES.customresourcedefinitions, "backups.velero.io"),
  ]);
  if (!namespace || !crd) {
    const reason = !namespace
      ? `The namespace ${ns} does not exist: Velero is not installed there`
      : "The backups.velero.io CustomResourceDefinition is missing: Velero's CRDs are not installed";
    return {
      installed: false,
      reason,
      nodeAgent: false,
      csi: { enabled: false, snapshotClasses: await snapshotClasses() },
    };
  }
  const [deployment, daemonSet, classes] = await Promise.all([
    c.get<KObj>(RESOURCES.deployments, "velero", ns),
    c.get<KObj>(RESOURCES.daemonsets, "node-agent", ns),
    snapshotClasses(),
  ]);
  const features = featuresOf(serverContainer(deployment));
  const base = {
    installed: true,
    nodeAgent: nodeAgentReady(daemonSet ?? undefined),
    csi: { enabled: features.includes("EnableCSI"), snapshotClasses: classes },
  };
  if (!deployment)
    return {
      ...base,
      installed: false,
      reason: `There is no Deployment velero in ${ns}: Velero's CRDs are installed, but its server is not running in this namespace`,
    };
  const found = { ...base, ...serverSettingsOf(deployment, daemonSet) };
  const status = await serverStatus(c, ns, waitMs);
  if (!status) {
    const ready = deployment.status?.readyReplicas ?? 0;
    return {
      ...found,
      reason: `Velero did not answer a ServerStatusRequest within ${waitMs / 1000} s${ready === 0 ? " (the velero Deployment has no ready pod)" : ""}`,
    };
  }
  return { ...found, serverVersion: status.serverVersion, plugins: status.plugins };
}

/** Creates a ServerStatusRequest, polls it until Processed or `waitMs` passes, and deletes it either way. */
async function serverStatus(
  c: ClusterClient,
  ns: string,
  waitMs: number,
): Promise<{ serverVersion?: string; plugins: { name: string; kind: string }[] } | null> {
  const r = RESOURCES.serverstatusrequests;
  const created = await c.create<KObj>(r, { metadata: { generateName: "lifeboat-" }, spec: {} }, ns);
  const name = created.metadata!.name!;
  const deadline = Date.now() + waitMs;
  try {
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      const o = await c.get<KObj>(r, name, ns);
      if (!o)
        throw new ClusterError(
          `The ServerStatusRequest ${name} in ${ns} disappeared before Velero answered it`,
          "NotFound",
        );
      if (o.status?.phase === "Processed") {
        const raw: unknown[] = Array.isArray(o.status.plugins) ? o.status.plugins : [];
        // Sorted: Velero lists them in no fixed order (from a Go map), and a check compares what it found with before.
        const plugins = raw
          .map((p) => {
            const q = (p ?? {}) as { name?: unknown; kind?: unknown };
            return { name: String(q.name ?? ""), kind: String(q.kind ?? "") };
          })
          .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
        return {
          ...(typeof o.status.serverVersion === "string" ? { serverVersion: o.status.serverVersion } : {}),
          plugins,
        };
      }
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await sleep(Math.min(delay, left));
    }
  } finally {
    await c.delete(r, name, { namespace: ns }).catch(() => undefined);
  }
}
