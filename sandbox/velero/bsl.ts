import type { KObject } from "../kube-api/types";
import { StoreError } from "../storage/object-store";
import { nowIso, type VeleroContext } from "./context";
import { objectStorePlugins } from "./requests";

// BackupStorageLocation validation, as backup_storage_location_controller.go does it: reach the bucket, list the
// top-level folders under the prefix, and refuse any folder Velero does not own.
const VALID_TOP_LEVEL = new Set(["backups", "restores", "restic", "metadata", "plugins", "kopia"]);

export async function validateLocation(
  ctx: VeleroContext,
  bsl: KObject,
): Promise<{ available: boolean; message: string }> {
  const { available, message } = await reachLocation(ctx, bsl);
  ctx.mutate("backupstoragelocations", bsl.metadata.name!, (o) => {
    o.status = {
      ...(o.status ?? {}),
      phase: available ? "Available" : "Unavailable",
      lastValidationTime: nowIso(),
      accessMode: o.spec?.accessMode ?? "ReadWrite",
    };
    if (message) o.status.message = message;
    else delete o.status.message;
  });
  return { available, message };
}

async function reachLocation(ctx: VeleroContext, bsl: KObject): Promise<{ available: boolean; message: string }> {
  const unavailable = (why: string) => ({
    available: false,
    message: `BackupStorageLocation "${bsl.metadata.name}" is unavailable: ${why}`,
  });
  // Velero names a BSL's provider without its "velero.io/" prefix as well; the plugin registers the long name.
  const provider = String(bsl.spec?.provider ?? "");
  const plugin = provider.includes("/") ? provider : `velero.io/${provider}`;
  if (!objectStorePlugins(ctx).includes(plugin))
    return unavailable(`unable to locate ObjectStore plugin named ${plugin}`);
  try {
    const store = ctx.storeFor(bsl);
    const dirs = (await store.listPrefixes("")).map((p) => p.replace(/\/$/, ""));
    const invalid = dirs.filter((d) => !VALID_TOP_LEVEL.has(d));
    if (invalid.length)
      return unavailable(`Backup store contains invalid top-level directories: [${invalid.join(" ")}]`);
  } catch (e) {
    return unavailable(e instanceof StoreError ? `${e.kind}: ${e.message}` : (e as Error).message);
  }
  return { available: true, message: "" };
}

/** The BSL a backup uses: its spec.storageLocation, else the one marked default, else "default". */
export function resolveLocationName(ctx: VeleroContext, wanted: string | undefined): string {
  if (wanted) return wanted;
  const def = ctx.list("backupstoragelocations").find((b) => b.spec?.default === true);
  return def?.metadata.name ?? "default";
}
