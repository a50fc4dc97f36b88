import { describe, expect, it } from "vitest";
import { builtinProblems } from "./builtin-rules";
import { BUILTIN_TYPES } from "./builtins";
import type { KObject } from "./types";

const rt = (group: string, resource: string) =>
  BUILTIN_TYPES.find((t) => t.group === group && t.resource === resource)!;
/** "field: message", as kube prints each cause. */
const problems = (group: string, resource: string, obj: unknown) =>
  builtinProblems(rt(group, resource), obj as KObject).map((e) => `${e.field}: ${e.message}`);

const container = (o: Record<string, unknown> = {}) => ({ name: "app", image: "nginx:1", ...o });
const workload = (spec: Record<string, unknown>, podSpec: Record<string, unknown> = {}) => ({
  metadata: { name: "web" },
  spec: {
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web", tier: "front" } }, spec: { containers: [container()], ...podSpec } },
    ...spec,
  },
});

describe("workload selectors", () => {
  it("accepts a selector the template's labels match, for every workload kind", () => {
    for (const r of ["deployments", "replicasets", "daemonsets", "statefulsets"])
      expect(problems("apps", r, workload({}))).toEqual([]);
    const expr = { selector: { matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] } };
    expect(problems("apps", "deployments", workload(expr))).toEqual([]);
  });

  it("requires a selector: a missing one selects nothing, so the template does not match either", () => {
    expect(problems("apps", "deployments", workload({ selector: undefined }))).toEqual([
      "spec.selector: Required value",
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "tier":"front"}: `selector` does not match template `labels`',
    ]);
  });

  it("refuses a selector the template does not match, and an empty one", () => {
    expect(problems("apps", "statefulsets", workload({ selector: { matchLabels: { app: "api" } } }))).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "tier":"front"}: `selector` does not match template `labels`',
    ]);
    expect(problems("apps", "daemonsets", workload({ selector: {} }))).toEqual([
      "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset",
    ]);
    const noLabels = workload({});
    delete (noLabels.spec.template.metadata as { labels?: unknown }).labels;
    expect(problems("apps", "deployments", noLabels)).toEqual([
      "spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`",
    ]);
  });
});

describe("containers", () => {
  it("require a name and an image, in init containers too, and at least one container", () => {
    expect(
      problems("", "pods", {
        spec: { containers: [{ image: "x" }, { name: "b" }], initContainers: [{ name: "init" }] },
      }),
    ).toEqual([
      "spec.containers[0].name: Required value",
      "spec.containers[1].image: Required value",
      "spec.initContainers[0].image: Required value",
    ]);
    expect(problems("", "pods", { spec: { containers: [] } })).toEqual(["spec.containers: Required value"]);
    expect(problems("apps", "deployments", workload({}, { containers: [container({ image: "" })] }))).toEqual([
      "spec.template.spec.containers[0].image: Required value",
    ]);
  });

  it("limit port names to 15 characters (and the rest of IsValidPortName)", () => {
    const ports = [
      { name: "http", containerPort: 80 },
      { name: "metrics-endpoint", containerPort: 9090 },
      { name: "Admin--", containerPort: 9091 },
    ];
    expect(problems("", "pods", { spec: { containers: [container({ ports })] } })).toEqual([
      'spec.containers[0].ports[1].name: Invalid value: "metrics-endpoint": must be no more than 15 characters',
      'spec.containers[0].ports[2].name: Invalid value: "Admin--": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.containers[0].ports[2].name: Invalid value: "Admin--": must not contain consecutive hyphens',
      'spec.containers[0].ports[2].name: Invalid value: "Admin--": must not begin or end with a hyphen',
    ]);
  });

  it("require a key (and a valid name) in secretKeyRef and configMapKeyRef", () => {
    const env = [
      { name: "OK", valueFrom: { secretKeyRef: { name: "db", key: "url" } } },
      { name: "NO_KEY", valueFrom: { secretKeyRef: { name: "db" } } },
      { name: "CM", valueFrom: { configMapKeyRef: { name: "settings", key: "" } } },
      { name: "NO_NAME", valueFrom: { secretKeyRef: { key: "url" } } },
      { name: "PLAIN", value: "x" },
    ];
    const out = problems("batch", "jobs", {
      spec: { template: { spec: { restartPolicy: "Never", containers: [container({ env })] } } },
    });
    expect(out.slice(0, 2)).toEqual([
      "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.key: Required value",
      "spec.template.spec.containers[0].env[2].valueFrom.configMapKeyRef.key: Required value",
    ]);
    expect(out[2]).toMatch(
      /^spec\.template\.spec\.containers\[0\]\.env\[3\]\.valueFrom\.secretKeyRef\.name: Invalid value: "": a lowercase RFC 1123 subdomain/,
    );
    expect(out).toHaveLength(3);
  });

  it("give each probe exactly one handler", () => {
    const c = container({
      livenessProbe: { httpGet: { path: "/", port: 80 } },
      readinessProbe: { periodSeconds: 5 },
      startupProbe: { exec: { command: ["true"] }, tcpSocket: { port: 80 }, grpc: { port: 81 } },
    });
    expect(problems("", "pods", { spec: { containers: [c] } })).toEqual([
      "spec.containers[0].readinessProbe: Required value: must specify a handler type",
      "spec.containers[0].startupProbe.tcpSocket: Forbidden: may not specify more than 1 handler type",
      "spec.containers[0].startupProbe.grpc: Forbidden: may not specify more than 1 handler type",
    ]);
  });
});

