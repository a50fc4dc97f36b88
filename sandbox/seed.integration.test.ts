import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "./kube-api/cluster";
import type { KObject } from "./kube-api/types";
import { COVERAGE_NAMESPACES, SEEDED_NAMESPACES, seedCluster, type SeedOptions } from "./seed";
import { startSimulator } from "./simulator";
import { crdsSkipReason, haveCrds, haveWorkloads, VELERO_CRDS_DIR, WORKLOADS_DIR } from "./testing/paths";

// Seeded sandbox clusters, in-process: no server, no network, no database.
const workloadsSkipReason = `(skipped: workloads not found at ${WORKLOADS_DIR}; set LIFEBOAT_WORKLOADS_DIR)`;

const VIRTUAL = new Set(["selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"]);

function seeded(opts: Partial<SeedOptions> = {}): Cluster {
  const c = new Cluster({ name: "t", adminToken: "x" });
  seedCluster(c, { velero: false, workloadsDir: WORKLOADS_DIR, crdsDir: VELERO_CRDS_DIR, ...opts });
  return c;
}

const items = (c: Cluster, group: string, resource: string, ns?: string): KObject[] =>
  c.list(c.typeOf(group, resource)!, ns).items;
const get = (c: Cluster, group: string, resource: string, ns: string | undefined, name: string): KObject =>
  c.get(c.typeOf(group, resource)!, ns, name);
const names = (os: KObject[]) => os.map((o) => o.metadata.name).sort();

/** Every stored object as "<group>/<resource> <namespace>/<name>". */
function inventory(c: Cluster): string[] {
  const out: string[] = [];
  for (const rt of c.allTypes()) {
    if (VIRTUAL.has(rt.resource) || (!rt.builtIn && rt.storage === false)) continue;
    for (const o of c.list(rt, undefined).items)
      out.push(`${rt.group}/${rt.resource} ${o.metadata.namespace ?? ""}/${o.metadata.name}`);
  }
  return out.sort();
}

/** Settles microtasks the cluster queues (default ServiceAccounts, reactors). */
const settle = () => new Promise((r) => setTimeout(r, 0));

