import { describe, expect, it } from "vitest";
import { aNamespace, aPlan, aPod, aPvc } from "./fixtures";
import {
  entryNames,
  filterProblem,
  isProtectedNamespace,
  namespaceExclusion,
  PlanScope,
  podExclusion,
  pvcExclusion,
  resourceIncluded,
  type ScopedResource,
} from "./scope";
import type { BackupPlan } from "./types";

type Spec = Partial<BackupPlan["spec"]>;

describe("§9 step 0: namespaces", () => {
  it.each<[string, Spec, string, string | null]>([
    ["no included namespaces means all", {}, "db", null],
    ['"*" means all', { includedNamespaces: ["*"] }, "db", null],
    ["a listed namespace is in", { includedNamespaces: ["web", "db"] }, "db", null],
    ["an unlisted namespace is out", { includedNamespaces: ["web"] }, "db", "namespace-not-included"],
    ["an included glob", { includedNamespaces: ["d?"] }, "db", null],
    ["an included bracket glob", { includedNamespaces: ["[a-c]b"] }, "db", "namespace-not-included"],
    ["an excluded name", { excludedNamespaces: ["db"] }, "db", "namespace-excluded"],
    [
      "an excluded glob wins over an include",
      { includedNamespaces: ["db"], excludedNamespaces: ["d*"] },
      "db",
      "namespace-excluded",
    ],
    ["an excluded glob that does not match", { excludedNamespaces: ["web-*"] }, "db", null],
  ])("%s", (_name, spec, ns, want) => {
    expect(namespaceExclusion(aPlan("p", spec), aNamespace({ name: ns }))?.kind ?? null).toBe(want);
  });

  it("names the excluding pattern", () => {
    expect(namespaceExclusion(aPlan("p", { excludedNamespaces: ["web", "d*"] }), aNamespace())).toEqual({
      kind: "namespace-excluded",
      namespace: "db",
      pattern: "d*",
    });
  });

  it("a namespace labelled velero.io/exclude-from-backup=true is out (only the exact value true)", () => {
    const plan = aPlan();
    expect(namespaceExclusion(plan, aNamespace({ labels: { "velero.io/exclude-from-backup": "true" } }))?.kind).toBe(
      "namespace-labelled",
    );
    expect(namespaceExclusion(plan, aNamespace({ labels: { "velero.io/exclude-from-backup": "yes" } }))).toBeNull();
  });

  it("a namespace being deleted is out", () => {
    expect(namespaceExclusion(aPlan(), aNamespace({ deleting: true }))?.kind).toBe("namespace-deleting");
  });

  it("the protected namespaces are the ones Lifeboat never backs up", () => {
    expect(["kube-system", "velero", "tkg-system", "vmware-system-tmc"].every(isProtectedNamespace)).toBe(true);
    expect(isProtectedNamespace("db")).toBe(false);
  });
});

