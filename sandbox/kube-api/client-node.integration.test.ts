import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { startClusters, type Sandbox } from "../sandbox";
import { crdsSkipReason, haveCrds, VELERO_CRDS_DIR } from "../testing/paths";
import { parseAllDocuments } from "yaml";

// @kubernetes/client-node (the client the console uses) against a sandbox cluster: typed and custom-object calls,
// pagination, and informers that survive a dropped watch, resume from their resourceVersion, and relist after a 410.
let sb: Sandbox;
let kc: k8s.KubeConfig;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-clientnode-"));

beforeAll(async () => {
  sb = await startClusters([{ name: "client-node" }], { dir, bookmarkIntervalMs: 200 });
  kc = new k8s.KubeConfig();
  kc.loadFromString(sb.clusters[0].kubeconfig);
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const until = async (cond: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("client-node against a sandbox cluster", () => {
  it("creates, reads, patches and deletes through the typed API, with real error statuses", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "typed" } } });
    await core.createNamespacedConfigMap({
      namespace: "typed",
      body: { metadata: { name: "settings", labels: { app: "x" } }, data: { a: "1" } },
    });
    const cm = await core.readNamespacedConfigMap({ name: "settings", namespace: "typed" });
    expect(cm.data).toEqual({ a: "1" });
    const patched = await core.patchNamespacedConfigMap(
      { name: "settings", namespace: "typed", body: { data: { b: "2" } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    expect(patched.data).toEqual({ a: "1", b: "2" });
    const dup = await core
      .createNamespacedConfigMap({ namespace: "typed", body: { metadata: { name: "settings" } } })
      .catch((e) => e);
    expect(dup.code).toBe(409);
    expect(JSON.parse(dup.body).reason).toBe("AlreadyExists");
    const stale = await core
      .replaceNamespacedConfigMap({ name: "settings", namespace: "typed", body: { ...cm, data: { c: "3" } } })
      .catch((e) => e);
    expect(stale.code).toBe(409);
    expect(JSON.parse(stale.body).reason).toBe("Conflict");
    await core.deleteNamespacedConfigMap({ name: "settings", namespace: "typed" });
    const missing = await core.readNamespacedConfigMap({ name: "settings", namespace: "typed" }).catch((e) => e);
    expect(missing.code).toBe(404);
  });

  it("reads a pod's log as text, and refuses to guess the container of a pod with two", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "pod-logs" } } });
    const containers = [
      { name: "a", image: "busybox" },
      { name: "b", image: "busybox" },
    ];
    await core.createNamespacedPod({ namespace: "pod-logs", body: { metadata: { name: "p" }, spec: { containers } } });
    sb.clusters[0].cluster.appendPodLog("pod-logs", "p", "b", "rendered: 1\n");
    expect(await core.readNamespacedPodLog({ name: "p", namespace: "pod-logs", container: "b" })).toBe("rendered: 1\n");
    await expect(core.readNamespacedPodLog({ name: "p", namespace: "pod-logs" })).rejects.toMatchObject({
      code: 400,
      body: expect.stringContaining("a container name must be specified for pod p, choose one of: [a b]"),
    });
  });

  it("pages a large list with limit and continue", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "many" } } });
    for (let i = 0; i < 1200; i++)
      await core.createNamespacedConfigMap({
        namespace: "many",
        body: { metadata: { name: `cm-${String(i).padStart(4, "0")}` } },
      });
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: "many", limit: 500, _continue: cont });
      seen.push(...page.items.map((c) => c.metadata!.name!));
      cont = page.metadata?._continue || undefined;
      pages++;
    } while (cont);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(1200);
    // 1,200 creates through client-node, each with its own TLS handshake (client-node builds an agent per request):
    // CPU-bound, so a loaded machine needs more than the default 30 s.
  }, 120_000);

  it("an informer lists, watches, survives a dropped watch and resumes from its resourceVersion", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "informed" } } });
    await core.createNamespacedConfigMap({ namespace: "informed", body: { metadata: { name: "before" } } });
    const informer = k8s.makeInformer(kc, "/api/v1/namespaces/informed/configmaps", () =>
      core.listNamespacedConfigMap({ namespace: "informed" }),
    );
    const events: string[] = [];
    informer.on("add", (o) => events.push(`add:${o.metadata?.name}`));
    informer.on("update", (o) => events.push(`update:${o.metadata?.name}`));
    informer.on("delete", (o) => events.push(`delete:${o.metadata?.name}`));
    informer.on("error", () => setTimeout(() => informer.start(), 50));
    await informer.start();
    await until(() => events.includes("add:before"));

    await core.createNamespacedConfigMap({ namespace: "informed", body: { metadata: { name: "live" } } });
    await until(() => events.includes("add:live"));

    // The server ends every watch (as an apiserver restart or a proxy would); the informer resumes where it was.
    expect(sb.clusters[0].cluster.dropWatches()).toBeGreaterThan(0);
    await core.patchNamespacedConfigMap(
      { name: "live", namespace: "informed", body: { data: { k: "v" } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    await until(() => events.includes("update:live"));
    await core.deleteNamespacedConfigMap({ name: "before", namespace: "informed" });
    await until(() => events.includes("delete:before"));
    expect(events.filter((e) => e === "add:before")).toHaveLength(1); // resumed, not relisted
    await informer.stop();
  });

  it("an informer relists after 410 Gone and still sees later changes", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const cluster = sb.clusters[0].cluster;
    await core.createNamespace({ body: { metadata: { name: "gone" } } });
    await core.createNamespacedConfigMap({ namespace: "gone", body: { metadata: { name: "one" } } });
    let lists = 0;
    const informer = k8s.makeInformer(kc, "/api/v1/namespaces/gone/configmaps", () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: "gone" });
    });
    const events: string[] = [];
    informer.on("add", (o) => events.push(`add:${o.metadata?.name}`));
    informer.on("error", () => setTimeout(() => informer.start(), 50));
    await informer.start();
    await until(() => events.includes("add:one"));
    expect(lists).toBe(1);

    // The watch is cut; before the informer is back, a change happens and history is compacted past it.
    // Resuming from its old resourceVersion then answers 410, so it relists, and the relist shows what it missed.
    cluster.dropWatches();
    cluster.create(cluster.builtin("", "configmaps"), "gone", { metadata: { name: "missed" } });
    cluster.store.compact();
    await until(() => lists === 2);
    await until(() => events.includes("add:missed"));
    await core.createNamespacedConfigMap({ namespace: "gone", body: { metadata: { name: "two" } } });
    await until(() => events.includes("add:two"));
    expect(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(["missed", "one", "two"]);
    await informer.stop();
  });

  it("a watch from a too-old resourceVersion gets an ERROR event with 410 Expired", async () => {
    const cluster = sb.clusters[0].cluster;
    cluster.store.compact();
    const events: { type: string; obj: any }[] = [];
    await new Promise<void>((resolve) => {
      void new k8s.Watch(kc).watch(
        "/api/v1/namespaces",
        { resourceVersion: "1" },
        (type, obj) => events.push({ type, obj }),
        () => resolve(),
      );
    });
    expect(events[0].type).toBe("ERROR");
    expect(events[0].obj).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
  });

  it("sends bookmarks when asked", async () => {
    const types: string[] = [];
    const req = await new k8s.Watch(kc).watch(
      "/api/v1/namespaces",
      { allowWatchBookmarks: true, resourceVersion: String(sb.clusters[0].cluster.store.currentRV) },
      (type) => types.push(type),
      () => {},
    );
    await until(() => types.includes("BOOKMARK"), 3000);
    req.abort();
  });

  it.skipIf(!haveCrds)(
    "works with Velero custom resources through CustomObjectsApi " + (haveCrds ? "" : crdsSkipReason),
    async () => {
      const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
      for (const f of fs.readdirSync(VELERO_CRDS_DIR).filter((f) => f.endsWith(".yaml"))) {
        for (const doc of parseAllDocuments(fs.readFileSync(path.join(VELERO_CRDS_DIR, f), "utf8"))) {
          const body = doc.toJS();
          if (body?.kind === "CustomResourceDefinition") await ext.createCustomResourceDefinition({ body });
        }
      }
      const core = kc.makeApiClient(k8s.CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: "velero" } } });
      const co = kc.makeApiClient(k8s.CustomObjectsApi);
      const ref = { group: "velero.io", version: "v1", namespace: "velero", plural: "backups" };
      await co.createNamespacedCustomObject({
        ...ref,
        body: {
          apiVersion: "velero.io/v1",
          kind: "Backup",
          metadata: { name: "b1" },
          spec: { includedNamespaces: ["typed"] },
        },
      });
      const list = (await co.listNamespacedCustomObject(ref)) as { items: { metadata: { name: string } }[] };
      expect(list.items.map((i) => i.metadata.name)).toEqual(["b1"]);
      const bad = await co
        .createNamespacedCustomObject({
          ...ref,
          body: { apiVersion: "velero.io/v1", kind: "Backup", metadata: { name: "b2" }, spec: { ttl: 42 } },
        })
        .catch((e) => e);
      expect(bad.code).toBe(422);
      expect(JSON.parse(bad.body)).toMatchObject({
        reason: "Invalid",
        details: { kind: "Backup", group: "velero.io", causes: [expect.objectContaining({ field: "spec.ttl" })] },
      });
    },
  );
});
