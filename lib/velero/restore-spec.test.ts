import { describe, expect, it } from "vitest";
import { PROTECTED_NAMESPACES, restoreInput, type RestoreInput } from "../schemas/protection";
import { CLUSTER_LABEL, CREATED_BY_ANNOTATION, SpecError, toYaml } from "./backup-spec";
import {
  buildRestore,
  NON_RESTORABLE_RESOURCES,
  restoreNotes,
  restoreOptionsNeedingClusterAdmin,
  STORAGE_CLASS_CONFIGMAP_NAME,
  storageClassConfigMap,
  type RestoreSpec,
} from "./restore-spec";

// --- builders --------------------------------------------------------------------------------------------------

type Input = Omit<RestoreInput, "scope"> & { scope: unknown };

function anInput(overrides: Partial<Input> = {}): Input {
  return { scope: { kind: "all" }, restorePVs: true, existingResourcePolicy: "none", ...overrides };
}

const restore = (overrides: Partial<Input> = {}, extra: Partial<Parameters<typeof buildRestore>[0]> = {}) =>
  buildRestore({
    name: "dr-restore-20240501102030",
    backupName: "prod-nightly-20240501030000",
    input: anInput(overrides),
    ...extra,
  });

const specOf = (overrides: Partial<Input> = {}) => restore(overrides).spec;

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error("expected a SpecError");
}

// --- options → spec ------------------------------------------------------------------------------------------

describe("restore options → Restore spec", () => {
  // #9 §3: every Restore excludes the protected namespaces (it excluded nothing before).
  const base = {
    backupName: "prod-nightly-20240501030000",
    excludedNamespaces: [...PROTECTED_NAMESPACES],
    restorePVs: true,
    existingResourcePolicy: "none",
  };

  it.each<[string, Partial<Input>, RestoreSpec]>([
    ["everything", {}, { ...base } as RestoreSpec],
    [
      "some namespaces",
      { scope: { kind: "namespaces", include: ["shop", "db", "shop"] } },
      { ...base, includedNamespaces: ["shop", "db"] } as RestoreSpec,
    ],
    [
      "namespace globs",
      { scope: { kind: "namespaces", include: ["app-*"] } },
      { ...base, includedNamespaces: ["app-*"] } as RestoreSpec,
    ],
    [
      "all but some namespaces",
      { scope: { kind: "excludeNamespaces", exclude: ["test-*", "scratch"] } },
      { ...base, excludedNamespaces: [...PROTECTED_NAMESPACES, "test-*", "scratch"] } as RestoreSpec,
    ],
    [
      "one selector",
      { scope: { kind: "labels", selectors: [{ matchLabels: { app: "shop" } }] } },
      { ...base, labelSelector: { matchLabels: { app: "shop" } } } as RestoreSpec,
    ],
    [
      "several selectors (ORed)",
      {
        scope: {
          kind: "labels",
          selectors: [
            { matchLabels: { app: "shop" } },
            { matchExpressions: [{ key: "tier", operator: "In", values: ["db"] }] },
          ],
        },
      },
      {
        ...base,
        orLabelSelectors: [
          { matchLabels: { app: "shop" } },
          { matchExpressions: [{ key: "tier", operator: "In", values: ["db"] }] },
        ],
      } as RestoreSpec,
    ],
    [
      "resources",
      { resources: { include: ["deployments.apps", "persistentvolumeclaims"], exclude: ["secrets"] } },
      {
        ...base,
        includedResources: ["deployments.apps", "persistentvolumeclaims"],
        excludedResources: ["secrets"],
      } as RestoreSpec,
    ],
    [
      "cluster resources on",
      { includeClusterResources: true },
      { ...base, includeClusterResources: true } as RestoreSpec,
    ],
    [
      "cluster resources off",
      { includeClusterResources: false },
      { ...base, includeClusterResources: false } as RestoreSpec,
    ],
    ["cluster resources auto", { includeClusterResources: null }, { ...base } as RestoreSpec],
    [
      "namespace mapping",
      { namespaceMapping: { shop: "shop-restored", db: "db-restored" } },
      { ...base, namespaceMapping: { shop: "shop-restored", db: "db-restored" } } as RestoreSpec,
    ],
    ["identity mappings dropped", { namespaceMapping: { shop: "shop" } }, { ...base } as RestoreSpec],
    ["no volume data", { restorePVs: false }, { ...base, restorePVs: false } as RestoreSpec],
    [
      "update existing",
      { existingResourcePolicy: "update" },
      { ...base, existingResourcePolicy: "update" } as RestoreSpec,
    ],
    [
      "storage class mapping is not part of the Restore",
      { storageClassMapping: { gp2: "gp3" } },
      { ...base } as RestoreSpec,
    ],
  ])("%s", (_, overrides, expected) => {
    const spec = specOf(overrides);
    expect(spec).toEqual(expected);
    expect(spec.includedNamespaces ?? []).not.toContain("*"); // Velero skips glob expansion for "*"
  });

  it("is a velero.io/v1 Restore in Velero's namespace, without status", () => {
    const r = restore(
      {},
      { namespace: "velero", cluster: { name: "dr" }, labels: { ticket: "inc-42" }, createdBy: "bob@example.com" },
    );
    expect(r).toEqual({
      apiVersion: "velero.io/v1",
      kind: "Restore",
      metadata: {
        name: "dr-restore-20240501102030",
        namespace: "velero",
        labels: { ticket: "inc-42", [CLUSTER_LABEL]: "dr" },
        annotations: { [CREATED_BY_ANNOTATION]: "bob@example.com" },
      },
      spec: {
        backupName: "prod-nightly-20240501030000",
        excludedNamespaces: [...PROTECTED_NAMESPACES],
        restorePVs: true,
        existingResourcePolicy: "none",
      },
    });
    expect(r).not.toHaveProperty("status");
  });

  it("has no labels when neither labels nor a cluster are given", () => {
    expect(restore().metadata).toEqual({ name: "dr-restore-20240501102030", namespace: "velero" });
  });

  it("prints in review order", () => {
    expect(
      toYaml(restore({ scope: { kind: "namespaces", include: ["shop"] } }))
        .split("\n")
        .filter((l) => /^\S/.test(l)),
    ).toEqual(["apiVersion: velero.io/v1", "kind: Restore", "metadata:", "spec:"]);
  });
});

