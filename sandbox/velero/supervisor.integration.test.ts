import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../start";
import { haveKubectl, kubectl } from "../testing/kubectl";
import { crdsSkipReason, haveCrds } from "../testing/paths";
import { until } from "../../server/testing/wait";

// Velero's life on a sandbox cluster that starts without it, driven the way Lifeboat will drive a real one: run the
// velero/velero image's `install --dry-run -o json` in a Job, read what it rendered from the pod's log, apply that with
// server-side apply, wait for the rollout, and ask a ServerStatusRequest. The Velero stand-in follows the Deployment:
// it serves once the Deployment is available, restarts with a new version on a rollout, and stops when it is deleted.
let sb: RunningSandbox;
let kc: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-supervisor-"));
const k = (args: string[], input?: string) => kubectl(kc, args, input);
const LIFEBOAT_NS = "lifeboat-system";
/** Objects as a stream of documents, as `kubectl apply -f` reads a directory of manifests. */
const stream = (items: unknown[]) => items.map((o) => JSON.stringify(o)).join("\n");

const installArgs = (version: string, plugin: string) => [
  "install",
  "--dry-run",
  "-o",
  "json",
  "--no-secret",
  "--no-default-backup-location",
  "--use-volume-snapshots=false",
  `--plugins=velero/velero-plugin-for-aws:${plugin}`,
  "--features=EnableCSI",
  "--use-node-agent",
];

const renderJob = (name: string, image: string, args: string[]) => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name, namespace: LIFEBOAT_NS },
  spec: {
    backoffLimit: 0,
    template: {
      spec: { restartPolicy: "Never", containers: [{ name: "install", image, command: ["/velero"], args }] },
    },
  },
});

/** Renders with the image's installer in a Job and returns the List it printed. */
async function render(name: string, version: string, plugin: string) {
  const job = renderJob(name, `velero/velero:${version}`, installArgs(version, plugin));
  expect((await k(["apply", "-f", "-"], JSON.stringify(job))).code).toBe(0);
  const done = await k(["wait", "--for=condition=complete", `job/${name}`, "-n", LIFEBOAT_NS, "--timeout=30s"]);
  expect(done.code).toBe(0);
  const log = await k(["logs", `job/${name}`, "-n", LIFEBOAT_NS]);
  expect(log.code).toBe(0);
  return JSON.parse(log.out) as { kind: string; items: any[] };
}

async function serverStatus(name: string) {
  const ssr = { apiVersion: "velero.io/v1", kind: "ServerStatusRequest", metadata: { name, namespace: "velero" } };
  expect((await k(["apply", "-f", "-"], JSON.stringify(ssr))).code).toBe(0);
  return until(`ServerStatusRequest ${name} processed`, async () => {
    const r = await k(["get", "serverstatusrequest", name, "-n", "velero", "-o", "json"]);
    const o = r.code === 0 ? JSON.parse(r.out) : null;
    return o?.status?.phase === "Processed" && o.status;
  });
}

