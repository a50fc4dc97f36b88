import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { describeAccess, manageAccess, onboardingManifest, REQUIRED_ACCESS } from "./access";
import { withKubeconfig } from "./cluster-access";
import { probeCluster } from "./probe";
import { testSandbox } from "../testing/sandbox";
import { until } from "../testing/wait";
import { run } from "../testing/process";

// The two access levels against a sandbox cluster (RBAC for service accounts, escalation prevention on bindings), with
// the machine's real kubectl applying the onboarding manifests and running the printed command, as a platform engineer
// would. Cluster 1, so that probe.integration.test.ts (cluster 0, which deletes lifeboat-system) runs alongside.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const KUBECTL = process.env.KUBECTL ?? "kubectl";
const CLUSTER = 1;

const haveKubectl = (await run(KUBECTL, ["version", "--client"])).code === 0;
const admin = () => testSandbox().clusters[CLUSTER].kubeconfig;
const kubectlAs = (kubeconfig: string, args: string[], input?: string) =>
  run(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { input });
const kubectl = (args: string[], input?: string) => kubectlAs(admin(), args, input);

/** The printed onboarding command, run by sh with the admin kubeconfig as the current one, until the token controller
 * has filled the Secret. */
async function runOnboardingCommand(command: string): Promise<string> {
  const env = { ...process.env, KUBECONFIG: admin(), PATH: process.env.PATH };
  return until("the token controller fills the Secret and the onboarding command prints a kubeconfig", async () => {
    const r = await run("sh", ["-c", command], { env });
    return r.code === 0 ? r.out : null;
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-access-"));
/** A kubeconfig text written to a file for kubectl. */
function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text, { mode: 0o600 });
  return p;
}

/** The manifest without its Namespaces: what the tests remove afterwards (velero holds Velero; others may share). */
const withoutNamespaces = (yaml: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS())
    .filter((d) => d.kind !== "Namespace")
    .map((d) => stringify(d))
    .join("---\n");

// Velero's own binding, as its installer renders it (velero-api.md §5).
const VELERO_CRB = stringify({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRoleBinding",
  metadata: { name: "velero", labels: { component: "velero" } },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
  subjects: [{ kind: "ServiceAccount", name: "velero", namespace: "velero" }],
});
const applyServerSide = (kubeconfig: string, yaml: string) =>
  kubectlAs(kubeconfig, ["apply", "--server-side", "--field-manager", "lifeboat-velero", "-f", "-"], yaml);

const manage = onboardingManifest({ level: "manage" });
const operate = onboardingManifest({ serviceAccount: "lifeboat-operate" });

describe("the admin kubeconfig", () => {
  it("is MANAGE; as a user, not a service account, Lifeboat's namespace is unknown and its rows are not asked", async () => {
    const r = await withKubeconfig(fs.readFileSync(admin(), "utf8"), (c) => probeCluster(c));
    expect(r.identity).toBe("sandbox-admin");
    expect(r.lifeboatNamespace).toBeNull();
    expect(r.accessLevel).toBe("MANAGE");
    expect(r.missing).toEqual([]);
    expect(r.missingManage).toEqual([]);
    expect(r.manageAccess.map((a) => a.namespace ?? "")).not.toContain("lifeboat-system");
    expect(r.manageAccess).toHaveLength(manageAccess("velero", null).length);
  });
});

describe.skipIf(!haveKubectl)("the onboarding manifests applied by kubectl", () => {
  let manageKc = "";
  let operateKc = "";

  beforeAll(async () => {
    for (const m of [manage, operate]) {
      const applied = await kubectl(["apply", "-f", "-"], m.yaml);
      // Velero is installed on the cluster, so kubectl warns that it takes over the namespace velero, as it would on a
      // real one; nothing else may be said.
      const said = applied.err
        .split("\n")
        .filter((l) => l && !/^Warning: resource namespaces\/velero is missing/.test(l));
      expect(said).toEqual([]);
      expect(applied.code).toBe(0);
    }
    manageKc = await runOnboardingCommand(manage.command);
    operateKc = await runOnboardingCommand(operate.command);
  });

  afterAll(async () => {
    await kubectl(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], withoutNamespaces(manage.yaml));
    await kubectl(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], withoutNamespaces(operate.yaml));
    await kubectl(["delete", "clusterrolebinding", "--ignore-not-found", "lifeboat-access-test-edit"]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("(a) with the manage manifest the probe says MANAGE, in lifeboat-system, with nothing missing", async () => {
    const r = await withKubeconfig(manageKc, (c) => probeCluster(c));
    expect(r.identity).toBe("system:serviceaccount:lifeboat-system:lifeboat");
    expect(r.lifeboatNamespace).toBe("lifeboat-system");
    expect(r.missing).toEqual([]);
    expect(r.missingManage).toEqual([]);
    expect(r.accessLevel).toBe("MANAGE");
    expect(r.access).toHaveLength(REQUIRED_ACCESS.length);
    expect(r.manageAccess).toHaveLength(manageAccess("velero", "lifeboat-system").length);
  });

  it("(b) under the manage service account, Velero's ClusterRoleBinding to cluster-admin applies server-side", async () => {
    const kc = file("manage.kubeconfig", manageKc);
    const r = await applyServerSide(kc, VELERO_CRB);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/clusterrolebinding\.rbac\.authorization\.k8s\.io\/velero serverside-applied/);
    // bind is granted on cluster-admin only: creating a binding to another role it does not hold is an escalation.
    const edit = stringify({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "lifeboat-access-test-edit" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
      subjects: [{ kind: "ServiceAccount", name: "velero", namespace: "velero" }],
    });
    // (A POST: an apply is a PATCH, and patch on clusterrolebindings is granted for the name velero only.)
    const refused = await kubectlAs(kc, ["create", "-f", "-"], edit);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/Forbidden/);
    expect(refused.err).toMatch(/attempting to grant RBAC permissions not currently held/);
    expect((await kubectl(["get", "clusterrolebinding", "lifeboat-access-test-edit"])).code).not.toBe(0);
  });

  it("(c) with only the operate manifest the probe says OPERATE, lists the manage rows, and the same apply is 403", async () => {
    const r = await withKubeconfig(operateKc, (c) => probeCluster(c));
    expect(r.lifeboatNamespace).toBe("lifeboat-system");
    expect(r.missing).toEqual([]);
    expect(r.accessLevel).toBe("OPERATE");
    // Every manage row is missing except what operate already allows — reading pods (cluster-wide), discovery, and
    // listing jobs (the restore prediction's optional rows, #14) — and the optional rows, which do not count.
    const expected = manageAccess("velero", "lifeboat-system")
      .filter((a) => a.resource !== "pods" && !a.resource.startsWith("/") && !a.optional)
      .filter((a) => !(a.verb === "list" && a.resource === "jobs"))
      .map(describeAccess);
    expect(r.missingManage).toEqual(expected);
    expect(r.missingManage).toContain(
      "bind clusterroles.rbac.authorization.k8s.io/cluster-admin (cluster-wide): the installer binds Velero to cluster-admin (RBAC escalation check)",
    );
    expect(r.missingManage).toContain("create jobs.batch (namespace lifeboat-system): run Velero's installer");
    const refused = await applyServerSide(file("operate.kubeconfig", operateKc), VELERO_CRB);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/Forbidden/);
    expect(refused.err).toMatch(/clusterrolebindings/);
  });
});
