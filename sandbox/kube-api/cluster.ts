import crypto from "node:crypto";
import { Store, type StoreEvent } from "./store";
import { BUILTIN_TYPES, VIRTUAL } from "./builtins";
import type { KObject, ResourceType } from "./types";
import { groupVersion, resourceKey } from "./types";
import { podSecurityRefusal } from "./pod-security";
import { defaultWorkload } from "./defaults";
import { ApiError, alreadyExists, badRequest, conflict, gone, invalid, methodNotAllowed, notFound } from "./errors";
import { generateSuffix, nameProblem } from "./names";
import { authorize, reviewRules, rulesFor, type Attributes, type RbacSource, type UserInfo } from "./rbac";
import {
  fieldsFor,
  labelSelectorFromObject,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from "./selectors";
import { admitCustomResource, goQuote, invalidMessage, statusCauses } from "./structural-schema";
import { builtinSchema, checkValue, goValue, strictPath, typedPatchErrors } from "./builtin-schema";
import { builtinProblems } from "./builtin-rules";
import { applyPatch, PatchError } from "./patch";
import { ApplyConflictError, ApplyShapeError, recordUpdate, serverSideApply, type Writer } from "./managed-fields";
import { rootShape } from "./ssa-shape";
import { cloneJson } from "./clone";

// One sandbox cluster: its resource types (built-in and from CRDs), its store, and the apiserver's semantics on top:
// names, uid, generation, resourceVersion preconditions, finalizers, status subresources, CRD validation and pruning,
// namespace lifecycle, selectors, pagination, watch, authentication by bearer token and RBAC.
export interface ClusterOptions {
  name: string;
  kubernetesVersion?: string; // e.g. "v1.31.4"
  adminToken: string;
  bookmarkIntervalMs?: number;
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}
export interface WatchQuery {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}
/** How the decoder treats fields a built-in kind does not declare (the fieldValidation parameter). */
export type FieldValidation = "Strict" | "Warn" | "Ignore";
export const FIELD_VALIDATIONS: readonly FieldValidation[] = ["Ignore", "Warn", "Strict"];

/** Who writes: the manager recorded in metadata.managedFields (none for the sandbox's own controllers). */
export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Unknown fields of a built-in kind: Strict refuses them (400), Warn (the default) drops them and adds a warning
   * to `warnings`, Ignore drops them silently. */
  fieldValidation?: FieldValidation;
  /** Collects the warnings the response carries (Warning headers). */
  warnings?: string[];
}
export interface ApplyOptions {
  subresource?: string;
  dryRun?: boolean;
  fieldManager?: string;
  force?: boolean;
}
/** managedFields computed by the caller (an apply): null for none. */
type Managed = Record<string, unknown>[] | null;

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: unknown;
}

const clone = cloneJson;
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
const qualified = (rt: ResourceType) => (rt.group ? `${rt.resource}.${rt.group}` : rt.resource);

function withoutKeys(o: KObject, keys: string[]) {
  const c: Record<string, unknown> = { ...o };
  for (const k of keys) delete c[k];
  return JSON.stringify(c);
}

export interface ListFaults {
  ignoreLimitIn: string[];
}

export class Cluster {
  readonly store = new Store();
  private readonly types = new Map<string, ResourceType>(); // "<group>/<version>/<resource>"
  private readonly tokens = new Map<string, UserInfo>();
  readonly version: string;
  readonly bookmarkIntervalMs: number;
  /**
   * Test controls reachable over HTTP by the cluster admin (POST /sandbox/v1/<name>, JSON body), so tests that run the
   * sandbox in another process can cut watches, compact history or set the Velero stand-in's fault switches.
   */
  readonly controls = new Map<string, (body: any) => unknown>([
    ["drop-watches", () => ({ dropped: this.dropWatches() })],
    [
      "list-faults",
      (body: Partial<ListFaults>) => {
        if (body.ignoreLimitIn) this.listFaults.ignoreLimitIn = [...body.ignoreLimitIn];
        return this.listFaults;
      },
    ],
    [
      "compact",
      () => {
        this.store.compact();
        return { compactedThrough: this.store.currentRV };
      },
    ],
  ]);
  /**
   * A misbehaving API server, for the console's caps: lists in these namespaces answer every item whatever limit was
   * asked for (scoped to namespaces so tests sharing the sandbox are not affected).
   */
  readonly listFaults: ListFaults = { ignoreLimitIn: [] };
  /**
   * The HTTP requests this cluster's API server answered, by what they asked ("list backups", "watch backups",
   * "get backups/status", "GET /version" for paths outside the resources): what a client costs an idle cluster.
   */
  readonly requests = new Map<string, number>();
  /**
   * Rules reviews say their rules are incomplete, as on a server whose authorizers include one that cannot list rules
   * (a webhook, as on managed clusters): a client must then ask about what the rules do not allow one access review
   * at a time.
   */
  rulesReviewIncomplete = false;
  /**
   * What each pod's containers have written, by "<namespace>/<pod>/<container>" (a kubelet's log files). The simulator
   * and tests write them; GET pods/<name>/log reads them. A pod's logs go with the pod.
   */
  private readonly logs = new Map<string, string>();

  /** Appends to a container's log (a real container's stdout and stderr). */
  appendPodLog(namespace: string, pod: string, container: string, text: string): void {
    const key = `${namespace}/${pod}/${container}`;
    this.logs.set(key, (this.logs.get(key) ?? "") + text);
  }

