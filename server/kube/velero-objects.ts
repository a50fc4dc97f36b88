import { VELERO_NAMESPACE } from "./access";
import type { ClusterClient } from "./cluster-client";
import { ClusterError } from "./errors";
import type { KubeObject, ResourceRef } from "./resources";

// Creating Velero objects (Backups, Schedules, Restores, DeleteBackupRequests, DownloadRequests) on a cluster. Status
// is never sent: Velero's controllers write it, and the sync engine brings it back into the read model.
type VeleroBody = { apiVersion: string; kind: string; metadata: { name?: string } } & Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Velero objects are read field by field by the callers
type VeleroObject = KubeObject & Record<string, any>;

const refOf = (plural: string, version = "v1", kind = plural): ResourceRef => ({
  group: "velero.io",
  version,
  plural,
  kind,
  namespaced: true,
});

/** Creates the object; an existing one with the same name answers { created: false } (a double submit creates one). */
export async function createVeleroObject(
  c: ClusterClient,
  plural: string,
  body: VeleroBody,
  opts: { namespace?: string } = {},
): Promise<{ created: boolean; object: VeleroObject }> {
  const ns = opts.namespace ?? VELERO_NAMESPACE;
  const r = refOf(plural, body.apiVersion.split("/")[1] ?? "v1", body.kind);
  try {
    return { created: true, object: await c.create<VeleroObject>(r, body as VeleroObject, ns) };
  } catch (e) {
    if (e instanceof ClusterError && e.status === 409 && body.metadata.name) {
      const existing = await c.get<VeleroObject>(r, body.metadata.name, ns);
      if (existing) return { created: false, object: existing };
    }
    throw e;
  }
}

/** Reads one Velero object, or null when it does not exist. */
export function getVeleroObject(
  c: ClusterClient,
  plural: string,
  name: string,
  opts: { version?: string; namespace?: string } = {},
): Promise<VeleroObject | null> {
  return c.get<VeleroObject>(refOf(plural, opts.version), name, opts.namespace ?? VELERO_NAMESPACE);
}

/** Deletes one Velero object; a missing one is fine. */
export async function deleteVeleroObject(
  c: ClusterClient,
  plural: string,
  name: string,
  opts: { version?: string; namespace?: string } = {},
): Promise<void> {
  await c.delete(refOf(plural, opts.version), name, { namespace: opts.namespace ?? VELERO_NAMESPACE });
}

/**
 * Reads one Velero object, lets `change` edit it (spec, labels; its status is kept as read), and replaces it with the resourceVersion read, so a
 * concurrent write is a conflict: it then reads again (up to 3 times). Returns null when the object does not exist.
 */
export async function updateVeleroObject(
  c: ClusterClient,
  plural: string,
  name: string,
  change: (obj: VeleroObject) => void,
  opts: { version?: string; namespace?: string } = {},
): Promise<VeleroObject | null> {
  const ns = opts.namespace ?? VELERO_NAMESPACE;
  const r = refOf(plural, opts.version);
  for (let attempt = 1; ; attempt++) {
    const current = await c.get<VeleroObject>(r, name, ns);
    if (!current) return null;
    const body = structuredClone(current);
    delete body.metadata?.managedFields;
    // Status stays in the body: Velero's CRDs have no status subresource, so a replace without it would erase what the
    // controller recorded (a Schedule's lastBackup and lastSkipped, which decide its next run). A concurrent status
    // write is a conflict (the resourceVersion read), and the change is then made again on what was written.
    change(body);
    try {
      return await c.replace<VeleroObject>(r, body, ns);
    } catch (e) {
      if (e instanceof ClusterError && e.status === 409 && attempt < 3) continue;
      if (e instanceof ClusterError && e.status === 404) return null;
      throw e;
    }
  }
}
