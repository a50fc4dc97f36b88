import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { startClusters, type Sandbox } from "../sandbox";
import { kubeconfigYaml } from "../kubeconfig";
import { haveKubectl, kubectl } from "../testing/kubectl";
import { until } from "../../server/testing/wait";

// RBAC escalation prevention and apply-create authorization, as kube-apiserver does them, seen by a service account
// through real kubectl and @kubernetes/client-node: binding a role needs `bind` on it or its rules; writing a role
// needs `escalate` or its rules; a server-side apply that creates needs `create`.
const RBAC = "rbac.authorization.k8s.io";
const SA_USER = "system:serviceaccount:lifeboat-system:lifeboat";
const SA_GROUPS = '["system:serviceaccounts" "system:serviceaccounts:lifeboat-system" "system:authenticated"]';
const NOT_HELD = `user "${SA_USER}" (groups=${SA_GROUPS}) is attempting to grant RBAC permissions not currently held:\n`;
const ALL = '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}';

let sb: Sandbox;
let adminKc: string;
let saKc: string;
let saToken: string;
let admin: k8s.KubeConfig;
let sa: k8s.KubeConfig;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-rbac-escalation-"));

const rbacOf = (kc: k8s.KubeConfig) => kc.makeApiClient(k8s.RbacAuthorizationV1Api);
const saSubject: k8s.RbacV1Subject[] = [{ kind: "ServiceAccount", name: "lifeboat", namespace: "lifeboat-system" }];
const crb = (
  name: string,
  role: string,
  subjects: k8s.RbacV1Subject[] = [{ kind: "ServiceAccount", name: "velero", namespace: "velero" }],
) => ({
  apiVersion: `${RBAC}/v1`,
  kind: "ClusterRoleBinding",
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: role },
  subjects,
});

/** Grants the service account a ClusterRole with these rules (as the cluster admin). */
async function grantCluster(name: string, rules: k8s.V1PolicyRule[]) {
  await rbacOf(admin).createClusterRole({ body: { metadata: { name }, rules } });
  await rbacOf(admin).createClusterRoleBinding({ body: crb(name, name, saSubject) });
}

/** Grants the service account a Role with these rules in a namespace (as the cluster admin). */
async function grantIn(namespace: string, name: string, rules: k8s.V1PolicyRule[]) {
  await rbacOf(admin).createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
  await rbacOf(admin).createNamespacedRoleBinding({
    namespace,
    body: { metadata: { name }, roleRef: { apiGroup: RBAC, kind: "Role", name }, subjects: saSubject },
  });
}