  /**
   * A pod container's log as the kubelet serves it: `container` may be left out only for a pod with one container;
   * `limitBytes` counts from the start of the log, `tailLines` keeps the last lines.
   */
  podLog(namespace: string, pod: string, o: { container?: string; tailLines?: number; limitBytes?: number }): string {
    const podType = this.findType("", "v1", "pods")!;
    const obj = this.get(podType, namespace, pod);
    const spec = (obj.spec ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[] };
    const names = (spec.containers ?? []).map((c) => c.name);
    const all = [...names, ...(spec.initContainers ?? []).map((c) => c.name)];
    let container = o.container;
    if (!container) {
      if (names.length !== 1)
        throw new ApiError(
          400,
          "BadRequest",
          `a container name must be specified for pod ${pod}, choose one of: [${names.join(" ")}]`,
        );
      container = names[0];
    } else if (!all.includes(container))
      throw new ApiError(400, "BadRequest", `container ${container} is not valid for pod ${pod}`);
    let text = this.logs.get(`${namespace}/${pod}/${container}`) ?? "";
    if (o.tailLines !== undefined) {
      const lines = text.split(/(?<=\n)/);
      text = o.tailLines === 0 ? "" : lines.slice(-o.tailLines).join("");
    }
    if (o.limitBytes !== undefined) text = Buffer.from(text).subarray(0, o.limitBytes).toString();
    return text;
  }

  /** Forgets the logs of a pod that is gone. */
  forgetPodLogs(namespace: string, pod: string): void {
    for (const key of this.logs.keys()) if (key.startsWith(`${namespace}/${pod}/`)) this.logs.delete(key);
  }
  /** Open watch streams, so tests can end them all (as an apiserver restart or a proxy timeout would). */
  private readonly openWatches = new Set<() => void>();
  /** Called after every write, for the sandbox's controllers (Velero stand-in, kubelet, token controller). */
  private readonly reactors = new Set<(e: StoreEvent) => void>();

  constructor(readonly opts: ClusterOptions) {
    this.version = opts.kubernetesVersion ?? "v1.31.4";
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 5_000;
    for (const t of BUILTIN_TYPES) this.types.set(`${t.group}/${t.version}/${t.resource}`, t);
    this.tokens.set(opts.adminToken, { name: "sandbox-admin", groups: ["system:masters", "system:authenticated"] });
    this.store.subscribe((e) => {
      this.onWrite(e);
      for (const r of this.reactors) queueMicrotask(() => r(e));
    });
    this.bootstrap();
  }

  // ---- types -------------------------------------------------------------------------------------------------------

  findType(group: string, version: string, resource: string): ResourceType | undefined {
    return this.types.get(`${group}/${version}/${resource}`);
  }

  allTypes(): ResourceType[] {
    return [...this.types.values()];
  }

  typeFor(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    return this.allTypes().find((t) => t.group === group && t.version === version && t.kind === kind);
  }

  /** The type by group and resource, at its storage (or first) version. */
  typeOf(group: string, resource: string): ResourceType | undefined {
    const all = this.allTypes().filter((t) => t.group === group && t.resource === resource);
    return all.find((t) => t.storage) ?? all[0];
  }

  onReact(fn: (e: StoreEvent) => void): () => void {
    this.reactors.add(fn);
    return () => this.reactors.delete(fn);
  }

  // ---- authentication and authorization ----------------------------------------------------------------------------

  authenticate(token: string | undefined): UserInfo | null {
    if (!token) return null;
    const fixed = this.tokens.get(token);
    if (fixed) return fixed;
    // Service-account tokens: kubernetes.io/service-account-token Secrets (filled by the token controller below).
    for (const s of this.store.list(this.builtin("", "secrets"))) {
      if (s.type !== "kubernetes.io/service-account-token" || !s.data?.token) continue;
      if (Buffer.from(s.data.token, "base64").toString() !== token) continue;
      const ns = s.metadata.namespace!;
      const sa = s.metadata.annotations?.["kubernetes.io/service-account.name"];
      if (!sa || !this.store.get(this.builtin("", "serviceaccounts"), ns, sa)) return null;
      return {
        name: `system:serviceaccount:${ns}:${sa}`,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
      };
    }
    return null;
  }

  addToken(token: string, user: UserInfo) {
    this.tokens.set(token, user);
  }

  private rbacSource(): RbacSource {
    const t = (r: string) => this.builtin("rbac.authorization.k8s.io", r);
    return {
      clusterRoles: () => this.store.list(t("clusterroles")),
      clusterRoleBindings: () => this.store.list(t("clusterrolebindings")),
      roles: (ns) => this.store.list(t("roles"), ns),
      roleBindings: (ns) => this.store.list(t("rolebindings"), ns),
    };
  }

  authorize(user: UserInfo, a: Attributes): boolean {
    return authorize(this.rbacSource(), user, a);
  }

  rulesFor(user: UserInfo, ns: string) {
    return rulesFor(this.rbacSource(), user, ns);
  }

  /** A SelfSubjectRulesReview's answer (see `rulesReviewIncomplete`). */
  reviewRules(user: UserInfo, ns: string) {
    return { ...reviewRules(this.rbacSource(), user, ns), incomplete: this.rulesReviewIncomplete };
  }

  builtin(group: string, resource: string): ResourceType {
    return BUILTIN_TYPES.find((t) => t.group === group && t.resource === resource)!;
  }

  // ---- reads -------------------------------------------------------------------------------------------------------

