import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { clusterOnboardingOutput } from "@/lib/schemas/cluster";
import {
  describeAccess,
  INSTALLER_SERVICE_ACCOUNT,
  MANAGE_ROWS,
  manageAccess,
  manageAdds,
  onboardingManifest,
  REQUIRED_ACCESS,
  requiredAccess,
  rulesFor,
  type AccessRequirement,
  type PolicyRule,
} from "./access";

type Doc = {
  apiVersion: string;
  kind: string;
  type?: string;
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
};

function docs(yaml: string): Doc[] {
  const all = parseAllDocuments(yaml);
  for (const d of all) expect(d.errors).toEqual([]);
  return all.map((d) => d.toJS() as Doc);
}

const key = (verb: string, group: string, resource: string, namespace?: string, name?: string) =>
  `${verb} ${group}/${resource}${name ? `/${name}` : ""} @${namespace ?? "cluster"}`;
const keyOf = (a: AccessRequirement) => key(a.verb, a.group, a.resource, a.namespace, a.resourceName);

/** Every (verb, group, resource, name) a rule grants, in `namespace` (undefined: cluster-wide). */
function granted(rules: PolicyRule[], namespace?: string): string[] {
  return rules.flatMap((r) =>
    r.nonResourceURLs
      ? r.verbs.flatMap((v) => r.nonResourceURLs!.map((u) => key(v, "", u, namespace)))
      : r.verbs.flatMap((v) =>
          r.apiGroups!.flatMap((g) =>
            r.resources!.flatMap((res) =>
              r.resourceNames ? r.resourceNames.map((n) => key(v, g, res, namespace, n)) : [key(v, g, res, namespace)],
            ),
          ),
        ),
  );
}

describe("REQUIRED_ACCESS", () => {
  it("lists each verb on each resource once, with a reason, all at level operate and none by name", () => {
    const keys = REQUIRED_ACCESS.map(keyOf);
    expect(new Set(keys).size).toBe(keys.length);
    expect(REQUIRED_ACCESS.every((a) => a.why.startsWith("needed to"))).toBe(true);
    expect(REQUIRED_ACCESS.every((a) => a.level === "operate" && a.resourceName === undefined)).toBe(true);
    // 7 Velero kinds × 7 verbs, 4 progress kinds × 3, secrets 4, configmaps 4, Velero's Deployment and DaemonSet
    // 2 × 2, 7 cluster-wide kinds × 2, GET /version; then the optional rows of volume coverage (#13): watch on 5
    // cluster-wide kinds, get/list/watch on VolumeSnapshotLocations; and those of the restore prediction (#14): list
    // on 14 kinds a restore writes.
    expect(REQUIRED_ACCESS).toHaveLength(49 + 12 + 4 + 4 + 4 + 14 + 1 + 5 + 3 + 14);
  });

  it("marks only volume coverage's watches (and snapshot locations) and the restore prediction's lists optional, so older manifests keep their level", () => {
    expect(REQUIRED_ACCESS.filter((a) => a.optional).map(keyOf)).toEqual([
      key("watch", "", "namespaces", undefined),
      key("watch", "", "pods", undefined),
      key("watch", "", "persistentvolumeclaims", undefined),
      key("watch", "", "persistentvolumes", undefined),
      key("watch", "snapshot.storage.k8s.io", "volumesnapshotclasses", undefined),
      key("get", "velero.io", "volumesnapshotlocations", "velero"),
      key("list", "velero.io", "volumesnapshotlocations", "velero"),
      key("watch", "velero.io", "volumesnapshotlocations", "velero"),
      ...[
        ["", "serviceaccounts"],
        ["", "services"],
        ["apps", "deployments"],
        ["apps", "statefulsets"],
        ["apps", "daemonsets"],
        ["apps", "replicasets"],
        ["batch", "jobs"],
        ["batch", "cronjobs"],
        ["networking.k8s.io", "ingresses"],
        ["networking.k8s.io", "networkpolicies"],
        ["policy", "poddisruptionbudgets"],
        ["autoscaling", "horizontalpodautoscalers"],
        ["rbac.authorization.k8s.io", "roles"],
        ["rbac.authorization.k8s.io", "rolebindings"],
      ].map(([group, resource]) => key("list", group, resource, undefined)),
    ]);
  });

  it.each([
    ["create", "velero.io", "backups", "velero"],
    ["delete", "velero.io", "deletebackuprequests", "velero"],
    ["watch", "velero.io", "datauploads", "velero"],
    ["update", "", "secrets", "velero"],
    ["create", "", "configmaps", "velero"],
    ["get", "apps", "daemonsets", "velero"],
    ["list", "", "persistentvolumes", undefined],
    ["list", "snapshot.storage.k8s.io", "volumesnapshotclasses", undefined],
    ["get", "apiextensions.k8s.io", "customresourcedefinitions", undefined],
    ["get", "", "/version", undefined],
  ])("includes %s %s/%s in %s", (verb, group, resource, namespace) => {
    expect(REQUIRED_ACCESS.map(keyOf)).toContain(key(verb, group, resource, namespace));
  });

  it.each([
    ["list", "", "secrets", "velero"],
    ["watch", "", "secrets", "velero"],
    ["delete", "velero.io", "podvolumebackups", "velero"],
    ["create", "", "namespaces", undefined],
    ["delete", "", "pods", undefined],
    ["get", "", "secrets", undefined],
    ["list", "", "configmaps", "velero"],
    ["list", "", "configmaps", undefined],
    ["list", "", "secrets", undefined],
  ])("does not ask for %s %s/%s in %s", (verb, group, resource, namespace) => {
    expect(REQUIRED_ACCESS.map(keyOf)).not.toContain(key(verb, group, resource, namespace));
  });

  it("describes a row the way the attach page shows what is missing", () => {
    const pv = REQUIRED_ACCESS.find((a) => a.verb === "list" && a.resource === "persistentvolumes")!;
    expect(describeAccess(pv)).toBe("list persistentvolumes (cluster-wide): needed to show volume coverage");
    const b = REQUIRED_ACCESS.find((a) => a.verb === "create" && a.resource === "backups")!;
    expect(describeAccess(b)).toBe(
      "create backups.velero.io (namespace velero): needed to run, list and follow backups",
    );
  });

  it("follows Velero into another namespace", () => {
    const rows = requiredAccess("backup-system");
    expect(rows.filter((a) => a.namespace).every((a) => a.namespace === "backup-system")).toBe(true);
    expect(rows).toHaveLength(REQUIRED_ACCESS.length);
  });
});

