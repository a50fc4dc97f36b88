import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import type { BackupInput, LabelSelectorInput } from "../schemas/protection";
import {
  buildBackup,
  buildSchedule,
  CLUSTER_LABEL,
  CREATED_BY_ANNOTATION,
  excludeSelectors,
  PROTECTED_NAMESPACES,
  scopeNotes,
  SpecError,
  toYaml,
  volumeNotes,
  type BackupSpec,
  type LabelSelector,
} from "./backup-spec";

// --- builders --------------------------------------------------------------------------------------------------

type Input = Omit<BackupInput, "scope"> & { scope: unknown };

/** A valid backup input: whole cluster, opt-in FSB, CSI snapshots with data movement, 30 days in "default". */
function anInput(overrides: Partial<Input> = {}): Input {
  return {
    scope: { kind: "cluster" },
    volumes: { fsBackup: "optIn", csiSnapshots: true, dataMovement: true },
    location: "default",
    ttl: { value: 30, unit: "days" },
    ...overrides,
  };
}

const backup = (overrides: Partial<Input> = {}, extra: Partial<Parameters<typeof buildBackup>[0]> = {}) =>
  buildBackup({ name: "prod-backup-20240501102030", input: anInput(overrides), cluster: { name: "prod" }, ...extra });

const specOf = (overrides: Partial<Input> = {}) => backup(overrides).spec;

/** The SpecError a build throws, as "path: message" lines. */
function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error("expected a SpecError");
}

/** Kubernetes label-selector semantics, to check translations by evaluation rather than by shape. */
function matches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok =
      e.operator === "In"
        ? has && e.values!.includes(labels[e.key])
        : e.operator === "NotIn"
          ? !has || !e.values!.includes(labels[e.key])
          : e.operator === "Exists"
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}
const selects = (spec: Pick<BackupSpec, "labelSelector" | "orLabelSelectors">, labels: Record<string, string>) =>
  spec.orLabelSelectors
    ? spec.orLabelSelectors.some((s) => matches(s, labels))
    : spec.labelSelector
      ? matches(spec.labelSelector, labels)
      : true;

/** Every label set over a few keys and values (including absent keys). */
function labelSets(): Record<string, string>[] {
  const out: Record<string, string>[] = [{}];
  for (const key of ["app", "tier", "env"]) {
    const next: Record<string, string>[] = [];
    for (const l of out)
      for (const v of [undefined, "web", "db", "prod"]) next.push(v === undefined ? l : { ...l, [key]: v });
    out.splice(0, out.length, ...next);
  }
  return out;
}

const PROTECTED = [...PROTECTED_NAMESPACES];

// --- scope → spec --------------------------------------------------------------------------------------------

