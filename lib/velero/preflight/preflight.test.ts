import { describe, expect, it } from "vitest";
import { observedVolumes } from "@/server/services/coverage/digests";
import type { RestoreInput } from "../../schemas/protection";
import { preflightResult, type PreflightFix, type PreflightResult, type PredictionRow } from "../../schemas/preflight";
import {
  anInput,
  contentsOf,
  existingOn,
  factsFor,
  GUESTBOOK,
  kubeDiscovery,
  LEGACY_1_18,
  MODEL_SERVING,
  NOW,
  PLATFORM,
  servedByCrd,
  SHOP,
  SHOP_WITHOUT_CRD,
  shopVolumeInfo,
  SYSTEM_NAMESPACES,
  TARGET_CLASSES,
  WIDGET_CRD,
  type FactsOptions,
  type KubeObject,
  type VolumeMethod,
} from "./fixtures";
import { existingKey, existingQueries, preflight, type PreflightFacts } from "./preflight";

// The restore pre-flight check (#14 §1) and its prediction (§2), one case per finding, on real object shapes: the shop
// namespace of a v1.31.4 cluster (fixtures.ts) checked against dr-eu. The volume info goes through the projection
// the backup digests use (observedVolumes), from the JSON Velero 1.18 writes.

const META = { clusterId: "c-dr-eu", backupName: "shop-daily-20260302010000" };

/** The check, its result held to the schema the browser receives. */
const check = (facts: PreflightFacts, o: Partial<RestoreInput> = {}): PreflightResult =>
  preflightResult.parse(preflight(facts, anInput(o), META));

