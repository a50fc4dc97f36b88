import { canonicalJson } from "../../lib/json/canonical";
import { ApiError, notFound } from "./errors";
import type { KObject } from "./types";

// RBAC as the apiserver evaluates it for a request: ClusterRoleBindings grant everywhere, RoleBindings in their
// namespace; rules match apiGroups, resources ("res", "res/sub", "*", "*/sub"), verbs, resourceNames, nonResourceURLs.
export interface UserInfo {
  name: string;
  groups: string[];
}

export type Attributes =
  | {
      kind: "resource";
      verb: string;
      group: string;
      resource: string;
      subresource?: string;
      namespace?: string;
      name?: string;
    }
  | { kind: "nonResource"; verb: string; path: string };

export interface Rule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RbacSource {
  clusterRoles(): KObject[];
  clusterRoleBindings(): KObject[];
  roles(ns: string): KObject[];
  roleBindings(ns: string): KObject[];
}

const has = (list: string[] | undefined, v: string) => Boolean(list?.some((x) => x === "*" || x === v));

function subjectMatches(subjects: any[] | undefined, user: UserInfo, bindingNs?: string): boolean {
  for (const s of subjects ?? []) {
    if (s.kind === "User" && s.name === user.name) return true;
    if (s.kind === "Group" && user.groups.includes(s.name)) return true;
    if (s.kind === "ServiceAccount" && user.name === `system:serviceaccount:${s.namespace ?? bindingNs}:${s.name}`)
      return true;
  }
  return false;
}

export function ruleAllows(rule: Rule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.kind === "nonResource") {
    return Boolean(
      rule.nonResourceURLs?.some(
        (u) => u === "*" || u === a.path || (u.endsWith("*") && a.path.startsWith(u.replace(/\*+$/, ""))),
      ),
    );
  }
  if (!has(rule.apiGroups, a.group)) return false;
  const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resOk = rule.resources?.some((r) => r === "*" || r === full || (a.subresource && r === `*/${a.subresource}`));
  if (!resOk) return false;
  if (rule.resourceNames?.length) return Boolean(a.name && rule.resourceNames.includes(a.name));
  return true;
}

const RBAC_GROUP = "rbac.authorization.k8s.io";

/** The rules a role reference names, or why they cannot be had (as kube's GetRoleReferenceRules). */
function referencedRules(src: RbacSource, ref: { kind?: string; name?: string }, ns?: string): Rule[] | ApiError {
  if (ref?.kind === "ClusterRole") {
    const role = src.clusterRoles().find((r) => r.metadata.name === ref.name);
    return role ? ((role.rules as Rule[] | undefined) ?? []) : notFound("clusterroles", RBAC_GROUP, ref.name ?? "");
  }
  if (ref?.kind === "Role") {
    const role = ns ? src.roles(ns).find((r) => r.metadata.name === ref.name) : undefined;
    return role ? ((role.rules as Rule[] | undefined) ?? []) : notFound("roles", RBAC_GROUP, ref.name ?? "");
  }
  return new ApiError(500, "InternalError", `unsupported role reference kind: ${JSON.stringify(ref?.kind ?? "")}`);
}

/**
 * The rules that apply to a user in a namespace (cluster-wide ones included), and the bindings' references that could
 * not be resolved (a binding to a role that does not exist), as kube's DefaultRuleResolver.RulesFor.
 */
export function resolveRules(src: RbacSource, user: UserInfo, ns?: string): { rules: Rule[]; errors: string[] } {
  const rules: Rule[] = [];
  const errors: string[] = [];
  const add = (got: Rule[] | ApiError) => (got instanceof ApiError ? errors.push(got.message) : rules.push(...got));
  for (const b of src.clusterRoleBindings()) if (subjectMatches(b.subjects, user)) add(referencedRules(src, b.roleRef));
  if (ns)
    for (const b of src.roleBindings(ns))
      if (subjectMatches(b.subjects, user, ns)) add(referencedRules(src, b.roleRef, ns));
  return { rules, errors };
}