describe("scope → Backup spec", () => {
  it.each<[string, unknown, Partial<BackupSpec>]>([
    ["whole cluster", { kind: "cluster" }, { excludedNamespaces: PROTECTED, includeClusterResources: true }],
    [
      "namespaces",
      { kind: "namespaces", include: ["shop", "db"] },
      { includedNamespaces: ["shop", "db"], excludedNamespaces: PROTECTED },
    ],
    [
      "namespace globs",
      { kind: "namespaces", include: ["app-*", "ns[0-9]", "team?"] },
      { includedNamespaces: ["app-*", "ns[0-9]", "team?"], excludedNamespaces: PROTECTED },
    ],
    [
      "namespaces, duplicates dropped",
      { kind: "namespaces", include: ["shop", " shop ", "db"] },
      { includedNamespaces: ["shop", "db"] },
    ],
    [
      "all but some namespaces",
      { kind: "excludeNamespaces", exclude: ["test-*", "scratch"] },
      { excludedNamespaces: [...PROTECTED, "test-*", "scratch"] },
    ],
    [
      "excluding a protected namespace again",
      { kind: "excludeNamespaces", exclude: ["kube-system", "dev"] },
      { excludedNamespaces: [...PROTECTED, "dev"] },
    ],
    [
      "one include selector",
      {
        kind: "labels",
        mode: "include",
        selectors: [
          { matchLabels: { app: "shop" }, matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }] },
        ],
      },
      {
        labelSelector: {
          matchLabels: { app: "shop" },
          matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }],
        },
        includeClusterResources: true,
        excludedNamespaces: PROTECTED,
      },
    ],
    [
      "several include selectors (ORed)",
      {
        kind: "labels",
        mode: "include",
        selectors: [{ matchLabels: { app: "shop" } }, { matchExpressions: [{ key: "backup", operator: "Exists" }] }],
      },
      {
        orLabelSelectors: [
          { matchLabels: { app: "shop" } },
          { matchExpressions: [{ key: "backup", operator: "Exists" }] },
        ],
      },
    ],
    [
      "one exclude selector with one label",
      { kind: "labels", mode: "exclude", selectors: [{ matchLabels: { "backup.example.com/skip": "true" } }] },
      {
        labelSelector: { matchExpressions: [{ key: "backup.example.com/skip", operator: "NotIn", values: ["true"] }] },
      },
    ],
    [
      "one exclude selector with Exists",
      {
        kind: "labels",
        mode: "exclude",
        selectors: [{ matchExpressions: [{ key: "ephemeral", operator: "Exists" }] }],
      },
      { labelSelector: { matchExpressions: [{ key: "ephemeral", operator: "DoesNotExist" }] } },
    ],
    [
      "one exclude selector with several requirements (De Morgan: OR of negations)",
      {
        kind: "labels",
        mode: "exclude",
        selectors: [
          { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] },
        ],
      },
      {
        orLabelSelectors: [
          { matchExpressions: [{ key: "app", operator: "NotIn", values: ["web"] }] },
          { matchExpressions: [{ key: "tier", operator: "In", values: ["db"] }] },
        ],
      },
    ],
    [
      "several single-requirement exclude selectors (AND of negations)",
      {
        kind: "labels",
        mode: "exclude",
        selectors: [{ matchLabels: { app: "web" } }, { matchExpressions: [{ key: "env", operator: "DoesNotExist" }] }],
      },
      {
        labelSelector: {
          matchExpressions: [
            { key: "app", operator: "NotIn", values: ["web"] },
            { key: "env", operator: "Exists" },
          ],
        },
      },
    ],
  ])("%s", (_, scope, expected) => {
    const spec = specOf({ scope });
    expect(spec).toMatchObject(expected);
    expect(spec.labelSelector && spec.orLabelSelectors).toBeFalsy(); // Velero refuses both
  });

  it('never writes includedNamespaces: ["*"] (Velero would then ignore glob excludes)', () => {
    for (const scope of [
      { kind: "cluster" },
      { kind: "excludeNamespaces", exclude: ["test-*"] },
      { kind: "labels", mode: "include", selectors: [{ matchLabels: { a: "b" } }] },
    ])
      expect(specOf({ scope }).includedNamespaces).toBeUndefined();
  });

  it.each<[string, unknown]>([
    ["cluster", { kind: "cluster" }],
    ["namespaces", { kind: "namespaces", include: ["shop"] }],
    ["namespace glob that also matches kube-*", { kind: "namespaces", include: ["kube-*"] }],
    ["excludeNamespaces", { kind: "excludeNamespaces", exclude: ["dev"] }],
    ["labels include", { kind: "labels", mode: "include", selectors: [{ matchLabels: { a: "b" } }] }],
    ["labels exclude", { kind: "labels", mode: "exclude", selectors: [{ matchLabels: { a: "b" } }] }],
  ])("always excludes the protected namespaces: %s", (_, scope) => {
    const b = buildBackup({
      name: "b1",
      namespace: "velero-prod",
      input: anInput({ scope }),
      cluster: { name: "prod" },
    });
    expect(b.spec.excludedNamespaces).toEqual(expect.arrayContaining([...PROTECTED_NAMESPACES, "velero-prod"]));
    for (const ns of b.spec.includedNamespaces ?? []) expect(b.spec.excludedNamespaces).not.toContain(ns); // Velero: FailedValidation otherwise
  });

  describe("labels/exclude is the exact complement of the chosen selectors", () => {
    it.each<[string, LabelSelectorInput[]]>([
      ["one label", [{ matchLabels: { app: "web" } }]],
      ["two labels", [{ matchLabels: { app: "web", tier: "db" } }]],
      [
        "labels and expressions",
        [
          {
            matchLabels: { app: "web" },
            matchExpressions: [
              { key: "env", operator: "In", values: ["prod", "db"] },
              { key: "tier", operator: "Exists" },
            ],
          },
        ],
      ],
      [
        "NotIn and DoesNotExist",
        [
          {
            matchExpressions: [
              { key: "app", operator: "NotIn", values: ["web"] },
              { key: "env", operator: "DoesNotExist" },
            ],
          },
        ],
      ],
      [
        "several single ones",
        [
          { matchLabels: { app: "web" } },
          { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db", "web"] }] },
          { matchExpressions: [{ key: "env", operator: "Exists" }] },
        ],
      ],
    ])("%s", (_, selectors) => {
      const translated = excludeSelectors(selectors);
      for (const labels of labelSets()) {
        const excluded = selectors.some((s) => matches(s as LabelSelector, labels));
        expect(selects(translated, labels), JSON.stringify(labels)).toBe(!excluded);
      }
    });
  });

  it("includes are ORed as given", () => {
    const selectors: LabelSelectorInput[] = [
      { matchLabels: { app: "web", tier: "db" } },
      { matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] },
    ];
    const spec = specOf({ scope: { kind: "labels", mode: "include", selectors } });
    for (const labels of labelSets())
      expect(selects(spec, labels)).toBe(selectors.some((s) => matches(s as LabelSelector, labels)));
  });
});

