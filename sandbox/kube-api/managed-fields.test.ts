import { describe, expect, it } from "vitest";
import { FieldSet, pathString } from "./field-set";
import {
  ApplyConflictError,
  ApplyShapeError,
  decodeManagedFields,
  encodeManagedFields,
  recordUpdate,
  serverSideApply,
} from "./managed-fields";
import { rootShape } from "./ssa-shape";
import { BUILTIN_TYPES } from "./builtins";
import type { ResourceType } from "./types";

const type = (resource: string) => BUILTIN_TYPES.find((t) => t.resource === resource)!;
const deployments = rootShape(type("deployments"));
const configmaps = rootShape(type("configmaps"));
const at = (now: string) => ({ apiVersion: "v1", now });
const w = (manager: string, force = false) => ({ manager, ...at("2026-01-01T00:00:00Z"), force });

const cm = (data: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "c", namespace: "n", ...extra },
  data,
});
const fields = (o: Record<string, any>, manager: string, operation = "Apply") =>
  (o.metadata.managedFields as any[]).find((e) => e.manager === manager && e.operation === operation)?.fieldsV1;

describe("FieldSet", () => {
  it("round-trips FieldsV1, marking members with children by '.'", () => {
    const raw = {
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": { "f:containers": { 'k:{"name":"a"}': { ".": {}, "f:image": {} } }, "f:finalizers": { 'v:"x"': {} } },
    };
    expect(FieldSet.fromFieldsV1(raw).toFieldsV1()).toEqual(raw);
    expect(FieldSet.fromFieldsV1(raw).paths().map(pathString)).toEqual([
      ".metadata.labels",
      ".metadata.labels.app",
      '.spec.containers[name="a"]',
      '.spec.containers[name="a"].image',
      '.spec.finalizers[="x"]',
    ]);
    expect(() => FieldSet.fromFieldsV1({ "x:bad": {} })).toThrow(/invalid path element/);
  });

  it("prints multi-field keys as kube-apiserver does", () => {
    expect(pathString(["f:ports", 'k:{"containerPort":80,"protocol":"TCP"}', "f:name"])).toBe(
      '.ports[containerPort=80,protocol="TCP"].name',
    );
  });
});

describe("recordUpdate (create, update, non-apply patch)", () => {
  it("claims what a create sets: maps and list items as members, a built-in's structs only through their fields", () => {
    const obj = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d", namespace: "n", uid: "u", labels: { app: "d" } },
      spec: { replicas: 1, template: { spec: { containers: [{ name: "a", image: "a:1" }] } } },
      status: { replicas: 1 },
    };
    const mf = recordUpdate(undefined, obj, undefined, deployments, { manager: "kubectl-create", ...at("t") })!;
    expect(mf).toEqual([
      {
        manager: "kubectl-create",
        operation: "Update",
        apiVersion: "v1",
        time: "t",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:template": {
              "f:spec": { "f:containers": { 'k:{"name":"a"}': { ".": {}, "f:image": {}, "f:name": {} } } },
            },
          },
        },
      },
    ]);
  });

  it("moves changed fields from other managers, drops removed ones, keeps the live set when none is sent", () => {
    const live = { ...cm({ a: "1", b: "2" }), metadata: { name: "c", namespace: "n" } };
    const first = recordUpdate(undefined, live, undefined, configmaps, { manager: "one", ...at("t1") })!;
    const withMf = { ...live, metadata: { ...live.metadata, managedFields: first } };
    const second = recordUpdate(withMf, cm({ a: "9" }), undefined, configmaps, { manager: "two", ...at("t2") })!;
    // "one" keeps the map it added (its "." member), loses a (changed) and b (removed).
    expect(second.map((e) => [e.manager, e.fieldsV1])).toEqual([
      ["one", { "f:data": {} }],
      ["two", { "f:data": { "f:a": {} } }],
    ]);
    // Nothing changed: the sets stay as they were, no entry for the writer.
    const same = recordUpdate(withMf, live, undefined, configmaps, { manager: "three", ...at("t3") })!;
    expect(same).toEqual(first);
  });

  it("resets managedFields when a write sends [{}] (or []), as kube-apiserver does", () => {
    const live = { ...cm({ a: "1" }), metadata: { name: "c", namespace: "n" } };
    const first = recordUpdate(undefined, live, undefined, configmaps, { manager: "one", ...at("t1") })!;
    const withMf = { ...live, metadata: { ...live.metadata, managedFields: first } };
    expect(recordUpdate(withMf, live, [{}], configmaps, { manager: "two", ...at("t2") })).toBeUndefined();
    expect(recordUpdate(withMf, live, [], configmaps, { manager: "two", ...at("t2") })).toBeUndefined();
  });
});