  get(rt: ResourceType, ns: string | undefined, name: string): KObject {
    const o = this.store.get(rt, ns, name);
    if (!o) throw notFound(rt.resource, rt.group, name);
    return this.present(rt, o);
  }

  /** Served with this version's apiVersion and kind (versions of a CRD share storage; no conversion is modelled). */
  present(rt: ResourceType, o: KObject): KObject {
    return { ...o, apiVersion: groupVersion(rt), kind: rt.kind };
  }

  private matcher(rt: ResourceType, q: { labelSelector?: string; fieldSelector?: string }) {
    try {
      const labels = q.labelSelector ? parseLabelSelector(q.labelSelector) : [];
      const fields = q.fieldSelector ? parseFieldSelector(q.fieldSelector, fieldsFor(rt.fieldSelectors)) : () => true;
      return (o: KObject) => matchesLabels(labels, o.metadata.labels) && fields(o);
    } catch (e) {
      if (e instanceof SelectorError) throw badRequest(e.message);
      throw e;
    }
  }

  list(rt: ResourceType, ns: string | undefined, q: ListQuery = {}) {
    const match = this.matcher(rt, q);
    let listRV = this.store.currentRV;
    let after: string | undefined;
    if (q.continue) {
      let token: { rv: number; start: string };
      try {
        token = JSON.parse(Buffer.from(q.continue, "base64url").toString());
        if (typeof token.rv !== "number" || typeof token.start !== "string") throw new Error();
      } catch {
        throw badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
      }
      if (token.rv < this.store.oldestRV - 1) {
        throw gone(
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        );
      }
      listRV = token.rv;
      after = token.start;
    }
    const limit = q.limit && q.limit > 0 ? q.limit : Infinity;
    const items: KObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    let remaining = 0;
    for (const [k, o] of this.store.listFrom(rt, ns, after)) {
      if (!match(o)) continue;
      if (items.length >= limit) {
        more = true;
        remaining++;
        continue;
      }
      items.push(this.present(rt, clone(o)));
      lastKey = k;
    }
    const metadata: Record<string, unknown> = { resourceVersion: String(listRV) };
    if (more && lastKey !== undefined) {
      metadata.continue = Buffer.from(JSON.stringify({ rv: listRV, start: lastKey })).toString("base64url");
      if (!q.labelSelector && !q.fieldSelector) metadata.remainingItemCount = remaining;
    }
    return { kind: rt.listKind, apiVersion: groupVersion(rt), metadata, items };
  }

  /**
   * Refuses a watch from a version in this server's future (a client that knew an earlier server at this address) as
   * kube-apiserver's watch cache does, with 504 "Too large resource version", before any response is written.
   */
  checkWatchStart(resourceVersion: string | undefined): void {
    const from = Number(resourceVersion);
    if (resourceVersion && Number.isInteger(from) && from > this.store.currentRV) {
      throw new ApiError(
        504,
        "Timeout",
        `Timeout: Too large resource version: ${from}, current: ${this.store.currentRV}`,
      );
    }
  }

  /** Streams watch events until the returned stop() is called or the timeout elapses (then onEnd). */
  watch(
    rt: ResourceType,
    ns: string | undefined,
    q: WatchQuery,
    send: (e: WatchEvent) => void,
    onEnd: () => void,
  ): () => void {
    const match = this.matcher(rt, q);
    const key = resourceKey(rt);
    const inScope = (o: KObject) => !rt.namespaced || !ns || o.metadata.namespace === ns;
    const toEvent = (e: StoreEvent): WatchEvent | null => {
      if (e.key !== key || !inScope(e.object)) return null;
      const now = match(e.object);
      if (e.type === "MODIFIED" && e.old) {
        const before = match(e.old);
        if (before && now) return { type: "MODIFIED", object: this.present(rt, e.object) };
        if (before) return { type: "DELETED", object: this.present(rt, e.object) };
        if (now) return { type: "ADDED", object: this.present(rt, e.object) };
        return null;
      }
      return now ? { type: e.type, object: this.present(rt, e.object) } : null;
    };
    let stopped = false;
    const pending: StoreEvent[] = [];
    let replaying = true;
    const unsubscribe = this.store.subscribe((e) => (replaying ? pending.push(e) : deliver(e)));
    const deliver = (e: StoreEvent) => {
      if (stopped) return;
      const ev = toEvent(e);
      if (ev) send(ev);
    };
    const rv = q.resourceVersion;
    let lastRV = this.store.currentRV;
    if (!rv || rv === "0") {
      for (const o of this.store.list(rt, rt.namespaced ? ns : undefined))
        if (match(o)) send({ type: "ADDED", object: this.present(rt, o) });
    } else {
      const from = Number(rv);
      if (!Number.isInteger(from)) throw badRequest(`invalid resource version: ${rv}`);
      const history = this.store.since(from);
      if (history === "expired") {
        send({
          type: "ERROR",
          object: new ApiError(
            410,
            "Expired",
            `too old resource version: ${from} (${this.store.oldestRV - 1})`,
          ).toStatus(),
        });
        unsubscribe();
        queueMicrotask(onEnd);
        return () => {};
      }
      for (const e of history) deliver(e);
    }
    replaying = false;
    for (const e of pending.filter((p) => p.rv > lastRV)) deliver(e);
    lastRV = this.store.currentRV;
    const bookmark = q.allowWatchBookmarks
      ? setInterval(
          () =>
            send({
              type: "BOOKMARK",
              object: {
                kind: rt.kind,
                apiVersion: groupVersion(rt),
                metadata: { resourceVersion: String(this.store.currentRV) },
              },
            }),
          this.bookmarkIntervalMs,
        )
      : undefined;
    const timeout = setTimeout(() => stop(true), Math.min(q.timeoutSeconds ?? 1800, 3600) * 1000);
    const stop = (ended = false) => {
      if (stopped) return;
      stopped = true;
      this.openWatches.delete(end);
      unsubscribe();
      if (bookmark) clearInterval(bookmark);
      clearTimeout(timeout);
      if (ended) onEnd();
    };
    const end = () => stop(true);
    this.openWatches.add(end);
    return () => stop(false);
  }