describe("§9 step 0: resource filters", () => {
  it.each<[string, ScopedResource, boolean]>([
    ["pods", "pods", true],
    ["pod", "pods", true],
    ["po", "pods", true],
    ["pods.v1", "pods", true],
    ["pods.core", "pods", true],
    ["Pods.", "pods", true],
    ["*", "pods", true],
    ["po*", "pods", true],
    ["persistentvolumeclaims", "persistentvolumeclaims", true],
    ["pvc", "persistentvolumeclaims", true],
    ["persistentvolumeclaims.v1", "persistentvolumeclaims", true],
    ["persistentvolumes", "persistentvolumeclaims", false],
    ["pods", "persistentvolumeclaims", false],
    ["pods.apps", "pods", false],
    ["deployments.apps", "pods", false],
  ])("entry %s names %s: %s", (entry, resource, want) => {
    expect(entryNames(entry, resource)).toBe(want);
  });

  it.each<[string, Spec, ScopedResource, boolean]>([
    ["old filters: nothing set includes everything", {}, "pods", true],
    ["old filters: included list without it", { includedResources: ["pods"] }, "persistentvolumeclaims", false],
    ["old filters: included list with it", { includedResources: ["pods", "pvc"] }, "persistentvolumeclaims", true],
    ["old filters: * included", { includedResources: ["*"] }, "persistentvolumeclaims", true],
    ["old filters: excluded", { excludedResources: ["persistentvolumeclaims"] }, "persistentvolumeclaims", false],
    ["old filters: exclusion wins", { includedResources: ["*"], excludedResources: ["pods"] }, "pods", false],
    ["new filters: excluded", { excludedNamespaceScopedResources: ["pods"] }, "pods", false],
    [
      "new filters: included list without it",
      { includedNamespaceScopedResources: ["pods"] },
      "persistentvolumeclaims",
      false,
    ],
    ["new filters: only exclusions include the rest", { excludedNamespaceScopedResources: ["secrets"] }, "pods", true],
  ])("%s", (_name, spec, resource, want) => {
    expect(resourceIncluded(aPlan("p", spec), resource)).toBe(want);
  });

  it.each<[string, Spec, RegExp | null]>([
    ["fine filters", { includedResources: ["pods"], excludedNamespaces: ["web"] }, null],
    [
      "old and new filters mixed",
      { includedResources: ["pods"], excludedNamespaceScopedResources: ["secrets"] },
      /mixes/,
    ],
    ['"*" among the old excluded resources', { excludedResources: ["*"] }, /"\*"/],
    ["a namespace both included and excluded", { includedNamespaces: ["db"], excludedNamespaces: ["db"] }, /"db"/],
    ["a resource both included and excluded", { includedResources: ["pods"], excludedResources: ["pods"] }, /"pods"/],
  ])("filters Velero refuses: %s", (_name, spec, want) => {
    const problem = filterProblem(aPlan("p", spec));
    if (want) expect(problem).toMatch(want);
    else expect(problem).toBeNull();
  });
});

describe("§9 step 0: pods and PVCs", () => {
  const selector = { matchLabels: { app: "web" }, matchExpressions: [] };

  it.each<[string, Spec, Parameters<typeof aPod>[0], string | null]>([
    ["an ordinary pod is in", {}, {}, null],
    ["pods excluded by the resource filters", { excludedResources: ["pods"] }, {}, "resource-excluded"],
    ["a pod labelled for exclusion", {}, { labels: { "velero.io/exclude-from-backup": "true" } }, "labelled"],
    ["a pod being deleted", {}, { deleting: true }, "deleting"],
    ["a pod matching no label selector", { labelSelectors: [selector] }, {}, "selector"],
    [
      "a pod matching one of the ORed selectors",
      { labelSelectors: [selector, { matchLabels: { app: "cassandra" }, matchExpressions: [] }] },
      {},
      null,
    ],
  ])("%s", (_name, spec, pod, want) => {
    expect(podExclusion(aPlan("p", spec), aPod(pod))?.kind ?? null).toBe(want);
  });

  it("the label selector picks listed PVCs only: a PVC mounted by a backed-up pod is in whatever its labels", () => {
    const plan = aPlan("p", { labelSelectors: [selector] });
    expect(pvcExclusion(plan, aPvc(), false)?.kind).toBe("selector");
    expect(pvcExclusion(plan, aPvc(), true)).toBeNull();
  });

  it("resource filters, the exclusion label and deletion still apply to a PVC that a pod brings in", () => {
    expect(pvcExclusion(aPlan("p", { excludedResources: ["pvc"] }), aPvc(), true)?.kind).toBe("resource-excluded");
    expect(pvcExclusion(aPlan(), aPvc({ labels: { "velero.io/exclude-from-backup": "true" } }), true)?.kind).toBe(
      "labelled",
    );
    expect(pvcExclusion(aPlan(), aPvc({ deleting: true }), true)?.kind).toBe("deleting");
  });

  it("PlanScope answers the namespace first and keeps its answers", () => {
    const scope = new PlanScope(aPlan("p", { includedNamespaces: ["web"], excludedResources: ["pods"] }));
    const pod = aPod();
    expect(scope.pod(pod, aNamespace())?.kind).toBe("namespace-not-included");
    expect(scope.pod(pod, aNamespace())).toBe(scope.pod(pod, aNamespace()));
    expect(scope.pod(aPod({ namespace: "web" }), aNamespace({ name: "web" }))?.kind).toBe("resource-excluded");
    expect(scope.pvc(aPvc(), aNamespace(), true)?.kind).toBe("namespace-not-included");
  });
});
