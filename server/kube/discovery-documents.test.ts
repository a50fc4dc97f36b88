import { describe, expect, it } from "vitest";
import {
  compareServed,
  coreGroupVersions,
  namedGroupVersions,
  resourceListPath,
  servedResourcesOf,
  splitGroupVersion,
  type GroupVersionRef,
} from "./discovery-documents";

// The documents as a real kube-apiserver answers them (kubernetes/kubernetes api/discovery/*.json, abridged: fewer
// groups and resources, every field of the kept entries as served), plus the answers that are not documents.

const API = {
  kind: "APIVersions",
  serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "10.10.10.10:8050" }],
  versions: ["v1"],
};

const APIS = {
  apiVersion: "v1",
  groups: [
    {
      name: "apps",
      preferredVersion: { groupVersion: "apps/v1", version: "v1" },
      versions: [{ groupVersion: "apps/v1", version: "v1" }],
    },
    {
      name: "authentication.k8s.io",
      preferredVersion: { groupVersion: "authentication.k8s.io/v1", version: "v1" },
      versions: [
        { groupVersion: "authentication.k8s.io/v1", version: "v1" },
        { groupVersion: "authentication.k8s.io/v1beta1", version: "v1beta1" },
        { groupVersion: "authentication.k8s.io/v1alpha1", version: "v1alpha1" },
      ],
    },
    {
      name: "autoscaling",
      preferredVersion: { groupVersion: "autoscaling/v2", version: "v2" },
      versions: [
        { groupVersion: "autoscaling/v2", version: "v2" },
        { groupVersion: "autoscaling/v1", version: "v1" },
      ],
    },
    {
      name: "storage.k8s.io",
      preferredVersion: { groupVersion: "storage.k8s.io/v1", version: "v1" },
      versions: [
        { groupVersion: "storage.k8s.io/v1", version: "v1" },
        { groupVersion: "storage.k8s.io/v1beta1", version: "v1beta1" },
      ],
    },
    // An aggregated API (metrics-server): listed here whether or not its service answers.
    {
      name: "metrics.k8s.io",
      preferredVersion: { groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" },
      versions: [{ groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" }],
    },
  ],
  kind: "APIGroupList",
};

const CORE_V1 = {
  groupVersion: "v1",
  kind: "APIResourceList",
  resources: [
    { kind: "Binding", name: "bindings", namespaced: true, singularName: "binding", verbs: ["create"] },
    {
      kind: "Namespace",
      name: "namespaces",
      namespaced: false,
      shortNames: ["ns"],
      singularName: "namespace",
      storageVersionHash: "Q3oi5N2YM8M=",
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    },
    { kind: "Namespace", name: "namespaces/finalize", namespaced: false, singularName: "", verbs: ["update"] },
    {
      categories: ["all"],
      kind: "Pod",
      name: "pods",
      namespaced: true,
      shortNames: ["po"],
      singularName: "pod",
      storageVersionHash: "xPOwRZ+Yhw8=",
      verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    },
    {
      group: "policy",
      kind: "Eviction",
      name: "pods/eviction",
      namespaced: true,
      singularName: "",
      verbs: ["create"],
      version: "v1",
    },
    { kind: "Pod", name: "pods/log", namespaced: true, singularName: "", verbs: ["get"] },
    { kind: "Pod", name: "pods/status", namespaced: true, singularName: "", verbs: ["get", "patch", "update"] },
    {
      group: "authentication.k8s.io",
      kind: "TokenRequest",
      name: "serviceaccounts/token",
      namespaced: true,
      singularName: "",
      verbs: ["create"],
      version: "v1",
    },
  ],
};

const APPS_V1 = {
  apiVersion: "v1",
  groupVersion: "apps/v1",
  kind: "APIResourceList",
  resources: [
    {
      categories: ["all"],
      kind: "Deployment",
      name: "deployments",
      namespaced: true,
      shortNames: ["deploy"],
      singularName: "deployment",
      storageVersionHash: "8aSe+NMegvE=",
      verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update"],
    },
    {
      group: "autoscaling",
      kind: "Scale",
      name: "deployments/scale",
      namespaced: true,
      singularName: "",
      verbs: ["get", "patch", "update"],
      version: "v1",
    },
    {
      kind: "Deployment",
      name: "deployments/status",
      namespaced: true,
      singularName: "",
      verbs: ["get", "patch", "update"],
    },
  ],
};

const gv = (group: string, version: string, preferred = true): GroupVersionRef => ({
  group,
  version,
  groupVersion: group ? `${group}/${version}` : version,
  preferred,
});

describe("coreGroupVersions (GET /api)", () => {
  it("reads the core versions, the first one preferred", () => {
    expect(coreGroupVersions(API)).toEqual([gv("", "v1")]);
    expect(coreGroupVersions({ kind: "APIVersions", versions: ["v1", "v2alpha1"] })).toEqual([
      gv("", "v1"),
      gv("", "v2alpha1", false),
    ]);
  });

  it("keeps no version that is no path segment, and reads nothing from a document that is not APIVersions", () => {
    expect(coreGroupVersions({ versions: ["v1", "../apis", "", 1, "v1"] })).toEqual([gv("", "v1")]);
    expect(coreGroupVersions({ kind: "Status", code: 503 })).toEqual([]);
    expect(coreGroupVersions("service unavailable")).toEqual([]);
    expect(coreGroupVersions(null)).toEqual([]);
  });
});

describe("namedGroupVersions (GET /apis)", () => {
  it("lists every served version of every group, marking each group's preferred version", () => {
    expect(namedGroupVersions(APIS)).toEqual([
      gv("apps", "v1"),
      gv("authentication.k8s.io", "v1"),
      gv("authentication.k8s.io", "v1beta1", false),
      gv("authentication.k8s.io", "v1alpha1", false),
      gv("autoscaling", "v2"),
      gv("autoscaling", "v1", false),
      gv("storage.k8s.io", "v1"),
      gv("storage.k8s.io", "v1beta1", false),
      gv("metrics.k8s.io", "v1beta1"),
    ]);
  });

  it("takes the first version when the preferred one is missing or not among the versions", () => {
    const group = (preferredVersion?: object) => ({
      groups: [
        {
          name: "example.com",
          versions: [
            { groupVersion: "example.com/v2", version: "v2" },
            { groupVersion: "example.com/v1", version: "v1" },
          ],
          ...(preferredVersion ? { preferredVersion } : {}),
        },
      ],
    });
    const want = [gv("example.com", "v2"), gv("example.com", "v1", false)];
    expect(namedGroupVersions(group())).toEqual(want);
    expect(namedGroupVersions(group({ groupVersion: "example.com/v3", version: "v3" }))).toEqual(want);
  });

  it("leaves out groups and versions that are no path segment, groups without versions, and repeats", () => {
    const doc = {
      groups: [
        { name: "Bad_Group", versions: [{ version: "v1" }] },
        { name: "evil.io/../../api", versions: [{ version: "v1" }] },
        { name: "empty.io", versions: [] },
        { name: "ok.io", versions: [{ version: "v1/../x" }, { version: "v1" }, { version: "v1" }] },
        { name: "ok.io", versions: [{ version: "v2" }] },
      ],
    };
    expect(namedGroupVersions(doc)).toEqual([gv("ok.io", "v1")]);
    expect(namedGroupVersions({ kind: "Status", status: "Failure", code: 500 })).toEqual([]);
  });
});

describe("servedResourcesOf (an APIResourceList)", () => {
  it("reads the core kinds without subresources (pods/log, pods/eviction, serviceaccounts/token)", () => {
    expect(servedResourcesOf(CORE_V1, gv("", "v1"))).toEqual([
      { groupVersion: "v1", kind: "Binding", resource: "bindings", namespaced: true, preferred: true },
      { groupVersion: "v1", kind: "Namespace", resource: "namespaces", namespaced: false, preferred: true },
      { groupVersion: "v1", kind: "Pod", resource: "pods", namespaced: true, preferred: true },
    ]);
  });

  it("reads a named group's kinds, preferred or not as its group-version is", () => {
    const want = { groupVersion: "apps/v1", kind: "Deployment", resource: "deployments", namespaced: true };
    expect(servedResourcesOf(APPS_V1, gv("apps", "v1"))).toEqual([{ ...want, preferred: true }]);
    expect(servedResourcesOf(APPS_V1, gv("apps", "v1", false))).toEqual([{ ...want, preferred: false }]);
  });

  it("is null for an answer that is no resource list (an aggregated API's error, a proxy's page)", () => {
    const unavailable = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "service unavailable",
      reason: "ServiceUnavailable",
      code: 503,
    };
    expect(servedResourcesOf(unavailable, gv("metrics.k8s.io", "v1beta1"))).toBeNull();
    expect(servedResourcesOf("<html>Bad Gateway</html>", gv("metrics.k8s.io", "v1beta1"))).toBeNull();
    expect(servedResourcesOf(undefined, gv("metrics.k8s.io", "v1beta1"))).toBeNull();
    // An empty list is a served group-version without kinds, not an unavailable one.
    expect(
      servedResourcesOf({ kind: "APIResourceList", groupVersion: "x.io/v1", resources: [] }, gv("x.io", "v1")),
    ).toEqual([]);
  });

  it("leaves out entries without a kind or a valid name, and repeats; namespaced only when it says true", () => {
    const doc = {
      resources: [
        { name: "widgets", kind: "Widget", namespaced: true },
        { name: "widgets", kind: "Widget", namespaced: false },
        { name: "Gadgets", kind: "Gadget", namespaced: true },
        { name: "../secrets", kind: "Secret", namespaced: true },
        { name: "nokind", namespaced: true },
        { name: "badkind", kind: "Bad Kind", namespaced: true },
        { name: "dashed", kind: "My-Thing", namespaced: "true" },
        "pods",
      ],
    };
    expect(servedResourcesOf(doc, gv("x.io", "v1"))).toEqual([
      { groupVersion: "x.io/v1", kind: "Widget", resource: "widgets", namespaced: true, preferred: true },
      { groupVersion: "x.io/v1", kind: "My-Thing", resource: "dashed", namespaced: false, preferred: true },
    ]);
  });
});

describe("group-version helpers", () => {
  it("splits a group-version, refusing what is no path segment", () => {
    expect(splitGroupVersion("v1")).toEqual({ group: "", version: "v1" });
    expect(splitGroupVersion("apps/v1")).toEqual({ group: "apps", version: "v1" });
    expect(splitGroupVersion("snapshot.storage.k8s.io/v1")).toEqual({
      group: "snapshot.storage.k8s.io",
      version: "v1",
    });
    for (const bad of ["", "/v1", "apps/", "apps/v1/x", "../v1", "Apps/v1", "apps/V1"])
      expect(splitGroupVersion(bad)).toBeNull();
  });

  it("builds the discovery path of a group-version", () => {
    expect(resourceListPath(gv("", "v1"))).toBe("/api/v1");
    expect(resourceListPath(gv("apps", "v1"))).toBe("/apis/apps/v1");
  });

  it("orders the core group first, then by group, version and resource", () => {
    const r = (groupVersion: string, resource: string) => ({
      groupVersion,
      resource,
      kind: "K",
      namespaced: true,
      preferred: true,
    });
    const sorted = [
      r("velero.io/v1", "backups"),
      r("apps/v1", "deployments"),
      r("v1", "pods"),
      r("apps/v1", "daemonsets"),
    ]
      .sort(compareServed)
      .map((x) => `${x.groupVersion} ${x.resource}`);
    expect(sorted).toEqual(["v1 pods", "apps/v1 daemonsets", "apps/v1 deployments", "velero.io/v1 backups"]);
  });
});