async function until<T>(what: string, fn: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!haveWorkloads)(`seeded cluster, Velero off ${haveWorkloads ? "" : workloadsSkipReason}`, () => {
  let c: Cluster;
  beforeAll(() => {
    c = seeded();
  });

  it("has the namespaces with their labels, each with a ServiceAccount and Secrets of its own", () => {
    const ns = new Map(items(c, "", "namespaces").map((n) => [n.metadata.name, n]));
    for (const n of [...SEEDED_NAMESPACES, "kube-system", "default"]) expect(ns.has(n), n).toBe(true);
    expect(ns.get("guestbook")!.metadata.labels).toMatchObject({
      team: "web",
      "kubernetes.io/metadata.name": "guestbook",
    });
    expect(ns.get("cassandra")!.metadata.labels).toMatchObject({ team: "data" });
    expect(ns.get("payments")!.metadata.labels).toMatchObject({ team: "payments" });
    for (const n of [...SEEDED_NAMESPACES, "kube-system"]) {
      const sas = names(items(c, "", "serviceaccounts", n));
      expect(sas, n).toContain("default");
      expect(sas.length, n).toBeGreaterThan(1);
      expect(items(c, "", "secrets", n).length, n).toBeGreaterThan(0);
    }
    expect(ns.has("velero")).toBe(false);
  });

  it("has three Ready nodes in three zones, at the cluster's version", () => {
    const nodes = items(c, "", "nodes");
    expect(names(nodes)).toEqual(["node-1", "node-2", "node-3"]);
    expect(nodes.map((n) => n.metadata.labels!["topology.kubernetes.io/zone"])).toEqual(["zone-a", "zone-b", "zone-c"]);
    for (const n of nodes) {
      expect(n.metadata.labels!["kubernetes.io/hostname"]).toBe(n.metadata.name);
      expect(n.status.conditions.find((x: any) => x.type === "Ready").status).toBe("True");
      expect(n.status.nodeInfo.kubeletVersion).toBe(c.version);
      expect(n.status.capacity.cpu).toBeTruthy();
      expect(n.status.allocatable.pods).toBe("110");
      expect(n.status.addresses.find((a: any) => a.type === "InternalIP").address).toMatch(/^10\.0\.0\.\d+$/);
    }
  });

  it("has CSI and non-CSI storage", () => {
    const sc = get(c, "storage.k8s.io", "storageclasses", undefined, "csi-standard");
    expect(sc.metadata.annotations!["storageclass.kubernetes.io/is-default-class"]).toBe("true");
    expect(sc.provisioner).toBe("disk.csi.sandbox.io");
    expect(sc.allowVolumeExpansion).toBe(true);
    expect(get(c, "storage.k8s.io", "storageclasses", undefined, "legacy-hostpath").provisioner).toBe(
      "kubernetes.io/no-provisioner",
    );
    expect(names(items(c, "storage.k8s.io", "storageclasses"))).toEqual(["csi-standard", "legacy-hostpath"]); // the manifest's "fast" is not created
    expect(get(c, "storage.k8s.io", "csidrivers", undefined, "disk.csi.sandbox.io")).toBeTruthy();
    const vsc = items(c, "snapshot.storage.k8s.io", "volumesnapshotclasses");
    expect(vsc).toHaveLength(1);
    expect(vsc[0]).toMatchObject({
      driver: "disk.csi.sandbox.io",
      deletionPolicy: "Delete",
      metadata: { name: "csi-snapclass", labels: { "velero.io/csi-volumesnapshot-class": "true" } },
    });
  });

  it("seeds the real workloads: guestbook, cassandra, model serving, mysql", () => {
    expect(names(items(c, "apps", "deployments", "guestbook"))).toEqual(["frontend", "redis-master", "redis-replica"]);
    expect(names(items(c, "", "services", "guestbook"))).toEqual(["frontend", "redis-master", "redis-replica"]);
    expect(get(c, "", "services", "guestbook", "frontend").spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(names(items(c, "apps", "statefulsets", "cassandra"))).toEqual(["cassandra"]);
    expect(get(c, "", "services", "cassandra", "cassandra").spec.clusterIP).toBe("None");
    expect(names(items(c, "apps", "deployments", "model-serving"))).toEqual(["tf-serving"]);
    const mysql = get(c, "", "pods", "mysql", "mysql");
    expect(mysql.spec.volumes[0].cinder.volumeID).toBe("bd82f7e2-wece-4c01-a505-4acf60b07f4a");
    expect(mysql.metadata.ownerReferences).toBeUndefined();
    expect(get(c, "", "services", "mysql", "mysql").spec.selector).toEqual({ name: "mysql" });
  });

  it("binds cassandra's claims to CSI volumes on csi-standard", () => {
    const pvcs = items(c, "", "persistentvolumeclaims", "cassandra");
    expect(names(pvcs)).toEqual([
      "cassandra-data-cassandra-0",
      "cassandra-data-cassandra-1",
      "cassandra-data-cassandra-2",
    ]);
    for (const pvc of pvcs) {
      expect(pvc.status.phase).toBe("Bound");
      expect(pvc.spec.storageClassName).toBe("csi-standard");
      const pv = get(c, "", "persistentvolumes", undefined, pvc.spec.volumeName);
      expect(pv.status.phase).toBe("Bound");
      expect(pv.spec.csi.driver).toBe("disk.csi.sandbox.io");
      expect(pv.spec.claimRef).toMatchObject({
        namespace: "cassandra",
        name: pvc.metadata.name,
        uid: pvc.metadata.uid,
      });
      expect(pv.spec.capacity.storage).toBe(pvc.spec.resources.requests.storage);
    }
    const sts = get(c, "apps", "statefulsets", "cassandra", "cassandra");
    expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBe("csi-standard");
    expect(sts.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3 });
  });

  it("binds model-serving's claim to a non-CSI volume on legacy-hostpath", () => {
    const pvc = get(c, "", "persistentvolumeclaims", "model-serving", "my-model-pvc");
    expect(pvc.status.phase).toBe("Bound");
    expect(pvc.spec.storageClassName).toBe("legacy-hostpath");
    const pv = get(c, "", "persistentvolumes", undefined, pvc.spec.volumeName);
    expect(pv.metadata.name).toBe("my-model-pv");
    expect(pv.spec.csi).toBeUndefined();
    expect(pv.spec.hostPath.path).toBeTruthy();
    expect(pv.spec.storageClassName).toBe("legacy-hostpath");
    expect(pv.status.phase).toBe("Bound");
  });

  it("marks the file-system backup opt-in and opt-out on the pods", () => {
    const [cache] = items(c, "", "pods", "web-cache");
    expect(cache.metadata.annotations!["backup.velero.io/backup-volumes"]).toBe("cache");
    expect(cache.spec.volumes.find((v: any) => v.name === "cache").emptyDir).toBeTruthy();
    expect(items(c, "", "configmaps", "web-cache").length).toBeGreaterThan(0);
    const [pay] = items(c, "", "pods", "payments");
    expect(pay.metadata.annotations!["backup.velero.io/backup-volumes-excludes"]).toBe("tmp");
    expect(pay.spec.volumes.find((v: any) => v.name === "tmp").emptyDir).toBeTruthy();
    expect(pay.spec.volumes.find((v: any) => v.name === "data").persistentVolumeClaim.claimName).toBe("payments-data");
    expect(items(c, "", "secrets", "payments").length).toBeGreaterThanOrEqual(2);
  });

  it("runs every pod on a node, owned by an existing controller, with claims that exist and are Bound", () => {
    const pods = items(c, "", "pods");
    expect(pods.length).toBeGreaterThan(15);
    const nodes = new Set(names(items(c, "", "nodes")));
    const kinds: Record<string, [string, string]> = {
      ReplicaSet: ["apps", "replicasets"],
      StatefulSet: ["apps", "statefulsets"],
      DaemonSet: ["apps", "daemonsets"],
      Deployment: ["apps", "deployments"],
    };
    for (const p of pods) {
      const where = `${p.metadata.namespace}/${p.metadata.name}`;
      expect(nodes.has(p.spec.nodeName), where).toBe(true);
      expect(p.status.phase, where).toBe("Running");
      expect(p.status.podIP, where).toBeTruthy();
      expect(p.status.conditions.find((x: any) => x.type === "Ready").status, where).toBe("True");
      expect(
        p.status.containerStatuses.every((s: any) => s.ready && s.started),
        where,
      ).toBe(true);
      for (const claim of (p.spec.volumes ?? []).map((v: any) => v.persistentVolumeClaim?.claimName).filter(Boolean)) {
        expect(
          get(c, "", "persistentvolumeclaims", p.metadata.namespace, claim).status.phase,
          `${where} ${claim}`,
        ).toBe("Bound");
      }
      // Follow the chain of controllers up: each owner exists with the uid the reference names.
      let o: KObject = p;
      while (o.metadata.ownerReferences?.length) {
        const ref = o.metadata.ownerReferences[0];
        expect(ref.controller, where).toBe(true);
        const [g, r] = kinds[ref.kind];
        const owner = get(c, g, r, o.metadata.namespace, ref.name);
        expect(owner.metadata.uid, where).toBe(ref.uid);
        o = owner;
      }
    }
    // IPs are unique per pod network.
    const ips = pods.filter((p) => !p.spec.hostNetwork).map((p) => p.status.podIP);
    expect(new Set(ips).size).toBe(ips.length);
    // Pods spread over every node.
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(3);
  });

  it("reports workload statuses as the controllers would", () => {
    const frontend = get(c, "apps", "deployments", "guestbook", "frontend");
    expect(frontend.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3 });
    const rs = items(c, "apps", "replicasets", "guestbook").find(
      (r) => r.metadata.ownerReferences![0].name === "frontend",
    )!;
    expect(rs.metadata.name).toMatch(/^frontend-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(
      items(c, "", "pods", "guestbook").filter((p) => p.metadata.ownerReferences![0].name === rs.metadata.name),
    ).toHaveLength(3);
    const proxy = get(c, "apps", "daemonsets", "kube-system", "kube-proxy");
    expect(proxy.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3 });
    const proxyPods = items(c, "", "pods", "kube-system").filter((p) => p.metadata.labels!["k8s-app"] === "kube-proxy");
    expect(proxyPods.map((p) => p.spec.nodeName).sort()).toEqual(["node-1", "node-2", "node-3"]);
    expect(
      items(c, "", "pods", "kube-system").filter((p) => p.metadata.labels!["k8s-app"] === "kube-dns"),
    ).toHaveLength(2);
    for (const ns of ["tkg-system", "vmware-system-tmc"]) {
      expect(items(c, "apps", "deployments", ns), ns).toHaveLength(1);
      expect(items(c, "", "pods", ns), ns).toHaveLength(1);
    }
  });

  it("serves no Velero types and no velero namespace, and none of the coverage cases that go with Velero", () => {
    const nss = items(c, "", "namespaces").map((n) => n.metadata.name);
    for (const n of COVERAGE_NAMESPACES) expect(nss).not.toContain(n);
    expect(items(c, "storage.k8s.io", "csidrivers").map((d) => d.metadata.name)).toEqual(["disk.csi.sandbox.io"]);
    expect(c.typeOf("velero.io", "backups")).toBeUndefined();
    expect(
      items(c, "apiextensions.k8s.io", "customresourcedefinitions").filter((d) => d.spec.group === "velero.io"),
    ).toHaveLength(0);
    expect(items(c, "", "namespaces").map((n) => n.metadata.name)).not.toContain("velero");
  });

  it("seeds the same object names on every cluster", async () => {
    const other = seeded();
    await settle();
    expect(inventory(other)).toEqual(inventory(c));
  });

  it("seeds the same names from its built-in fallback when the workloads directory is missing", async () => {
    const fallback = seeded({ workloadsDir: "/nonexistent/workloads" });
    await settle();
    expect(inventory(fallback)).toEqual(inventory(c));
  });
});

