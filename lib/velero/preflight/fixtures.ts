import { restoreInput, type RestoreInput } from "../../schemas/protection";
import type { ObservedVolume } from "../../schemas/coverage";
import {
  existingKey,
  existingQueries,
  type PreflightFacts,
  type ServedResource,
  type TargetStorageClass,
} from "./preflight";
import type { BackupContents, ContentCrd, ContentItem } from "./types";

// Builders of pre-flight facts for tests, from real object shapes: Kubernetes objects as a backup's tarball holds them
// (one JSON object per file, as the API server returned it), a kube-apiserver's discovery, and Velero's volume info
// (`<backup>-volumeinfo.json.gz`, velero-api.md §4). contentsOf() reads the objects the way the pre-flight service
// reads a tarball: the resource from the object's kind (and, for custom resources, from the CRDs beside it), the
// storage classes from spec.storageClassName, the CSI driver from spec.csi.driver. Pure data; not product code.

/** A Kubernetes object as the API server returns it (and Velero writes it into the tarball). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [field: string]: unknown;
  };
  // Real objects are deep and loosely typed; the builders below read only what they need.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  [field: string]: unknown;
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes 1.30 / 1.31 discovery (the groups and resources a kube-apiserver serves with its default feature gates;
// the two minors serve the same GA and enabled-by-default APIs: flowcontrol v1beta3 goes in 1.32, and the betas new in
// 1.31 are off by default). Removed long before: policy/v1beta1 PodSecurityPolicy (1.25), networking.k8s.io/v1beta1
// Ingress and IngressClass (1.22), autoscaling/v2beta2 (1.26), batch/v1beta1 CronJob (1.25).
// ---------------------------------------------------------------------------------------------------------------

type Row = [resource: string, kind: string, namespaced: boolean];
const N = true;
const C = false;

/** [groupVersion, preferred, resources] */
const KUBE_1_30: [string, boolean, Row[]][] = [
  [
    "v1",
    true,
    [
      ["bindings", "Binding", N],
      ["componentstatuses", "ComponentStatus", C],
      ["configmaps", "ConfigMap", N],
      ["endpoints", "Endpoints", N],
      ["events", "Event", N],
      ["limitranges", "LimitRange", N],
      ["namespaces", "Namespace", C],
      ["nodes", "Node", C],
      ["persistentvolumeclaims", "PersistentVolumeClaim", N],
      ["persistentvolumes", "PersistentVolume", C],
      ["pods", "Pod", N],
      ["podtemplates", "PodTemplate", N],
      ["replicationcontrollers", "ReplicationController", N],
      ["resourcequotas", "ResourceQuota", N],
      ["secrets", "Secret", N],
      ["serviceaccounts", "ServiceAccount", N],
      ["services", "Service", N],
    ],
  ],
  ["apiregistration.k8s.io/v1", true, [["apiservices", "APIService", C]]],
  [
    "apps/v1",
    true,
    [
      ["controllerrevisions", "ControllerRevision", N],
      ["daemonsets", "DaemonSet", N],
      ["deployments", "Deployment", N],
      ["replicasets", "ReplicaSet", N],
      ["statefulsets", "StatefulSet", N],
    ],
  ],
  ["events.k8s.io/v1", true, [["events", "Event", N]]],
  [
    "authentication.k8s.io/v1",
    true,
    [
      ["selfsubjectreviews", "SelfSubjectReview", C],
      ["tokenreviews", "TokenReview", C],
    ],
  ],
  [
    "authorization.k8s.io/v1",
    true,
    [
      ["localsubjectaccessreviews", "LocalSubjectAccessReview", N],
      ["selfsubjectaccessreviews", "SelfSubjectAccessReview", C],
      ["selfsubjectrulesreviews", "SelfSubjectRulesReview", C],
      ["subjectaccessreviews", "SubjectAccessReview", C],
    ],
  ],
  ["autoscaling/v2", true, [["horizontalpodautoscalers", "HorizontalPodAutoscaler", N]]],
  ["autoscaling/v1", false, [["horizontalpodautoscalers", "HorizontalPodAutoscaler", N]]],
  [
    "batch/v1",
    true,
    [
      ["cronjobs", "CronJob", N],
      ["jobs", "Job", N],
    ],
  ],
  ["certificates.k8s.io/v1", true, [["certificatesigningrequests", "CertificateSigningRequest", C]]],
  [
    "networking.k8s.io/v1",
    true,
    [
      ["ingressclasses", "IngressClass", C],
      ["ingresses", "Ingress", N],
      ["networkpolicies", "NetworkPolicy", N],
    ],
  ],
  ["policy/v1", true, [["poddisruptionbudgets", "PodDisruptionBudget", N]]],
  [
    "rbac.authorization.k8s.io/v1",
    true,
    [
      ["clusterrolebindings", "ClusterRoleBinding", C],
      ["clusterroles", "ClusterRole", C],
      ["rolebindings", "RoleBinding", N],
      ["roles", "Role", N],
    ],
  ],
  [
    "storage.k8s.io/v1",
    true,
    [
      ["csidrivers", "CSIDriver", C],
      ["csinodes", "CSINode", C],
      ["csistoragecapacities", "CSIStorageCapacity", N],
      ["storageclasses", "StorageClass", C],
      ["volumeattachments", "VolumeAttachment", C],
    ],
  ],
  [
    "admissionregistration.k8s.io/v1",
    true,
    [
      ["mutatingwebhookconfigurations", "MutatingWebhookConfiguration", C],
      ["validatingadmissionpolicies", "ValidatingAdmissionPolicy", C],
      ["validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding", C],
      ["validatingwebhookconfigurations", "ValidatingWebhookConfiguration", C],
    ],
  ],
  ["apiextensions.k8s.io/v1", true, [["customresourcedefinitions", "CustomResourceDefinition", C]]],
  ["scheduling.k8s.io/v1", true, [["priorityclasses", "PriorityClass", C]]],
  ["coordination.k8s.io/v1", true, [["leases", "Lease", N]]],
  ["node.k8s.io/v1", true, [["runtimeclasses", "RuntimeClass", C]]],
  ["discovery.k8s.io/v1", true, [["endpointslices", "EndpointSlice", N]]],
  [
    "flowcontrol.apiserver.k8s.io/v1",
    true,
    [
      ["flowschemas", "FlowSchema", C],
      ["prioritylevelconfigurations", "PriorityLevelConfiguration", C],
    ],
  ],
  [
    "flowcontrol.apiserver.k8s.io/v1beta3",
    false,
    [
      ["flowschemas", "FlowSchema", C],
      ["prioritylevelconfigurations", "PriorityLevelConfiguration", C],
    ],
  ],
];

