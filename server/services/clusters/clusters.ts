import { parse as parseYaml } from "yaml";
import type { Deps } from "../../composition";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { leaseWriter, type Fence } from "../../controllers/ownership";
import { AppError, notFound } from "../../errors";
import { roleOnCluster, visibleClusterWhere, type Access } from "../../rbac/access";
import type { ScopedCluster, ScopedGroup } from "../../rbac/scope";
import type { ClusterRole } from "@/lib/rbac/permissions";
import { KubeconfigError } from "../../kube/kubeconfig";
import { ClusterError } from "../../kube/errors";
import type { ClusterClient } from "../../kube/cluster-client";
import { logger } from "../../log";
import { reconcileLocation } from "../protection/locations";
import { publish } from "../../events/bus";
import { CLUSTER_LABEL } from "@/lib/velero/backup-spec";
import { veleroInfo, type VeleroInfo } from "@/lib/schemas/cluster";
import { STORAGE_CLASS_CONFIGMAP_NAME } from "@/lib/velero/restore-spec";

// Attaching, checking and detaching clusters. A kubeconfig is validated, tried live, then sealed; rows keep what the
// console shows (version, connection state, what Velero detection found) and never the kubeconfig itself.
export const DISCONNECT_AFTER_FAILED_CHECKS = 3;

const listed = {
  id: true,
  name: true,
  description: true,
  groupId: true,
  server: true,
  contextName: true,
  labels: true,
  kubernetesVersion: true,
  state: true,
  failedChecks: true,
  lastSeenAt: true,
  lastCheckAt: true,
  lastError: true,
  missingAccess: true,
  accessLevel: true,
  missingManageAccess: true,
  lifeboatNamespace: true,
  insecureTls: true,
  velero: true,
  createdAt: true,
  group: { select: { name: true } },
} as const;

type ClusterRow = { id: string; groupId: string; labels: unknown; velero: unknown; group: { name: string } } & Record<
  string,
  unknown
>;
/**
 * The stored detection read through its contract (lib/schemas/cluster.ts veleroInfo): fields it does not declare are
 * dropped, and a record that does not fit (written by another version of Lifeboat) counts as none until the next check
 * writes it again.
 */
function storedVelero(clusterId: string, velero: unknown): VeleroInfo | null {
  if (velero == null) return null;
  const parsed = veleroInfo.safeParse(velero);
  if (parsed.success) return parsed.data;
  logger.warn(
    { clusterId, issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) },
    "a cluster's stored Velero detection does not fit veleroInfo; it is ignored until the next check",
  );
  return null;
}

/** A row as the console shows it: typed JSON columns, the group's name, the viewer's role. */
function toView<T extends ClusterRow>(c: T, myRole: ClusterRole | null) {
  const { group, labels, velero, ...rest } = c;
  return {
    ...rest,
    labels: (labels ?? {}) as Record<string, string>,
    velero: storedVelero(c.id, velero),
    groupName: group.name,
    myRole,
  };
}

export function explain(e: unknown): AppError {
  if (e instanceof KubeconfigError)
    return new AppError(
      "BAD_REQUEST",
      `The kubeconfig cannot be used: ${e.message}${e.where ? ` (at ${e.where})` : ""}`,
    );
  if (e instanceof ClusterError)
    return new AppError("PRECONDITION_FAILED", `Could not use the cluster (${e.kind}): ${e.message}`);
  if (e instanceof AppError) return e;
  logger.error({ err: e instanceof Error ? e.message : String(e) }, "cluster operation failed");
  return new AppError("PRECONDITION_FAILED", "The cluster could not be reached or understood");
}

/** What a probe found about access, as the cluster's row keeps it and the previews show it. */
export function accessFound(probe: Awaited<ReturnType<Deps["kube"]["probeCluster"]>>) {
  return {
    missingAccess: probe.missing,
    accessLevel: probe.accessLevel,
    missingManageAccess: probe.missingManage,
    lifeboatNamespace: probe.lifeboatNamespace,
  };
}

/**
 * Version and access (failures throw), then Velero (a failure is "not installed" with the reason), typed as the
 * contract the cluster's row keeps it in (veleroInfo: the server's volume defaults and images included).
 */
export async function probeAndDetect(d: Deps, client: ClusterClient) {
  const probe = await d.kube.probeCluster(client);
  const velero: VeleroInfo = await d.kube.detectVelero(client).catch((e) => ({
    installed: false,
    reason: e instanceof Error ? e.message : String(e),
    nodeAgent: false,
    csi: { enabled: false, snapshotClasses: [] },
  }));
  return { probe, velero };
}

