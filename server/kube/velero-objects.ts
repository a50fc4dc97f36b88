import * as k8s from "@kubernetes/client-node";
import { extractContext } from "./kubeconfig";
import { ClusterError, DEFAULT_REQUEST_TIMEOUT_MS } from "./client";
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
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new ClusterError(`The cluster did not answer within ${ms / 1000} s (${what})`, "Timeout")), ms).unref())]);

function statusMessage(e: k8s.ApiException<unknown>): string {
  try {
    return JSON.parse(String(e.body)).message ?? `HTTP ${e.code}`;
  } catch {
    return `HTTP ${e.code}`;
  }
}

/** Creates the object; an existing one with the same name answers { created: false } (a double submit creates one). */
export async function createVeleroObject(kubeconfig: string, plural: string, body: { apiVersion: string; kind: string; metadata: { name?: string } } & Record<string, unknown>, opts: { namespace?: string; timeoutMs?: number } = {}): Promise<{ created: boolean; object: any }> {
  const api = await customApi(kubeconfig);
  const version = body.apiVersion.split("/")[1] ?? "v1";
  const ref = { group: "velero.io", version, namespace: opts.namespace ?? VELERO_NAMESPACE, plural };
  const timeout = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  try {
    return { created: true, object: await withTimeout(api.createNamespacedCustomObject({ ...ref, body }), timeout, `create ${plural}`) };
  } catch (e) {
    if (e instanceof k8s.ApiException && e.code === 409 && body.metadata.name) {
      return { created: false, object: await withTimeout(api.getNamespacedCustomObject({ ...ref, name: body.metadata.name }), timeout, `get ${plural}`) };
    }
    if (e instanceof k8s.ApiException) {
      const kind = e.code === 401 ? "Unauthorized" : e.code === 403 ? "Forbidden" : e.code === 404 ? "NotFound" : "Other";
      throw new ClusterError(`The cluster refused to create the ${body.kind}: ${statusMessage(e)}`, kind);
    }
    if (e instanceof ClusterError) throw e;
    throw new ClusterError(`Creating the ${body.kind} failed: ${e instanceof Error ? e.message : String(e)}`, "Unreachable");
  }
}
