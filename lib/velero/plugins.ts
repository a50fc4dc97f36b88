// Which Velero plugin a BackupStorageLocation needs, against the plugins a cluster's Velero server reports (its
// ServerStatusRequest's status.plugins, kept on the cluster by the health check).

export interface ReportedPlugin {
  name: string;
  kind: string;
}

/** Velero's ObjectStore plugin name for a BSL provider: "aws" and "velero.io/aws" are the same plugin. */
export const objectStorePluginName = (provider: string) =>
  provider.includes("/") ? provider : `velero.io/${provider}`;

/**
 * Whether the server lacks the ObjectStore plugin a BSL of `provider` needs: null when it cannot be told (no report
 * yet, or a Velero that reports no plugins at all), else true or false.
 */
export function lacksObjectStorePlugin(plugins: readonly ReportedPlugin[] | null | undefined, provider: string) {
  if (!plugins?.length) return null;
  const wanted = objectStorePluginName(provider);
  return !plugins.some((p) => p.kind === "ObjectStore" && objectStorePluginName(p.name) === wanted);
}