// --- refusals ------------------------------------------------------------------------------------------------

describe("inputs Velero would refuse (or misread) are refused", () => {
  it.each<[string, Partial<Input>, RegExp]>([
    [
      "a protected namespace included",
      { scope: { kind: "namespaces", include: ["shop", "kube-system"] } },
      /input\.scope\.include\.1: "kube-system" is never backed up/,
    ],
    [
      "tkg-system included",
      { scope: { kind: "namespaces", include: ["tkg-system"] } },
      /"tkg-system" is never backed up/,
    ],
    ['"*" as a namespace', { scope: { kind: "namespaces", include: ["*"] } }, /choose the whole-cluster scope/],
    [
      "no namespaces",
      { scope: { kind: "namespaces", include: [] } },
      /input\.scope\.include: Add at least one namespace/,
    ],
    [
      "an invalid namespace",
      { scope: { kind: "namespaces", include: ["Shop_1"] } },
      /"Shop_1": use lowercase letters, digits, '-'/,
    ],
    [
      "a namespace ending in '-'",
      { scope: { kind: "namespaces", include: ["shop-"] } },
      /"shop-" is not a namespace name/,
    ],
    ["a 64-character namespace", { scope: { kind: "namespaces", include: ["n".repeat(64)] } }, /not a namespace name/],
    ['"**"', { scope: { kind: "excludeNamespaces", exclude: ["test-**"] } }, /consecutive asterisks/],
    ["braces", { scope: { kind: "excludeNamespaces", exclude: ["{a,b}"] } }, /the wildcards \* \? \[ \] only/],
    ["negation", { scope: { kind: "excludeNamespaces", exclude: ["!prod"] } }, /wildcards/],
    ["an unclosed bracket", { scope: { kind: "excludeNamespaces", exclude: ["ns[0-9"] } }, /unclosed '\['/],
    ["empty brackets", { scope: { kind: "excludeNamespaces", exclude: ["ns[]"] } }, /empty brackets/],
    ["a stray bracket", { scope: { kind: "excludeNamespaces", exclude: ["ns]"] } }, /unmatched '\]'/],
    ["a pattern no namespace can match", { scope: { kind: "excludeNamespaces", exclude: ["-*"] } }, /can never match/],
    ['"*" excluded', { scope: { kind: "excludeNamespaces", exclude: ["*"] } }, /exclude every namespace/],
    ["an unknown scope", { scope: { kind: "everything" } }, /input\.scope/],
    [
      "an empty selector",
      { scope: { kind: "labels", mode: "include", selectors: [{}] } },
      /empty selector matches everything/,
    ],
    [
      "In without values",
      {
        scope: {
          kind: "labels",
          mode: "include",
          selectors: [{ matchExpressions: [{ key: "a", operator: "In", values: [] }] }],
        },
      },
      /In needs at least one value/,
    ],
    [
      "Exists with values",
      {
        scope: {
          kind: "labels",
          mode: "include",
          selectors: [{ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }],
        },
      },
      /Exists takes no values/,
    ],
    [
      "a bad label key",
      { scope: { kind: "labels", mode: "include", selectors: [{ matchLabels: { "-app": "x" } }] } },
      /"-app": the name must be/,
    ],
    [
      "a bad label value",
      { scope: { kind: "labels", mode: "include", selectors: [{ matchLabels: { app: "not ok" } }] } },
      /At most 63 letters/,
    ],
    [
      "several exclude selectors, one with two labels",
      {
        scope: {
          kind: "labels",
          mode: "exclude",
          selectors: [{ matchLabels: { app: "web", tier: "db" } }, { matchLabels: { env: "dev" } }],
        },
      },
      /Velero can't express this exclusion: .*AND of ORs/,
    ],
    [
      "data movement without CSI snapshots",
      { volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: true } },
      /input\.volumes\.dataMovement: Data movement uploads CSI snapshots/,
    ],
    [
      "an unknown FSB mode",
      { volumes: { fsBackup: "always", csiSnapshots: true, dataMovement: false } as never },
      /input\.volumes\.fsBackup/,
    ],
    ["a resource in the wrong form", { resources: { include: ["Deployments.apps"] } }, /resource\.group/],
    ['"*" with other resources', { resources: { include: ["*", "pods"] } }, /must be the only entry/],
    ['"*" excluded as a resource', { resources: { exclude: ["*"] } }, /leaves nothing/],
    [
      "a resource both included and excluded",
      { resources: { include: ["pods", "secrets"], exclude: ["secrets"] } },
      /"secrets" is both included and excluded/,
    ],
    ["a TTL of 0", { ttl: { value: 0, unit: "days" } }, /input\.ttl\.value: At least 1/],
    ["a fractional TTL", { ttl: { value: 1.5, unit: "hours" } }, /whole number/i],
    ["a TTL Go can't hold", { ttl: { value: 200_000, unit: "days" } }, /Longer than Velero can store/],
    ["a TTL in weeks", { ttl: { value: 1, unit: "weeks" } as never }, /input\.ttl\.unit/],
    ["no location", { location: "" }, /input\.location: Enter a name/],
    ["an invalid location", { location: "My Location" }, /input\.location/],
  ])("%s", (_, overrides, message) => expect(issuesOf(() => backup(overrides)).join("\n")).toMatch(message));

  it.each<[string, Partial<Parameters<typeof buildBackup>[0]>, RegExp]>([
    ["an invalid name", { name: "Prod Backup" }, /^name: /],
    [
      "Velero's own namespace included",
      { namespace: "velero-prod", input: anInput({ scope: { kind: "namespaces", include: ["velero-prod"] } }) },
      /"velero-prod" is Velero's namespace/,
    ],
    [
      "a velero.io/ label",
      { labels: { "velero.io/schedule-name": "nightly" } },
      /labels\.velero\.io\/schedule-name: .*set by Velero and Lifeboat/,
    ],
    ["a lifeboat.io/ label", { labels: { [CLUSTER_LABEL]: "other" } }, /set by Velero and Lifeboat/],
    ["a lifeboat.io/ annotation", { annotations: { [CREATED_BY_ANNOTATION]: "mallory" } }, /set by Lifeboat/],
    ["an invalid label value", { labels: { team: "a b" } }, /labels\.team: At most 63/],
    ["no cluster", { cluster: { name: " " } }, /cluster\.name: Missing cluster name/],
  ])("%s", (_, args, message) => expect(issuesOf(() => backup({}, args)).join("\n")).toMatch(message));

  it("SpecError lists every issue in its message", () => {
    const err = (() => {
      try {
        backup({ location: "", ttl: { value: 0, unit: "days" } });
      } catch (e) {
        return e as SpecError;
      }
    })();
    expect(err).toBeInstanceOf(SpecError);
    expect(err?.issues.map((i) => i.path).sort()).toEqual(["input.location", "input.ttl.value"]);
    expect(err?.message).toContain("input.location: Enter a name");
  });
});