describe("onboardingManifest", () => {
  const { yaml, command } = onboardingManifest();
  const all = docs(yaml);
  const byKind = (kind: string) => all.find((d) => d.kind === kind)!;

  it("is YAML documents of the expected kinds, names and namespaces", () => {
    expect(all.map((d) => [d.kind, d.metadata.name, d.metadata.namespace])).toEqual([
      ["Namespace", "lifeboat-system", undefined],
      ["ServiceAccount", "lifeboat", "lifeboat-system"],
      ["Secret", "lifeboat-token", "lifeboat-system"],
      ["ClusterRole", "lifeboat", undefined],
      ["ClusterRoleBinding", "lifeboat", undefined],
      ["Role", "lifeboat", "velero"],
      ["RoleBinding", "lifeboat", "velero"],
    ]);
    expect(byKind("Secret").type).toBe("kubernetes.io/service-account-token");
    expect(byKind("Secret").metadata.annotations).toEqual({ "kubernetes.io/service-account.name": "lifeboat" });
    for (const [binding, role] of [
      ["ClusterRoleBinding", "ClusterRole"],
      ["RoleBinding", "Role"],
    ]) {
      expect(byKind(binding).roleRef).toMatchObject({ kind: role, name: "lifeboat" });
      expect(byKind(binding).subjects).toEqual([
        { kind: "ServiceAccount", name: "lifeboat", namespace: "lifeboat-system" },
      ]);
    }
  });

  it("grants exactly REQUIRED_ACCESS: the ClusterRole the cluster-wide rows, the Role the velero ones", () => {
    const grantedKeys = [...granted(byKind("ClusterRole").rules!), ...granted(byKind("Role").rules!, "velero")];
    expect(new Set(grantedKeys).size).toBe(grantedKeys.length);
    expect(grantedKeys.sort()).toEqual(REQUIRED_ACCESS.map(keyOf).sort());
  });

  it("uses no wildcards and no resourceNames", () => {
    for (const r of [...byKind("ClusterRole").rules!, ...byKind("Role").rules!]) {
      for (const list of [r.verbs, r.apiGroups ?? [], r.resources ?? [], r.nonResourceURLs ?? []])
        expect(list.some((x) => x.includes("*"))).toBe(false);
      expect(r).not.toHaveProperty("resourceNames");
    }
  });

  it("comes with a kubectl + jsonpath command that reads the token Secret and prints a kubeconfig", () => {
    expect(command).toContain("NS=lifeboat-system SECRET=lifeboat-token");
    expect(command).toContain(`kubectl -n "$NS" get secret "$SECRET" -o jsonpath='{.data.token}' | base64 --decode`);
    expect(command).toContain("kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}'");
    expect(command).toMatch(/certificate-authority-data/);
    expect(command).not.toMatch(/\bjq\b/);
    expect(command).not.toContain("\n");
  });

  it("takes another namespace, service account and Velero namespace", () => {
    const custom = onboardingManifest({
      namespace: "platform",
      serviceAccount: "lb",
      veleroNamespace: "backup-system",
    });
    const d = docs(custom.yaml);
    expect(d.map((x) => `${x.kind}/${x.metadata.namespace ?? ""}/${x.metadata.name}`)).toEqual([
      "Namespace//platform",
      "ServiceAccount/platform/lb",
      "Secret/platform/lb-token",
      "ClusterRole//lb",
      "ClusterRoleBinding//lb",
      "Role/backup-system/lb",
      "RoleBinding/backup-system/lb",
    ]);
    expect(custom.command).toContain("NS=platform SECRET=lb-token");
  });

  it.each([{ namespace: "Lifeboat" }, { serviceAccount: "lb; rm -rf /" }, { veleroNamespace: "" }])(
    "refuses a name that is not a Kubernetes name (%j)",
    (opts) => {
      expect(() => onboardingManifest(opts)).toThrow(/is not a valid Kubernetes name/);
    },
  );
});

