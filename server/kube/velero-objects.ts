import * as k8s from "@kubernetes/client-node";
import { extractContext } from "./kubeconfig";
import { ClusterError, DEFAULT_REQUEST_TIMEOUT_MS, statusMessage } from "./client";
import { VELERO_NAMESPACE } from "./access";
import { checkOutboundUrl } from "../security/outbound-url";

// Creating Velero objects (Backups, Schedules, Restores, DeleteBackupRequests) on a cluster. Status is never sent:
// Velero's controllers write it, and the sync engine brings it back into the read model.
async function customApi(kubeconfig: string) {
  const { kubeconfig: safe, context } = extractContext(kubeconfig);
  const verdict = await checkOutboundUrl(context.server, { schemes: ["https"] });
  if (!verdict.ok) throw new ClusterError(verdict.reason, "Other");
  const kc = new k8s.KubeConfig();
  kc.loadFromString(safe);
  return kc.makeApiClient(k8s.CustomObjectsApi);
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(
        () => reject(new ClusterError(`The cluster did not answer within ${ms / 1000} s (${what})`, "Timeout")),
        ms,
      ).unref(),
    ),
  ]);

const detailOf = (e: k8s.ApiException<unknown>) => statusMessage(e.body) ?? `HTTP ${e.code}`;

/** Creates the object; an existing one with the same name answers { created: false } (a double submit creates one). */
export async function createVeleroObject(
  kubeconfig: string,
  plural: string,
  body: { apiVersion: string; kind: string; metadata: { name?: string } } & Record<string, unknown>,
  opts: { namespace?: string; timeoutMs?: number } = {},
): Promise<{ created: boolean; object: any }> {
  const api = await customApi(kubeconfig);
  const version = body.apiVersion.split("/")[1] ?? "v1";
  const ref = { group: "velero.io", version, namespace: opts.namespace ?? VELERO_NAMESPACE, plural };
  const timeout = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  try {
    return {
      created: true,
      object: await withTimeout(api.createNamespacedCustomObject({ ...ref, body }), timeout, `create ${plural}`),
    };
  } catch (e) {
    if (e instanceof k8s.ApiException && e.code === 409 && body.metadata.name) {
      return {
        created: false,
        object: await withTimeout(
          api.getNamespacedCustomObject({ ...ref, name: body.metadata.name }),
          timeout,
          `get ${plural}`,
        ),
      };
    }
    if (e instanceof k8s.ApiException) {
      const kind =
        e.code === 401 ? "Unauthorized" : e.code === 403 ? "Forbidden" : e.code === 404 ? "NotFound" : "Other";
      throw new ClusterError(`The cluster refused to create the ${body.kind}: ${detailOf(e)}`, kind);
    }
    if (e instanceof ClusterError) throw e;
    throw new ClusterError(
      `Creating the ${body.kind} failed: ${e instanceof Error ? e.message : String(e)}`,
      "Unreachable",
    );
  }
}

/** Reads one Velero object, or null when it does not exist. */
export async function getVeleroObject(
  kubeconfig: string,
  plural: string,
  name: string,
  opts: { version?: string; namespace?: string; timeoutMs?: number } = {},
): Promise<any | null> {
  const api = await customApi(kubeconfig);
  try {
    return await withTimeout(
      api.getNamespacedCustomObject({
        group: "velero.io",
        version: opts.version ?? "v1",
        namespace: opts.namespace ?? VELERO_NAMESPACE,
        plural,
        name,
      }),
      opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      `get ${plural}`,
    );
  } catch (e) {
    if (e instanceof k8s.ApiException && e.code === 404) return null;
    if (e instanceof k8s.ApiException)
      throw new ClusterError(
        `Reading ${plural}/${name} failed: ${detailOf(e)}`,
        e.code === 403 ? "Forbidden" : "Other",
      );
    throw e;
  }
}

/** Deletes one Velero object; a missing one is fine. */
export async function deleteVeleroObject(
  kubeconfig: string,
  plural: string,
  name: string,
  opts: { version?: string; namespace?: string; timeoutMs?: number } = {},
): Promise<void> {
  const api = await customApi(kubeconfig);
  try {
    await withTimeout(
      api.deleteNamespacedCustomObject({
        group: "velero.io",
        version: opts.version ?? "v1",
        namespace: opts.namespace ?? VELERO_NAMESPACE,
        plural,
        name,
      }),
      opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      `delete ${plural}`,
    );
  } catch (e) {
    if (e instanceof k8s.ApiException && e.code === 404) return;
    throw e;
  }
}

/**
 * Reads one Velero object, lets `change` edit it (spec, labels), and replaces it with the resourceVersion read, so a
 * concurrent write is a conflict: it then reads again (up to 3 times). Returns null when the object does not exist.
 */
export async function updateVeleroObject(
  kubeconfig: string,
  plural: string,
  name: string,
  change: (obj: any) => void,
  opts: { version?: string; namespace?: string; timeoutMs?: number } = {},
): Promise<any | null> {
  const api = await customApi(kubeconfig);
  const ref = {
    group: "velero.io",
    version: opts.version ?? "v1",
    namespace: opts.namespace ?? VELERO_NAMESPACE,
    plural,
    name,
  };
  const timeout = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    let current: any;
    try {
      current = await withTimeout(api.getNamespacedCustomObject(ref), timeout, `get ${plural}`);
    } catch (e) {
      if (e instanceof k8s.ApiException && e.code === 404) return null;
      if (e instanceof k8s.ApiException)
        throw new ClusterError(
          `Reading ${plural}/${name} failed: ${detailOf(e)}`,
          e.code === 403 ? "Forbidden" : "Other",
        );
      throw e;
    }
    const body = structuredClone(current);
    delete body.metadata?.managedFields;
    delete body.status;
    change(body);
    try {
      return await withTimeout(api.replaceNamespacedCustomObject({ ...ref, body }), timeout, `update ${plural}`);
    } catch (e) {
      if (e instanceof k8s.ApiException && e.code === 409 && attempt < 3) continue;
      if (e instanceof k8s.ApiException && e.code === 404) return null;
      if (e instanceof k8s.ApiException)
        throw new ClusterError(
          `The cluster refused to update ${plural}/${name}: ${detailOf(e)}`,
          e.code === 403 ? "Forbidden" : "Other",
        );
      throw e;
    }
  }
}
