import { describe, expect, it } from "vitest";
import {
  base64ErrorAt,
  builtinSchema,
  checkValue,
  goType,
  quantityProblem,
  strictPath,
  typedPatchErrors,
  type StructNode,
} from "./builtin-schema";
import { BUILTIN_TYPES } from "./builtins";
import { rootShape } from "./ssa-shape";
import type { ResourceType } from "./types";

const rtOf = (group: string, kind: string) => BUILTIN_TYPES.find((t) => t.group === group && t.kind === kind)!;
const schemaOf = (group: string, kind: string) => builtinSchema(rtOf(group, kind))!;
const deployments = schemaOf("apps", "Deployment");

function deployment(spec: Record<string, unknown> = {}, template: Record<string, unknown> = {}): any {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "nginx", ...template }] },
      },
      ...spec,
    },
  };
}

/** The walk's findings as "kind path: message" lines. */
const findings = (value: unknown, schema: StructNode = deployments) =>
  checkValue(value, schema).problems.map((p) => `${p.kind} ${strictPath(p.path)}: ${p.message}`);

describe("the built-in kinds' schemas", () => {
  it("has one for every served built-in kind the client's models describe, and none for the others", () => {
    const checked = BUILTIN_TYPES.filter((t) => builtinSchema(t)).map((t) => `${t.group}/${t.kind}`);
    expect(checked).toEqual(
      expect.arrayContaining([
        "/Pod",
        "/Secret",
        "/ConfigMap",
        "/Service",
        "/ServiceAccount",
        "/Namespace",
        "/Event",
        "apps/Deployment",
        "apps/StatefulSet",
        "batch/Job",
        "batch/CronJob",
        "policy/PodDisruptionBudget",
        "rbac.authorization.k8s.io/Role",
        "rbac.authorization.k8s.io/ClusterRoleBinding",
        "apiextensions.k8s.io/CustomResourceDefinition",
      ]),
    );
    for (const r of ["volumesnapshots", "selfsubjectaccessreviews"])
      expect(builtinSchema(BUILTIN_TYPES.find((t) => t.resource === r)!)).toBeUndefined();
    const cr: ResourceType = { ...rtOf("apps", "Deployment"), group: "velero.io", kind: "Backup", builtIn: false };
    expect(builtinSchema(cr)).toBeUndefined();
  });

  it("names Go types as reflect does", () => {
    const fields = deployments.fields();
    expect(goType(fields.get("spec")!)).toBe("v1.DeploymentSpec");
    expect(goType(fields.get("metadata")!)).toBe("v1.ObjectMeta");
    const meta = fields.get("metadata") as StructNode;
    expect(goType(meta.fields().get("labels")!)).toBe("map[string]string");
    expect(goType(meta.fields().get("ownerReferences")!)).toBe("[]v1.OwnerReference");
  });
});

describe("unknown fields", () => {
  it("accepts a complete, valid Deployment", () => {
    expect(
      findings(
        deployment(
          { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } } },
          {
            ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
            env: [{ name: "A", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }],
            readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5 },
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: 1, memory: "1Gi" } },
            securityContext: { runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
          },
        ),
      ),
    ).toEqual([]);
  });

  it("reports each by its path, list indices included, in document order", () => {
    const d = deployment({ replica: 2 }, { readinessProbe: { httpGett: { path: "/" } } });
    (d.metadata as Record<string, unknown>).clusterName = "old"; // removed from ObjectMeta in 1.25
    expect(findings(d)).toEqual([
      "unknown metadata.clusterName: field not declared in schema",
      "unknown spec.template.spec.containers[0].readinessProbe.httpGett: field not declared in schema",
      "unknown spec.replica: field not declared in schema",
    ]);
  });

  it("is case-sensitive, as kube's decoder is", () => {
    expect(findings(deployment({ Replicas: 2 }))).toEqual(["unknown spec.Replicas: field not declared in schema"]);
  });

  it("drops them when asked (Warn, Ignore) and keeps everything the struct declares", () => {
    const d = deployment({ replica: 2 }, { readinessProbe: { httpGett: {}, periodSeconds: 3 } });
    const r = checkValue(d, deployments, { drop: true });
    expect(r.unknown.map(strictPath)).toEqual([
      "spec.template.spec.containers[0].readinessProbe.httpGett",
      "spec.replica",
    ]);
    expect(d.spec).not.toHaveProperty("replica");
    expect(d.spec.template.spec.containers[0]).toMatchObject({ name: "web", readinessProbe: { periodSeconds: 3 } });
    expect(d.spec.template.spec.containers[0].readinessProbe).not.toHaveProperty("httpGett");
    expect(d.spec.replicas).toBe(2);
  });

  it("takes any key in maps (labels, Secret and ConfigMap data) and any value where the type is open", () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { "any.key": "v", x: "y" } };
    expect(findings(cm, schemaOf("", "ConfigMap"))).toEqual([]);
    const managed = {
      ...deployment(),
      metadata: {
        name: "web",
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" },
        managedFields: [
          {
            manager: "kubectl",
            operation: "Apply",
            apiVersion: "apps/v1",
            time: "2026-01-01T00:00:00Z",
            fieldsType: "FieldsV1",
            fieldsV1: { "f:spec": { "f:replicas": {} } },
          },
        ],
        creationTimestamp: null,
      },
    };
    expect(findings(managed)).toEqual([]);
  });

  it("knows a CRD's schema fields, x-kubernetes extensions included", () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        names: { plural: "widgets", kind: "Widget" },
        scope: "Namespaced",
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                "x-kubernetes-preserve-unknown-fields": true,
                properties: {
                  spec: { type: "object", default: {}, properties: { n: { type: "integer", maximum: 3 } } },
                },
              },
            },
          },
        ],
      },
    };
    expect(findings(crd, schemaOf("apiextensions.k8s.io", "CustomResourceDefinition"))).toEqual([]);
  });
});

