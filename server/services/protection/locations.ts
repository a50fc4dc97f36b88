import type { Deps } from "../../composition";
import { AppError, notFound } from "../../errors";
import { canOnCluster, canOnGroup, roleOnCluster, roleOnGroup, visibleClusterWhere, visibleGroupWhere, type Access } from "../../rbac/access";
import { credentialKeys } from "./credentials";
import { logger } from "../../log";

// Self-provisioned S3 target locations: validated by really reaching the bucket, assigned to cluster groups and
// clusters, and reconciled onto every assigned cluster that runs Velero as a credentials Secret + BackupStorageLocation.
const VELERO_TOP_LEVEL = "backups, restores, kopia";
export const bslNameFor = (location: { name: string }) => `lifeboat-${location.name}`.slice(0, 63);

const shown = {
  id: true, name: true, provider: true, bucket: true, prefix: true, region: true, endpoint: true, pathStyle: true, lastProbeAt: true, lastProbeMessage: true, createdAt: true,
  credential: { select: { id: true, name: true, keyIdMasked: true } },
  assignments: { select: { id: true, readOnly: true, clusterGroup: { select: { id: true, name: true } }, cluster: { select: { id: true, name: true, groupId: true } } }, orderBy: { createdAt: "asc" as const } },
  deployments: { select: { clusterId: true, bslName: true, readOnly: true, phase: true, message: true, lastValidationTime: true, appliedAt: true, error: true, cluster: { select: { name: true, groupId: true } } } },
} as const;

export async function listLocations(d: Deps, access: Access) {
  const groupWhere = visibleGroupWhere(access);
  const clusterWhere = visibleClusterWhere(access);
  const where = groupWhere ? { assignments: { some: { OR: [{ clusterGroup: groupWhere }, { cluster: clusterWhere ?? {} }] } } } : undefined;
  const rows = await d.db.location.findMany({ where, orderBy: { name: "asc" }, select: shown });
  // Non-admins see only the deployments on clusters they may see.
  return rows.map((l) => ({
    ...l,
    deployments: l.deployments.filter((x) => roleOnCluster(access, { id: x.clusterId, groupId: x.cluster.groupId })).map(({ cluster, ...x }) => ({ ...x, clusterName: cluster.name })),
  }));
}

function s3Of(l: { bucket: string; prefix: string; region: string; endpoint: string; pathStyle: boolean; caBundle?: string | null; provider: string }) {
  return { bucket: l.bucket, prefix: l.prefix || undefined, region: l.region || "us-east-1", endpoint: l.endpoint || undefined, pathStyle: l.pathStyle, caBundle: l.caBundle ?? undefined };
}

export async function createLocation(d: Deps, actorId: string, input: { name: string; provider: "AWS_S3" | "S3_COMPATIBLE"; bucket: string; prefix: string; region: string; endpoint: string; pathStyle: boolean; caBundle?: string; credentialId: string }) {
  if (await d.db.location.findUnique({ where: { name: input.name }, select: { id: true } })) throw new AppError("CONFLICT", `A target location named ${input.name} already exists`);
  const keys = await credentialKeys(d, input.credentialId);
  const probe = await d.storage.probeS3Location(s3Of(input), keys);
  if (!probe.ok) throw new AppError("PRECONDITION_FAILED", `The bucket could not be used (${probe.failure}): ${probe.message}`);
  return d.db.location.create({
    data: { ...input, caBundle: input.caBundle ?? null, lastProbeAt: new Date(), lastProbeMessage: `Reached the bucket: head, list, write and delete under ${input.prefix || "the bucket root"} succeeded. Velero may own ${VELERO_TOP_LEVEL} there.`, createdById: actorId },
    select: shown,
  });
}

