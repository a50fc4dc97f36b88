import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { startClusters, type Sandbox } from "../sandbox";
import { haveKubectl, kubectl } from "../testing/kubectl";
import { crdsSkipReason, haveCrds, VELERO_CRDS_DIR } from "../testing/paths";

// Server-side apply against a sandbox cluster, as kube-apiserver does it, through the machine's real kubectl and
// through @kubernetes/client-node's KubernetesObjectApi (the call the console's cluster-access port makes).
let sb: Sandbox;
let kc: string;
let client: k8s.KubeConfig;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-ssa-"));

beforeAll(async () => {
  sb = await startClusters([{ name: "ssa" }], { dir });
  kc = sb.clusters[0].kubeconfigPath;
  client = new k8s.KubeConfig();
  client.loadFromString(sb.clusters[0].kubeconfig);
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Entry = {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: any;
};
const managed = (o: { metadata?: { managedFields?: unknown } }) => (o.metadata?.managedFields ?? []) as Entry[];
const entry = (o: { metadata?: { managedFields?: unknown } }, manager: string, operation = "Apply") =>
  managed(o).find((e) => e.manager === manager && e.operation === operation);

describe.skipIf(!haveKubectl)(
  "kubectl apply --server-side" + (haveKubectl ? "" : " (skipped: no kubectl on this machine)"),
  () => {
    const getYaml = async (args: string[]) => {
      const r = await kubectl(kc, ["get", ...args, "-o", "yaml", "--show-managed-fields"]);
      expect(r.err).toBe("");
      return parseYaml(r.out);
    };

    it("creates an absent object and records the applier in managedFields", async () => {
      await kubectl(kc, ["create", "namespace", "ssa-basic"]);
      const cm =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: ssa-basic}\ndata: {a: '1', b: '2'}\n";
      const r = await kubectl(kc, ["apply", "--server-side", "-f", "-"], cm);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out.trim()).toBe("configmap/settings serverside-applied");

      const got = await getYaml(["configmap", "settings", "-n", "ssa-basic"]);
      expect(got.data).toEqual({ a: "1", b: "2" });
      expect(managed(got)).toHaveLength(1);
      const e = entry(got, "kubectl")!;
      expect(e).toMatchObject({ operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1" });
      expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(e.fieldsV1).toEqual({ "f:data": { "f:a": {}, "f:b": {} } });
      // Without the flag kubectl hides them, as it does against kube-apiserver.
      const plain = parseYaml(
        (await kubectl(kc, ["get", "configmap", "settings", "-n", "ssa-basic", "-o", "yaml"])).out,
      );
      expect(plain.metadata.managedFields).toBeUndefined();
    });

    it("refuses to take another manager's field (exit 1, conflict named), unless --force-conflicts moves it", async () => {
      const cm = (v: string) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: ssa-basic}\ndata: {a: '${v}'}\n`;
      const refused = await kubectl(kc, ["apply", "--server-side", "--field-manager=ops", "-f", "-"], cm("9"));
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('Apply failed with 1 conflict: conflict with "kubectl": .data.a');
      expect(refused.err).toContain("Please review the fields above--they currently have other managers.");
      expect((await getYaml(["configmap", "settings", "-n", "ssa-basic"])).data.a).toBe("1");

      const forced = await kubectl(
        kc,
        ["apply", "--server-side", "--field-manager=ops", "--force-conflicts", "-f", "-"],
        cm("9"),
      );
      expect(forced.code).toBe(0);
      const got = await getYaml(["configmap", "settings", "-n", "ssa-basic"]);
      expect(got.data).toEqual({ a: "9", b: "2" });
      expect(entry(got, "ops")!.fieldsV1).toEqual({ "f:data": { "f:a": {} } });
      expect(entry(got, "kubectl")!.fieldsV1).toEqual({ "f:data": { "f:b": {} } });
    });

    it("shares a field applied with the same value, and prunes only what the applier alone owned", async () => {
      await kubectl(kc, ["create", "namespace", "ssa-prune"]);
      const mine =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: ssa-prune}\ndata: {a: '1', b: '2', c: '3'}\n";
      expect((await kubectl(kc, ["apply", "--server-side", "-f", "-"], mine)).code).toBe(0);
      const theirs =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: ssa-prune}\ndata: {b: '2'}\n";
      const same = await kubectl(kc, ["apply", "--server-side", "--field-manager=team-b", "-f", "-"], theirs);
      expect(same.code).toBe(0);
      let got = await getYaml(["configmap", "shared", "-n", "ssa-prune"]);
      expect(entry(got, "kubectl")!.fieldsV1["f:data"]).toHaveProperty("f:b");
      expect(entry(got, "team-b")!.fieldsV1).toEqual({ "f:data": { "f:b": {} } });

      // kubectl stops applying b (shared: stays) and c (its alone: removed).
      const less = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: ssa-prune}\ndata: {a: '1'}\n";
      expect((await kubectl(kc, ["apply", "--server-side", "-f", "-"], less)).code).toBe(0);
      got = await getYaml(["configmap", "shared", "-n", "ssa-prune"]);
      expect(got.data).toEqual({ a: "1", b: "2" });
      expect(entry(got, "kubectl")!.fieldsV1).toEqual({ "f:data": { "f:a": {} } });
    });

    it("merges containers by name and ports by containerPort, and conflicts with a kubectl create (Update) manager", async () => {
      await kubectl(kc, ["create", "namespace", "ssa-apps"]);
      const created = await kubectl(kc, [
        "create",
        "deployment",
        "web",
        "-n",
        "ssa-apps",
        "--image=nginx:1.27",
        "--replicas=2",
        "--port=80",
      ]);
      expect(created.code).toBe(0);
      let got = await getYaml(["deployment", "web", "-n", "ssa-apps"]);
      expect(entry(got, "kubectl-create", "Update")).toMatchObject({ apiVersion: "apps/v1" });

      const applied = [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: {name: web, namespace: ssa-apps}",
        "spec:",
        "  replicas: 3",
        "  selector: {matchLabels: {app: web}}",
        "  template:",
        "    metadata: {labels: {app: web}}",
        "    spec:",
        "      containers:",
        "      - name: sidecar",
        "        image: busybox:1.36",
        "        env: [{name: MODE, value: watch}]",
        "",
      ].join("\n");
      const refused = await kubectl(kc, ["apply", "--server-side", "--field-manager=installer", "-f", "-"], applied);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(
        'Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas',
      );
      const forced = await kubectl(
        kc,
        ["apply", "--server-side", "--field-manager=installer", "--force-conflicts", "-f", "-"],
        applied,
      );
      expect(forced.code).toBe(0);
      got = await getYaml(["deployment", "web", "-n", "ssa-apps"]);
      expect(got.spec.replicas).toBe(3);
      // The applied container joins the created one (merged by name), it does not replace the list.
      expect(got.spec.template.spec.containers.map((c: { name: string }) => c.name).sort()).toEqual([
        "nginx",
        "sidecar",
      ]);
      const installer = entry(got, "installer")!.fieldsV1;
      expect(installer["f:spec"]["f:selector"]).toEqual({});
      expect(installer["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"sidecar"}']).toEqual({
        ".": {},
        "f:env": { 'k:{"name":"MODE"}': { ".": {}, "f:name": {}, "f:value": {} } },
        "f:image": {},
        "f:name": {},
      });
      expect(entry(got, "kubectl-create", "Update")!.fieldsV1["f:spec"]).not.toHaveProperty("f:replicas");
    });

    it.skipIf(!haveCrds)(
      "applies what an installer writes: CRDs (then served), RBAC, workloads, a Job with its generated selector " +
        (haveCrds ? "" : crdsSkipReason),
      async () => {
        const crd = fs.readFileSync(path.join(VELERO_CRDS_DIR, "velero.io_backupstoragelocations.yaml"), "utf8");
        const install = [
          "apiVersion: v1\nkind: Namespace\nmetadata: {name: velero-ssa}",
          "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: velero, namespace: velero-ssa}",
          "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: velero-ssa}\nrules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]",
          "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: velero-ssa}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: velero-ssa}\nsubjects: [{kind: ServiceAccount, name: velero, namespace: velero-ssa}]",
          "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader, namespace: velero-ssa}\nrules: [{apiGroups: [''], resources: [pods], verbs: [get]}]",
          "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: reader, namespace: velero-ssa}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\nsubjects: [{kind: ServiceAccount, name: velero, namespace: velero-ssa}]",
          "apiVersion: v1\nkind: Secret\nmetadata: {name: cloud-credentials, namespace: velero-ssa}\nstringData: {cloud: 'key=value'}",
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plugins, namespace: velero-ssa}\ndata: {aws: 'velero/velero-plugin-for-aws:v1.13.0'}",
          "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: velero, namespace: velero-ssa}\nspec:\n  selector: {matchLabels: {deploy: velero}}\n  template:\n    metadata: {labels: {deploy: velero}}\n    spec:\n      serviceAccountName: velero\n      containers: [{name: velero, image: 'velero/velero:v1.17.0', args: [server]}]",
          "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: node-agent, namespace: velero-ssa}\nspec:\n  selector: {matchLabels: {name: node-agent}}\n  template:\n    metadata: {labels: {name: node-agent}}\n    spec:\n      containers: [{name: node-agent, image: 'velero/velero:v1.17.0'}]",
          "apiVersion: batch/v1\nkind: Job\nmetadata: {name: prepare, namespace: velero-ssa}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: prepare, image: 'busybox:1.36'}]",
          crd.trim().replace(/^---\s*/, ""),
        ].join("\n---\n");
        const first = await kubectl(kc, ["apply", "--server-side", "--field-manager=lifeboat", "-f", "-"], install);
        expect(first.err).toBe("");
        expect(first.out).toContain("namespace/velero-ssa serverside-applied");
        expect(first.out).toContain("job.batch/prepare serverside-applied");
        expect(first.out).toContain(
          "customresourcedefinition.apiextensions.k8s.io/backupstoragelocations.velero.io serverside-applied",
        );
        // Applying the same again changes nothing and is accepted (the Job's generated fields belong to nobody).
        const again = await kubectl(kc, ["apply", "--server-side", "--field-manager=lifeboat", "-f", "-"], install);
        expect(again.err).toBe("");
        expect(again.code).toBe(0);

        const job = await getYaml(["job", "prepare", "-n", "velero-ssa"]);
        const uid = job.metadata.uid;
        expect(job.spec.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
        expect(job.spec.template.metadata.labels).toEqual({
          "batch.kubernetes.io/controller-uid": uid,
          "batch.kubernetes.io/job-name": "prepare",
          "controller-uid": uid,
          "job-name": "prepare",
        });
        expect(entry(job, "lifeboat")!.fieldsV1["f:spec"]).not.toHaveProperty("f:selector");

        // The applied CRD is served: its custom resources apply and list.
        const bsl =
          "apiVersion: velero.io/v1\nkind: BackupStorageLocation\nmetadata: {name: default, namespace: velero-ssa}\nspec:\n  provider: aws\n  objectStorage: {bucket: backups}\n  config: {region: us-east-1}\nstatus: {phase: Available}\n";
        const applied = await kubectl(kc, ["apply", "--server-side", "--field-manager=lifeboat", "-f", "-"], bsl);
        expect(applied.err).toBe("");
        const got = await getYaml(["backupstoragelocations.velero.io", "default", "-n", "velero-ssa"]);
        expect(got.spec.objectStorage.bucket).toBe("backups");
        // Velero's CRDs have no status subresource: status is applied and owned like any field.
        expect(got.status).toEqual({ phase: "Available" });
        expect(entry(got, "lifeboat")!.fieldsV1).toEqual({
          "f:spec": { "f:config": { "f:region": {} }, "f:objectStorage": { "f:bucket": {} }, "f:provider": {} },
          "f:status": { "f:phase": {} },
        });
      },
    );

    it("follows a CRD's list-map keys and atomic lists, and ignores status when the CRD has a status subresource", async () => {
      const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items: {type: object, properties: {name: {type: string}, port: {type: integer}}}
              tags: {type: array, items: {type: string}}
          status: {type: object, properties: {ready: {type: boolean}}}
`;
      expect((await kubectl(kc, ["apply", "--server-side", "-f", "-"], crd)).code).toBe(0);
      await kubectl(kc, ["create", "namespace", "ssa-crd"]);
      const widget = (ports: string, tags: string) =>
        `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: ssa-crd}\nspec: {ports: ${ports}, tags: ${tags}}\nstatus: {ready: true}\n`;
      const a = await kubectl(
        kc,
        ["apply", "--server-side", "--field-manager=a", "-f", "-"],
        widget("[{name: http, port: 80}]", "[x]"),
      );
      expect(a.err).toBe("");
      const b = await kubectl(
        kc,
        ["apply", "--server-side", "--field-manager=b", "-f", "-"],
        widget("[{name: metrics, port: 9090}]", "[y]"),
      );
      expect(b.code).toBe(1); // tags is an atomic list owned by a
      expect(b.err).toContain('conflict with "a": .spec.tags');
      const b2 = await kubectl(
        kc,
        ["apply", "--server-side", "--field-manager=b", "-f", "-"],
        widget("[{name: metrics, port: 9090}]", "[x]"),
      );
      expect(b2.code).toBe(0);
      const got = await getYaml(["widgets.example.com", "w", "-n", "ssa-crd"]);
      expect(got.spec.ports).toEqual([
        { name: "http", port: 80 },
        { name: "metrics", port: 9090 },
      ]);
      expect(got.spec.tags).toEqual(["x"]);
      expect(got.status).toBeUndefined();
      expect(entry(got, "b")!.fieldsV1).toEqual({
        "f:spec": { "f:ports": { 'k:{"name":"metrics"}': { ".": {}, "f:name": {}, "f:port": {} } }, "f:tags": {} },
      });
      // Status goes through the status subresource (kubectl 1.32 cannot apply to one: client-node does), under its
      // own manager entry.
      await client.makeApiClient(k8s.CustomObjectsApi).patchNamespacedCustomObjectStatus(
        {
          group: "example.com",
          version: "v1",
          namespace: "ssa-crd",
          plural: "widgets",
          name: "w",
          body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, status: { ready: true } },
          fieldManager: "a",
        },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.ServerSideApply),
      );
      const withStatus = await getYaml(["widgets.example.com", "w", "-n", "ssa-crd"]);
      expect(withStatus.status).toEqual({ ready: true });
      expect(withStatus.spec.ports).toHaveLength(2);
      expect(managed(withStatus).find((e: any) => e.subresource === "status")).toMatchObject({
        manager: "a",
        operation: "Apply",
        fieldsV1: { "f:status": { "f:ready": {} } },
      });
    });
  },
);

