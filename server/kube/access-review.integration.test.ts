import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { startClusters, type Sandbox, type SandboxCluster } from "../../sandbox/sandbox";
import { describeAccess, manageAccess, requiredAccess, type AccessRequirement } from "./access";
import { withKubeconfig } from "./cluster-access";
import { probeCluster, type AccessCheck } from "./probe";
import { depsFor } from "../composition";
import { startHealthLoop } from "../services/clusters/health-loop";
import { aGroup, aUser, callerFor, signedIn } from "../testing/builders";
import { freshDatabase } from "../testing/db";
import { until } from "../testing/wait";

// The access probe reads the rules Lifeboat holds with one SelfSubjectRulesReview per scope instead of one
// SelfSubjectAccessReview per permission (about 150 of them, every health check): here its answers are held to the
// access reviews' own, row by row, for an identity with a mix of grants RBAC treats differently (a ClusterRole bound
// only in Velero's namespace grants nothing cluster-wide; rows limited to a name; a subresource; wildcards), and the
// requests each way are counted on the API server. Where the server says its rules are incomplete (a webhook
// authorizer, as on managed clusters), what the rules do not allow is asked one access review at a time.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const RBAC = "rbac.authorization.k8s.io";
const IDENTITY = "system:serviceaccount:lifeboat-system:lifeboat";
const TOKEN = "rules-review-test-token-0123456789";
let sb: Sandbox;
let c: SandboxCluster;
let kubeconfig: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-rules-"));

function create(group: string, resource: string, namespace: string | undefined, body: Record<string, unknown>) {
  c.cluster.create(c.cluster.builtin(group, resource), namespace, body);
}
const role = (kind: "ClusterRole" | "Role", name: string, rules: object[]) => ({ kind, metadata: { name }, rules });
const binding = (kind: "ClusterRoleBinding" | "RoleBinding", name: string, roleKind: string, roleName: string) => ({
  kind,
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: roleKind, name: roleName },
  subjects: [{ kind: "User", apiGroup: RBAC, name: IDENTITY }],
});

