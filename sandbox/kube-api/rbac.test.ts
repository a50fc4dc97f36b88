import { describe, expect, it } from "vitest";
import {
  breakdownRule,
  compactRules,
  compactString,
  covers,
  escalationProblem,
  escalationRefusal,
  onlyMutatesGcFields,
  type RbacSource,
  type Rule,
  type UserInfo,
} from "./rbac";
import type { KObject } from "./types";

// Escalation prevention as kube's pkg/registry/rbac does it: rule coverage (validation.Covers), the missing rules in
// its words (CompactRules, CompactString), and the bind / escalate / coverage decisions of the roles' and bindings'
// policy-based storage.
const RBAC = "rbac.authorization.k8s.io";
const SA: UserInfo = {
  name: "system:serviceaccount:lifeboat-system:lifeboat",
  groups: ["system:serviceaccounts", "system:serviceaccounts:lifeboat-system", "system:authenticated"],
};
const ADMIN: UserInfo = { name: "sandbox-admin", groups: ["system:masters", "system:authenticated"] };

const clusterRole = (name: string, rules: Rule[], extra: Partial<KObject> = {}): KObject => ({
  metadata: { name },
  rules,
  ...extra,
});
const role = (ns: string, name: string, rules: Rule[]): KObject => ({ metadata: { name, namespace: ns }, rules });
const saSubject = [{ kind: "ServiceAccount", name: "lifeboat", namespace: "lifeboat-system" }];
const crb = (name: string, roleName: string): KObject => ({
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: roleName },
  subjects: saSubject,
});
const rb = (ns: string, name: string, kind: "Role" | "ClusterRole", roleName: string): KObject => ({
  metadata: { name, namespace: ns },
  roleRef: { apiGroup: RBAC, kind, name: roleName },
  subjects: saSubject,
});