/** What a kube-apiserver 1.30 or 1.31 serves, plus the kinds its CRDs add (served()). */
export function kubeDiscovery(_minor: "1.30" | "1.31", ...extra: ServedResource[][]): ServedResource[] {
  const builtin = KUBE_1_30.flatMap(([groupVersion, preferred, rows]) =>
    rows.map(([resource, kind, namespaced]) => ({ groupVersion, kind, resource, namespaced, preferred })),
  );
  return [...builtin, ...extra.flat()];
}

/** The kinds an installed CRD (apiextensions.k8s.io/v1) makes the API server serve. */
export function servedByCrd(crd: KubeObject): ServedResource[] {
  const versions: { name: string; served: boolean }[] = crd.spec.versions;
  const served = versions.filter((v) => v.served).map((v) => v.name);
  const preferred = [...served].sort(kubeVersionOrder)[0];
  return served.map((v) => ({
    groupVersion: `${crd.spec.group}/${v}`,
    kind: crd.spec.names.kind,
    resource: crd.spec.names.plural,
    namespaced: crd.spec.scope === "Namespaced",
    preferred: v === preferred,
  }));
}

/** Kubernetes' version priority (v1 > v1beta2 > v1beta1 > v1alpha1), highest first. */
function kubeVersionOrder(a: string, b: string) {
  const rank = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    return [Number(m[1]), m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1, Number(m[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  return y[1] - x[1] || y[0] - x[0] || y[2] - x[2];
}

// ---------------------------------------------------------------------------------------------------------------
// Objects → BackupContents
// ---------------------------------------------------------------------------------------------------------------

/** The plural of every built-in kind the fixtures use (the tarball's `resources/<plural>[.<group>]/` directory). */
const PLURALS: Record<string, string> = Object.fromEntries(
  KUBE_1_30.flatMap(([gv, , rows]) =>
    rows.map(([resource, kind]) => [`${gv.split("/").slice(0, -1).join("/")}|${kind}`, resource]),
  ),
);
// What the fixtures' old clusters served and 1.30 no longer does.
Object.assign(PLURALS, {
  "policy|PodSecurityPolicy": "podsecuritypolicies",
  "networking.k8s.io|IngressClass": "ingressclasses",
  "networking.k8s.io|Ingress": "ingresses",
  "extensions|Ingress": "ingresses",
  "snapshot.storage.k8s.io|VolumeSnapshot": "volumesnapshots",
  "snapshot.storage.k8s.io|VolumeSnapshotContent": "volumesnapshotcontents",
});

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

/** The resource Velero's tarball files an object under ("deployments.apps", "pods", "widgets.shop.example.io"). */
export function resourceOf(obj: KubeObject, crds: readonly ContentCrd[] = []): string {
  const group = groupOf(obj.apiVersion);
  // A backup without the CRD still files its custom resources under `<plural>.<group>`.
  const crd = [...crds, crdOf(WIDGET_CRD)].find((c) => c.group === group && c.kind === obj.kind);
  const plural = crd?.plural ?? PLURALS[`${group}|${obj.kind}`];
  if (!plural) throw new Error(`fixtures: no plural known for ${obj.apiVersion} ${obj.kind}`);
  return group ? `${plural}.${group}` : plural;
}

function crdOf(o: KubeObject): ContentCrd {
  return {
    name: o.metadata.name,
    group: o.spec.group,
    kind: o.spec.names.kind,
    plural: o.spec.names.plural,
    namespaced: o.spec.scope === "Namespaced",
    versions: (o.spec.versions as { name: string; served: boolean }[]).filter((v) => v.served).map((v) => v.name),
  };
}

const isCrd = (o: KubeObject) => o.apiVersion === "apiextensions.k8s.io/v1" && o.kind === "CustomResourceDefinition";

/** A backup's contents as the pre-flight service reads them from the tarball's objects. */
export function contentsOf(objects: readonly KubeObject[], opts: { truncated?: boolean } = {}): BackupContents {
  const crds = objects.filter(isCrd).map(crdOf);
  const items: ContentItem[] = objects.map((o) => ({
    resource: resourceOf(o, crds),
    groupVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.metadata.namespace ?? null,
    name: o.metadata.name,
    labels: o.metadata.labels ?? {},
  }));
  const of = (kind: string, apiVersion: string) =>
    objects.filter((o) => o.kind === kind && o.apiVersion === apiVersion);
  return {
    items,
    claims: of("PersistentVolumeClaim", "v1").map((o) => ({
      namespace: o.metadata.namespace!,
      name: o.metadata.name,
      storageClass: o.spec.storageClassName ?? null,
      volumeName: o.spec.volumeName ?? null,
    })),
    volumes: of("PersistentVolume", "v1").map((o) => ({
      name: o.metadata.name,
      storageClass: o.spec.storageClassName ?? null,
      csiDriver: o.spec.csi?.driver ?? null,
      claim: o.spec.claimRef ? { namespace: o.spec.claimRef.namespace, name: o.spec.claimRef.name } : null,
      reclaimPolicy: o.spec.persistentVolumeReclaimPolicy ?? null,
    })),
    statefulSets: of("StatefulSet", "apps/v1").map((o) => ({
      namespace: o.metadata.namespace!,
      name: o.metadata.name,
      storageClasses: ((o.spec.volumeClaimTemplates ?? []) as { spec?: { storageClassName?: string } }[])
        .map((t) => t.spec?.storageClassName)
        .filter((c): c is string => Boolean(c)),
    })),
    crds,
    truncated: opts.truncated ?? false,
  };
}

/** Places an object in another namespace (a copy). */
export const inNamespace = (o: KubeObject, namespace: string): KubeObject => ({
  ...o,
  metadata: { ...o.metadata, namespace },
});

// ---------------------------------------------------------------------------------------------------------------
// Real workloads: github.com/kubernetes/examples (shared/workloads/kubernetes-examples), as the API server returns
// them once applied into a namespace (defaults the fixtures do not read are left out).
// ---------------------------------------------------------------------------------------------------------------

const guestbookDeployment = (name: string, labels: Record<string, string>, replicas: number, image: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "guestbook", generation: 1, annotations: { "deployment.kubernetes.io/revision": "1" } },
  spec: {
    replicas,
    selector: { matchLabels: labels },
    template: { metadata: { labels }, spec: { containers: [{ name: name.split("-").pop(), image }] } },
  },
});

const guestbookService = (name: string, labels: Record<string, string>, port: number, type = "ClusterIP") => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "guestbook", labels },
  spec: { type, ports: [{ port, protocol: "TCP", targetPort: port }], selector: labels },
});