describe("restore inputs that are refused", () => {
  it.each<[string, Partial<Input>, RegExp]>([
    ...NON_RESTORABLE_RESOURCES.map((r): [string, Partial<Input>, RegExp] => [
      `including ${r}`,
      { resources: { include: ["pods", r] } },
      new RegExp(`input\\.resources\\.include\\.1: Velero never restores ${r.replace(/\./g, "\\.")}`),
    ]),
    ["including node (singular)", { resources: { include: ["node"] } }, /Velero never restores nodes/],
    [
      "a mapping target that is not a namespace name",
      { namespaceMapping: { shop: "Shop_Restored" } },
      /input\.namespaceMapping\.shop: "Shop_Restored" is not a valid namespace name/,
    ],
    [
      "a mapping target over 63 characters",
      { namespaceMapping: { shop: "s".repeat(64) } },
      /is not a valid namespace name/,
    ],
    [
      "a mapping source that is not a namespace name",
      { namespaceMapping: { "shop*": "shop2" } },
      /"shop\*" is not a namespace name/,
    ],
    [
      "two sources into one target",
      { namespaceMapping: { shop: "merged", db: "merged" } },
      /"db" and "shop" would both be restored into "merged"/,
    ],
    [
      "a target also restored under its own name",
      { scope: { kind: "namespaces", include: ["shop", "db"] }, namespaceMapping: { shop: "db" } },
      /"db" is also restored under its own name: "shop" would be merged into it/,
    ],
    [
      "a mapping for a namespace not restored",
      { scope: { kind: "namespaces", include: ["shop"] }, namespaceMapping: { db: "db2" } },
      /"db" is not among the namespaces being restored/,
    ],
    [
      "a mapping for an excluded namespace",
      { scope: { kind: "excludeNamespaces", exclude: ["db*"] }, namespaceMapping: { db1: "db2" } },
      /"db1" is excluded from the restore/,
    ],
    ['"*" as a namespace', { scope: { kind: "namespaces", include: ["*"] } }, /whole-cluster scope/],
    ['"*" excluded', { scope: { kind: "excludeNamespaces", exclude: ["*"] } }, /exclude every namespace/],
    ["a bad glob", { scope: { kind: "namespaces", include: ["app-[a-"] } }, /unclosed '\['/],
    [
      "an empty selector",
      { scope: { kind: "labels", selectors: [{ matchLabels: {} }] } },
      /empty selector matches everything/,
    ],
    ["an unknown policy", { existingResourcePolicy: "overwrite" as never }, /input\.existingResourcePolicy/],
    ["restorePVs missing", { restorePVs: undefined as never }, /input\.restorePVs/],
    [
      "a bad StorageClass name",
      { storageClassMapping: { gp2: "GP3 fast" } },
      /input\.storageClassMapping\.gp2: "GP3 fast" is not a StorageClass name/,
    ],
    ['"*" with other resources', { resources: { include: ["*", "pods"] } }, /must be the only entry/],
    ...PROTECTED_NAMESPACES.flatMap((ns): [string, Partial<Input>, RegExp][] => [
      [
        `including ${ns} (#9 §3)`,
        { scope: { kind: "namespaces", include: ["shop", ns] } },
        new RegExp(`input\\.scope\\.include\\.1: "${ns}" is never restored`),
      ],
      [
        `mapping into ${ns} (#9 §3)`,
        { namespaceMapping: { shop: ns } },
        new RegExp(`input\\.namespaceMapping\\.shop: Nothing is restored into "${ns}"`),
      ],
      [
        `mapping ${ns} elsewhere (#9 §3)`,
        { namespaceMapping: { [ns]: "copy" } },
        new RegExp(`"${ns}" is never restored`),
      ],
    ]),
  ])("%s", (_, overrides, message) => expect(issuesOf(() => restore(overrides)).join("\n")).toMatch(message));

  it.each<[Partial<Parameters<typeof buildRestore>[0]>, RegExp]>([
    [{ backupName: "" }, /^backupName: Enter a name/],
    [{ backupName: "Nightly Backup" }, /^backupName: /],
    [{ name: "-restore" }, /^name: /],
  ])("refuses %j", (args, message) => expect(issuesOf(() => restore({}, args)).join("\n")).toMatch(message));

  it("accepts a chain of renames and a swap", () => {
    expect(
      specOf({ scope: { kind: "namespaces", include: ["a", "b"] }, namespaceMapping: { a: "b", b: "a" } })
        .namespaceMapping,
    ).toEqual({ a: "b", b: "a" });
    expect(
      specOf({ scope: { kind: "namespaces", include: ["app-*"] }, namespaceMapping: { "app-1": "app-1-copy" } })
        .namespaceMapping,
    ).toEqual({ "app-1": "app-1-copy" });
  });
});