function source(o: { clusterRoles?: KObject[]; crbs?: KObject[]; roles?: KObject[]; rbs?: KObject[] }): RbacSource {
  const CLUSTER_ADMIN = clusterRole("cluster-admin", [
    { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
    { nonResourceURLs: ["*"], verbs: ["*"] },
  ]);
  return {
    clusterRoles: () => [CLUSTER_ADMIN, ...(o.clusterRoles ?? [])],
    clusterRoleBindings: () => o.crbs ?? [],
    roles: (ns) => (o.roles ?? []).filter((r) => r.metadata.namespace === ns),
    roleBindings: (ns) => (o.rbs ?? []).filter((r) => r.metadata.namespace === ns),
  };
}

describe("rule coverage (kube's validation.Covers)", () => {
  it("breaks a rule down to one group, resource, verb and name each, and URLs to one URL and verb", () => {
    expect(
      breakdownRule({ apiGroups: ["", "apps"], resources: ["pods"], verbs: ["get", "list"], resourceNames: ["a"] }),
    ).toEqual([
      { apiGroups: [""], resources: ["pods"], verbs: ["get"], resourceNames: ["a"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["list"], resourceNames: ["a"] },
      { apiGroups: ["apps"], resources: ["pods"], verbs: ["get"], resourceNames: ["a"] },
      { apiGroups: ["apps"], resources: ["pods"], verbs: ["list"], resourceNames: ["a"] },
    ]);
    expect(breakdownRule({ nonResourceURLs: ["/metrics"], verbs: ["get", "post"] })).toEqual([
      { nonResourceURLs: ["/metrics"], verbs: ["get"] },
      { nonResourceURLs: ["/metrics"], verbs: ["post"] },
    ]);
  });

  it("covers with * in verbs, groups and resources, and reports what is not covered rule by rule", () => {
    const owner: Rule[] = [
      { apiGroups: ["apps"], resources: ["*"], verbs: ["get"] },
      { apiGroups: ["*"], resources: ["configmaps"], verbs: ["*"] },
    ];
    expect(covers(owner, [{ apiGroups: ["apps"], resources: ["deployments", "daemonsets"], verbs: ["get"] }])).toEqual({
      covered: true,
      missing: [],
    });
    expect(
      covers(owner, [{ apiGroups: ["", "x.io"], resources: ["configmaps"], verbs: ["delete", "bind"] }]).covered,
    ).toBe(true);
    expect(
      covers(owner, [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch"] }]),
    ).toEqual({
      covered: false,
      missing: [
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["list"] },
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["watch"] },
      ],
    });
    // A literal "*" in the wanted rule is covered only by "*" (not by holding every known verb).
    expect(
      covers(
        [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list"] }],
        [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
      ),
    ).toMatchObject({ covered: false });
    expect(
      covers(
        [{ apiGroups: ["apps"], resources: ["*"], verbs: ["*"] }],
        [{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }],
      ),
    ).toMatchObject({ covered: false });
  });

  it("covers a subresource by name or by */sub, but not by its parent resource", () => {
    const wanted: Rule[] = [{ apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["update"] }];
    expect(covers([{ apiGroups: ["apps"], resources: ["*/scale"], verbs: ["update"] }], wanted).covered).toBe(true);
    expect(covers([{ apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["update"] }], wanted).covered).toBe(
      true,
    );
    expect(covers([{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["update"] }], wanted).covered).toBe(
      false,
    );
  });

  it("respects resourceNames: a named grant covers only those names, an unnamed grant covers all", () => {
    const named: Rule[] = [
      { apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["bind"], resourceNames: ["view"] },
    ];
    expect(covers(named, [{ ...named[0], resourceNames: ["view"] }]).covered).toBe(true);
    expect(covers(named, [{ ...named[0], resourceNames: ["view", "edit"] }]).missing).toEqual([
      { apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["bind"], resourceNames: ["edit"] },
    ]);
    expect(covers(named, [{ apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["bind"] }]).covered).toBe(false);
    expect(covers([{ apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["bind"] }], named).covered).toBe(true);
  });

  it("covers non-resource URLs exactly or by a trailing *, and never by resource rules", () => {
    expect(
      covers([{ nonResourceURLs: ["/logs/*"], verbs: ["get"] }], [{ nonResourceURLs: ["/logs/x"], verbs: ["get"] }])
        .covered,
    ).toBe(true);
    expect(
      covers([{ nonResourceURLs: ["/logs"], verbs: ["get"] }], [{ nonResourceURLs: ["/logs/x"], verbs: ["get"] }])
        .covered,
    ).toBe(false);
    expect(
      covers([{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }], [{ nonResourceURLs: ["/x"], verbs: ["get"] }])
        .covered,
    ).toBe(false);
    expect(
      covers([{ nonResourceURLs: ["*"], verbs: ["*"] }], [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }])
        .covered,
    ).toBe(false);
  });
});

describe("the missing rules in kube's words", () => {
  it("merges the verbs of one group and resource (and name), and prints rules as CompactString does", () => {
    const missing = covers(
      [],
      [
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list"] },
        { apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["bind"], resourceNames: ["a", "b"] },
        { nonResourceURLs: ["/metrics"], verbs: ["get"] },
      ],
    ).missing;
    const compact = compactRules(missing).map(compactString).sort();
    expect(compact).toEqual([
      '{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}',
      '{APIGroups:["rbac.authorization.k8s.io"], Resources:["clusterroles"], ResourceNames:["a"], Verbs:["bind"]}',
      '{APIGroups:["rbac.authorization.k8s.io"], Resources:["clusterroles"], ResourceNames:["b"], Verbs:["bind"]}',
      '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    ]);
  });

  it("names the user, its groups and the sorted missing rules, and the bindings it could not resolve", () => {
    const src = source({ crbs: [crb("dangling", "gone")] });
    const msg = escalationProblem(src, SA, undefined, [
      { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
      { nonResourceURLs: ["*"], verbs: ["*"] },
    ]);
    expect(msg).toBe(
      'user "system:serviceaccount:lifeboat-system:lifeboat" (groups=["system:serviceaccounts" "system:serviceaccounts:lifeboat-system" "system:authenticated"]) ' +
        "is attempting to grant RBAC permissions not currently held:\n" +
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n' +
        '{NonResourceURLs:["*"], Verbs:["*"]}' +
        '; resolution errors: [clusterroles.rbac.authorization.k8s.io "gone" not found]',
    );
  });

  it("counts what every authenticated user holds on a real cluster (discovery, self reviews)", () => {
    expect(
      escalationProblem(source({}), SA, undefined, [
        { nonResourceURLs: ["/apis/*", "/version"], verbs: ["get"] },
        { apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews"], verbs: ["create"] },
      ]),
    ).toBeUndefined();
  });
});

describe("escalationRefusal (the roles' and bindings' policy-based storage)", () => {
  const writer = clusterRole("rbac-writer", [
    {
      apiGroups: [RBAC],
      resources: ["clusterrolebindings", "rolebindings", "roles", "clusterroles"],
      verbs: ["create", "update", "patch"],
    },
  ]);
  const base = { clusterRoles: [writer], crbs: [crb("writer", "rbac-writer")] };

  it("refuses binding cluster-admin without bind or its rules, with kube's message; system:masters may", () => {
    const src = source(base);
    const refusal = escalationRefusal(src, SA, {
      resource: "clusterrolebindings",
      object: crb("velero", "cluster-admin"),
    });
    expect(refusal?.code).toBe(403);
    expect(refusal?.toStatus()).toMatchObject({
      reason: "Forbidden",
      details: { name: "velero", group: RBAC, kind: "clusterrolebindings" },
    });
    expect(refusal?.message).toBe(
      'clusterrolebindings.rbac.authorization.k8s.io "velero" is forbidden: user "system:serviceaccount:lifeboat-system:lifeboat" ' +
        '(groups=["system:serviceaccounts" "system:serviceaccounts:lifeboat-system" "system:authenticated"]) ' +
        "is attempting to grant RBAC permissions not currently held:\n" +
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
    );
    expect(
      escalationRefusal(src, ADMIN, { resource: "clusterrolebindings", object: crb("velero", "cluster-admin") }),
    ).toBeUndefined();
  });

  it("allows a binding with bind on that role by name, and only that name", () => {
    const binder = clusterRole("binder", [
      { apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["bind"], resourceNames: ["cluster-admin"] },
    ]);
    const src = source({
      clusterRoles: [
        writer,
        binder,
        clusterRole("other", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }]),
      ],
      crbs: [...base.crbs, crb("binder", "binder")],
    });
    expect(
      escalationRefusal(src, SA, { resource: "clusterrolebindings", object: crb("velero", "cluster-admin") }),
    ).toBeUndefined();
    expect(
      escalationRefusal(src, SA, { resource: "clusterrolebindings", object: crb("x", "other") })?.message,
    ).toContain('{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}');
  });

  it("allows a binding whose role's rules the requester already holds, and 404s a role that does not exist", () => {
    const reader = clusterRole("reader", [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list"] }]);
    const holds = clusterRole("holds", [{ apiGroups: ["apps"], resources: ["*"], verbs: ["*"] }]);
    const src = source({ clusterRoles: [writer, reader, holds], crbs: [...base.crbs, crb("holds", "holds")] });
    expect(escalationRefusal(src, SA, { resource: "clusterrolebindings", object: crb("r", "reader") })).toBeUndefined();
    const missing = escalationRefusal(src, SA, { resource: "clusterrolebindings", object: crb("r", "nope") });
    expect([missing?.code, missing?.message]).toEqual([404, 'clusterroles.rbac.authorization.k8s.io "nope" not found']);
  });

  it("checks a RoleBinding to a ClusterRole in the binding's namespace: bind or rules held there", () => {
    const edit = (ns: string) => rb(ns, "editors", "ClusterRole", "edit");
    const withEdit = source({
      ...base,
      clusterRoles: [writer, clusterRole("edit", [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "create"] }])],
      rbs: [rb("apps", "binder", "Role", "bind-edit")],
      roles: [
        role("apps", "bind-edit", [
          { apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["bind"], resourceNames: ["edit"] },
        ]),
      ],
    });
    expect(
      escalationRefusal(withEdit, SA, { resource: "rolebindings", namespace: "apps", object: edit("apps") }),
    ).toBeUndefined();
    const elsewhere = escalationRefusal(withEdit, SA, {
      resource: "rolebindings",
      namespace: "web",
      object: edit("web"),
    });
    expect(elsewhere?.message).toMatch(
      /^rolebindings\.rbac\.authorization\.k8s\.io "editors" is forbidden: user .* not currently held:\n/,
    );
    // Holding the rules in the namespace (through a RoleBinding there) is enough too.
    const held = source({
      ...base,
      clusterRoles: [writer, clusterRole("edit", [{ apiGroups: ["*"], resources: ["*"], verbs: ["get"] }])],
      rbs: [rb("web", "admin-here", "ClusterRole", "cluster-admin")],
    });
    expect(
      escalationRefusal(held, SA, { resource: "rolebindings", namespace: "web", object: edit("web") }),
    ).toBeUndefined();
    expect(
      escalationRefusal(held, SA, { resource: "rolebindings", namespace: "apps", object: edit("apps") })?.code,
    ).toBe(403);
  });

  it("refuses a Role with rules beyond the requester's unless it may escalate (by name on updates)", () => {
    const wide = role("apps", "wide", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }]);
    const src = source(base);
    const refused = escalationRefusal(src, SA, { resource: "roles", namespace: "apps", object: wide });
    expect(refused?.message).toBe(
      'roles.rbac.authorization.k8s.io "wide" is forbidden: user "system:serviceaccount:lifeboat-system:lifeboat" ' +
        '(groups=["system:serviceaccounts" "system:serviceaccounts:lifeboat-system" "system:authenticated"]) ' +
        'is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    );
    const escalator = source({
      ...base,
      roles: [
        role("apps", "escalator", [
          { apiGroups: [RBAC], resources: ["roles"], verbs: ["escalate"], resourceNames: ["wide"] },
        ]),
      ],
      rbs: [rb("apps", "escalator", "Role", "escalator")],
    });
    // A POST has no name on its URL, so a grant restricted by name does not apply to it (as in kube).
    expect(escalationRefusal(escalator, SA, { resource: "roles", namespace: "apps", object: wide })?.code).toBe(403);
    expect(
      escalationRefusal(escalator, SA, { resource: "roles", namespace: "apps", name: "wide", object: wide, old: wide }),
    ).toBeUndefined();
  });

  it("lets an update through that only changes garbage-collector fields, and checks any other", () => {
    const src = source(base);
    const old = { ...crb("velero", "cluster-admin"), metadata: { name: "velero", resourceVersion: "5", uid: "u" } };
    const owned = {
      ...old,
      metadata: {
        ...old.metadata,
        finalizers: ["x"],
        ownerReferences: [{ apiVersion: "v1", kind: "X", name: "o", uid: "1" }],
      },
    };
    expect(onlyMutatesGcFields(owned, old)).toBe(true);
    expect(
      escalationRefusal(src, SA, { resource: "clusterrolebindings", name: "velero", object: owned, old }),
    ).toBeUndefined();
    const labelled = { ...old, metadata: { ...old.metadata, labels: { a: "b" } } };
    expect(onlyMutatesGcFields(labelled, old)).toBe(false);
    expect(
      escalationRefusal(src, SA, { resource: "clusterrolebindings", name: "velero", object: labelled, old })?.code,
    ).toBe(403);
  });

  it("requires every permission to set a ClusterRole's aggregationRule", () => {
    const holds = clusterRole("holds", [{ apiGroups: ["apps"], resources: ["*"], verbs: ["*"] }]);
    const src = source({ clusterRoles: [writer, holds], crbs: [...base.crbs, crb("holds", "holds")] });
    const aggregated = clusterRole("agg", [], {
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: "b" } }] },
    });
    expect(escalationRefusal(src, SA, { resource: "clusterroles", object: aggregated })?.message).toBe(
      'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule',
    );
    expect(
      escalationRefusal(src, SA, { resource: "clusterroles", object: clusterRole("apps-only", holds.rules) }),
    ).toBeUndefined();
  });
});
