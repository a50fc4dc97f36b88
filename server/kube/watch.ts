import * as k8s from "@kubernetes/client-node";
import { checkOutboundUrl } from "../security/outbound-url";
import { VELERO_NAMESPACE } from "./access";
import { ClusterError, DEFAULT_REQUEST_TIMEOUT_MS, ResourceExpiredError, toClusterError } from "./client";
import { extractContext, KubeconfigError } from "./kubeconfig";

// The list+watch half of the sync engine: paginated lists and resumable watches of Velero's custom resources in one
// namespace. Like client.ts, every call checks the kubeconfig again, checks the server against the outbound policy, has
// a deadline (a watch: an inactivity deadline), and fails with a ClusterError whose message never carries the token.
export const SYNCED_KINDS = [
  { kind: "backups", version: "v1" },
  { kind: "restores", version: "v1" },
  { kind: "schedules", version: "v1" },
  { kind: "backupstoragelocations", version: "v1" },
  { kind: "deletebackuprequests", version: "v1" },
  { kind: "podvolumebackups", version: "v1" },
  { kind: "datauploads", version: "v2alpha1" },
] as const;

export type SyncedKind = { kind: string; version: string };

export interface VeleroItem {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  labels: Record<string, string>;
  spec: unknown;
  status: unknown;
  creationTimestamp?: string;
}

export { ResourceExpiredError };

export const DEFAULT_PAGE_SIZE = 500;
/** The server ends a watch after this long (client-go picks 5–10 min); the engine then resumes from where it was. */
const WATCH_TIMEOUT_SECONDS = 300;
/** No byte (event or bookmark) for this long means the stream is dead. Apiservers send a bookmark about once a minute. */
const WATCH_INACTIVITY_MS = 90_000;
const GROUP = "velero.io";

interface Checked {
  server: string;
  kc: k8s.KubeConfig;
  redact: (s: string) => string;
  tokenUser: boolean;
}

/** The same checks as client.ts's session: a self-contained kubeconfig, and a server the outbound policy allows. */
async function check(kubeconfig: string): Promise<Checked> {
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
  const redact = (s: string) => secrets.reduce((acc, t) => acc.split(t).join("[redacted]"), s);
  return { server, kc, redact, tokenUser: secrets.length > 0 };
}

type Dispatcher = ReturnType<k8s.RequestContext["getDispatcher"]>;

/** A CustomObjectsApi sharing one dispatcher (closed by `close`) with a deadline on every request. */
function customApi(c: Checked, timeoutMs: number) {
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
    baseServer: new k8s.ServerConfiguration(c.server.replace(/\/+$/, ""), {}),
    authMethods: { default: c.kc },
    promiseMiddleware: [middleware],
  });
  return {
    custom: new k8s.CustomObjectsApi(config),
    close: async () => void (await shared?.destroy().catch(() => undefined)),
  };
}

function mapped(e: unknown, c: Checked, what: string, timeoutMs: number): ClusterError {
  const err = toClusterError(e, { server: c.server, what, timeoutMs, tokenUser: c.tokenUser });
  const message = c.redact(err.message);
  return err instanceof ResourceExpiredError ? new ResourceExpiredError(message) : new ClusterError(message, err.kind);
}

// ---- items ------------------------------------------------------------------------------------------------------------

type KObj = {
  metadata?: {
    namespace?: string;
    name?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    creationTimestamp?: string | Date;
  };
  spec?: unknown;
  status?: unknown;
};

export function toItem(kind: string, o: KObj): VeleroItem {
  const md = o.metadata ?? {};
  const created = md.creationTimestamp instanceof Date ? md.creationTimestamp.toISOString() : md.creationTimestamp;
  return {
    kind,
    namespace: md.namespace ?? "",
    name: md.name ?? "",
    uid: md.uid ?? "",
    resourceVersion: md.resourceVersion ?? "",
    labels: md.labels ?? {},
    spec: o.spec ?? {},
    status: o.status ?? {},
    ...(created ? { creationTimestamp: created } : {}),
  };
}

// ---- listAll ----------------------------------------------------------------------------------------------------------

/**
 * Lists every object of `kind` in the namespace in pages of `pageSize` (500) following `continue`, handing each page to
 * `onPage`. When a continue token has expired (410), the list starts again once (`onRestart` tells the caller to forget
 * what it saw). Returns the list's resourceVersion, to watch from.
 */
export async function listAll(
  kubeconfig: string,
  kind: SyncedKind,
  opts: {
    namespace?: string;
    pageSize?: number;
    timeoutMs?: number;
    onPage?: (items: VeleroItem[]) => Promise<void>;
    onRestart?: () => Promise<void> | void;
  } = {},
): Promise<{ resourceVersion: string; count: number }> {
  const namespace = opts.namespace ?? VELERO_NAMESPACE;
  const limit = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const c = await check(kubeconfig);
  const api = customApi(c, timeoutMs);
  const what = `list ${kind.kind} in ${namespace}`;
  try {
    for (let attempt = 0; ; attempt++) {
      let cont: string | undefined;
      let count = 0;
      try {
        for (;;) {
          const page = (await api.custom.listNamespacedCustomObject({
            group: GROUP,
            version: kind.version,
            namespace,
            plural: kind.kind,
            limit,
            ...(cont ? { _continue: cont } : {}),
          })) as {
            metadata?: { resourceVersion?: string; continue?: string };
            items?: KObj[];
          };
          const items = (page.items ?? []).map((o) => toItem(kind.kind, o));
          count += items.length;
          if (opts.onPage && items.length > 0) await opts.onPage(items);
          cont = page.metadata?.continue || undefined;
          if (!cont) return { resourceVersion: page.metadata?.resourceVersion ?? "", count };
        }
      } catch (e) {
        const err = mapped(e, c, what, timeoutMs);
        if (err instanceof ResourceExpiredError && cont && attempt === 0) {
          await opts.onRestart?.();
          continue;
        }
        throw err;
      }
    }
  } finally {
    await api.close();
  }
}

