import type { VeleroSettings } from "@/lib/schemas/velero";
import { wantsNodeAgent } from "@/lib/schemas/velero";
import { PLUGIN_REPOSITORIES, releaseOf, type ObjectStoreProvider } from "@/lib/velero/versions";

// The flags of `velero install --dry-run -o json` for a cluster's settings (velero-api.md §5): what the installer Job
// runs, so the version's own installer renders the manifests. Lifeboat's fixed choices: no Secret and no default
// location (locations and their Secrets stay Lifeboat's, applied by the location driver), no native volume snapshots,
// Kopia. Every value is one argv entry `--flag=value`: there is no shell to interpret anything.

export const VELERO_INSTALL_NAMESPACE = "velero";

export interface RenderRequest {
  /** The installer's (and the server's) image. */
  serverImage: string;
  /** The plugin images the server runs as init containers, in the order given to --plugins. */
  pluginImages: string[];
  /** The installer's arguments after the /velero command. */
  args: string[];
  nodeAgent: boolean;
}

const image = (registry: string | null, repository: string, tag: string) =>
  `${registry ? `${registry}/` : ""}${repository}:${tag}`;

export function installRequest(s: VeleroSettings, providers: readonly ObjectStoreProvider[]): RenderRequest {
  const release = releaseOf(s.version);
  if (!release) throw new Error(`Lifeboat does not install Velero ${s.version}`);
  const serverImage = image(s.registry, "velero/velero", release.version);
  const tagOf = (p: ObjectStoreProvider) => (p === "velero.io/aws" ? release.plugins.aws : release.plugins.azure);
  const pluginImages = [...new Set(providers)].sort().map((p) => image(s.registry, PLUGIN_REPOSITORIES[p], tagOf(p)));
  const nodeAgent = wantsNodeAgent(s);
  const r = s.resources;
  const args = [
    "install",
    "--dry-run",
    "--output=json",
    `--namespace=${VELERO_INSTALL_NAMESPACE}`,
    `--image=${serverImage}`,
    "--no-secret",
    "--no-default-backup-location",
    "--use-volume-snapshots=false",
    "--uploader-type=kopia",
    ...(pluginImages.length ? [`--plugins=${pluginImages.join(",")}`] : []),
    ...(s.csi.enabled ? ["--features=EnableCSI"] : []),
    ...(nodeAgent ? ["--use-node-agent"] : []),
    ...(nodeAgent && s.privilegedNodeAgent ? ["--privileged-node-agent"] : []),
    ...(s.fsBackup.enabled && s.fsBackup.default === "optOut" ? ["--default-volumes-to-fs-backup"] : []),
    ...(s.csi.enabled && s.csi.moveDataByDefault ? ["--default-snapshot-move-data"] : []),
    `--velero-pod-cpu-request=${r.velero.cpuRequest}`,
    `--velero-pod-mem-request=${r.velero.memRequest}`,
    `--velero-pod-cpu-limit=${r.velero.cpuLimit}`,
    `--velero-pod-mem-limit=${r.velero.memLimit}`,
    ...(nodeAgent
      ? [
          `--node-agent-pod-cpu-request=${r.nodeAgent.cpuRequest}`,
          `--node-agent-pod-mem-request=${r.nodeAgent.memRequest}`,
          `--node-agent-pod-cpu-limit=${r.nodeAgent.cpuLimit}`,
          `--node-agent-pod-mem-limit=${r.nodeAgent.memLimit}`,
        ]
      : []),
  ];
  return { serverImage, pluginImages, args, nodeAgent };
}