/** The rules that apply to a user in a namespace (cluster-wide ones included). */
export function rulesFor(src: RbacSource, user: UserInfo, ns?: string): Rule[] {
  return resolveRules(src, user, ns).rules;
}

/**
 * What a SelfSubjectRulesReview answers in a namespace: the rules of the user's bindings there and cluster-wide, with
 * those every authenticated user holds through the bootstrap bindings (which the real server lists as bindings of
 * system:authenticated), and the bindings that could not be resolved (its evaluationError).
 */
export function reviewRules(src: RbacSource, user: UserInfo, ns: string): { rules: Rule[]; errors: string[] } {
  const { rules, errors } = resolveRules(src, user, ns);
  return { rules: user.groups.includes("system:authenticated") ? [...rules, ...BOOTSTRAP_RULES] : rules, errors };
}

export function authorize(src: RbacSource, user: UserInfo, a: Attributes): boolean {
  if (user.groups.includes("system:masters")) return true;
  // Discovery and health are open to every authenticated user (system:discovery, system:public-info-viewer).
  if (
    a.kind === "nonResource" &&
    a.verb === "get" &&
    /^\/(api|apis|version|healthz|livez|readyz|openapi)(\/|$)/.test(a.path)
  )
    return true;
  if (
    a.kind === "resource" &&
    a.group === "authorization.k8s.io" &&
    (a.resource === "selfsubjectaccessreviews" || a.resource === "selfsubjectrulesreviews")
  )
    return true;
  if (a.kind === "resource" && a.group === "authentication.k8s.io" && a.resource === "selfsubjectreviews") return true;
  return rulesFor(src, user, a.kind === "resource" ? a.namespace : undefined).some((r) => ruleAllows(r, a));
}

// ---- escalation prevention (kube's pkg/registry/rbac: the policy-based storage of roles and bindings) --------------

/**
 * A rule broken into rules of one API group, one resource, one verb and at most one resource name (or one
 * non-resource URL and one verb), as kube's BreakdownRule.
 */
export function breakdownRule(rule: Rule): Rule[] {
  const out: Rule[] = [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length)
          for (const n of rule.resourceNames)
            out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
  for (const url of rule.nonResourceURLs ?? [])
    for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

const hasAll = (set: string[] | undefined, wanted: string[] | undefined) =>
  (wanted ?? []).every((w) => (set ?? []).includes(w));
const hasExactly = (set: string[] | undefined, v: string) => Boolean(set?.includes(v));

function resourcesCover(owner: string[] | undefined, wanted: string[] | undefined): boolean {
  if (hasExactly(owner, "*") || hasAll(owner, wanted)) return true;
  // "*/scale" covers "deployments/scale"; "deployments" does not cover "deployments/scale".
  return (wanted ?? []).every(
    (r) => hasExactly(owner, r) || (r.includes("/") && hasExactly(owner, `*/${r.slice(r.indexOf("/") + 1)}`)),
  );
}

const urlCovers = (owner: string, url: string) =>
  owner === url || (owner.endsWith("*") && url.startsWith(owner.replace(/\*+$/, "")));

/** Whether an owner rule covers a broken-down rule (kube's ruleCovers: "*" in verbs, groups and resources). */
function ruleCovers(owner: Rule, sub: Rule): boolean {
  const verbs = hasExactly(owner.verbs, "*") || hasAll(owner.verbs, sub.verbs);
  const groups = hasExactly(owner.apiGroups, "*") || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourcesCover(owner.resources, sub.resources);
  const urls = (sub.nonResourceURLs ?? []).every((u) => (owner.nonResourceURLs ?? []).some((o) => urlCovers(o, u)));
  const names = sub.resourceNames?.length
    ? !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames)
    : !owner.resourceNames?.length;
  return verbs && groups && resources && urls && names;
}

/**
 * Whether the owner's rules cover every permission of the servant's rules, and the broken-down rules they do not
 * cover (kube's validation.Covers).
 */