describe(`seeding without the workloads directory`, () => {
  it("does not fail and still seeds every namespace", () => {
    const c = seeded({ workloadsDir: "/nonexistent/workloads" });
    for (const n of SEEDED_NAMESPACES) expect(c.store.get(c.builtin("", "namespaces"), undefined, n), n).toBeTruthy();
    expect(get(c, "apps", "statefulsets", "cassandra", "cassandra").status.readyReplicas).toBe(3);
  });

  it("throws when Velero is on and the CRDs directory is missing", () => {
    const c = new Cluster({ name: "t", adminToken: "x" });
    expect(() =>
      seedCluster(c, { velero: { version: "v1.18.1", nodeAgent: true, csi: true }, crdsDir: "/nonexistent/crds" }),
    ).toThrow(/\/nonexistent\/crds/);
  });
});

describe.skipIf(!haveWorkloads || !haveCrds)(
  `seeded cluster, Velero on ${!haveCrds ? crdsSkipReason : !haveWorkloads ? workloadsSkipReason : ""}`,
  () => {
    let c: Cluster;
    beforeAll(() => {
      c = seeded({ velero: { version: "v1.18.1", nodeAgent: true, csi: true } });
    });

    it("serves the Velero types from its CRDs", () => {
      for (const r of [
        "backups",
        "restores",
        "schedules",
        "backupstoragelocations",
        "volumesnapshotlocations",
        "podvolumebackups",
        "datauploads",
      ]) {
        expect(c.typeOf("velero.io", r), r).toBeDefined();
      }
      const crds = items(c, "apiextensions.k8s.io", "customresourcedefinitions").filter(
        (d) => d.spec.group === "velero.io",
      );
      expect(crds.length).toBe(13);
      expect(
        crds.every((d) => d.status.conditions.some((x: any) => x.type === "Established" && x.status === "True")),
      ).toBe(true);
      // Velero's custom resources can be created against the real schemas.
      const bsl = c.create(c.typeOf("velero.io", "backupstoragelocations")!, "velero", {
        apiVersion: "velero.io/v1",
        kind: "BackupStorageLocation",
        metadata: { name: "default" },
        spec: { provider: "aws", objectStorage: { bucket: "b" } },
      });
      expect(bsl.metadata.uid).toBeTruthy();
    });

    it("runs the Velero server with CSI enabled, and a node-agent pod on each node", () => {
      const dep = get(c, "apps", "deployments", "velero", "velero");
      expect(dep.metadata.labels).toMatchObject({ component: "velero", deploy: "velero" });
      const container = dep.spec.template.spec.containers[0];
      expect(container.image).toBe("velero/velero:v1.18.1");
      expect(container.args).toContain("server");
      expect(container.args).toContain("--features=EnableCSI");
      const pods = items(c, "", "pods", "velero");
      expect(pods.filter((p) => p.metadata.labels!.deploy === "velero").map((p) => p.status.phase)).toEqual([
        "Running",
      ]);
      const ds = get(c, "apps", "daemonsets", "velero", "node-agent");
      expect(ds.metadata.labels).toMatchObject({ component: "velero", name: "node-agent" });
      const agents = pods.filter((p) => p.metadata.labels!.name === "node-agent");
      expect(agents.map((p) => p.spec.nodeName).sort()).toEqual(["node-1", "node-2", "node-3"]);
      expect(
        agents.every((p) => p.status.phase === "Running" && p.metadata.ownerReferences![0].uid === ds.metadata.uid),
      ).toBe(true);
      expect(get(c, "", "serviceaccounts", "velero", "velero")).toBeTruthy();
      const crb = get(c, "rbac.authorization.k8s.io", "clusterrolebindings", undefined, "velero");
      expect(crb.roleRef.name).toBe("cluster-admin");
      expect(crb.subjects).toEqual([{ kind: "ServiceAccount", name: "velero", namespace: "velero" }]);
      expect(names(items(c, "", "secrets", "velero"))).not.toContain("cloud-credentials");
    });

    it("adds a GPU node, tainted, where the node-agent does not run; every DaemonSet's numbers count the nodes it runs on", () => {
      const nodes = items(c, "", "nodes");
      expect(names(nodes)).toEqual(["node-1", "node-2", "node-3", "node-4"]);
      const gpu = nodes.find((n) => n.metadata.name === "node-4")!;
      expect(gpu.spec.taints).toEqual([{ key: "dedicated", value: "gpu", effect: "NoSchedule" }]);
      expect(gpu.metadata.labels).toMatchObject({
        "nvidia.com/gpu.present": "true",
        "node.kubernetes.io/instance-type": "gpu-8",
        "kubernetes.io/hostname": "node-4",
      });
      expect(gpu.status.conditions.find((x: any) => x.type === "Ready").status).toBe("True");
      expect(gpu.status.capacity["nvidia.com/gpu"]).toBe("1");
      for (const n of nodes.filter((n) => n.metadata.name !== "node-4")) expect(n.spec.taints).toBeUndefined();

      const onNodes = (ns: string, label: string, value: string) =>
        items(c, "", "pods", ns)
          .filter((p) => p.metadata.labels![label] === value)
          .map((p) => p.spec.nodeName)
          .sort();
      const daemon = (ns: string, name: string) => get(c, "apps", "daemonsets", ns, name).status;
      // The node-agent tolerates no dedicated=gpu taint: three pods, three desired, three ready.
      expect(onNodes("velero", "name", "node-agent")).toEqual(["node-1", "node-2", "node-3"]);
      expect(daemon("velero", "node-agent")).toMatchObject({
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 3,
        numberAvailable: 3,
      });
      // kube-proxy tolerates every taint: it runs on the GPU node too.
      expect(onNodes("kube-system", "k8s-app", "kube-proxy")).toEqual(["node-1", "node-2", "node-3", "node-4"]);
      expect(daemon("kube-system", "kube-proxy")).toMatchObject({ desiredNumberScheduled: 4, numberReady: 4 });
      expect(onNodes("batch-jobs", "app", "log-shipper")).toEqual(["node-1", "node-2", "node-3"]);
      expect(daemon("batch-jobs", "log-shipper")).toMatchObject({ desiredNumberScheduled: 3, numberReady: 3 });
      // Only pods that tolerate the taint run on the GPU node.
      for (const p of items(c, "", "pods").filter((p) => p.spec.nodeName === "node-4"))
        expect(
          p.spec.tolerations.some((t: any) => t.key === "dedicated" || (t.operator === "Exists" && !t.key)),
          p.metadata.name,
        ).toBe(true);
    });

    it("seeds issue #13's coverage cases in batch-jobs and analytics, as real objects", () => {
      for (const n of COVERAGE_NAMESPACES) {
        expect(get(c, "", "namespaces", undefined, n).status.phase, n).toBe("Active");
        expect(names(items(c, "", "serviceaccounts", n)).length, n).toBeGreaterThan(1);
        expect(items(c, "", "secrets", n).length, n).toBeGreaterThan(0);
      }
      // 1. A claim with no storage class (the field absent), bound to a CSI volume with none either.
      const archive = get(c, "", "persistentvolumeclaims", "batch-jobs", "reports-archive");
      expect("storageClassName" in archive.spec).toBe(false);
      expect(archive.status.phase).toBe("Bound");
      const archivePv = get(c, "", "persistentvolumes", undefined, archive.spec.volumeName);
      expect(archivePv.spec.csi.driver).toBe("disk.csi.sandbox.io");
      expect("storageClassName" in archivePv.spec).toBe(false);
      expect(archivePv.spec.claimRef).toMatchObject({ name: "reports-archive", uid: archive.metadata.uid });
      expect(archivePv.status.phase).toBe("Bound");

      // 2. A second CSI driver and its class, with no VolumeSnapshotClass; clickhouse's claim is on it, mounted.
      expect(get(c, "storage.k8s.io", "csidrivers", undefined, "nvme.csi.sandbox.io")).toBeTruthy();
      expect(get(c, "storage.k8s.io", "storageclasses", undefined, "fast-nvme").provisioner).toBe(
        "nvme.csi.sandbox.io",
      );
      expect(items(c, "snapshot.storage.k8s.io", "volumesnapshotclasses").map((v) => v.driver)).toEqual([
        "disk.csi.sandbox.io",
      ]);
      const data = get(c, "", "persistentvolumeclaims", "analytics", "data-clickhouse-0");
      expect(data).toMatchObject({ spec: { storageClassName: "fast-nvme" }, status: { phase: "Bound" } });
      expect(get(c, "", "persistentvolumes", undefined, data.spec.volumeName).spec.csi.driver).toBe(
        "nvme.csi.sandbox.io",
      );
      const clickhouse = get(c, "", "pods", "analytics", "clickhouse-0");
      expect(clickhouse.status.phase).toBe("Running");
      expect(clickhouse.spec.volumes.find((v: any) => v.name === "data").persistentVolumeClaim.claimName).toBe(
        "data-clickhouse-0",
      );

      const pods = items(c, "", "pods", "analytics");
      const byApp = (app: string) => pods.filter((p) => p.metadata.labels!.app === app);
      // 3. A pod no node takes: Pending, unscheduled, with the scheduler's reasons; its claim opted in to FSB.
      const [pending] = byApp("spark-history");
      expect(byApp("spark-history")).toHaveLength(1);
      expect(pending.spec.nodeName).toBeUndefined();
      expect(pending.status.phase).toBe("Pending");
      expect(pending.status.podIP).toBeUndefined();
      expect(pending.status.conditions).toEqual([
        expect.objectContaining({
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message:
            "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 3 node(s) didn't match " +
            "Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
        }),
      ]);
      expect(pending.metadata.annotations!["backup.velero.io/backup-volumes"]).toBe("event-logs");
      expect(get(c, "", "persistentvolumeclaims", "analytics", "spark-event-logs").status.phase).toBe("Bound");
      expect(get(c, "apps", "deployments", "analytics", "spark-history").status).toMatchObject({
        replicas: 1,
        readyReplicas: 0,
        availableReplicas: 0,
        unavailableReplicas: 1,
      });
      expect(pending.metadata.ownerReferences![0].kind).toBe("ReplicaSet");

      // 4. A log shipper reading the node's /var/log through a hostPath volume (opted in, which FSB ignores).
      for (const p of items(c, "", "pods", "batch-jobs").filter((p) => p.metadata.labels!.app === "log-shipper")) {
        expect(p.spec.volumes.find((v: any) => v.name === "varlog").hostPath.path).toBe("/var/log");
        expect(p.metadata.annotations!["backup.velero.io/backup-volumes"]).toBe("varlog");
        expect(p.status.phase).toBe("Running");
      }

      // 5. A Running pod on the GPU node, tolerating its taint, its claim opted in to FSB.
      const [notebook] = byApp("gpu-notebook");
      expect(notebook).toMatchObject({ spec: { nodeName: "node-4" }, status: { phase: "Running" } });
      expect(notebook.status.podIP).toMatch(/^10\.244\.4\.\d+$/);
      expect(notebook.spec.tolerations).toContainEqual({
        key: "dedicated",
        operator: "Equal",
        value: "gpu",
        effect: "NoSchedule",
      });
      expect(notebook.metadata.annotations!["backup.velero.io/backup-volumes"]).toBe("workspace");
      expect(get(c, "", "persistentvolumeclaims", "analytics", "notebook-workspace").status.phase).toBe("Bound");

      // 6. batch-jobs is in no schedule: the seed makes none.
      expect(items(c, "velero.io", "schedules", "velero")).toEqual([]);
    });

    it("schedules new pods around the GPU node's taint, says why a pod fits nowhere, and leaves the seeded ones alone", async () => {
      const vc = seeded({ velero: { version: "v1.18.1", nodeAgent: true, csi: true } });
      const pods = vc.builtin("", "pods");
      const pendingBefore = items(vc, "", "pods", "analytics").find((p) => p.metadata.labels!.app === "spark-history")!;
      const stop = startSimulator(vc, { delayMs: 5 });
      try {
        vc.create(vc.builtin("", "namespaces"), undefined, { metadata: { name: "restored" } });
        const spec = (extra: object = {}) => ({ containers: [{ name: "app", image: "nginx:1.27" }], ...extra });
        for (let i = 0; i < 8; i++)
          vc.create(pods, "restored", { apiVersion: "v1", kind: "Pod", metadata: { name: `web-${i}` }, spec: spec() });
        vc.create(pods, "restored", {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "trainer" },
          spec: spec({
            nodeSelector: { "nvidia.com/gpu.present": "true" },
            tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule" }],
          }),
        });
        vc.create(pods, "restored", {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "nowhere" },
          spec: spec({ nodeSelector: { "nvidia.com/gpu.present": "true" } }),
        });
        const running = await until(
          "the pods to run",
          () => {
            const all = items(vc, "", "pods", "restored").filter((p) => p.status.phase === "Running");
            return all.length === 9 && all;
          },
          5000,
        );
        expect(running.find((p) => p.metadata.name === "trainer")!.spec.nodeName).toBe("node-4");
        expect(new Set(running.filter((p) => p.metadata.name !== "trainer").map((p) => p.spec.nodeName))).toEqual(
          new Set(["node-1", "node-2", "node-3"]),
        );
        const nowhere = await until("the scheduler's reasons", () => {
          const p = vc.get(pods, "restored", "nowhere");
          return p.status.conditions?.some((x: any) => x.type === "PodScheduled") && p;
        });
        expect(nowhere.spec.nodeName).toBeUndefined();
        expect(nowhere.status.conditions.find((x: any) => x.type === "PodScheduled")).toMatchObject({
          status: "False",
          reason: "Unschedulable",
          message:
            "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 3 node(s) didn't match " +
            "Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
        });
        // The seeded Pending pod already says so: the scheduler did not rewrite it.
        const pendingAfter = vc.get(pods, "analytics", pendingBefore.metadata.name!);
        expect(pendingAfter.metadata.resourceVersion).toBe(pendingBefore.metadata.resourceVersion);
      } finally {
        stop();
      }
    });

    it("leaves out the node-agent and the CSI feature when asked", () => {
      const bare = seeded({ velero: { version: "v1.17.0", nodeAgent: false, csi: false } });
      const container = get(bare, "apps", "deployments", "velero", "velero").spec.template.spec.containers[0];
      expect(container.image).toBe("velero/velero:v1.17.0");
      expect(container.args.join(" ")).not.toContain("EnableCSI");
      expect(items(bare, "apps", "daemonsets", "velero")).toHaveLength(0);
    });
  },
);