describe('manageAccess (the "manage Velero" level, plan §5.1)', () => {
  const rows = manageAccess("velero", "lifeboat-system");

  it("lists each verb on each resource (and name) once, at level manage, none already granted by operate", () => {
    const keys = rows.map(keyOf);
    expect(new Set(keys).size).toBe(keys.length);
    expect(rows.every((a) => a.level === "manage" && a.why.length > 0)).toBe(true);
    const operate = new Set(REQUIRED_ACCESS.map(keyOf));
    expect(keys.filter((k) => operate.has(k))).toEqual([]);
    // cluster: CRDs 4, CRB create 1, CRB velero 4, bind 1, namespace velero 2, namespaces patch/delete 2 (restore
    // drills, #14), csidrivers 2, snapshot API 1; velero: serviceaccounts 5, deployments and daemonsets 2 × 5, pods 2,
    // events 1, secrets 2; lifeboat-system: jobs 4, pods 2, pods/log 1, secrets 4.
    expect(rows).toHaveLength(17 + 20 + 11);
  });

  it.each([
    ["bind", "rbac.authorization.k8s.io", "clusterroles", undefined, "cluster-admin"],
    ["create", "rbac.authorization.k8s.io", "clusterrolebindings", undefined, undefined],
    ["patch", "rbac.authorization.k8s.io", "clusterrolebindings", undefined, "velero"],
    ["delete", "rbac.authorization.k8s.io", "clusterrolebindings", undefined, "velero"],
    ["create", "apiextensions.k8s.io", "customresourcedefinitions", undefined, undefined],
    ["patch", "", "namespaces", undefined, "velero"],
    ["list", "storage.k8s.io", "csidrivers", undefined, undefined],
    ["get", "", "/apis/snapshot.storage.k8s.io", undefined, undefined],
    ["create", "", "serviceaccounts", "velero", undefined],
    ["watch", "apps", "deployments", "velero", undefined],
    ["delete", "apps", "daemonsets", "velero", undefined],
    ["list", "", "events", "velero", undefined],
    ["patch", "", "secrets", "velero", undefined],
    ["create", "batch", "jobs", "lifeboat-system", undefined],
    ["get", "", "pods/log", "lifeboat-system", undefined],
    ["create", "", "secrets", "lifeboat-system", undefined],
  ])("includes %s %s/%s in %s (name %s)", (verb, group, resource, namespace, name) => {
    expect(rows.map(keyOf)).toContain(key(verb, group, resource, namespace, name));
  });

  it.each([
    // RBAC cannot restrict create by name, so no create row names its object.
    ["create", "rbac.authorization.k8s.io", "clusterrolebindings", undefined, "velero"],
    ["bind", "rbac.authorization.k8s.io", "clusterroles", undefined, undefined],
    ["escalate", "rbac.authorization.k8s.io", "clusterroles", undefined, undefined],
    ["create", "rbac.authorization.k8s.io", "clusterroles", undefined, undefined],
    ["create", "", "namespaces", undefined, undefined],
    ["delete", "", "namespaces", undefined, "velero"],
    ["get", "", "secrets", undefined, undefined],
    ["create", "batch", "jobs", "velero", undefined],
  ])("does not ask for %s %s/%s in %s (name %s)", (verb, group, resource, namespace, name) => {
    expect(rows.map(keyOf)).not.toContain(key(verb, group, resource, namespace, name));
  });

  it("follows Velero's and Lifeboat's namespaces, and leaves out Lifeboat's rows when its namespace is unknown", () => {
    const other = manageAccess("backup-system", "platform");
    expect(new Set(other.filter((a) => a.namespace).map((a) => a.namespace))).toEqual(
      new Set(["backup-system", "platform"]),
    );
    expect(other.find((a) => a.resource === "namespaces" && a.resourceName)?.resourceName).toBe("backup-system");
    const unknown = manageAccess("velero", null);
    expect(unknown.some((a) => a.namespace === "lifeboat-system")).toBe(false);
    expect(unknown).toHaveLength(rows.length - 11);
  });

  it("describes a named row with its name", () => {
    const bind = rows.find((a) => a.verb === "bind")!;
    expect(describeAccess(bind)).toBe(
      "bind clusterroles.rbac.authorization.k8s.io/cluster-admin (cluster-wide): the installer binds Velero to cluster-admin (RBAC escalation check)",
    );
  });

  it("MANAGE_ROWS (the dialog's table) expand to exactly these rows", () => {
    const n = MANAGE_ROWS.reduce((sum, r) => sum + r.resources.length * r.verbs.length, 0);
    expect(n).toBe(rows.length);
    expect(MANAGE_ROWS.every((r) => r.why.length > 0 && ["cluster", "velero", "lifeboat"].includes(r.scope))).toBe(
      true,
    );
  });
});