export interface KubeconfigChoice {
  kubeconfig: string;
  context?: string;
  /** The operator confirmed that a server which cannot be verified (insecure-skip-tls-verify) is acceptable. */
  allowInsecureTls?: boolean;
}

/** Does the single-context kubeconfig extractContext made turn off TLS verification? */
function skipsTlsVerify(extracted: string): boolean {
  const doc = parseYaml(extracted) as { clusters?: { cluster?: Record<string, unknown> }[] } | null;
  return doc?.clusters?.[0]?.cluster?.["insecure-skip-tls-verify"] === true;
}

/** Chooses the context; refuses one that skips TLS verification unless the operator confirmed it (before connecting). */
export function chooseContext(d: Deps, input: KubeconfigChoice) {
  const extracted = d.kube.extractContext(input.kubeconfig, input.context);
  const insecureTls = skipsTlsVerify(extracted.kubeconfig);
  if (insecureTls && input.allowInsecureTls !== true)
    throw new AppError(
      "BAD_REQUEST",
      `The kubeconfig sets insecure-skip-tls-verify for ${extracted.context.server}, so Lifeboat could not tell ` +
        "the real API server from anyone on the network path, who could read the cluster's token and every storage key " +
        "Lifeboat writes there. Add the server's certificate-authority-data instead, or confirm that you accept the risk.",
    );
  return { ...extracted, insecureTls };
}

/**
 * What attaching to `group` hands the new cluster: the storage keys of every location assigned to the group, written
 * there as BackupStorageLocation credentials Secrets that anyone with access to Velero's namespace can read.
 */
export async function keysDeployedTo(db: Db, group: ScopedGroup) {
  const rows = await db.locationAssignment.findMany({
    where: { clusterGroupId: group.id },
    orderBy: { location: { name: "asc" } },
    select: {
      location: { select: { name: true, provider: true, config: true, credential: { select: { name: true } } } },
    },
  });
  return rows.map(({ location: l }) => {
    const config = (l.config ?? {}) as { bucket?: unknown; prefix?: unknown };
    return {
      location: l.name,
      provider: l.provider as string,
      bucket: typeof config.bucket === "string" ? config.bucket : "",
      prefix: typeof config.prefix === "string" && config.prefix ? config.prefix : null,
      credential: l.credential.name,
      // A cluster joining a group is ReadOnly on the group's locations until it is chosen as a writer (#14 §3).
      readOnly: true as boolean,
    };
  });
}

/** Parse, choose a context, try it live: what the attach dialog shows before anything is saved. */
export async function previewAttach(d: Deps, group: ScopedGroup, input: KubeconfigChoice) {
  try {
    const parsed = d.kube.parseKubeconfig(input.kubeconfig);
    const { kubeconfig, context, insecureTls } = chooseContext(d, input);
    const { probe, velero } = await d.clusters.withKubeconfig(kubeconfig, (client) => probeAndDetect(d, client));
    return {
      contexts: parsed.contexts.map((c) => ({ name: c.name, server: c.server })),
      context: { name: context.name, server: context.server },
      kubernetesVersion: probe.serverVersion.gitVersion,
      ...accessFound(probe),
      insecureTls,
      velero,
      keys: await keysDeployedTo(d.db, group),
    };
  } catch (e) {
    throw explain(e);
  }
}