describe("types", () => {
  it("refuses a string where an integer goes, in encoding/json's words", () => {
    expect(checkValue(deployment({ replicas: "2" }), deployments).error?.message).toBe(
      "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
    );
  });

  it("names the innermost struct and the field path without list indices or map keys", () => {
    const env = deployment({}, { env: [{ name: "A", value: 3 }] });
    expect(checkValue(env, deployments).error?.message).toBe(
      "json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string",
    );
    const labels = { ...deployment(), metadata: { name: "web", labels: { tier: 1 } } };
    expect(checkValue(labels, deployments).error?.message).toBe(
      "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
    );
    const args = deployment({}, { args: ["--port", 80] });
    expect(checkValue(args, deployments).error?.message).toBe(
      "json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.args of type string",
    );
  });

  it("refuses the wrong kind of structure: a struct, a list or a map given something else", () => {
    const msg = (v: unknown) => checkValue(v, deployments).error?.message;
    expect(msg({ spec: "x" })).toBe(
      "json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec",
    );
    expect(msg(deployment({ template: { spec: { containers: { name: "web" } } } }))).toBe(
      "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container",
    );
    expect(msg({ metadata: { labels: ["a"] } })).toBe(
      "json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string",
    );
    expect(msg(deployment({ paused: "true" }))).toBe(
      "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool",
    );
  });

  it("refuses fractions and out-of-range numbers for integers", () => {
    const msg = (replicas: number) => checkValue(deployment({ replicas }), deployments).error?.message;
    expect(msg(1.5)).toBe(
      "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32",
    );
    expect(msg(3_000_000_000)).toContain("cannot unmarshal number 3000000000 into");
    expect(msg(2)).toBeUndefined();
  });

  it("reports the first type error only, as the decoder does, and still lists unknown fields", () => {
    const r = checkValue(deployment({ replicas: "2", replica: 1, paused: "no" }), deployments);
    expect(r.error?.message).toContain("DeploymentSpec.spec.replicas");
    expect(r.unknown.map(strictPath)).toEqual(["spec.replica"]);
    expect(r.problems.filter((p) => p.kind === "type")).toHaveLength(2);
  });

  it("takes null for anything (the zero value)", () => {
    expect(findings(deployment({ replicas: null, selector: null }, { ports: null, resources: null }))).toEqual([]);
  });

  it("takes a string or an integer for an IntOrString, nothing else", () => {
    const port = (p: unknown) => deployment({}, { readinessProbe: { httpGet: { path: "/", port: p } } });
    expect(findings(port("http"))).toEqual([]);
    expect(findings(port(8080))).toEqual([]);
    expect(checkValue(port(true), deployments).error?.message).toBe(
      "json: cannot unmarshal bool into Go struct field HTTPGetAction.spec.template.spec.containers.readinessProbe.httpGet.port of type int32",
    );
    expect(checkValue(port(1.5), deployments).error?.message).toContain("cannot unmarshal number 1.5 into");
    const pdb = { spec: { minAvailable: "50%", maxUnavailable: 1 } };
    expect(findings(pdb, schemaOf("policy", "PodDisruptionBudget"))).toEqual([]);
  });

  it("takes a string or a number for a Quantity, and checks its format", () => {
    const resources = (r: unknown) => deployment({}, { resources: r });
    expect(findings(resources({ requests: { cpu: 0.5, memory: "128Mi" }, limits: { cpu: "2", memory: 1e9 } }))).toEqual(
      [],
    );
    expect(findings(resources({ limits: { cpu: "1x" } }))).toEqual([
      "format spec.template.spec.containers[0].resources.limits.cpu: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ]);
    expect(checkValue(resources({ limits: { memory: "1mi" } }), deployments).error?.message).toBe(
      "unable to parse quantity's suffix",
    );
    expect(checkValue(resources({ limits: { memory: true } }), deployments).error?.message).toContain(
      "quantities must match",
    );
    const volumes = { spec: { template: { spec: { volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }] } } } };
    expect(findings(volumes)).toEqual([]);
  });

  it("decodes Secret data as base64, and takes stringData as text", () => {
    const secrets = schemaOf("", "Secret");
    const secret = (data: Record<string, string>) => ({ apiVersion: "v1", kind: "Secret", type: "Opaque", data });
    expect(findings(secret({ a: "aGVsbG8=", b: "aGk=\n", empty: "" }), secrets)).toEqual([]);
    expect(checkValue(secret({ password: "hunter2" }), secrets).error?.message).toBe(
      "illegal base64 data at input byte 4",
    );
    expect(findings({ stringData: { password: "hunter2" } }, secrets)).toEqual([]);
    expect(checkValue({ data: { n: 1 } }, secrets).error?.message).toBe(
      "json: cannot unmarshal number into Go struct field Secret.data of type []uint8",
    );
  });

  it("decodes times as RFC 3339 strings", () => {
    const at = (t: unknown) => ({ metadata: { name: "x", creationTimestamp: t } });
    expect(findings(at("2026-01-02T03:04:05Z"))).toEqual([]);
    expect(findings(at("2026-01-02T03:04:05.123456+02:00"))).toEqual([]);
    expect(checkValue(at(5), deployments).error?.message).toBe(
      "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string",
    );
    expect(checkValue(at("yesterday"), deployments).error?.message).toContain('parsing time "yesterday"');
  });

  it("walks each value once: a large object is checked in work linear in its size", () => {
    // Counted, not timed: every read of the list and its entries (properties, keys, `in`), at two sizes ten times apart.
    const reads = (n: number) => {
      let count = 0;
      const counted = <T extends object>(o: T): T =>
        new Proxy(o, {
          get: (target, key, receiver) => (count++, Reflect.get(target, key, receiver)),
          has: (target, key) => (count++, Reflect.has(target, key)),
          ownKeys: (target) => {
            const keys = Reflect.ownKeys(target);
            count += keys.length;
            return keys;
          },
          getOwnPropertyDescriptor: (target, key) => (count++, Reflect.getOwnPropertyDescriptor(target, key)),
        });
      const env = counted(Array.from({ length: n }, (_, i) => counted({ name: `V${i}`, value: String(i) })));
      expect(checkValue(deployment({}, { env }), deployments).problems).toEqual([]);
      return count;
    };
    const small = reads(1_000);
    expect(small).toBeGreaterThan(1_000);
    expect(reads(10_000)).toBeLessThanOrEqual(small * 10 + 100); // a walk that went back over the list would read ~100×
  });
});

