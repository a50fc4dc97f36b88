import { describe, expect, it } from "vitest";
import type { RestoreInput } from "../../schemas/protection";
import { anInput, contentsOf, GUESTBOOK, MODEL_SERVING, PLATFORM, SHOP, SHOP_PV, type KubeObject } from "./fixtures";
import { entryNamesItem, namespaceSelected, selectItems, type SelectedItem } from "./scope";

// Which objects of a backup a Restore acts on, as Velero 1.18's restore decides (velero-api.md §2.2;
// pkg/restore/restore.go getOrderedResourceCollection, getSelectedRestoreableItems, restoreItem), for a backup of the
// whole cluster made outside Lifeboat: three real workloads, the platform's cluster-scoped objects, kube-system, events.

const KUBE_SYSTEM: KubeObject[] = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system" } },
  {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "coredns", namespace: "kube-system", labels: { app: "web" } },
    data: { Corefile: ".:53 {\n    errors\n    health\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n}\n" },
  },
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "velero" } },
];

const EVENTS: KubeObject[] = [
  {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web-7c9d8f6b5-x2x9q.17f3a2b4c5d6e7f8", namespace: "shop", labels: { app: "web" } },
    involvedObject: { kind: "Pod", namespace: "shop", name: "web-7c9d8f6b5-x2x9q" },
    reason: "Scheduled",
  },
  {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name: "web-7c9d8f6b5-x2x9q.17f3a2b4c5d6e7f9", namespace: "shop" },
    reason: "Pulled",
  },
  {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node-a", labels: { "kubernetes.io/hostname": "node-a" } },
    spec: { providerID: "aws:///eu-west-1a/i-0123456789abcdef0" },
  },
];

const WHOLE: KubeObject[] = [...SHOP, ...GUESTBOOK, ...MODEL_SERVING, ...PLATFORM, ...KUBE_SYSTEM, ...EVENTS];

const select = (o: Partial<RestoreInput> = {}, objects: readonly KubeObject[] = WHOLE) =>
  selectItems(contentsOf(objects), anInput(o));

const key = (s: SelectedItem) =>
  `${s.targetNamespace ? `${s.targetNamespace}/` : ""}${s.item.kind}/${s.targetName}${s.additional ? " +" : ""}`;
/** The objects selected, Namespace objects aside (they have tests of their own below). */
const keys = (o: Partial<RestoreInput> = {}, objects?: readonly KubeObject[]) =>
  select(o, objects)
    .filter((s) => s.item.kind !== "Namespace")
    .map(key);

/** The namespaces items are restored into, and the Namespace objects restored. */
const namespacesOf = (sel: SelectedItem[]) => [
  ...new Set(
    sel.flatMap((s) => (s.item.kind === "Namespace" ? [s.targetName] : s.targetNamespace ? [s.targetNamespace] : [])),
  ),
];