beforeAll(async () => {
  sb = await startClusters([{ name: "rules-review" }], { dir });
  c = sb.clusters[0];
  // A user named as Lifeboat's service account would be, so the rows in Lifeboat's namespace are asked too.
  c.cluster.addToken(TOKEN, { name: IDENTITY, groups: ["system:authenticated"] });
  const kc = parseAllDocuments(c.kubeconfig)[0].toJS();
  kc.users[0].user = { token: TOKEN };
  kubeconfig = stringify(kc);
  for (const ns of ["velero", "lifeboat-system"]) create("", "namespaces", undefined, { metadata: { name: ns } });
  create(RBAC, "clusterroles", undefined, {
    ...role("ClusterRole", "lifeboat-partial", [
      { apiGroups: [""], resources: ["namespaces", "pods"], verbs: ["get", "list"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["watch"] },
      { apiGroups: ["apiextensions.k8s.io"], resources: ["*"], verbs: ["get", "list"] },
      { apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["bind"], resourceNames: ["cluster-admin"] },
      { apiGroups: [""], resources: ["namespaces"], verbs: ["patch"], resourceNames: ["velero"] },
      { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["*"] },
    ]),
  });
  create(
    RBAC,
    "clusterrolebindings",
    undefined,
    binding("ClusterRoleBinding", "lifeboat-partial", "ClusterRole", "lifeboat-partial"),
  );
  // Bound only in Velero's namespace: volume coverage's cluster-wide rows stay missing.
  create(RBAC, "clusterroles", undefined, {
    ...role("ClusterRole", "lifeboat-volumes", [
      { apiGroups: [""], resources: ["persistentvolumeclaims", "persistentvolumes"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list"] },
    ]),
  });
  create(RBAC, "rolebindings", "velero", binding("RoleBinding", "lifeboat-volumes", "ClusterRole", "lifeboat-volumes"));
  create(RBAC, "roles", "velero", {
    ...role("Role", "lifeboat-velero", [
      { apiGroups: ["velero.io"], resources: ["backups", "schedules"], verbs: ["*"] },
      { apiGroups: ["velero.io"], resources: ["restores"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["velero.io"], resources: ["*"], verbs: ["list"] },
      { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
    ]),
  });
  create(RBAC, "rolebindings", "velero", binding("RoleBinding", "lifeboat-velero", "Role", "lifeboat-velero"));
  create(RBAC, "roles", "lifeboat-system", {
    ...role("Role", "lifeboat-installer", [
      { apiGroups: [""], resources: ["*/log"], verbs: ["get"] },
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get"] },
    ]),
  });
  create(
    RBAC,
    "rolebindings",
    "lifeboat-system",
    binding("RoleBinding", "lifeboat-installer", "Role", "lifeboat-installer"),
  );
}, 60_000);

afterAll(async () => {
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What each row's own SelfSubjectAccessReview answers. */
async function accessReviews(rows: AccessRequirement[]): Promise<Map<string, boolean>> {
  return withKubeconfig(kubeconfig, async (client) => {
    const out = new Map<string, boolean>();
    for (const a of rows)
      out.set(
        describeAccess(a),
        await client.canI(
          a.resource.startsWith("/")
            ? { verb: a.verb, nonResourcePath: a.resource }
            : { verb: a.verb, group: a.group, resource: a.resource, namespace: a.namespace, name: a.resourceName },
          "test",
        ),
      );
    return out;
  });
}

/** The probe's answers, and the access and rules reviews it asked the API server for. */
async function probed() {
  const before = new Map(c.cluster.requests);
  const r = await withKubeconfig(kubeconfig, (client) => probeCluster(client));
  const asked = (k: string) => (c.cluster.requests.get(k) ?? 0) - (before.get(k) ?? 0);
  const answers = new Map([...r.access, ...r.manageAccess].map((a: AccessCheck) => [describeAccess(a), a.allowed]));
  return {
    r,
    answers,
    accessReviews: asked("create selfsubjectaccessreviews"),
    rulesReviews: asked("create selfsubjectrulesreviews"),
  };
}

describe("the access probe reads rules, not a review per permission", () => {
  const rows = [...requiredAccess(), ...manageAccess("velero", "lifeboat-system")];

  it("answers every row as its own access review does, in three rules reviews (cluster-wide, velero, lifeboat-system)", async () => {
    const expected = await accessReviews(rows);
    const { r, answers, accessReviews: ssars, rulesReviews } = await probed();
    expect(r.lifeboatNamespace).toBe("lifeboat-system");
    expect(Object.fromEntries(answers)).toEqual(Object.fromEntries(expected));
    expect(rulesReviews).toBe(3);
    expect(ssars).toBe(0);
    // The grants RBAC treats differently, each answered as RBAC does.
    expect(answers.get("list persistentvolumes (cluster-wide): needed to show volume coverage")).toBe(false);
    expect([...answers].filter(([k, v]) => v && k.startsWith("bind clusterroles"))).toHaveLength(1);
    expect([...answers].filter(([k, v]) => v && k.startsWith("get pods/log"))).toHaveLength(1);
    expect([...answers].filter(([k, v]) => v && k.startsWith("delete backups"))).toHaveLength(1);
    expect([...answers].filter(([k, v]) => !v && k.startsWith("delete restores"))).toHaveLength(1);
    expect([...answers].filter(([, v]) => v).length).toBeGreaterThan(15);
    expect(r.accessLevel).toBe("NONE");
  });

  it("where the server's rules are incomplete, asks an access review for each row they do not allow, and only those", async () => {
    const expected = await accessReviews(rows);
    c.cluster.rulesReviewIncomplete = true;
    try {
      const { answers, accessReviews: ssars, rulesReviews } = await probed();
      expect(Object.fromEntries(answers)).toEqual(Object.fromEntries(expected));
      expect(rulesReviews).toBe(3);
      expect(ssars).toBe([...expected.values()].filter((v) => !v).length);
    } finally {
      c.cluster.rulesReviewIncomplete = false;
    }
  });

  it("with every right (the admin's kubeconfig, system:masters) nothing is missing, in two rules reviews and no access review", async () => {
    const before = new Map(c.cluster.requests);
    const r = await withKubeconfig(c.kubeconfig, (client) => probeCluster(client));
    const asked = (k: string) => (c.cluster.requests.get(k) ?? 0) - (before.get(k) ?? 0);
    expect(r.missing).toEqual([]);
    expect(r.accessLevel).toBe("MANAGE");
    expect(asked("create selfsubjectrulesreviews")).toBe(2);
    expect(asked("create selfsubjectaccessreviews")).toBe(0);
  });
});

describe("the health loop", () => {
  it("reads access and Velero on its first check and then every full period; the checks between ask only the version", async () => {
    const { db } = await freshDatabase();
    const d = depsFor(db);
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const caller = callerFor(db, await signedIn(db, admin));
    const attached = await caller.cluster.attach({
      kubeconfig: c.kubeconfig,
      name: "idle",
      groupId: (await aGroup(db)).id,
      description: "",
      labels: {},
    });
    const before = new Map(c.cluster.requests);
    const asked = (k: string) => (c.cluster.requests.get(k) ?? 0) - (before.get(k) ?? 0);
    const checks = async () => (await db.cluster.findUniqueOrThrow({ where: { id: attached.id } })).lastCheckAt;
    const attachedAt = await checks();
    const stop = startHealthLoop(d, 100, { fullMs: 60_000 });
    let afterFull = new Map<string, number>();
    try {
      // The first check is the full one (it reads the namespace Velero runs in); then only the version is asked.
      await until(
        "the first, full check",
        async () => asked("get namespaces") >= 1 && asked("GET /version") >= 2,
        30_000,
        20,
      );
      afterFull = new Map(c.cluster.requests);
      await until("five checks", async () => asked("GET /version") >= 6, 30_000, 50);
    } finally {
      await stop();
    }
    const since = [...c.cluster.requests].filter(([k, n]) => n > (afterFull.get(k) ?? 0)).map(([k]) => k);
    expect(since).toEqual(["GET /version"]);
    expect((await checks())!.getTime()).toBeGreaterThan(attachedAt!.getTime());
    // One full check (two rules reviews for the admin: cluster-wide and Velero's namespace), the rest the version only.
    expect(asked("create selfsubjectrulesreviews")).toBe(2);
    expect(asked("create selfsubjectaccessreviews")).toBe(0);
    expect(asked("get namespaces")).toBe(1);
    const row = await db.cluster.findUniqueOrThrow({ where: { id: attached.id } });
    expect(row).toMatchObject({ state: "CONNECTED", failedChecks: 0, accessLevel: "MANAGE", missingAccess: [] });
  });
});
