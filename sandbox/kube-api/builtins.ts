import type { ResourceType } from "./types";

// The built-in resources the sandbox serves, as the real apiserver's discovery describes them.
const ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const NO_COLLECTION_DELETE = ["create", "delete", "get", "list", "patch", "update", "watch"];

function rt(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  o: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    resource,
    kind,
    namespaced,
    singular: kind.toLowerCase(),
    listKind: `${kind}List`,
    shortNames: [],
    categories: [],
    verbs: ALL,
    status: false,
    builtIn: true,
    ...o,
  };
}

export const BUILTIN_TYPES: ResourceType[] = [
  rt("", "v1", "namespaces", "Namespace", false, {
    shortNames: ["ns"],
    status: true,
    verbs: NO_COLLECTION_DELETE,
    fieldSelectors: "namespace",
  }),
  rt("", "v1", "pods", "Pod", true, { shortNames: ["po"], categories: ["all"], status: true, fieldSelectors: "pod" }),
  rt("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, { shortNames: ["pvc"], status: true }),
  rt("", "v1", "persistentvolumes", "PersistentVolume", false, { shortNames: ["pv"], status: true }),
  rt("", "v1", "configmaps", "ConfigMap", true, { shortNames: ["cm"] }),
  rt("", "v1", "secrets", "Secret", true, { fieldSelectors: "secret" }),
  rt("", "v1", "services", "Service", true, {
    shortNames: ["svc"],
    categories: ["all"],
    status: true,
    fieldSelectors: "service",
  }),
  rt("", "v1", "serviceaccounts", "ServiceAccount", true, { shortNames: ["sa"] }),
  rt("", "v1", "events", "Event", true, { shortNames: ["ev"], fieldSelectors: "event" }),
  rt("", "v1", "nodes", "Node", false, { shortNames: ["no"], status: true, fieldSelectors: "node" }),
  rt("apps", "v1", "deployments", "Deployment", true, { shortNames: ["deploy"], categories: ["all"], status: true }),
  rt("apps", "v1", "statefulsets", "StatefulSet", true, { shortNames: ["sts"], categories: ["all"], status: true }),
  rt("apps", "v1", "daemonsets", "DaemonSet", true, { shortNames: ["ds"], categories: ["all"], status: true }),
  rt("apps", "v1", "replicasets", "ReplicaSet", true, { shortNames: ["rs"], categories: ["all"], status: true }),
  rt("batch", "v1", "jobs", "Job", true, { categories: ["all"], status: true }),
  rt("batch", "v1", "cronjobs", "CronJob", true, { shortNames: ["cj"], categories: ["all"], status: true }),
  rt("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, { shortNames: ["pdb"], status: true }),
  rt("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, { shortNames: ["sc"] }),
  rt("storage.k8s.io", "v1", "csidrivers", "CSIDriver", false),
  rt("snapshot.storage.k8s.io", "v1", "volumesnapshotclasses", "VolumeSnapshotClass", false, {
    shortNames: ["vsclass", "vsclasses"],
  }),
  rt("snapshot.storage.k8s.io", "v1", "volumesnapshots", "VolumeSnapshot", true, { shortNames: ["vs"], status: true }),
  rt("snapshot.storage.k8s.io", "v1", "volumesnapshotcontents", "VolumeSnapshotContent", false, {
    shortNames: ["vsc", "vscs"],
    status: true,
  }),
  rt("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
  rt("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
  rt("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
  rt("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
  rt("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, { verbs: ["create"] }),
  rt("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false, { verbs: ["create"] }),
  rt("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false, { verbs: ["create"] }),
  rt("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, {
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    status: true,
  }),
];

/** Kinds that are "virtual": created and answered, never stored (reviews). */
export const VIRTUAL = new Set(["selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"]);

/** Patch-merge-key aware kinds: strategic merge patch is supported for every built-in. */
export const isBuiltInGroup = (group: string) => BUILTIN_TYPES.some((t) => t.group === group);
