import crypto from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, parseAllDocuments, stringify } from "yaml";
import { ensurePki } from "@/sandbox/pki";
import { kubeconfigText } from "../testing/sandbox";
import { until } from "../testing/wait";
import { onboardingManifest } from "./access";
import { withKubeconfig } from "./cluster-access";
import * as discovery from "./discovery";
import { ClusterError } from "./errors";

// The restore pre-flight's reads against the sandbox clusters (their own process, TLS, bearer tokens, RBAC): the kinds
// served (built-in, Velero's, a CRD applied here), the StorageClasses, and object names in pages; with the "operate"
// onboarding manifest's identity, what it may not list; behind a front proxy, an aggregated API answering 503.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const run = crypto.randomBytes(4).toString("hex");
const NS = `discovery-it-${run}`;
const GROUP = `discovery-${run}.lifeboat.test`;
const CRD = `widgets.${GROUP}`;
const SA = `lifeboat-discovery-${run}`;

const served = (k: string) => withKubeconfig(k, (c) => discovery.servedResources(c));
const storageClassFacts = (k: string) => withKubeconfig(k, (c) => discovery.storageClassFacts(c));
const objectNames = (
  k: string,
  r: discovery.ObjectKind,
  namespace?: string,
  o?: Parameters<typeof discovery.objectNames>[3],
) => withKubeconfig(k, (c) => discovery.objectNames(c, r, namespace, o));

/** Plain client-node with a sandbox cluster's admin kubeconfig, as anything else on the cluster would write. */
function admin(i = 0) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfigText(i));
  return {
    core: kc.makeApiClient(k8s.CoreV1Api),
    ext: kc.makeApiClient(k8s.ApiextensionsV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
  };
}
const ignoring = (code: number) => (e: unknown) =>
  e instanceof k8s.ApiException && e.code === code ? undefined : Promise.reject(e);

async function refusal(p: Promise<unknown>): Promise<ClusterError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ClusterError);
  return e as ClusterError;
}

const key = (r: discovery.ServedResource) => `${r.groupVersion} ${r.kind}`;
const find = (rs: discovery.ServedResource[], groupVersion: string, kind: string) =>
  rs.find((r) => r.groupVersion === groupVersion && r.kind === kind);

const POD = { groupVersion: "v1", resource: "pods", namespaced: true };
const PODS = ["p-0", "p-1", "p-2", "p-3", "p-4"];

beforeAll(async () => {
  const { core } = admin();
  await core.createNamespace({ body: { metadata: { name: NS } } });
  for (const name of PODS)
    await core.createNamespacedPod({
      namespace: NS,
      body: { metadata: { name }, spec: { containers: [{ name: "app", image: "registry.example/app:1" }] } },
    });
});

afterAll(async () => {
  const { core, ext } = admin();
  await ext.deleteCustomResourceDefinition({ name: CRD }).catch(ignoring(404));
  await core.deleteNamespace({ name: NS }).catch(ignoring(404));
});

describe("servedResources", () => {
  it("lists the built-in kinds at their group-versions, without subresources", async () => {
    const { resources, unavailable } = await served(kubeconfigText(0));
    expect(unavailable).toEqual([]);
    expect(find(resources, "v1", "Pod")).toEqual({
      groupVersion: "v1",
      kind: "Pod",
      resource: "pods",
      namespaced: true,
      preferred: true,
    });
    expect(find(resources, "v1", "Namespace")).toMatchObject({ resource: "namespaces", namespaced: false });
    expect(find(resources, "apps/v1", "Deployment")).toEqual({
      groupVersion: "apps/v1",
      kind: "Deployment",
      resource: "deployments",
      namespaced: true,
      preferred: true,
    });
    expect(find(resources, "storage.k8s.io/v1", "StorageClass")).toEqual({
      groupVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      resource: "storageclasses",
      namespaced: false,
      preferred: true,
    });
    expect(resources.some((r) => r.resource.includes("/"))).toBe(false);
    // One entry per kind and group-version.
    expect(new Set(resources.map(key)).size).toBe(resources.length);
  });

  it("lists Velero's kinds where its CRDs are installed, at each served version, and none where they are not", async () => {
    const { resources } = await served(kubeconfigText(0));
    expect(find(resources, "velero.io/v1", "Backup")).toMatchObject({ resource: "backups", namespaced: true });
    expect(find(resources, "velero.io/v1", "Restore")).toMatchObject({ resource: "restores", namespaced: true });
    expect(find(resources, "velero.io/v1", "BackupStorageLocation")).toMatchObject({ namespaced: true });
    // DataUpload is served at v2alpha1 only: the group's preferred version is v1, so it is not preferred.
    expect(find(resources, "velero.io/v2alpha1", "DataUpload")).toMatchObject({
      resource: "datauploads",
      preferred: false,
    });
    expect(find(resources, "velero.io/v1", "Backup")?.preferred).toBe(true);

    // On every sandbox cluster the velero.io kinds served are exactly those of the velero.io CRDs there (sandbox-3
    // has none unless a test installed Velero on it).
    for (const i of [0, 2]) {
      const crds = (await admin(i).ext.listCustomResourceDefinition()).items.filter(
        (c) => c.spec.group === "velero.io",
      );
      const want = crds.flatMap((c) =>
        c.spec.versions.filter((v) => v.served).map((v) => `velero.io/${v.name} ${c.spec.names.kind}`),
      );
      const got = (await served(kubeconfigText(i))).resources.filter((r) => r.groupVersion.startsWith("velero.io/"));
      expect(got.map(key).sort()).toEqual(want.sort());
    }
  });

  it("lists a CRD's kind at every served version once it is applied, and no longer after it is deleted", async () => {
    const { ext } = admin();
    const version = (name: string, o: { served: boolean; storage: boolean }) => ({
      name,
      ...o,
      schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
    });
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: CRD },
        spec: {
          group: GROUP,
          scope: "Namespaced",
          names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
          versions: [
            version("v1", { served: true, storage: true }),
            version("v1beta1", { served: true, storage: false }),
            version("v1alpha1", { served: false, storage: false }),
          ],
        },
      },
    });
    // A real API server serves a new CRD a moment after it is established.
    const withCrd = await until("the CRD's kind served", async () => {
      const r = await served(kubeconfigText(0));
      return find(r.resources, `${GROUP}/v1`, "Widget") && find(r.resources, `${GROUP}/v1beta1`, "Widget") ? r : null;
    });
    expect(withCrd.resources.filter((r) => r.groupVersion.startsWith(`${GROUP}/`))).toEqual([
      { groupVersion: `${GROUP}/v1`, kind: "Widget", resource: "widgets", namespaced: true, preferred: true },
      { groupVersion: `${GROUP}/v1beta1`, kind: "Widget", resource: "widgets", namespaced: true, preferred: false },
    ]);

    await ext.deleteCustomResourceDefinition({ name: CRD });
    await until("the CRD's kind no longer served", async () => {
      const r = await served(kubeconfigText(0));
      return !r.resources.some((x) => x.groupVersion.startsWith(`${GROUP}/`));
    });
  });
});

