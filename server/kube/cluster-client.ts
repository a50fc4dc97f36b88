import { ClusterError, HttpStatusError, ResourceExpiredError } from "./errors";
import { apiVersionOf, resourcePath, type KubeObject, type ObjectList, type ResourceRef } from "./resources";
import { LIST_PAGE_SIZE } from "@/lib/limits";
import { CapExceededError, type ClusterSession } from "./session";
import { parseRulesReview, type RulesReview } from "./rules";

// The narrow verbs Lifeboat uses on one cluster, over its session: get, list (paginated), watch, create, replace,
// patch, server-side apply under Lifeboat's field manager, delete, access review, pod logs, version. Works for any
// kind by its ResourceRef. Every failure is a ClusterError (see errors.ts); "not found" on a read or delete is null /
// false, never an exception.
export const FIELD_MANAGER = "lifeboat";
export const DEFAULT_PAGE_SIZE = LIST_PAGE_SIZE;

export type PatchType = "merge" | "json" | "strategic";
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
};

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface WatchEnd {
  reason: "ended" | "gone" | "error";
  error?: Error;
  lastResourceVersion: string;
}

/** How long a watch may stay silent (no event, no bookmark) before it counts as dead. */
const WATCH_INACTIVITY_MS = 90_000;
/** The server ends a watch after this long (client-go picks 5–10 min); the caller then resumes. */
const WATCH_TIMEOUT_SECONDS = 300;

const what = (verb: string, r: ResourceRef, name?: string, namespace?: string) =>
  `${verb} ${name ? `the ${r.kind} ${name}` : r.plural}${r.namespaced && namespace ? ` in ${namespace}` : ""}`;

export class ClusterClient {
  constructor(readonly session: ClusterSession) {}

  get server() {
    return this.session.server;
  }

  /** A client whose errors also hide `secrets` (sharing the connection). */
  hiding(secrets: string[]): ClusterClient {
    return new ClusterClient(this.session.hiding(secrets));
  }

  version(): Promise<{ gitVersion: string; major: string; minor: string; platform?: string }> {
    return this.session.request("read the server version (GET /version)", { path: "/version" });
  }

  /** One object, or null when it does not exist. */
  async get<T extends KubeObject = KubeObject>(r: ResourceRef, name: string, namespace?: string): Promise<T | null> {
    try {
      return await this.session.request<T>(what("read", r, name, namespace), {
        path: resourcePath(r, { namespace, name }),
      });
    } catch (e) {
      if (e instanceof ClusterError && e.status === 404) return null;
      throw e;
    }
  }

  /** One page of a list (at most `limit` items: a page with more than were asked for is a CapExceededError). */
  async list<T extends KubeObject = KubeObject>(r: ResourceRef, o: ListOptions = {}): Promise<ObjectList<T>> {
    const limit = o.limit ?? DEFAULT_PAGE_SIZE;
    const page = await this.session.request<ObjectList<T>>(what("list", r, undefined, o.namespace), {
      path: resourcePath(r, { namespace: o.namespace }),
      query: { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, limit, continue: o.continue },
    });
    const n = Array.isArray(page?.items) ? page.items.length : 0;
    if (limit > 0 && n > limit)
      throw new CapExceededError(
        `The cluster at ${this.server} answered ${n} ${r.plural} to a list page that asked for at most ${limit}; ` +
          "Lifeboat refuses the page",
      );
    return page;
  }

  /**
   * Every object in pages (following `continue`), each page handed to `onPage`. When a continue token has expired
   * (410) the list starts again once (`onRestart` tells the caller to forget what it saw). Returns the list's
   * resourceVersion, to watch from.
   */
  async listAll<T extends KubeObject = KubeObject>(
    r: ResourceRef,
    o: ListOptions & { onPage?: (items: T[]) => Promise<void> | void; onRestart?: () => Promise<void> | void } = {},
  ): Promise<{ resourceVersion: string; count: number }> {
    for (let attempt = 0; ; attempt++) {
      let cont: string | undefined;
      let count = 0;
      try {
        for (;;) {
          const page = await this.list<T>(r, { ...o, continue: cont });
          const items = page.items ?? [];
          count += items.length;
          if (o.onPage && items.length > 0) await o.onPage(items);
          cont = page.metadata?.continue || undefined;
          if (!cont) return { resourceVersion: page.metadata?.resourceVersion ?? "", count };
        }
      } catch (e) {
        if (e instanceof ResourceExpiredError && cont && attempt === 0) {
          await o.onRestart?.();
          continue;
        }
        throw e;
      }
    }
  }

