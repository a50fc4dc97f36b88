import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { depsFor, type Deps } from "../../composition";
import { RESOURCES } from "../../kube/resources";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { freshDatabase } from "../../testing/db";
import { kubeconfigText } from "../../testing/sandbox";
import { until } from "../../testing/wait";
import { DEFAULT_VELERO_SETTINGS, type VeleroSettings } from "@/lib/schemas/velero";
import type { VeleroPrechecks } from "@/lib/schemas/velero-prechecks";
import { veleroPrechecks } from "./prechecks";

// The pre-checks before installing Velero, against sandbox-3 (the cluster the integration sandbox starts without
// Velero; another test file may have installed one there since, so what the record says decides the one check that
// depends on it), through the router as an admin: the sandbox is ready for Velero, its CSI driver has a labelled
// VolumeSnapshotClass; Pod Security "restricted" on the velero namespace fails the check, with the label to set.
let db: Db;
let d: Deps;
let clusterId: string;
let groupId: string;
let asAdmin: ReturnType<typeof callerFor>;
const BARE = 2;
const PSA_ENFORCE = "pod-security.kubernetes.io/enforce";

const statuses = (r: VeleroPrechecks) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
const check = (r: VeleroPrechecks, id: string) => r.checks.find((c) => c.id === id);
const settings = (patch: Partial<VeleroSettings> = {}): VeleroSettings => ({ ...DEFAULT_VELERO_SETTINGS, ...patch });

beforeAll(async () => {
  ({ db } = await freshDatabase());
  d = depsFor(db);
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  asAdmin = callerFor(db, await signedIn(db, admin));
  groupId = (await aGroup(db)).id;
  const c = await asAdmin.cluster.attach({
    kubeconfig: kubeconfigText(BARE),
    name: "bare",
    groupId,
    description: "",
    labels: {},
  });
  clusterId = c.id;
});

describe("Velero pre-checks on a sandbox cluster", () => {
  it("pass where the sandbox is ready: Kubernetes, the CSI snapshot API and class, Pod Security, access", async () => {
    const record = await db.cluster.findUniqueOrThrow({ where: { id: clusterId } });
    const someoneElses = (record.velero as { installed?: boolean } | null)?.installed === true;
    const r = await asAdmin.veleroFleet.prechecks({ clusterId, settings: settings() });
    expect(statuses(r)).toEqual({
      access: "pass",
      "existing-velero": someoneElses ? "warn" : "pass",
      "kubernetes-version": "pass",
      "csi-snapshot-api": "pass",
      // The sandbox's StorageClass csi-standard uses disk.csi.sandbox.io; legacy-hostpath has no CSI driver.
      "csi-snapshot-class:disk.csi.sandbox.io": "pass",
      "pod-security": "pass",
    });
    expect(check(r, "kubernetes-version")?.detail).toContain(`Kubernetes ${record.kubernetesVersion}`);
    expect(check(r, "csi-snapshot-class:disk.csi.sandbox.io")?.detail).toContain(
      "Velero snapshots disk.csi.sandbox.io volumes (used by the StorageClass csi-standard) with",
    );
    expect(r.worst).toBe(someoneElses ? "warn" : "pass");
    // With CSI snapshots off nothing about CSI is checked.
    const noCsi = await asAdmin.veleroFleet.prechecks({
      clusterId,
      settings: settings({ csi: { enabled: false, moveDataByDefault: false } }),
    });
    expect(noCsi.checks.map((c) => c.id)).toEqual(["access", "existing-velero", "kubernetes-version", "pod-security"]);
  });

  it('fails the Pod Security check while the velero namespace enforces "restricted", with the label to set', async () => {
    const c = await d.clusters.forCluster(clusterId);
    const before = await c.get(RESOURCES.namespaces, "velero");
    if (before)
      await c.patch(RESOURCES.namespaces, "velero", { metadata: { labels: { [PSA_ENFORCE]: "restricted" } } });
    else
      await c.create(RESOURCES.namespaces, { metadata: { name: "velero", labels: { [PSA_ENFORCE]: "restricted" } } });
    try {
      const r = await veleroPrechecks(d, clusterId, settings());
      const psa = check(r, "pod-security");
      expect(psa).toMatchObject({
        status: "fail",
        fix: "kubectl label namespace velero pod-security.kubernetes.io/enforce=privileged --overwrite",
      });
      expect(psa?.detail).toContain('enforces Pod Security "restricted"');
      expect(psa?.detail).toContain("the node-agent (hostPath volumes, running as root)");
      expect(r.worst).toBe("fail");
    } finally {
      if (before)
        await c.patch(RESOURCES.namespaces, "velero", {
          metadata: { labels: { [PSA_ENFORCE]: before.metadata?.labels?.[PSA_ENFORCE] ?? null } },
        });
      else {
        await c.delete(RESOURCES.namespaces, "velero");
        await until("the velero namespace gone", async () => (await c.get(RESOURCES.namespaces, "velero")) === null);
      }
    }
    const after = await veleroPrechecks(d, clusterId, settings());
    expect(check(after, "pod-security")?.status).toBe("pass");
  });

  it("needs velero.install on the cluster: a viewer is refused, someone bound elsewhere finds no cluster", async () => {
    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: groupId });
    const asViewer = callerFor(db, await signedIn(db, viewer));
    await expect(asViewer.veleroFleet.prechecks({ clusterId, settings: settings() })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const other = await aUser(db);
    await bind(db, "CLUSTER_ADMIN", { userId: other.id }, { clusterGroupId: (await aGroup(db)).id });
    const outsider = callerFor(db, await signedIn(db, other));
    await expect(outsider.veleroFleet.prechecks({ clusterId, settings: settings() })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