describe("storageClassConfigMap", () => {
  it("is the change-storage-class plugin config, in Velero's namespace", () => {
    expect(storageClassConfigMap({ gp2: "gp3", standard: "premium-rwo" }, "velero")).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: STORAGE_CLASS_CONFIGMAP_NAME,
        namespace: "velero",
        labels: { "velero.io/plugin-config": "", "velero.io/change-storage-class": "RestoreItemAction" },
      },
      data: { gp2: "gp3", standard: "premium-rwo" },
    });
  });

  it("defaults to the velero namespace and prints the empty label value quoted", () => {
    const cm = storageClassConfigMap({ gp2: "gp3" });
    expect(cm.metadata.namespace).toBe("velero");
    expect(toYaml(cm)).toContain('velero.io/plugin-config: ""');
  });

  it.each<[Record<string, string>, string, RegExp]>([
    [{}, "velero", /The mapping is empty/],
    [{ gp2: "" }, "velero", /"" is not a StorageClass name/],
    [{ "GP2!": "gp3" }, "velero", /"GP2!" is not a StorageClass name/],
    [{ gp2: "gp3" }, "Velero NS", /^namespace: /],
  ])("refuses %j in %s", (mapping, ns, message) =>
    expect(issuesOf(() => storageClassConfigMap(mapping, ns)).join("\n")).toMatch(message),
  );
});

describe("restoreNotes", () => {
  // #9 §3: "auto" now restores only related cluster-scoped resources whatever the scope, and the protected namespaces
  // are never restored: both are said for every restore (the first was said for namespace scopes only).
  const tail = ["cluster-resources-auto", "protected-namespaces", "never-restored"];
  it.each<[Partial<Input>, string[]]>([
    [{}, ["existing-skipped", ...tail]],
    [{ existingResourcePolicy: "update", restorePVs: false }, ["existing-updated", "no-volume-data", ...tail]],
    [
      { namespaceMapping: { a: "b" }, storageClassMapping: { gp2: "gp3" } },
      ["existing-skipped", "namespace-mapping", "storage-class-configmap", ...tail],
    ],
    [{ scope: { kind: "namespaces", include: ["shop"] } }, ["existing-skipped", ...tail]],
    [{ includeClusterResources: true }, ["existing-skipped", "protected-namespaces", "never-restored"]],
  ])("%j", (overrides, codes) =>
    expect(restoreNotes(anInput(overrides) as RestoreInput).map((n) => n.code)).toEqual(codes),
  );

  it("says the storage-class mapping is cluster-wide", () => {
    const note = restoreNotes(anInput({ storageClassMapping: { gp2: "gp3" } }) as RestoreInput).find(
      (n) => n.code === "storage-class-configmap",
    );
    expect(note?.severity).toBe("warning");
    expect(note?.text).toMatch(/every restore in this cluster/);
  });
});

// #9 §3: the options that need CLUSTER_ADMIN on the target.
describe("restoreOptionsNeedingClusterAdmin", () => {
  const parsed = (o: Partial<Input>) => restoreInput.parse(anInput(o));
  it.each<[Partial<Input>, string[]]>([
    [{}, []],
    [{ includeClusterResources: null }, []],
    [{ includeClusterResources: false, scope: { kind: "namespaces", include: ["shop"] } }, []],
    [{ includeClusterResources: true }, ["includeClusterResources"]],
    [{ existingResourcePolicy: "update" }, ["existingResourcePolicy"]],
    [
      { includeClusterResources: true, existingResourcePolicy: "update" },
      ["includeClusterResources", "existingResourcePolicy"],
    ],
  ])("%j → %j", (o, want) => expect(restoreOptionsNeedingClusterAdmin(parsed(o)).map((x) => x.path)).toEqual(want));
});