/** A server-side apply as the service account, answering the HTTP status (201 created, 200 updated) and the body. */
function applyAsSa(urlPath: string, obj: object, force = false): Promise<{ status: number; body: any }> {
  const url = new URL(`${sb.clusters[0].url}${urlPath}?fieldManager=rbac-test${force ? "&force=true" : ""}`);
  const text = JSON.stringify(obj);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: "PATCH",
        ca: fs.readFileSync(path.join(dir, "pki", "ca.crt")),
        headers: {
          Authorization: `Bearer ${saToken}`,
          "Content-Type": "application/apply-patch+yaml",
          "Content-Length": Buffer.byteLength(text),
        },
      },
      (res) => {
        let data = "";
        res.on("data", (c) => (data += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

beforeAll(async () => {
  sb = await startClusters([{ name: "rbac-escalation" }], { dir });
  adminKc = sb.clusters[0].kubeconfigPath;
  admin = new k8s.KubeConfig();
  admin.loadFromString(sb.clusters[0].kubeconfig);
  const core = admin.makeApiClient(k8s.CoreV1Api);
  for (const name of ["lifeboat-system", "apps", "web", "apply"])
    await core.createNamespace({ body: { metadata: { name } } });
  await core.createNamespacedServiceAccount({ namespace: "lifeboat-system", body: { metadata: { name: "lifeboat" } } });
  await core.createNamespacedSecret({
    namespace: "lifeboat-system",
    body: {
      metadata: { name: "lifeboat-token", annotations: { "kubernetes.io/service-account.name": "lifeboat" } },
      type: "kubernetes.io/service-account-token",
    },
  });
  saToken = await until("the service account's token", async () => {
    const s = await core.readNamespacedSecret({ name: "lifeboat-token", namespace: "lifeboat-system" });
    return s.data?.token ? Buffer.from(s.data.token, "base64").toString() : undefined;
  });
  saKc = path.join(dir, "lifeboat.kubeconfig");
  const ca = fs.readFileSync(path.join(dir, "pki", "ca.crt"), "utf8");
  fs.writeFileSync(saKc, kubeconfigYaml({ name: "lifeboat", server: sb.clusters[0].url, token: saToken, caCert: ca }));
  sa = new k8s.KubeConfig();
  sa.loadFromFile(saKc);
  // What every test starts from: the service account may write roles and bindings, and nothing else.
  await grantCluster("rbac-writer", [
    {
      apiGroups: [RBAC],
      resources: ["clusterrolebindings", "rolebindings", "clusterroles", "roles"],
      verbs: ["get", "create", "update", "patch"],
    },
  ]);
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("RBAC escalation prevention in the sandbox API server", () => {
  it.skipIf(!haveKubectl)(
    "refuses binding cluster-admin without bind, in kube's words, and allows it with bind on that role only",
    async () => {
      const refused = await kubectl(saKc, [
        "create",
        "clusterrolebinding",
        "velero",
        "--clusterrole=cluster-admin",
        "--serviceaccount=velero:velero",
      ]);
      expect(refused.code).not.toBe(0);
      expect(refused.err).toContain(`clusterrolebindings.${RBAC} "velero" is forbidden: ${NOT_HELD}${ALL}`);
      // Server-side apply (how Lifeboat writes) is refused the same way, and nothing was stored.
      const applied = await kubectl(
        saKc,
        ["apply", "--server-side", "-f", "-"],
        JSON.stringify(crb("velero", "cluster-admin")),
      );
      expect(applied.err).toContain(`clusterrolebindings.${RBAC} "velero" is forbidden: ${NOT_HELD}${ALL}`);
      expect((await kubectl(adminKc, ["get", "clusterrolebinding", "velero"])).err).toContain("not found");

      await grantCluster("bind-cluster-admin", [
        { apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["bind"], resourceNames: ["cluster-admin"] },
      ]);
      const allowed = await kubectl(
        saKc,
        ["apply", "--server-side", "-f", "-"],
        JSON.stringify(crb("velero", "cluster-admin")),
      );
      expect(allowed).toMatchObject({ code: 0, err: "" });
      expect(allowed.out).toContain("clusterrolebinding.rbac.authorization.k8s.io/velero serverside-applied");
      // resourceNames are respected: bind on cluster-admin does not let it bind view.
      const view = await kubectl(saKc, [
        "create",
        "clusterrolebinding",
        "viewers",
        "--clusterrole=view",
        "--group=everyone",
      ]);
      expect(view.err).toContain(
        `clusterrolebindings.${RBAC} "viewers" is forbidden: ${NOT_HELD}{APIGroups:["*"], Resources:["*"], Verbs:["get" "list" "watch"]}`,
      );
      // The sandbox's own writes (seed, Velero stand-in) do not go through the API server and are not checked.
      const cluster = sb.clusters[0].cluster;
      cluster.create(cluster.builtin(RBAC, "clusterrolebindings"), undefined, crb("seeded", "cluster-admin"));
      expect((await rbacOf(admin).readClusterRoleBinding({ name: "seeded" })).roleRef.name).toBe("cluster-admin");
    },
  );

  it("allows binding a role whose rules the requester already holds, and 404s a role that does not exist", async () => {
    await rbacOf(admin).createClusterRole({
      body: {
        metadata: { name: "pod-reader" },
        rules: [{ apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list"] }],
      },
    });
    const bind = () => rbacOf(sa).createClusterRoleBinding({ body: crb("pod-readers", "pod-reader") });
    const before = await bind().catch((e) => e);
    expect(before.code).toBe(403);
    expect(JSON.parse(before.body)).toMatchObject({
      reason: "Forbidden",
      details: { name: "pod-readers", group: RBAC, kind: "clusterrolebindings" },
      message: `clusterrolebindings.${RBAC} "pod-readers" is forbidden: ${NOT_HELD}{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}\n{APIGroups:[""], Resources:["pods/log"], Verbs:["get" "list"]}`,
    });
    await grantCluster("core-reader", [{ apiGroups: [""], resources: ["*"], verbs: ["get", "list", "watch"] }]);
    expect((await bind()).roleRef.name).toBe("pod-reader");
    const missing = await rbacOf(sa)
      .createClusterRoleBinding({ body: crb("ghosts", "no-such-role") })
      .catch((e) => e);
    expect([missing.code, JSON.parse(missing.body).message]).toEqual([
      404,
      `clusterroles.${RBAC} "no-such-role" not found`,
    ]);
  });

  it("checks a RoleBinding to a ClusterRole in the binding's namespace", async () => {
    await grantIn("apps", "bind-edit", [
      { apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["bind"], resourceNames: ["edit"] },
    ]);
    const editors = (namespace: string) =>
      rbacOf(sa).createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name: "editors" },
          roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "edit" },
          subjects: [{ kind: "Group", name: "devs" }],
        },
      });
    expect((await editors("apps")).metadata?.namespace).toBe("apps");
    const web = await editors("web").catch((e) => e);
    expect(web.code).toBe(403);
    expect(JSON.parse(web.body).message).toMatch(
      new RegExp(
        `^rolebindings\\.rbac\\.authorization\\.k8s\\.io "editors" is forbidden: user "${SA_USER}" .*not currently held:\n`,
      ),
    );
  });

  it("refuses a Role with rules the requester does not hold unless it may escalate roles", async () => {
    const secretReader = (name: string) =>
      rbacOf(sa).createNamespacedRole({
        namespace: "web",
        body: { metadata: { name }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["delete"] }] },
      });
    const refused = await secretReader("secret-reader").catch((e) => e);
    expect(refused.code).toBe(403);
    expect(JSON.parse(refused.body).message).toBe(
      `roles.${RBAC} "secret-reader" is forbidden: ${NOT_HELD}{APIGroups:[""], Resources:["secrets"], Verbs:["delete"]}`,
    );
    // A patch that widens an existing Role is checked on what it would store.
    await rbacOf(admin).createNamespacedRole({
      namespace: "web",
      body: { metadata: { name: "narrow" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] },
    });
    const widened = await rbacOf(sa)
      .patchNamespacedRole(
        { name: "narrow", namespace: "web", body: { rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      )
      .catch((e) => e);
    expect(widened.code).toBe(403);
    expect(JSON.parse(widened.body).message).toBe(
      `roles.${RBAC} "narrow" is forbidden: ${NOT_HELD}{APIGroups:["*"], Resources:["*"], Verbs:["*"]}`,
    );

    await grantIn("web", "escalator", [{ apiGroups: [RBAC], resources: ["roles"], verbs: ["escalate"] }]);
    expect((await secretReader("secret-reader")).rules?.[0].resources).toEqual(["secrets"]);
  });

  it("authorizes an apply that creates as create: 403 without it, 201 with it; an apply that updates needs only patch", async () => {
    await grantIn("apply", "cm-patcher", [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "patch"] }]);
    const cm = (name: string, v: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "apply" },
      data: { v },
    });
    const refused = await applyAsSa("/api/v1/namespaces/apply/configmaps/fresh", cm("fresh", "1"));
    expect(refused).toMatchObject({
      status: 403,
      body: {
        reason: "Forbidden",
        message: `configmaps "fresh" is forbidden: User "${SA_USER}" cannot create resource "configmaps" in API group "" in the namespace "apply"`,
      },
    });
    // As in kube, the create check comes after the patch is applied: a malformed apply is told so first.
    expect(await applyAsSa("/api/v1/namespaces/apply/configmaps/fresh", cm("other", "1"))).toMatchObject({
      status: 400,
      body: { message: "the name of the object (other) does not match the name on the URL (fresh)" },
    });

    await admin
      .makeApiClient(k8s.CoreV1Api)
      .createNamespacedConfigMap({ namespace: "apply", body: cm("existing", "0") });
    // (forced: the admin's create owns data.v)
    const updated = await applyAsSa("/api/v1/namespaces/apply/configmaps/existing", cm("existing", "2"), true);
    expect([updated.status, updated.body.data]).toEqual([200, { v: "2" }]);

    await grantIn("apply", "cm-creator", [{ apiGroups: [""], resources: ["configmaps"], verbs: ["create"] }]);
    const created = await applyAsSa("/api/v1/namespaces/apply/configmaps/fresh", cm("fresh", "1"));
    expect([created.status, created.body.data]).toEqual([201, { v: "1" }]);
  });
});
