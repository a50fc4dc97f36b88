import * as k8s from "@kubernetes/client-node";
import { VELERO_NAMESPACE } from "./access";
import { ClusterClient } from "./cluster-client";
import { ClusterSession } from "./session";

// For tests only: plain client-node with a (sandbox admin) kubeconfig, writing Velero objects the way anything else on
// the cluster would. Lives here because only server/kube may import client-node.
export function veleroObjects(kubeconfig: string, namespace = VELERO_NAMESPACE) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ref = (plural: string, version = "v1") => ({ group: "velero.io", version, namespace, plural });
  return {
    create: (
      plural: string,
      body: { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: unknown },
      version = "v1",
    ): Promise<any> =>
      custom.createNamespacedCustomObject({
        ...ref(plural, version),
        body: { apiVersion: `velero.io/${version}`, ...body },
      }),
    get: (plural: string, name: string, version = "v1"): Promise<any> =>
      custom
        .getNamespacedCustomObject({ ...ref(plural, version), name })
        .catch((e) => (e instanceof k8s.ApiException && e.code === 404 ? null : Promise.reject(e))),
    remove: (plural: string, name: string, version = "v1"): Promise<unknown> =>
      custom.deleteNamespacedCustomObject({ ...ref(plural, version), name }),
    /** A JSON merge patch (null removes a field); Velero's kinds have no status subresource, so it reaches status too. */
    patch: (plural: string, name: string, body: object, version = "v1"): Promise<any> =>
      custom.patchNamespacedCustomObject(
        { ...ref(plural, version), name, body },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      ),
    /** The objects carrying these labels (a label selector in kubectl syntax). */
    listLabelled: async (plural: string, labelSelector: string, version = "v1"): Promise<any[]> =>
      ((await custom.listNamespacedCustomObject({ ...ref(plural, version), labelSelector })) as { items: any[] }).items,
    patchLabels: (plural: string, name: string, labels: Record<string, string>, version = "v1"): Promise<unknown> =>
      custom.patchNamespacedCustomObject(
        { ...ref(plural, version), name, body: { metadata: { labels } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      ),
  };
}

/** For tests: the cluster as anything else on it (kubectl, another controller) reaches it, with plain client-node. */
export function adminClients(kubeconfig: string) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  return { core: kc.makeApiClient(k8s.CoreV1Api), custom: kc.makeApiClient(k8s.CustomObjectsApi) };
}

const testClients = new Map<string, Promise<ClusterClient>>();

/** For tests: one port client per kubeconfig (opened like any attached cluster's), kept for the test process. */
export function clientOf(kubeconfig: string): Promise<ClusterClient> {
  let c = testClients.get(kubeconfig);
  if (!c) {
    c = ClusterSession.open(kubeconfig).then((s) => new ClusterClient(s));
    testClients.set(kubeconfig, c);
  }
  return c;
}
