import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildBackupTarball, createTar, type BackupItem, type TarEntry } from "@/sandbox/velero/archive";
import { AppError } from "../../errors";
import { CONTENT_LIMITS, readBackupContents } from "./backup-contents";

// Tarballs written by the sandbox's Velero stand-in (Go archive/tar's bytes, Velero's layout: legacy path plus
// <version>-preferredversion copy) from objects shaped as the API server returns them, which is what Velero stores:
// the kubernetes/examples workloads (model-serving-tensorflow, cassandra) with their server-side fields, a CSI claim
// and volume, a CRD and its custom resources.

const meta = (name: string, namespace?: string, extra: Record<string, unknown> = {}) => ({
  name,
  ...(namespace ? { namespace } : {}),
  uid: `0b6c9f1e-${name.length.toString(16).padStart(4, "0")}-4c1e-9d2a-7f3e5a1b2c3d`,
  resourceVersion: "48213",
  creationTimestamp: "2026-11-02T09:14:07Z",
  ...extra,
});

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: meta("tf-serving", "ml", {
    generation: 1,
    labels: { app: "tf-serving" },
    annotations: { "deployment.kubernetes.io/revision": "1" },
  }),
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "tf-serving" } },
    template: {
      metadata: { labels: { app: "tf-serving" } },
      spec: {
        containers: [
          {
            name: "tensorflow-serving",
            image: "tensorflow/serving:2.19.0",
            args: [
              "--model_name=my_model",
              "--port=8500",
              "--rest_api_port=8501",
              "--model_base_path=/models/my_model",
            ],
            ports: [
              { containerPort: 8500, protocol: "TCP" },
              { containerPort: 8501, protocol: "TCP" },
            ],
            volumeMounts: [{ name: "model-volume", mountPath: "/models/my_model" }],
          },
        ],
        volumes: [{ name: "model-volume", persistentVolumeClaim: { claimName: "my-model-pvc" } }],
      },
    },
  },
  status: { observedGeneration: 1, replicas: 1, readyReplicas: 1, availableReplicas: 1 },
};

const service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: meta("tf-serving", "ml"),
  spec: {
    selector: { app: "tf-serving" },
    ports: [
      { name: "grpc", port: 8500, targetPort: 8500, protocol: "TCP" },
      { name: "rest", port: 8501, targetPort: 8501, protocol: "TCP" },
    ],
    type: "ClusterIP",
    clusterIP: "10.96.41.7",
    clusterIPs: ["10.96.41.7"],
  },
  status: { loadBalancer: {} },
};