// ---- watchKind --------------------------------------------------------------------------------------------------------

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";
export interface WatchEnd {
  reason: "ended" | "gone" | "error";
  error?: Error;
  lastResourceVersion: string;
}

/**
 * Watches `kind` from `resourceVersion` with bookmarks (which only advance lastResourceVersion). Events are handed to
 * `onEvent` one at a time, in order; lastResourceVersion advances only after `onEvent` resolved, so resuming from it
 * never skips an event. `done` settles (never rejects) when the server ends the stream ("ended"), the resourceVersion is
 * too old ("gone", relist), or anything fails ("error"); stop() ends it as "ended".
 */
export function watchKind(
  kubeconfig: string,
  kind: SyncedKind,
  resourceVersion: string,
  onEvent: (type: WatchEventType, item: VeleroItem) => Promise<void> | void,
  opts: {
    namespace?: string;
    inactivityMs?: number;
    timeoutSeconds?: number;
    /** Called once the server accepted the watch. */ onOpen?: () => void;
  } = {},
): { done: Promise<WatchEnd>; stop(): void } {
  const namespace = opts.namespace ?? VELERO_NAMESPACE;
  const inactivityMs = opts.inactivityMs ?? WATCH_INACTIVITY_MS;
  const what = `watch ${kind.kind} in ${namespace}`;
  let lastResourceVersion = resourceVersion;
  let stopped = false;
  let controller: AbortController | undefined;
  let finish!: (end: WatchEnd) => void;
  let settled = false;
  const done = new Promise<WatchEnd>((resolve) => (finish = resolve));
  // Events run one after another on this chain; the end waits for it so no event is lost or applied after `done`.
  let chain: Promise<void> = Promise.resolve();
  let failure: { reason: "gone" | "error"; error: Error } | undefined;

  const end = (reason: WatchEnd["reason"], error?: Error) => {
    void chain.then(() => {
      if (settled) return;
      settled = true;
      const f = failure ?? (stopped ? undefined : reason === "ended" ? undefined : { reason, error: error! });
      finish(f ? { reason: f.reason, error: f.error, lastResourceVersion } : { reason: "ended", lastResourceVersion });
    });
  };
  const abort = () => controller?.abort();

  void (async () => {
    let c: Checked;
    try {
      c = await check(kubeconfig);
    } catch (e) {
      return end("error", e as Error);
    }
    if (stopped) return end("ended");
    const w = new k8s.Watch(c.kc);
    // client-node's inactivity deadline (30 s) is private and shorter than an apiserver's bookmark interval (~1 min).
    (w as unknown as { requestTimeoutMs: number }).requestTimeoutMs = inactivityMs;
    const path = `/apis/${GROUP}/${kind.version}/namespaces/${encodeURIComponent(namespace)}/${kind.kind}`;
    const query = {
      resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: opts.timeoutSeconds ?? WATCH_TIMEOUT_SECONDS,
    };
    const onData = (type: string, obj: any) => {
      if (stopped || failure) return;
      if (type === "BOOKMARK") {
        const rv = obj?.metadata?.resourceVersion;
        if (typeof rv === "string" && rv) chain = chain.then(() => void (lastResourceVersion = rv));
        return;
      }
      if (type === "ERROR") {
        const message = c.redact(typeof obj?.message === "string" ? obj.message : JSON.stringify(obj));
        failure =
          obj?.code === 410
            ? {
                reason: "gone",
                error: new ResourceExpiredError(
                  `The cluster at ${c.server} no longer has the history to ${what} (410 Gone): ${message}`,
                ),
              }
            : {
                reason: "error",
                error: new ClusterError(
                  `The cluster at ${c.server} ended the watch of ${kind.kind} with an error: ${message}`,
                  "Other",
                ),
              };
        abort();
        return;
      }
      if (type !== "ADDED" && type !== "MODIFIED" && type !== "DELETED") return;
      const item = toItem(kind.kind, obj ?? {});
      chain = chain.then(async () => {
        if (stopped || failure) return;
        try {
          await onEvent(type, item);
          if (item.resourceVersion) lastResourceVersion = item.resourceVersion;
        } catch (e) {
          failure = { reason: "error", error: e instanceof Error ? e : new Error(String(e)) };
          abort();
        }
      });
    };
    const onDone = (err: unknown) => {
      if (stopped || failure || !err) return end("ended");
      // kube-apiserver answers a watch from a resourceVersion beyond its history (a rebuilt or restored cluster at this
      // address) with 504 "Too large resource version"; client-node keeps only the status. Only a relist recovers.
      if ((err as { statusCode?: number }).statusCode === 504) {
        return end(
          "gone",
          new ResourceExpiredError(
            `The cluster at ${c.server} cannot ${what} from resourceVersion ${resourceVersion} (504: too large for its history, as after a rebuild or restore)`,
          ),
        );
      }
      end("error", mapped(err, c, what, inactivityMs));
    };
    try {
      controller = await w.watch(path, query, onData, onDone);
      if (stopped) abort();
      else if (!failure && !settled) opts.onOpen?.();
    } catch (e) {
      onDone(e);
    }
  })();

  return {
    done,
    stop() {
      if (stopped) return;
      stopped = true;
      abort();
      end("ended");
    },
  };
}