describe("storageClassFacts", () => {
  it("reads every StorageClass with its provisioner and the default class", async () => {
    const facts = await storageClassFacts(kubeconfigText(0));
    expect(facts).toContainEqual({ name: "csi-standard", provisioner: "disk.csi.sandbox.io", isDefault: true });
    expect(facts).toContainEqual({
      name: "legacy-hostpath",
      provisioner: "kubernetes.io/no-provisioner",
      isDefault: false,
    });
    const listed = (await admin(0).objects.list("storage.k8s.io/v1", "StorageClass")).items;
    expect(facts.map((f) => f.name)).toEqual(listed.map((s) => s.metadata!.name!).sort());
  });
});

describe("objectNames", () => {
  it("names the pods of a namespace, and the objects of a cluster-scoped kind", async () => {
    expect(await objectNames(kubeconfigText(0), POD, NS)).toEqual({ names: PODS, truncated: false });
    expect(await objectNames(kubeconfigText(0), POD, `nothing-here-${run}`)).toEqual({ names: [], truncated: false });

    const namespaces = await objectNames(kubeconfigText(0), {
      groupVersion: "v1",
      resource: "namespaces",
      namespaced: false,
    });
    const listed = (await admin(0).core.listNamespace()).items.map((n) => n.metadata!.name!);
    expect(namespaces).toEqual({ names: [...listed].sort(), truncated: false });
    expect(namespaces.names).toContain(NS);
  });

  it("follows pages, and stops at its cap saying the list is truncated", async () => {
    const k = kubeconfigText(0);
    expect(await objectNames(k, POD, NS, { pageSize: 2 })).toEqual({ names: PODS, truncated: false });
    // Exactly the cap is all of them; one fewer is truncated (the first names in the server's order).
    expect(await objectNames(k, POD, NS, { pageSize: 2, max: 5 })).toEqual({ names: PODS, truncated: false });
    expect(await objectNames(k, POD, NS, { pageSize: 2, max: 4 })).toEqual({
      names: PODS.slice(0, 4),
      truncated: true,
    });
    expect(await objectNames(k, POD, NS, { pageSize: 500, max: 3 })).toEqual({
      names: PODS.slice(0, 3),
      truncated: true,
    });
  });

  it("a kind the cluster does not serve is a 404; what is no valid kind or namespace is refused before any request", async () => {
    const k = kubeconfigText(0);
    const missing = await refusal(
      objectNames(k, { groupVersion: `nothing-${run}.example/v1`, resource: "things", namespaced: true }, NS),
    );
    expect(missing.status).toBe(404);
    for (const [r, ns] of [
      [{ groupVersion: "v1", resource: "pods/log", namespaced: true }, NS],
      [{ groupVersion: "../v1", resource: "pods", namespaced: true }, NS],
      [POD, "../kube-system"],
      [POD, undefined],
    ] as const) {
      const e = await refusal(objectNames(k, r, ns));
      expect(e.status).toBeUndefined();
    }
  });
});