// --- resources, cluster resources, volumes, ttl ---------------------------------------------------------------

describe("resource filters", () => {
  it.each<[Input["resources"], Partial<BackupSpec>]>([
    [undefined, {}],
    [{ include: ["deployments.apps", "pods", "pods"] }, { includedResources: ["deployments.apps", "pods"] }],
    [{ exclude: ["secrets", "events.events.k8s.io"] }, { excludedResources: ["secrets", "events.events.k8s.io"] }],
    [
      { include: ["*"], exclude: ["storageclasses.storage.k8s.io"] },
      { includedResources: ["*"], excludedResources: ["storageclasses.storage.k8s.io"] },
    ],
    [{ include: [], exclude: [] }, {}],
  ])("%j", (resources, expected) => {
    const spec = specOf({ resources });
    expect({ includedResources: spec.includedResources, excludedResources: spec.excludedResources }).toEqual({
      includedResources: expected.includedResources,
      excludedResources: expected.excludedResources,
    });
  });

  it.each<[string, unknown, boolean | null | undefined, boolean | undefined]>([
    [
      "whole cluster, auto → true (the protected exclusions would otherwise switch Velero's auto off)",
      { kind: "cluster" },
      null,
      true,
    ],
    ["whole cluster, false", { kind: "cluster" }, false, false],
    [
      "labels, auto → true",
      { kind: "labels", mode: "include", selectors: [{ matchLabels: { a: "b" } }] },
      undefined,
      true,
    ],
    ["namespaces, auto stays auto", { kind: "namespaces", include: ["shop"] }, null, undefined],
    ["namespaces, true", { kind: "namespaces", include: ["shop"] }, true, true],
    ["excludeNamespaces, auto stays auto", { kind: "excludeNamespaces", exclude: ["dev"] }, undefined, undefined],
  ])("includeClusterResources: %s", (_, scope, chosen, expected) => {
    expect(specOf({ scope, includeClusterResources: chosen }).includeClusterResources).toBe(expected);
  });
});

