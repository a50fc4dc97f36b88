import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startClusters, type Sandbox } from "./sandbox";
import { seedCluster } from "./seed";
import { startSimulator } from "./simulator";
import { startWorkloadControllers } from "./workloads";
import { haveKubectl, kubectl } from "./testing/kubectl";
import { VELERO_CRDS_DIR, WORKLOADS_DIR } from "./testing/paths";
import { until } from "../server/testing/wait";
import type { KObject } from "./kube-api/types";

// The sandbox's workload controllers (Deployment, ReplicaSet, DaemonSet, Job, garbage collector), its kubelet's image
// pulls and programs, and Pod Security admission, seen through the machine's real kubectl: `rollout status`, `wait`,
// `logs job/…` and `get events` must work on them as on a real cluster.
let sb: Sandbox;
let kc: string;
let stop: () => void;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-workloads-"));
const k = (args: string[], input?: string) => kubectl(kc, args, input);
const json = async (args: string[]) => {
  const r = await k([...args, "-o", "json"]);
  if (r.code !== 0) throw new Error(r.err);
  return JSON.parse(r.out);
};
const apply = async (o: unknown) => {
  const r = await k(["apply", "-f", "-"], JSON.stringify(o));
  expect(r.err).toBe("");
  return r;
};
const podsOf = async (ns: string, selector: string): Promise<KObject[]> =>
  (await json(["get", "pods", "-n", ns, "-l", selector])).items;
const running = (pods: KObject[]) => pods.filter((p: any) => p.status?.phase === "Running");

beforeAll(async () => {
  sb = await startClusters([{ name: "workloads" }], { dir });
  const c = sb.clusters[0].cluster;
  seedCluster(c, { velero: false, workloadsDir: WORKLOADS_DIR, crdsDir: VELERO_CRDS_DIR });
  const stopKubelet = startSimulator(c, { delayMs: 10, backOffMs: 200 });
  const stopControllers = startWorkloadControllers(c, { delayMs: 10, retryMs: 200 });
  stop = () => {
    stopControllers();
    stopKubelet();
  };
  kc = sb.clusters[0].kubeconfigPath;
  c.create(c.builtin("", "namespaces"), undefined, { metadata: { name: "shop" } });
});
afterAll(async () => {
  stop?.();
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const deployment = (name: string, ns: string, image: string, replicas = 2) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image }] } },
  },
});

