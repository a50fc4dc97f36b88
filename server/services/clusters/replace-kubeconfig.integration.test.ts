import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYamlText } from "yaml";
import { adminClients } from "../../kube/testing-objects";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import { depsFor, type Deps } from "../../composition";
import type { ClusterRole } from "@/lib/rbac/permissions";
import type { Db } from "../../db/client";

// Replacing an attached cluster's kubeconfig through the router, against the sandbox clusters: the new kubeconfig is
// probed live like attach, must reach the same server (or the admin confirms the move), and a refused one changes
// nothing.
let db: Db;
let d: Deps;
let admin: ReturnType<typeof callerFor>;
let groupId = "";
const run = crypto.randomBytes(3).toString("hex");

/** An audit row as text (its id is a bigint). */
const asText = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));

const sealedOf = async (clusterId: string) => {
  const c = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
  const s = await db.sealedSecret.findUniqueOrThrow({ where: { id: c.kubeconfigSecretId! } });
  return { text: (await d.sealed.read(s.id, "kubeconfig")).toString(), updatedAt: s.updatedAt, cluster: c };
};

const attach = async (name: string, kubeconfig = kubeconfigText(0)) =>
  (await admin.cluster.attach({ kubeconfig, name: `${name}-${run}`, groupId, description: "", labels: {} })).id;

/** Sandbox cluster 0's kubeconfig with a token from a new ServiceAccount bound to cluster-admin: a re-issued one. */
async function reissuedKubeconfig(): Promise<{ kubeconfig: string; token: string }> {
  const { core, custom } = adminClients(kubeconfigText(0));
  const sa = `lifeboat-rotated-${run}`;
  await core.createNamespacedServiceAccount({ namespace: "default", body: { metadata: { name: sa } } });
  await custom.createClusterCustomObject({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "clusterrolebindings",
    body: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: sa },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: sa, namespace: "default" }],
    },
  });
  await core.createNamespacedSecret({
    namespace: "default",
    body: {
      metadata: { name: `${sa}-token`, annotations: { "kubernetes.io/service-account.name": sa } },
      type: "kubernetes.io/service-account-token",
    },
  });
  const token = await until("the ServiceAccount's token", async () => {
    const s = await core.readNamespacedSecret({ namespace: "default", name: `${sa}-token` });
    return s.data?.token ? Buffer.from(s.data.token, "base64").toString() : null;
  });
  const doc = parseYaml(kubeconfigText(0));
  doc.users = [{ name: sa, user: { token } }];
  doc.contexts[0].context.user = sa;
  return { kubeconfig: toYamlText(doc), token };
}

async function as(role: ClusterRole, onGroup: string) {
  const u = await aUser(db);
  await bind(db, role, { userId: u.id }, { clusterGroupId: onGroup });
  return callerFor(db, await signedIn(db, u));
}

beforeAll(async () => {
  ({ db } = await freshDatabase());
  d = depsFor(db);
  admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  groupId = (await aGroup(db, `replace-${run}`)).id;
});