describe("volume options", () => {
  it.each<[Input["volumes"], Pick<BackupSpec, "defaultVolumesToFsBackup" | "snapshotVolumes" | "snapshotMoveData">]>([
    [
      { fsBackup: "optIn", csiSnapshots: true, dataMovement: true },
      { defaultVolumesToFsBackup: false, snapshotVolumes: true, snapshotMoveData: true },
    ],
    [
      { fsBackup: "optIn", csiSnapshots: true, dataMovement: false },
      { defaultVolumesToFsBackup: false, snapshotVolumes: true, snapshotMoveData: false },
    ],
    [
      { fsBackup: "optOut", csiSnapshots: false, dataMovement: false },
      { defaultVolumesToFsBackup: true, snapshotVolumes: false, snapshotMoveData: false },
    ],
    [
      { fsBackup: "optOut", csiSnapshots: true, dataMovement: true },
      { defaultVolumesToFsBackup: true, snapshotVolumes: true, snapshotMoveData: true },
    ],
    [
      { fsBackup: "off", csiSnapshots: false, dataMovement: false },
      { defaultVolumesToFsBackup: false, snapshotVolumes: false, snapshotMoveData: false },
    ],
    [
      { fsBackup: "off", csiSnapshots: true, dataMovement: false },
      { defaultVolumesToFsBackup: false, snapshotVolumes: true, snapshotMoveData: false },
    ],
  ])("%j → %j (always explicit, never the server default)", (volumes, expected) => {
    const spec = specOf({ volumes });
    expect({
      defaultVolumesToFsBackup: spec.defaultVolumesToFsBackup,
      snapshotVolumes: spec.snapshotVolumes,
      snapshotMoveData: spec.snapshotMoveData,
    }).toEqual(expected);
  });

  it.each<[Input["volumes"], string[]]>([
    [
      { fsBackup: "off", csiSnapshots: true, dataMovement: true },
      ["fsb-annotations-still-apply", "csi-requirements", "data-movement"],
    ],
    [{ fsBackup: "off", csiSnapshots: false, dataMovement: false }, ["fsb-annotations-still-apply", "no-snapshots"]],
    [
      { fsBackup: "optIn", csiSnapshots: true, dataMovement: false },
      ["fsb-opt-in", "csi-requirements", "snapshots-stay-local"],
    ],
    [
      { fsBackup: "optOut", csiSnapshots: true, dataMovement: true },
      ["fsb-opt-out", "fsb-wins-over-snapshots", "csi-requirements", "data-movement"],
    ],
    [{ fsBackup: "optOut", csiSnapshots: false, dataMovement: false }, ["fsb-opt-out", "no-snapshots"]],
  ])("volumeNotes(%j)", (volumes, codes) => {
    const notes = volumeNotes(volumes);
    expect(notes.map((n) => n.code)).toEqual(codes);
    for (const n of notes) expect(n.text.length).toBeGreaterThan(40);
  });

  it("the off-mode caveat says opt-in annotations still apply", () => {
    const note = volumeNotes({ fsBackup: "off", csiSnapshots: true, dataMovement: false }).find(
      (n) => n.code === "fsb-annotations-still-apply",
    );
    expect(note?.severity).toBe("warning");
    expect(note?.text).toContain("backup.velero.io/backup-volumes");
  });
});