export async function deleteLocation(d: Deps, id: string) {
  const l = await d.db.location.findUnique({ where: { id }, select: { assignments: { select: { clusterGroup: { select: { name: true } }, cluster: { select: { name: true } } } } } });
  if (!l) throw notFound("Target location");
  if (l.assignments.length) {
    const users = l.assignments.map((a) => (a.clusterGroup ? `group ${a.clusterGroup.name}` : `cluster ${a.cluster!.name}`));
    throw new AppError("CONFLICT", `The location is assigned to ${users.join(", ")}. Unassign it first.`);
  }
  await d.db.location.delete({ where: { id } });
  return { id };
}

function assertCanAssign(access: Access, target: { kind: "clusterGroup" | "cluster"; id: string; groupId?: string }) {
  const allowed = target.kind === "clusterGroup" ? canOnGroup(access, "location.assign", target.id) : canOnCluster(access, "location.assign", { id: target.id, groupId: target.groupId! });
  if (allowed) return;
  const visible = target.kind === "clusterGroup" ? roleOnGroup(access, target.id) : roleOnCluster(access, { id: target.id, groupId: target.groupId! });
  if (visible) throw new AppError("FORBIDDEN", "Assigning a location needs the CLUSTER_ADMIN role there");
  throw notFound(target.kind === "clusterGroup" ? "Cluster group" : "Cluster");
}

export async function assignLocation(d: Deps, access: Access, input: { locationId: string; target: { kind: "clusterGroup" | "cluster"; id: string }; readOnly: boolean }) {
  const location = await d.db.location.findUnique({ where: { id: input.locationId }, select: { id: true } });
  if (!location) throw notFound("Target location");
  let groupId: string | undefined;
  if (input.target.kind === "cluster") {
    const c = await d.db.cluster.findUnique({ where: { id: input.target.id }, select: { groupId: true } });
    if (!c) throw notFound("Cluster");
    groupId = c.groupId;
  } else if (!(await d.db.clusterGroup.findUnique({ where: { id: input.target.id }, select: { id: true } }))) throw notFound("Cluster group");
  assertCanAssign(access, { ...input.target, groupId });
  const key = { locationId: input.locationId, clusterGroupId: input.target.kind === "clusterGroup" ? input.target.id : null, clusterId: input.target.kind === "cluster" ? input.target.id : null };
  if (await d.db.locationAssignment.findFirst({ where: key, select: { id: true } })) throw new AppError("CONFLICT", "The location is already assigned there");
  const a = await d.db.locationAssignment.create({ data: { ...key, readOnly: input.readOnly }, select: { id: true } });
  await reconcileLocation(d, input.locationId);
  return a;
}

export async function unassignLocation(d: Deps, access: Access, assignmentId: string) {
  const a = await d.db.locationAssignment.findUnique({ where: { id: assignmentId }, select: { locationId: true, clusterGroupId: true, clusterId: true, cluster: { select: { groupId: true } } } });
  if (!a) throw notFound("Assignment");
  assertCanAssign(access, a.clusterGroupId ? { kind: "clusterGroup", id: a.clusterGroupId } : { kind: "cluster", id: a.clusterId!, groupId: a.cluster!.groupId });
  await d.db.locationAssignment.delete({ where: { id: assignmentId } });
  await reconcileLocation(d, a.locationId);
  return { id: assignmentId };
}

