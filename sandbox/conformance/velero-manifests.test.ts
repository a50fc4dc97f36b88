import fs from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { isDnsSubdomain, labelKeyProblem } from "../../lib/schemas/protection";
import { buildBackup, buildSchedule, toYaml } from "../../lib/velero/backup-spec";
import { parseGoDurationNs } from "../../lib/velero/duration";
import { backupName, isLabelValue, restoreName, scheduleName } from "../../lib/velero/names";
import { buildRestore, storageClassConfigMap } from "../../lib/velero/restore-spec";
import { buildDeleteBackupRequest, deleteRequestName } from "../../server/services/backups/deletion";
import { downloadRequestManifest } from "../../server/services/backups/downloads";
import { admitCustomResource, invalidMessage, type FieldError } from "../kube-api/structural-schema";
import { crdsSkipReason, haveCrds, VELERO_CRDS_DIR } from "../testing/paths";

// Every manifest Lifeboat's builders produce is admitted against Velero's real CRDs (v1.18.1, ../shared/velero-crds or
// $VELERO_CRDS_DIR) the way kube-apiserver would: structural schema, pruning, defaulting, validation. On top of the
// schema, what the apiserver and Velero check that the CRD cannot express: nothing may be pruned (a misspelt field is
// silently dropped by the apiserver), ObjectMeta must be valid, durations must parse as Go durations, no status.

interface Crd {
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
  schema: unknown;
}

function loadCrds(dir: string): Map<string, Crd> {
  const out = new Map<string, Crd>();
  for (const f of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
    const crd = parseYaml(fs.readFileSync(path.join(dir, f), "utf8"));
    if (crd?.kind !== "CustomResourceDefinition") continue;
    const v = crd.spec.versions.find((x: { served: boolean; storage: boolean }) => x.served && x.storage);
    out.set(crd.spec.names.kind, {
      group: crd.spec.group,
      version: v.name,
      kind: crd.spec.names.kind,
      namespaced: crd.spec.scope === "Namespaced",
      schema: v.schema.openAPIV3Schema,
    });
  }
  return out;
}

/** Paths of every leaf (and empty container) of a JSON value: "spec.template.ttl", "spec.includedNamespaces[0]". */
function leaves(v: unknown, at = ""): string[] {
  if (Array.isArray(v)) return v.length ? v.flatMap((x, i) => leaves(x, `${at}[${i}]`)) : [at];
  if (v && typeof v === "object") {
    const entries = Object.entries(v);
    return entries.length ? entries.flatMap(([k, x]) => leaves(x, at ? `${at}.${k}` : k)) : [at];
  }
  return [at];
}

/** ObjectMeta checks the apiserver makes and the schema does not (names, label and annotation syntax). */
function metadataProblems(meta: {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}): string[] {
  const problems: string[] = [];
  if (!meta.name || !isDnsSubdomain(meta.name)) problems.push(`metadata.name: ${JSON.stringify(meta.name)}`);
  if (!meta.namespace || !isDnsSubdomain(meta.namespace))
    problems.push(`metadata.namespace: ${JSON.stringify(meta.namespace)}`);
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    const p = labelKeyProblem(k);
    if (p) problems.push(`metadata.labels: ${p}`);
    if (!isLabelValue(v)) problems.push(`metadata.labels.${k}: invalid value ${JSON.stringify(v)}`);
  }
  for (const k of Object.keys(meta.annotations ?? {})) {
    const p = labelKeyProblem(k);
    if (p) problems.push(`metadata.annotations: ${p}`);
  }
  return problems;
}

interface Verdict {
  errors: string[];
  pruned: string[];
  other: string[];
}

