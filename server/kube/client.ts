import * as k8s from "@kubernetes/client-node";
import { checkOutboundUrl } from "../security/outbound-url";
import { describeAccess, isNonResource, requiredAccess, VELERO_NAMESPACE, type AccessRequirement } from "./access";
import { extractContext, KubeconfigError } from "./kubeconfig";

// The narrow Kubernetes adapter for attaching a cluster: is it reachable with this kubeconfig, may Lifeboat do what it
// needs, and what Velero runs there. Each function takes the single-context kubeconfig (as extractContext made it),
// checks it again (client-node must never run a credential plugin or read a file), checks the server address against
// the outbound policy, and gives every request a timeout. Failures are ClusterErrors with a kind and a message meant
// for a platform engineer; no message carries the token.
export type ClusterErrorKind = "Unreachable" | "Unauthorized" | "Forbidden" | "TLS" | "NotFound" | "Timeout" | "Other";

export class ClusterError extends Error {
  constructor(
    message: string,
    public readonly kind: ClusterErrorKind,
  ) {
    super(message);
    this.name = "ClusterError";
  }
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 8_000;
export const DEFAULT_VELERO_WAIT_MS = 10_000;
const SSAR_CONCURRENCY = 8;

type Dispatcher = ReturnType<k8s.RequestContext["getDispatcher"]>;

interface Session {
  server: string;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  apiext: k8s.ApiextensionsV1Api;
  authz: k8s.AuthorizationV1Api;
  version: k8s.VersionApi;
  custom: k8s.CustomObjectsApi;
  /** Runs one request, turning whatever it throws into a ClusterError about `what`. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function open(kubeconfig: string, timeoutMs: number): Promise<Session> {
  let checked: ReturnType<typeof extractContext>;
  try {
    checked = extractContext(kubeconfig);
  } catch (e) {
    if (e instanceof KubeconfigError) throw new ClusterError(`The kubeconfig cannot be used: ${e.message}`, "Other");
    throw e;
  }
  const server = checked.context.server;
  const verdict = await checkOutboundUrl(server, { schemes: ["https"] });
  if (!verdict.ok) throw new ClusterError(`Lifeboat will not connect to ${server}: ${verdict.reason}`, "Other");

  const kc = new k8s.KubeConfig();
  kc.loadFromString(checked.kubeconfig);
  const secrets = [kc.getCurrentUser()?.token].filter((s): s is string => Boolean(s));
  const tokenUser = secrets.length > 0;

  // client-node builds a new undici Agent for every request; keep the first and close it at the end, and give every
  // request its own deadline.
  let shared: Dispatcher = undefined;
  const middleware: k8s.Middleware = {
    pre: async (ctx) => {
      ctx.setSignal(AbortSignal.timeout(timeoutMs));
      const d = ctx.getDispatcher();
      if (d) {
        if (!shared) shared = d;
        else ctx.setDispatcher(shared);
      }
      return ctx;
    },
    post: async (res) => res,
  };
  const config = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(server.replace(/\/+$/, ""), {}),
    authMethods: { default: kc },
    promiseMiddleware: [middleware],
  });
  const redact = (s: string) => secrets.reduce((acc, t) => acc.split(t).join("[redacted]"), s);
  return {
    server,
    core: new k8s.CoreV1Api(config),
    apps: new k8s.AppsV1Api(config),
    apiext: new k8s.ApiextensionsV1Api(config),
    authz: new k8s.AuthorizationV1Api(config),
    version: new k8s.VersionApi(config),
    custom: new k8s.CustomObjectsApi(config),
    async call(what, fn) {
      try {
        return await fn();
      } catch (e) {
        const err = toClusterError(e, { server, what, timeoutMs, tokenUser });
        throw new ClusterError(redact(err.message), err.kind);
      }
    },
    async close() {
      await shared?.destroy().catch(() => undefined);
    },
  };
}

async function withSession<T>(kubeconfig: string, timeoutMs: number, fn: (s: Session) => Promise<T>): Promise<T> {
  const s = await open(kubeconfig, timeoutMs);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

// ---- errors -----------------------------------------------------------------------------------------------------------

const TLS_UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
]);
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);
const TIMED_OUT = new Set(["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** A list's continue token or a watch's resourceVersion is older than the server's history (410 Gone). */
export class ResourceExpiredError extends ClusterError {
  constructor(message: string) {
    super(message, "Other");
    this.name = "ResourceExpiredError";
  }
}

/** The first error code along an error's cause chain (undici wraps socket errors in "fetch failed"). */
export function codeOf(e: unknown): string | undefined {
  for (let cur: any = e, depth = 0; cur && depth < 5; cur = cur.cause, depth++) {
    if (typeof cur.code === "string") return cur.code;
    const inner = Array.isArray(cur.errors) ? cur.errors.find((x: any) => typeof x?.code === "string") : undefined;
    if (inner) return inner.code;
  }
  return undefined;
}

export function statusMessage(body: unknown): string | undefined {
  try {
    const status = typeof body === "string" ? JSON.parse(body) : body;
    return typeof status?.message === "string" ? status.message : undefined;
  } catch {
    return undefined;
  }
}

/** The one mapping of a failed cluster call to a ClusterError an operator understands (callers redact secrets). */
export function toClusterError(
  e: unknown,
  c: { server: string; what: string; timeoutMs: number; tokenUser: boolean },
): ClusterError {
  if (e instanceof ClusterError) return e;
  const host = new URL(c.server).host;
  // ApiException from typed calls; a plain statusCode from watch requests.
  const httpCode =
    e instanceof k8s.ApiException
      ? (e.code as number)
      : typeof (e as { statusCode?: unknown } | null)?.statusCode === "number"
        ? (e as { statusCode: number }).statusCode
        : undefined;
  if (httpCode !== undefined) {
    const detail = e instanceof k8s.ApiException ? statusMessage(e.body) : undefined;
    const tail = detail ? `: ${detail}` : "";
    if (httpCode === 401)
      return new ClusterError(
        `The cluster at ${c.server} refused the ${c.tokenUser ? "token" : "client certificate"} (401 Unauthorized): it is wrong, expired, or its service account was deleted`,
        "Unauthorized",
      );
    if (httpCode === 403)
      return new ClusterError(
        `Lifeboat may not ${c.what}${tail} (403 Forbidden); apply the onboarding manifest to grant it`,
        "Forbidden",
      );
    if (httpCode === 404) return new ClusterError(`Not found while trying to ${c.what}${tail}`, "NotFound");
    if (httpCode === 408 || httpCode === 504)
      return new ClusterError(`The cluster at ${c.server} timed out trying to ${c.what}`, "Timeout");
    if (httpCode === 409)
      return new ClusterError(
        `Could not ${c.what}: it was changed at the same time by someone else${tail}; try again`,
        "Other",
      );
    if (httpCode === 410)
      return new ResourceExpiredError(
        `The cluster at ${c.server} no longer has the history to ${c.what} (410 Gone)${tail}`,
      );
    if (httpCode === 422) return new ClusterError(`The cluster refused to ${c.what}${tail}`, "Other");
    return new ClusterError(
      `The cluster at ${c.server} answered ${httpCode} when Lifeboat tried to ${c.what}${tail}`,
      "Other",
    );
  }
  const name = (e as { name?: string } | null)?.name;
  const code = codeOf(e);
  if (name === "TimeoutError" || name === "AbortError" || (code && TIMED_OUT.has(code))) {
    return new ClusterError(
      `${c.server} did not answer within ${c.timeoutMs / 1000} s (trying to ${c.what})`,
      "Timeout",
    );
  }
  if (code === "ECONNREFUSED")
    return new ClusterError(
      `Nothing answers at ${c.server} (connection refused): is the address right and the API server up?`,
      "Unreachable",
    );
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new ClusterError(`The host of ${c.server} could not be resolved (${code})`, "Unreachable");
  if (code && UNREACHABLE.has(code)) return new ClusterError(`${c.server} cannot be reached (${code})`, "Unreachable");
  if (code && TLS_UNTRUSTED.has(code))
    return new ClusterError(
      `The server's certificate is not signed by the CA in the kubeconfig (${c.server}, ${code})`,
      "TLS",
    );
  if (code === "CERT_HAS_EXPIRED")
    return new ClusterError(`The server's certificate at ${c.server} has expired`, "TLS");
  if (code === "CERT_NOT_YET_VALID")
    return new ClusterError(`The server's certificate at ${c.server} is not valid yet (check the clocks)`, "TLS");
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return new ClusterError(
      `The server's certificate does not name ${host}; use the address the certificate was issued for, or set tls-server-name`,
      "TLS",
    );
  if (code && (code === "EPROTO" || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_"))) {
    return new ClusterError(
      `The TLS handshake with ${c.server} failed (${code}): is it an HTTPS Kubernetes API endpoint?`,
      "TLS",
    );
  }
  const message = e instanceof Error ? e.message : String(e);
  return new ClusterError(
    `Lifeboat could not ${c.what} at ${c.server}: ${message}${code ? ` (${code})` : ""}`,
    "Other",
  );
}

const isNotFound = (e: unknown) => e instanceof ClusterError && e.kind === "NotFound";

/** Runs `fn` over `items` with at most `limit` in flight; results keep the order of `items`. */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

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
export interface ProbeResult {
  serverVersion: ServerVersion;
  access: AccessCheck[];
  missing: string[];
}

/** GET /version, then one SelfSubjectAccessReview per REQUIRED_ACCESS row; `missing` lists what is not allowed. */
export async function probeCluster(
  kubeconfig: string,
  opts: { timeoutMs?: number; veleroNamespace?: string } = {},
): Promise<ProbeResult> {
  return withSession(kubeconfig, opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, async (s) => {
    const v = await s.call("read the server version (GET /version)", () => s.version.getCode());
    const serverVersion: ServerVersion = {
      gitVersion: v.gitVersion,
      major: v.major,
      minor: v.minor,
      ...(v.platform ? { platform: v.platform } : {}),
    };
    const rows = requiredAccess(opts.veleroNamespace ?? VELERO_NAMESPACE);
    const access = await mapBounded(rows, SSAR_CONCURRENCY, async (a): Promise<AccessCheck> => {
      const spec: k8s.V1SelfSubjectAccessReviewSpec = isNonResource(a)
        ? { nonResourceAttributes: { verb: a.verb, path: a.resource } }
        : {
            resourceAttributes: {
              verb: a.verb,
              group: a.group,
              resource: a.resource,
              ...(a.namespace ? { namespace: a.namespace } : {}),
            },
          };
      const review = await s.call(`review access (${describeAccess(a).split(":")[0]})`, () =>
        s.authz.createSelfSubjectAccessReview({
          body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec },
        }),
      );
      return { ...a, allowed: review.status?.allowed === true };
    });
    return { serverVersion, access, missing: access.filter((a) => !a.allowed).map(describeAccess) };
  });
}

// ---- detectVelero -----------------------------------------------------------------------------------------------------

export interface VeleroDetection {
  installed: boolean;
  reason?: string;
  serverVersion?: string;
  plugins?: { name: string; kind: string }[];
  nodeAgent: boolean;
  csi: { enabled: boolean; snapshotClasses: { name: string; driver: string; default: boolean }[] };
}

type KObj = {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
};

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

/** The node-agent counts when at least one pod is ready (or, before the controller reported, one is desired). */
export function nodeAgentReady(ds: k8s.V1DaemonSet | undefined): boolean {
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
 * VolumeSnapshotClasses exist.
 */
export async function detectVelero(
  kubeconfig: string,
  opts: { namespace?: string; timeoutMs?: number; requestTimeoutMs?: number } = {},
): Promise<VeleroDetection> {
  const ns = opts.namespace ?? VELERO_NAMESPACE;
  const waitMs = opts.timeoutMs ?? DEFAULT_VELERO_WAIT_MS;
  return withSession(kubeconfig, opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, async (s) => {
    const orNull = <T>(p: Promise<T>) => p.catch((e) => (isNotFound(e) ? null : Promise.reject(e)));
    const snapshotClasses = async () => {
      const list = await orNull(
        s.call("list VolumeSnapshotClasses", () =>
          s.custom.listClusterCustomObject({
            group: "snapshot.storage.k8s.io",
            version: "v1",
            plural: "volumesnapshotclasses",
          }),
        ),
      );
      return ((list as { items?: KObj[] } | null)?.items ?? [])
        .map(snapshotClassOf)
        .sort((a, b) => a.name.localeCompare(b.name));
    };
    const [namespace, crd] = await Promise.all([
      orNull(s.call(`read the namespace ${ns}`, () => s.core.readNamespace({ name: ns }))),
      orNull(
        s.call("read the CustomResourceDefinition backups.velero.io", () =>
          s.apiext.readCustomResourceDefinition({ name: "backups.velero.io" }),
        ),
      ),
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
      orNull(
        s.call(`read the Deployment velero in ${ns}`, () =>
          s.apps.readNamespacedDeployment({ name: "velero", namespace: ns }),
        ),
      ),
      orNull(
        s.call(`read the DaemonSet node-agent in ${ns}`, () =>
          s.apps.readNamespacedDaemonSet({ name: "node-agent", namespace: ns }),
        ),
      ),
      snapshotClasses(),
    ]);
    const containers = deployment?.spec?.template?.spec?.containers ?? [];
    const features = featuresOf(containers.find((c) => c.name === "velero") ?? containers[0]);
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
    const status = await serverStatus(s, ns, waitMs);
    if (!status) {
      const ready = deployment.status?.readyReplicas ?? 0;
      return {
        ...base,
        reason: `Velero did not answer a ServerStatusRequest within ${waitMs / 1000} s${ready === 0 ? " (the velero Deployment has no ready pod)" : ""}`,
      };
    }
    return { ...base, serverVersion: status.serverVersion, plugins: status.plugins };
  });
}

/** Creates a ServerStatusRequest, polls it until Processed or `waitMs` passes, and deletes it either way. */
async function serverStatus(
  s: Session,
  ns: string,
  waitMs: number,
): Promise<{ serverVersion?: string; plugins: { name: string; kind: string }[] } | null> {
  const target = { group: "velero.io", version: "v1", namespace: ns, plural: "serverstatusrequests" };
  const created: KObj = await s.call(`create a ServerStatusRequest in ${ns}`, () =>
    s.custom.createNamespacedCustomObject({
      ...target,
      body: {
        apiVersion: "velero.io/v1",
        kind: "ServerStatusRequest",
        metadata: { generateName: "lifeboat-" },
        spec: {},
      },
    }),
  );
  const name = created.metadata!.name!;
  const deadline = Date.now() + waitMs;
  try {
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      const o: KObj = await s.call(`read the ServerStatusRequest ${name}`, () =>
        s.custom.getNamespacedCustomObject({ ...target, name }),
      );
      if (o.status?.phase === "Processed") {
        const plugins = Array.isArray(o.status.plugins)
          ? o.status.plugins.map((p: any) => ({ name: String(p?.name ?? ""), kind: String(p?.kind ?? "") }))
          : [];
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
    await s
      .call(`delete the ServerStatusRequest ${name}`, () => s.custom.deleteNamespacedCustomObject({ ...target, name }))
      .catch(() => undefined);
  }
}