describe("quantityProblem and base64ErrorAt", () => {
  it("parse as resource.ParseQuantity does", () => {
    for (const ok of ["1", "0.5", ".5", "100m", "1Gi", "1e3", "1E-3", "+2k", "5Ei"])
      expect(quantityProblem(ok)).toBeNull();
    expect(quantityProblem("")).toContain("must match");
    expect(quantityProblem("Gi")).toContain("must match");
    expect(quantityProblem("1 Gi")).toContain("must match");
    expect(quantityProblem("1mi")).toBe("unable to parse quantity's suffix");
  });

  it("stop where Go's base64.StdEncoding stops", () => {
    expect(base64ErrorAt("aGVsbG8=")).toBeNull();
    expect(base64ErrorAt("aGVs\nbG8=")).toBeNull();
    expect(base64ErrorAt("abc")).toBe(0); // an unpadded quantum
    expect(base64ErrorAt("abcdef")).toBe(4);
    expect(base64ErrorAt("ab!d")).toBe(2);
    expect(base64ErrorAt("a===")).toBe(1); // padding in the second place
    expect(base64ErrorAt("ab=")).toBe(3); // "==" expected
    expect(base64ErrorAt("ab==x")).toBe(4); // trailing garbage
  });
});

describe("server-side apply's typing (typedPatchErrors)", () => {
  const deploy = rtOf("apps", "Deployment");
  const shape = rootShape(deploy);

  it("is silent for a configuration the schema types", () => {
    expect(typedPatchErrors(deploy, deployment(), shape)).toBeNull();
  });

  it("names a field the schema lacks by its structured-merge-diff path (keyed list items by key)", () => {
    expect(typedPatchErrors(deploy, deployment({}, { readinessProbe: { httpGett: {} } }), shape)).toBe(
      '.spec.template.spec.containers[name="web"].readinessProbe.httpGett: field not declared in schema',
    );
  });

  it("lists several problems after errors:, types worded as structured-merge-diff words them", () => {
    expect(typedPatchErrors(deploy, deployment({ replicas: "2", paused: 1, replica: 3 }), shape)).toBe(
      [
        "errors:",
        "  .spec.replicas: expected numeric (int or float), got string",
        "  .spec.paused: expected boolean, got &{1}",
        "  .spec.replica: field not declared in schema",
      ].join("\n"),
    );
  });

  it("takes anything scalar for IntOrString and Quantity (untyped scalars to the schema)", () => {
    const d = deployment({}, { resources: { limits: { cpu: 2 } }, livenessProbe: { tcpSocket: { port: "http" } } });
    expect(typedPatchErrors(deploy, d, shape)).toBeNull();
  });

  it("says nothing for kinds it has no schema for", () => {
    const vs = BUILTIN_TYPES.find((t) => t.resource === "volumesnapshots")!;
    expect(typedPatchErrors(vs, { spec: { anything: 1 } }, rootShape(vs))).toBeNull();
  });
});