describe("rulesFor", () => {
  const row = (verb: string, resource: string, resourceName?: string): AccessRequirement => ({
    level: "manage",
    verb,
    group: "rbac.authorization.k8s.io",
    resource,
    ...(resourceName ? { resourceName } : {}),
    why: "test",
  });

  it("groups by group, verbs and resource name, and emits resourceNames only for named rows", () => {
    expect(
      rulesFor([
        row("create", "clusterrolebindings"),
        row("get", "clusterrolebindings", "velero"),
        row("patch", "clusterrolebindings", "velero"),
        row("get", "roles", "velero"),
        row("patch", "roles", "velero"),
        row("bind", "clusterroles", "cluster-admin"),
        row("create", "roles"),
      ]),
    ).toEqual([
      { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterrolebindings", "roles"], verbs: ["create"] },
      {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["clusterrolebindings", "roles"],
        resourceNames: ["velero"],
        verbs: ["get", "patch"],
      },
      {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["clusterroles"],
        resourceNames: ["cluster-admin"],
        verbs: ["bind"],
      },
    ]);
  });

  it("keeps rows of the same verbs but different names apart", () => {
    const rules = rulesFor([row("get", "clusterroles", "a"), row("get", "clusterroles", "b")]);
    expect(rules.map((r) => r.resourceNames)).toEqual([["a"], ["b"]]);
  });
});

describe("onboardingManifest, level operate", () => {
  it("is byte for byte the reviewed manifest (the UI and the docs show it): #13 added the watches of coverage, #14 the prediction's lists", () => {
    const { yaml } = onboardingManifest();
    expect(onboardingManifest({ level: "operate" }).yaml).toBe(yaml);
    expect(yaml).toContain(
      "      - pods\n      - persistentvolumeclaims\n      - persistentvolumes\n    verbs:\n      - get\n      - list\n      - watch\n",
    );
    expect(yaml.length).toBe(4119);
    expect(createHash("sha256").update(yaml).digest("hex")).toBe(
      "101cdd424e46e9c3d2fe97c8edc7c2cf2ed05f6d9081e8514c2cc7d057830f44",
    );
  });
});

describe("onboardingManifest, level manage", () => {
  const { yaml, command } = onboardingManifest({ level: "manage" });
  const all = docs(yaml);
  const find = (kind: string, name: string, namespace?: string) =>
    all.find((d) => d.kind === kind && d.metadata.name === name && d.metadata.namespace === namespace)!;

  it("adds the Velero namespace, the installer's ServiceAccount and the manager roles with their bindings", () => {
    expect(all.map((d) => [d.kind, d.metadata.name, d.metadata.namespace])).toEqual([
      ["Namespace", "lifeboat-system", undefined],
      ["Namespace", "velero", undefined],
      ["ServiceAccount", "lifeboat", "lifeboat-system"],
      ["Secret", "lifeboat-token", "lifeboat-system"],
      ["ClusterRole", "lifeboat", undefined],
      ["ClusterRoleBinding", "lifeboat", undefined],
      ["Role", "lifeboat", "velero"],
      ["RoleBinding", "lifeboat", "velero"],
      ["ServiceAccount", "lifeboat-velero-installer", "lifeboat-system"],
      ["ClusterRole", "lifeboat-velero-manager", undefined],
      ["ClusterRoleBinding", "lifeboat-velero-manager", undefined],
      ["Role", "lifeboat-velero-manager", "velero"],
      ["RoleBinding", "lifeboat-velero-manager", "velero"],
      ["Role", "lifeboat-installer", "lifeboat-system"],
      ["RoleBinding", "lifeboat-installer", "lifeboat-system"],
    ]);
    expect(find("Namespace", "velero").metadata.labels).toEqual({
      component: "velero",
      "pod-security.kubernetes.io/enforce": "privileged",
      "pod-security.kubernetes.io/audit": "privileged",
      "pod-security.kubernetes.io/warn": "privileged",
    });
    expect(command).toBe(onboardingManifest().command);
  });

  it("binds every role to Lifeboat's ServiceAccount, and the installer's ServiceAccount to nothing", () => {
    const bindings = all.filter((d) => d.kind.endsWith("Binding"));
    expect(bindings).toHaveLength(5);
    for (const b of bindings) {
      expect(b.roleRef).toMatchObject({ kind: b.kind.replace(/Binding$/, ""), name: b.metadata.name });
      expect(b.subjects).toEqual([{ kind: "ServiceAccount", name: "lifeboat", namespace: "lifeboat-system" }]);
    }
    expect(yaml.match(new RegExp(INSTALLER_SERVICE_ACCOUNT, "g"))).toHaveLength(1);
  });

  it("grants exactly operate + manage: the manager ClusterRole and Roles the manage rows, by name where a row names one", () => {
    const manage = [
      ...granted(find("ClusterRole", "lifeboat-velero-manager").rules!),
      ...granted(find("Role", "lifeboat-velero-manager", "velero").rules!, "velero"),
      ...granted(find("Role", "lifeboat-installer", "lifeboat-system").rules!, "lifeboat-system"),
    ];
    expect(new Set(manage).size).toBe(manage.length);
    expect(manage.sort()).toEqual(manageAccess("velero", "lifeboat-system").map(keyOf).sort());
    const operate = [
      ...granted(find("ClusterRole", "lifeboat").rules!),
      ...granted(find("Role", "lifeboat", "velero").rules!, "velero"),
    ];
    expect(operate.sort()).toEqual(REQUIRED_ACCESS.map(keyOf).sort());
    for (const d of all.filter((x) => x.rules))
      for (const r of d.rules!)
        for (const list of [
          r.verbs,
          r.apiGroups ?? [],
          r.resources ?? [],
          r.nonResourceURLs ?? [],
          r.resourceNames ?? [],
        ])
          expect(list.some((x) => x.includes("*"))).toBe(false);
    const bind = find("ClusterRole", "lifeboat-velero-manager").rules!.find((r) => r.verbs.includes("bind"));
    expect(bind).toEqual({
      apiGroups: ["rbac.authorization.k8s.io"],
      resources: ["clusterroles"],
      resourceNames: ["cluster-admin"],
      verbs: ["bind"],
    });
  });

  it("says plainly that it is cluster-admin-equivalent and to prefer operate when another tool installs Velero", () => {
    const header = yaml
      .split("\n")
      .filter((l) => l.startsWith("#"))
      .join(" ");
    expect(header).toMatch(/CLUSTER-ADMIN-EQUIVALENT/);
    expect(header).toMatch(/runs as cluster-admin/);
    expect(header).toMatch(/When another tool installs Velero .* prefer the "operate" level/);
  });

  it("follows other names, and refuses Lifeboat's namespace being Velero's", () => {
    const d = docs(
      onboardingManifest({ level: "manage", namespace: "platform", veleroNamespace: "backup-system" }).yaml,
    );
    expect(d.filter((x) => x.kind === "Namespace").map((x) => x.metadata.name)).toEqual(["platform", "backup-system"]);
    expect(d.find((x) => x.kind === "Role" && x.metadata.name === "lifeboat-installer")?.metadata.namespace).toBe(
      "platform",
    );
    expect(() => onboardingManifest({ level: "manage", namespace: "velero" })).toThrow(/must differ/);
  });
});

describe('what "manage Velero" adds, as the onboarding dialogs\' table shows it', () => {
  it("is nothing for operate, and one line per MANAGE_ROWS row for manage, in cluster.onboarding's output shape", () => {
    expect(onboardingManifest().adds).toEqual([]);
    const { adds } = onboardingManifest({ level: "manage" });
    expect(adds).toEqual(manageAdds());
    expect(adds).toHaveLength(MANAGE_ROWS.length);
    expect(adds.map((a) => a.why)).toEqual(MANAGE_ROWS.map((r) => r.why));
    for (const level of ["operate", "manage"] as const) {
      const out = onboardingManifest({ level });
      expect(clusterOnboardingOutput.parse(out)).toEqual(out);
    }
  });

  it("names where, what (group and object) and the verbs of each row", () => {
    const adds = manageAdds();
    expect(adds).toContainEqual({
      scope: "cluster-wide",
      resource: "clusterroles.rbac.authorization.k8s.io/cluster-admin",
      verbs: ["bind"],
      why: "the installer binds Velero to cluster-admin (RBAC escalation check)",
    });
    expect(adds).toContainEqual({
      scope: "namespace velero",
      resource: "deployments.apps, daemonsets.apps",
      verbs: ["create", "patch", "update", "delete", "watch"],
      why: "Velero's server and node-agent (get, list exist)",
    });
    expect(adds).toContainEqual({
      scope: "namespace lifeboat-system",
      resource: "pods/log",
      verbs: ["get"],
      why: "read what the installer rendered",
    });
    expect(adds.find((a) => a.resource.startsWith("/"))).toMatchObject({
      scope: "cluster-wide",
      resource: "/apis/snapshot.storage.k8s.io",
    });
    // Every verb and resource of the table is one the manifest grants (manageAccess), and the table leaves none out.
    const granted = manageAccess().map((a) => `${a.namespace ?? ""} ${a.verb} ${a.resource}`);
    const listed = adds.flatMap((a, i) =>
      MANAGE_ROWS[i].resources.flatMap((r) =>
        a.verbs.map((v) => `${a.scope === "cluster-wide" ? "" : a.scope.replace("namespace ", "")} ${v} ${r}`),
      ),
    );
    expect(listed.sort()).toEqual(granted.sort());
  });

  it("follows the namespaces the manifest uses", () => {
    const { adds } = onboardingManifest({ level: "manage", namespace: "platform", veleroNamespace: "backup-system" });
    expect(new Set(adds.map((a) => a.scope))).toEqual(
      new Set(["cluster-wide", "namespace backup-system", "namespace platform"]),
    );
    expect(adds.find((a) => a.resource.startsWith("namespaces"))?.resource).toBe("namespaces/backup-system");
  });
});