describe("replacing a cluster's kubeconfig", () => {
  it("a re-issued kubeconfig of the same cluster (a rotated token) is checked, sealed in place, and the cluster stays Connected", async () => {
    const id = await attach("rotated");
    const before = await sealedOf(id);
    const { kubeconfig, token } = await reissuedKubeconfig();

    const preview = await admin.cluster.replaceKubeconfigPreview({ id, kubeconfig });
    expect(preview).toMatchObject({
      serverChanged: false,
      storedServer: before.cluster.server,
      kubernetesVersion: testSandbox().clusters[0].kubernetesVersion,
      missingAccess: [],
      // A service account bound to cluster-admin: every row of both levels, and its namespace is Lifeboat's.
      accessLevel: "MANAGE",
      missingManageAccess: [],
      lifeboatNamespace: "default",
      insecureTls: false,
      velero: { installed: true },
    });
    expect(JSON.stringify(preview)).not.toContain(token);
    // Attached with the admin kubeconfig (a user, not a service account): Lifeboat's namespace was unknown.
    expect(await admin.cluster.get({ id })).toMatchObject({ accessLevel: "MANAGE", lifeboatNamespace: null });

    const c = await admin.cluster.replaceKubeconfig({ id, kubeconfig });
    expect(c).toMatchObject({ id, state: "CONNECTED", failedChecks: 0, lastError: null, insecureTls: false });
    // The check after the replacement stored what the new identity may do, and where it lives.
    expect(c).toMatchObject({ accessLevel: "MANAGE", missingManageAccess: [], lifeboatNamespace: "default" });
    expect(JSON.stringify(c)).not.toContain(token);
    const after = await sealedOf(id);
    // The same sealed row, now holding the new token (and not the old one).
    expect(after.cluster.kubeconfigSecretId).toBe(before.cluster.kubeconfigSecretId);
    expect(after.text).toContain(token);
    expect(after.text).not.toContain(parseYaml(kubeconfigText(0)).users[0].user.token);
    expect(after.cluster.server).toBe(before.cluster.server);
    expect(after.cluster.lastCheckAt!.getTime()).toBeGreaterThanOrEqual(before.cluster.lastCheckAt!.getTime());
    // The cluster's session is the new kubeconfig's: a health check through it succeeds, and once the new token is
    // revoked (the old one still works) it fails; a kubeconfig with a working token then brings the cluster back.
    expect(await admin.cluster.refresh({ id })).toMatchObject({ state: "CONNECTED", failedChecks: 0 });
    await adminClients(kubeconfigText(0)).core.deleteNamespacedSecret({
      namespace: "default",
      name: `lifeboat-rotated-${run}-token`,
    });
    expect(await admin.cluster.refresh({ id })).toMatchObject({
      failedChecks: 1,
      lastError: expect.stringContaining("Unauthorized"),
    });
    expect(await admin.cluster.replaceKubeconfig({ id, kubeconfig: kubeconfigText(0) })).toMatchObject({
      state: "CONNECTED",
      failedChecks: 0,
      lastError: null,
    });
    const audit = await db.auditEvent.findFirst({
      where: { action: "cluster.replaceKubeconfig" },
      orderBy: { id: "desc" },
    });
    expect(audit).toMatchObject({ outcome: "SUCCESS", targetType: "cluster", targetId: id });
    expect(asText(audit)).not.toContain(token);
  });

  it("a kubeconfig of another server (the other sandbox cluster) is refused without confirmServerChange, accepted with it", async () => {
    const id = await attach("moved");
    const before = await sealedOf(id);
    const other = kubeconfigText(1);
    const preview = await admin.cluster.replaceKubeconfigPreview({ id, kubeconfig: other });
    expect(preview).toMatchObject({
      serverChanged: true,
      storedServer: testSandbox().clusters[0].server,
      context: { server: testSandbox().clusters[1].server },
    });
    for (const refused of [
      admin.cluster.replaceKubeconfig({ id, kubeconfig: other }),
      admin.cluster.replaceKubeconfig({ id, kubeconfig: other, confirmServerChange: false }),
    ])
      await expect(refused).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("confirm") });
    const unchanged = await sealedOf(id);
    expect(unchanged.updatedAt).toEqual(before.updatedAt);
    expect(unchanged.cluster.server).toBe(before.cluster.server);

    const c = await admin.cluster.replaceKubeconfig({ id, kubeconfig: other, confirmServerChange: true });
    expect(c).toMatchObject({ state: "CONNECTED", server: testSandbox().clusters[1].server });
    expect((await sealedOf(id)).text).toContain(testSandbox().clusters[1].server);
  });

  it("a broken kubeconfig is refused with its reason, and the stored one still works", async () => {
    const id = await attach("kept");
    const before = await sealedOf(id);
    const doc = parseYaml(kubeconfigText(0));
    doc.users[0].user.token = "sbx-not-a-token";
    const cases: [string, string][] = [
      ["apiVersion: v1\nkind: Config\nclusters: [", "BAD_REQUEST"],
      ["apiVersion: v1\nkind: Config\n", "BAD_REQUEST"],
      [toYamlText(doc), "PRECONDITION_FAILED"],
    ];
    for (const [kubeconfig, code] of cases) {
      await expect(admin.cluster.replaceKubeconfigPreview({ id, kubeconfig })).rejects.toMatchObject({ code });
      await expect(admin.cluster.replaceKubeconfig({ id, kubeconfig })).rejects.toMatchObject({ code });
    }
    await expect(admin.cluster.replaceKubeconfig({ id, kubeconfig: toYamlText(doc) })).rejects.toMatchObject({
      message: expect.stringMatching(/Could not use the cluster \(Unauthorized\)/),
    });
    const after = await sealedOf(id);
    expect(after.updatedAt).toEqual(before.updatedAt);
    expect(after.text).toBe(before.text);
    expect(await admin.cluster.refresh({ id })).toMatchObject({ state: "CONNECTED", failedChecks: 0 });
    const refused = await db.auditEvent.findFirst({
      where: { action: "cluster.replaceKubeconfig", targetId: id },
      orderBy: { id: "desc" },
    });
    expect(refused?.outcome).not.toBe("SUCCESS");
    expect(asText(refused)).not.toContain("sbx-not-a-token");
  });

  it("needs CLUSTER_ADMIN: an operator is refused, a stranger does not find the cluster", async () => {
    const id = await attach("guarded");
    const before = await sealedOf(id);
    const input = { id, kubeconfig: kubeconfigText(0) };
    const operator = await as("OPERATOR", groupId);
    await expect(operator.cluster.replaceKubeconfigPreview(input)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(operator.cluster.replaceKubeconfig(input)).rejects.toMatchObject({ code: "FORBIDDEN" });
    const stranger = await as("CLUSTER_ADMIN", (await aGroup(db)).id);
    await expect(stranger.cluster.replaceKubeconfigPreview(input)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(stranger.cluster.replaceKubeconfig(input)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await sealedOf(id)).updatedAt).toEqual(before.updatedAt);
    // A cluster admin of the group may.
    const clusterAdmin = await as("CLUSTER_ADMIN", groupId);
    expect(await clusterAdmin.cluster.replaceKubeconfig(input)).toMatchObject({ state: "CONNECTED" });
  });

  it("a kubeconfig that skips TLS verification needs the confirmation, and the cluster then says so", async () => {
    const id = await attach("unverified");
    const doc = parseYaml(kubeconfigText(0));
    delete doc.clusters[0].cluster["certificate-authority-data"];
    doc.clusters[0].cluster["insecure-skip-tls-verify"] = true;
    const insecure = toYamlText(doc);
    const before = await sealedOf(id);
    // One call at a time: a second rejected promise created before the first is awaited would go unhandled.
    for (const refused of [
      () => admin.cluster.replaceKubeconfigPreview({ id, kubeconfig: insecure }),
      () => admin.cluster.replaceKubeconfig({ id, kubeconfig: insecure }),
    ])
      await expect(refused()).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining("insecure-skip-tls-verify"),
      });
    expect((await sealedOf(id)).updatedAt).toEqual(before.updatedAt);

    expect(
      (await admin.cluster.replaceKubeconfigPreview({ id, kubeconfig: insecure, allowInsecureTls: true })).insecureTls,
    ).toBe(true);
    const c = await admin.cluster.replaceKubeconfig({ id, kubeconfig: insecure, allowInsecureTls: true });
    expect(c).toMatchObject({ state: "CONNECTED", insecureTls: true });
    // A verified kubeconfig again clears it.
    expect(await admin.cluster.replaceKubeconfig({ id, kubeconfig: kubeconfigText(0) })).toMatchObject({
      insecureTls: false,
    });
  });
});