describe("simulator", () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  const podBody = (name: string, volumes: unknown[] = []) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      containers: [
        {
          name: "app",
          image: "nginx:1.27",
          ...(volumes.length ? { volumeMounts: [{ name: "data", mountPath: "/data" }] } : {}),
        },
      ],
      volumes,
    },
  });
  const pvcBody = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } }, ...extra },
  });

  it("schedules and starts new pods and provisions new claims on csi-standard", async () => {
    const c = seeded({ workloadsDir: "/nonexistent/workloads" });
    stop = startSimulator(c, { delayMs: 20 });
    const pods = c.builtin("", "pods");
    const pvcs = c.builtin("", "persistentvolumeclaims");
    c.create(c.builtin("", "namespaces"), undefined, { metadata: { name: "restored" } });
    const created = c.create(pods, "restored", podBody("web"));
    expect(created.status.phase).toBe("Pending");
    const claim = c.create(pvcs, "restored", pvcBody("data", { storageClassName: "csi-standard" }));
    expect(claim.status.phase).toBe("Pending");

    const running = await until("the pod to run", () => {
      const p = c.get(pods, "restored", "web");
      return p.status.phase === "Running" && p;
    });
    expect(["node-1", "node-2", "node-3"]).toContain(running.spec.nodeName);
    expect(running.status.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(running.status.conditions.find((x: any) => x.type === "Ready").status).toBe("True");
    expect(running.status.containerStatuses[0]).toMatchObject({ name: "app", ready: true, started: true });

    const bound = await until("the claim to bind", () => {
      const p = c.get(pvcs, "restored", "data");
      return p.status.phase === "Bound" && p;
    });
    expect(bound.spec.volumeName).toBe(`pvc-${claim.metadata.uid}`);
    const pv = c.get(c.builtin("", "persistentvolumes"), undefined, bound.spec.volumeName);
    expect(pv.status.phase).toBe("Bound");
    expect(pv.spec.csi.driver).toBe("disk.csi.sandbox.io");
    expect(pv.spec.capacity.storage).toBe("2Gi");
    expect(pv.spec.claimRef).toMatchObject({ namespace: "restored", name: "data", uid: claim.metadata.uid });
  });

  it("starts a pod once its claim binds; binds a claim to the volume it names; leaves no-provisioner claims Pending", async () => {
    const c = seeded({ workloadsDir: "/nonexistent/workloads" });
    stop = startSimulator(c, { delayMs: 10 });
    const pods = c.builtin("", "pods");
    const pvcs = c.builtin("", "persistentvolumeclaims");
    const pvs = c.builtin("", "persistentvolumes");
    c.create(c.builtin("", "namespaces"), undefined, { metadata: { name: "app" } });
    // A pod whose claim comes later (as a restore may order them), on the default class.
    c.create(pods, "app", podBody("db", [{ name: "data", persistentVolumeClaim: { claimName: "db-data" } }]));
    await new Promise((r) => setTimeout(r, 50));
    expect(c.get(pods, "app", "db").status.phase).toBe("Pending");
    c.create(pvcs, "app", pvcBody("db-data"));
    const db = await until("the pod with a claim to run", () => {
      const p = c.get(pods, "app", "db");
      return p.status.phase === "Running" && p;
    });
    expect(c.get(pvcs, "app", "db-data")).toMatchObject({
      spec: { storageClassName: "csi-standard" },
      status: { phase: "Bound" },
    });
    expect(db.spec.nodeName).toBeTruthy();

    // A static volume, named by the claim.
    c.create(pvs, undefined, {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "static-1" },
      spec: {
        capacity: { storage: "5Gi" },
        accessModes: ["ReadWriteOnce"],
        storageClassName: "legacy-hostpath",
        hostPath: { path: "/mnt/static-1" },
      },
    });
    await until("the volume to be Available", () => c.get(pvs, undefined, "static-1").status.phase === "Available");
    c.create(pvcs, "app", pvcBody("static", { storageClassName: "legacy-hostpath", volumeName: "static-1" }));
    await until("the claim to bind to its volume", () => c.get(pvcs, "app", "static").status.phase === "Bound");
    expect(c.get(pvs, undefined, "static-1")).toMatchObject({
      status: { phase: "Bound" },
      spec: { claimRef: { namespace: "app", name: "static" } },
    });

    // no-provisioner without a matching volume: stays Pending.
    c.create(
      pvcs,
      "app",
      pvcBody("orphan", { storageClassName: "legacy-hostpath", resources: { requests: { storage: "100Gi" } } }),
    );
    await new Promise((r) => setTimeout(r, 60));
    expect(c.get(pvcs, "app", "orphan").status.phase).toBe("Pending");
  });

  it("does nothing after stop(), and never touches objects that are already settled", async () => {
    const c = seeded({ workloadsDir: "/nonexistent/workloads" });
    const rvBefore = c.store.currentRV;
    stop = startSimulator(c, { delayMs: 10 });
    await new Promise((r) => setTimeout(r, 40));
    const writesWhileIdle = c.store.currentRV - rvBefore;
    expect(writesWhileIdle).toBe(0); // every seeded object is already Running / Bound
    stop();
    c.create(c.builtin("", "pods"), "default", podBody("late"));
    await new Promise((r) => setTimeout(r, 60));
    const late = c.get(c.builtin("", "pods"), "default", "late");
    expect(late.status.phase).toBe("Pending");
    expect(late.spec.nodeName).toBeUndefined();
  });
});