describe("with the operate onboarding manifest's identity", () => {
  let kubeconfig = "";
  const made: k8s.KubernetesObject[] = [];
  const manifest = onboardingManifest({ serviceAccount: SA });
  const docs = parseAllDocuments(manifest.yaml).map((d) => d.toJS() as k8s.KubernetesObject);

  beforeAll(async () => {
    const { core, objects } = admin();
    // The namespaces may exist already (Velero's does); everything else is this test's own, and so is a namespace it
    // makes (removed after: other tests apply the manifest with kubectl, which warns about one made otherwise).
    for (const doc of docs)
      await objects.create(doc).then(() => doc.kind === "Namespace" && made.push(doc), ignoring(409));
    const ns = docs.find((d) => d.kind === "ServiceAccount")!.metadata!.namespace!;
    const token = await until("the ServiceAccount's token", async () => {
      const s = await core.readNamespacedSecret({ namespace: ns, name: `${SA}-token` });
      return s.data?.token ? Buffer.from(s.data.token, "base64").toString() : null;
    });
    const kc = parseYaml(kubeconfigText(0));
    kc.users = [{ name: SA, user: { token } }];
    kc.contexts[0].context.user = SA;
    kubeconfig = stringify(kc);
  });

  afterAll(async () => {
    const { objects } = admin();
    for (const doc of docs.filter((d) => d.kind !== "Namespace").reverse())
      await objects.delete(doc).catch(ignoring(404));
    for (const doc of made) await objects.delete(doc).catch(ignoring(404));
  });

  it("reads discovery, the StorageClasses and the pods of any namespace", async () => {
    const { resources, unavailable } = await served(kubeconfig);
    expect(unavailable).toEqual([]);
    expect(find(resources, "v1", "Pod")).toBeDefined();
    expect((await storageClassFacts(kubeconfig)).some((s) => s.isDefault)).toBe(true);
    expect(await objectNames(kubeconfig, POD, NS)).toEqual({ names: PODS, truncated: false });
  });

  it("may not list other kinds in a namespace: a ClusterError with status 403", async () => {
    // The workload kinds a restore writes may be listed (the prediction's optional rows, #14); Secrets never.
    expect(
      await objectNames(kubeconfig, { groupVersion: "apps/v1", resource: "deployments", namespaced: true }, NS),
    ).toMatchObject({ truncated: false });
    const secrets = await refusal(
      objectNames(kubeconfig, { groupVersion: "v1", resource: "secrets", namespaced: true }, NS),
    );
    expect(secrets).toMatchObject({ status: 403, kind: "Forbidden" });
    expect(secrets.message).toContain("Lifeboat may not list secrets");
    // Not even ConfigMaps in Velero's namespace, where it may create and read them by name.
    const configMaps = await refusal(
      objectNames(kubeconfig, { groupVersion: "v1", resource: "configmaps", namespaced: true }, "velero"),
    );
    expect(configMaps.status).toBe(403);
  });
});

describe("an aggregated API that does not answer", () => {
  // A front proxy to sandbox cluster 0, as a real API server behaves with metrics-server down: /apis lists
  // metrics.k8s.io, and its group-version answers 503 "service unavailable" (kube-aggregator's text).
  let proxy: https.Server;
  let kubeconfig = "";
  let dir = "";

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-discovery-it-"));
    const pki = ensurePki(path.join(dir, "pki"));
    expect(pki, "openssl makes the proxy's certificate").not.toBeNull();
    const kc = parseYaml(kubeconfigText(0));
    const upstream = new URL(kc.clusters[0].cluster.server);
    const upstreamCa = Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64");
    proxy = https.createServer({ key: pki!.key, cert: pki!.cert }, (req, res) => {
      const p = new URL(req.url ?? "/", "https://proxy").pathname;
      if (p === "/apis/metrics.k8s.io/v1beta1") {
        res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8" });
        return res.end("service unavailable\n");
      }
      const headers = { ...req.headers, host: upstream.host };
      delete headers["accept-encoding"];
      const up = https.request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, ca: upstreamCa },
        (ur) => {
          if (p !== "/apis" || ur.statusCode !== 200) {
            res.writeHead(ur.statusCode ?? 502, ur.headers);
            return void ur.pipe(res);
          }
          let text = "";
          ur.on("data", (c) => (text += c));
          ur.on("end", () => {
            const list = JSON.parse(text);
            const v = { groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" };
            list.groups.push({ name: "metrics.k8s.io", versions: [v], preferredVersion: v });
            const body = JSON.stringify(list);
            res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
            res.end(body);
          });
        },
      );
      up.on("error", (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    kc.clusters[0].cluster.server = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    kc.clusters[0].cluster["certificate-authority-data"] = Buffer.from(pki!.caCert).toString("base64");
    kubeconfig = stringify(kc);
  });

  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise((r) => proxy?.close(r));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is listed as unavailable, and every other group-version is read", async () => {
    const direct = await served(kubeconfigText(0));
    const behind = await served(kubeconfig);
    expect(behind.unavailable).toEqual(["metrics.k8s.io/v1beta1"]);
    expect(behind.resources.map(key)).toEqual(direct.resources.map(key));
  });
});
