import { describe, expect, it } from "vitest";
import { DEFAULT_VELERO_SETTINGS, type VeleroSettings } from "@/lib/schemas/velero";
import { worstStatus } from "@/lib/schemas/velero-prechecks";
import type { PrecheckFacts, SnapshotClassFacts } from "../../kube/velero-prechecks";
import { prechecksFrom, snapshotClassYaml, type PrecheckCluster } from "./prechecks";

// The pre-check rules on what was read, table by table: the cluster's record and the facts read from it.
const cluster = (o: Partial<PrecheckCluster> = {}): PrecheckCluster => ({
  accessLevel: "MANAGE",
  missingManageAccess: [],
  management: "OFF",
  version: null,
  kubernetesVersion: "v1.33.2",
  ...o,
});
const vsc = (name: string, driver: string, o: Partial<SnapshotClassFacts> = {}): SnapshotClassFacts => ({
  name,
  driver,
  labelled: false,
  isDefault: false,
  ...o,
});
const facts = (o: Partial<PrecheckFacts> = {}): PrecheckFacts => ({
  kubernetesVersion: "v1.33.2",
  snapshotApi: { ok: true, value: ["v1"] },
  storageClasses: {
    ok: true,
    value: [
      { name: "fast", provisioner: "disk.csi.example" },
      { name: "legacy", provisioner: "kubernetes.io/no-provisioner" },
    ],
  },
  csiDrivers: { ok: true, value: ["disk.csi.example"] },
  snapshotClasses: { ok: true, value: [vsc("snap", "disk.csi.example", { labelled: true })] },
  namespaceLabels: { ok: true, value: null },
  ...o,
});
const settings = (o: Partial<VeleroSettings> = {}): VeleroSettings => ({ ...DEFAULT_VELERO_SETTINGS, ...o });
const run = (f: PrecheckFacts, s = settings(), c = cluster()) => prechecksFrom(c, s, { facts: f });
const byId = (checks: ReturnType<typeof run>) => Object.fromEntries(checks.map((c) => [c.id, c.status]));
const check = (checks: ReturnType<typeof run>, id: string) => checks.find((c) => c.id === id)!;