function check(crds: Map<string, Crd>, obj: Record<string, any>): Verdict {
  const crd = crds.get(obj.kind);
  if (!crd) return { errors: [`no CRD for kind ${obj.kind}`], pruned: [], other: [] };
  const other: string[] = [];
  if (obj.apiVersion !== `${crd.group}/${crd.version}`)
    other.push(`apiVersion ${obj.apiVersion} is not the served ${crd.group}/${crd.version}`);
  if ("status" in obj) other.push("status must not be sent (no status subresource; Velero writes it)");
  if (crd.namespaced !== Boolean(obj.metadata?.namespace)) other.push("namespace does not match the CRD scope");
  other.push(...metadataProblems(obj.metadata ?? {}));
  if (JSON.stringify(JSON.parse(JSON.stringify(obj))) !== JSON.stringify(obj)) other.push("not plain JSON");
  // metav1.Duration fields: the CRD says string, Velero's decoder says time.ParseDuration.
  for (const ttl of [obj.spec?.ttl, obj.spec?.template?.ttl]) {
    if (ttl === undefined) continue;
    try {
      if (parseGoDurationNs(ttl) <= 0n) other.push(`ttl ${ttl} is not positive (0 means the server default)`);
    } catch (err) {
      other.push(`ttl: ${(err as Error).message}`);
    }
  }
  const admitted = admitCustomResource(obj, crd.schema, { isCreate: true });
  const kept = new Set(leaves(admitted.object));
  const pruned = leaves(obj).filter((p) => !kept.has(p));
  return { errors: admitted.errors.map((e: FieldError) => `${e.field}: ${e.message}`), pruned, other };
}

// --- a representative set of manifests ---------------------------------------------------------------------------

const NOW = new Date("2024-05-01T10:20:30Z");
const volumeChoices = [
  { fsBackup: "off", csiSnapshots: false, dataMovement: false },
  { fsBackup: "optIn", csiSnapshots: true, dataMovement: false },
  { fsBackup: "optIn", csiSnapshots: true, dataMovement: true },
  { fsBackup: "optOut", csiSnapshots: false, dataMovement: false },
  { fsBackup: "optOut", csiSnapshots: true, dataMovement: true },
] as const;

const backupScopes: [string, unknown][] = [
  ["whole cluster", { kind: "cluster" }],
  ["namespaces", { kind: "namespaces", include: ["shop", "db"] }],
  ["namespace globs", { kind: "namespaces", include: ["app-*", "team-[a-c]", "ns?"] }],
  ["excluded namespaces", { kind: "excludeNamespaces", exclude: ["*-test", "scratch"] }],
  [
    "one include selector",
    {
      kind: "labels",
      mode: "include",
      selectors: [
        { matchLabels: { app: "shop" }, matchExpressions: [{ key: "tier", operator: "In", values: ["web"] }] },
      ],
    },
  ],
  [
    "several include selectors",
    {
      kind: "labels",
      mode: "include",
      selectors: [
        { matchLabels: { app: "shop" } },
        { matchExpressions: [{ key: "example.com/backup", operator: "Exists" }] },
      ],
    },
  ],
  [
    "exclude one label",
    { kind: "labels", mode: "exclude", selectors: [{ matchLabels: { "example.com/skip-backup": "true" } }] },
  ],
  [
    "exclude a two-label selector",
    { kind: "labels", mode: "exclude", selectors: [{ matchLabels: { app: "web", tier: "cache" } }] },
  ],
  [
    "exclude several single selectors",
    {
      kind: "labels",
      mode: "exclude",
      selectors: [{ matchLabels: { app: "web" } }, { matchExpressions: [{ key: "ephemeral", operator: "Exists" }] }],
    },
  ],
];

function backupInputFor(scope: unknown, i: number) {
  return {
    scope,
    volumes: volumeChoices[i % volumeChoices.length],
    location: i % 2 ? "default" : "aws-eu-west-1.primary",
    ttl: i % 3 ? { value: 30, unit: "days" } : { value: 36, unit: "hours" },
    ...(i % 4 === 1 ? { resources: { include: ["deployments.apps", "persistentvolumeclaims", "secrets"] } } : {}),
    ...(i % 4 === 2
      ? { resources: { exclude: ["events", "events.events.k8s.io"] }, includeClusterResources: false }
      : {}),
    ...(i % 4 === 3 ? { includeClusterResources: true } : {}),
  };
}