/** web/guestbook/all-in-one/guestbook-all-in-one.yaml in namespace guestbook. */
export const GUESTBOOK: KubeObject[] = [
  {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "guestbook", labels: { "kubernetes.io/metadata.name": "guestbook" } },
    spec: { finalizers: ["kubernetes"] },
  },
  guestbookService("redis-master", { app: "redis", tier: "backend", role: "master" }, 6379),
  guestbookDeployment(
    "redis-master",
    { app: "redis", role: "master", tier: "backend" },
    1,
    "registry.k8s.io/redis:e2e",
  ),
  guestbookService("redis-replica", { app: "redis", tier: "backend", role: "replica" }, 6379),
  guestbookDeployment(
    "redis-replica",
    { app: "redis", role: "replica", tier: "backend" },
    2,
    "gcr.io/google_samples/gb-redisslave:v1",
  ),
  guestbookService("frontend", { app: "guestbook", tier: "frontend" }, 80, "NodePort"),
  guestbookDeployment("frontend", { app: "guestbook", tier: "frontend" }, 3, "gcr.io/google-samples/gb-frontend:v5"),
  {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "default", namespace: "guestbook" },
  },
];

/**
 * AI/model-serving-tensorflow in namespace ml: a statically provisioned hostPath PersistentVolume (Retain, no class,
 * no CSI driver) bound to its claim, mounted by a Deployment.
 */