describe("Velero pre-checks", () => {
  it("a ready cluster passes every check, in the dialog's order", () => {
    const checks = run(facts());
    expect(checks.map((c) => `${c.id}:${c.status}`)).toEqual([
      "access:pass",
      "existing-velero:pass",
      "kubernetes-version:pass",
      "csi-snapshot-api:pass",
      "csi-snapshot-class:disk.csi.example:pass",
      "pod-security:pass",
    ]);
    expect(worstStatus(checks)).toBe("pass");
    expect(check(checks, "kubernetes-version").detail).toContain("was tested on Kubernetes 1.33");
  });

  it.each([
    ["v1.33.2", "v1.18.1", "pass"],
    ["v1.31.4+k3s1", "v1.18.1", "pass"],
    ["v1.17.9", "v1.18.1", "fail"],
    ["not-a-version", "v1.18.1", "warn"],
  ])("Kubernetes %s with Velero %s: %s", (k8s, version, status) => {
    const checks = run(
      facts({ kubernetesVersion: k8s }),
      settings({ version, csi: { enabled: false, moveDataByDefault: false } }),
    );
    expect(check(checks, "kubernetes-version").status).toBe(status);
  });

  it("access below manage fails, naming what is missing; Velero someone else installed warns", () => {
    const checks = run(
      facts(),
      settings(),
      cluster({
        accessLevel: "OPERATE",
        missingManageAccess: ["create customresourcedefinitions.apiextensions.k8s.io (cluster-wide): install CRDs"],
        management: "ADOPTED",
        version: "v1.16.2",
      }),
    );
    expect(check(checks, "access")).toMatchObject({ status: "fail" });
    expect(check(checks, "access").detail).toContain("create customresourcedefinitions.apiextensions.k8s.io");
    expect(check(checks, "existing-velero").status).toBe("warn");
    expect(check(checks, "existing-velero").detail).toContain(
      "Velero v1.16.2 is already installed here by someone else",
    );
    expect(check(checks, "existing-velero").detail).toContain("take over to manage it");
    expect(worstStatus(checks)).toBe("fail");
  });

  it("CSI: no snapshot API fails, too old a Kubernetes fails, and none of it is checked with CSI off", () => {
    expect(byId(run(facts({ snapshotApi: { ok: true, value: null } })))["csi-snapshot-api"]).toBe("fail");
    expect(byId(run(facts({ snapshotApi: { ok: true, value: ["v1beta1"] } })))["csi-snapshot-api"]).toBe("fail");
    const old = run(facts({ kubernetesVersion: "v1.19.4" }));
    expect(check(old, "csi-snapshot-api").detail).toContain("need Kubernetes 1.20 or later");
    expect(old.some((c) => c.id.startsWith("csi-snapshot-class"))).toBe(false);
    const off = run(facts(), settings({ csi: { enabled: false, moveDataByDefault: false } }));
    expect(off.some((c) => c.id.startsWith("csi-"))).toBe(false);
  });

  it.each([
    [
      "the labelled class",
      [vsc("a", "disk.csi.example"), vsc("b", "disk.csi.example", { labelled: true })],
      "pass",
      "with b",
    ],
    [
      "the default class",
      [vsc("a", "disk.csi.example"), vsc("b", "disk.csi.example", { isDefault: true })],
      "pass",
      "with b, the driver's default class",
    ],
    ["the only class", [vsc("a", "disk.csi.example")], "pass", "with a, its only class"],
    [
      "no class for the driver",
      [vsc("other", "nfs.csi.example", { labelled: true })],
      "warn",
      "No VolumeSnapshotClass has the driver",
    ],
    [
      "several, none chosen",
      [vsc("a", "disk.csi.example"), vsc("b", "disk.csi.example")],
      "warn",
      "Velero cannot choose",
    ],
  ])("a CSI driver's VolumeSnapshotClass: %s", (_, classes, status, words) => {
    const c = check(
      run(facts({ snapshotClasses: { ok: true, value: classes } })),
      "csi-snapshot-class:disk.csi.example",
    );
    expect(c.status).toBe(status);
    expect(c.detail).toContain(words);
  });

  it("a missing class comes with the YAML to apply, labelled for Velero", () => {
    const c = check(run(facts({ snapshotClasses: { ok: true, value: [] } })), "csi-snapshot-class:disk.csi.example");
    expect(c.fix).toBe(snapshotClassYaml("disk.csi.example"));
    expect(c.fix).toContain('velero.io/csi-volumesnapshot-class: "true"');
    expect(c.fix).toContain("driver: disk.csi.example");
    expect(c.fix).toContain("name: velero-disk.csi.example");
  });

  it("which provisioners are CSI drivers: those with a CSIDriver, else every one outside kubernetes.io", () => {
    const storageClasses = {
      ok: true as const,
      value: [
        { name: "a", provisioner: "disk.csi.example" },
        { name: "b", provisioner: "nfs.example" },
        { name: "c", provisioner: "kubernetes.io/aws-ebs" },
      ],
    };
    const withDrivers = run(facts({ storageClasses }));
    expect(withDrivers.filter((c) => c.id.startsWith("csi-snapshot-class")).map((c) => c.id)).toEqual([
      "csi-snapshot-class:disk.csi.example",
    ]);
    const unreadable = run(facts({ storageClasses, csiDrivers: { ok: false, reason: "403 Forbidden", status: 403 } }));
    expect(unreadable.filter((c) => c.id.startsWith("csi-snapshot-class")).map((c) => `${c.id}:${c.status}`)).toEqual([
      "csi-snapshot-class:disk.csi.example:pass",
      "csi-snapshot-class:nfs.example:warn",
    ]);
    const none = run(
      facts({ storageClasses: { ok: true, value: [{ name: "x", provisioner: "kubernetes.io/no-provisioner" }] } }),
    );
    expect(check(none, "csi-snapshot-class")).toMatchObject({ status: "warn" });
    expect(check(none, "csi-snapshot-class").detail).toContain("No StorageClass uses a CSI driver");
  });

  const ns = (labels: Record<string, string>) => facts({ namespaceLabels: { ok: true, value: labels } });
  const enforce = (level: string) => ({ "pod-security.kubernetes.io/enforce": level });
  const noAgent = settings({
    fsBackup: { enabled: false, default: "optIn" },
    csi: { enabled: false, moveDataByDefault: false },
  });
  const dataMover = settings({
    fsBackup: { enabled: false, default: "optIn" },
    csi: { enabled: true, moveDataByDefault: true },
  });
  it.each([
    ["no namespace yet", facts(), settings(), "pass"],
    ["no label", ns({}), settings(), "pass"],
    ["enforce privileged", ns(enforce("privileged")), settings(), "pass"],
    ["enforce baseline, file-system backup", ns(enforce("baseline")), settings(), "fail"],
    ["enforce baseline, data movement", ns(enforce("baseline")), dataMover, "fail"],
    ["enforce baseline, no node-agent", ns(enforce("baseline")), noAgent, "pass"],
    ["enforce restricted, no node-agent", ns(enforce("restricted")), noAgent, "fail"],
    ["enforce restricted", ns(enforce("restricted")), settings(), "fail"],
    [
      "warn restricted",
      ns({ ...enforce("privileged"), "pod-security.kubernetes.io/warn": "restricted" }),
      settings(),
      "warn",
    ],
  ])("Pod Security: %s → %s", (_, f, s, status) => {
    const c = check(run(f, s), "pod-security");
    expect(c.status).toBe(status);
    if (status !== "pass")
      expect(c.fix).toMatch(/^kubectl label namespace velero pod-security\.kubernetes\.io\/.*=privileged/);
  });

  it("a cluster that does not answer fails one check and keeps those from its record", () => {
    const checks = prechecksFrom(cluster({ kubernetesVersion: "v1.32.2" }), settings(), {
      unreachable: "connect ECONNREFUSED",
    });
    expect(checks.map((c) => `${c.id}:${c.status}`)).toEqual([
      "access:pass",
      "existing-velero:pass",
      "kubernetes-version:pass",
      "cluster-reachable:fail",
    ]);
    expect(checks[3].detail).toContain("connect ECONNREFUSED");
  });
});