describe("Jobs, Services and PodDisruptionBudgets", () => {
  const job = (restartPolicy?: string) => ({
    spec: { template: { spec: { containers: [container()], ...(restartPolicy ? { restartPolicy } : {}) } } },
  });

  it("a Job's pods restart Never or OnFailure (unset is Always)", () => {
    expect(problems("batch", "jobs", job("Never"))).toEqual([]);
    expect(problems("batch", "jobs", job("OnFailure"))).toEqual([]);
    const always =
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"';
    expect(problems("batch", "jobs", job("Always"))).toEqual([always]);
    expect(problems("batch", "jobs", job())).toEqual([always]);
    expect(problems("batch", "cronjobs", { spec: { jobTemplate: job("Always") } })).toEqual([
      'spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ]);
  });

  it("a Service port needs its number", () => {
    const svc = (ports: unknown[]) => ({ spec: { selector: { app: "web" }, ports } });
    expect(problems("", "services", svc([{ name: "http", port: 80, targetPort: "http" }]))).toEqual([]);
    expect(
      problems(
        "",
        "services",
        svc([
          { name: "http", targetPort: 8080 },
          { name: "big", port: 70000 },
        ]),
      ),
    ).toEqual([
      "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      "spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
    ]);
  });

  it("a PodDisruptionBudget sets minAvailable or maxUnavailable, not both", () => {
    const pdb = (spec: Record<string, unknown>) => ({ spec: { selector: { matchLabels: { app: "web" } }, ...spec } });
    expect(problems("policy", "poddisruptionbudgets", pdb({ maxUnavailable: 1 }))).toEqual([]);
    expect(problems("policy", "poddisruptionbudgets", pdb({ minAvailable: "50%" }))).toEqual([]);
    const both = problems("policy", "poddisruptionbudgets", pdb({ minAvailable: 1, maxUnavailable: 1 }));
    expect(both).toHaveLength(1);
    expect(both[0]).toMatch(
      /^spec: Invalid value: policy\.PodDisruptionBudgetSpec\{MinAvailable:\(\*intstr\.IntOrString\)\(0x[0-9a-f]+\), .*\}: minAvailable and maxUnavailable cannot be both set$/,
    );
  });

  it("leaves kinds without rules alone", () => {
    expect(problems("", "configmaps", { data: { a: "b" } })).toEqual([]);
    expect(problems("", "secrets", { data: {} })).toEqual([]);
  });
});