// Pre-provisioned: the claim names its volume and no class (the DefaultStorageClass admission gave it none: the
// cluster had no default class), the volume is a hostPath one.
const modelClaim = {
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: meta("my-model-pvc", "ml", {
    annotations: { "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes" },
  }),
  spec: {
    accessModes: ["ReadOnlyMany"],
    resources: { requests: { storage: "1Gi" } },
    volumeName: "my-model-pv",
    volumeMode: "Filesystem",
  },
  status: { phase: "Bound", accessModes: ["ReadOnlyMany"], capacity: { storage: "1Gi" } },
};
const modelVolume = {
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: meta("my-model-pv", undefined, { annotations: { "pv.kubernetes.io/bound-by-controller": "yes" } }),
  spec: {
    capacity: { storage: "1Gi" },
    accessModes: ["ReadOnlyMany"],
    persistentVolumeReclaimPolicy: "Retain",
    hostPath: { path: "/mnt/models/my_model", type: "" },
    claimRef: { kind: "PersistentVolumeClaim", namespace: "ml", name: "my-model-pvc", apiVersion: "v1" },
    volumeMode: "Filesystem",
  },
  status: { phase: "Bound" },
};
// Static binding: storageClassName "" asks for no class at all.
const staticClaim = {
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: meta("legacy-nfs", "ml"),
  spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: "5Gi" } }, storageClassName: "" },
  status: { phase: "Pending" },
};
// Dynamically provisioned by a CSI driver, with the annotations Velero's CSI BackupItemAction leaves.
const csiClaim = {
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: meta("data-cassandra-0", "db", {
    labels: { app: "cassandra", "velero.io/backup-name": "nightly", "velero.io/volume-snapshot-name": "velero-x" },
    annotations: {
      "pv.kubernetes.io/bind-completed": "yes",
      "volume.beta.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
      "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
      "velero.io/csi-volumesnapshot-class": "csi-snapclass",
    },
  }),
  spec: {
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "1Gi" } },
    storageClassName: "gp3",
    volumeName: "pvc-5d0e8c2a-7b1f-4f4e-9c55-1a2b3c4d5e6f",
    volumeMode: "Filesystem",
  },
  status: { phase: "Bound", capacity: { storage: "1Gi" } },
};
const csiVolume = {
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: meta("pvc-5d0e8c2a-7b1f-4f4e-9c55-1a2b3c4d5e6f", undefined, {
    annotations: { "pv.kubernetes.io/provisioned-by": "ebs.csi.aws.com" },
    finalizers: ["kubernetes.io/pv-protection", "external-attacher/ebs-csi-aws-com"],
  }),
  spec: {
    accessModes: ["ReadWriteOnce"],
    capacity: { storage: "1Gi" },
    claimRef: {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      namespace: "db",
      name: "data-cassandra-0",
      uid: "5d0e8c2a-7b1f-4f4e-9c55-1a2b3c4d5e6f",
    },
    csi: {
      driver: "ebs.csi.aws.com",
      fsType: "ext4",
      volumeHandle: "vol-0a1b2c3d4e5f60718",
      volumeAttributes: { "storage.kubernetes.io/csiProvisionerIdentity": "1762075000000-8081-ebs.csi.aws.com" },
    },
    persistentVolumeReclaimPolicy: "Delete",
    storageClassName: "gp3",
    volumeMode: "Filesystem",
  },
  status: { phase: "Bound" },
};
// kubernetes/examples cassandra: its template names its class with the beta annotation, which Kubernetes still honours.
const cassandra = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: meta("cassandra", "db", { generation: 1, labels: { app: "cassandra" } }),
  spec: {
    serviceName: "cassandra",
    replicas: 3,
    selector: { matchLabels: { app: "cassandra" } },
    template: {
      metadata: { labels: { app: "cassandra" } },
      spec: {
        containers: [
          {
            name: "cassandra",
            image: "gcr.io/google-samples/cassandra:v14",
            volumeMounts: [{ name: "cassandra-data", mountPath: "/var/lib/cassandra" }],
          },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "cassandra-data", annotations: { "volume.beta.kubernetes.io/storage-class": "fast" } },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, volumeMode: "Filesystem" },
        status: { phase: "Pending" },
      },
    ],
    podManagementPolicy: "OrderedReady",
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
  },
  status: { observedGeneration: 1, replicas: 3, readyReplicas: 3 },
};
// Two templates of one class, one with none (the default class) and one of another class.
const ledger = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: meta("ledger", "db"),
  spec: {
    serviceName: "ledger",
    selector: { matchLabels: { app: "ledger" } },
    template: {
      metadata: { labels: { app: "ledger" } },
      spec: { containers: [{ name: "ledger", image: "ledger:1" }] },
    },
    volumeClaimTemplates: ["wal", "data", "scratch", "archive"].map((name, i) => ({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name },
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
        ...(i === 2 ? {} : { storageClassName: i === 3 ? "cold" : "gp3" }),
      },
    })),
  },
};
const widgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: meta("widgets.shop.example.io", undefined, { generation: 2 }),
  spec: {
    group: "shop.example.io",
    names: { kind: "Widget", listKind: "WidgetList", plural: "widgets", singular: "widget" },
    scope: "Namespaced",
    versions: [
      { name: "v1alpha1", served: false, storage: false, schema: { openAPIV3Schema: { type: "object" } } },
      { name: "v1beta1", served: true, storage: false, schema: { openAPIV3Schema: { type: "object" } } },
      { name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } },
    ],
    conversion: { strategy: "None" },
  },
  status: { acceptedNames: { kind: "Widget", plural: "widgets" }, storedVersions: ["v1"] },
};
const widget = (name: string) => ({
  apiVersion: "shop.example.io/v1",
  kind: "Widget",
  metadata: meta(name, "shop", { generation: 1, labels: { tier: "front" } }),
  spec: { size: 3 },
});
const clusterRole = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRole",
  metadata: meta("widget-editor", undefined, { labels: { "rbac.example.io/aggregate-to-edit": "true" } }),
  rules: [{ apiGroups: ["shop.example.io"], resources: ["widgets"], verbs: ["get", "list", "watch", "update"] }],
};

