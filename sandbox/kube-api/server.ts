import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { Cluster, FIELD_VALIDATIONS, type FieldValidation } from "./cluster";
import { ApiError, badRequest, forbidden, methodNotAllowed, notFound, unauthorized } from "./errors";
import { escalationRefusal, RBAC_ESCALATION_CHECKED, type Attributes, type RbacSource, type UserInfo } from "./rbac";
import { toTable, wantsTable } from "./table";
import { groupVersion, type KObject, type ResourceType } from "./types";
import { VIRTUAL } from "./builtins";
import { openApiV3Root, openApiV3Doc } from "./openapi";
import { parse as parseYaml } from "yaml";
import { PATCH_TYPES } from "./patch";

// The HTTP face of one sandbox cluster: discovery, resource paths, watch streams and metav1.Status errors, spoken as
// kube-apiserver speaks them, so that kubectl and @kubernetes/client-node work unchanged.
export interface ServeOptions {
  port?: number;
  host?: string;
  tls?: { key: string; cert: string };
}

const MAX_BODY = 3 * 1024 * 1024;

function send(res: http.ServerResponse, code: number, body: unknown, warnings: readonly string[] = []) {
  const text = JSON.stringify(body);
  // RFC 7234 warn-value with kube's agent "-": 299 - "text" (kubectl prints "Warning: text"); each once.
  if (warnings.length)
    res.setHeader(
      "Warning",
      [...new Set(warnings)].map((w) => `299 - "${w.replace(/[\\"]/g, (c) => `\\${c}`)}"`),
    );
  res.writeHead(code, {
    "Content-Type": "application/json",
    "Cache-Control": "no-cache, private",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new ApiError(413, "RequestEntityTooLarge", "the request is too large"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

function resourceList(cluster: Cluster, group: string, version: string) {
  const types = cluster.allTypes().filter((t) => t.group === group && t.version === version);
  const resources: object[] = [];
  for (const t of types) {
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
    });
    if (t.status)
      resources.push({
        name: `${t.resource}/status`,
        singularName: "",
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ["get", "patch", "update"],
      });
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

function groupList(cluster: Cluster) {
  const byGroup = new Map<string, string[]>();
  for (const t of cluster.allTypes()) {
    if (!t.group) continue;
    const vs = byGroup.get(t.group) ?? [];
    if (!vs.includes(t.version)) vs.push(t.version);
    byGroup.set(t.group, vs);
  }
  const groups = [...byGroup].map(([name, versions]) => {
    const sorted = versions.sort((a, b) => (a < b ? 1 : -1)); // v2alpha1 < v1 lexically reversed: prefer v1 over v1beta1 over v2alpha1
    const preferred = sorted.find((v) => /^v\d+$/.test(v)) ?? sorted[0];
    return {
      name,
      versions: sorted.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred },
    };
  });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

interface Target {
  rt: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function resolveTarget(cluster: Cluster, group: string, version: string, rest: string[]): Target {
  let namespace: string | undefined;
  let parts = rest;
  const nsType = cluster.findType("", "v1", "namespaces");
  if (
    group === "" &&
    parts[0] === "namespaces" &&
    (parts.length <= 2 || (parts.length === 3 && (parts[2] === "status" || parts[2] === "finalize")))
  ) {
    return { rt: nsType!, name: parts[1], subresource: parts[2] };
  }
  if (parts[0] === "namespaces" && parts.length >= 3) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const [resource, name, subresource, ...extra] = parts;
  const rt = cluster.findType(group, version, resource);
  if (!rt || extra.length || (namespace && !rt.namespaced))
    throw new ApiError(404, "NotFound", "the server could not find the requested resource");
  return { rt, namespace, name, subresource };
}

export function handler(cluster: Cluster) {
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    // Warnings the request earned; sent with its response, a refusal included (as kube's warning recorder does).
    const warnings: string[] = [];
    // What the request asked, for cluster.requests: the path until it names a resource, then the verb and resource.
    let asked = `${req.method ?? "GET"} ${(req.url ?? "/").split("?")[0]}`;
    try {
      const url = new URL(req.url ?? "/", "http://sandbox");
      const path = url.pathname.replace(/\/+$/, "") || "/";
      const q = url.searchParams;
      // Health endpoints answer anonymously, as the real server's system:public-info-viewer allows.
      if (["/healthz", "/livez", "/readyz"].includes(path)) {
        res.writeHead(200, { "Content-Type": "text/plain" });
        return res.end("ok");
      }
      const auth = req.headers.authorization;
      const user = cluster.authenticate(auth?.startsWith("Bearer ") ? auth.slice(7).trim() : undefined);
      if (!user) throw unauthorized();
      const method = req.method ?? "GET";

      const nonResource = (p: string) => {
        if (method !== "GET") throw methodNotAllowed();
        if (!cluster.authorize(user, { kind: "nonResource", verb: "get", path: p }))
          throw new ApiError(403, "Forbidden", `forbidden: User "${user.name}" cannot get path "${p}"`);
      };
      if (path.startsWith("/sandbox/v1/")) {
        if (method !== "POST") throw methodNotAllowed();
        if (!user.groups.includes("system:masters"))
          throw new ApiError(403, "Forbidden", "sandbox controls are for the cluster admin");
        const control = cluster.controls.get(path.slice("/sandbox/v1/".length));
        if (!control) throw new ApiError(404, "NotFound", "no such sandbox control");
        return send(res, 200, (await control(parseJson(await readBody(req)) ?? {})) ?? {});
      }
      if (path === "/version") {
        nonResource(path);
        const [major, minor] = cluster.version.replace(/^v/, "").split(".");
        return send(res, 200, {
          major,
          minor,
          gitVersion: cluster.version,
          gitCommit: "sandbox",
          gitTreeState: "clean",
          buildDate: "2026-01-01T00:00:00Z",
          goVersion: "go1.23",
          compiler: "gc",
          platform: "linux/amd64",
        });
      }
      if (path === "/api") {
        nonResource(path);
        return send(res, 200, {
          kind: "APIVersions",
          versions: ["v1"],
          serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: req.headers.host ?? "" }],
        });
      }
      if (path === "/apis") {
        nonResource(path);
        return send(res, 200, groupList(cluster));
      }
      if (path === "/openapi/v3") {
        nonResource(path);
        return send(res, 200, openApiV3Root(cluster));
      }
      if (path.startsWith("/openapi/v3/")) {
        nonResource(path);
        const doc = openApiV3Doc(cluster, path.slice("/openapi/v3/".length));
        if (!doc) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        return send(res, 200, doc);
      }
      const segs = path.split("/").filter(Boolean).map(decodeURIComponent);
      let group: string;
      let version: string;
      let rest: string[];
      if (segs[0] === "api" && segs[1] === "v1") [group, version, rest] = ["", "v1", segs.slice(2)];
      else if (segs[0] === "apis" && segs.length >= 2) {
        if (segs.length === 2) {
          nonResource(path);
          const g = groupList(cluster).groups.find((x) => x.name === segs[1]);
          if (!g) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
          return send(res, 200, { kind: "APIGroup", apiVersion: "v1", ...g });
        }
        [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
      } else throw new ApiError(404, "NotFound", "the server could not find the requested resource");

      if (rest.length === 0) {
        nonResource(path);
        if (!cluster.allTypes().some((t) => t.group === group && t.version === version))
          throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        return send(res, 200, resourceList(cluster, group, version));
      }

      const target = resolveTarget(cluster, group, version, rest);
      const { rt, namespace, name, subresource } = target;
      const watch = q.get("watch") === "true" || q.get("watch") === "1";
      const verb =
        method === "GET"
          ? name
            ? "get"
            : watch
              ? "watch"
              : "list"
          : method === "POST"
            ? "create"
            : method === "PUT"
              ? "update"
              : method === "PATCH"
                ? "patch"
                : method === "DELETE"
                  ? name
                    ? "delete"
                    : "deletecollection"
                  : null;
      if (!verb) throw methodNotAllowed();
      asked = `${verb} ${rt.resource}${subresource ? `/${subresource}` : ""}`;
      if (!rt.verbs.includes(verb) && !(subresource === "status" && ["get", "update", "patch"].includes(verb)))
        throw methodNotAllowed();
      if (!name && ["update", "patch"].includes(verb)) throw methodNotAllowed();
      const attrs: Attributes = {
        kind: "resource",
        verb,
        group: rt.group,
        resource: rt.resource,
        subresource,
        namespace,
        name,
      };
      if (!cluster.authorize(user, attrs))
        throw forbidden(
          user.name,
          verb,
          subresource ? `${rt.resource}/${subresource}` : rt.resource,
          rt.group,
          namespace,
          name,
        );

      // Escalation prevention, as kube's RBAC storage does it: a write of a role or binding is checked against what
      // it would store (a dry run of the same write for updates, patches and applies). Only requests through this
      // server are checked; the sandbox's own writes (seed, simulator, Velero stand-in) go to the Cluster directly.
      const rbacChecked =
        rt.group === "rbac.authorization.k8s.io" &&
        RBAC_ESCALATION_CHECKED.has(rt.resource) &&
        !subresource &&
        !user.groups.includes("system:masters");
      const stored = () => {
        const o = rbacChecked ? cluster.store.get(rt, namespace, name!) : undefined;
        return o && cluster.present(rt, o);
      };
      const guardRbac = (object: KObject, old: KObject | undefined, ns = namespace) => {
        if (!rbacChecked) return;
        const refusal = escalationRefusal(rbacSourceOf(cluster), user, {
          resource: rt.resource,
          namespace: ns,
          name,
          object,
          old,
        });
        if (refusal) throw refusal;
      };
      const dryRun = q.getAll("dryRun").includes("All");
      const fieldValidation = ["create", "update", "patch"].includes(verb)
        ? fieldValidationOf(q.get("fieldValidation"), verb)
        : undefined;
      const fieldManager = writerName(q.get("fieldManager"), req.headers["user-agent"]);
      const accept = req.headers.accept;
      const includeObject = (q.get("includeObject") as "None" | "Metadata" | "Object" | null) ?? "Metadata";

      if (VIRTUAL.has(rt.resource)) {
        if (verb !== "create") throw methodNotAllowed();
        const body = parseJson(await readBody(req)) as KObject;
        return send(res, 201, review(cluster, user, rt, body));
      }

      if (subresource === "log") {
        // A pod's log, as text (kubectl logs, client-node's readNamespacedPodLog); nothing else has a log.
        if (rt.group !== "" || rt.resource !== "pods" || verb !== "get")
          throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        const count = (key: string) => {
          const v = q.get(key);
          if (v === null) return undefined;
          if (!/^\d{1,12}$/.test(v)) throw badRequest(`invalid ${key}: ${v}`);
          return Number(v);
        };
        const text = cluster.podLog(namespace!, name!, {
          container: q.get("container") ?? undefined,
          tailLines: count("tailLines"),
          limitBytes: count("limitBytes"),
        });
        res.writeHead(200, {
          "Content-Type": "text/plain",
          "Cache-Control": "no-cache, private",
          "Content-Length": Buffer.byteLength(text),
        });
        return res.end(text);
      }

      switch (verb) {
        case "get": {
          const o = cluster.get(rt, namespace, name!);
          return send(
            res,
            200,
            wantsTable(accept) ? toTable(rt, [o], { resourceVersion: o.metadata.resourceVersion }, includeObject) : o,
          );
        }
        case "list": {
          const limit = q.get("limit") ? Number(q.get("limit")) : undefined;
          if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
            throw badRequest(`invalid limit: ${q.get("limit")}`);
          const ignoreLimit = namespace !== undefined && cluster.listFaults.ignoreLimitIn.includes(namespace);
          const list = cluster.list(rt, namespace, {
            labelSelector: q.get("labelSelector") ?? undefined,
            fieldSelector: q.get("fieldSelector") ?? undefined,
            limit: ignoreLimit ? undefined : limit,
            continue: q.get("continue") ?? undefined,
          });
          return send(res, 200, wantsTable(accept) ? toTable(rt, list.items, list.metadata, includeObject) : list);
        }
        case "watch":
          return streamWatch(cluster, rt, namespace, q, req, res, wantsTable(accept), includeObject);
        case "create": {
          const body = parseJson(await readBody(req));
          if (isObject(body)) guardRbac(body, undefined, namespace ?? body.metadata?.namespace);
          const created = cluster.create(rt, namespace, body, { dryRun, fieldManager, fieldValidation, warnings });
          return send(res, 201, created, warnings);
        }
        case "update": {
          const body = parseJson(await readBody(req));
          const current = stored();
          if (current)
            guardRbac(
              cluster.update(rt, namespace, name!, body, { subresource, dryRun: true, fieldManager, fieldValidation }),
              current,
            );
          const updated = cluster.update(rt, namespace, name!, body, {
            subresource,
            dryRun,
            fieldManager,
            fieldValidation,
            warnings,
          });
          return send(res, 200, updated, warnings);
        }
        case "patch": {
          const ct = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
          const text = await readBody(req);
          const force = q.get("force");
          if (ct === PATCH_TYPES.apply) {
            let body: unknown;
            try {
              body = parseYaml(text);
            } catch (e) {
              throw badRequest(`the request body is not valid YAML: ${(e as Error).message}`);
            }
            const applyOpts = {
              subresource,
              dryRun,
              fieldManager: q.get("fieldManager") ?? undefined,
              force: force === "true" || force === "1",
            };
            // An apply that creates is authorized as create as well as patch (kube's createValidation on the patch
            // path, after the patch is applied and validated; kubernetes/kubernetes#64892).
            const current = cluster.store.get(rt, namespace, name!);
            const mayCreate = Boolean(current) || cluster.authorize(user, { ...attrs, verb: "create" });
            if (!mayCreate || rbacChecked) {
              const preview = cluster.apply(rt, namespace, name!, body, { ...applyOpts, dryRun: true });
              guardRbac(preview.object, current && cluster.present(rt, current));
              if (preview.created && !mayCreate)
                throw forbidden(user.name, "create", rt.resource, rt.group, namespace, name);
            }
            const applied = cluster.apply(rt, namespace, name!, body, applyOpts);
            return send(res, applied.created ? 201 : 200, applied.object);
          }
          if (force !== null)
            throw new ApiError(
              422,
              "Invalid",
              'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
              {
                group: "meta.k8s.io",
                kind: "PatchOptions",
                causes: [
                  {
                    reason: "FieldValueForbidden",
                    message: "Forbidden: may not be specified for non-apply patch",
                    field: "force",
                  },
                ],
              },
            );
          const body = parseJson(text);
          const current = stored();
          if (current)
            guardRbac(
              cluster.patch(rt, namespace, name!, ct, body, {
                subresource,
                dryRun: true,
                fieldManager,
                fieldValidation,
              }),
              current,
            );
          const patched = cluster.patch(rt, namespace, name!, ct, body, {
            subresource,
            dryRun,
            fieldManager,
            fieldValidation,
            warnings,
          });
          return send(res, 200, patched, warnings);
        }
        case "delete": {
          const opts = (parseJson(await readBody(req)) ?? {}) as {
            preconditions?: { uid?: string; resourceVersion?: string };
          };
          const o = cluster.delete(rt, namespace, name!, { preconditions: opts.preconditions, dryRun });
          if (!rt.builtIn || o.metadata.deletionTimestamp) return send(res, 200, o);
          return send(res, 200, {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Success",
            details: { name: o.metadata.name, group: rt.group, kind: rt.resource, uid: o.metadata.uid },
          });
        }
        case "deletecollection": {
          const items = cluster.deleteCollection(rt, namespace, {
            labelSelector: q.get("labelSelector") ?? undefined,
            fieldSelector: q.get("fieldSelector") ?? undefined,
          });
          return send(res, 200, {
            kind: rt.listKind,
            apiVersion: groupVersion(rt),
            metadata: { resourceVersion: String(cluster.store.currentRV) },
            items,
          });
        }
      }
    } catch (err) {
      const e =
        err instanceof ApiError
          ? err
          : new ApiError(500, "InternalError", `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
      if (!res.headersSent) send(res, e.code, e.toStatus(), warnings);
      else res.end();
    } finally {
      cluster.requests.set(asked, (cluster.requests.get(asked) ?? 0) + 1);
    }
  };
}

/**
 * The fieldValidation parameter of a create, update or patch: Strict, Warn or Ignore (absent or empty: Warn). Any
 * other value is refused as kube's ValidateCreateOptions / UpdateOptions / PatchOptions refuse it.
 */
function fieldValidationOf(param: string | null, verb: string): FieldValidation {
  if (!param) return "Warn";
  if ((FIELD_VALIDATIONS as readonly string[]).includes(param)) return param as FieldValidation;
  const kind = verb === "create" ? "CreateOptions" : verb === "update" ? "UpdateOptions" : "PatchOptions";
  const message = `Unsupported value: ${JSON.stringify(param)}: supported values: "", "Ignore", "Strict", "Warn"`;
  throw new ApiError(422, "Invalid", `${kind}.meta.k8s.io "" is invalid: fieldValidation: ${message}`, {
    group: "meta.k8s.io",
    kind,
    causes: [{ reason: "FieldValueNotSupported", message, field: "fieldValidation" }],
  });
}

const isObject = (v: unknown): v is KObject => Boolean(v) && typeof v === "object" && !Array.isArray(v);

/** The roles and bindings as stored, for the escalation checks (the same objects the Cluster authorizes with). */
function rbacSourceOf(cluster: Cluster): RbacSource {
  const t = (r: string) => cluster.builtin("rbac.authorization.k8s.io", r);
  return {
    clusterRoles: () => cluster.store.list(t("clusterroles")),
    clusterRoleBindings: () => cluster.store.list(t("clusterrolebindings")),
    roles: (ns) => cluster.store.list(t("roles"), ns),
    roleBindings: (ns) => cluster.store.list(t("rolebindings"), ns),
  };
}

/**
 * The manager a write is recorded under: the fieldManager parameter, else the User-Agent up to its first "/" (as
 * kube-apiserver's managerOrUserAgent). At most 128 characters.
 */
function writerName(param: string | null, userAgent: string | undefined): string | undefined {
  if (param !== null) {
    if (param.length > 128)
      throw new ApiError(
        422,
        "Invalid",
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be longer than 128',
      );
    if (param) return param;
  }
  const fromAgent = (userAgent ?? "").split("/")[0]!.slice(0, 128);
  return fromAgent || undefined;
}

function streamWatch(
  cluster: Cluster,
  rt: ResourceType,
  ns: string | undefined,
  q: URLSearchParams,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  table: boolean,
  includeObject: "None" | "Metadata" | "Object",
) {
  let first = true;
  const write = (e: { type: string; object: unknown }) => {
    let object = e.object;
    if (table && (e.type === "ADDED" || e.type === "MODIFIED" || e.type === "DELETED")) {
      const o = object as KObject;
      object = toTable(rt, [o], { resourceVersion: o.metadata.resourceVersion }, includeObject, first);
      first = false;
    }
    res.write(JSON.stringify({ type: e.type, object }) + "\n");
  };
  cluster.checkWatchStart(q.get("resourceVersion") ?? undefined);
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders();
  const stop = cluster.watch(
    rt,
    ns,
    {
      labelSelector: q.get("labelSelector") ?? undefined,
      fieldSelector: q.get("fieldSelector") ?? undefined,
      resourceVersion: q.get("resourceVersion") ?? undefined,
      allowWatchBookmarks: q.get("allowWatchBookmarks") === "true",
      timeoutSeconds: q.get("timeoutSeconds") ? Number(q.get("timeoutSeconds")) : undefined,
    },
    write,
    () => res.end(),
  );
  req.on("close", stop);
  res.on("close", stop);
}

function review(cluster: Cluster, user: UserInfo, rt: ResourceType, body: KObject) {
  const base = {
    apiVersion: groupVersion(rt),
    kind: rt.kind,
    metadata: { creationTimestamp: null },
    spec: body?.spec ?? {},
  };
  if (rt.resource === "selfsubjectreviews")
    return { ...base, status: { userInfo: { username: user.name, groups: user.groups } } };
  if (rt.resource === "selfsubjectaccessreviews") {
    const r = body?.spec?.resourceAttributes;
    const n = body?.spec?.nonResourceAttributes;
    if (!r && !n) throw badRequest("exactly one of nonResourceAttributes or resourceAttributes must be specified");
    const allowed = r
      ? cluster.authorize(user, {
          kind: "resource",
          verb: r.verb ?? "",
          group: r.group ?? "",
          resource: r.resource ?? "",
          subresource: r.subresource || undefined,
          namespace: r.namespace || undefined,
          name: r.name || undefined,
        })
      : cluster.authorize(user, { kind: "nonResource", verb: n.verb ?? "", path: n.path ?? "" });
    return { ...base, status: { allowed, ...(allowed ? { reason: "allowed by RBAC" } : {}) } };
  }
  const ns = body?.spec?.namespace;
  if (!ns) throw badRequest("no namespace on request");
  const { rules, errors, incomplete } = cluster.reviewRules(user, ns);
  return {
    ...base,
    status: {
      resourceRules: rules
        .filter((r) => !r.nonResourceURLs)
        .map((r) => ({
          verbs: r.verbs,
          apiGroups: r.apiGroups ?? [],
          resources: r.resources ?? [],
          ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
        })),
      nonResourceRules: rules
        .filter((r) => r.nonResourceURLs)
        .map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
      incomplete,
      ...(errors.length ? { evaluationError: errors.join(", ") } : {}),
    },
  };
}

export async function serveCluster(
  cluster: Cluster,
  opts: ServeOptions = {},
): Promise<{ url: string; close: () => Promise<void>; server: http.Server }> {
  const h = handler(cluster);
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, h) : http.createServer(h);
  server.keepAliveTimeout = 65_000;
  // Every socket, so closing really ends open watch streams (closeAllConnections alone leaves TLS streams of watches open).
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `${opts.tls ? "https" : "http"}://${opts.host ?? "127.0.0.1"}:${port}`;
  return {
    url,
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}

export { notFound };