/** Makes every assigned cluster that runs Velero hold this location, and removes it from the others. */
export async function reconcileLocation(d: Deps, locationId: string) {
  const l = await d.db.location.findUnique({
    where: { id: locationId },
    select: { id: true, name: true, bucket: true, prefix: true, region: true, endpoint: true, pathStyle: true, caBundle: true, provider: true, credentialId: true, assignments: { select: { readOnly: true, clusterGroupId: true, clusterId: true } }, deployments: { select: { clusterId: true } } },
  });
  if (!l) return;
  const want = new Map<string, boolean>(); // clusterId → readOnly (a direct assignment wins over its group's)
  for (const a of l.assignments.filter((x) => x.clusterGroupId)) {
    for (const c of await d.db.cluster.findMany({ where: { groupId: a.clusterGroupId! }, select: { id: true } })) want.set(c.id, a.readOnly);
  }
  for (const a of l.assignments.filter((x) => x.clusterId)) want.set(a.clusterId!, a.readOnly);
  const keys = await credentialKeys(d, l.credentialId);
  const bslName = bslNameFor(l);
  const config: Record<string, string> = { region: l.region || "us-east-1" };
  if (l.endpoint) config.s3Url = l.endpoint;
  if (l.pathStyle) config.s3ForcePathStyle = "true";
  for (const [clusterId, readOnly] of want) {
    const c = await d.db.cluster.findUnique({ where: { id: clusterId }, select: { kubeconfigSecretId: true, velero: true } });
    if (!c?.kubeconfigSecretId) continue;
    const installed = (c.velero as { installed?: boolean } | null)?.installed;
    let error: string | null = installed ? null : "Velero is not installed on this cluster: the location is not applied";
    if (installed) {
      try {
        const kubeconfig = (await d.sealed.read(c.kubeconfigSecretId)).toString();
        await d.kube.applyLocation(kubeconfig, { name: bslName, provider: "aws", bucket: l.bucket, prefix: l.prefix || undefined, config, caCertPem: l.caBundle ?? undefined, accessMode: readOnly ? "ReadOnly" : "ReadWrite", credentials: keys, labels: { "lifeboat.io/location-id": l.id } });
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        logger.warn({ location: l.name, clusterId, error }, "applying a location failed");
      }
    }
    await d.db.locationDeployment.upsert({
      where: { locationId_clusterId: { locationId: l.id, clusterId } },
      create: { locationId: l.id, clusterId, bslName, readOnly, appliedAt: error ? null : new Date(), error },
      update: { bslName, readOnly, appliedAt: error ? undefined : new Date(), error },
    });
  }
  for (const dep of l.deployments.filter((x) => !want.has(x.clusterId))) {
    const c = await d.db.cluster.findUnique({ where: { id: dep.clusterId }, select: { kubeconfigSecretId: true } });
    try {
      if (c?.kubeconfigSecretId) await d.kube.removeLocation((await d.sealed.read(c.kubeconfigSecretId)).toString(), bslName);
      await d.db.locationDeployment.delete({ where: { locationId_clusterId: { locationId: l.id, clusterId: dep.clusterId } } });
    } catch (e) {
      await d.db.locationDeployment.update({ where: { locationId_clusterId: { locationId: l.id, clusterId: dep.clusterId } }, data: { error: `Removing it failed: ${e instanceof Error ? e.message : String(e)}` } });
    }
  }
}

/** Reads what Velero says of the location on each cluster (phase, message, last validation). */
export async function refreshLocationStatus(d: Deps, locationId: string) {
  const deps = await d.db.locationDeployment.findMany({ where: { locationId, appliedAt: { not: null } }, select: { clusterId: true, bslName: true, cluster: { select: { kubeconfigSecretId: true } } } });
  for (const dep of deps) {
    if (!dep.cluster.kubeconfigSecretId) continue;
    try {
      const s = await d.kube.locationStatus((await d.sealed.read(dep.cluster.kubeconfigSecretId)).toString(), dep.bslName);
      await d.db.locationDeployment.update({
        where: { locationId_clusterId: { locationId, clusterId: dep.clusterId } },
        data: s ? { phase: s.phase ?? null, message: s.message ?? null, lastValidationTime: s.lastValidationTime ? new Date(s.lastValidationTime) : null, error: null } : { phase: null, error: "The BackupStorageLocation is missing on the cluster" },
      });
    } catch (e) {
      await d.db.locationDeployment.update({ where: { locationId_clusterId: { locationId, clusterId: dep.clusterId } }, data: { error: e instanceof Error ? e.message : String(e) } });
    }
  }
}