describe("selectItems: namespaces", () => {
  it.each<[string, RestoreInput["scope"], string[]]>([
    ["every namespace of the backup", { kind: "all" }, ["guestbook", "ml", "shop"]],
    ["one namespace", { kind: "namespaces", include: ["shop"] }, ["shop"]],
    ["globs with * and ?", { kind: "namespaces", include: ["sh*", "m?"] }, ["ml", "shop"]],
    ["a glob with a character class", { kind: "namespaces", include: ["[gm]*"] }, ["guestbook", "ml"]],
    ["an excluded glob", { kind: "excludeNamespaces", exclude: ["guest*"] }, ["ml", "shop"]],
  ])("%s", (_, scope, expected) => {
    expect(namespacesOf(select({ scope })).sort()).toEqual(expected);
  });

  it("never restores the protected namespaces, whatever the scope (restoreSpec excludes them from every Restore)", () => {
    for (const scope of [
      { kind: "all" },
      { kind: "namespaces", include: ["kube-*", "vel*"] },
      { kind: "excludeNamespaces", exclude: ["shop"] },
      { kind: "labels", selectors: [{ matchLabels: { app: "web" } }] },
    ] as RestoreInput["scope"][]) {
      const sel = select({ scope });
      expect(sel.filter((s) => s.item.namespace === "kube-system")).toEqual([]);
      expect(sel.filter((s) => s.item.kind === "Namespace" && ["kube-system", "velero"].includes(s.item.name))).toEqual(
        [],
      );
    }
    for (const ns of ["kube-system", "velero", "tkg-system", "vmware-system-tmc"])
      expect(namespaceSelected(anInput(), ns)).toBe(false);
  });

  it("never restores what Velero cannot (events, nodes), even with cluster-scoped resources on", () => {
    const sel = select({ includeClusterResources: true });
    expect(sel.filter((s) => ["Event", "Node"].includes(s.item.kind))).toEqual([]);
  });

  it("restores into the mapped namespace and renames the Namespace object; cluster-scoped objects keep no namespace", () => {
    const sel = select({ scope: { kind: "namespaces", include: ["shop"] }, namespaceMapping: { shop: "shop-dr" } });
    expect(sel.find((s) => s.item.kind === "Deployment")).toMatchObject({
      item: { namespace: "shop", name: "web" },
      targetNamespace: "shop-dr",
      targetName: "web",
    });
    expect(sel.find((s) => s.item.kind === "Namespace")).toMatchObject({
      item: { name: "shop" },
      targetNamespace: null,
      targetName: "shop-dr",
    });
    expect(sel.find((s) => s.item.kind === "PersistentVolume")).toMatchObject({
      targetNamespace: null,
      targetName: SHOP_PV,
    });
    expect(namespacesOf(sel)).toEqual(["shop-dr"]);
  });
});

describe("selectItems: label selectors", () => {
  it("restores only the objects one selector matches (matchLabels)", () => {
    expect(keys({ scope: { kind: "labels", selectors: [{ matchLabels: { app: "web" } }] } })).toEqual([
      "shop/ServiceAccount/shop-web",
      "shop/ConfigMap/shop-config",
      "shop/Deployment/web",
      "shop/ReplicaSet/web-7c9d8f6b5",
      "shop/Pod/web-7c9d8f6b5-x2x9q",
      "shop/Service/web",
      "shop/Ingress/web",
      "shop/PodDisruptionBudget/web",
      "shop/PersistentVolumeClaim/data",
      "shop/Widget/blue-widget",
      // The claim's volume comes along, labels or not (an additional item is not filtered by the selector).
      `PersistentVolume/${SHOP_PV} +`,
    ]);
  });

  it("ORs several selectors, and evaluates matchExpressions", () => {
    const or = keys({
      scope: {
        kind: "labels",
        selectors: [{ matchLabels: { tier: "frontend" } }, { matchLabels: { role: "master" } }],
      },
    });
    // The guestbook's Deployments carry no labels of their own (only their pod templates do): only Services match.
    expect(or).toEqual(["guestbook/Service/redis-master", "guestbook/Service/frontend"]);
    const expr = keys({
      scope: { kind: "labels", selectors: [{ matchExpressions: [{ key: "app", operator: "In", values: ["redis"] }] }] },
    });
    expect(expr).toEqual(["guestbook/Service/redis-master", "guestbook/Service/redis-replica"]);
  });
});

