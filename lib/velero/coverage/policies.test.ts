import { describe, expect, it } from "vitest";
import { aPv, aPvc, GiB } from "./fixtures";
import { parseQuantity } from "../quantity";
import { matchPolicy, MAX_POLICY_BYTES, parseResourcePolicy, type PolicyInput } from "./policies";
import type { PodVolumeFacts, VolumePolicy } from "./types";

describe("parseQuantity", () => {
  it.each<[string, number | null]>([
    ["0", 0],
    ["100", 100],
    ["1Ki", 1024],
    ["10Gi", 10 * GiB],
    ["1.5Ti", 1.5 * 2 ** 40],
    ["500M", 500e6],
    ["1G", 1e9],
    ["2k", 2000],
    ["1e9", 1e9],
    ["1E3", 1000],
    [" 5Gi ", 5 * GiB],
    ["-1Gi", -GiB],
    ["", null],
    ["Gi", null],
    ["10GB", null],
    ["1.2.3", null],
    ["ten", null],
  ])("%s", (text, want) => {
    expect(parseQuantity(text)).toBe(want);
  });
});

const policyYaml = `
version: v1
volumePolicies:
- conditions:
    capacity: "0,100Gi"
    storageClass: [gp3, premium]
    csi: {driver: ebs.csi.aws.com, volumeAttributes: {type: io2}}
  action: {type: snapshot}
- conditions:
    nfs: {}
  action: {type: fs-backup}
- conditions:
    volumeTypes: [emptyDir, hostPath]
    pvcLabels: {app: db}
    pvcPhase: [Pending, Lost]
  action: {type: skip, parameters: {why: test}}
- conditions: {}
  action: {type: custom}
includeExcludePolicy:
  excludedNamespaceScopedResources: [secrets]
`;

