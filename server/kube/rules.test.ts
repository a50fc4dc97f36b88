import { describe, expect, it } from "vitest";
import { MAX_RULES, parseRulesReview, rulesAllow, type RulesReview } from "./rules";

const review = (resourceRules: object[], nonResourceRules: object[] = []): RulesReview =>
  parseRulesReview({ resourceRules, nonResourceRules, incomplete: false });

describe("rulesAllow matches a rule as RBAC does", () => {
  it("verbs, groups and resources, each with its wildcard", () => {
    const r = review([{ verbs: ["get", "list"], apiGroups: ["velero.io"], resources: ["backups"] }]);
    expect(rulesAllow(r, { verb: "list", group: "velero.io", resource: "backups" })).toBe(true);
    expect(rulesAllow(r, { verb: "delete", group: "velero.io", resource: "backups" })).toBe(false);
    expect(rulesAllow(r, { verb: "list", group: "", resource: "backups" })).toBe(false);
    expect(rulesAllow(r, { verb: "list", group: "velero.io", resource: "restores" })).toBe(false);
    const all = review([{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }]);
    expect(
      rulesAllow(all, { verb: "bind", group: "rbac.authorization.k8s.io", resource: "clusterroles", name: "x" }),
    ).toBe(true);
    expect(rulesAllow(all, { verb: "get", group: "", resource: "pods", subresource: "log" })).toBe(true);
  });

  it("a subresource is matched as resource/sub or */sub, never by its resource alone", () => {
    const pods = review([{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }]);
    expect(rulesAllow(pods, { verb: "get", group: "", resource: "pods", subresource: "log" })).toBe(false);
    const log = review([{ verbs: ["get"], apiGroups: [""], resources: ["pods/log"] }]);
    expect(rulesAllow(log, { verb: "get", group: "", resource: "pods", subresource: "log" })).toBe(true);
    expect(rulesAllow(log, { verb: "get", group: "", resource: "pods" })).toBe(false);
    const anyLog = review([{ verbs: ["get"], apiGroups: [""], resources: ["*/log"] }]);
    expect(rulesAllow(anyLog, { verb: "get", group: "", resource: "pods", subresource: "log" })).toBe(true);
    expect(rulesAllow(anyLog, { verb: "get", group: "", resource: "pods", subresource: "exec" })).toBe(false);
  });

  it("resourceNames allow only a request about one of those names (a list or a create names none)", () => {
    const r = review([
      {
        verbs: ["bind", "list"],
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["clusterroles"],
        resourceNames: ["cluster-admin"],
      },
    ]);
    const ask = (verb: string, name?: string) =>
      rulesAllow(r, { verb, group: "rbac.authorization.k8s.io", resource: "clusterroles", name });
    expect(ask("bind", "cluster-admin")).toBe(true);
    expect(ask("bind", "edit")).toBe(false);
    expect(ask("list")).toBe(false);
    expect(ask("list", "")).toBe(false);
  });

  it("non-resource URLs: exact, *, and a trailing * as a prefix", () => {
    const r = review(
      [],
      [
        { verbs: ["get"], nonResourceURLs: ["/version", "/apis/*"] },
        { verbs: ["post"], nonResourceURLs: ["*"] },
      ],
    );
    expect(rulesAllow(r, { verb: "get", nonResourcePath: "/version" })).toBe(true);
    expect(rulesAllow(r, { verb: "get", nonResourcePath: "/apis/snapshot.storage.k8s.io" })).toBe(true);
    expect(rulesAllow(r, { verb: "get", nonResourcePath: "/api" })).toBe(false);
    expect(rulesAllow(r, { verb: "post", nonResourcePath: "/anything" })).toBe(true);
    // Resource rules never allow a URL, nor URL rules a resource.
    expect(rulesAllow(r, { verb: "get", group: "", resource: "version" })).toBe(false);
    expect(
      rulesAllow(review([{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }]), {
        verb: "get",
        nonResourcePath: "/version",
      }),
    ).toBe(false);
  });
});

describe("parseRulesReview reads the cluster's answer defensively", () => {
  it("a complete answer is complete; an evaluation error or a missing flag makes it incomplete", () => {
    expect(parseRulesReview({ resourceRules: [], nonResourceRules: [], incomplete: false }).incomplete).toBe(false);
    expect(
      parseRulesReview({ resourceRules: [], incomplete: false, evaluationError: "role not found" }).incomplete,
    ).toBe(true);
    expect(parseRulesReview({ resourceRules: [] }).incomplete).toBe(true);
    expect(parseRulesReview(undefined)).toEqual({ resourceRules: [], nonResourceRules: [], incomplete: true });
    expect(parseRulesReview("nonsense").incomplete).toBe(true);
  });

  it("a malformed rule is dropped and makes the answer incomplete, never more permissive", () => {
    const r = parseRulesReview({
      resourceRules: [
        { verbs: "*", apiGroups: ["*"], resources: ["*"] },
        { verbs: ["get"], apiGroups: [""], resources: [7] },
        null,
        { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
      ],
      nonResourceRules: [{ verbs: ["get"], nonResourceURLs: "/version" }],
      incomplete: false,
    });
    expect(r.incomplete).toBe(true);
    expect(r.resourceRules).toEqual([{ verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: [] }]);
    expect(r.nonResourceRules).toEqual([]);
    expect(rulesAllow(r, { verb: "delete", group: "", resource: "pods" })).toBe(false);
  });

  it(`more than ${MAX_RULES} rules are not read at all`, () => {
    const many = Array.from({ length: MAX_RULES + 1 }, () => ({ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }));
    const r = parseRulesReview({ resourceRules: many, nonResourceRules: [], incomplete: false });
    expect(r).toEqual({ resourceRules: [], nonResourceRules: [], incomplete: true });
  });

  it("a long run of stars in a URL rule is matched in linear time", () => {
    const r = review(
      [],
      [{ verbs: ["get"], nonResourceURLs: ["/x" + "*".repeat(200_000) + "y", "/v" + "*".repeat(200_000)] }],
    );
    expect(rulesAllow(r, { verb: "get", nonResourcePath: "/version" })).toBe(true);
    expect(rulesAllow(r, { verb: "get", nonResourcePath: "/xz" })).toBe(false);
  });
});