  /** Every object (all pages) as one array. */
  async listItems<T extends KubeObject = KubeObject>(r: ResourceRef, o: ListOptions = {}): Promise<T[]> {
    const out: T[] = [];
    await this.listAll<T>(r, { ...o, onPage: (items) => void out.push(...items) });
    return out;
  }

  /**
   * Watches `r` from `resourceVersion` with bookmarks (which only advance lastResourceVersion). Events are handed to
   * `onEvent` one at a time, in order; lastResourceVersion advances only after `onEvent` resolved, so resuming from it
   * never skips an event. `done` settles (never rejects) when the server ends the stream ("ended"), the
   * resourceVersion is too old ("gone", relist), or anything fails ("error"); stop() ends it as "ended".
   */
  watch<T extends KubeObject = KubeObject>(
    r: ResourceRef,
    resourceVersion: string,
    onEvent: (type: WatchEventType, obj: T) => Promise<void> | void,
    o: {
      namespace?: string;
      labelSelector?: string;
      inactivityMs?: number;
      timeoutSeconds?: number;
      onOpen?: () => void;
      /** The longest event line read (default MAX_WATCH_LINE_BYTES). */
      maxLineBytes?: number;
    } = {},
  ): { done: Promise<WatchEnd>; stop(): void } {
    const s = this.session;
    const desc = what("watch", r, undefined, o.namespace);
    let lastResourceVersion = resourceVersion;
    let stopped = false;
    let chain: Promise<void> = Promise.resolve();
    let failure: { reason: "gone" | "error"; error: Error } | undefined;
    const handle = s.stream({
      path: resourcePath(r, { namespace: o.namespace }),
      query: {
        watch: 1,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: o.timeoutSeconds ?? WATCH_TIMEOUT_SECONDS,
        labelSelector: o.labelSelector,
      },
      inactivityMs: o.inactivityMs ?? WATCH_INACTIVITY_MS,
      maxLineBytes: o.maxLineBytes,
      onOpen: () => {
        if (!stopped) o.onOpen?.();
      },
      onLine: (line) => {
        if (stopped || failure) return;
        let ev: { type?: string; object?: KubeObject & { code?: number; message?: string } };
        try {
          ev = JSON.parse(line);
        } catch {
          failure = {
            reason: "error",
            error: new ClusterError(`The cluster at ${s.server} sent a watch event that is not JSON`, "Other"),
          };
          handle.abort();
          return;
        }
        const obj = ev.object ?? {};
        if (ev.type === "BOOKMARK") {
          const rv = obj.metadata?.resourceVersion;
          if (typeof rv === "string" && rv) chain = chain.then(() => void (lastResourceVersion = rv));
          return;
        }
        if (ev.type === "ERROR") {
          const message = s.redact(typeof obj.message === "string" ? obj.message : JSON.stringify(obj).slice(0, 2000));
          failure =
            obj.code === 410
              ? {
                  reason: "gone",
                  error: new ResourceExpiredError(
                    `The cluster at ${s.server} no longer has the history to ${desc} (410 Gone): ${message}`,
                  ),
                }
              : {
                  reason: "error",
                  error: new ClusterError(
                    `The cluster at ${s.server} ended the ${desc} with an error: ${message}`,
                    "Other",
                  ),
                };
          handle.abort();
          return;
        }
        if (ev.type !== "ADDED" && ev.type !== "MODIFIED" && ev.type !== "DELETED") return;
        const type = ev.type;
        chain = chain.then(async () => {
          if (stopped || failure) return;
          try {
            await onEvent(type, obj as T);
            const rv = obj.metadata?.resourceVersion;
            if (rv) lastResourceVersion = rv;
          } catch (e) {
            failure = { reason: "error", error: e instanceof Error ? e : new Error(String(e)) };
            handle.abort();
          }
        });
      },
    });
    const done = handle.done.then(async ({ error }) => {
      await chain;
      if (failure) return { reason: failure.reason, error: failure.error, lastResourceVersion };
      if (stopped || !error) return { reason: "ended" as const, lastResourceVersion };
      // kube-apiserver answers a watch from a resourceVersion beyond its history (a rebuilt or restored cluster at this
      // address) with 504 "Too large resource version"; only a relist recovers.
      if (error instanceof HttpStatusError && error.statusCode === 504) {
        return {
          reason: "gone" as const,
          error: new ResourceExpiredError(
            `The cluster at ${s.server} cannot ${desc} from resourceVersion ${resourceVersion} (504: too large for its history, as after a rebuild or restore)`,
          ),
          lastResourceVersion,
        };
      }
      const mapped = s.fail(error, desc, o.inactivityMs ?? WATCH_INACTIVITY_MS);
      return {
        reason: mapped instanceof ResourceExpiredError ? ("gone" as const) : ("error" as const),
        error: mapped,
        lastResourceVersion,
      };
    });
    return {
      done,
      stop() {
        if (stopped) return;
        stopped = true;
        handle.abort();
      },
    };
  }