export const MODEL_SERVING: KubeObject[] = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "ml", labels: { "kubernetes.io/metadata.name": "ml" } } },
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "tf-serving", namespace: "ml", labels: { app: "tf-serving" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "tf-serving" } },
      template: {
        metadata: { labels: { app: "tf-serving" } },
        spec: {
          containers: [{ name: "tensorflow-serving", image: "tensorflow/serving:2.19.0" }],
          volumes: [{ name: "model-volume", persistentVolumeClaim: { claimName: "my-model-pvc" } }],
        },
      },
    },
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "tf-serving", namespace: "ml" },
    spec: { type: "ClusterIP", selector: { app: "tf-serving" }, ports: [{ name: "grpc", port: 8500 }] },
  },
  {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: "my-model-pvc",
      namespace: "ml",
      annotations: { "pv.kubernetes.io/bind-completed": "yes" },
      finalizers: ["kubernetes.io/pvc-protection"],
    },
    spec: {
      accessModes: ["ReadOnlyMany"],
      resources: { requests: { storage: "1Gi" } },
      volumeName: "my-model-pv",
      volumeMode: "Filesystem",
    },
    status: { phase: "Bound" },
  },
  {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "my-model-pv", finalizers: ["kubernetes.io/pv-protection"] },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadOnlyMany"],
      persistentVolumeReclaimPolicy: "Retain",
      hostPath: { path: "/mnt/models/my_model", type: "" },
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "ml", name: "my-model-pvc" },
      volumeMode: "Filesystem",
    },
    status: { phase: "Bound" },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// The journey of #14: namespace shop on a Kubernetes v1.31.4 cluster (EBS CSI volumes of class fast-ssd, an operator's
