import type { Db } from "../../db/client";
import type { VeleroOperation } from "../../db/generated/client";
import { canOnCluster, visibleClusterWhere, type Access } from "../../rbac/access";
import type { veleroInfo } from "@/lib/schemas/cluster";
import type { z } from "zod";
import type { VeleroVersionRow } from "@/lib/schemas/velero-fleet";
import { compatibility, newerReleases, pluginProviderOf, VELERO_RELEASES } from "@/lib/velero/versions";
import { ACTIVE_PHASES } from "@/lib/schemas/velero";
import { operationProgress, veleroManagementOf } from "./view";

// The fleet's Velero versions (#12 §3): per cluster the user may see, who runs Velero there and which version, the
// node-agent's and the plugins' image tags, how that Velero goes with the cluster's Kubernetes, and whether Lifeboat
// installs a newer release. From the cluster records (what detection last stored), so a disconnected cluster shows
// what it ran when last seen.

/** "registry:5000/velero/velero:v1.18.1" → "v1.18.1"; a digest-only or untagged image → null. */
export function imageTag(image: string | null | undefined): string | null {
  if (!image) return null;
  const name = image.replace(/@.*$/, "");
  const m = /:([^/:]+)$/.exec(name);
  return m ? m[1] : null;
}

export async function veleroFleetVersions(db: Db, access: Access): Promise<VeleroVersionRow[]> {
  const clusters = await db.cluster.findMany({
    where: visibleClusterWhere(access) ?? undefined,
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      groupId: true,
      kubernetesVersion: true,
      velero: true,
      accessLevel: true,
      group: { select: { name: true, veleroPolicy: { select: { enabled: true } } } },
      veleroInstallation: { select: { management: true, version: true } },
    },
  });
  // Each cluster's latest operation, in one query (a nested `take: 1` would read every operation ever run).
  const ids = clusters.map((c) => c.id);
  const latest = new Map(
    (
      await db.$queryRaw<
        ({ clusterId: string } & Pick<VeleroOperation, "kind" | "phase" | "settings" | "steps" | "progress">)[]
      >`
        SELECT DISTINCT ON ("clusterId") "clusterId", "kind", "phase", "settings", "steps", "progress"
        FROM "VeleroOperation" WHERE "clusterId" = ANY(${ids})
        ORDER BY "clusterId", "createdAt" DESC`
    ).map((o) => [o.clusterId, o]),
  );
  const newest = VELERO_RELEASES[0].version;
  return clusters
    .filter((c) => canOnCluster(access, "velero.get", c))
    .map((c): VeleroVersionRow => {
      const { management, version } = veleroManagementOf({
        velero: c.velero,
        veleroInstallation: c.veleroInstallation,
        lastOperation: latest.get(c.id),
      });
      // Records detected before a field existed lack it: every field is read as optional.
      const info = c.velero as Partial<z.infer<typeof veleroInfo>> | null;
      const running = management !== "OFF" && management !== "DISABLED" ? version : null;
      const k8s = c.kubernetesVersion;
      const nodeAgentRunning = Boolean(running && info?.nodeAgent);
      const last = latest.get(c.id);
      const active = last && (ACTIVE_PHASES as readonly string[]).includes(last.phase) ? last : null;
      const groupPolicy = Boolean(c.group.veleroPolicy?.enabled);
      const upgradeAvailable = running
        ? newerReleases(running).some((r) => !k8s || compatibility(k8s, r.version).level !== "unsupported")
        : false;
      return {
        clusterId: c.id,
        clusterName: c.name,
        groupName: c.group.name,
        groupPolicy,
        management,
        veleroVersion: running,
        nodeAgentRunning,
        nodeAgent: nodeAgentRunning ? imageTag(info?.images?.nodeAgent) : null,
        plugins: running
          ? (Array.isArray(info?.images?.plugins) ? info.images.plugins : []).map((p) => ({
              name: pluginProviderOf(p.image) ?? p.name,
              version: imageTag(p.image),
            }))
          : [],
        kubernetesVersion: k8s,
        compatibility: running && k8s ? compatibility(k8s, running) : null,
        newestRelease: newest,
        upgradeAvailable,
        canUpgrade:
          upgradeAvailable &&
          management === "MANAGED" &&
          c.accessLevel === "MANAGE" &&
          !groupPolicy &&
          !active &&
          canOnCluster(access, "velero.install", c),
        operation: active ? operationProgress(active) : null,
      };
    });
}