  /** Ends every open watch cleanly; clients resume from their last resourceVersion. Returns how many were open. */
  dropWatches(): number {
    const all = [...this.openWatches];
    for (const end of all) end();
    return all.length;
  }

  // ---- writes ------------------------------------------------------------------------------------------------------

  create(
    rt: ResourceType,
    ns: string | undefined,
    body: unknown,
    opts: WriteOptions & { managed?: Managed } = {},
  ): KObject {
    if (VIRTUAL.has(rt.resource)) throw methodNotAllowed();
    const obj = this.checkBody(rt, body);
    if (opts.managed === undefined) this.decode(rt, obj, opts);
    const md = obj.metadata;
    const requestedName = md.name ?? md.generateName ?? "";
    if (rt.namespaced) {
      if (md.namespace && ns && md.namespace !== ns)
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      md.namespace = ns ?? md.namespace;
      if (!md.namespace) throw badRequest("the server could not find the requested resource: a namespace is required");
      const nsObj = this.store.get(this.builtin("", "namespaces"), undefined, md.namespace);
      if (!nsObj) throw notFound("namespaces", "", md.namespace);
      if (nsObj.metadata.deletionTimestamp) {
        throw new ApiError(
          403,
          "Forbidden",
          `${rt.kind.toLowerCase()}s "${md.name ?? md.generateName}" is forbidden: unable to create new content in namespace ${md.namespace} because it is being terminated`,
        );
      }
    } else delete md.namespace;
    if (!md.name) {
      if (!md.generateName)
        throw invalid(
          rt.kind,
          rt.group,
          "",
          [{ reason: "FieldValueRequired", message: "name or generateName is required", field: "metadata.name" }],
          `${rt.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
        );
      for (let i = 0; i < 8 && !md.name; i++) {
        const candidate = `${md.generateName}${generateSuffix()}`;
        if (!this.store.get(rt, md.namespace, candidate)) md.name = candidate;
      }
    }
    const problem = nameProblem(md.name!, rt.resource === "namespaces" ? "label" : "subdomain");
    if (problem)
      throw invalid(
        rt.kind,
        rt.group,
        md.name!,
        [{ reason: "FieldValueInvalid", message: `Invalid value: "${md.name}": ${problem}`, field: "metadata.name" }],
        `${rt.kind} "${md.name}" is invalid: metadata.name: Invalid value: "${md.name}": ${problem}`,
      );
    if (this.store.get(rt, md.namespace, md.name!)) throw alreadyExists(rt.resource, rt.group, md.name!);
    md.uid = crypto.randomUUID();
    md.creationTimestamp = now();
    md.generation = 1;
    delete md.resourceVersion;
    delete md.deletionTimestamp;
    const incomingManaged = md.managedFields;
    delete md.managedFields;
    // Ownership is taken from the request as sent, before the strategy fills anything in (as kube's create handler).
    const managed =
      opts.managed !== undefined
        ? opts.managed
        : opts.fieldManager
          ? recordUpdate(undefined, obj, incomingManaged, rootShape(rt), this.writer(rt, opts.fieldManager))
          : undefined;
    if (managed) md.managedFields = managed;
    if (rt.builtIn && rt.group === "" && rt.resource === "pods") {
      const nsObj = this.store.get(this.builtin("", "namespaces"), undefined, md.namespace!);
      const refusal = podSecurityRefusal({ ...obj, metadata: { ...md, name: requestedName } }, nsObj);
      if (refusal) throw new ApiError(403, "Forbidden", refusal);
    }
    this.prepareForCreate(rt, obj);
    const admitted = this.admit(rt, obj, true);
    if (opts.dryRun) return this.present(rt, { ...admitted, metadata: { ...admitted.metadata, resourceVersion: "" } });
    return this.present(rt, this.store.put(rt, admitted, "ADDED"));
  }

  update(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions & { subresource?: string } = {},
  ): KObject {
    const obj = this.checkBody(rt, body);
    this.decode(rt, obj, opts);
    if (obj.metadata.name && obj.metadata.name !== name)
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    const current = this.store.get(rt, ns, name);
    if (!current) throw notFound(rt.resource, rt.group, name);
    const rv = obj.metadata.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) throw conflict(rt.resource, rt.group, name);
    return this.write(rt, current, obj, opts);
  }

  patch(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    contentType: string,
    patchBody: unknown,
    opts: WriteOptions & { subresource?: string } = {},
  ): KObject {
    if (contentType.split(";")[0]!.trim().toLowerCase() === "application/apply-patch+yaml")
      return this.apply(rt, ns, name, patchBody, opts).object;
    const current = this.store.get(rt, ns, name);
    if (!current) throw notFound(rt.resource, rt.group, name);
    let patched: KObject;
    try {
      patched = applyPatch(contentType, this.present(rt, current), patchBody, {
        group: rt.group,
        kind: rt.kind,
        builtIn: rt.builtIn,
      });
    } catch (e) {
      if (e instanceof PatchError)
        throw new ApiError(
          e.status,
          e.status === 415
            ? "UnsupportedMediaType"
            : e.status === 409
              ? "Conflict"
              : e.status === 400
                ? "BadRequest"
                : "Invalid",
          e.message,
        );
      throw e;
    }
    if (!patched || typeof patched !== "object" || !patched.metadata)
      throw badRequest("the patch produced an object without metadata");
    this.decode(rt, patched, opts, { contentType, body: patchBody });
    const rv = patched.metadata.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) throw conflict(rt.resource, rt.group, name);
    if (patched.metadata.name !== name) throw badRequest("the patch may not change the name");
    return this.write(rt, current, patched, opts);
  }

  /**
   * Server-side apply (PATCH application/apply-patch+yaml): creates the object when absent, merges the applied
   * configuration by the type's schema, records the applier in managedFields, prunes what it stopped applying and
   * refuses to change fields other managers own (409) unless forced. `created` tells a create (201) from an update.
   */
  apply(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    body: unknown,
    opts: ApplyOptions = {},
  ): { object: KObject; created: boolean } {
    if (VIRTUAL.has(rt.resource)) throw methodNotAllowed();
    if (!opts.fieldManager)
      throw invalid(
        "PatchOptions",
        "meta.k8s.io",
        "",
        [
          {
            reason: "FieldValueRequired",
            message: "Required value: is required for apply patch",
            field: "fieldManager",
          },
        ],
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    if (!body || typeof body !== "object" || Array.isArray(body))
      throw badRequest("the apply configuration must be an object");
    const config = this.checkBody(rt, body);
    const md = config.metadata;
    if (md.managedFields !== undefined) throw badRequest("metadata.managedFields must be nil");
    if (md.name !== undefined && md.name !== name)
      throw badRequest(`the name of the object (${md.name}) does not match the name on the URL (${name})`);
    if (rt.namespaced && md.namespace && ns && md.namespace !== ns)
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    // The status subresource's reset fields: an apply to the main resource ignores status, even when it creates.
    if (rt.status && opts.subresource !== "status") delete config.status;
    const current = this.store.get(rt, ns, name);
    if (current && md.resourceVersion && md.resourceVersion !== current.metadata.resourceVersion)
      throw conflict(rt.resource, rt.group, name);
    if (!current && opts.subresource) throw notFound(rt.resource, rt.group, name);
    // The applied configuration is typed by the kind's schema first (structured-merge-diff's ObjectToTyped): a field
    // the schema lacks, or a value of the wrong type, fails the apply whatever fieldValidation says.
    const typeErrors = typedPatchErrors(rt, config, rootShape(rt, opts.subresource));
    if (typeErrors) throw typedPatchError(rt, ns, name, typeErrors);
    const writer = { ...this.writer(rt, opts.fieldManager, opts.subresource), force: Boolean(opts.force) };
    let result: KObject;
    try {
      result = serverSideApply(
        current && this.present(rt, current),
        config,
        rootShape(rt, opts.subresource),
        writer,
      ) as KObject;
    } catch (e) {
      if (e instanceof ApplyConflictError) throw new ApiError(409, "Conflict", e.message, { causes: e.causes });
      if (e instanceof ApplyShapeError) throw typedPatchError(rt, ns, name, e.message);
      throw e;
    }
    // The merged object is then converted to the kind's Go type, whose decoders refuse a bad quantity, time or base64
    // string (the schema above takes them as plain strings).
    const schema = builtinSchema(rt);
    const unconvertible = schema && checkValue(result, schema).error;
    if (unconvertible)
      throw new ApiError(
        500,
        "InternalError",
        `failed to convert new object (${objectName(rt, ns, name)}) to proper version: ${unconvertible.message}`,
      );
    const managed = (result.metadata.managedFields as Managed | undefined) ?? null;
    if (!current) {
      result.metadata = { ...result.metadata, name };
      return { object: this.create(rt, ns, result, { dryRun: opts.dryRun, managed }), created: true };
    }
    return {
      object: this.write(rt, current, result, { subresource: opts.subresource, dryRun: opts.dryRun, managed }),
      created: false,
    };
  }

  private writer(rt: ResourceType, manager: string, subresource?: string): Writer {
    return { manager, apiVersion: groupVersion(rt), subresource, now: now() };
  }

  /** The common tail of update and patch: immutable fields kept, status subresource rules, generation, finalizers. */
  private write(
    rt: ResourceType,
    current: KObject,
    incoming: KObject,
    opts: WriteOptions & { subresource?: string; managed?: Managed },
  ): KObject {
    if (opts.subresource && opts.subresource !== "status")
      throw notFound(`${rt.resource}/${opts.subresource}`, rt.group, current.metadata.name!);
    if (opts.subresource === "status" && !rt.status)
      throw notFound(`${rt.resource}/status`, rt.group, current.metadata.name!);
    let next: KObject;
    const incomingManaged = incoming.metadata?.managedFields;
    if (opts.subresource === "status") {
      next = { ...current, metadata: { ...current.metadata }, status: incoming.status };
      delete next.metadata.managedFields;
    } else {
      next = { ...incoming, metadata: { ...incoming.metadata } };
      if (rt.status) next.status = current.status;
      const md = next.metadata;
      for (const k of ["uid", "creationTimestamp", "namespace", "name", "deletionTimestamp", "generation"] as const)
        md[k] = current.metadata[k] as never;
      if (md.deletionTimestamp === undefined) delete md.deletionTimestamp;
      delete md.managedFields;
    }
    const managed =
      opts.managed !== undefined
        ? opts.managed
        : opts.fieldManager
          ? recordUpdate(
              current,
              next,
              incomingManaged,
              rootShape(rt, opts.subresource),
              this.writer(rt, opts.fieldManager, opts.subresource),
            )
          : (current.metadata.managedFields as Managed | undefined);
    if (managed) next.metadata.managedFields = managed;
    next.apiVersion = groupVersion(rt);
    next.kind = rt.kind;
    const admitted = this.admit(rt, next, false, opts.subresource);
    const ignored = rt.status ? ["metadata", "status", "apiVersion", "kind"] : ["metadata", "apiVersion", "kind"];
    if (withoutKeys(admitted, ignored) !== withoutKeys(current, ignored))
      admitted.metadata.generation = (current.metadata.generation ?? 1) + 1;
    if (opts.dryRun) return this.present(rt, admitted);
    if (admitted.metadata.deletionTimestamp && !admitted.metadata.finalizers?.length) {
      const gone = this.store.remove(rt, admitted.metadata.namespace, admitted.metadata.name!);
      return this.present(rt, gone ?? admitted);
    }
    return this.present(rt, this.store.put(rt, admitted, "MODIFIED"));
  }

  delete(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    opts: { preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: boolean } = {},
  ): KObject {
    const current = this.store.get(rt, ns, name);
    if (!current) throw notFound(rt.resource, rt.group, name);
    if (opts.preconditions?.uid && opts.preconditions.uid !== current.metadata.uid) {
      throw new ApiError(
        409,
        "Conflict",
        `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== current.metadata.resourceVersion)
      throw conflict(rt.resource, rt.group, name);
    if (opts.dryRun) return this.present(rt, current);
    if (rt.resource === "namespaces") return this.present(rt, this.terminateNamespace(current));
    if (current.metadata.finalizers?.length) {
      if (current.metadata.deletionTimestamp) return this.present(rt, current);
      current.metadata.deletionTimestamp = now();
      current.metadata.deletionGracePeriodSeconds = 0;
      return this.present(rt, this.store.put(rt, current, "MODIFIED"));
    }
    const removed = this.store.remove(rt, ns, name)!;
    if (rt.resource === "customresourcedefinitions") this.unregisterCrd(removed);
    if (rt.group === "" && rt.resource === "pods") this.forgetPodLogs(ns!, name);
    return this.present(rt, removed);
  }

  deleteCollection(rt: ResourceType, ns: string | undefined, q: ListQuery): KObject[] {
    const { items } = this.list(rt, ns, { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector });
    return items.map((o) => this.delete(rt, o.metadata.namespace, o.metadata.name!));
  }

  // ---- admission -----------------------------------------------------------------------------------------------------

  /**
   * Decodes a built-in object as kube's typed decoder does: a value of the wrong type is refused whatever
   * fieldValidation says; fields the kind does not declare are refused under Strict, dropped (with a warning) under
   * Warn, the default, and dropped silently under Ignore. A create or update body is refused with 400 "cannot be
   * handled as"; a patch's result with 422 on the field "patch" (kube's patch handler).
   */
  private decode(
    rt: ResourceType,
    obj: KObject,
    opts: WriteOptions,
    patch?: { contentType: string; body: unknown },
  ): void {
    const schema = builtinSchema(rt);
    if (!schema) return;
    const mode = opts.fieldValidation ?? "Warn";
    const r = checkValue(obj, schema, { drop: mode !== "Strict" });
    let failure: string | undefined;
    if (r.error) failure = r.error.message;
    else if (r.unknown.length) {
      const messages = r.unknown.map((p) => `unknown field ${goQuote(strictPath(p))}`);
      if (mode === "Strict") failure = `strict decoding error: ${messages.join(", ")}`;
      else if (mode === "Warn") opts.warnings?.push(...messages);
    }
    if (!failure) return;
    if (!patch) throw badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: ${failure}`);
    // The value kube shows: the patched object's JSON for JSON and merge patches, the patch map (Go's %+v) for a
    // strategic merge patch.
    const smp = patch.contentType.split(";")[0]!.trim().toLowerCase() === "application/strategic-merge-patch+json";
    const message = `Invalid value: ${goQuote(smp ? goValue(patch.body) : JSON.stringify(obj))}: ${failure}`;
    throw new ApiError(422, "Invalid", ` "" is invalid: patch: ${message}`, {
      causes: [{ reason: "FieldValueInvalid", message, field: "patch" }],
    });
  }

  private checkBody(rt: ResourceType, body: unknown): KObject {
    if (!body || typeof body !== "object" || Array.isArray(body))
      throw badRequest("the request body must be a JSON object");
    const obj = clone(body) as KObject;
    if (obj.kind && obj.kind !== rt.kind)
      throw badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${groupVersion(rt)})`,
      );
    if (obj.apiVersion && obj.apiVersion !== groupVersion(rt)) {
      const [g] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [""];
      if (g !== rt.group)
        throw badRequest(
          `the API version in the data (${obj.apiVersion}) does not match the expected API version (${groupVersion(rt)})`,
        );
    }
    obj.apiVersion = groupVersion(rt);
    obj.kind = rt.kind;
    obj.metadata = obj.metadata && typeof obj.metadata === "object" ? obj.metadata : {};
    return obj;
  }