describe("ttl", () => {
  it.each<[Input["ttl"], string]>([
    [{ value: 30, unit: "days" }, "720h0m0s"],
    [{ value: 7, unit: "days" }, "168h0m0s"],
    [{ value: 1, unit: "hours" }, "1h0m0s"],
    [{ value: 72, unit: "hours" }, "72h0m0s"],
    [{ value: 365, unit: "days" }, "8760h0m0s"],
  ])("%j → ttl %s", (ttl, expected) => expect(specOf({ ttl }).ttl).toBe(expected));
});

// --- the object ------------------------------------------------------------------------------------------------

describe("buildBackup", () => {
  it("is a velero.io/v1 Backup in Velero's namespace, without status", () => {
    const b = buildBackup({
      name: "prod-nightly-20240501102030",
      namespace: "velero",
      labels: { team: "payments" },
      annotations: { "velero.io/csi-volumesnapshot-class_ebs.csi.aws.com": "ebs-vsc" },
      input: anInput({ scope: { kind: "namespaces", include: ["shop"] } }),
      cluster: { name: "Prod EU" },
      createdBy: "ann@example.com",
    });
    expect(b).toEqual({
      apiVersion: "velero.io/v1",
      kind: "Backup",
      metadata: {
        name: "prod-nightly-20240501102030",
        namespace: "velero",
        labels: { team: "payments", [CLUSTER_LABEL]: expect.stringMatching(/^prod-eu-[0-9a-f]{6}$/) },
        annotations: {
          "velero.io/csi-volumesnapshot-class_ebs.csi.aws.com": "ebs-vsc",
          [CREATED_BY_ANNOTATION]: "ann@example.com",
        },
      },
      spec: {
        includedNamespaces: ["shop"],
        excludedNamespaces: PROTECTED,
        storageLocation: "default",
        ttl: "720h0m0s",
        snapshotVolumes: true,
        snapshotMoveData: true,
        defaultVolumesToFsBackup: false,
      },
    });
    expect(b).not.toHaveProperty("status");
  });

  it("leaves created-by out when not given, and keeps a label-safe cluster name as it is", () => {
    const b = backup({}, { cluster: { name: "prod-eu" } });
    expect(b.metadata.annotations).toBeUndefined();
    expect(b.metadata.labels).toEqual({ [CLUSTER_LABEL]: "prod-eu" });
  });

  it("is deterministic", () => expect(backup()).toEqual(backup()));
});