const ids = (r: PreflightResult) => r.findings.map((f) => f.id);
const findingOf = (r: PreflightResult, id: string) => {
  const f = r.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no finding ${id} among ${ids(r).join(", ") || "none"}`);
  return f;
};

const vol = (m: VolumeMethod) => observedVolumes(shopVolumeInfo(m));
const FAST_SSD = { name: "fast-ssd", provisioner: "ebs.csi.aws.com", isDefault: false };
const WITH_CRD = servedByCrd(WIDGET_CRD);

/** dr-eu with everything the shop backup needs: same Kubernetes, the CRD installed, fast-ssd, a node-agent. */
const ready = (o: FactsOptions = {}) =>
  factsFor({
    volumes: vol("moved"),
    ...o,
    target: {
      kubernetes: "v1.31.4",
      served: kubeDiscovery("1.31", WITH_CRD),
      storageClasses: [...TARGET_CLASSES, FAST_SSD],
      ...o.target,
    },
  });

const exclude = (...resources: string[]): PreflightFix => ({ kind: "excludeResources", resources });
const HOUR = 3_600_000;

describe("a backup the target has everything for", () => {
  it("passes, with nothing to say", () => {
    const r = check(ready());
    expect(r).toMatchObject({ verdict: "pass", findings: [], clusterName: "dr-eu", clusterId: "c-dr-eu" });
    expect(r.checkedAt).toEqual(NOW);
  });
});

interface Case {
  name: string;
  facts: PreflightFacts;
  input?: Partial<RestoreInput>;
  id: string;
  severity: "error" | "warning" | "note";
  check: string;
  title?: string | RegExp;
  items?: string[];
  count?: number;
  fix?: PreflightFix | null;
  altFix?: PreflightFix | null;
  /** Other findings the same facts raise. */
  also?: string[];
}

const legacy = (kind: string) => LEGACY_1_18.filter((o) => o.kind === kind);

const CASES: Case[] = [
  // --- the backup ---
  {
    name: "a backup still in progress",
    facts: ready({ backup: { phase: "InProgress" } }),
    id: "backup-phase",
    severity: "error",
    check: "backup",
    title: "The backup is InProgress",
  },
  {
    name: "a backup with no phase yet",
    facts: ready({ backup: { phase: "" } }),
    id: "backup-phase",
    severity: "error",
    check: "backup",
    title: "The backup is New",
  },
  {
    name: "a failed backup",
    facts: ready({ backup: { phase: "Failed" } }),
    id: "backup-phase",
    severity: "error",
    check: "backup",
    title: "The backup is Failed",
  },
  {
    name: "a backup that partly failed",
    facts: ready({ backup: { phase: "PartiallyFailed", errors: 3 } }),
    id: "backup-partial",
    severity: "warning",
    check: "backup",
    title: "The backup partly failed (3 errors)",
  },
  {
    name: "an expired backup",
    facts: ready({ backup: { expiration: new Date(NOW.getTime() - HOUR) } }),
    id: "backup-expired",
    severity: "error",
    check: "backup",
  },
  {
    name: "a backup expiring within the day",
    facts: ready({ backup: { expiration: new Date(NOW.getTime() + 5.5 * HOUR) } }),
    id: "backup-expiring",
    severity: "warning",
    check: "backup",
    title: "The backup expires in 5 hours",
  },
  {
    name: "a backup expiring within the hour",
    facts: ready({ backup: { expiration: new Date(NOW.getTime() + 0.3 * HOUR) } }),
    id: "backup-expiring",
    severity: "warning",
    check: "backup",
    title: "The backup expires in less than an hour",
  },
  {
    name: "a backup the target's Velero has not synced",
    facts: ready({ target: { seesBackup: false } }),
    id: "backup-not-seen",
    severity: "error",
    check: "backup",
    title: "dr-eu's Velero does not see this backup",
  },
  {
    name: "contents that could not be read",
    facts: ready({
      backup: { contents: null, contentsError: "The DownloadRequest for the backup's contents expired" },
    }),
    id: "contents-unread",
    severity: "warning",
    check: "backup",
  },
  {
    name: "contents larger than Lifeboat reads",
    facts: ready({ backup: { contents: contentsOf(SHOP, { truncated: true }) } }),
    id: "contents-truncated",
    severity: "note",
    check: "backup",
  },
  // --- Kubernetes versions ---
  {
    name: "a backup that does not record its cluster's version",
    facts: ready({ backup: { sourceKubernetes: null } }),
    id: "version-unknown",
    severity: "note",
    check: "version",
  },
  {
    name: "a target whose version is not known yet",
    facts: ready({ target: { kubernetes: null } }),
    id: "version-unknown",
    severity: "note",
    check: "version",
  },
  {
    name: "an older minor on the target (v1.31.4 into v1.30.8)",
    facts: ready({ target: { kubernetes: "v1.30.8" } }),
    id: "version-downgrade",
    severity: "warning",
    check: "version",
    title: "Restoring from Kubernetes v1.31.4 into an older v1.30.8",
    fix: null,
  },
  {
    name: "an older patch release on the target",
    facts: ready({ target: { kubernetes: "v1.31.2+k3s1" } }),
    id: "version-patch-older",
    severity: "note",
    check: "version",
  },
  // --- APIs and CRDs ---
  {
    name: "a discovery that could not be read",
    facts: ready({ target: { served: null, servedError: "the server is currently unable to handle the request" } }),
    id: "apis-unread",
    severity: "warning",
    check: "apis",
  },
  {
    name: "a version the target no longer serves (networking.k8s.io/v1beta1 Ingress from a 1.18 cluster)",
    facts: ready({ objects: [...SHOP, ...GUESTBOOK, ...legacy("Ingress")] }),
    id: "api-version:ingresses.networking.k8s.io:networking.k8s.io/v1beta1",
    severity: "error",
    check: "apis",
    title: "dr-eu does not serve networking.k8s.io/v1beta1 Ingress",
    items: ["guestbook/frontend"],
    fix: exclude("ingresses.networking.k8s.io"),
  },
  {
    name: "a cluster-scoped kind at an unserved version (networking.k8s.io/v1beta1 IngressClass)",
    facts: ready({ objects: [...SHOP, ...legacy("IngressClass")] }),
    input: { includeClusterResources: true },
    id: "api-version:ingressclasses.networking.k8s.io:networking.k8s.io/v1beta1",
    severity: "error",
    check: "apis",
    items: ["nginx"],
    fix: exclude("ingressclasses.networking.k8s.io"),
  },
  {
    name: "a kind the target serves at no version (policy/v1beta1 PodSecurityPolicy, gone in 1.25)",
    facts: ready({ objects: [...SHOP, ...legacy("PodSecurityPolicy")] }),
    input: { includeClusterResources: true },
    id: "api-missing:podsecuritypolicies.policy",
    severity: "error",
    check: "apis",
    items: ["restricted"],
    fix: exclude("podsecuritypolicies.policy"),
  },
  {
    name: "custom resources whose CRD neither the target nor the backup has",
    facts: ready({ objects: SHOP_WITHOUT_CRD, target: { served: kubeDiscovery("1.31") } }),
    id: "crd-missing:widgets.shop.example.io",
    severity: "error",
    check: "crds",
    title: "dr-eu has no CustomResourceDefinition widgets.shop.example.io",
    items: ["shop/blue-widget", "shop/red-widget"],
    count: 2,
    fix: exclude("widgets.shop.example.io"),
  },
  {
    name: "custom resources whose CRD is in the backup but left out (cluster-scoped resources on auto)",
    facts: ready({ target: { served: kubeDiscovery("1.31") } }),
    id: "crd-not-restored:widgets.shop.example.io",
    severity: "error",
    check: "crds",
    items: ["shop/blue-widget", "shop/red-widget"],
    fix: { kind: "includeClusterResources" },
    altFix: exclude("widgets.shop.example.io"),
  },
  {
    name: "custom resources whose CRD is in the backup but switched off (cluster-scoped resources false)",
    facts: ready({ target: { served: kubeDiscovery("1.31") } }),
    input: { includeClusterResources: false },
    id: "crd-not-restored:widgets.shop.example.io",
    severity: "error",
    check: "crds",
    fix: { kind: "includeClusterResources" },
  },
  // --- storage classes ---
  {
    name: "a storage class the target lacks: mapped to its default class",
    facts: ready({ target: { storageClasses: TARGET_CLASSES } }),
    id: "storage-class-missing:fast-ssd",
    severity: "error",
    check: "storageClasses",
    title: "dr-eu has no storage class fast-ssd",
    // Its volume (moved CSI data) is re-provisioned for the claim, not restored: only the claim names the class.
    items: ["claim shop/data"],
    fix: { kind: "mapStorageClass", from: "fast-ssd", to: "gp3" },
  },
  {
    name: "a storage class the target lacks, with one class and no default: mapped to that one",
    facts: ready({
      target: { storageClasses: [{ name: "standard", provisioner: "rancher.io/local-path", isDefault: false }] },
    }),
    id: "storage-class-missing:fast-ssd",
    severity: "error",
    check: "storageClasses",
    fix: { kind: "mapStorageClass", from: "fast-ssd", to: "standard" },
  },
  {
    name: "a storage class the target lacks, with several classes and no default: no fix to guess",
    facts: ready({ target: { storageClasses: TARGET_CLASSES.map((c) => ({ ...c, isDefault: false })) } }),
    id: "storage-class-missing:fast-ssd",
    severity: "error",
    check: "storageClasses",
    fix: null,
  },
  {
    name: "a storage class the target lacks, on a target without any",
    facts: ready({ target: { storageClasses: [] } }),
    id: "storage-class-missing:fast-ssd",
    severity: "error",
    check: "storageClasses",
    fix: null,
  },
  {
    name: "a mapping to a class the target does not have",
    facts: ready({ target: { storageClasses: TARGET_CLASSES } }),
    input: { storageClassMapping: { "fast-ssd": "premium-rwo" } },
    id: "storage-class-map-missing:fast-ssd",
    severity: "error",
    check: "storageClasses",
    title: "The mapping sends fast-ssd to premium-rwo, which dr-eu does not have",
    fix: { kind: "mapStorageClass", from: "fast-ssd", to: "gp3" },
  },
  {
    name: "storage classes that could not be read",
    facts: ready({ target: { storageClasses: null } }),
    id: "storage-classes-unread",
    severity: "warning",
    check: "storageClasses",
  },
  // --- volume data ---
  {
    name: "moved volume data on a target without node-agent",
    facts: ready({ target: { nodeAgent: false } }),
    id: "volumes-no-node-agent",
    severity: "error",
    check: "volumes",
    items: ["shop/data"],
    fix: { kind: "skipVolumeData" },
  },
  {
    name: "moved volume data on a target whose node-agent is not known",
    facts: ready({ target: { nodeAgent: null } }),
    id: "volumes-node-agent-unknown",
    severity: "note",
    check: "volumes",
    items: ["shop/data"],
    fix: null,
  },
  {
    name: "CSI snapshots without data movement, restored into another cluster",
    facts: ready({ volumes: vol("csi") }),
    id: "volumes-snapshots-elsewhere",
    severity: "warning",
    check: "volumes",
    title: /kept in prod-eu's storage/,
    items: ["shop/data"],
    fix: { kind: "skipVolumeData" },
  },
  {
    name: "native snapshots, restored into another cluster",
    facts: ready({ volumes: vol("native") }),
    id: "volumes-snapshots-elsewhere",
    severity: "warning",
    check: "volumes",
    items: ["shop/data"],
  },
  {
    name: "volume info that could not be read",
    facts: ready({
      volumes: null,
      backup: { volumesError: "The backup has no volume info (made before Velero 1.13)" },
    }),
    id: "volumes-unread",
    severity: "note",
    check: "volumes",
  },
  // --- namespaces ---
  {
    name: "a namespace that exists on the target, existing objects left alone",
    facts: ready({ target: { namespaces: [...SYSTEM_NAMESPACES, "shop"] } }),
    id: "namespaces-exist",
    severity: "note",
    check: "namespaces",
    items: ["shop"],
  },
  {
    name: "a namespace that exists on the target, existing objects updated",
    facts: ready({ target: { namespaces: [...SYSTEM_NAMESPACES, "shop"] } }),
    input: { existingResourcePolicy: "update" },
    id: "namespaces-exist",
    severity: "warning",
    check: "namespaces",
    items: ["shop"],
  },
];

describe("one finding per problem", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const r = check(c.facts, c.input);
    expect(ids(r).sort()).toEqual([c.id, ...(c.also ?? [])].sort());
    const f = findingOf(r, c.id);
    expect(f).toMatchObject({ severity: c.severity, check: c.check });
    if (c.title !== undefined) expect(f.title).toMatch(c.title);
    if (c.items !== undefined) expect(f.items).toEqual(c.items);
    expect(f.count).toBe(c.count ?? f.items.length);
    if (c.fix !== undefined) expect(f.fix).toEqual(c.fix);
    if (c.altFix !== undefined) expect(f.altFix).toEqual(c.altFix);
    expect(f.fixLabel === null).toBe(f.fix === null);
    expect(f.altFixLabel === null).toBe(f.altFix === null);
    expect(r.verdict).toBe(c.severity === "error" ? "errors" : c.severity === "warning" ? "warnings" : "pass");
  });
});

describe("the checks' limits", () => {
  it("compares minors for a downgrade, and says nothing of a newer target", () => {
    for (const kubernetes of ["v1.31.4", "v1.31.9", "v1.32.0", "1.33"])
      expect(ids(check(ready({ target: { kubernetes } })))).toEqual([]);
    expect(
      ids(check(ready({ backup: { sourceKubernetes: "v1.31.4-eks-2d5f260" }, target: { kubernetes: "v1.30.8" } }))),
    ).toEqual(["version-downgrade"]);
  });

  it("without the contents: no API, CRD, class or namespace check and no prediction, the volume check still made", () => {
    const r = check(
      ready({
        backup: { contents: null, contentsError: "x" },
        target: { served: null, storageClasses: null, nodeAgent: false },
      }),
    );
    expect(ids(r)).toEqual(["contents-unread"]);
    expect(r.prediction).toBeNull();
    expect(ids(check(ready({ backup: { contents: null, contentsError: "x" }, volumes: null })))).toEqual([
      "contents-unread",
      "volumes-unread",
    ]);
  });

  it("without the target's discovery: no API or CRD finding", () => {
    const r = check(
      ready({ objects: [...SHOP_WITHOUT_CRD, ...legacy("PodSecurityPolicy")], target: { served: null } }),
      {
        includeClusterResources: true,
      },
    );
    expect(ids(r)).toEqual(["apis-unread"]);
  });

  it("without the target's discovery there is no prediction, rather than one that says Velero would drop what it could not check", () => {
    const facts = ready({ target: { served: null } });
    const r = check(facts);
    expect(r.prediction).toBeNull();
    expect(ids(r)).toContain("apis-unread");
  });

  it("a CRD restored with the custom resources: no finding, the CRD and its resources created first", () => {
    const facts = ready({ target: { served: kubeDiscovery("1.31") } });
    const input = { includeClusterResources: true };
    const r = check(withExisting(facts, input), input);
    expect(ids(r)).toEqual([]);
    expect(rowsOf(r)).toContain("- CustomResourceDefinition apiextensions.k8s.io/v1: create 1");
    expect(rowsOf(r)).toContain("shop Widget shop.example.io/v1: create 2");
  });

  it("an unserved version inside the CRD a restore brings still fails", () => {
    const oldWidget: KubeObject = {
      apiVersion: "shop.example.io/v1beta1",
      kind: "Widget",
      metadata: { name: "green-widget", namespace: "shop" },
      spec: { color: "green" },
    };
    const r = check(ready({ objects: [...SHOP, oldWidget], target: { served: kubeDiscovery("1.31") } }), {
      includeClusterResources: true,
    });
    expect(findingOf(r, "api-version:widgets.shop.example.io:shop.example.io/v1beta1")).toMatchObject({
      severity: "error",
      items: ["shop/green-widget"],
    });
  });

  it("API findings cover only what is restored", () => {
    const facts = ready({ objects: [...SHOP, ...GUESTBOOK, ...LEGACY_1_18] });
    expect(ids(check(facts, { scope: { kind: "namespaces", include: ["shop"] } }))).toEqual([]);
    expect(ids(check(facts, { resources: { exclude: ["ingresses.networking.k8s.io"] } }))).toEqual([]);
    // The cluster-scoped PodSecurityPolicy and IngressClass only when cluster-scoped resources are restored.
    expect(ids(check(facts)).sort()).toEqual(["api-version:ingresses.networking.k8s.io:networking.k8s.io/v1beta1"]);
    expect(ids(check(facts, { includeClusterResources: true })).sort()).toEqual([
      "api-missing:podsecuritypolicies.policy",
      "api-version:ingressclasses.networking.k8s.io:networking.k8s.io/v1beta1",
      "api-version:ingresses.networking.k8s.io:networking.k8s.io/v1beta1",
    ]);
  });

  it("storage classes: only those of restored claims, volumes and StatefulSet templates, after the mapping", () => {
    const noFast = { target: { storageClasses: TARGET_CLASSES } };
    expect(ids(check(ready(noFast), { scope: { kind: "namespaces", include: ["guestbook"] } }))).toEqual([]);
    expect(ids(check(ready(noFast), { storageClassMapping: { "fast-ssd": "gp3" } }))).toEqual([]);
    expect(ids(check(ready(noFast), { resources: { exclude: ["persistentvolumeclaims"] } }))).toEqual([]);
    // The claim alone when its volume stays out.
    expect(
      findingOf(check(ready(noFast), { includeClusterResources: false }), "storage-class-missing:fast-ssd").items,
    ).toEqual(["claim shop/data"]);
    const sts: KubeObject = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "cassandra", namespace: "shop", labels: { app: "cassandra" } },
      spec: {
        serviceName: "cassandra",
        replicas: 3,
        selector: { matchLabels: { app: "cassandra" } },
        volumeClaimTemplates: [
          {
            metadata: { name: "cassandra-data" },
            spec: {
              accessModes: ["ReadWriteOnce"],
              storageClassName: "fast",
              resources: { requests: { storage: "1Gi" } },
            },
          },
        ],
      },
    };
    expect(findingOf(check(ready({ objects: [...SHOP, sts] })), "storage-class-missing:fast").items).toEqual([
      "StatefulSet shop/cassandra",
    ]);
  });

  it("platform objects from another cluster: only when cluster-scoped resources are restored, and not into their own cluster", () => {
    const facts = ready({ objects: [...SHOP, ...PLATFORM] });
    const r = check(facts, { includeClusterResources: true });
    expect(ids(r)).toEqual([
      "foreign:validatingwebhookconfigurations.admissionregistration.k8s.io",
      "foreign:apiservices.apiregistration.k8s.io",
      "foreign:csidrivers.storage.k8s.io",
    ]);
    expect(findingOf(r, "foreign:apiservices.apiregistration.k8s.io")).toMatchObject({
      severity: "warning",
      check: "clusterScoped",
      title: "1 API service from prod-eu",
      items: ["v1beta1.metrics.k8s.io"],
      fix: exclude("apiservices.apiregistration.k8s.io"),
    });
    expect(findingOf(r, "foreign:csidrivers.storage.k8s.io").fix).toEqual(exclude("csidrivers.storage.k8s.io"));
    expect(ids(check(facts))).toEqual([]);
    expect(ids(check(facts, { includeClusterResources: false }))).toEqual([]);
    expect(
      ids(
        check(ready({ objects: [...SHOP, ...PLATFORM], backup: { sameCluster: true } }), {
          includeClusterResources: true,
        }),
      ),
    ).toEqual([]);
  });

  it("volumes: only those of restored namespaces that were backed up, and only when volume data is restored", () => {
    const noAgent = (volumes: ReturnType<typeof vol>) => ready({ volumes, target: { nodeAgent: false } });
    expect(ids(check(noAgent(vol("moved")), { scope: { kind: "namespaces", include: ["guestbook"] } }))).toEqual([]);
    expect(ids(check(noAgent(vol("skipped"))))).toEqual([]);
    const failed = observedVolumes(shopVolumeInfo("moved").map((v) => ({ ...v, result: "failed" })));
    expect(ids(check(noAgent(failed)))).toEqual([]);
    // CSI snapshots (without movement) and native snapshots need no node-agent.
    expect(ids(check(noAgent(vol("csi"))))).toEqual(["volumes-snapshots-elsewhere"]);
    expect(ids(check(noAgent(vol("moved")), { restorePVs: false }))).toEqual([]);
    expect(ids(check(ready({ volumes: vol("csi") }), { restorePVs: false }))).toEqual([]);
    // Snapshots restore where they were taken.
    expect(ids(check(ready({ volumes: vol("csi"), backup: { sameCluster: true } })))).toEqual([]);
    expect(ids(check(ready({ volumes: vol("native"), backup: { sameCluster: true } })))).toEqual([]);
  });

  it("file-system backups need the node-agent even without volume data: Velero restores pod volumes whatever restorePVs says", () => {
    // pkg/restore/restore.go restoreItem creates the PodVolumeRestores of a restored pod when the restore includes
    // persistentvolumeclaims and persistentvolumes ("Do not create podvolumerestore when current restore excludes
    // pv/pvc"), and the pod-volume-restore action adds its restore-wait init container, neither looking at
    // spec.restorePVs: without a node-agent the restored pod waits in its init container.
    const facts = ready({ volumes: vol("fsb"), target: { nodeAgent: false } });
    const first = findingOf(check(facts), "volumes-no-node-agent");
    expect(first.items).toEqual(["shop/data"]);
    expect(first.fix).not.toEqual({ kind: "skipVolumeData" });
    expect(findingOf(check(facts, { restorePVs: false }), "volumes-no-node-agent").items).toEqual(["shop/data"]);
    // Leaving the pods out is what stops them: no restored pod, no PodVolumeRestore (their controllers recreate the
    // pods; the claims get new, empty volumes since their PVs are re-provisioned).
    expect(first.fix).toEqual({ kind: "excludeResources", resources: ["pods"] });
    expect(ids(check(facts, { resources: { exclude: ["pods"] } }))).not.toContain("volumes-no-node-agent");
  });

  it("a fix that would leave the restore's only included resource out is not offered (none included means all)", () => {
    const facts = ready({ target: { served: kubeDiscovery("1.31") } });
    const only = findingOf(
      check(facts, { resources: { include: ["widgets.shop.example.io"] } }),
      "crd-not-restored:widgets.shop.example.io",
    );
    expect(only.altFix).toBeNull();
    const more = findingOf(
      check(facts, { resources: { include: ["widgets.shop.example.io", "deployments"] } }),
      "crd-not-restored:widgets.shop.example.io",
    );
    expect(more.altFix).toEqual({ kind: "excludeResources", resources: ["widgets.shop.example.io"] });
  });

  it("existing namespaces: the restored ones only, after the mapping", () => {
    const facts = ready({ target: { namespaces: [...SYSTEM_NAMESPACES, "shop", "guestbook"] } });
    expect(findingOf(check(facts), "namespaces-exist")).toMatchObject({ items: ["shop"], count: 1 });
    expect(ids(check(facts, { namespaceMapping: { shop: "shop-dr" } }))).toEqual([]);
    expect(findingOf(check(facts, { namespaceMapping: { shop: "guestbook" } }), "namespaces-exist").items).toEqual([
      "guestbook",
    ]);
  });
});

describe("the verdict and the order", () => {
  it.each<[string, PreflightResult["verdict"], FactsOptions]>([
    ["nothing to say", "pass", {}],
    ["notes only", "pass", { target: { namespaces: [...SYSTEM_NAMESPACES, "shop"], nodeAgent: null } }],
    ["a warning", "warnings", { target: { kubernetes: "v1.30.8" } }],
    ["an error among warnings", "errors", { target: { kubernetes: "v1.30.8", storageClasses: TARGET_CLASSES } }],
  ])("%s → %s", (_, verdict, o) => {
    expect(check(ready(o)).verdict).toBe(verdict);
  });

  it("lists the findings worst first, each severity in the order of the checks", () => {
    const r = check(
      ready({
        backup: { contents: contentsOf(SHOP, { truncated: true }) },
        target: {
          kubernetes: "v1.30.8",
          storageClasses: TARGET_CLASSES,
          nodeAgent: null,
          namespaces: [...SYSTEM_NAMESPACES, "shop"],
          served: kubeDiscovery("1.30"),
        },
      }),
    );
    expect(r.findings.map((f) => [f.severity, f.id])).toEqual([
      ["error", "crd-not-restored:widgets.shop.example.io"],
      ["error", "storage-class-missing:fast-ssd"],
      ["warning", "version-downgrade"],
      ["note", "contents-truncated"],
      ["note", "volumes-node-agent-unknown"],
      ["note", "namespaces-exist"],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The prediction
// ---------------------------------------------------------------------------------------------------------------

/** The facts with the target's objects read for the prediction, as the service reads them (existingQueries). */
function withExisting(
  facts: PreflightFacts,
  o: Partial<RestoreInput> = {},
  onTarget: KubeObject[] = [],
): PreflightFacts {
  // The target's namespaces are those it holds (as the service reads both from the same cluster).
  const namespaces = onTarget.filter((t) => t.kind === "Namespace").map((t) => t.metadata.name);
  const target = { ...facts.target, namespaces: [...(facts.target.namespaces ?? []), ...namespaces] };
  return { ...facts, target, existing: existingOn({ ...facts, target }, anInput(o), onTarget) };
}

const OUTCOMES = ["create", "skip", "update", "fail", "dropped"] as const;
const rowText = (r: PredictionRow) =>
  `${r.namespace ?? "-"} ${r.kind} ${r.groupVersion}: ${OUTCOMES.filter((k) => r[k] > 0)
    .map((k) => `${k} ${r[k]}`)
    .join(", ")}`;

/** The rows as text, after checking that the totals add them up. */
function rowsOf(r: PreflightResult): string[] {
  const p = r.prediction!;
  for (const k of OUTCOMES) expect(p.total[k]).toBe(p.rows.reduce((n, row) => n + row[k], 0));
  return p.rows.map(rowText);
}

const predict = (facts: PreflightFacts, o: Partial<RestoreInput> = {}, onTarget: KubeObject[] = []) =>
  check(withExisting(facts, o, onTarget), o);

const onTarget = (kind: string, name: string, namespace?: string, apiVersion = "v1"): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});
const SHOP_ON_TARGET = [
  onTarget("Namespace", "shop"),
  onTarget("Service", "web", "shop"),
  onTarget("ConfigMap", "shop-config", "shop"),
  onTarget("ServiceAccount", "shop-web", "shop"),
];

describe("the prediction", () => {
  it("creates everything on a target that has none of it; the CSI volume is re-provisioned for its claim", () => {
    const r = predict(ready());
    expect(rowsOf(r)).toEqual([
      "- PersistentVolume v1: skip 1",
      "shop ConfigMap v1: create 1",
      "shop Deployment apps/v1: create 1",
      "shop Ingress networking.k8s.io/v1: create 1",
      "shop Namespace v1: create 1",
      "shop PersistentVolumeClaim v1: create 1",
      "shop Pod v1: create 1",
      "shop PodDisruptionBudget policy/v1: create 1",
      "shop ReplicaSet apps/v1: create 1",
      "shop Service v1: create 1",
      "shop ServiceAccount v1: create 1",
      "shop Widget shop.example.io/v1: create 2",
    ]);
    expect(r.prediction!.total).toEqual({ create: 12, skip: 1, update: 0, fail: 0, dropped: 0 });
    expect(r.prediction!.caveats).toEqual([]);
    expect(r.prediction!.rows.every((row) => row.unknownExisting === null)).toBe(true);
  });

  it("skips what exists (policy none), except ServiceAccounts, which Velero merges; an existing namespace is not counted", () => {
    const rows = rowsOf(predict(ready(), {}, SHOP_ON_TARGET));
    // Velero uses a namespace that exists as it is and records nothing for it (EnsureNamespaceExistsAndIsReady).
    expect(rows.filter((r) => r.includes("Namespace"))).toEqual([]);
    expect(rows).toEqual(
      expect.arrayContaining([
        "shop Service v1: skip 1",
        // Never listed (a list returns their data): counted as created, with a caveat.
        "shop ConfigMap v1: create 1",
        "shop ServiceAccount v1: update 1",
        "shop Deployment apps/v1: create 1",
      ]),
    );
  });

  it("updates what exists with policy update, but never a namespace", () => {
    const rows = rowsOf(predict(ready(), { existingResourcePolicy: "update" }, SHOP_ON_TARGET));
    expect(rows.filter((r) => r.includes("Namespace"))).toEqual([]);
    expect(rows).toEqual(
      expect.arrayContaining([
        "shop Service v1: update 1",
        "shop ConfigMap v1: create 1",
        "shop ServiceAccount v1: update 1",
        "shop Deployment apps/v1: create 1",
      ]),
    );
  });

  it("compares with the namespace restored into, after the mapping", () => {
    const r = predict(ready(), { namespaceMapping: { shop: "shop-dr" } }, SHOP_ON_TARGET);
    expect(r.prediction!.total).toMatchObject({ create: 12, skip: 1, update: 0 });
    expect(new Set(r.prediction!.rows.map((row) => row.namespace))).toEqual(new Set([null, "shop-dr"]));
  });

  it("fails the objects stored at a version the target does not serve", () => {
    const r = predict(ready({ objects: [...GUESTBOOK, ...legacy("Ingress")] }));
    expect(rowsOf(r)).toContain("guestbook Ingress networking.k8s.io/v1beta1: fail 1");
    expect(r.prediction!.total.fail).toBe(1);
  });

  it("drops the kinds the target does not serve at all, and custom resources whose CRD stays out", () => {
    expect(rowsOf(predict(ready({ objects: SHOP_WITHOUT_CRD, target: { served: kubeDiscovery("1.31") } })))).toContain(
      "shop Widget shop.example.io/v1: dropped 2",
    );
    expect(rowsOf(predict(ready({ target: { served: kubeDiscovery("1.31") } })))).toContain(
      "shop Widget shop.example.io/v1: dropped 2",
    );
    expect(
      rowsOf(predict(ready({ objects: [...SHOP, ...legacy("PodSecurityPolicy")] }), { includeClusterResources: true })),
    ).toContain("- PodSecurityPolicy policy/v1beta1: dropped 1");
  });

  it("fails the claims whose class is mapped to one the target does not have", () => {
    const r = predict(ready({ target: { storageClasses: TARGET_CLASSES } }), {
      storageClassMapping: { "fast-ssd": "premium-rwo" },
    });
    expect(rowsOf(r)).toContain("shop PersistentVolumeClaim v1: fail 1");
  });

  it.each<[string, KubeObject[], VolumeMethod | null, boolean, string]>([
    ["moved CSI data: re-provisioned for its claim, filled by a DataDownload", SHOP, "moved", true, "skip"],
    ["a CSI snapshot: re-provisioned from the snapshot", SHOP, "csi", true, "skip"],
    ["a file-system backup: re-provisioned, then filled by the node-agent", SHOP, "fsb", true, "skip"],
    ["data not backed up, reclaim policy Delete: re-provisioned", SHOP, "skipped", true, "skip"],
    ["moved CSI data restored without volume data: re-provisioned empty", SHOP, "moved", false, "skip"],
    ["a native snapshot: the volume is created from the snapshot", SHOP, "native", true, "create"],
    ["a static hostPath volume (Retain), no data backed up: restored as it was", MODEL_SERVING, null, true, "create"],
    ["the same without volume data: still restored as it was", MODEL_SERVING, null, false, "create"],
  ])("a PersistentVolume: %s", (_, objects, method, restorePVs, outcome) => {
    const facts = ready({ objects, volumes: method ? vol(method) : [] });
    const pv = predict(facts, { restorePVs }).prediction!.rows.find((row) => row.kind === "PersistentVolume")!;
    expect(rowText(pv)).toBe(`- PersistentVolume v1: ${outcome} 1`);
  });

  it("counts as created, with a caveat, what it could not read of the target", () => {
    const facts = withExisting(ready(), {}, SHOP_ON_TARGET);
    const existing = new Map(facts.existing);
    existing.set(existingKey("services", "shop"), { error: 'services is forbidden: cannot list resource "services"' });
    const r = check({ ...facts, existing });
    const row = r.prediction!.rows.find((x) => x.kind === "Service")!;
    expect(row).toMatchObject({
      create: 1,
      skip: 0,
      unknownExisting: 'services is forbidden: cannot list resource "services"',
    });
    expect(r.prediction!.caveats).toEqual([
      expect.stringContaining("ConfigMap on dr-eu could not be read (Lifeboat does not list them"),
      expect.stringContaining("Service on dr-eu could not be read"),
    ]);
    // Nothing read at all, into a namespace the target holds: every namespaced kind is a caveat. Into one it does
    // not hold, nothing needs reading.
    const held = ready({ target: { namespaces: ["shop"] } });
    const unread = check(held);
    // (The Namespace row is known from the target's namespaces; dropped kinds need no reading.)
    const read = unread.prediction!.rows.filter((x) => x.namespace === "shop" && x.kind !== "Namespace" && !x.dropped);
    expect(read.length).toBeGreaterThan(0);
    expect(read.every((x) => x.unknownExisting !== null)).toBe(true);
    expect(check(ready({ target: { namespaces: [] } })).prediction!.caveats).toEqual([]);
  });

  it("says when it covers only part of the backup", () => {
    const r = predict(ready({ backup: { contents: contentsOf(SHOP, { truncated: true }) } }));
    expect(r.prediction!.caveats).toContain("The backup holds more objects than Lifeboat reads: counts are partial");
  });
});

describe("existingQueries", () => {
  it("asks, per kind the target serves and namespace restored into, for the names there, at the target's version", () => {
    const facts = ready({
      objects: [...SHOP, ...GUESTBOOK, ...legacy("Ingress")],
      target: { served: kubeDiscovery("1.31") },
    });
    const qs = existingQueries(facts, anInput({ namespaceMapping: { shop: "shop-dr" } }));
    expect(qs).toEqual(
      expect.arrayContaining([
        {
          resource: "deployments.apps",
          groupVersion: "apps/v1",
          plural: "deployments",
          namespaced: true,
          namespace: "shop-dr",
        },
        {
          resource: "deployments.apps",
          groupVersion: "apps/v1",
          plural: "deployments",
          namespaced: true,
          namespace: "guestbook",
        },
        { resource: "namespaces", groupVersion: "v1", plural: "namespaces", namespaced: false, namespace: null },
        {
          resource: "persistentvolumes",
          groupVersion: "v1",
          plural: "persistentvolumes",
          namespaced: false,
          namespace: null,
        },
        {
          resource: "ingresses.networking.k8s.io",
          groupVersion: "networking.k8s.io/v1",
          plural: "ingresses",
          namespaced: true,
          namespace: "shop-dr",
        },
      ]),
    );
    // One query per resource and namespace; none for what is not served (the widgets' CRD is missing) or not at the
    // backup's version (the guestbook's v1beta1 Ingress fails whatever exists).
    const keys = qs.map((q) => existingKey(q.resource, q.namespace));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).not.toContain(existingKey("widgets.shop.example.io", "shop-dr"));
    expect(keys).not.toContain(existingKey("ingresses.networking.k8s.io", "guestbook"));
    expect(keys).not.toContain(existingKey("deployments.apps", "shop"));
  });

  it("asks for the custom resources at the version the target serves", () => {
    const qs = existingQueries(ready(), anInput());
    expect(qs).toContainEqual({
      resource: "widgets.shop.example.io",
      groupVersion: "shop.example.io/v1",
      plural: "widgets",
      namespaced: true,
      namespace: "shop",
    });
  });

  it("asks nothing without the contents or the discovery", () => {
    expect(existingQueries(ready({ backup: { contents: null } }), anInput())).toEqual([]);
    expect(existingQueries(ready({ target: { served: null } }), anInput())).toEqual([]);
  });
});