  private prepareForCreate(rt: ResourceType, obj: KObject) {
    if (!rt.builtIn || !rt.status) return;
    // Built-ins with a status subresource start with the status their strategy gives them.
    switch (rt.resource) {
      case "namespaces":
        obj.status = { phase: "Active" };
        obj.spec = { finalizers: ["kubernetes"], ...(obj.spec ?? {}) };
        obj.metadata.labels = { ...(obj.metadata.labels ?? {}), "kubernetes.io/metadata.name": obj.metadata.name! };
        break;
      case "pods":
        obj.status = { phase: "Pending", qosClass: "BestEffort" };
        break;
      case "persistentvolumeclaims":
      case "persistentvolumes":
        obj.status = { phase: "Pending" };
        break;
      case "customresourcedefinitions":
        break;
      case "jobs":
        this.generateJobSelector(obj);
        obj.status = {};
        break;
      case "poddisruptionbudgets":
        // PodDisruptionBudgetStatus's counters have no omitempty: a new budget shows them as 0.
        obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
        break;
      default:
        obj.status = {};
    }
  }

  /**
   * The Job strategy's generateSelector (unless spec.manualSelector): the pod template gets the job-name and
   * controller-uid labels (legacy and batch.kubernetes.io/ forms), the selector matches the controller-uid, and a Job
   * without labels of its own shows its template's (the defaulting kube applies when it reads a Job back).
   */
  private generateJobSelector(job: KObject) {
    const spec = (job.spec ??= {});
    if (spec.manualSelector === true) return;
    const template = (spec.template ??= {});
    const tmd = (template.metadata ??= {});
    const labels: Record<string, string> = (tmd.labels ??= {});
    const { name, uid } = job.metadata;
    for (const k of ["job-name", "batch.kubernetes.io/job-name"]) labels[k] ??= name!;
    for (const k of ["controller-uid", "batch.kubernetes.io/controller-uid"]) labels[k] ??= uid!;
    spec.selector ??= {};
    spec.selector.matchLabels ??= {};
    spec.selector.matchLabels["batch.kubernetes.io/controller-uid"] ??= uid;
    if (!job.metadata.labels || Object.keys(job.metadata.labels).length === 0) job.metadata.labels = { ...labels };
  }