function manifests(): [string, Record<string, any>][] {
  const out: [string, Record<string, any>][] = [];
  backupScopes.forEach(([label, scope], i) => {
    out.push([
      `Backup: ${label}`,
      buildBackup({
        name: backupName({ cluster: i % 2 ? "prod-eu" : "Prod EU (legacy)", base: label, now: NOW }),
        labels: { team: "payments" },
        annotations: { "velero.io/csi-volumesnapshot-class_ebs.csi.aws.com": "ebs-vsc" },
        input: backupInputFor(scope, i),
        cluster: { name: i % 2 ? "prod-eu" : "Prod EU (legacy)" },
        createdBy: "ann@example.com",
      }),
    ]);
  });
  backupScopes.forEach(([label, scope], i) => {
    out.push([
      `Schedule: ${label}`,
      buildSchedule({
        name: scheduleName({ cluster: "prod-eu", base: label }),
        cron: ["0 3 * * *", "@every 6h", "CRON_TZ=Europe/Paris 30 2 * * 1-5"][i % 3],
        paused: i % 2 === 0,
        ...(i % 3 === 1 ? { skipImmediately: true } : {}),
        ...(i % 3 === 2 ? { useOwnerReferencesInBackup: true, skipImmediately: false } : {}),
        input: backupInputFor(scope, i + 1),
        cluster: { name: "prod-eu" },
      }),
    ]);
  });
  const restoreScopes: [string, unknown, Record<string, unknown>][] = [
    ["everything", { kind: "all" }, {}],
    [
      "namespaces renamed",
      { kind: "namespaces", include: ["shop", "db"] },
      { namespaceMapping: { shop: "shop-dr", db: "db-dr" }, existingResourcePolicy: "update" },
    ],
    [
      "globs without volumes",
      { kind: "namespaces", include: ["app-*"] },
      { restorePVs: false, includeClusterResources: true },
    ],
    [
      "excluded namespaces",
      { kind: "excludeNamespaces", exclude: ["*-test"] },
      { resources: { exclude: ["secrets"] }, includeClusterResources: false },
    ],
    [
      "one selector",
      { kind: "labels", selectors: [{ matchLabels: { app: "shop" } }] },
      { resources: { include: ["deployments.apps", "services"] } },
    ],
    [
      "several selectors",
      {
        kind: "labels",
        selectors: [
          { matchLabels: { app: "shop" } },
          { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["cache"] }] },
        ],
      },
      { storageClassMapping: { gp2: "gp3" } },
    ],
  ];
  for (const [label, scope, extra] of restoreScopes) {
    out.push([
      `Restore: ${label}`,
      buildRestore({
        name: restoreName({ cluster: "dr-eu", base: label, now: NOW }),
        backupName: "prod-eu-nightly-20240501030000",
        input: { scope, restorePVs: true, existingResourcePolicy: "none", ...extra },
        cluster: { name: "dr-eu" },
        createdBy: "bob@example.com",
      }),
    ]);
  }
  const backup = "prod-eu-nightly-20240501030000";
  out.push([
    "DeleteBackupRequest",
    buildDeleteBackupRequest({
      backupName: backup,
      backupUid: "0b0e7c4e-1f52-4d7e-9a39-3a0f3c6f0d11",
      requestName: deleteRequestName(backup, "0b0e7c4e-1f52-4d7e-9a39-3a0f3c6f0d11", null),
      cluster: { name: "prod-eu" },
      createdBy: "ann@example.com",
    }),
  ]);
  for (const kind of [
    "BackupLog",
    "BackupResults",
    "BackupResourceList",
    "BackupVolumeInfos",
    "RestoreLog",
    "RestoreResults",
  ] as const) {
    out.push([
      `DownloadRequest: ${kind}`,
      structuredClone(downloadRequestManifest("lifeboat-0a1b2c3d4e", { kind, name: backup })),
    ]);
  }
  return out;
}