describe("selectItems: resources", () => {
  const shopOnly: Partial<RestoreInput> = { scope: { kind: "namespaces", include: ["shop"] } };
  const kindsOf = (resources: RestoreInput["resources"]) => [
    ...new Set(
      select({ ...shopOnly, resources })
        .filter((s) => s.item.namespace !== null)
        .map((s) => s.item.kind),
    ),
  ];

  it.each<[string, RestoreInput["resources"], string[]]>([
    ["by plural", { include: ["deployments"] }, ["Deployment"]],
    ["by kind", { include: ["deployment"] }, ["Deployment"]],
    ["by plural.group", { include: ["deployments.apps"] }, ["Deployment"]],
    ["not by another group's name", { include: ["deployments.extensions"] }, []],
    ["core resources by plural", { include: ["pods", "persistentvolumeclaims"] }, ["Pod", "PersistentVolumeClaim"]],
    ["a custom resource by plural.group", { include: ["widgets.shop.example.io"] }, ["Widget"]],
    ["a custom resource by kind", { include: ["widget"] }, ["Widget"]],
    [
      "everything but an excluded plural",
      { exclude: ["pods"] },
      [
        "ServiceAccount",
        "ConfigMap",
        "Deployment",
        "ReplicaSet",
        "Service",
        "Ingress",
        "PodDisruptionBudget",
        "PersistentVolumeClaim",
        "Widget",
      ],
    ],
    ["an exclusion that wins over an inclusion", { include: ["pods", "services"], exclude: ["pod"] }, ["Service"]],
    [
      "excluded by plural.group and by kind",
      { include: ["*"], exclude: ["replicasets.apps", "widget", "ingresses.networking.k8s.io"] },
      ["ServiceAccount", "ConfigMap", "Deployment", "Pod", "Service", "PodDisruptionBudget", "PersistentVolumeClaim"],
    ],
  ])("%s", (_, resources, expected) => {
    expect(kindsOf(resources)).toEqual(expected);
  });

  it("matches a filter entry the way Velero resolves it (plural, kind, plural.group, core spellings)", () => {
    const pod = { resource: "pods", kind: "Pod", groupVersion: "v1" };
    const deploy = { resource: "deployments.apps", kind: "Deployment", groupVersion: "apps/v1" };
    expect(["pods", "pod", "pods.", "*", "p*"].map((e) => entryNamesItem(e, pod))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(
      ["deployments", "deployments.apps", "deployment.apps", "deployments.extensions", "pods"].map((e) =>
        entryNamesItem(e, deploy),
      ),
    ).toEqual([true, true, true, false, false]);
  });
});

describe("selectItems: cluster-scoped resources", () => {
  const objects = [...SHOP, ...PLATFORM];
  const clusterScoped = (o: Partial<RestoreInput>) =>
    select({ scope: { kind: "namespaces", include: ["shop"] }, ...o }, objects)
      .filter((s) => s.item.namespace === null && s.item.kind !== "Namespace")
      .map(key);

  it("auto (unset): only as additional items, the volumes of the restored claims", () => {
    expect(clusterScoped({})).toEqual([`PersistentVolume/${SHOP_PV} +`]);
    expect(clusterScoped({ includeClusterResources: null })).toEqual([`PersistentVolume/${SHOP_PV} +`]);
  });

  it("true: every cluster-scoped object of the backup, the CRD and the platform's included", () => {
    expect(clusterScoped({ includeClusterResources: true })).toEqual([
      `PersistentVolume/${SHOP_PV}`,
      "CustomResourceDefinition/widgets.shop.example.io",
      "ValidatingWebhookConfiguration/ingress-nginx-admission",
      "APIService/v1beta1.metrics.k8s.io",
      "CSIDriver/ebs.csi.aws.com",
      "ClusterRole/shop-widget-reader",
    ]);
  });

  it("true: through the resource filters and the label selector like any object", () => {
    expect(
      clusterScoped({ includeClusterResources: true, resources: { exclude: ["clusterroles", "apiservices"] } }),
    ).toEqual([
      `PersistentVolume/${SHOP_PV}`,
      "CustomResourceDefinition/widgets.shop.example.io",
      "ValidatingWebhookConfiguration/ingress-nginx-admission",
      "CSIDriver/ebs.csi.aws.com",
    ]);
    expect(
      select(
        { includeClusterResources: true, scope: { kind: "labels", selectors: [{ matchLabels: { app: "web" } }] } },
        objects,
      )
        .filter((s) => s.item.namespace === null && s.item.kind !== "Namespace")
        .map(key),
    ).toEqual([`PersistentVolume/${SHOP_PV} +`]);
  });

  it("false: none, not even a restored claim's volume", () => {
    expect(clusterScoped({ includeClusterResources: false })).toEqual([]);
  });
});

describe("selectItems: a claim's PersistentVolume", () => {
  const objects = [...SHOP, ...MODEL_SERVING];
  const volumes = (o: Partial<RestoreInput>) =>
    select(o, objects)
      .filter((s) => s.item.kind === "PersistentVolume")
      .map(key);

  it("comes along with its restored claim (Velero's AddPVFromPVC action), and only with it", () => {
    expect(volumes({ scope: { kind: "namespaces", include: ["shop"] } })).toEqual([`PersistentVolume/${SHOP_PV} +`]);
    expect(volumes({ scope: { kind: "namespaces", include: ["ml"] } })).toEqual(["PersistentVolume/my-model-pv +"]);
    expect(volumes({ scope: { kind: "all" } })).toEqual([
      `PersistentVolume/${SHOP_PV} +`,
      "PersistentVolume/my-model-pv +",
    ]);
    expect(volumes({ scope: { kind: "excludeNamespaces", exclude: ["shop"] } })).toEqual([
      "PersistentVolume/my-model-pv +",
    ]);
    expect(volumes({ scope: { kind: "labels", selectors: [{ matchLabels: { tier: "frontend" } }] } })).toEqual([]);
    expect(volumes({ resources: { exclude: ["persistentvolumeclaims"] } })).toEqual([]);
  });

  it("is still held to the resource filters: Velero's restoreItem checks them for additional items too", () => {
    // pkg/restore/restore.go restoreItem: "Check if group/resource should be restored. We need to do this here since
    // this method may be getting called for an additional item which is a group/resource that's excluded."
    expect(volumes({ resources: { exclude: ["persistentvolumes"] } })).toEqual([]);
    expect(volumes({ resources: { include: ["persistentvolumeclaims", "pods"] } })).toEqual([]);
  });
});

describe("selectItems: Namespace objects", () => {
  // Velero never restores a Namespace object through the filters ("We don't want to explicitly restore namespace
  // API objs because we'll handle them as a special case prior to restoring anything into them",
  // getOrderedResourceCollection): it creates a namespace, from the backed-up object's labels and annotations, when
  // the first item is restored into it (EnsureNamespaceExistsAndIsReady), whatever the label selector or resource
  // filters say of the Namespace object itself, and never a namespace nothing is restored into (velero#4938).
  const EMPTY: KubeObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "staging", labels: { app: "web" } },
  };
  const namespaceObjects = (o: Partial<RestoreInput>) =>
    select(o, [...SHOP, EMPTY])
      .filter((s) => s.item.kind === "Namespace")
      .map((s) => s.targetName);

  it("comes back only for the namespaces something is restored into, not for an empty one", () => {
    expect(namespaceObjects({})).toEqual(["shop"]);
    expect(namespaceObjects({ namespaceMapping: { shop: "shop-dr" } })).toEqual(["shop-dr"]);
  });

  it("comes back with its items when the label selector does not match the Namespace object", () => {
    expect(namespaceObjects({ scope: { kind: "labels", selectors: [{ matchLabels: { app: "web" } }] } })).toEqual([
      "shop",
    ]);
  });

  it("comes back with its items when the resource filters do not name namespaces", () => {
    expect(namespaceObjects({ resources: { include: ["deployments"] } })).toEqual(["shop"]);
  });
});

describe("entryNamesItem: short names", () => {
  it.each([
    ["pvc", "persistentvolumeclaims", "PersistentVolumeClaim", "v1", true],
    ["deploy", "deployments.apps", "Deployment", "apps/v1", true],
    ["sts", "statefulsets.apps", "StatefulSet", "apps/v1", true],
    ["po", "pods", "Pod", "v1", true],
    ["pvc", "pods", "Pod", "v1", false],
  ])("%s names %s: %s", (entry, resource, kind, groupVersion, named) => {
    expect(entryNamesItem(entry, { resource, kind, groupVersion })).toBe(named);
  });
});
