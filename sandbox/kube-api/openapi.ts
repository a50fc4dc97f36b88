import crypto from "node:crypto";
import type { Cluster } from "./cluster";

// A minimal OpenAPI v3 surface: the root index and, per group-version, the paths with their operations and the
// `fieldValidation` parameter. kubectl reads this to learn that the server validates fields itself (it then sends
// `fieldValidation=Strict` instead of validating client-side against schemas the sandbox does not publish).
const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

function gvs(cluster: Cluster) {
  const set = new Map<string, { group: string; version: string }>();
  for (const t of cluster.allTypes()) set.set(gvPath(t.group, t.version), { group: t.group, version: t.version });
  return set;
}

export function openApiV3Root(cluster: Cluster) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [p] of gvs(cluster)) {
    const hash = crypto
      .createHash("sha256")
      .update(
        JSON.stringify(
          cluster
            .allTypes()
            .filter((t) => gvPath(t.group, t.version) === p)
            .map((t) => [t.resource, t.kind]),
        ),
      )
      .digest("hex")
      .slice(0, 32)
      .toUpperCase();
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}

const param = (name: string, where = "query") => ({ name, in: where, schema: { type: "string", uniqueItems: true } });

export function openApiV3Doc(cluster: Cluster, p: string) {
  const gv = gvs(cluster).get(p);
  if (!gv) return null;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const t of cluster.allTypes().filter((x) => x.group === gv.group && x.version === gv.version)) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const base = `/${p}${t.namespaced ? "/namespaces/{namespace}" : ""}/${t.resource}`;
    const op = (action: string, params: string[]) => ({
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": gvk,
      parameters: params.map((n) => param(n)),
      responses: { "200": { description: "OK" } },
    });
    paths[base] = {
      get: op("list", ["labelSelector", "fieldSelector", "limit", "continue", "watch"]),
      post: op("post", ["dryRun", "fieldManager", "fieldValidation"]),
    };
    paths[`${base}/{name}`] = {
      get: op("get", []),
      put: op("put", ["dryRun", "fieldManager", "fieldValidation"]),
      patch: op("patch", ["dryRun", "fieldManager", "fieldValidation", "force"]),
      delete: op("delete", ["dryRun", "gracePeriodSeconds", "propagationPolicy"]),
    };
    const schemaName = `${t.group ? t.group.split(".").reverse().join(".") : "io.k8s.api.core"}.${t.version}.${t.kind}`;
    schemas[schemaName] = {
      type: "object",
      "x-kubernetes-group-version-kind": [gvk],
      "x-kubernetes-preserve-unknown-fields": true,
    };
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: cluster.version }, paths, components: { schemas } };
}