  create<T extends KubeObject = KubeObject>(r: ResourceRef, body: T, namespace?: string): Promise<T> {
    return this.session.request<T>(what("create", r, body.metadata?.name ?? body.metadata?.generateName, namespace), {
      method: "POST",
      path: resourcePath(r, { namespace }),
      body: { apiVersion: apiVersionOf(r), kind: r.kind, ...body },
    });
  }

  /** Replaces the object (send the resourceVersion read to make a concurrent write a 409). */
  replace<T extends KubeObject = KubeObject>(r: ResourceRef, body: T, namespace?: string): Promise<T> {
    const name = body.metadata?.name ?? "";
    return this.session.request<T>(what("update", r, name, namespace), {
      method: "PUT",
      path: resourcePath(r, { namespace, name }),
      body: { apiVersion: apiVersionOf(r), kind: r.kind, ...body },
    });
  }

  patch<T extends KubeObject = KubeObject>(
    r: ResourceRef,
    name: string,
    patch: unknown,
    o: { namespace?: string; type?: PatchType; subresource?: string } = {},
  ): Promise<T> {
    return this.session.request<T>(what("patch", r, name, o.namespace), {
      method: "PATCH",
      path: resourcePath(r, { namespace: o.namespace, name, subresource: o.subresource }),
      body: patch,
      contentType: PATCH_CONTENT_TYPE[o.type ?? "merge"],
    });
  }

  /**
   * Server-side apply under Lifeboat's field manager (or `fieldManager`); `force` takes over fields other managers own;
   * `dryRun` answers what the object would become without storing it.
   */
  apply<T extends KubeObject = KubeObject>(
    r: ResourceRef,
    body: T,
    o: { namespace?: string; force?: boolean; dryRun?: boolean; fieldManager?: string } = {},
  ): Promise<T> {
    const name = body.metadata?.name ?? "";
    return this.session.request<T>(what("apply", r, name, o.namespace), {
      method: "PATCH",
      path: resourcePath(r, { namespace: o.namespace, name }),
      query: {
        fieldManager: o.fieldManager ?? FIELD_MANAGER,
        force: o.force ? true : undefined,
        dryRun: o.dryRun ? "All" : undefined,
      },
      body: { apiVersion: apiVersionOf(r), kind: r.kind, ...body },
      contentType: "application/apply-patch+yaml",
    });
  }

