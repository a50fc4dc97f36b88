import type { Cluster } from "../kube-api/cluster";
import type { StoreEvent } from "../kube-api/store";
import type { KObject } from "../kube-api/types";
import { imageRepository, normalizeImage, type ContainerProgram } from "../simulator";
import { canonicalJson } from "../../lib/json/canonical";
import type { Faults, VeleroOptions } from "./context";
import { PLUGIN_PROVIDERS, runVeleroInstall } from "./installer";
import { VeleroStandIn } from "./stand-in";

// What makes the Velero stand-in run on a sandbox cluster: as on a real cluster, Velero's server runs while a `velero`
// Deployment with a velero/velero image has an available pod, configured by that Deployment (the version is the
// image's tag, EnableCSI comes from --features, the ObjectStore plugins from the init containers' images) and by the
// node-agent DaemonSet next to it. A rollout (a new pod template) restarts the server, which, like Velero at start,
// fails the backups and restores it finds InProgress; deleting the Deployment stops it.

type Served = Pick<
  VeleroOptions,
  | "namespace"
  | "version"
  | "nodeAgent"
  | "csi"
  | "objectStorePlugins"
  | "defaultVolumesToFsBackup"
  | "defaultSnapshotMoveData"
>;

/** A boolean flag of the server's command line as pflag reads it (--flag, --flag=true, --flag=false). */
const flag = (args: string[], name: string) =>
  args.some((a) => a === `--${name}` || a === `--${name}=true`) && !args.includes(`--${name}=false`);

/** How the Deployment (and the node-agent beside it) configure Velero's server, or null if it is not Velero's. */
export function servedBy(dep: KObject | undefined, nodeAgent: KObject | undefined): Served | null {
  const spec = (dep as any)?.spec?.template?.spec;
  const server = (spec?.containers ?? []).find((c: any) => imageRepository(String(c.image ?? "")) === "velero/velero");
  if (!dep || !server) return null;
  const tag = normalizeImage(String(server.image)).split(":").pop()!;
  const args: string[] = [...(server.command ?? []), ...(server.args ?? [])];
  const features = args
    .filter((a) => a.startsWith("--features="))
    .flatMap((a) => a.slice("--features=".length).split(","));
  const plugins = (spec.initContainers ?? [])
    .map((c: any) => PLUGIN_PROVIDERS[imageRepository(String(c.image ?? ""))])
    .filter(Boolean);
  return {
    namespace: dep.metadata.namespace,
    version: tag,
    csi: features.includes("EnableCSI"),
    objectStorePlugins: plugins,
    nodeAgent: Boolean(nodeAgent && ((nodeAgent as any).status?.numberReady ?? 0) > 0),
    defaultVolumesToFsBackup: flag(args, "default-volumes-to-fs-backup"),
    defaultSnapshotMoveData: flag(args, "default-snapshot-move-data"),
  };
}

/** The kubelet program for `velero install` in a velero/velero container (the installer Job Lifeboat runs). */
export function veleroImageProgram(crdsDir?: string): ContainerProgram {
  return (pod, c) => {
    const image = String(c.image ?? "");
    if (imageRepository(image) !== "velero/velero") return undefined;
    const command: string[] = c.command ?? ["/velero"];
    if (!command[0]?.endsWith("velero")) return undefined;
    const args = [...command.slice(1), ...(c.args ?? [])];
    if (args[0] !== "install") return undefined;
    const token = (pod as any).spec?.automountServiceAccountToken !== false;
    return runVeleroInstall({ image, args, crdsDir, serviceAccountToken: token });
  };
}

const revision = (o: KObject) => Number(o.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? 0);

export class VeleroSupervisor {
  private standIn: VeleroStandIn | null = null;
  private running: string | null = null;
  private unsubscribe: (() => void) | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Fault switches outlive server restarts (tests set them on the cluster, not on one process). */
  readonly faults: Faults = { failItems: [], unreachableLocations: [], slowMs: 0, crashAfterItems: null };

  constructor(
    private readonly cluster: Cluster,
    private readonly base: Omit<VeleroOptions, keyof Served>,
  ) {}

  /** The running server, if any. */
  get current(): VeleroStandIn | null {
    return this.standIn;
  }

  start(): this {
    this.unsubscribe = this.cluster.onReact((e) => this.onEvent(e));
    this.converge(); // synchronously: a cluster seeded with Velero serves from the first request
    return this;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.chain;
    await this.halt();
  }

  /** The Velero pod restarted (a crash, a kubectl delete pod): a new server process with the same configuration. */
  async restart(): Promise<VeleroStandIn | null> {
    await this.chain;
    await this.halt();
    this.converge();
    return this.standIn;
  }

  private onEvent(e: StoreEvent) {
    if (!this.unsubscribe) return;
    if (e.key === "apps/deployments" || e.key === "apps/daemonsets" || e.key === "apps/replicasets") {
      this.chain = this.chain.then(() => this.converge()).catch((err) => console.error("[velero supervisor]", err));
    }
  }

  /** The Deployment Velero runs from: `velero` in namespace velero first, else any `velero` with Velero's image. */
  private desired(): { key: string; served: Served } | null {
    const deps = this.cluster.store.list(this.cluster.builtin("apps", "deployments"));
    const candidates = deps
      .filter((d) => d.metadata.name === "velero" && !d.metadata.deletionTimestamp)
      .sort((a, b) => Number(b.metadata.namespace === "velero") - Number(a.metadata.namespace === "velero"));
    for (const dep of candidates) {
      // What runs is the newest ReplicaSet with an available pod: during a rollout the old server keeps answering
      // until a new pod is available (or forever, when the new image cannot be pulled).
      const running = this.cluster.store
        .list(this.cluster.builtin("apps", "replicasets"), dep.metadata.namespace)
        .filter((rs: any) => rs.metadata.ownerReferences?.some((r: any) => r.controller && r.uid === dep.metadata.uid))
        .filter((rs: any) => (rs.status?.availableReplicas ?? 0) > 0)
        .sort((a, b) => revision(b) - revision(a))[0];
      if (!running) continue;
      const ds = this.cluster.store.get(
        this.cluster.builtin("apps", "daemonsets"),
        dep.metadata.namespace,
        "node-agent",
      );
      const template = (running as any).spec?.template;
      const served = servedBy({ ...dep, spec: { ...(dep as any).spec, template } } as KObject, ds);
      if (!served) continue;
      // A new pod template is a new process: the template's identity is part of what runs.
      return { key: canonicalJson({ served, replicaSet: running.metadata.name }), served };
    }
    return null;
  }

  private converge(): void | Promise<void> {
    const want = this.desired();
    if (want?.key === this.running) return;
    const begin = () => {
      if (!want) return;
      this.standIn = new VeleroStandIn(this.cluster, { ...this.base, ...want.served });
      Object.assign(this.standIn.faults, this.faults);
      (this.standIn.ctx as { faults: Faults }).faults = this.faults;
      this.standIn.start();
      this.running = want.key;
    };
    if (!this.standIn) return begin();
    return this.halt().then(begin);
  }

  private async halt() {
    const s = this.standIn;
    this.standIn = null;
    this.running = null;
    await s?.stop();
  }
}
