// What a SelfSubjectRulesReview answers, read defensively (it comes from the cluster), and whether its rules allow one
// request, matched as Kubernetes' RBAC authorizer matches a rule (rbac/v1 evaluation helpers: VerbMatches,
// APIGroupMatches, ResourceMatches, ResourceNameMatches, NonResourceURLMatches). A rules review answers in one request
// what would otherwise take one SelfSubjectAccessReview per permission; where it says its rules are incomplete (an
// authorizer that cannot list rules, such as a webhook) only an access review can say no.

export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}
export interface RulesReview {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** Some authorizer could not list its rules, or some binding could not be resolved: a rule missing here may exist. */
  incomplete: boolean;
}

/** More rules than this is not an RBAC setup anyone writes: the answer is treated as incomplete rather than read. */
export const MAX_RULES = 5_000;
const MAX_STRINGS = 1_000;

const strings = (v: unknown): string[] | null =>
  Array.isArray(v) && v.length <= MAX_STRINGS && v.every((s) => typeof s === "string") ? (v as string[]) : null;

/** A review's status as sent by the server; anything malformed makes it incomplete, never wrongly permissive. */
export function parseRulesReview(status: unknown): RulesReview {
  const s = (typeof status === "object" && status !== null ? status : {}) as Record<string, unknown>;
  const rawResource = Array.isArray(s.resourceRules) ? s.resourceRules : [];
  const rawNonResource = Array.isArray(s.nonResourceRules) ? s.nonResourceRules : [];
  let incomplete =
    s.incomplete !== false ||
    (typeof s.evaluationError === "string" && s.evaluationError !== "") ||
    rawResource.length + rawNonResource.length > MAX_RULES;
  if (rawResource.length + rawNonResource.length > MAX_RULES)
    return { resourceRules: [], nonResourceRules: [], incomplete };
  const resourceRules: ResourceRule[] = [];
  for (const r of rawResource as Record<string, unknown>[]) {
    const verbs = strings(r?.verbs);
    const apiGroups = strings(r?.apiGroups ?? []);
    const resources = strings(r?.resources ?? []);
    const resourceNames = strings(r?.resourceNames ?? []);
    if (verbs && apiGroups && resources && resourceNames)
      resourceRules.push({ verbs, apiGroups, resources, resourceNames });
    else incomplete = true;
  }
  const nonResourceRules: NonResourceRule[] = [];
  for (const r of rawNonResource as Record<string, unknown>[]) {
    const verbs = strings(r?.verbs);
    const nonResourceURLs = strings(r?.nonResourceURLs ?? []);
    if (verbs && nonResourceURLs) nonResourceRules.push({ verbs, nonResourceURLs });
    else incomplete = true;
  }
  return { resourceRules, nonResourceRules, incomplete };
}

export type AccessAttributes =
  | { verb: string; group: string; resource: string; subresource?: string; name?: string }
  | { verb: string; nonResourcePath: string };

const matches = (list: string[], v: string) => list.some((x) => x === "*" || x === v);

/** Go's strings.TrimRight(s, "*"), without a regular expression (the rule comes from the cluster). */
function trimStars(s: string): string {
  let end = s.length;
  while (end > 0 && s[end - 1] === "*") end--;
  return s.slice(0, end);
}

/** Does some rule of the review allow this request? (A rule missing from an incomplete review proves nothing.) */
export function rulesAllow(review: RulesReview, a: AccessAttributes): boolean {
  if ("nonResourcePath" in a)
    return review.nonResourceRules.some(
      (r) =>
        matches(r.verbs, a.verb) &&
        r.nonResourceURLs.some(
          (u) =>
            u === "*" || u === a.nonResourcePath || (u.endsWith("*") && a.nonResourcePath.startsWith(trimStars(u))),
        ),
    );
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return review.resourceRules.some(
    (r) =>
      matches(r.verbs, a.verb) &&
      matches(r.apiGroups, a.group) &&
      r.resources.some(
        (x) => x === "*" || x === combined || (a.subresource !== undefined && x === `*/${a.subresource}`),
      ) &&
      (r.resourceNames.length === 0 || (a.name !== undefined && a.name !== "" && r.resourceNames.includes(a.name))),
  );
}