  /** Deletes the object; false when it did not exist. `uid` deletes only that very object (a precondition). */
  async delete(
    r: ResourceRef,
    name: string,
    o: { namespace?: string; uid?: string; propagationPolicy?: string } = {},
  ): Promise<boolean> {
    try {
      await this.session.request(what("delete", r, name, o.namespace), {
        method: "DELETE",
        path: resourcePath(r, { namespace: o.namespace, name }),
        ...(o.uid || o.propagationPolicy
          ? {
              body: {
                apiVersion: "v1",
                kind: "DeleteOptions",
                ...(o.uid ? { preconditions: { uid: o.uid } } : {}),
                ...(o.propagationPolicy ? { propagationPolicy: o.propagationPolicy } : {}),
              },
            }
          : {}),
      });
      return true;
    } catch (e) {
      if (e instanceof ClusterError && e.status === 404) return false;
      throw e;
    }
  }

  /**
   * May Lifeboat's identity do this (a SelfSubjectAccessReview)? `name` asks about one object (a row with RBAC
   * resourceNames); a resource "pods/log" is asked as resource "pods", subresource "log".
   */
  async canI(
    a:
      | { verb: string; group?: string; resource?: string; namespace?: string; name?: string }
      | { verb: string; nonResourcePath: string },
    why: string,
  ): Promise<boolean> {
    let spec;
    if ("nonResourcePath" in a) spec = { nonResourceAttributes: { verb: a.verb, path: a.nonResourcePath } };
    else {
      const slash = a.resource?.indexOf("/") ?? -1;
      spec = {
        resourceAttributes: {
          verb: a.verb,
          group: a.group ?? "",
          resource: slash >= 0 ? a.resource!.slice(0, slash) : a.resource,
          ...(slash >= 0 ? { subresource: a.resource!.slice(slash + 1) } : {}),
          ...(a.namespace ? { namespace: a.namespace } : {}),
          ...(a.name ? { name: a.name } : {}),
        },
      };
    }
    const review = await this.session.request<{ status?: { allowed?: boolean } }>(`review access (${why})`, {
      method: "POST",
      path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec },
    });
    return review?.status?.allowed === true;
  }

  /**
   * The rules Lifeboat's identity holds in `namespace`, cluster-wide ones included (a SelfSubjectRulesReview: one request
   * instead of an access review per permission). A namespace that cannot exist gives the cluster-wide rules alone.
   */
  async rulesIn(namespace: string): Promise<RulesReview> {
    const review = await this.session.request<{ status?: unknown }>(`list the rules Lifeboat holds in ${namespace}`, {
      method: "POST",
      path: "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
      body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: { namespace } },
    });
    return parseRulesReview(review?.status);
  }

  /**
   * Who Lifeboat is on this cluster (a SelfSubjectReview, authentication.k8s.io/v1, GA in Kubernetes 1.28): the user
   * name and groups, or null when the server does not serve the API (older clusters) or refuses it.
   */
  async whoAmI(): Promise<{ username: string; groups: string[] } | null> {
    try {
      const review = await this.session.request<{ status?: { userInfo?: { username?: unknown; groups?: unknown } } }>(
        "learn Lifeboat's identity (a SelfSubjectReview)",
        {
          method: "POST",
          path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
          body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
        },
      );
      const u = review?.status?.userInfo;
      if (typeof u?.username !== "string" || !u.username) return null;
      const groups = Array.isArray(u.groups) ? u.groups.filter((g): g is string => typeof g === "string") : [];
      return { username: u.username, groups };
    } catch (e) {
      if (e instanceof ClusterError && (e.status === 403 || e.status === 404 || e.status === 405)) return null;
      throw e;
    }
  }

  /** The log of a pod's container: its last `tailLines`, at most `limitBytes` of it (counted from the start, as Kubernetes does). */
  podLogs(
    namespace: string,
    pod: string,
    o: { container?: string; tailLines?: number; limitBytes?: number } = {},
  ): Promise<string> {
    return this.session.request<string>(`read the log of pod ${pod} in ${namespace}`, {
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
      query: { container: o.container, tailLines: o.tailLines, limitBytes: o.limitBytes },
      text: true,
    });
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