// widgets.shop.example.io custom resources), restored into a v1.30.8 cluster that has neither.
// ---------------------------------------------------------------------------------------------------------------

export const SHOP_PV = "pvc-3f9c2a7e-5d41-4b8e-9a0c-1e2f3a4b5c6d";
const SHOP_POD = "web-7c9d8f6b5-x2x9q";
const shopLabels = { app: "web", "app.kubernetes.io/part-of": "shop" };

/** widgets.shop.example.io, apiextensions.k8s.io/v1, serving v1 (storage) and the deprecated v1alpha1. */
export const WIDGET_CRD: KubeObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.shop.example.io", generation: 2 },
  spec: {
    group: "shop.example.io",
    names: { kind: "Widget", listKind: "WidgetList", plural: "widgets", singular: "widget", shortNames: ["wg"] },
    scope: "Namespaced",
    conversion: { strategy: "None" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { color: { type: "string" }, size: { type: "integer" } } },
            },
          },
        },
        subresources: { status: {} },
      },
      {
        name: "v1alpha1",
        served: true,
        storage: false,
        deprecated: true,
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
  status: {
    acceptedNames: {
      kind: "Widget",
      listKind: "WidgetList",
      plural: "widgets",
      singular: "widget",
      shortNames: ["wg"],
    },
    storedVersions: ["v1alpha1", "v1"],
    conditions: [{ type: "Established", status: "True", reason: "InitialNamesAccepted" }],
  },
};

const widget = (name: string, color: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: "shop.example.io/v1",
  kind: "Widget",
  metadata: { name, namespace: "shop", labels, generation: 1 },
  spec: { color, size: 3 },
});