describe("serverSideApply", () => {
  it("gives what was there before the first apply to before-first-apply, and conflicts with it", () => {
    const live = { ...cm({ a: "1" }), metadata: { name: "c", namespace: "n", uid: "u", resourceVersion: "3" } };
    const e = (() => {
      try {
        serverSideApply(live, cm({ a: "2" }), configmaps, w("kubectl"));
      } catch (err) {
        return err;
      }
    })() as ApplyConflictError;
    expect(e).toBeInstanceOf(ApplyConflictError);
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a');
  });

  it("lists several conflicts by manager", () => {
    const base = serverSideApply(undefined, cm({ a: "1", b: "1" }), configmaps, w("one"));
    const withTwo = serverSideApply(base, cm({ a: "1", b: "1", c: "1" }), configmaps, w("two"));
    const e = (() => {
      try {
        serverSideApply(withTwo, cm({ a: "2", b: "2", c: "2" }), configmaps, w("three"));
      } catch (err) {
        return err;
      }
    })() as ApplyConflictError;
    expect(e.message).toBe(
      'Apply failed with 5 conflicts: conflicts with "one":\n- .data.a\n- .data.b\nconflicts with "two":\n- .data.a\n- .data.b\n- .data.c',
    );
    expect(e.causes).toHaveLength(5);
  });

  it("forces: the forced fields leave the other manager, which keeps the rest", () => {
    const base = serverSideApply(undefined, cm({ a: "1", b: "1" }), configmaps, w("one"));
    const forced = serverSideApply(base, cm({ a: "2" }), configmaps, w("two", true));
    expect(forced.data).toEqual({ a: "2", b: "1" });
    expect(fields(forced, "one")).toEqual({ "f:data": { "f:b": {} } });
    expect(fields(forced, "two")).toEqual({ "f:data": { "f:a": {} } });
  });

  it("prunes a list item the applier alone applied, and keeps one another manager also owns", () => {
    const dep = (containers: { name: string; image: string }[]) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d", namespace: "n" },
      spec: { template: { spec: { containers } } },
    });
    const a = { name: "a", image: "a:1" };
    const b = { name: "b", image: "b:1" };
    const one = serverSideApply(undefined, dep([a, b]), deployments, w("one"));
    const two = serverSideApply(one, dep([b]), deployments, w("two"));
    const pruned = serverSideApply(two, dep([]), deployments, w("one"));
    expect((pruned as any).spec.template.spec.containers).toEqual([b]);
  });

  it("refuses an associative list item without its key", () => {
    const bad = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: { template: { spec: { containers: [{ image: "x" }] } } },
    };
    expect(() => serverSideApply(undefined, bad, deployments, w("one"))).toThrow(ApplyShapeError);
    expect(() => serverSideApply(undefined, bad, deployments, w("one"))).toThrow(
      '.spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name"',
    );
  });

  it("orders entries as kube does and merges duplicate entries when decoding", () => {
    const entry = (manager: string, operation: string, time: string) => ({
      manager,
      operation,
      apiVersion: "v1",
      time,
      fieldsType: "FieldsV1",
      fieldsV1: { "f:data": { [`f:${manager}`]: {} } },
    });
    const m = decodeManagedFields([entry("z", "Update", "2"), entry("y", "Update", "1"), entry("x", "Apply", "3")]);
    expect(encodeManagedFields(m).map((e) => e.manager)).toEqual(["x", "y", "z"]);
  });

  it("walks custom resources by their CRD schema: list-map keys, additionalProperties as maps, unknown fields not owned", () => {
    const rt: ResourceType = {
      ...type("configmaps"),
      group: "example.com",
      kind: "Widget",
      builtIn: false,
      status: false,
      schema: {
        type: "object",
        properties: {
          spec: {
            type: "object",
            properties: {
              ports: {
                type: "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
                items: { type: "object", properties: { name: { type: "string" }, port: { type: "integer" } } },
              },
              config: { type: "object", additionalProperties: { type: "string" } },
            },
          },
        },
      },
    };
    const applied = {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      spec: { ports: [{ name: "http", port: 80 }], config: { region: "eu" }, unknown: 1 },
    };
    expect(fields(serverSideApply(undefined, applied, rootShape(rt), w("one")), "one")).toEqual({
      "f:spec": {
        "f:config": { "f:region": {} },
        "f:ports": { 'k:{"name":"http"}': { ".": {}, "f:name": {}, "f:port": {} } },
      },
    });
  });
});