describe("parseResourcePolicy", () => {
  it("reads the volume policies of a valid ConfigMap in order", () => {
    expect(parseResourcePolicy("policy", { "policy.yaml": policyYaml })).toEqual({
      name: "policy",
      volumePolicies: [
        {
          conditions: {
            capacity: { min: null, max: 100 * GiB },
            storageClass: ["gp3", "premium"],
            csi: { driver: "ebs.csi.aws.com", volumeAttributes: { type: "io2" } },
          },
          action: "snapshot",
        },
        { conditions: { nfs: {} }, action: "fs-backup" },
        {
          conditions: {
            volumeTypes: ["emptyDir", "hostPath"],
            pvcLabels: { app: "db" },
            pvcPhase: ["Pending", "Lost"],
          },
          action: "skip",
        },
        { conditions: {}, action: "custom" },
      ],
    });
  });

  it.each<[string, string, { min: number | null; max: number | null }]>([
    ["both bounds", "10Gi,1Ti", { min: 10 * GiB, max: 2 ** 40 }],
    ["no upper bound", "10Gi,", { min: 10 * GiB, max: null }],
    ["no lower bound", ",5Gi", { min: null, max: 5 * GiB }],
    ["zero is no bound", "0,0", { min: null, max: null }],
    ["spaces", " 1Gi , 2Gi ", { min: GiB, max: 2 * GiB }],
  ])("capacity: %s", (_name, capacity, want) => {
    const p = parseResourcePolicy("p", {
      k: `version: v1\nvolumePolicies:\n- conditions: {capacity: "${capacity}"}\n  action: {type: skip}\n`,
    });
    expect(p.invalid).toBeUndefined();
    expect(p.volumePolicies[0].conditions.capacity).toEqual(want);
  });

  it("a policy without volumePolicies has none", () => {
    expect(parseResourcePolicy("p", { k: "version: v1\n" })).toEqual({ name: "p", volumePolicies: [] });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ["no data key", {}, /exactly one data key .*\(it has 0\)/],
    ["two data keys", { a: "version: v1", b: "version: v1" }, /exactly one data key .*\(it has 2\)/],
    ["not YAML", { k: "version: v1\n  volumePolicies: [" }, /"k" is not valid YAML/],
    ["not a map", { k: "- a\n- b" }, /must hold a YAML map/],
    ["no version", { k: "volumePolicies: []" }, /version is missing/],
    ["another version", { k: "version: v2" }, /version must be "v1" \(it is "v2"\)/],
    ["an unknown top-level field", { k: "version: v1\nvolumePolicy: []" }, /unknown field "volumePolicy"/],
    ["volumePolicies not a list", { k: "version: v1\nvolumePolicies: {}" }, /volumePolicies must be a list/],
    [
      "an unknown action",
      { k: "version: v1\nvolumePolicies:\n- conditions: {}\n  action: {type: backup}" },
      /#1: action.type must be one of skip, snapshot, fs-backup, custom \(it is "backup"\)/,
    ],
    ["no action", { k: "version: v1\nvolumePolicies:\n- conditions: {}" }, /#1: action.type must be one of/],
    [
      "an unknown condition",
      { k: "version: v1\nvolumePolicies:\n- conditions: {size: 1Gi}\n  action: {type: skip}" },
      /#1: conditions has an unknown field "size"/,
    ],
    [
      "a capacity with one bound only",
      { k: 'version: v1\nvolumePolicies:\n- conditions: {capacity: "10Gi"}\n  action: {type: skip}' },
      /capacity "10Gi" must be "min,max"/,
    ],
    [
      "a capacity that is no size",
      { k: 'version: v1\nvolumePolicies:\n- conditions: {capacity: "0,lots"}\n  action: {type: skip}' },
      /"lots" is not a size/,
    ],
    [
      "a storageClass that is no list",
      { k: "version: v1\nvolumePolicies:\n- conditions: {storageClass: gp3}\n  action: {type: skip}" },
      /#1: storageClass must be a list/,
    ],
    [
      "pvcLabels that are no map",
      { k: "version: v1\nvolumePolicies:\n- conditions: {pvcLabels: [a]}\n  action: {type: skip}" },
      /pvcLabels must be a map/,
    ],
    [
      "an unknown csi field",
      { k: "version: v1\nvolumePolicies:\n- conditions: {csi: {name: x}}\n  action: {type: skip}" },
      /csi has an unknown field "name"/,
    ],
    ["a duplicate key", { k: "version: v1\nversion: v1" }, /not valid YAML/],
  ])("invalid: %s", (_name, data, reason) => {
    const p = parseResourcePolicy("p", data);
    expect(p.volumePolicies).toEqual([]);
    expect(p.invalid).toMatch(reason);
  });

  it("refuses data over 64 KiB before parsing it", () => {
    const big = `version: v1\n# ${"x".repeat(MAX_POLICY_BYTES)}\n`;
    expect(parseResourcePolicy("p", { k: big }).invalid).toMatch(/at most 64 KiB/);
  });

  it("refuses an alias bomb", () => {
    const bomb =
      "version: v1\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
    expect(parseResourcePolicy("p", { k: bomb }).invalid).toMatch(/not valid YAML: Excessive alias count/);
  });
});

describe("matchPolicy (velero-api.md §7.3)", () => {
  const policy = (conditions: VolumePolicy["conditions"], action: VolumePolicy["action"] = "skip"): VolumePolicy => ({
    conditions,
    action,
  });
  const csiPv = { pv: aPv(), pvc: aPvc() };
  const emptyDir: PodVolumeFacts = { name: "cache", source: "emptyDir", sizeBytes: GiB };
  const nfsPv = {
    pv: aPv({ csiDriver: null, source: "nfs", nfs: { server: "10.0.0.1", path: "/exports/a" } }),
    pvc: aPvc(),
  };

  it.each<[string, VolumePolicy["conditions"], PolicyInput, boolean]>([
    ["no conditions match everything", {}, csiPv, true],
    ["capacity within bounds", { capacity: { min: GiB, max: 20 * GiB } }, csiPv, true],
    ["capacity above the upper bound", { capacity: { min: null, max: 5 * GiB } }, csiPv, false],
    ["capacity below the lower bound", { capacity: { min: 20 * GiB, max: null } }, csiPv, false],
    [
      "a pod volume has no capacity: a lower bound never matches it",
      { capacity: { min: GiB, max: null } },
      { podVolume: emptyDir },
      false,
    ],
    [
      "a pod volume has no capacity: an upper bound matches it",
      { capacity: { min: null, max: GiB } },
      { podVolume: emptyDir },
      true,
    ],
    ["storageClass of the PV", { storageClass: ["gp3", "fast"] }, csiPv, true],
    ["storageClass not listed", { storageClass: ["gp3"] }, csiPv, false],
    ["storageClass never matches a pod volume", { storageClass: ["fast"] }, { podVolume: emptyDir }, false],
    ["csi driver", { csi: { driver: "csi.example.com" } }, csiPv, true],
    ["csi other driver", { csi: { driver: "ebs.csi.aws.com" } }, csiPv, false],
    ["csi without a driver matches any CSI volume", { csi: {} }, csiPv, true],
    ["csi does not match an NFS PV", { csi: {} }, nfsPv, false],
    [
      "csi volumeAttributes must all be equal",
      { csi: { driver: "csi.example.com", volumeAttributes: { protocol: "nfs" } } },
      { pv: aPv({ csiVolumeAttributes: { protocol: "nfs", sku: "x" } }), pvc: aPvc() },
      true,
    ],
    [
      "csi volumeAttributes that differ",
      { csi: { driver: "csi.example.com", volumeAttributes: { protocol: "smb" } } },
      { pv: aPv({ csiVolumeAttributes: { protocol: "nfs" } }), pvc: aPvc() },
      false,
    ],
    [
      "csi driver of an inline CSI pod volume",
      { csi: { driver: "secrets.csi.k8s.io" } },
      { podVolume: { name: "v", source: "csi", csiDriver: "secrets.csi.k8s.io" } },
      true,
    ],
    ["nfs: {} matches any NFS volume", { nfs: {} }, nfsPv, true],
    ["nfs server", { nfs: { server: "10.0.0.1" } }, nfsPv, true],
    ["nfs server and path", { nfs: { server: "10.0.0.1", path: "/exports/b" } }, nfsPv, false],
    ["nfs does not match a CSI PV", { nfs: {} }, csiPv, false],
    [
      "nfs matches an NFS pod volume",
      { nfs: { path: "/x" } },
      { podVolume: { name: "v", source: "nfs", nfs: { server: "s", path: "/x" } } },
      true,
    ],
    ["volumeTypes: the PV's source for a PVC", { volumeTypes: ["csi"] }, csiPv, true],
    ["volumeTypes: not the PVC", { volumeTypes: ["persistentVolumeClaim"] }, csiPv, false],
    ["volumeTypes: the pod volume's source", { volumeTypes: ["emptyDir"] }, { podVolume: emptyDir }, true],
    ["pvcLabels all present", { pvcLabels: { app: "cassandra" } }, csiPv, true],
    ["pvcLabels with another value", { pvcLabels: { app: "db" } }, csiPv, false],
    ["pvcLabels never match a pod volume", { pvcLabels: { app: "cassandra" } }, { podVolume: emptyDir }, false],
    [
      "pvcPhase of an unbound PVC alone",
      { pvcPhase: ["Pending", "Lost"] },
      { pvc: aPvc({ phase: "Pending", volumeName: "" }) },
      true,
    ],
    ["pvcPhase of a bound PVC", { pvcPhase: ["Pending"] }, csiPv, false],
    ["every condition must hold", { storageClass: ["fast"], csi: { driver: "other" } }, csiPv, false],
  ])("%s", (_name, conditions, input, want) => {
    expect(matchPolicy([policy(conditions)], input) !== null).toBe(want);
  });

  it("the first matching policy wins", () => {
    const policies = [
      policy({ storageClass: ["gp3"] }, "skip"),
      policy({ csi: {} }, "snapshot"),
      policy({}, "fs-backup"),
    ];
    expect(matchPolicy(policies, csiPv)).toEqual({ index: 1, policy: policies[1] });
  });

  it("no policies, no match", () => {
    expect(matchPolicy([], csiPv)).toBeNull();
  });
});