/** Namespace shop as a backup of it holds it (the CRD included, as Velero backs up a backed-up custom resource's CRD). */
export const SHOP: KubeObject[] = [
  {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "shop", labels: { "kubernetes.io/metadata.name": "shop", team: "shop" } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  },
  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "shop-web", namespace: "shop", labels: shopLabels } },
  {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "shop-config", namespace: "shop", labels: shopLabels },
    data: { CURRENCY: "EUR" },
  },
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop", labels: shopLabels, generation: 3 },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: shopLabels },
        spec: {
          serviceAccountName: "shop-web",
          containers: [{ name: "web", image: "ghcr.io/example/shop-web:2.4.1" }],
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
        },
      },
    },
  },
  {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: "web-7c9d8f6b5",
      namespace: "shop",
      labels: { ...shopLabels, "pod-template-hash": "7c9d8f6b5" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", controller: true }],
    },
    spec: { replicas: 1, selector: { matchLabels: { app: "web", "pod-template-hash": "7c9d8f6b5" } } },
  },
  {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: SHOP_POD,
      namespace: "shop",
      labels: { ...shopLabels, "pod-template-hash": "7c9d8f6b5" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-7c9d8f6b5", controller: true }],
    },
    spec: {
      serviceAccountName: "shop-web",
      containers: [{ name: "web", image: "ghcr.io/example/shop-web:2.4.1" }],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
    },
    status: { phase: "Running" },
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "shop", labels: shopLabels },
    spec: { type: "ClusterIP", selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
  },
  {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "web", namespace: "shop", labels: shopLabels },
    spec: {
      ingressClassName: "nginx",
      rules: [{ host: "shop.example.com", http: { paths: [{ path: "/", pathType: "Prefix" }] } }],
    },
  },
  {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "web", namespace: "shop", labels: shopLabels },
    spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } },
  },
  {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: "data",
      namespace: "shop",
      labels: shopLabels,
      annotations: {
        "pv.kubernetes.io/bind-completed": "yes",
        "pv.kubernetes.io/bound-by-controller": "yes",
        "volume.beta.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
        "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
      },
      finalizers: ["kubernetes.io/pvc-protection"],
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "20Gi" } },
      storageClassName: "fast-ssd",
      volumeMode: "Filesystem",
      volumeName: SHOP_PV,
    },
    status: { phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "20Gi" } },
  },
  {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name: SHOP_PV,
      annotations: { "pv.kubernetes.io/provisioned-by": "ebs.csi.aws.com" },
      finalizers: ["kubernetes.io/pv-protection", "external-attacher/ebs-csi-aws-com"],
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      capacity: { storage: "20Gi" },
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "shop", name: "data" },
      csi: {
        driver: "ebs.csi.aws.com",
        fsType: "ext4",
        volumeAttributes: { "storage.kubernetes.io/csiProvisionerIdentity": "1735689600000-8081-ebs.csi.aws.com" },
        volumeHandle: "vol-0a1b2c3d4e5f67890",
      },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "topology.ebs.csi.aws.com/zone", operator: "In", values: ["eu-west-1a"] }] },
          ],
        },
      },
      persistentVolumeReclaimPolicy: "Delete",
      storageClassName: "fast-ssd",
      volumeMode: "Filesystem",
    },
    status: { phase: "Bound" },
  },
  WIDGET_CRD,
  widget("blue-widget", "blue", { app: "web" }),
  widget("red-widget", "red"),
];

/** The same namespace backed up without the CRD (a backup that excluded it, or made with cluster resources off). */
export const SHOP_WITHOUT_CRD: KubeObject[] = SHOP.filter((o) => !isCrd(o));

// ---------------------------------------------------------------------------------------------------------------
// Cluster-scoped objects of a whole-cluster backup: the platform's, and objects of an old (1.18) cluster
// ---------------------------------------------------------------------------------------------------------------

export const PLATFORM: KubeObject[] = [
  {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: "ingress-nginx-admission", labels: { "app.kubernetes.io/name": "ingress-nginx" } },
    webhooks: [
      {
        name: "validate.nginx.ingress.kubernetes.io",
        admissionReviewVersions: ["v1"],
        clientConfig: {
          service: {
            namespace: "ingress-nginx",
            name: "ingress-nginx-controller-admission",
            path: "/networking/v1/ingresses",
          },
        },
        failurePolicy: "Fail",
        matchPolicy: "Equivalent",
        rules: [
          {
            apiGroups: ["networking.k8s.io"],
            apiVersions: ["v1"],
            operations: ["CREATE", "UPDATE"],
            resources: ["ingresses"],
          },
        ],
        sideEffects: "None",
        timeoutSeconds: 10,
      },
    ],
  },
  {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: "v1beta1.metrics.k8s.io", labels: { "k8s-app": "metrics-server" } },
    spec: {
      group: "metrics.k8s.io",
      version: "v1beta1",
      groupPriorityMinimum: 100,
      versionPriority: 100,
      insecureSkipTLSVerify: true,
      service: { namespace: "kube-system", name: "metrics-server", port: 443 },
    },
  },
  {
    apiVersion: "storage.k8s.io/v1",
    kind: "CSIDriver",
    metadata: { name: "ebs.csi.aws.com", labels: { "app.kubernetes.io/name": "aws-ebs-csi-driver" } },
    spec: {
      attachRequired: true,
      podInfoOnMount: false,
      fsGroupPolicy: "ReadWriteOnceWithFSType",
      requiresRepublish: false,
      storageCapacity: false,
      volumeLifecycleModes: ["Persistent"],
    },
  },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "shop-widget-reader" },
    rules: [{ apiGroups: ["shop.example.io"], resources: ["widgets"], verbs: ["get", "list", "watch"] }],
  },
];