/** Attaches a cluster to `group` (checked for cluster.attach), on behalf of `actorId`. */
export async function attachCluster(
  d: Deps,
  group: ScopedGroup,
  input: KubeconfigChoice & { name: string; description: string; labels: Record<string, string> },
  actorId: string,
) {
  if (await d.db.cluster.findUnique({ where: { name: input.name }, select: { id: true } }))
    throw new AppError("CONFLICT", `A cluster named ${input.name} is already attached`);
  let extracted;
  let probe;
  let velero;
  try {
    extracted = chooseContext(d, input);
    ({ probe, velero } = await d.clusters.withKubeconfig(extracted.kubeconfig, (client) => probeAndDetect(d, client)));
  } catch (e) {
    throw explain(e);
  }
  const secretId = await d.sealed.put("kubeconfig", extracted.kubeconfig);
  try {
    const now = new Date();
    const c = await d.db.cluster.create({
      data: {
        name: input.name,
        description: input.description,
        groupId: group.id,
        labels: input.labels,
        server: extracted.context.server,
        contextName: extracted.context.name,
        kubeconfigSecretId: secretId,
        kubernetesVersion: probe.serverVersion.gitVersion,
        state: "CONNECTED",
        lastSeenAt: now,
        lastCheckAt: now,
        ...accessFound(probe),
        insecureTls: extracted.insecureTls,
        velero: velero as object,
        attachedById: actorId,
      },
      select: listed,
    });
    // Locations already shared with the group now reach this cluster too.
    for (const a of await d.db.locationAssignment.findMany({
      where: { clusterGroupId: group.id },
      select: { locationId: true },
    }))
      await reconcileLocation(d, a.locationId);
    // The controller runtime's sync (in the console process that takes the new cluster's lease) follows it at once.
    await publish(d.db, { topic: "clusters", clusterId: c.id });
    // A new cluster has no bindings of its own: the caller's role there is theirs on its group.
    return toView(c, group.role);
  } catch (e) {
    if (!(await d.db.cluster.findUnique({ where: { kubeconfigSecretId: secretId }, select: { id: true } })))
      await d.sealed.remove(secretId);
    throw e;
  }
}

export async function listClusters(db: Db, access: Access) {
  const rows = await db.cluster.findMany({
    where: visibleClusterWhere(access) ?? undefined,
    orderBy: { name: "asc" },
    select: listed,
  });
  return rows.map((c) => toView(c, roleOnCluster(access, c) ?? null));
}

/** How the sync engine follows each Velero kind on a cluster: when it last listed and heard an event, and what failed. */
export async function clusterSyncState(db: Db, cluster: ScopedCluster) {
  const rows = await db.syncState.findMany({
    where: { clusterId: cluster.id },
    orderBy: { kind: "asc" },
    select: { kind: true, lastListAt: true, lastEventAt: true, lastError: true, relists: true, updatedAt: true },
  });
  return rows;
}

export async function getCluster(db: Db, cluster: ScopedCluster) {
  const c = await db.cluster.findUnique({ where: { id: cluster.id }, select: listed });
  if (!c) throw notFound("Cluster");
  return toView(c, cluster.role);
}

/**
 * Forgets a cluster. With removeFromCluster, first removes what Lifeboat put there: its BackupStorageLocations and their
 * credentials Secrets, its Schedules and its storage-class ConfigMap (backups and their data stay). If the cluster
 * cannot be reached for that, nothing is forgotten and the error says so, so the operator can retry or detach without it.
 */
export async function detachCluster(d: Deps, c: ScopedCluster, opts: { removeFromCluster?: boolean } = {}) {
  const id = c.id;
  const removed: string[] = [];
  if (opts.removeFromCluster && c.kubeconfigSecretId) {
    try {
      const client = await d.clusters.forCluster(id);
      for (const l of await d.db.locationDeployment.findMany({
        where: { clusterId: id },
        select: { bslName: true },
        orderBy: { bslName: "asc" },
      })) {
        if ((await d.kube.removeLocation(client, l.bslName)).removed)
          removed.push(`BackupStorageLocation ${l.bslName} and its credentials Secret`);
      }
      const schedules = await d.db.veleroObject.findMany({
        where: { clusterId: id, kind: "schedules" },
        select: { name: true, labels: true },
      });
      for (const s of schedules.filter((x) => Boolean((x.labels as Record<string, string> | null)?.[CLUSTER_LABEL]))) {
        await d.kube.deleteVeleroObject(client, "schedules", s.name);
        removed.push(`Schedule ${s.name}`);
      }
      if ((await d.kube.applyStorageClassMapping(client, null, { name: STORAGE_CLASS_CONFIGMAP_NAME })).changed)
        removed.push(`ConfigMap ${STORAGE_CLASS_CONFIGMAP_NAME}`);
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      const done = removed.length ? ` (already removed: ${removed.join(", ")})` : "";
      throw new AppError(
        "PRECONDITION_FAILED",
        `Could not remove what Lifeboat created on ${c.name}${done}: ${e.message}. The cluster is still attached; try again, or detach without removing.`,
      );
    }
  }
  await d.db.cluster.delete({ where: { id } });
  await d.clusters.invalidate(id);
  await publish(d.db, { topic: "clusters", clusterId: id });
  if (c.kubeconfigSecretId) await d.sealed.remove(c.kubeconfigSecretId);
  return { id, removed };
}

