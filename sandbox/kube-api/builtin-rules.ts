import type { KObject, ResourceType } from "./types";
import type { FieldError } from "./structural-schema";
import { labelSelectorFromObject, matchesLabels } from "./selectors";
import { nameProblem } from "./names";

// A few of kube-apiserver's validation rules for the built-in kinds (pkg/apis/*/validation), in its words, for the
// mistakes a manifest makes most: a workload whose selector is missing or does not match its pod template, a
// container without a name or image, a Service port without a number, a Job that would restart its pods forever, a
// PodDisruptionBudget with both bounds, a probe with no handler or two, a container port name over 15 characters, an
// env var's secretKeyRef / configMapKeyRef without a key. Everything else the real server validates is not modelled.

type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Go's strconv.Quote, close enough for names and label values. */
const q = (s: string) => JSON.stringify(s);

/** %#v of a map[string]string: keys sorted, `map[string]string{"a":"b", "c":"d"}`; nil when absent. */
function goStringMap(m: unknown): string {
  if (!isObj(m)) return "map[string]string(nil)";
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${q(k)}:${q(String(m[k]))}`).join(", ")}}`;
}

/** %#v of a metav1.LabelSelector. */
function goLabelSelector(s: Obj): string {
  const labels = isObj(s.matchLabels) ? goStringMap(s.matchLabels) : "map[string]string(nil)";
  const exprs = Array.isArray(s.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions.map(() => "v1.LabelSelectorRequirement{...}").join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprs}}`;
}

const required = (field: string, detail = ""): FieldError => ({
  type: "FieldValueRequired",
  field,
  message: detail ? `Required value: ${detail}` : "Required value",
});
const invalidValue = (field: string, value: string, detail: string): FieldError => ({
  type: "FieldValueInvalid",
  field,
  message: `Invalid value: ${value}: ${detail}`,
});
const forbidden = (field: string, detail: string): FieldError => ({
  type: "FieldValueForbidden",
  field,
  message: `Forbidden: ${detail}`,
});
const notSupported = (field: string, value: string, supported: string[]): FieldError => ({
  type: "FieldValueNotSupported",
  field,
  message: `Unsupported value: ${q(value)}: supported values: ${supported.map(q).join(", ")}`,
});

/** validation.IsValidPortName's messages. */
function portNameProblems(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(name)) out.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(name)) out.push("must contain at least one letter (a-z)");
  if (name.includes("--")) out.push("must not contain consecutive hyphens");
  if (name.startsWith("-") || name.endsWith("-")) out.push("must not begin or end with a hyphen");
  return out;
}

/** validateHandler for a probe: exactly one of exec, httpGet, tcpSocket, grpc. */
function probeProblems(probe: unknown, path: string): FieldError[] {
  if (!isObj(probe)) return [];
  const out: FieldError[] = [];
  let handlers = 0;
  for (const h of ["exec", "httpGet", "tcpSocket", "grpc"]) {
    if (probe[h] === undefined || probe[h] === null) continue;
    if (handlers > 0) out.push(forbidden(`${path}.${h}`, "may not specify more than 1 handler type"));
    else handlers++;
  }
  if (handlers === 0) out.push(required(path, "must specify a handler type"));
  return out;
}

function keySelectorProblems(ref: unknown, path: string): FieldError[] {
  if (!isObj(ref)) return [];
  const out: FieldError[] = [];
  const name = typeof ref.name === "string" ? ref.name : "";
  const problem = nameProblem(name, "subdomain");
  if (problem) out.push(invalidValue(`${path}.name`, q(name), problem));
  if (typeof ref.key !== "string" || ref.key === "") out.push(required(`${path}.key`));
  return out;
}

function containerProblems(c: unknown, path: string, withProbes: boolean): FieldError[] {
  if (!isObj(c)) return [];
  const out: FieldError[] = [];
  if (typeof c.name !== "string" || c.name === "") out.push(required(`${path}.name`));
  if (typeof c.image !== "string" || c.image === "") out.push(required(`${path}.image`));
  (Array.isArray(c.ports) ? c.ports : []).forEach((p: unknown, i: number) => {
    if (!isObj(p) || typeof p.name !== "string" || p.name === "") return;
    for (const msg of portNameProblems(p.name)) out.push(invalidValue(`${path}.ports[${i}].name`, q(p.name), msg));
  });
  (Array.isArray(c.env) ? c.env : []).forEach((e: unknown, i: number) => {
    if (!isObj(e) || !isObj(e.valueFrom)) return;
    const from = `${path}.env[${i}].valueFrom`;
    out.push(...keySelectorProblems(e.valueFrom.configMapKeyRef, `${from}.configMapKeyRef`));
    out.push(...keySelectorProblems(e.valueFrom.secretKeyRef, `${from}.secretKeyRef`));
  });
  if (withProbes)
    for (const p of ["livenessProbe", "readinessProbe", "startupProbe"])
      out.push(...probeProblems(c[p], `${path}.${p}`));
  return out;
}

function podSpecProblems(spec: unknown, path: string): FieldError[] {
  if (!isObj(spec)) return [required(`${path}.containers`)];
  const out: FieldError[] = [];
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.length === 0) out.push(required(`${path}.containers`));
  containers.forEach((c: unknown, i: number) => out.push(...containerProblems(c, `${path}.containers[${i}]`, true)));
  (Array.isArray(spec.initContainers) ? spec.initContainers : []).forEach((c: unknown, i: number) =>
    out.push(...containerProblems(c, `${path}.initContainers[${i}]`, isObj(c) && c.restartPolicy === "Always")),
  );
  return out;
}

const EMPTY_SELECTOR: Record<string, string> = {
  deployments: "deployment",
  replicasets: "deployment", // sic: kube's ReplicaSet validation says "deployment" too
  daemonsets: "daemonset",
  statefulsets: "statefulset",
};

/** ValidateDeploymentSpec / ReplicaSetSpec / DaemonSetSpec / StatefulSetSpec: the selector and the template. */
function workloadProblems(resource: string, spec: Obj): FieldError[] {
  const out: FieldError[] = [];
  const sel = spec.selector;
  const template = isObj(spec.template) ? spec.template : {};
  const labels = isObj(template.metadata) ? template.metadata.labels : undefined;
  const mismatch = () =>
    invalidValue("spec.template.metadata.labels", goStringMap(labels), "`selector` does not match template `labels`");
  // A missing selector selects nothing (labels.Nothing()), so the template never matches it either; an empty one
  // selects everything, and is refused itself.
  if (!isObj(sel)) out.push(required("spec.selector"), mismatch());
  else if (
    Object.keys(isObj(sel.matchLabels) ? sel.matchLabels : {}).length +
      (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0) ===
    0
  )
    out.push(
      invalidValue("spec.selector", goLabelSelector(sel), `empty selector is invalid for ${EMPTY_SELECTOR[resource]}`),
    );
  else if (!matchesTemplate(sel, labels)) out.push(mismatch());
  out.push(...podSpecProblems(template.spec, "spec.template.spec"));
  return out;
}

function matchesTemplate(sel: Obj, labels: unknown): boolean {
  try {
    return matchesLabels(
      labelSelectorFromObject(sel as never),
      isObj(labels) ? (labels as Record<string, string>) : {},
    );
  } catch {
    return false;
  }
}

function jobSpecProblems(spec: unknown, path: string): FieldError[] {
  const template = isObj(spec) && isObj(spec.template) ? spec.template : {};
  const podSpec = isObj(template.spec) ? template.spec : undefined;
  const out = podSpecProblems(podSpec, `${path}.template.spec`);
  const policy = typeof podSpec?.restartPolicy === "string" && podSpec.restartPolicy ? podSpec.restartPolicy : "Always";
  if (policy !== "OnFailure" && policy !== "Never")
    out.push(notSupported(`${path}.template.spec.restartPolicy`, policy, ["OnFailure", "Never"]));
  return out;
}

/** %#v of a PodDisruptionBudgetSpec as kube prints it (its pointers' addresses stand in for the values). */
function goPdbSpec(spec: Obj): string {
  const ptr = (type: string, v: unknown, addr: string) => `(*${type})(${v === undefined || v === null ? "nil" : addr})`;
  return (
    `policy.PodDisruptionBudgetSpec{MinAvailable:${ptr("intstr.IntOrString", spec.minAvailable, "0xc000a10000")}, ` +
    `Selector:${ptr("v1.LabelSelector", spec.selector, "0xc000a10020")}, ` +
    `MaxUnavailable:${ptr("intstr.IntOrString", spec.maxUnavailable, "0xc000a10040")}, ` +
    `UnhealthyPodEvictionPolicy:${ptr("policy.UnhealthyPodEvictionPolicyType", spec.unhealthyPodEvictionPolicy, "0xc000a10060")}}`
  );
}

/**
 * The rules above that `obj` (a whole object of a built-in kind, as it would be stored) breaks, as field errors in
 * the order kube reports them. Writes to the status subresource are not checked (kube validates only the status then).
 */
export function builtinProblems(rt: Pick<ResourceType, "group" | "resource" | "builtIn">, obj: KObject): FieldError[] {
  if (!rt.builtIn) return [];
  const spec = isObj(obj.spec) ? obj.spec : undefined;
  switch (`${rt.group}/${rt.resource}`) {
    case "/pods":
      return podSpecProblems(spec, "spec");
    case "apps/deployments":
    case "apps/replicasets":
    case "apps/daemonsets":
    case "apps/statefulsets":
      return workloadProblems(rt.resource, spec ?? {});
    case "batch/jobs":
      return jobSpecProblems(spec, "spec");
    case "batch/cronjobs": {
      const jobTemplate = spec && isObj(spec.jobTemplate) ? spec.jobTemplate : {};
      return jobSpecProblems(jobTemplate.spec, "spec.jobTemplate.spec");
    }
    case "/services": {
      const out: FieldError[] = [];
      (Array.isArray(spec?.ports) ? spec.ports : []).forEach((p: unknown, i: number) => {
        const port = isObj(p) ? p.port : undefined;
        const n = typeof port === "number" ? port : 0;
        if (!(Number.isInteger(n) && n >= 1 && n <= 65535))
          out.push(invalidValue(`spec.ports[${i}].port`, String(n), "must be between 1 and 65535, inclusive"));
      });
      return out;
    }
    case "policy/poddisruptionbudgets": {
      const has = (v: unknown) => v !== undefined && v !== null;
      if (spec && has(spec.minAvailable) && has(spec.maxUnavailable))
        return [invalidValue("spec", goPdbSpec(spec), "minAvailable and maxUnavailable cannot be both set")];
      return [];
    }
  }
  return [];
}