describe.skipIf(!haveKubectl)(
  "workload controllers against kubectl" + (haveKubectl ? "" : " (skipped: no kubectl on this machine)"),
  () => {
    it("adopts the seeded workloads as they are, rolls a Deployment out and rolls it again on a new image", async () => {
      const seeded = await json(["get", "deployments,replicasets,daemonsets,pods", "-A"]);
      await apply(deployment("web", "shop", "nginx:1.27"));
      const first = await k(["rollout", "status", "deployment/web", "-n", "shop", "--timeout=30s"]);
      expect(first).toMatchObject({ code: 0 });
      expect(first.out).toContain('deployment "web" successfully rolled out');
      expect(running(await podsOf("shop", "app=web"))).toHaveLength(2);
      // Nothing seeded was rewritten while the controllers caught up and rolled "web" out.
      const after = await json(["get", "deployments,replicasets,daemonsets,pods", "-A"]);
      const versions = (l: any) =>
        Object.fromEntries(
          l.items
            .filter((o: KObject) => o.metadata.namespace !== "shop")
            .map((o: KObject) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o.metadata.resourceVersion]),
        );
      expect(versions(after)).toEqual(versions(seeded));

      expect((await k(["set", "image", "deployment/web", "main=nginx:1.28", "-n", "shop"])).code).toBe(0);
      expect((await k(["rollout", "status", "deployment/web", "-n", "shop", "--timeout=30s"])).code).toBe(0);
      const sets = (await json(["get", "replicasets", "-n", "shop", "-l", "app=web"])).items;
      expect(sets.map((r: any) => r.spec.replicas).sort()).toEqual([0, 2]);
      const dep = await json(["get", "deployment/web", "-n", "shop"]);
      expect(dep.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("2");
      const pods = running(await podsOf("shop", "app=web"));
      expect(pods.map((p: any) => p.spec.containers[0].image)).toEqual(["nginx:1.28", "nginx:1.28"]);
    });

    it("keeps the old pods while a new image cannot be pulled, and says so when the progress deadline passes", async () => {
      await apply({
        ...deployment("api", "shop", "nginx:1.27", 1),
        // Long enough for the first rollout on a loaded machine; the stuck one below passes it.
        spec: { ...deployment("api", "shop", "nginx:1.27", 1).spec, progressDeadlineSeconds: 5 },
      });
      expect((await k(["rollout", "status", "deployment/api", "-n", "shop", "--timeout=30s"])).code).toBe(0);
      const image = "registry.unreachable.example/shop/api:1";
      expect((await k(["set", "image", "deployment/api", `main=${image}`, "-n", "shop"])).code).toBe(0);
      const stuck = await until("a pod in ImagePullBackOff", async () =>
        (await podsOf("shop", "app=api")).find(
          (p: any) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff",
        ),
      );
      expect((stuck as any).status.phase).toBe("Pending");
      expect((stuck as any).status.containerStatuses[0].state.waiting.message).toContain(
        `Back-off pulling image "${image}": ErrImagePull: rpc error: code = Unknown desc = failed to pull and unpack image`,
      );
      const selector = `involvedObject.name=${stuck.metadata.name}`;
      const events = await json(["get", "events", "-n", "shop", "--field-selector", selector]);
      expect(events.items.map((e: any) => e.message).join("\n")).toContain(
        "dial tcp: lookup registry.unreachable.example: no such host",
      );
      expect(running(await podsOf("shop", "app=api"))).toHaveLength(1); // the old pod still serves
      const status = await k(["rollout", "status", "deployment/api", "-n", "shop", "--timeout=30s"]);
      expect(status.code).not.toBe(0);
      expect(status.err).toContain('deployment "api" exceeded its progress deadline');
    }, 90_000); // two rollouts of up to 30 s each

    it("runs a daemon pod on each node its selector and tolerations allow, and follows the nodes' taints", async () => {
      expect((await k(["taint", "node", "node-3", "dedicated=backup:NoSchedule"])).code).toBe(0);
      const ds = {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "agent", namespace: "shop" },
        spec: {
          selector: { matchLabels: { app: "agent" } },
          template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "a", image: "busybox" }] } },
        },
      };
      await apply(ds);
      expect(await k(["rollout", "status", "daemonset/agent", "-n", "shop", "--timeout=30s"])).toMatchObject({
        code: 0,
      });
      const placed = async () => (await podsOf("shop", "app=agent")).map((p: any) => p.spec.nodeName).sort();
      expect(await placed()).toEqual(["node-1", "node-2"]);
      const tolerations = [{ key: "dedicated", operator: "Equal", value: "backup", effect: "NoSchedule" }];
      await apply({
        ...ds,
        spec: { ...ds.spec, template: { ...ds.spec.template, spec: { ...ds.spec.template.spec, tolerations } } },
      });
      expect((await k(["rollout", "status", "daemonset/agent", "-n", "shop", "--timeout=30s"])).code).toBe(0);
      expect(await placed()).toEqual(["node-1", "node-2", "node-3"]);
      const live = await podsOf("shop", "app=agent");
      expect(new Set(live.map((p: any) => p.metadata.labels["pod-template-generation"]))).toEqual(new Set(["2"]));
      expect((await k(["taint", "node", "node-3", "dedicated=backup:NoSchedule-"])).code).toBe(0);
    });

    it("refuses pods that break the namespace's Pod Security level, and a controller retries once it is raised", async () => {
      expect((await k(["create", "namespace", "locked"])).code).toBe(0);
      expect((await k(["label", "namespace", "locked", "pod-security.kubernetes.io/enforce=baseline"])).code).toBe(0);
      const hostPod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "host", namespace: "locked" },
        spec: {
          containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }],
          volumes: [{ name: "pods", hostPath: { path: "/var/lib/kubelet/pods" } }],
        },
      };
      const refused = await k(["apply", "-f", "-"], JSON.stringify(hostPod));
      expect(refused.code).not.toBe(0);
      expect(refused.err).toContain(
        'pods "host" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set ' +
          'securityContext.privileged=true), hostPath volumes (volume "pods")',
      );
      await apply({
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "node-agent", namespace: "locked" },
        spec: {
          selector: { matchLabels: { name: "node-agent" } },
          template: { metadata: { labels: { name: "node-agent" } }, spec: { ...hostPod.spec } },
        },
      });
      await until("a FailedCreate event", async () => {
        const ev = await json(["get", "events", "-n", "locked", "--field-selector", "reason=FailedCreate"]);
        return ev.items.find((e: any) =>
          e.message.startsWith('Error creating: pods "node-agent-" is forbidden: violates PodSecurity'),
        );
      });
      expect(await podsOf("locked", "name=node-agent")).toHaveLength(0);
      const overwrite = ["--overwrite", "pod-security.kubernetes.io/enforce=privileged"];
      expect((await k(["label", "namespace", "locked", ...overwrite])).code).toBe(0);
      expect((await k(["rollout", "status", "daemonset/node-agent", "-n", "locked", "--timeout=30s"])).code).toBe(0);
      expect(running(await podsOf("locked", "name=node-agent"))).toHaveLength(3);
    });

    it("runs a Job to completion, keeps its log for kubectl logs, and deletes it after its TTL with its pod", async () => {
      const job = (name: string, command: string[], spec: Record<string, unknown> = {}) => ({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name, namespace: "shop" },
        spec: {
          backoffLimit: 0,
          ...spec,
          template: { spec: { restartPolicy: "Never", containers: [{ name: "run", image: "busybox", command }] } },
        },
      });
      await apply(job("hello", ["echo", "rendered", "ok"]));
      expect((await k(["wait", "--for=condition=complete", "job/hello", "-n", "shop", "--timeout=30s"])).code).toBe(0);
      expect(await k(["logs", "job/hello", "-n", "shop"])).toMatchObject({ code: 0, out: "rendered ok\n" });
      const done = await json(["get", "job/hello", "-n", "shop"]);
      expect(done.status).toMatchObject({ succeeded: 1, active: 0 });

      await apply(job("broken", ["false"]));
      expect((await k(["wait", "--for=condition=failed", "job/broken", "-n", "shop", "--timeout=30s"])).code).toBe(0);
      const failed = await json(["get", "job/broken", "-n", "shop"]);
      expect(failed.status.conditions.find((c: any) => c.type === "Failed").reason).toBe("BackoffLimitExceeded");

      await apply(job("forever", ["sleep", "3600"], { activeDeadlineSeconds: 1 }));
      expect((await k(["wait", "--for=condition=failed", "job/forever", "-n", "shop", "--timeout=30s"])).code).toBe(0);
      const late = await json(["get", "job/forever", "-n", "shop"]);
      expect(late.status.conditions.find((c: any) => c.type === "Failed").reason).toBe("DeadlineExceeded");
      await until("the deadline's pod deleted", async () => !(await podsOf("shop", "job-name=forever")).length);

      await apply(job("brief", ["true"], { ttlSecondsAfterFinished: 0 }));
      await until("the finished Job deleted after its TTL", async () => {
        const r = await k(["get", "job/brief", "-n", "shop"]);
        return r.code !== 0 && r.err.includes("not found");
      });
      expect(await podsOf("shop", "job-name=brief")).toHaveLength(0);
    });

    it("collects a deleted Deployment's ReplicaSets and pods", async () => {
      expect((await k(["delete", "deployment/web", "-n", "shop"])).code).toBe(0);
      await until("web's pods collected", async () => !(await podsOf("shop", "app=web")).length);
      expect((await json(["get", "replicasets", "-n", "shop", "-l", "app=web"])).items).toHaveLength(0);
    });
  },
);
