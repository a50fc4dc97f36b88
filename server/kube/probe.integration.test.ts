import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { onboardingManifest, REQUIRED_ACCESS } from "./access";
import { ClusterError } from "./errors";
import { withKubeconfig } from "./cluster-access";
import { detectVelero as detect, probeCluster as probe } from "./probe";
import { RESOURCES, type KubeObject } from "./resources";
import { run } from "../testing/process";
import { until } from "../testing/wait";

// The probes run over the cluster-access port; these open it on a kubeconfig, as attaching does.
const probeCluster = (kubeconfig: string, o: { timeoutMs?: number } = {}) => withKubeconfig(kubeconfig, probe, o);
const detectVelero = (kubeconfig: string, o: { namespace?: string } = {}) =>
  withKubeconfig(kubeconfig, (c) => detect(c, o));

// The adapter against the sandbox clusters the integration project started (TLS with a generated CA, bearer tokens,
// RBAC for service accounts, Velero v1.18.1 with node-agent and EnableCSI), with the machine's real kubectl applying the
// onboarding manifest and running the printed command, as a platform engineer would.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const KUBECTL = process.env.KUBECTL ?? "kubectl";

// What server/testing/sandbox.ts reads (the sandbox.json named by LIFEBOAT_TEST_SANDBOX), read here directly: the
// architecture test's "never import the sandbox" pattern also matches a path ending in testing/sandbox.
interface TestSandbox {
  clusters: { name: string; server: string; kubeconfig: string; kubernetesVersion: string; velero: string }[];
}
function testSandbox(): TestSandbox {
  const p = process.env.LIFEBOAT_TEST_SANDBOX;
  if (!p)
    throw new Error(
      "LIFEBOAT_TEST_SANDBOX is not set: run through vitest's integration project, whose global setup starts the sandbox",
    );
  return JSON.parse(fs.readFileSync(p, "utf8"));
}
const kubeconfigText = (i: number) => fs.readFileSync(testSandbox().clusters[i].kubeconfig, "utf8");

const haveKubectl = (await run(KUBECTL, ["version", "--client"])).code === 0;
const admin = () => testSandbox().clusters[0].kubeconfig;
const kubectl = (args: string[], input?: string) => run(KUBECTL, ["--kubeconfig", admin(), ...args], { input });

/** The printed onboarding command, run by sh with the admin kubeconfig as the current one (retried while the token
 * controller has not filled the Secret yet). */
