import { describe, expect, it } from "vitest";
import { backupInput, type BackupInput } from "../schemas/protection";
import {
  backupFieldOf,
  backupFormDefaults,
  backupFormSchema,
  splitList,
  toBackupInput,
  type BackupFormValues,
} from "./backup-form";

const ALL = { nodeAgent: true, csi: true };
const schema = (schedule = false) =>
  backupFormSchema({
    capabilities: (id) => (id === "c1" ? ALL : id === "bare" ? { nodeAgent: false, csi: false } : null),
    clusterProblem: "You may not back up there",
    schedule,
    named: schedule,
  });
const valid: BackupFormValues = {
  ...backupFormDefaults(),
  clusterId: "c1",
  namespaces: "shop",
  location: "lifeboat-s3",
};
const problems = (v: Partial<BackupFormValues>, schedule = false) =>
  (schema(schedule).safeParse({ ...valid, ...v }).error?.issues ?? []).map((i) => [i.path.join("."), i.message]);

describe("splitList", () => {
  it.each([
    ["a, b,,c ", ["a", "b", "c"]],
    ["", []],
    [" , ", []],
  ])("%j", (text, want) => expect(splitList(text)).toEqual(want));
});

describe("toBackupInput", () => {
  it("builds what the server's schema accepts", () => {
    expect(backupInput.safeParse(toBackupInput(valid, ALL)).success).toBe(true);
  });
  it.each([
    ["the whole cluster", { scope: "cluster" }, { scope: { kind: "cluster" } }],
    [
      "excluded namespaces",
      { scope: "excludeNamespaces", namespaces: "a, b-*" },
      { scope: { kind: "excludeNamespaces", exclude: ["a", "b-*"] } },
    ],
    [
      "label selectors, one per line",
      { scope: "labels", selector: "app=web\n!legacy", labelMode: "exclude" },
      {
        scope: {
          kind: "labels",
          mode: "exclude",
          selectors: [
            { matchLabels: { app: "web" } },
            { matchExpressions: [{ key: "legacy", operator: "DoesNotExist" }] },
          ],
        },
      },
    ],
    [
      "resource filters only when given",
      { includeResources: "pods, deployments.apps" },
      { resources: { include: ["pods", "deployments.apps"], exclude: [] } },
    ],
    ["cluster-scoped resources: none", { clusterResources: "no" }, { includeClusterResources: false }],
  ] as const)("%s", (_, change, want) => {
    expect(toBackupInput({ ...valid, ...change } as BackupFormValues, ALL)).toMatchObject(want);
  });
  it("leaves cluster-scoped resources to Velero when automatic", () => {
    expect(toBackupInput({ ...valid, clusterResources: "auto" }, ALL)).not.toHaveProperty("includeClusterResources");
  });
  it("turns off what the cluster cannot do", () => {
    const v = { ...valid, fsBackup: "optOut", csi: true, move: true } as const;
    expect(toBackupInput(v, { nodeAgent: false, csi: true }).volumes).toEqual({
      fsBackup: "off",
      csiSnapshots: true,
      dataMovement: false,
    });
    expect(toBackupInput(v, { nodeAgent: true, csi: false }).volumes).toEqual({
      fsBackup: "optOut",
      csiSnapshots: false,
      dataMovement: false,
    });
    expect(toBackupInput(v, ALL).volumes).toEqual({ fsBackup: "optOut", csiSnapshots: true, dataMovement: true });
  });
});

describe("backupFormDefaults", () => {
  it.each<[string, BackupInput]>([
    [
      "namespaces",
      backupInput.parse({
        scope: { kind: "namespaces", include: ["a", "b"] },
        volumes: { fsBackup: "off", csiSnapshots: true, dataMovement: false },
        location: "x",
        ttl: { value: 2, unit: "hours" },
      }),
    ],
    [
      "labels, excluded, with resources",
      backupInput.parse({
        scope: {
          kind: "labels",
          mode: "exclude",
          selectors: [
            { matchLabels: { app: "web" }, matchExpressions: [{ key: "env", operator: "In", values: ["a", "b"] }] },
          ],
        },
        resources: { include: ["pods"], exclude: ["secrets"] },
        includeClusterResources: true,
        volumes: { fsBackup: "optOut", csiSnapshots: true, dataMovement: true },
        location: "x",
        ttl: { value: 30, unit: "days" },
      }),
    ],
  ])("a stored %s input opens as itself", (_, input) => {
    const v = backupFormDefaults({ input, cron: "@daily", paused: true, skipImmediately: null, clusterId: "c1" });
    expect(backupInput.parse(toBackupInput(v, ALL))).toEqual(input);
    expect(v).toMatchObject({ clusterId: "c1", cron: "@daily", paused: true, skipImmediately: false });
  });
});

describe("backupFormSchema", () => {
  it("accepts a valid form", () => expect(problems({})).toEqual([]));
  it.each([
    ["no cluster", { clusterId: "" }, [["clusterId", "Choose a cluster"]]],
    ["a cluster one may not use", { clusterId: "other" }, [["clusterId", "You may not back up there"]]],
    ["no namespace", { namespaces: " , " }, [["namespaces", "Add at least one namespace"]]],
    [
      "a protected namespace",
      { namespaces: "shop, kube-system" },
      [["namespaces", expect.stringContaining("never backed up")]],
    ],
    [
      "a bad selector",
      { scope: "labels", selector: "app in prod" },
      [
        ["selector", expect.any(String)],
        ["selector", "Add at least one selector"],
      ],
    ],
    [
      "a resource both ways",
      { includeResources: "pods", excludeResources: "pods" },
      [["excludeResources", '"pods" is both included and excluded']],
    ],
    [
      "no location",
      { location: "" },
      [
        ["location", "Choose a target location"],
        ["location", "Enter a name"],
      ],
    ],
    ["a TTL too long", { ttl: { value: 9_999_999, unit: "days" } }, [["ttl.value", "Longer than Velero can store"]]],
    ["no TTL at all", { ttl: { value: Number.NaN, unit: "days" } }, [["ttl.value", "Enter a number"]]],
  ] as const)("%s", (_, change, want) => expect(problems(change as Partial<BackupFormValues>)).toEqual(want));

  it("checks a schedule's name and cron expression, and only a schedule's", () => {
    expect(problems({ base: " ", cron: "0 3 * *" }, true)).toEqual([
      ["base", "Enter a name for the schedule"],
      ["cron", expect.any(String)],
    ]);
    expect(problems({ base: " ", cron: "0 3 * *" }, false)).toEqual([]);
  });
});

describe("backupFieldOf", () => {
  it.each([
    [["scope", "include", "1"], "namespaces"],
    [["scope", "exclude"], "namespaces"],
    [["scope", "selectors", "0", "matchLabels", "app"], "selector"],
    [["scope"], "scope"],
    [["resources", "include", "0"], "includeResources"],
    [["resources", "exclude"], "excludeResources"],
    [["includeClusterResources"], "clusterResources"],
    [["volumes", "dataMovement"], "move"],
    [["volumes", "csiSnapshots"], "csi"],
    [["volumes", "fsBackup"], "fsBackup"],
    [["ttl", "value"], "ttl.value"],
    [["ttl", "unit"], "ttl.unit"],
    [["ttl"], "ttl.value"],
    [["location"], "location"],
    [["cron"], "cron"],
    [["useOwnerReferencesInBackup"], "ownBackups"],
    [["clusterId"], "clusterId"],
    [["name"], null],
    [[], null],
  ])("%j → %s", (path, want) => expect(backupFieldOf(path)).toBe(want));
});
