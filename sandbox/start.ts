import path from "node:path";
import { startClusters, type SandboxCluster } from "./sandbox";
import { seedCluster } from "./seed";
import { startSimulator } from "./simulator";
import { startWorkloadControllers } from "./workloads";
import { startEmulators, type Emulators } from "./storage/emulators";
import type { VeleroStandIn } from "./velero/stand-in";
import type { Faults, VeleroOptions } from "./velero/context";
import { VELERO_IMAGE_TAGS } from "./velero/installer";
import { VeleroSupervisor, veleroImageProgram } from "./velero/supervisor";

// The whole sandbox in one process: clusters (API server + seed content + kubelet/provisioner simulator + Velero
// stand-in where Velero is "installed") and the storage emulators (s3rver, azurite with its Entra ID / ARM stand-in, and
// moto when awsPort is given). The Velero stand-ins sign in at the sandbox's Entra ID / ARM stand-in (where the real
// plugin would use the Azure cloud's hosts).
export interface ClusterPlan {
  name: string;
  kubernetesVersion?: string;
  port?: number;
  velero: false | { version: string; nodeAgent: boolean; csi: boolean; objectStorePlugins?: string[] };
}

export interface SandboxOptions {
  dir: string;
  clusters: ClusterPlan[];
  s3Port?: number;
  azurePort?: number | null;
  /** The Entra ID / ARM stand-in next to azurite: a port, 0 (default) = a free one, null = none. */
  entraPort?: number | null;
  /** A port or 0 starts moto (AWS with IAM enforced); null or omitted does not. */
  awsPort?: number | null;
  seed?: boolean;
  tls?: boolean;
  buckets?: string[];
  containers?: string[];
  velero?: Partial<Omit<VeleroOptions, "version" | "nodeAgent" | "csi">>;
}

export interface RunningCluster extends SandboxCluster {
  plan: ClusterPlan;
  /** The Velero server running now (the supervisor starts, restarts and stops it with its Deployment). */
  readonly velero: VeleroStandIn | null;
  supervisor: VeleroSupervisor;
  stopSimulator: () => void;
}

export interface RunningSandbox {
  clusters: RunningCluster[];
  storage: Emulators;
  stop: () => Promise<void>;
}

export const DEFAULT_BUCKETS = ["lifeboat-backups", "lifeboat-shared"];
const VERSIONS = ["v1.31.4", "v1.30.8", "v1.32.2"];
const OBJECT_STORES = ["velero.io/aws", "velero.io/azure"];

/** "sandbox-2=velero.io/azure,sandbox-3=velero.io/aws" as the plugins each cluster's Velero lacks. */
export function parseWithoutPlugins(arg: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of arg.split(",").filter(Boolean)) {
    const [cluster, plugin] = part.split("=");
    if (!cluster || !OBJECT_STORES.includes(plugin))
      throw new Error(`--without-plugin: "${part}" is not <cluster>=<${OBJECT_STORES.join("|")}>`);
    (out[cluster] ??= []).push(plugin);
  }
  return out;
}

/** The default plan for N clusters: all with Velero v1.18.1, node-agent and EnableCSI, Kubernetes versions varied. */
export function defaultPlan(
  n: number,
  opts: {
    withoutVelero?: string[];
    basePort?: number;
    versions?: string[];
    /** ObjectStore plugins a cluster's Velero does not run, by cluster name (e.g. sandbox-2: velero.io/azure). */
    withoutPlugins?: Record<string, string[]>;
  } = {},
): ClusterPlan[] {
  const versions = opts.versions?.length ? opts.versions : VERSIONS;
  for (const v of versions)
    if (!/^v\d+\.\d+\.\d+$/.test(v)) throw new Error(`--versions: "${v}" is not a Kubernetes version like v1.31.4`);
  return Array.from({ length: n }, (_, i) => {
    const name = `sandbox-${i + 1}`;
    return {
      name,
      kubernetesVersion: versions[i % versions.length],
      port: opts.basePort ? opts.basePort + i : 0,
      velero: opts.withoutVelero?.includes(name)
        ? false
        : {
            version: "v1.18.1",
            nodeAgent: true,
            csi: true,
            ...(opts.withoutPlugins?.[name]
              ? { objectStorePlugins: OBJECT_STORES.filter((p) => !opts.withoutPlugins![name].includes(p)) }
              : {}),
          },
    };
  });
}

export async function startSandbox(o: SandboxOptions): Promise<RunningSandbox> {
  const storage = await startEmulators({
    dir: path.join(o.dir, "storage"),
    s3Port: o.s3Port ?? 0,
    azurePort: o.azurePort === undefined ? 0 : o.azurePort,
    entraPort: o.entraPort === undefined ? 0 : o.entraPort,
    awsPort: o.awsPort ?? null,
    buckets: o.buckets ?? DEFAULT_BUCKETS,
    containers: o.containers ?? ["velero"],
  });
  const sb = await startClusters(
    o.clusters.map((c) => ({ name: c.name, kubernetesVersion: c.kubernetesVersion, port: c.port })),
    { dir: o.dir, tls: o.tls },
  );
  const entraUrl = storage.azure?.servicePrincipal?.url;
  const running: RunningCluster[] = sb.clusters.map((sc, i) => {
    const plan = o.clusters[i];
    if (o.seed !== false) seedCluster(sc.cluster, { velero: plan.velero });
    const stopKubelet = startSimulator(sc.cluster, {
      programs: [veleroImageProgram()],
      knownTags: VELERO_IMAGE_TAGS,
    });
    const stopControllers = startWorkloadControllers(sc.cluster);
    const stopSimulator = () => {
      stopControllers();
      stopKubelet();
    };
    // Velero runs where its Deployment does (the seed's, or one Lifeboat installs through the installer Job).
    const supervisor = new VeleroSupervisor(sc.cluster, {
      syncPeriodMs: 5_000,
      validationPeriodMs: 10_000,
      gcPeriodMs: 30_000,
      ...(entraUrl ? { azureAuthorityHost: entraUrl, azureResourceManager: entraUrl } : {}),
      ...(o.velero ?? {}),
    }).start();
    sc.cluster.controls.set("velero-faults", (body: Partial<Faults>) => Object.assign(supervisor.faults, body));
    return {
      ...sc,
      plan,
      supervisor,
      get velero() {
        return supervisor.current;
      },
      stopSimulator,
    };
  });
  return {
    clusters: running,
    storage,
    stop: async () => {
      for (const c of running) {
        c.stopSimulator();
        await c.supervisor.stop();
      }
      await sb.stop();
      await storage.stop();
    },
  };
}
