import { ClusterClient } from "./cluster-client";
import { ClusterError } from "./errors";
import { ClusterSession } from "./session";

// The cluster-access port: the one way the services, the sync engine and the controllers reach a cluster.
// forCluster(id) opens the cluster's sealed kubeconfig once and keeps its session (one connection pool) until the
// kubeconfig changes (its sealed secret is replaced, or the cluster is attached again) or the cluster is detached.
// withKubeconfig(...) serves a kubeconfig not stored yet (attaching: probe before sealing) and closes it after.
export interface KubeconfigStore {
  /** The cluster's sealed kubeconfig's identity and version (cheap: no decryption), or null when it has none. */
  version(clusterId: string): Promise<string | null>;
  /** The kubeconfig in clear text. */
  open(clusterId: string): Promise<string>;
}

interface Cached {
  version: string;
  client: Promise<ClusterClient>;
}

export class ClusterAccess {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly store: KubeconfigStore,
    private readonly opts: { timeoutMs?: number } = {},
  ) {}

  /** The client of an attached cluster; a ClusterError ("NotFound") when it has no kubeconfig. */
  async forCluster(clusterId: string): Promise<ClusterClient> {
    const version = await this.store.version(clusterId);
    if (!version) {
      await this.invalidate(clusterId);
      throw new ClusterError("The cluster has no kubeconfig (it is not attached)", "NotFound");
    }
    const hit = this.cache.get(clusterId);
    if (hit && hit.version === version) return hit.client;
    if (hit) void hit.client.then((c) => c.close()).catch(() => undefined);
    const client = this.store
      .open(clusterId)
      .then((kubeconfig) => ClusterSession.open(kubeconfig, this.opts))
      .then((s) => new ClusterClient(s));
    this.cache.set(clusterId, { version, client });
    // A failed open is not kept: the next call tries again.
    client.catch(() => {
      if (this.cache.get(clusterId)?.client === client) this.cache.delete(clusterId);
    });
    return client;
  }

  /** Runs `fn` with a client for a kubeconfig that is not stored (yet), closing it after. */
  withKubeconfig<T>(
    kubeconfig: string,
    fn: (c: ClusterClient) => Promise<T>,
    opts: { timeoutMs?: number } = {},
  ): Promise<T> {
    return withKubeconfig(kubeconfig, fn, { ...this.opts, ...opts });
  }

  /** Forgets a cluster's session (detach, or a kubeconfig replaced). */
  async invalidate(clusterId: string): Promise<void> {
    const hit = this.cache.get(clusterId);
    this.cache.delete(clusterId);
    if (hit) await hit.client.then((c) => c.close()).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.cache.keys()].map((id) => this.invalidate(id)));
  }
}

/** Runs `fn` with a client for `kubeconfig` (checked and opened like any cluster's), closing it after. */
export async function withKubeconfig<T>(
  kubeconfig: string,
  fn: (c: ClusterClient) => Promise<T>,
  opts: { timeoutMs?: number; secrets?: string[] } = {},
): Promise<T> {
  const client = new ClusterClient(await ClusterSession.open(kubeconfig, opts));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
