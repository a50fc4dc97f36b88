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
        (u) => u === "*" || u === a.path || (u.endsWith("*") && a.path.startsWith(u.slice(0, -1))),
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

function roleRules(src: RbacSource, ref: { kind: string; name: string }, ns?: string): Rule[] {
  const role =
    ref.kind === "ClusterRole"
      ? src.clusterRoles().find((r) => r.metadata.name === ref.name)
      : src.roles(ns!).find((r) => r.metadata.name === ref.name);
  return (role?.rules as Rule[] | undefined) ?? [];
}

/** The rules that apply to a user in a namespace (cluster-wide ones included). */
export function rulesFor(src: RbacSource, user: UserInfo, ns?: string): Rule[] {
  const rules: Rule[] = [];
  for (const b of src.clusterRoleBindings())
    if (subjectMatches(b.subjects, user)) rules.push(...roleRules(src, b.roleRef));
  if (ns)
    for (const b of src.roleBindings(ns))
      if (subjectMatches(b.subjects, user, ns)) rules.push(...roleRules(src, b.roleRef, ns));
  return rules;
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
