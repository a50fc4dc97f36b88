import { describe, expect, it } from "vitest";
import { observedVolumes } from "@/server/services/coverage/digests";
import { restoreFormDefaults, toRestoreInput, type RestoreFormValues } from "../../forms/restore-form";
import { restoreInput } from "../../schemas/protection";
import type { PreflightFix, PreflightResult } from "../../schemas/preflight";
import { applyFix, hasFix } from "./fixes";
import {
  existingOn,
  factsFor,
  GUESTBOOK,
  kubeDiscovery,
  LEGACY_1_18,
  PLATFORM,
  SHOP,
  SHOP_WITHOUT_CRD,
  shopVolumeInfo,
  TARGET_CLASSES,
  type FactsOptions,
} from "./fixtures";
import { preflight, type PreflightFacts } from "./preflight";

// A finding's fix applied to the restore wizard's form (lib/forms/restore-form.ts), and the journey: after
// every fix the check passes but for the warnings no option can answer.

const BACKUP = "shop-daily-20260302010000";
const form = (o: Partial<RestoreFormValues> = {}): RestoreFormValues => ({
  ...restoreFormDefaults({ clusterId: "c-dr-eu", backupName: BACKUP }),
  ...o,
});

/** What the wizard submits for the form, as the router parses it. */
const inputOf = (v: RestoreFormValues) => restoreInput.parse(toRestoreInput(v));

/** The check the wizard runs for the form (the target's objects read as the service would). */
function checkForm(facts: PreflightFacts, v: RestoreFormValues): PreflightResult {
  const input = inputOf(v);
  return preflight({ ...facts, existing: existingOn(facts, input) }, input, {
    clusterId: "c-dr-eu",
    backupName: BACKUP,
  });
}

const exclude = (...resources: string[]): PreflightFix => ({ kind: "excludeResources", resources });