async function runOnboardingCommand(command: string): Promise<string> {
  const env = { ...process.env, KUBECONFIG: admin(), PATH: process.env.PATH };
  for (let i = 0; ; i++) {
    const r = await run("sh", ["-c", command], { env });
    if (r.code === 0) return r.out;
    if (i >= 20) throw new Error(`the onboarding command failed (${r.code}): ${r.err}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

async function refusal(p: Promise<unknown>): Promise<ClusterError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ClusterError);
  return e as ClusterError;
}

// A self-signed CA that did not sign the sandbox's server certificate.
const OTHER_CA = `-----BEGIN CERTIFICATE-----
MIIBkjCCATegAwIBAgIUbSsebwrIvPW9N1r4PpJsK1B5UlYwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSbm90LXRoZS1zYW5kYm94LWNhMCAXDTI2MTEyMzE4MzIxNFoY
DzIxMjYxMDMwMTgzMjE0WjAdMRswGQYDVQQDDBJub3QtdGhlLXNhbmRib3gtY2Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASxpRn9JA2N1ezrAMo/8h3W31uta2Mh
VdRZOU+beCNlWxAN+pXnz+ASZGH+1KHIqQB3LTbfDJFt7qa4MFdSTv/mo1MwUTAd
BgNVHQ4EFgQUcV6qL1aZL3eVF+E5t6orZ12I5L0wHwYDVR0jBBgwFoAUcV6qL1aZ
L3eVF+E5t6orZ12I5L0wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBG
AiEAjUtJ5sgNCXYMVpTZJUX+n/HTX6hwMWqkYAsJLlmlrzECIQCra4ESnzM+alDq
+Oc1+Ni1foxPAfDDi1FcXBBkVLwKog==
-----END CERTIFICATE-----
`;

/** The admin kubeconfig with its cluster or user changed. */
function variant(change: (cluster: Record<string, unknown>, user: Record<string, unknown>) => void): string {
  const kc = parseAllDocuments(kubeconfigText(0))[0].toJS();
  change(kc.clusters[0].cluster, kc.users[0].user);
  return stringify(kc);
}

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => srv.once("listening", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const onboarding = onboardingManifest();
const unbound = onboardingManifest({ serviceAccount: "lifeboat-unbound" });

describe("probeCluster", () => {
  it("reads the version and finds nothing missing with the admin kubeconfig", async () => {
    const r = await probeCluster(kubeconfigText(0));
    const expected = testSandbox().clusters[0].kubernetesVersion;
    expect(r.serverVersion.gitVersion).toBe(expected);
    expect(`v${r.serverVersion.major}.${r.serverVersion.minor}`).toBe(expected.split(".").slice(0, 2).join("."));
    expect(r.access).toHaveLength(REQUIRED_ACCESS.length);
    expect(r.access.every((a) => a.allowed)).toBe(true);
    expect(r.missing).toEqual([]);
  });

  describe.skipIf(!haveKubectl)("with the onboarding manifest applied by kubectl", () => {
    let saKubeconfig = "";

    beforeAll(async () => {
      if ((await kubectl(["get", "namespace", "velero"])).code !== 0)
        expect((await kubectl(["create", "namespace", "velero"])).code).toBe(0);
      const applied = await kubectl(["apply", "-f", "-"], onboarding.yaml);
      expect(applied.err).toBe("");
      expect(applied.code).toBe(0);
      saKubeconfig = await runOnboardingCommand(onboarding.command);
    });

    afterAll(async () => {
      await kubectl(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], onboarding.yaml);
      await kubectl(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], unbound.yaml);
    });

    it("the printed kubeconfig holds the service-account token, the server and its CA, and least privilege is enough", async () => {
      const kc = parseAllDocuments(saKubeconfig)[0].toJS();
      const adminKc = parseAllDocuments(kubeconfigText(0))[0].toJS();
      expect(kc.clusters[0].cluster).toEqual(adminKc.clusters[0].cluster);
      expect(kc.users[0].user.token).toMatch(/\S{16,}/);
      expect(kc.users[0].user.token).not.toBe(adminKc.users[0].user.token);
      const r = await probeCluster(saKubeconfig);
      expect(r.missing).toEqual([]);
      // …and no more than that: the service account may not, say, delete namespaces or read secrets elsewhere.
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-kube-")), "sa.kubeconfig");
      fs.writeFileSync(file, saKubeconfig, { mode: 0o600 });
      const probe = (args: string[]) => run(KUBECTL, ["--kubeconfig", file, ...args]);
      expect((await probe(["auth", "can-i", "delete", "namespaces"])).out.trim()).toBe("no");
      expect((await probe(["auth", "can-i", "get", "secrets", "-n", "kube-system"])).out.trim()).toBe("no");
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });

    it("detectVelero works with the service account too, and removes its ServerStatusRequest", async () => {
      const v = await detectVelero(saKubeconfig);
      expect(v).toMatchObject({ installed: true, serverVersion: "v1.18.1", nodeAgent: true });
      const left = await kubectl(["get", "serverstatusrequests.velero.io", "-n", "velero", "-o", "name"]);
      expect(left.out).not.toMatch(/lifeboat-/);
    });

    it("a service account with no bindings misses every row but GET /version", async () => {
      const saAndToken = parseAllDocuments(unbound.yaml)
        .map((d) => d.toJS())
        .filter((d) => ["Namespace", "ServiceAccount", "Secret"].includes(d.kind));
      expect((await kubectl(["apply", "-f", "-"], saAndToken.map((d) => stringify(d)).join("---\n"))).code).toBe(0);
      const r = await probeCluster(await runOnboardingCommand(unbound.command));
      expect(r.access.filter((a) => a.allowed).map((a) => a.resource)).toEqual(["/version"]);
      // The optional rows of volume coverage (#13) are asked, but do not count towards the level.
      expect(r.missing).toHaveLength(REQUIRED_ACCESS.filter((a) => !a.optional).length - 1);
      expect(r.access.filter((a) => a.optional && !a.allowed)).toHaveLength(
        REQUIRED_ACCESS.filter((a) => a.optional).length,
      );
      expect(r.missing).toContain("list persistentvolumes (cluster-wide): needed to show volume coverage");
      expect(r.missing).toContain(
        "create backups.velero.io (namespace velero): needed to run, list and follow backups",
      );
    });
  });
});

describe("detectVelero", () => {
  it.each([0, 1])("finds Velero v1.18.1 with its plugins, the node-agent and CSI on sandbox cluster %i", async (i) => {
    const v = await detectVelero(kubeconfigText(i));
    expect(v.installed).toBe(true);
    expect(v.reason).toBeUndefined();
    expect(v.serverVersion).toBe(testSandbox().clusters[i].velero);
    expect(v.serverVersion).toBe("v1.18.1");
    expect(v.plugins).toContainEqual({ name: "velero.io/aws", kind: "ObjectStore" });
    expect(v.nodeAgent).toBe(true);
    expect(v.csi.enabled).toBe(true);
    expect(v.csi.snapshotClasses).toContainEqual({
      name: "csi-snapclass",
      driver: "disk.csi.sandbox.io",
      default: true,
    });
    // Seeded as `velero install` renders it without --default-volumes-to-fs-backup or --default-snapshot-move-data.
    expect(v.fsBackupDefault).toBe("optIn");
    expect(v.moveDataByDefault).toBe(false);
    expect(v.images).toEqual({
      server: "velero/velero:v1.18.1",
      nodeAgent: "velero/velero:v1.18.1",
      plugins: [
        { name: "velero-velero-plugin-for-aws", image: "velero/velero-plugin-for-aws:v1.14.0" },
        { name: "velero-velero-plugin-for-microsoft-azure", image: "velero/velero-plugin-for-microsoft-azure:v1.14.0" },
      ],
    });
  });

  it("reads the server's defaults after a platform engineer changes its flags on sandbox-1, and again once they are undone", async () => {
    const kc = kubeconfigText(0);
    type Deployment = KubeObject & {
      spec: { replicas?: number; template: { spec: { containers: { name: string; args?: string[] }[] } } };
      status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
    };
    const read = () =>
      withKubeconfig(kc, (c) => c.get<Deployment>(RESOURCES.deployments, "velero", "velero")).then((d) => d!);
    const containers = (await read()).spec.template.spec.containers;
    const i = containers.findIndex((c) => c.name === "velero");
    const args = containers[i].args ?? [];
    /** Sets the server container's args and waits until the rollout is complete (as `kubectl rollout status`). */
    const setArgs = async (value: string[]) => {
      const patch = [{ op: "replace", path: `/spec/template/spec/containers/${i}/args`, value }];
      await withKubeconfig(kc, (c) =>
        c.patch(RESOURCES.deployments, "velero", patch, { namespace: "velero", type: "json" }),
      );
      await until("the velero Deployment rolled out", async () => {
        const d = await read();
        const want = d.spec.replicas ?? 1;
        const st = d.status ?? {};
        return (
          (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
          st.updatedReplicas === want &&
          st.replicas === want &&
          st.availableReplicas === want
        );
      });
    };
    expect(args).not.toContain("--default-volumes-to-fs-backup");
    await setArgs([...args, "--default-volumes-to-fs-backup", "--default-snapshot-move-data=true"]);
    try {
      const v = await detectVelero(kc);
      expect(v).toMatchObject({ installed: true, fsBackupDefault: "optOut", moveDataByDefault: true });
      expect(v.reason).toBeUndefined();
    } finally {
      await setArgs(args);
    }
    const after = await detectVelero(kc);
    expect(after).toMatchObject({ installed: true, fsBackupDefault: "optIn", moveDataByDefault: false });
    expect(after.reason).toBeUndefined();
  });

  it.each([
    ["no-such-namespace", /^The namespace no-such-namespace does not exist: Velero is not installed there$/],
    [
      "guestbook",
      /^There is no Deployment velero in guestbook: Velero's CRDs are installed, but its server is not running in this namespace$/,
    ],
  ])("says Velero is not installed in %s", async (namespace, reason) => {
    const v = await detectVelero(kubeconfigText(0), { namespace });
    expect(v).toMatchObject({ installed: false, nodeAgent: false, csi: { enabled: false } });
    expect(v.serverVersion).toBeUndefined();
    expect(v.fsBackupDefault).toBeUndefined();
    expect(v.images).toBeUndefined();
    expect(v.reason).toMatch(reason);
  });
});

describe("failures a platform engineer can act on", () => {
  it("a wrong token → Unauthorized, without the token in the message", async () => {
    const e = await refusal(probeCluster(variant((_c, u) => (u.token = "sbx-not-a-real-token-0123456789"))));
    expect(e.kind).toBe("Unauthorized");
    expect(e.message).toMatch(/refused the token \(401 Unauthorized\)/);
    expect(e.message).not.toContain("sbx-not-a-real-token");
  });

  it("a closed port → Unreachable, naming the server, without waiting for the timeout", async () => {
    const port = await closedPort();
    const e = await refusal(
      probeCluster(
        variant((c) => (c.server = `https://127.0.0.1:${port}`)),
        { timeoutMs: 20_000 },
      ),
    );
    expect(e.kind).toBe("Unreachable");
    expect(e.message).toContain(`https://127.0.0.1:${port}`);
    expect(e.message).toMatch(/connection refused/);
  });

  it("a CA that did not sign the server's certificate → TLS", async () => {
    const e = await refusal(
      probeCluster(variant((c) => (c["certificate-authority-data"] = Buffer.from(OTHER_CA).toString("base64")))),
    );
    expect(e.kind).toBe("TLS");
    expect(e.message).toMatch(/^The server's certificate is not signed by the CA in the kubeconfig/);
  });

  it("a server that accepts connections but never answers → Timeout after timeoutMs", async () => {
    const silent = net.createServer(() => undefined).listen(0, "127.0.0.1");
    await new Promise((r) => silent.once("listening", r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const e = await refusal(
        probeCluster(
          variant((c) => (c.server = `https://127.0.0.1:${port}`)),
          { timeoutMs: 300 },
        ),
      );
      expect(e.kind).toBe("Timeout");
      expect(e.message).toMatch(/did not answer within 0\.3 s/);
    } finally {
      silent.close();
    }
  });

  it("loopback is refused unless LIFEBOAT_ALLOW_LOOPBACK=1", async () => {
    delete process.env.LIFEBOAT_ALLOW_LOOPBACK;
    try {
      for (const attempt of [probeCluster(kubeconfigText(0)), detectVelero(kubeconfigText(0))]) {
        const e = await refusal(attempt);
        expect(e.kind).toBe("Other");
        expect(e.message).toMatch(
          /^Lifeboat will not connect to https:\/\/127\.0\.0\.1:\d+: .*a loopback address \(set LIFEBOAT_ALLOW_LOOPBACK=1 to allow it\)$/,
        );
      }
    } finally {
      process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";
    }
  });

  it("a kubeconfig with a credential plugin is refused, and the plugin never runs", async () => {
    const marker = path.join(os.tmpdir(), `lifeboat-plugin-ran-${process.pid}`);
    const e = await refusal(
      probeCluster(
        variant((_c, u) => {
          delete u.token;
          u.exec = { apiVersion: "client.authentication.k8s.io/v1beta1", command: "touch", args: [marker] };
        }),
      ),
    );
    expect(e.kind).toBe("Other");
    expect(e.message).toMatch(/Lifeboat does not run credential plugins/);
    expect(fs.existsSync(marker)).toBe(false);
  });
});
