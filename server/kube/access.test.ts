import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  describeAccess,
  onboardingManifest,
  REQUIRED_ACCESS,
  requiredAccess,
  type AccessRequirement,
  type PolicyRule,
} from "./access";

type Doc = {
  apiVersion: string;
  kind: string;
  type?: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
};

function docs(yaml: string): Doc[] {
  const all = parseAllDocuments(yaml);
  for (const d of all) expect(d.errors).toEqual([]);
  return all.map((d) => d.toJS() as Doc);
}

const key = (verb: string, group: string, resource: string, namespace?: string) =>
  `${verb} ${group}/${resource} @${namespace ?? "cluster"}`;
const keyOf = (a: AccessRequirement) => key(a.verb, a.group, a.resource, a.namespace);

/** Every (verb, group, resource) a rule grants, in `namespace` (undefined: cluster-wide). */
function granted(rules: PolicyRule[], namespace?: string): string[] {
  return rules.flatMap((r) =>
    r.nonResourceURLs
      ? r.verbs.flatMap((v) => r.nonResourceURLs!.map((u) => key(v, "", u, namespace)))
      : r.verbs.flatMap((v) => r.apiGroups!.flatMap((g) => r.resources!.map((res) => key(v, g, res, namespace)))),
  );
}

describe("REQUIRED_ACCESS", () => {
  it("lists each verb on each resource once, with a reason", () => {
    const keys = REQUIRED_ACCESS.map(keyOf);
    expect(new Set(keys).size).toBe(keys.length);
    expect(REQUIRED_ACCESS.every((a) => a.why.startsWith("needed to"))).toBe(true);
    // 7 Velero kinds × 7 verbs, 4 progress kinds × 3, secrets 4, configmaps 4, Velero's Deployment and DaemonSet
    // 2 × 2, 7 cluster-wide kinds × 2, GET /version.
    expect(REQUIRED_ACCESS).toHaveLength(49 + 12 + 4 + 4 + 4 + 14 + 1);
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
    ["watch", "", "pods", undefined],
    ["get", "", "secrets", undefined],
    ["list", "", "configmaps", "velero"],
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
