import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Cluster } from "./kube-api/cluster";
import { serveCluster } from "./kube-api/server";
import { ensurePki } from "./pki";
import { kubeconfigYaml } from "./kubeconfig";

// Starts sandbox clusters in this process: one Kubernetes-API-compatible server per cluster on its own loopback port,
// TLS from a generated CA when openssl is available, a bearer token per cluster, a kubeconfig file per cluster.
export interface SandboxClusterSpec {
  name: string;
  kubernetesVersion?: string;
  port?: number;
}

export interface SandboxCluster {
  name: string;
  cluster: Cluster;
  url: string;
  token: string;
  kubeconfig: string; // YAML
  kubeconfigPath: string;
  close: () => Promise<void>;
}

export interface Sandbox {
  clusters: SandboxCluster[];
  dir: string;
  stop: () => Promise<void>;
}

export async function startClusters(
  specs: SandboxClusterSpec[],
  opts: { dir: string; tls?: boolean; bookmarkIntervalMs?: number },
): Promise<Sandbox> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const pki = opts.tls === false ? null : ensurePki(path.join(opts.dir, "pki"));
  const clusters: SandboxCluster[] = [];
  for (const spec of specs) {
    // The admin token is kept in the directory, so kubeconfigs stay valid when the sandbox restarts (npm run demo).
    const tokenFile = path.join(opts.dir, `${spec.name}.token`);
    const token = fs.existsSync(tokenFile)
      ? fs.readFileSync(tokenFile, "utf8").trim()
      : `sbx-admin-${crypto.randomBytes(18).toString("base64url")}`;
    fs.writeFileSync(tokenFile, token + "\n", { mode: 0o600 });
    const cluster = new Cluster({
      name: spec.name,
      kubernetesVersion: spec.kubernetesVersion,
      adminToken: token,
      bookmarkIntervalMs: opts.bookmarkIntervalMs,
    });
    const served = await serveCluster(cluster, {
      port: spec.port ?? 0,
      tls: pki ? { key: pki.key, cert: pki.cert } : undefined,
    });
    const kubeconfig = kubeconfigYaml({ name: spec.name, server: served.url, token, caCert: pki?.caCert });
    const kubeconfigPath = path.join(opts.dir, `${spec.name}.kubeconfig`);
    fs.writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
    clusters.push({
      name: spec.name,
      cluster,
      url: served.url,
      token,
      kubeconfig,
      kubeconfigPath,
      close: served.close,
    });
  }
  return { clusters, dir: opts.dir, stop: async () => void (await Promise.all(clusters.map((c) => c.close()))) };
}