describe("client-node KubernetesObjectApi.patch with PatchStrategy.ServerSideApply", () => {
  const apply = <T extends k8s.KubernetesObject>(obj: T, manager: string | undefined, force?: boolean) =>
    k8s.KubernetesObjectApi.makeApiClient(client).patch(
      obj,
      undefined,
      undefined,
      manager,
      force,
      k8s.PatchStrategy.ServerSideApply,
    );

  it("creates, updates, conflicts with 409 and forces, as field manager lifeboat", async () => {
    await k8s.KubernetesObjectApi.makeApiClient(client).create({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "ssa-client" },
    });
    const cm = (data: Record<string, string>) =>
      ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "owned", namespace: "ssa-client" },
        data,
      }) as k8s.V1ConfigMap;
    const created = (await apply(cm({ a: "1" }), "lifeboat", false)) as k8s.V1ConfigMap;
    expect(created.data).toEqual({ a: "1" });
    expect(created.metadata!.managedFields![0]).toMatchObject({ manager: "lifeboat", operation: "Apply" });

    const other = await apply(cm({ a: "2" }), "someone-else", false).catch((e) => e);
    expect(other.code).toBe(409);
    const status = JSON.parse(other.body);
    expect(status.reason).toBe("Conflict");
    expect(status.message).toBe('Apply failed with 1 conflict: conflict with "lifeboat": .data.a');
    expect(status.details.causes).toEqual([
      { reason: "FieldManagerConflict", message: 'conflict with "lifeboat"', field: ".data.a" },
    ]);

    const forced = (await apply(cm({ a: "2" }), "someone-else", true)) as k8s.V1ConfigMap;
    expect(forced.data).toEqual({ a: "2" });
    const back = (await apply(cm({ a: "2", b: "3" }), "lifeboat", false)) as k8s.V1ConfigMap;
    expect(back.data).toEqual({ a: "2", b: "3" });
    // Entries are ordered by operation and time (then manager), as kube orders them: compare them by manager.
    const byManager = back.metadata!.managedFields!.map((e) => [e.manager, e.fieldsV1] as const);
    expect(byManager.sort(([a], [b]) => String(a).localeCompare(String(b)))).toEqual([
      ["lifeboat", { "f:data": { "f:a": {}, "f:b": {} } }],
      ["someone-else", { "f:data": { "f:a": {} } }],
    ]);

    const noManager = await apply(cm({ a: "2" }), undefined).catch((e) => e);
    expect(noManager.code).toBe(422);
    expect(JSON.parse(noManager.body).message).toContain("fieldManager: Required value: is required for apply patch");
  });

  it.skipIf(!haveCrds)(
    "applies a CRD whole through CustomObjectsApi (KubernetesObjectApi's typed serializer drops x-kubernetes-map-type) " +
      (haveCrds ? "" : crdsSkipReason),
    async () => {
      const crd = parseYaml(fs.readFileSync(path.join(VELERO_CRDS_DIR, "velero.io_restores.yaml"), "utf8"));
      const applied = (await client.makeApiClient(k8s.CustomObjectsApi).patchClusterCustomObject(
        {
          group: "apiextensions.k8s.io",
          version: "v1",
          plural: "customresourcedefinitions",
          name: crd.metadata.name,
          body: crd,
          fieldManager: "lifeboat",
          force: true,
        },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.ServerSideApply),
      )) as any;
      const schema = applied.spec.versions[0].schema.openAPIV3Schema;
      expect(schema.properties.spec.properties.labelSelector["x-kubernetes-map-type"]).toBe("atomic");
      expect(applied.status.conditions.find((c: any) => c.type === "Established").status).toBe("True");
      expect(entry(applied, "lifeboat")).toMatchObject({ operation: "Apply", apiVersion: "apiextensions.k8s.io/v1" });
    },
  );

  it.skipIf(!haveCrds)(
    "applies a Velero Schedule: another manager's field survives, an atomic list is replaced, unknown fields pruned " +
      (haveCrds ? "" : crdsSkipReason),
    async () => {
      const api = k8s.KubernetesObjectApi.makeApiClient(client);
      // The CRD goes in as it is (client-node's serializer would drop its x-kubernetes-* keys: see the report).
      const crd = parseYaml(fs.readFileSync(path.join(VELERO_CRDS_DIR, "velero.io_schedules.yaml"), "utf8"));
      const cluster = sb.clusters[0].cluster;
      cluster.create(cluster.builtin("apiextensions.k8s.io", "customresourcedefinitions"), undefined, crd);
      await apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "velero" } }, "lifeboat");
      const schedule = {
        apiVersion: "velero.io/v1",
        kind: "Schedule",
        metadata: { name: "nightly", namespace: "velero", labels: { "app.kubernetes.io/managed-by": "lifeboat" } },
        spec: { schedule: "0 1 * * *", template: { includedNamespaces: ["app"], ttl: "720h0m0s" }, bogus: true },
      };
      const first = (await apply(schedule, "lifeboat")) as any;
      expect(first.spec).toEqual({ schedule: "0 1 * * *", template: { includedNamespaces: ["app"], ttl: "720h0m0s" } });
      // A pause by another manager (as the Velero CLI would) survives the console's next apply.
      await api.patch(
        {
          apiVersion: "velero.io/v1",
          kind: "Schedule",
          metadata: { name: "nightly", namespace: "velero" },
          spec: { paused: true },
        } as any,
        undefined,
        undefined,
        "velero-cli",
        undefined,
        k8s.PatchStrategy.MergePatch,
      );
      const next = (await apply(
        { ...schedule, spec: { ...schedule.spec, template: { includedNamespaces: ["app", "db"], ttl: "720h0m0s" } } },
        "lifeboat",
      )) as any;
      expect(next.spec.paused).toBe(true);
      expect(next.spec.template.includedNamespaces).toEqual(["app", "db"]); // an atomic list: replaced
      expect(entry(next, "velero-cli", "Update")!.fieldsV1).toEqual({ "f:spec": { "f:paused": {} } });
      expect(entry(next, "lifeboat")!.fieldsV1["f:spec"]).not.toHaveProperty("f:bogus");
    },
  );
});