/**
 * One health check: reach the cluster with its sealed kubeconfig; after 3 failures in a row it is Disconnected. A full
 * check (the default) also reads Lifeboat's access and the cluster's Velero; otherwise only the version is asked, and
 * what the last full check found stays.
 */
export async function checkCluster(d: Deps, id: string, o: { full?: boolean; fence?: () => Fence | null } = {}) {
  const { before, after } = await checkOnce(d, id, o.full ?? true, o.fence);
  // A check that found the cluster as it was (only its check times moved) says "checked", which only the cluster's
  // own page refetches for: a fleet's checks (100 clusters every 30 s: 3.3 a second) do not make every page refetch.
  // (A failed check counts itself, so one that fails says "cluster": Disconnected comes after 3 in a row.)
  const same = SHOWN.every((k) => JSON.stringify(before[k]) === JSON.stringify(after[k]));
  await publish(d.db, { topic: same ? "checked" : "cluster", clusterId: id });
  return after;
}

/** What pages show of a check: all it writes but its times. */
const SHOWN = (Object.keys(listed) as (keyof typeof listed)[]).filter((k) => k !== "lastSeenAt" && k !== "lastCheckAt");

/**
 * What one check found, written to the cluster's row: by the health loop under the cluster's lease (`fence`), so a
 * process that lost it (paused, cut off) cannot write an old answer over the new owner's; a refresh writes unfenced.
 * With the row as it was just before the write, read in the write's transaction with the row locked: of two checks at
 * the same time (a Refresh during the loop's), the one whose write lands last compares with what the other wrote.
 */
async function checkOnce(d: Deps, id: string, full: boolean, fence?: () => Fence | null) {
  const row = await d.db.cluster.findUnique({ where: { id }, select: { kubeconfigSecretId: true } });
  if (!row?.kubeconfigSecretId) throw notFound("Cluster");
  const fenced = leaseWriter(d.db, id, fence);
  // Unfenced (a Refresh), waiting as a fenced write waits: a busy pool (a cold start, a takeover), a detach's cascade.
  const write = <T>(fn: (tx: Prisma.TransactionClient) => Promise<T>) =>
    fence ? fenced(fn) : d.db.$transaction(fn, { maxWait: 15_000, timeout: 30_000 });
  const record = (
    update: (tx: Prisma.TransactionClient) => Promise<Prisma.ClusterGetPayload<{ select: typeof listed }>>,
  ) =>
    write(async (tx) => {
      // FOR NO KEY UPDATE: it waits for another check's write, not for the fence's KEY SHARE lock on the row.
      const locked = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Cluster" WHERE "id" = ${id} FOR NO KEY UPDATE`;
      if (!locked.length) throw notFound("Cluster");
      const before = await tx.cluster.findUniqueOrThrow({ where: { id }, select: listed });
      return { before, after: await update(tx) };
    });
  const now = new Date();
  let found: Prisma.ClusterUpdateInput;
  try {
    const client = await d.clusters.forCluster(id);
    if (full) {
      const { probe, velero } = await probeAndDetect(d, client);
      found = { kubernetesVersion: probe.serverVersion.gitVersion, ...accessFound(probe), velero: velero as object };
    } else found = { kubernetesVersion: (await client.version()).gitVersion };
  } catch (e) {
    const message = e instanceof ClusterError ? `${e.kind}: ${e.message}` : e instanceof Error ? e.message : String(e);
    return record(async (tx) => {
      // Counted from the locked row: a failed check counted at the same time by a Refresh is counted too.
      await tx.$executeRaw`
        UPDATE "Cluster" SET "failedChecks" = "failedChecks" + 1,
          "state" = CASE WHEN "failedChecks" + 1 >= ${DISCONNECT_AFTER_FAILED_CHECKS} THEN 'DISCONNECTED'::"ClusterState"
                         WHEN "state" = 'PENDING' THEN 'PENDING'::"ClusterState"
                         ELSE 'CONNECTED'::"ClusterState" END
        WHERE "id" = ${id}`;
      return tx.cluster.update({
        where: { id },
        data: { lastCheckAt: now, lastError: message.slice(0, 500) },
        select: listed,
      });
    });
  }
  return record((tx) =>
    tx.cluster.update({
      where: { id },
      data: { state: "CONNECTED", failedChecks: 0, lastSeenAt: now, lastCheckAt: now, lastError: null, ...found },
      select: listed,
    }),
  );
}

export async function refreshCluster(d: Deps, cluster: ScopedCluster) {
  return toView(await checkCluster(d, cluster.id), cluster.role);
}