const item = (resource: string, group: string, version: string, object: Record<string, unknown>): BackupItem => {
  const m = object.metadata as { name: string; namespace?: string };
  return { resource, group, version, name: m.name, ...(m.namespace ? { namespace: m.namespace } : {}), object };
};

/** The tar bytes (what downloadVeleroFile answers for "BackupContents") of a tarball the stand-in wrote. */
const backupTar = (items: BackupItem[]) => gunzipSync(buildBackupTarball(items));
const entry = (name: string, object: unknown): TarEntry => ({
  name,
  data: Buffer.from(typeof object === "string" ? object : JSON.stringify(object)),
  mode: 0o755,
});
const configMap = (name: string, namespace: string, data: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: meta(name, namespace),
  data,
});

describe("readBackupContents", () => {
  it("reads one item per object of a real-shaped backup, with claims, volumes, StatefulSets and CRDs", async () => {
    const tar = backupTar([
      item("customresourcedefinitions", "apiextensions.k8s.io", "v1", widgetCrd),
      item("clusterroles", "rbac.authorization.k8s.io", "v1", clusterRole),
      item("persistentvolumes", "", "v1", modelVolume),
      item("persistentvolumes", "", "v1", csiVolume),
      item("persistentvolumeclaims", "", "v1", modelClaim),
      item("persistentvolumeclaims", "", "v1", staticClaim),
      item("persistentvolumeclaims", "", "v1", csiClaim),
      item("services", "", "v1", service),
      item("deployments", "apps", "v1", deployment),
      item("statefulsets", "apps", "v1", cassandra),
      item("statefulsets", "apps", "v1", ledger),
      item("widgets", "shop.example.io", "v1", widget("blue")),
      item("widgets", "shop.example.io", "v1", widget("green")),
    ]);
    const contents = await readBackupContents(tar);

    expect(contents.truncated).toBe(false);
    // Each object is stored twice (legacy path and v1-preferredversion): listed once.
    expect(contents.items).toHaveLength(13);
    expect(contents.items.find((i) => i.kind === "Deployment")).toEqual({
      resource: "deployments.apps",
      groupVersion: "apps/v1",
      kind: "Deployment",
      namespace: "ml",
      name: "tf-serving",
      labels: { app: "tf-serving" },
    });
    expect(contents.items.find((i) => i.kind === "Service")).toEqual({
      resource: "services",
      groupVersion: "v1",
      kind: "Service",
      namespace: "ml",
      name: "tf-serving",
      labels: {},
    });
    expect(contents.items.find((i) => i.kind === "ClusterRole")).toEqual({
      resource: "clusterroles.rbac.authorization.k8s.io",
      groupVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      namespace: null,
      name: "widget-editor",
      labels: { "rbac.example.io/aggregate-to-edit": "true" },
    });
    expect(contents.items.filter((i) => i.resource === "widgets.shop.example.io")).toEqual(
      ["blue", "green"].map((name) => ({
        resource: "widgets.shop.example.io",
        groupVersion: "shop.example.io/v1",
        kind: "Widget",
        namespace: "shop",
        name,
        labels: { tier: "front" },
      })),
    );

    expect(contents.claims).toEqual([
      { namespace: "ml", name: "my-model-pvc", storageClass: null, volumeName: "my-model-pv" },
      { namespace: "ml", name: "legacy-nfs", storageClass: "", volumeName: null },
      {
        namespace: "db",
        name: "data-cassandra-0",
        storageClass: "gp3",
        volumeName: "pvc-5d0e8c2a-7b1f-4f4e-9c55-1a2b3c4d5e6f",
      },
    ]);
    expect(contents.volumes).toEqual([
      {
        name: "my-model-pv",
        storageClass: null,
        csiDriver: null,
        claim: { namespace: "ml", name: "my-model-pvc" },
        reclaimPolicy: "Retain",
      },
      {
        name: "pvc-5d0e8c2a-7b1f-4f4e-9c55-1a2b3c4d5e6f",
        storageClass: "gp3",
        csiDriver: "ebs.csi.aws.com",
        claim: { namespace: "db", name: "data-cassandra-0" },
        reclaimPolicy: "Delete",
      },
    ]);
    expect(contents.statefulSets).toEqual([
      { namespace: "db", name: "cassandra", storageClasses: ["fast"] },
      { namespace: "db", name: "ledger", storageClasses: ["gp3", "cold"] },
    ]);
    expect(contents.crds).toEqual([
      {
        name: "widgets.shop.example.io",
        group: "shop.example.io",
        kind: "Widget",
        plural: "widgets",
        namespaced: true,
        versions: ["v1beta1", "v1"],
      },
    ]);
  });

  it("reads a claim's class from the beta annotation first, as Kubernetes does; a cluster-scoped CRD", async () => {
    const annotated = {
      ...staticClaim,
      metadata: meta("old-style", "ml", { annotations: { "volume.beta.kubernetes.io/storage-class": "slow" } }),
    };
    const clusterCrd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: meta("backends.shop.example.io"),
      spec: {
        group: "shop.example.io",
        names: { kind: "Backend", plural: "backends" },
        scope: "Cluster",
        versions: [{ name: "v2", served: true, storage: true }],
      },
    };
    const contents = await readBackupContents(
      backupTar([
        item("persistentvolumeclaims", "", "v1", annotated),
        item("customresourcedefinitions", "apiextensions.k8s.io", "v1", clusterCrd),
      ]),
    );
    expect(contents.claims).toEqual([{ namespace: "ml", name: "old-style", storageClass: "slow", volumeName: null }]);
    expect(contents.crds).toEqual([
      {
        name: "backends.shop.example.io",
        group: "shop.example.io",
        kind: "Backend",
        plural: "backends",
        namespaced: false,
        versions: ["v2"],
      },
    ]);
  });

  it("reads a name too long for ustar from its PAX header", async () => {
    const name = `settings-${"x".repeat(200)}`;
    const namespace = `team-${"n".repeat(50)}`;
    const tar = backupTar([item("configmaps", "", "v1", configMap(name, namespace, { mode: "fast" }))]);
    expect(tar.includes("PaxHeaders.0/")).toBe(true);
    const contents = await readBackupContents(tar);
    expect(contents.items).toEqual([
      { resource: "configmaps", groupVersion: "v1", kind: "ConfigMap", namespace, name, labels: {} },
    ]);
  });

  it("keeps the legacy or preferred-version copy of an object stored under several versions, in any order", async () => {
    const hpa = (apiVersion: string) => ({
      apiVersion,
      kind: "HorizontalPodAutoscaler",
      metadata: meta("web", "app", { labels: { v: apiVersion.split("/")[1]! } }),
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 5 },
    });
    const dir = "resources/horizontalpodautoscalers.autoscaling";
    const copies = {
      legacy: entry(`${dir}/namespaces/app/web.json`, hpa("autoscaling/v2")),
      preferred: entry(`${dir}/v2-preferredversion/namespaces/app/web.json`, hpa("autoscaling/v2")),
      other: entry(`${dir}/v1/namespaces/app/web.json`, hpa("autoscaling/v1")),
    };
    for (const order of [
      [copies.other, copies.legacy, copies.preferred],
      [copies.preferred, copies.other, copies.legacy],
      [copies.other, copies.preferred],
      [copies.legacy, copies.other],
    ]) {
      const contents = await readBackupContents(createTar(order));
      expect(contents.items).toEqual([
        {
          resource: "horizontalpodautoscalers.autoscaling",
          groupVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          namespace: "app",
          name: "web",
          labels: { v: "v2" },
        },
      ]);
    }
    // A cluster-scoped object too; an object stored only under other versions is listed once, from the first copy read.
    const contents = await readBackupContents(
      createTar([
        entry("resources/priorityclasses.scheduling.k8s.io/v1beta1/cluster/high.json", {
          apiVersion: "scheduling.k8s.io/v1beta1",
          kind: "PriorityClass",
          metadata: meta("high"),
          value: 1000,
        }),
        entry("resources/priorityclasses.scheduling.k8s.io/v1-preferredversion/cluster/high.json", {
          apiVersion: "scheduling.k8s.io/v1",
          kind: "PriorityClass",
          metadata: meta("high"),
          value: 1000,
        }),
        entry("resources/widgets.shop.example.io/v1beta1/namespaces/shop/old.json", {
          ...widget("old"),
          apiVersion: "shop.example.io/v1beta1",
        }),
        entry("resources/widgets.shop.example.io/v1alpha1/namespaces/shop/old.json", {
          ...widget("old"),
          apiVersion: "shop.example.io/v1alpha1",
        }),
      ]),
    );
    expect(contents.items.map((i) => [i.resource, i.namespace, i.name, i.groupVersion])).toEqual([
      ["priorityclasses.scheduling.k8s.io", null, "high", "scheduling.k8s.io/v1"],
      ["widgets.shop.example.io", "shop", "old", "shop.example.io/v1beta1"],
    ]);
  });

  it("skips a file that is not a Kubernetes object's JSON, and reads the object's other copy", async () => {
    const tar = createTar([
      entry("metadata/version", "1.1.0\n"),
      entry("resources/configmaps/namespaces/app/broken.json", '{"apiVersion":"v1","kind":"ConfigMap","metad'),
      entry("resources/configmaps/namespaces/app/list.json", "[1,2,3]"),
      entry("resources/configmaps/namespaces/app/kindless.json", { apiVersion: "v1", metadata: { name: "kindless" } }),
      entry("resources/configmaps/namespaces/app/empty.json", ""),
      entry("resources/configmaps/namespaces/app/app-config.json", "not json at all"),
      entry("resources/configmaps/v1-preferredversion/namespaces/app/app-config.json", configMap("app-config", "app")),
      entry("resources/configmaps/namespaces/app/README", "not an item"),
      entry("resources/configmaps/namespaces/app/nested/deeper.json", configMap("deeper", "app")),
      entry("resources/configmaps/elsewhere/app/x.json", configMap("x", "app")),
      entry("backups/other.json", configMap("y", "app")),
    ]);
    const contents = await readBackupContents(tar);
    expect(contents.items.map((i) => i.name)).toEqual(["app-config"]);
    expect(contents.truncated).toBe(false);
  });

  it("does not read an entry larger than 1 MiB: the object is unread (truncated) unless another copy was read", async () => {
    const big = configMap("bundle", "app", { "bundle.pem": "A".repeat(CONTENT_LIMITS.maxEntryBytes) });
    const small = configMap("small", "app");
    const oversize = await readBackupContents(
      backupTar([item("configmaps", "", "v1", big), item("configmaps", "", "v1", small)]),
    );
    expect(oversize.items.map((i) => i.name)).toEqual(["small"]);
    expect(oversize.truncated).toBe(true);

    // Only another version's copy is too large: the preferred one is read, nothing is missing.
    const otherTooLarge = await readBackupContents(
      createTar([
        entry("resources/configmaps/namespaces/app/bundle.json", configMap("bundle", "app")),
        entry("resources/configmaps/v0/namespaces/app/bundle.json", big),
      ]),
    );
    expect(otherTooLarge.items.map((i) => i.name)).toEqual(["bundle"]);
    expect(otherTooLarge.truncated).toBe(false);
  });

  it("keeps at most the item cap of objects, counting an object stored twice once", async () => {
    const items = ["a", "b", "c", "d"].map((n) => item("configmaps", "", "v1", configMap(n, "app")));
    const atCap = await readBackupContents(backupTar(items.slice(0, 3)), { maxItems: 3 });
    expect(atCap.items.map((i) => i.name)).toEqual(["a", "b", "c"]);
    expect(atCap.truncated).toBe(false);
    const over = await readBackupContents(backupTar(items), { maxItems: 3 });
    expect(over.items.map((i) => i.name)).toEqual(["a", "b", "c"]);
    expect(over.truncated).toBe(true);
    // At the cap, the preferred copy of an object read from another version's copy still replaces it.
    const upgraded = await readBackupContents(
      createTar(
        ["v1beta1/", ""].flatMap((dir) =>
          ["a", "b", "c"].map((n) =>
            entry(`resources/configmaps/${dir}namespaces/app/${n}.json`, {
              ...configMap(n, "app"),
              apiVersion: dir ? "v1beta1" : "v1",
            }),
          ),
        ),
      ),
      { maxItems: 3 },
    );
    expect(upgraded.items.map((i) => [i.name, i.groupVersion])).toEqual([
      ["a", "v1"],
      ["b", "v1"],
      ["c", "v1"],
    ]);
    expect(upgraded.truncated).toBe(false);
  });

  it("stops at 100,000 objects by default", async () => {
    expect(CONTENT_LIMITS.maxItems).toBe(100_000);
    const data = Buffer.from(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap" }));
    const entries = Array.from({ length: CONTENT_LIMITS.maxItems + 1 }, (_, i) => ({
      name: `resources/configmaps/namespaces/bulk/cm-${i}.json`,
      data,
    }));
    const contents = await readBackupContents(createTar(entries));
    expect(contents.items).toHaveLength(CONTENT_LIMITS.maxItems);
    expect(contents.items.at(-1)?.name).toBe(`cm-${CONTENT_LIMITS.maxItems - 1}`);
    expect(contents.truncated).toBe(true);
  }, 60_000); // 100,001 entries written and read: seconds of CPU, longer on a loaded machine

  it("keeps at most 64 labels per item, of lengths Kubernetes allows", async () => {
    const labels: Record<string, string> = {
      ["k".repeat(318)]: "too-long-key",
      tooLongValue: "v".repeat(64),
      notAString: 7 as unknown as string,
    };
    for (let i = 0; i < 100; i++) labels[`l${i}`] = String(i);
    const object = { ...configMap("labelled", "app"), metadata: meta("labelled", "app", { labels }) };
    const raw = JSON.stringify(object).replace('"labels":{', '"labels":{"__proto__":"still-a-label",');
    const contents = await readBackupContents(
      createTar([entry("resources/configmaps/namespaces/app/labelled.json", raw)]),
    );
    const kept = contents.items[0]!.labels;
    expect(Object.keys(kept)).toHaveLength(64);
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
    expect(Object.hasOwn(kept, "__proto__")).toBe(true);
    expect(kept.tooLongValue).toBeUndefined();
    expect(Object.keys(kept).some((k) => k.length > 317)).toBe(false);
    expect(kept.l0).toBe("0");
  });

  it("refuses a tar that is corrupt or cut short, in words for the operator", async () => {
    const tar = backupTar([item("services", "", "v1", service), item("deployments", "apps", "v1", deployment)]);
    const corrupt = Buffer.from(tar);
    corrupt[512 * 2 + 10] ^= 0x01; // a byte of the second entry's header: its checksum no longer matches
    const cut = tar.subarray(0, 512 * 3 + 100);
    for (const bad of [corrupt, cut]) {
      const err = await readBackupContents(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: "PRECONDITION_FAILED" });
      expect((err as Error).message).toMatch(/^The backup's tarball could not be read/);
    }
    expect(await readBackupContents(Buffer.alloc(0))).toEqual({
      items: [],
      claims: [],
      volumes: [],
      statefulSets: [],
      crds: [],
      truncated: false,
    });
  });
});
