import type { Deps } from "../../composition";
import type { Db } from "../../db/client";
import { AppError, notFound } from "../../errors";
import type { ScopedCluster } from "../../rbac/scope";
import type { ClusterReplaceKubeconfigInput } from "@/lib/schemas/cluster";
import { publish } from "../../events/bus";
import { accessFound, checkCluster, chooseContext, explain, getCluster, probeAndDetect } from "./clusters";

// Replacing an attached cluster's kubeconfig (a rotated token, a new CA, a moved API server). The new kubeconfig is
// checked as attaching checks one (the same context choice, TLS confirmation, live probe and error explanations, over
// the same outbound path) and must reach the same cluster: a server URL other than the stored one needs the admin's
// explicit confirmation. Only then is the sealed kubeconfig replaced; a refused one changes nothing.

type Input = Omit<ClusterReplaceKubeconfigInput, "id">;

/** Two API server URLs name the same server: scheme, host (case-insensitive), port and path, a trailing "/" aside. */
export function sameServer(a: string, b: string): boolean {
  const norm = (s: string) => {
    try {
      const u = new URL(s);
      return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
    } catch {
      return s.trim().replace(/\/+$/, "");
    }
  };
  return norm(a) === norm(b);
}

async function storedServer(db: Db, c: ScopedCluster) {
  const row = await db.cluster.findUnique({ where: { id: c.id }, select: { server: true } });
  if (!row) throw notFound("Cluster");
  return row.server;
}

function refuseServerChange(c: ScopedCluster, stored: string, server: string): never {
  throw new AppError(
    "BAD_REQUEST",
    `The kubeconfig's server ${server} is not ${c.name}'s (${stored}). If the API server moved, confirm that it is ` +
      "the same cluster; to protect another cluster, attach it instead.",
  );
}

/** Parses, chooses the context and tries it live: what the replace dialog shows before anything is saved. */
export async function previewReplaceKubeconfig(d: Deps, c: ScopedCluster, input: Input) {
  const stored = await storedServer(d.db, c);
  try {
    const parsed = d.kube.parseKubeconfig(input.kubeconfig);
    const { kubeconfig, context, insecureTls } = chooseContext(d, input);
    const { probe, velero } = await d.clusters.withKubeconfig(kubeconfig, (client) => probeAndDetect(d, client));
    return {
      contexts: parsed.contexts.map((x) => ({ name: x.name, server: x.server })),
      context: { name: context.name, server: context.server },
      storedServer: stored,
      serverChanged: !sameServer(context.server, stored),
      kubernetesVersion: probe.serverVersion.gitVersion,
      ...accessFound(probe),
      insecureTls,
      velero,
    };
  } catch (e) {
    throw explain(e);
  }
}

/**
 * Replaces the cluster's sealed kubeconfig after the same checks as the preview (and the server confirmation), renews
 * the cluster's session and checks the cluster with the new kubeconfig, so its state is fresh.
 */
export async function replaceKubeconfig(d: Deps, c: ScopedCluster, input: Input) {
  const stored = await storedServer(d.db, c);
  let extracted;
  try {
    extracted = chooseContext(d, input);
    // Before connecting: a kubeconfig for another server is refused without reaching it.
    if (!sameServer(extracted.context.server, stored) && input.confirmServerChange !== true)
      refuseServerChange(c, stored, extracted.context.server);
    await d.clusters.withKubeconfig(extracted.kubeconfig, (client) => probeAndDetect(d, client));
  } catch (e) {
    throw explain(e);
  }
  const { kubeconfig, context, insecureTls } = extracted;
  const created = c.kubeconfigSecretId ? null : await d.sealed.put("kubeconfig", kubeconfig);
  try {
    await d.db.$transaction(async (client) => {
      const tx = client as unknown as Db;
      const changed = await tx.cluster.updateMany({
        where: { id: c.id, kubeconfigSecretId: c.kubeconfigSecretId },
        data: {
          server: context.server,
          contextName: context.name,
          insecureTls,
          kubeconfigSecretId: created ?? undefined,
        },
      });
      if (!changed.count)
        throw new AppError("CONFLICT", `${c.name} was detached or changed meanwhile: reload and try again`);
      if (c.kubeconfigSecretId) await d.sealed.on(tx).replace(c.kubeconfigSecretId, kubeconfig);
    });
  } catch (e) {
    if (created) await d.sealed.remove(created);
    throw e;
  }
  // The sealed value's version changed, so every process opens a new session; this one closes its old one now.
  await d.clusters.invalidate(c.id);
  await checkCluster(d, c.id);
  await publish(d.db, { topic: "clusters", clusterId: c.id });
  return getCluster(d.db, c);
}