/** Objects a Kubernetes 1.18 cluster stored at the versions it preferred, none of them served by 1.25+ at that version. */
export const LEGACY_1_18: KubeObject[] = [
  {
    apiVersion: "policy/v1beta1",
    kind: "PodSecurityPolicy",
    metadata: { name: "restricted" },
    spec: {
      privileged: false,
      runAsUser: { rule: "MustRunAsNonRoot" },
      seLinux: { rule: "RunAsAny" },
      fsGroup: { rule: "RunAsAny" },
      supplementalGroups: { rule: "RunAsAny" },
      volumes: ["configMap", "secret", "persistentVolumeClaim"],
    },
  },
  {
    apiVersion: "networking.k8s.io/v1beta1",
    kind: "IngressClass",
    metadata: { name: "nginx" },
    spec: { controller: "k8s.io/ingress-nginx" },
  },
  {
    apiVersion: "networking.k8s.io/v1beta1",
    kind: "Ingress",
    metadata: { name: "frontend", namespace: "guestbook" },
    spec: { rules: [{ http: { paths: [{ path: "/", backend: { serviceName: "frontend", servicePort: 80 } }] } }] },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Velero's volume info (BackupVolumeInfo, internal/volume/volumes_information.go) for shop/data, one way per method
// ---------------------------------------------------------------------------------------------------------------

const volumeInfoBase = {
  pvcName: "data",
  pvcNamespace: "shop",
  pvName: SHOP_PV,
  preserveLocalSnapshot: false,
  skipped: false,
  startTimestamp: "2026-03-02T01:00:05Z",
  completionTimestamp: "2026-03-02T01:03:41Z",
  result: "succeeded",
  pvInfo: { reclaimPolicy: "Delete", labels: {} },
};

export type VolumeMethod = "moved" | "csi" | "fsb" | "native" | "skipped";

/** The `<backup>-volumeinfo.json.gz` entry Velero 1.18 writes for shop/data backed up this way. */
export function shopVolumeInfo(method: VolumeMethod): Record<string, unknown>[] {
  switch (method) {
    case "moved":
      return [
        {
          ...volumeInfoBase,
          backupMethod: "CSISnapshot",
          snapshotDataMoved: true,
          csiSnapshotInfo: {
            snapshotHandle: "snap-0f1e2d3c4b5a69788",
            size: 21474836480,
            driver: "ebs.csi.aws.com",
            vscName: "snapcontent-6c0a5e9b-2a1f-4d7e-8f3b-9e0d1c2b3a4f",
            operationID: "",
          },
          snapshotDataMovementInfo: {
            dataMover: "velero",
            uploaderType: "kopia",
            retainedSnapshot: "",
            snapshotHandle: "a3f1c9e2b7d64e08",
            operationID: "du-7e1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d.3f9c2a7e-5d41-4b8e-9a0c-1e2f3a4b5c6d",
            size: 1288490188,
            incrementalSize: 0,
          },
        },
      ];
    case "csi":
      return [
        {
          ...volumeInfoBase,
          backupMethod: "CSISnapshot",
          snapshotDataMoved: false,
          csiSnapshotInfo: {
            snapshotHandle: "snap-0f1e2d3c4b5a69788",
            size: 21474836480,
            driver: "ebs.csi.aws.com",
            vscName: "snapcontent-6c0a5e9b-2a1f-4d7e-8f3b-9e0d1c2b3a4f",
            operationID: "",
          },
        },
      ];
    case "fsb":
      return [
        {
          ...volumeInfoBase,
          backupMethod: "PodVolumeBackup",
          snapshotDataMoved: false,
          pvbInfo: {
            snapshotHandle: "5b2c7d9e1f3a4b6c",
            size: 1288490188,
            incrementalSize: 0,
            uploaderType: "kopia",
            volumeName: "data",
            podName: SHOP_POD,
            podNamespace: "shop",
            nodeName: "node-a",
          },
        },
      ];
    case "native":
      return [
        {
          ...volumeInfoBase,
          backupMethod: "NativeSnapshot",
          snapshotDataMoved: false,
          nativeSnapshotInfo: {
            snapshotHandle: "snap-0f1e2d3c4b5a69788",
            volumeType: "gp3",
            volumeAZ: "eu-west-1a",
            iops: "3000",
          },
        },
      ];
    case "skipped":
      return [
        {
          ...volumeInfoBase,
          backupMethod: "",
          snapshotDataMoved: false,
          skipped: true,
          skippedReason: "skipped due to resource policy",
          result: "",
        },
      ];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------------------------------------------

export const NOW = new Date("2026-03-02T10:00:00Z");
const DAY = 86_400_000;

/** An EKS-like target: gp3 (EBS CSI, default) and the in-tree gp2. */
export const TARGET_CLASSES: TargetStorageClass[] = [
  { name: "gp3", provisioner: "ebs.csi.aws.com", isDefault: true },
  { name: "gp2", provisioner: "kubernetes.io/aws-ebs", isDefault: false },
];

/** The namespaces every cluster has. */
export const SYSTEM_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system", "velero"];

export interface FactsOptions {
  objects?: readonly KubeObject[];
  /** Volume info as observedVolumes() projects it; [] by default. */
  volumes?: ObservedVolume[] | null;
  backup?: Partial<PreflightFacts["backup"]>;
  target?: Partial<PreflightFacts["target"]>;
  existing?: PreflightFacts["existing"];
}

/**
 * A backup of `objects` (the shop namespace by default) made on prod-eu (v1.31.4), checked against dr-eu (v1.30.8,
 * gp3/gp2, no CRDs, node-agent running), which sees the backup through a shared location.
 */
export function factsFor(o: FactsOptions = {}): PreflightFacts {
  return {
    now: NOW,
    backup: {
      name: "shop-daily-20260302010000",
      phase: "Completed",
      errors: 0,
      warnings: 0,
      expiration: new Date(NOW.getTime() + 29 * DAY),
      sourceCluster: "prod-eu",
      sourceKubernetes: "v1.31.4",
      sameCluster: false,
      contents: contentsOf(o.objects ?? SHOP),
      contentsError: null,
      volumes: o.volumes === undefined ? [] : o.volumes,
      volumesError: null,
      ...o.backup,
    },
    target: {
      name: "dr-eu",
      kubernetes: "v1.30.8",
      served: kubeDiscovery("1.30"),
      servedError: null,
      storageClasses: TARGET_CLASSES,
      namespaces: SYSTEM_NAMESPACES,
      nodeAgent: true,
      seesBackup: true,
      ...o.target,
    },
    existing: o.existing ?? new Map(),
  };
}

/** A parsed restore input: everything, volume data, existing objects left alone, unless told otherwise. */
export const anInput = (o: Partial<RestoreInput> = {}): RestoreInput =>
  restoreInput.parse({ scope: { kind: "all" }, restorePVs: true, existingResourcePolicy: "none", ...o });

/**
 * What the pre-flight service would read of the target for the prediction: for each of existingQueries(), the names
 * of `onTarget`'s objects of that resource in that namespace (none when it has none).
 */
export function existingOn(
  facts: PreflightFacts,
  input: RestoreInput,
  onTarget: readonly KubeObject[] = [],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const q of existingQueries(facts, input)) {
    const names = onTarget
      .filter(
        (t) =>
          resourceOf(t, facts.backup.contents?.crds) === q.resource && (t.metadata.namespace ?? null) === q.namespace,
      )
      .map((t) => t.metadata.name);
    out.set(existingKey(q.resource, q.namespace), names);
  }
  return out;
}