describe.skipIf(!haveCrds)(
  `built Velero manifests conform to the CRDs ${haveCrds ? `in ${VELERO_CRDS_DIR}` : crdsSkipReason}`,
  () => {
    const crds = haveCrds ? loadCrds(VELERO_CRDS_DIR) : new Map<string, Crd>();
    const all = haveCrds ? manifests() : [];

    it("covers Backups, Schedules, Restores, DeleteBackupRequests and DownloadRequests", () => {
      expect(crds.get("Backup")?.version).toBe("v1");
      const kinds = all.map(([, o]) => o.kind);
      for (const kind of ["Backup", "Schedule", "Restore"])
        expect(kinds.filter((k) => k === kind).length).toBeGreaterThanOrEqual(6);
    });

    it.each(all)("%s", (_, obj) => {
      expect(check(crds, obj)).toEqual({ errors: [], pruned: [], other: [] });
      // The review step shows YAML; what the operator reads is what is sent.
      expect(parseYaml(toYaml(obj))).toEqual(obj);
    });

    it("the storage-class ConfigMap is a core object, not a Velero one", () => {
      const cm = storageClassConfigMap({ gp2: "gp3" });
      expect(crds.has(cm.kind)).toBe(false);
      expect(metadataProblems(cm.metadata)).toEqual([]);
    });

    describe("a deliberately broken manifest fails", () => {
      const good = () => structuredClone(all.find(([label]) => label === "Backup: one include selector")![1]);

      it.each<[string, (o: Record<string, any>) => void, Partial<Verdict>]>([
        [
          "wrong types",
          (o) => {
            o.spec.ttl = 720;
            o.spec.snapshotVolumes = "yes";
            o.spec.includedNamespaces = "shop";
          },
          {
            errors: expect.arrayContaining([
              'spec.ttl: Invalid value: "integer": spec.ttl in body must be of type string: "integer"',
              'spec.snapshotVolumes: Invalid value: "string": spec.snapshotVolumes in body must be of type boolean: "string"',
              'spec.includedNamespaces: Invalid value: "string": spec.includedNamespaces in body must be of type array: "string"',
            ]),
          },
        ],
        [
          "a selector expression without operator",
          (o) => delete o.spec.labelSelector.matchExpressions[0].operator,
          { errors: ["spec.labelSelector.matchExpressions[0].operator: Required value"] },
        ],
        [
          "a misspelt field (pruned by the apiserver)",
          (o) => (o.spec.includedNamespace = ["shop"]),
          { errors: [], pruned: ["spec.includedNamespace[0]"] },
        ],
        [
          "a duration Velero can't read",
          (o) => (o.spec.ttl = "30d"),
          { errors: [], other: ['ttl: time: unknown unit "d" in duration "30d"'] },
        ],
        [
          "a status",
          (o) => (o.status = { phase: "Completed" }),
          { other: ["status must not be sent (no status subresource; Velero writes it)"] },
        ],
        [
          "an invalid label",
          (o) => (o.metadata.labels["lifeboat.io/cluster"] = "Prod EU"),
          { other: ['metadata.labels.lifeboat.io/cluster: invalid value "Prod EU"'] },
        ],
      ])("%s", (_, breakIt, expected) => {
        const o = good();
        expect(check(crds, o)).toEqual({ errors: [], pruned: [], other: [] });
        breakIt(o);
        const verdict = check(crds, o);
        expect(verdict).toMatchObject(expected);
        expect([...verdict.errors, ...verdict.pruned, ...verdict.other].length).toBeGreaterThan(0);
      });

      it("a Schedule without a template is rejected, with the apiserver's message", () => {
        const o = structuredClone(all.find(([label]) => label.startsWith("Schedule:"))![1]);
        delete o.spec.template;
        const errors = admitCustomResource(o, crds.get("Schedule")!.schema).errors;
        expect(errors.map((e) => `${e.field}: ${e.message}`)).toEqual(["spec.template: Required value"]);
        expect(invalidMessage("Schedule", "velero.io", o.metadata.name, errors)).toBe(
          `Schedule.velero.io "${o.metadata.name}" is invalid: spec.template: Required value`,
        );
      });
    });
  },
);