export function covers(owner: Rule[], servant: Rule[]): { covered: boolean; missing: Rule[] } {
  const missing = servant.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
  return { covered: missing.length === 0, missing };
}

/** Rules of one group and one resource (and at most one name) merged into one with all their verbs (kube's CompactRules). */
export function compactRules(rules: Rule[]): Rule[] {
  const out: Rule[] = [];
  const simple = new Map<string, Rule>();
  for (const r of rules) {
    const isSimple =
      (r.resourceNames?.length ?? 0) <= 1 &&
      !r.nonResourceURLs?.length &&
      r.apiGroups?.length === 1 &&
      r.resources?.length === 1 &&
      Object.keys(r).every((k) => ["apiGroups", "resources", "verbs", "resourceNames"].includes(k));
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], r.resourceNames?.[0] ?? null]);
    const seen = simple.get(key);
    if (seen) seen.verbs = [...seen.verbs, ...(r.verbs ?? [])];
    else simple.set(key, { ...r, verbs: [...(r.verbs ?? [])] });
  }
  return [...out, ...simple.values()];
}

/** Go's %q of a string slice: ["a" "b"]. */
const goQuoted = (list: string[]) => `[${list.map((s) => JSON.stringify(s)).join(" ")}]`;

/** A rule as kube's escalation messages print it: {APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}. */
export function compactString(r: Rule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoted(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoted(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoted(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoted(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoted(r.verbs)}`);
  return `{${parts.join(", ")}}`;
}

/**
 * What every authenticated user holds on a real cluster through the bootstrap bindings of system:discovery,
 * system:basic-user and system:public-info-viewer (the sandbox grants them in `authorize` without binding objects).
 */
const BOOTSTRAP_RULES: Rule[] = [
  {
    nonResourceURLs: [
      "/api",
      "/api/*",
      "/apis",
      "/apis/*",
      "/healthz",
      "/livez",
      "/openapi",
      "/openapi/*",
      "/readyz",
      "/version",
      "/version/",
    ],
    verbs: ["get"],
  },
  { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"], verbs: ["create"] },
  {
    apiGroups: ["authorization.k8s.io"],
    resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
    verbs: ["create"],
  },
];

/** Go's fmt %v of an aggregate of errors inside a slice, as ConfirmNoEscalation appends resolution errors. */
function resolutionErrors(errors: string[]): string {
  const unique = [...new Set(errors)];
  return `[${unique.length === 1 ? unique[0] : `[${unique.join(", ")}]`}]`;
}

/**
 * Why granting these rules would be an escalation for the user in this namespace ("" = cluster-wide), in kube's words
 * (ConfirmNoEscalation), or undefined when the user already holds all of them.
 */
export function escalationProblem(
  src: RbacSource,
  user: UserInfo,
  ns: string | undefined,
  rules: Rule[],
): string | undefined {
  const held = resolveRules(src, user, ns);
  const { covered, missing } = covers([...held.rules, ...BOOTSTRAP_RULES], rules);
  if (covered) return undefined;
  const described = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${described.join("\n")}`;
  if (held.errors.length) msg += `; resolution errors: ${resolutionErrors(held.errors)}`;
  return msg;
}

/** One write of a Role, ClusterRole, RoleBinding or ClusterRoleBinding through the API. */
export interface RbacWrite {
  resource: string;
  /** The request's namespace (a RoleBinding's or Role's). */
  namespace?: string;
  /** The name on the request's URL (none on a POST). */
  name?: string;
  /** What would be stored. */
  object: KObject;
  /** What is stored now (an update, a patch or an apply to an existing object). */
  old?: KObject;
}

export const RBAC_ESCALATION_CHECKED = new Set(["roles", "clusterroles", "rolebindings", "clusterrolebindings"]);

const GC_FIELDS = ["ownerReferences", "finalizers", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"];
/** The sandbox's own bookkeeping, which a write that changes nothing may still touch. */
const BOOKKEEPING = ["managedFields", "generation"];

/** Whether an update changes nothing but the fields the garbage collector writes (kube's IsOnlyMutatingGCFields). */
export function onlyMutatesGcFields(next: KObject, old: KObject): boolean {
  const strip = (o: KObject) => {
    const md: Record<string, unknown> = { ...o.metadata };
    for (const k of [...GC_FIELDS, ...BOOKKEEPING]) delete md[k];
    return { ...o, metadata: md };
  };
  return canonicalJson(strip(next)) === canonicalJson(strip(old));
}

const forbiddenWrite = (resource: string, name: string | undefined, why: string) =>
  new ApiError(
    403,
    "Forbidden",
    `${resource}.${RBAC_GROUP}${name ? ` ${JSON.stringify(name)}` : ""} is forbidden: ${why}`,
    {
      name: name || undefined,
      group: RBAC_GROUP,
      kind: resource,
    },
  );

const FULL_AUTHORITY: Rule[] = [
  { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
  { nonResourceURLs: ["*"], verbs: ["*"] },
];

/**
 * The refusal kube-apiserver's RBAC storage gives a write that would grant what the requester does not hold, or
 * undefined when it may go ahead:
 * - system:masters may write anything;
 * - an update that only changes garbage-collector fields is not checked;
 * - a binding: allowed with verb `bind` on the role it references (in the binding's namespace, so a RoleBinding may
 *   bind a ClusterRole where `bind` is granted in that namespace), else the requester must already hold every rule of
 *   that role (in the namespace for a RoleBinding, cluster-wide for a ClusterRoleBinding); a role that does not exist
 *   is then a 404;
 * - a role: allowed with verb `escalate` on it, else the requester must hold every rule it grants (and all of them
 *   to set a ClusterRole's aggregationRule).
 */
export function escalationRefusal(src: RbacSource, user: UserInfo, w: RbacWrite): ApiError | undefined {
  if (!RBAC_ESCALATION_CHECKED.has(w.resource) || user.groups.includes("system:masters")) return undefined;
  const name = w.object.metadata?.name;
  const ns = w.resource === "roles" || w.resource === "rolebindings" ? w.namespace : undefined;
  if (w.resource === "roles" || w.resource === "clusterroles") {
    const escalate: Attributes = {
      kind: "resource",
      verb: "escalate",
      group: RBAC_GROUP,
      resource: w.resource,
      namespace: ns,
      name: w.name,
    };
    if (authorize(src, user, escalate)) return undefined;
    if (w.old && onlyMutatesGcFields(w.object, w.old)) return undefined;
    const problem = escalationProblem(src, user, ns, Array.isArray(w.object.rules) ? (w.object.rules as Rule[]) : []);
    if (problem) return forbiddenWrite(w.resource, name, problem);
    const aggregates = (o?: KObject) => Boolean(o?.aggregationRule?.clusterRoleSelectors?.length);
    if (
      w.resource === "clusterroles" &&
      (aggregates(w.object) || aggregates(w.old)) &&
      escalationProblem(src, user, undefined, FULL_AUTHORITY)
    )
      return forbiddenWrite(w.resource, name, "must have cluster-admin privileges to use the aggregationRule");
    return undefined;
  }
  if (w.old && onlyMutatesGcFields(w.object, w.old)) return undefined;
  const ref = (w.object.roleRef ?? {}) as { apiGroup?: string; kind?: string; name?: string };
  const roleResource = ref.kind === "ClusterRole" ? "clusterroles" : ref.kind === "Role" ? "roles" : undefined;
  if (
    roleResource &&
    authorize(src, user, {
      kind: "resource",
      verb: "bind",
      group: ref.apiGroup ?? "",
      resource: roleResource,
      namespace: ns,
      name: ref.name,
    })
  )
    return undefined;
  const rules = referencedRules(src, ref, ns);
  if (rules instanceof ApiError) return rules;
  const problem = escalationProblem(src, user, ns, rules);
  return problem ? forbiddenWrite(w.resource, name, problem) : undefined;
}