  private admit(rt: ResourceType, obj: KObject, isCreate: boolean, subresource?: string): KObject {
    if (rt.resource === "customresourcedefinitions" && rt.group === "apiextensions.k8s.io") return this.admitCrd(obj);
    if (rt.builtIn) {
      const problems = subresource ? [] : builtinProblems(rt, obj);
      if (problems.length) {
        const name = obj.metadata.name ?? "";
        throw invalid(
          rt.kind,
          rt.group,
          name,
          statusCauses(problems),
          invalidMessage(rt.kind, rt.group, name, problems),
        );
      }
      return defaultWorkload(rt, obj);
    }
    if (!rt.schema) return obj;
    const r = admitCustomResource(obj, rt.schema, { isCreate });
    if (r.errors.length)
      throw invalid(
        rt.kind,
        rt.group,
        obj.metadata.name ?? "",
        statusCauses(r.errors),
        invalidMessage(rt.kind, rt.group, obj.metadata.name ?? "", r.errors),
      );
    return { ...r.object, metadata: obj.metadata, apiVersion: obj.apiVersion, kind: obj.kind };
  }

  // ---- CRDs ----------------------------------------------------------------------------------------------------------

  private admitCrd(crd: KObject): KObject {
    const spec = crd.spec ?? {};
    const names = spec.names ?? {};
    const causes: { reason: string; message: string; field: string }[] = [];
    if (!spec.group) causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.group" });
    if (!names.plural)
      causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.names.plural" });
    if (!names.kind) causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.names.kind" });
    if (!["Namespaced", "Cluster"].includes(spec.scope))
      causes.push({
        reason: "FieldValueNotSupported",
        message: `Unsupported value: "${spec.scope}": supported values: "Cluster", "Namespaced"`,
        field: "spec.scope",
      });
    if (!Array.isArray(spec.versions) || !spec.versions.length)
      causes.push({
        reason: "FieldValueRequired",
        message: "Required value: must have exactly one version marked as storage version",
        field: "spec.versions",
      });
    if (spec.group && names.plural && crd.metadata.name !== `${names.plural}.${spec.group}`) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group`,
        field: "metadata.name",
      });
    }
    if (causes.length) {
      throw invalid(
        "CustomResourceDefinition",
        "apiextensions.k8s.io",
        crd.metadata.name ?? "",
        causes,
        `CustomResourceDefinition.apiextensions.k8s.io "${crd.metadata.name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`,
      );
    }
    this.registerCrd(crd);
    const t = now();
    crd.status = {
      conditions: [
        {
          type: "NamesAccepted",
          status: "True",
          reason: "NoConflicts",
          message: "no conflicts found",
          lastTransitionTime: t,
        },
        {
          type: "Established",
          status: "True",
          reason: "InitialNamesAccepted",
          message: "the initial names have been accepted",
          lastTransitionTime: t,
        },
      ],
      acceptedNames: {
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        shortNames: names.shortNames,
        categories: names.categories,
      },
      storedVersions: spec.versions.filter((v: any) => v.storage).map((v: any) => v.name),
    };
    return crd;
  }

  private registerCrd(crd: KObject) {
    const { group, names, scope, versions } = crd.spec;
    for (const k of [...this.types.keys()])
      if (k.startsWith(`${group}/`) && this.types.get(k)!.resource === names.plural && !this.types.get(k)!.builtIn)
        this.types.delete(k);
    for (const v of versions as any[]) {
      if (!v.served) continue;
      this.types.set(`${group}/${v.name}/${names.plural}`, {
        group,
        version: v.name,
        resource: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        namespaced: scope === "Namespaced",
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
        status: Boolean(v.subresources?.status),
        builtIn: false,
        schema: v.schema?.openAPIV3Schema,
        printerColumns: v.additionalPrinterColumns,
        storage: Boolean(v.storage),
      });
    }
  }

  private unregisterCrd(crd: KObject) {
    const { group, names } = crd.spec;
    const rt = this.typeOf(group, names.plural);
    if (rt) this.store.dropType(rt);
    for (const [k, t] of [...this.types])
      if (!t.builtIn && t.group === group && t.resource === names.plural) this.types.delete(k);
  }

  // ---- namespaces, bootstrap and built-in controllers --------------------------------------------------------------

  private terminateNamespace(ns: KObject): KObject {
    const nsType = this.builtin("", "namespaces");
    if (!ns.metadata.deletionTimestamp) {
      ns.metadata.deletionTimestamp = now();
      ns.status = { ...(ns.status ?? {}), phase: "Terminating" };
      ns = this.store.put(nsType, ns, "MODIFIED");
    }
    const name = ns.metadata.name!;
    // The namespace controller: delete the content (finalizers on content are ignored here), then the namespace.
    setTimeout(() => {
      for (const t of this.allTypes()) {
        if (!t.namespaced || VIRTUAL.has(t.resource) || (t.storage === false && !t.builtIn)) continue;
        for (const o of this.store.list(t, name)) this.store.remove(t, name, o.metadata.name!);
      }
      this.store.remove(nsType, undefined, name);
    }, 50);
    return ns;
  }

  private onWrite(e: StoreEvent) {
    if (e.type !== "ADDED") return;
    const md = e.object.metadata;
    // Every namespace gets a "default" ServiceAccount; token Secrets get their token (the token controller).
    if (e.key === "/namespaces")
      queueMicrotask(() =>
        this.ensure("", "serviceaccounts", md.name!, "default", {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: "default", namespace: md.name },
        }),
      );
    if (e.key === "/secrets" && e.object.type === "kubernetes.io/service-account-token" && !e.object.data?.token) {
      queueMicrotask(() => {
        const rt = this.builtin("", "secrets");
        const s = this.store.get(rt, md.namespace, md.name!);
        if (!s) return;
        s.data = {
          ...(s.data ?? {}),
          token: Buffer.from(`sbx-${crypto.randomBytes(24).toString("base64url")}`).toString("base64"),
          namespace: Buffer.from(md.namespace!).toString("base64"),
        };
        this.store.put(rt, s, "MODIFIED");
      });
    }
  }

  /** Create if missing (used by bootstrap, seeding and controllers). */
  ensure(group: string, resource: string, ns: string | undefined, name: string, obj: KObject): KObject {
    const rt = this.typeOf(group, resource)!;
    const existing = this.store.get(rt, ns, name);
    return existing ? this.present(rt, existing) : this.create(rt, ns, obj);
  }

  private bootstrap() {
    for (const n of ["default", "kube-system", "kube-public", "kube-node-lease"])
      this.ensure("", "namespaces", undefined, n, { metadata: { name: n } });
    const rbac = "rbac.authorization.k8s.io";
    const cr = (name: string, rules: unknown[]) =>
      this.ensure(rbac, "clusterroles", undefined, name, {
        apiVersion: `${rbac}/v1`,
        kind: "ClusterRole",
        metadata: { name, labels: { "kubernetes.io/bootstrapping": "rbac-defaults" } },
        rules,
      });
    cr("cluster-admin", [
      { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
      { nonResourceURLs: ["*"], verbs: ["*"] },
    ]);
    cr("view", [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"] }]);
    cr("edit", [
      {
        apiGroups: ["*"],
        resources: ["*"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
      },
    ]);
    this.ensure(rbac, "clusterrolebindings", undefined, "cluster-admin", {
      apiVersion: `${rbac}/v1`,
      kind: "ClusterRoleBinding",
      metadata: { name: "cluster-admin" },
      roleRef: { apiGroup: rbac, kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ apiGroup: rbac, kind: "Group", name: "system:masters" }],
    });
  }

  /** Label selector from a metav1.LabelSelector object, for controllers (the Velero stand-in). */
  static selectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
    return matchesLabels(labelSelectorFromObject(sel as never), labels);
  }
}

/** An applied configuration the schema cannot type: kube-apiserver answers 500 (kubernetes/kubernetes#122480). */
function typedPatchError(rt: ResourceType, ns: string | undefined, name: string, message: string): ApiError {
  return new ApiError(
    500,
    "InternalError",
    `failed to create typed patch object (${objectName(rt, ns, name)}): ${message}`,
  );
}

/** An object as the field manager's errors name it: "ns/name; apps/v1, Kind=Deployment". */
const objectName = (rt: ResourceType, ns: string | undefined, name: string) =>
  `${rt.namespaced ? `${ns}/` : "/"}${name}; ${groupVersion(rt)}, Kind=${rt.kind}`;

export { qualified };