describe("applyFix", () => {
  it.each<[string, Partial<RestoreFormValues>, PreflightFix, Partial<RestoreFormValues>]>([
    ["excludes a resource", {}, exclude("widgets.shop.example.io"), { excludeResources: "widgets.shop.example.io" }],
    [
      "adds to the excluded resources, without repeating one",
      { excludeResources: "pods, widgets.shop.example.io" },
      exclude("widgets.shop.example.io", "ingresses.networking.k8s.io"),
      { excludeResources: "pods, widgets.shop.example.io, ingresses.networking.k8s.io" },
    ],
    [
      "takes an excluded resource out of the included ones (Velero would refuse both)",
      { includeResources: "deployments.apps, widgets.shop.example.io, services" },
      exclude("widgets.shop.example.io"),
      { includeResources: "deployments.apps, services", excludeResources: "widgets.shop.example.io" },
    ],
    [
      "maps a storage class",
      {},
      { kind: "mapStorageClass", from: "fast-ssd", to: "gp3" },
      { scMap: [{ from: "fast-ssd", to: "gp3" }] },
    ],
    [
      "replaces the row that maps the same class, keeps the others, drops blank rows",
      {
        scMap: [
          { from: "standard", to: "gp2" },
          { from: " fast-ssd ", to: "premium-rwo" },
          { from: "", to: " " },
        ],
      },
      { kind: "mapStorageClass", from: "fast-ssd", to: "gp3" },
      {
        scMap: [
          { from: "standard", to: "gp2" },
          { from: "fast-ssd", to: "gp3" },
        ],
      },
    ],
    [
      "restores cluster-scoped resources (from auto)",
      {},
      { kind: "includeClusterResources" },
      { clusterResources: "yes" },
    ],
    [
      "restores cluster-scoped resources (from off)",
      { clusterResources: "no" },
      { kind: "includeClusterResources" },
      { clusterResources: "yes" },
    ],
    ["restores without volume data", {}, { kind: "skipVolumeData" }, { restorePVs: false }],
  ])("%s", (_, before, fix, after) => {
    const v = form(before);
    expect(hasFix(v, fix)).toBe(false);
    const fixed = applyFix(v, fix);
    expect(fixed).toEqual({ ...v, ...after });
    expect(hasFix(fixed, fix)).toBe(true);
    // Once is enough: applying it again changes nothing.
    expect(applyFix(fixed, fix)).toEqual(fixed);
    // And the form still makes a valid restore.
    expect(() => inputOf(fixed)).not.toThrow();
  });

  it("does not change the form it is given", () => {
    const v = form({ scMap: [{ from: "fast-ssd", to: "premium-rwo" }], excludeResources: "pods" });
    const copy = structuredClone(v);
    applyFix(v, { kind: "mapStorageClass", from: "fast-ssd", to: "gp3" });
    applyFix(v, exclude("widgets.shop.example.io"));
    expect(v).toEqual(copy);
  });

  it("hasFix: a mapping to another class, or only some of the resources, is not the fix", () => {
    const fix = { kind: "mapStorageClass", from: "fast-ssd", to: "gp3" } as const;
    expect(hasFix(form({ scMap: [{ from: "fast-ssd", to: "gp2" }] }), fix)).toBe(false);
    expect(hasFix(form({ scMap: [{ from: " fast-ssd", to: "gp3 " }] }), fix)).toBe(true);
    expect(hasFix(form({ excludeResources: "pods" }), exclude("pods", "services"))).toBe(false);
    expect(hasFix(form({ excludeResources: "services,pods" }), exclude("pods", "services"))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------

const vol = (m: Parameters<typeof shopVolumeInfo>[0]) => observedVolumes(shopVolumeInfo(m));

/** Applies every finding's fix the form does not carry yet, and checks again, until nothing is left to apply. */
function fixAll(facts: PreflightFacts, start: RestoreFormValues, useAlt = false) {
  let v = start;
  for (let round = 0; round < 5; round++) {
    const fixes = checkForm(facts, v)
      .findings.map((f) => (useAlt && f.altFix ? f.altFix : f.fix))
      .filter((f): f is PreflightFix => f !== null && !hasFix(v, f));
    if (!fixes.length) return { form: v, result: checkForm(facts, v) };
    v = fixes.reduce(applyFix, v);
  }
  throw new Error("the fixes did not settle");
}

const ids = (r: PreflightResult) => r.findings.map((f) => f.id);

describe("the journey of #14: shop from Kubernetes v1.31.4 into a v1.30.8 cluster without its CRD or class", () => {
  // dr-eu (factsFor's default target): v1.30.8, no CRDs, gp3 (default) and gp2, node-agent running.
  const facts = factsFor({ objects: SHOP, volumes: vol("moved") });
  const start = form({ scope: "namespaces", namespaces: "shop" });

  it("first: a version warning, the CRD left out, the storage class missing", () => {
    const r = checkForm(facts, start);
    expect(r.verdict).toBe("errors");
    expect(ids(r)).toEqual([
      "crd-not-restored:widgets.shop.example.io",
      "storage-class-missing:fast-ssd",
      "version-downgrade",
    ]);
    expect(r.prediction!.rows.find((row) => row.kind === "Widget")).toMatchObject({ dropped: 2 });
  });

  it("after the fixes only the version warning is left, and the widgets and their CRD are created", () => {
    const { form: fixed, result } = fixAll(facts, start);
    expect(fixed).toEqual({ ...start, clusterResources: "yes", scMap: [{ from: "fast-ssd", to: "gp3" }] });
    expect(ids(result)).toEqual(["version-downgrade"]);
    expect(result.verdict).toBe("warnings");
    expect(result.prediction!.total).toMatchObject({ fail: 0, dropped: 0 });
    expect(result.prediction!.rows.filter((row) => ["Widget", "CustomResourceDefinition"].includes(row.kind))).toEqual([
      expect.objectContaining({ kind: "CustomResourceDefinition", create: 1 }),
      expect.objectContaining({ kind: "Widget", create: 2 }),
    ]);
    expect(inputOf(fixed)).toMatchObject({
      includeClusterResources: true,
      storageClassMapping: { "fast-ssd": "gp3" },
      scope: { kind: "namespaces", include: ["shop"] },
    });
  });

  it("the other way out: leaving the widgets behind", () => {
    const { form: fixed, result } = fixAll(facts, start, true);
    expect(fixed.excludeResources).toBe("widgets.shop.example.io");
    expect(fixed.clusterResources).toBe("auto");
    expect(ids(result)).toEqual(["version-downgrade"]);
    expect(result.prediction!.rows.some((row) => row.kind === "Widget")).toBe(false);
  });

  it("a backup without the CRD: the widgets can only be left behind", () => {
    const noCrd = factsFor({ objects: SHOP_WITHOUT_CRD, volumes: vol("moved") });
    expect(ids(checkForm(noCrd, start))).toEqual([
      "crd-missing:widgets.shop.example.io",
      "storage-class-missing:fast-ssd",
      "version-downgrade",
    ]);
    const { form: fixed, result } = fixAll(noCrd, start);
    expect(fixed).toMatchObject({
      excludeResources: "widgets.shop.example.io",
      scMap: [{ from: "fast-ssd", to: "gp3" }],
    });
    expect(ids(result)).toEqual(["version-downgrade"]);
  });
});

describe("every fix answers its finding", () => {
  const f = (o: FactsOptions) =>
    factsFor({ volumes: vol("moved"), ...o, target: { kubernetes: "v1.31.4", ...o.target } });
  // dr-eu serves no CRD: the widgets' comes from the backup or not at all.
  const noCrd = { served: kubeDiscovery("1.31") };

  it.each<[string, PreflightFacts, Partial<RestoreFormValues>, string]>([
    [
      "an unserved version",
      f({ objects: [...SHOP_WITHOUT_CRD, ...GUESTBOOK, ...LEGACY_1_18] }),
      { excludeResources: "widgets.shop.example.io", scMap: [{ from: "fast-ssd", to: "gp3" }] },
      "api-version:ingresses.networking.k8s.io:networking.k8s.io/v1beta1",
    ],
    [
      "an unserved kind",
      f({ objects: [...SHOP, ...LEGACY_1_18] }),
      { clusterResources: "yes", scMap: [{ from: "fast-ssd", to: "gp3" }] },
      "api-missing:podsecuritypolicies.policy",
    ],
    ["a missing CRD", f({ objects: SHOP_WITHOUT_CRD, target: noCrd }), {}, "crd-missing:widgets.shop.example.io"],
    ["a CRD left out", f({ objects: SHOP, target: noCrd }), {}, "crd-not-restored:widgets.shop.example.io"],
    ["a missing class", f({ objects: SHOP }), { clusterResources: "yes" }, "storage-class-missing:fast-ssd"],
    [
      "a mapping to a missing class",
      f({ objects: SHOP }),
      { clusterResources: "yes", scMap: [{ from: "fast-ssd", to: "premium-rwo" }] },
      "storage-class-map-missing:fast-ssd",
    ],
    [
      "a platform object from another cluster",
      f({
        objects: [...SHOP, ...PLATFORM],
        target: { storageClasses: [...TARGET_CLASSES, { name: "fast-ssd", provisioner: "x", isDefault: false }] },
      }),
      { clusterResources: "yes" },
      "foreign:apiservices.apiregistration.k8s.io",
    ],
    [
      "moved volume data without node-agent",
      f({ objects: SHOP, target: { nodeAgent: false } }),
      { clusterResources: "yes", scMap: [{ from: "fast-ssd", to: "gp3" }] },
      "volumes-no-node-agent",
    ],
    [
      "snapshots kept in the source cluster's storage",
      f({ objects: SHOP, volumes: vol("csi") }),
      { clusterResources: "yes", scMap: [{ from: "fast-ssd", to: "gp3" }] },
      "volumes-snapshots-elsewhere",
    ],
  ])("%s", (_, facts, o, id) => {
    const v = form(o);
    const finding = checkForm(facts, v).findings.find((x) => x.id === id)!;
    expect(finding.fix).not.toBeNull();
    for (const fix of [finding.fix, finding.altFix].filter((x): x is PreflightFix => x !== null)) {
      const fixed = applyFix(v, fix);
      const after = checkForm(facts, fixed);
      expect(ids(after)).not.toContain(id);
      // A fix trades no problem for a new error.
      const errorsBefore = checkForm(facts, v)
        .findings.filter((x) => x.severity === "error")
        .map((x) => x.id);
      expect(after.findings.filter((x) => x.severity === "error" && !errorsBefore.includes(x.id))).toEqual([]);
    }
  });
});