beforeAll(async () => {
  if (!haveCrds || !haveKubectl) return;
  sb = await startSandbox({
    dir,
    azurePort: null,
    entraPort: null,
    clusters: [{ name: "bare", velero: false }],
  });
  kc = sb.clusters[0].kubeconfigPath;
  expect((await k(["create", "namespace", LIFEBOAT_NS])).code).toBe(0);
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveCrds || !haveKubectl)(
  "Velero installed through its own installer Job " +
    (!haveCrds ? crdsSkipReason : !haveKubectl ? "(skipped: no kubectl on this machine)" : ""),
  () => {
    it("renders in a Job, applies, rolls out, and the server answers with the installed version and plugins", async () => {
      expect(sb.clusters[0].velero).toBeNull();
      const list = await render("render-1", "v1.17.0", "v1.13.0");
      expect(list.kind).toBe("List");
      const kinds = list.items.map((o) => o.kind);
      expect(kinds.filter((x) => x === "CustomResourceDefinition")).toHaveLength(13);
      expect(kinds.filter((x) => x !== "CustomResourceDefinition")).toEqual([
        "Namespace",
        "ClusterRoleBinding",
        "ServiceAccount",
        "Deployment",
        "DaemonSet",
      ]);
      const crds = list.items.filter((o) => o.kind === "CustomResourceDefinition");
      const rest = list.items.filter((o) => o.kind !== "CustomResourceDefinition");
      const ssa = ["apply", "--server-side", "--field-manager=lifeboat-velero", "-f", "-"];
      expect((await k(ssa, stream(crds))).err).toBe("");
      expect((await k(["wait", "--for=condition=established", "crd", "--all", "--timeout=30s"])).code).toBe(0);
      const applied = await k(ssa, stream(rest));
      expect(applied.err).toBe("");
      expect((await k(["rollout", "status", "deployment/velero", "-n", "velero", "--timeout=30s"])).code).toBe(0);
      expect((await k(["rollout", "status", "daemonset/node-agent", "-n", "velero", "--timeout=30s"])).code).toBe(0);
      const status = await serverStatus("ssr-1");
      expect(status.serverVersion).toBe("v1.17.0");
      const stores = status.plugins.filter((p: any) => p.kind === "ObjectStore").map((p: any) => p.name);
      expect(stores).toEqual(["velero.io/aws"]);
      expect(sb.clusters[0].velero?.ctx.opts).toMatchObject({ csi: true, nodeAgent: true, version: "v1.17.0" });
      // The Job's pod is collected with the Job, as `kubectl delete job` leaves nothing behind.
      expect((await k(["delete", "job/render-1", "-n", LIFEBOAT_NS])).code).toBe(0);
      await until("the installer pod collected", async () => {
        const pods = await k(["get", "pods", "-n", LIFEBOAT_NS, "-l", "job-name=render-1", "-o", "name"]);
        return pods.code === 0 && pods.out.trim() === "";
      });
    });

    it("an installer image the registry does not have never starts: the pod waits in ImagePullBackOff", async () => {
      const job = renderJob("render-bad", "velero/velero:v9.9.9", installArgs("v9.9.9", "v1.13.0"));
      expect((await k(["apply", "-f", "-"], JSON.stringify(job))).code).toBe(0);
      const waiting = await until("the installer pod in ImagePullBackOff", async () => {
        const r = await k(["get", "pods", "-n", LIFEBOAT_NS, "-l", "job-name=render-bad", "-o", "json"]);
        const pod = r.code === 0 ? JSON.parse(r.out).items[0] : null;
        const w = pod?.status?.containerStatuses?.[0]?.state?.waiting;
        return w?.reason === "ImagePullBackOff" && pod;
      });
      expect(waiting.status.phase).toBe("Pending");
      const events = await k(["get", "events", "-n", LIFEBOAT_NS, "-o", "json"]);
      const messages = JSON.parse(events.out).items.map((e: any) => e.message);
      expect(messages).toContain(
        'Failed to pull image "velero/velero:v9.9.9": rpc error: code = NotFound desc = failed to pull and unpack image ' +
          '"docker.io/velero/velero:v9.9.9": failed to resolve reference "docker.io/velero/velero:v9.9.9": ' +
          "docker.io/velero/velero:v9.9.9: not found",
      );
      expect((await k(["delete", "job/render-bad", "-n", LIFEBOAT_NS])).code).toBe(0);
    });

    it("an upgrade rolls the server to the new version; deleting the Deployment stops it", async () => {
      const before = sb.clusters[0].velero;
      const list = await render("render-2", "v1.18.1", "v1.14.0");
      const ssa = ["apply", "--server-side", "--field-manager=lifeboat-velero", "-f", "-"];
      expect((await k(ssa, stream(list.items))).err).toBe("");
      expect((await k(["rollout", "status", "deployment/velero", "-n", "velero", "--timeout=30s"])).code).toBe(0);
      const status = await serverStatus("ssr-2");
      expect(status.serverVersion).toBe("v1.18.1");
      expect(sb.clusters[0].velero).not.toBe(before);
      const image = await k([
        "get",
        "deployment/velero",
        "-n",
        "velero",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
      ]);
      expect(image.out).toBe("velero/velero:v1.18.1");

      expect((await k(["delete", "deployment/velero", "-n", "velero"])).code).toBe(0);
      await until("the Velero server stopped", async () => sb.clusters[0].velero === null);
    });
  },
);