describe("buildSchedule", () => {
  const schedule = (extra: Partial<Parameters<typeof buildSchedule>[0]> = {}) =>
    buildSchedule({
      name: "prod-nightly",
      cron: "0 3 * * *",
      input: anInput(),
      cluster: { name: "prod" },
      labels: { team: "payments" },
      createdBy: "ann@example.com",
      ...extra,
    });

  it("has the backup spec as its template, with the labels Velero copies to each backup", () => {
    const s = schedule();
    expect(s.apiVersion).toBe("velero.io/v1");
    expect(s.kind).toBe("Schedule");
    expect(s.spec.schedule).toBe("0 3 * * *");
    expect(s.spec.paused).toBe(false);
    const { metadata: templateMeta, ...templateSpec } = s.spec.template;
    expect(templateSpec).toEqual(backup().spec);
    // Velero uses the template's labels (not the Schedule's) for scheduled backups when the template has any.
    expect(templateMeta.labels).toEqual({ team: "payments", [CLUSTER_LABEL]: "prod" });
    expect(s.metadata.labels).toEqual({ team: "payments", [CLUSTER_LABEL]: "prod" });
    expect(s.metadata.annotations).toEqual({ [CREATED_BY_ANNOTATION]: "ann@example.com" });
    expect(s).not.toHaveProperty("status");
    expect(s.spec).not.toHaveProperty("skipImmediately");
    expect(s.spec).not.toHaveProperty("useOwnerReferencesInBackup");
  });

  it.each<[Partial<Parameters<typeof buildSchedule>[0]>, Record<string, unknown>]>([
    [{ paused: true }, { paused: true }],
    [{ skipImmediately: true }, { skipImmediately: true, paused: false }],
    [
      { skipImmediately: false, useOwnerReferencesInBackup: true },
      { skipImmediately: false, useOwnerReferencesInBackup: true },
    ],
    [{ cron: "@every 6h" }, { schedule: "@every 6h" }],
    [{ cron: "CRON_TZ=Europe/Paris 30 2 * * 1-5" }, { schedule: "CRON_TZ=Europe/Paris 30 2 * * 1-5" }],
    [{ cron: "  @daily " }, { schedule: "@daily" }],
  ])("options %j", (extra, expected) => expect(schedule(extra).spec).toMatchObject(expected));

  it.each<[Partial<Parameters<typeof buildSchedule>[0]>, RegExp]>([
    [{ cron: "0 3 * *" }, /^cron: expected exactly 5 fields/],
    [{ cron: "0 25 * * *" }, /^cron: .*above maximum/],
    [{ cron: "@reboot" }, /^cron: unrecognized descriptor/],
    [{ cron: "" }, /^cron: Enter a schedule/],
    [{ cron: "CRON_TZ=Mars/Olympus 0 3 * * *" }, /unknown time zone/],
    [{ name: "n".repeat(239) }, /name: At most 238 characters/],
    [
      { input: anInput({ volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: true } }) },
      /input\.volumes\.dataMovement/,
    ],
  ])("refuses %j", (extra, message) => expect(issuesOf(() => schedule(extra)).join("\n")).toMatch(message));
});

describe("toYaml", () => {
  it("prints apiVersion, kind, metadata, spec in that order and parses back to the same object", () => {
    const b = backup({ scope: { kind: "excludeNamespaces", exclude: ["*-test"] } }, { createdBy: "ann" });
    const shuffled = {
      spec: b.spec,
      metadata: {
        annotations: b.metadata.annotations,
        labels: b.metadata.labels,
        namespace: b.metadata.namespace,
        name: b.metadata.name,
      },
      kind: b.kind,
      apiVersion: b.apiVersion,
    };
    const text = toYaml(shuffled);
    expect(text.split("\n").filter((l) => /^\S/.test(l))).toEqual([
      "apiVersion: velero.io/v1",
      "kind: Backup",
      "metadata:",
      "spec:",
    ]);
    expect(text.split("\n").slice(3, 5)).toEqual(["  name: prod-backup-20240501102030", "  namespace: velero"]);
    expect(parseYaml(text)).toEqual(b);
    expect(toYaml(shuffled)).toBe(toYaml(b));
  });
});

describe("scopeNotes", () => {
  it.each<[unknown, boolean | null, string[]]>([
    [{ kind: "cluster" }, null, ["protected-namespaces", "cluster-resources-all"]],
    [{ kind: "namespaces", include: ["shop"] }, null, ["protected-namespaces", "cluster-resources-related"]],
    [
      { kind: "namespaces", include: ["app-*"] },
      false,
      ["protected-namespaces", "namespace-globs", "no-cluster-resources"],
    ],
    [
      { kind: "labels", mode: "include", selectors: [{ matchLabels: { a: "b" } }] },
      null,
      ["protected-namespaces", "label-scope", "label-scope-namespaces", "cluster-resources-all"],
    ],
  ])("%j", (scope, includeClusterResources, codes) => {
    const input = { ...anInput({ scope, includeClusterResources }) } as BackupInput;
    expect(scopeNotes(input).map((n) => n.code)).toEqual(codes);
  });
});
