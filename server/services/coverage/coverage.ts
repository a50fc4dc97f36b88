import type { Deps } from "../../composition";
import { VELERO_NAMESPACE } from "../../kube/access";
import { RESOURCES } from "../../kube/resources";
import { notFound } from "../../errors";
import {
  PROTECTING_METHODS,
  type ClusterCoverage,
  type CoverageMethodName,
  type CoverageSummary,
  type NamespaceRecoveryPoint,
  type ObservedVolume,
  type VolumeCoverageRow,
} from "@/lib/schemas/coverage";
import { PROTECTED_NAMESPACES } from "@/lib/schemas/protection";
import { computeCoverage, summarize as summarizeVolumes, type MethodTotals } from "@/lib/velero/coverage/coverage";
import { parseResourcePolicy } from "@/lib/velero/coverage/policies";
import type { VolumeCoverage } from "@/lib/velero/coverage/types";
import { date, rec, stringMap } from "@/lib/velero/read";
import { planOf, readFacts, readPlans, type DetectedVelero } from "./facts";
import { namespaceExclusion } from "@/lib/velero/coverage/scope";

// A cluster's volume coverage (#13): the prediction of the rule engine over the read model, what the finished backups
// really did (BackupDigest), and each namespace's recovery point against its group's objective.

/** Namespaces of the cluster itself, never shown for recovery points (besides the ones Lifeboat never backs up). */
const SYSTEM_NAMESPACES = ["kube-public", "kube-node-lease"];

/** The methods in the words of a sentence (the UI's labels are in components/coverage/labels.ts). */
const METHOD_WORDS: Record<CoverageMethodName, string> = {
  FSB: "file-system backup",
  CSI_SNAPSHOT: "CSI snapshot",
  CSI_DATA_MOVED: "CSI snapshot with data movement",
  NATIVE_SNAPSHOT: "native snapshot",
  CUSTOM: "an external plugin",
  SKIPPED: "skipped",
  ERROR: "an error",
  NOT_COVERED: "not covered",
};

export async function clusterCoverage(d: Deps, clusterId: string, now = new Date()): Promise<ClusterCoverage> {
  const cluster = await d.db.cluster.findUnique({
    where: { id: clusterId },
    select: { id: true, name: true, velero: true, state: true, group: { select: { rpoHours: true } } },
  });
  if (!cluster) throw notFound("Cluster");
  const velero = cluster.velero as DetectedVelero | null;
  const [{ facts, problems }, plans] = await Promise.all([
    readFacts(d.db, clusterId, velero),
    readPlans(d.db, clusterId),
  ]);
  // Resource policies named by a schedule are read from the cluster when asked (a ConfigMap Velero reads at backup time).
  for (const name of new Set(plans.map((p) => p.spec.resourcePolicy).filter((n): n is string => Boolean(n)))) {
    try {
      const client = await d.clusters.forCluster(clusterId);
      const cm = await client.get(RESOURCES.configmaps, name, VELERO_NAMESPACE);
      if (!cm)
        problems.push(
          `The resource policy ConfigMap ${name} a schedule names does not exist: Velero fails those backups`,
        );
      else facts.resourcePolicies.push(parseResourcePolicy(name, stringMap(cm.data)));
    } catch (e) {
      problems.push(`The resource policy ${name} could not be read: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  let predicted = computeCoverage(facts, plans);
  if (!velero?.installed) {
    problems.unshift("Velero is not installed on this cluster: no backup carries any of its volumes");
    predicted = predicted.map((v) => ({
      ...v,
      method: "NOT_COVERED",
      plans: [],
      rule: "velero",
      reason: "Velero is not installed on this cluster",
      fix: { text: "Enable data protection on this cluster (its page → Data protection)" },
    }));
  }
  const rpoHours = cluster.group.rpoHours;
  const { volumes, namespaces } = await observe(
    d,
    clusterId,
    predicted,
    facts.namespaces.map((n) => n.name),
    rpoHours,
    now,
  );
  return {
    clusterId,
    clusterName: cluster.name,
    rpoHours,
    computedAt: now,
    problems,
    schedules: plans.map((p) => ({ name: p.name, paused: p.paused })),
    summary: summarize(volumes, namespaces),
    volumes,
    namespaces,
  };
}

/** What a finished backup did with a volume, as a coverage method (skipped or failed: SKIPPED). */
export const observedMethod = (o: ObservedVolume): CoverageMethodName =>
  o.skipped || o.failed
    ? "SKIPPED"
    : o.backupMethod === "PodVolumeBackup"
      ? "FSB"
      : o.backupMethod === "CSISnapshot"
        ? o.dataMoved
          ? "CSI_DATA_MOVED"
          : "CSI_SNAPSHOT"
        : o.backupMethod === "NativeSnapshot"
          ? "NATIVE_SNAPSHOT"
          : "NOT_COVERED";

interface Digest {
  backupName: string;
  phase: string;
  completedAt: Date | null;
  volumes: ObservedVolume[];
  errorNamespaces: string[];
  namespaces: string[];
  namespacesKnown: boolean;
  schedule: string;
}

async function observe(
  d: Deps,
  clusterId: string,
  predicted: VolumeCoverage[],
  namespaceNames: string[],
  rpoHours: number,
  now: Date,
): Promise<{ volumes: VolumeCoverageRow[]; namespaces: NamespaceRecoveryPoint[] }> {
  const [digestRows, backups] = await Promise.all([
    d.db.backupDigest.findMany({
      where: { clusterId, fetchedAt: { not: null } },
      orderBy: { completedAt: "desc" },
      take: 500,
      select: {
        backupName: true,
        phase: true,
        completedAt: true,
        volumes: true,
        errorNamespaces: true,
        namespaces: true,
        namespacesKnown: true,
      },
    }),
    d.db.veleroObject.findMany({
      where: { clusterId, kind: "backups", syncedCopy: false, phase: { in: ["Completed", "PartiallyFailed"] } },
      select: { name: true, phase: true, labels: true, spec: true, status: true, createdAt: true },
    }),
  ]);
  const scheduleOf = new Map(backups.map((b) => [b.name, stringMap(b.labels)["velero.io/schedule-name"] ?? ""]));
  // Only backups that still exist and can be restored (Completed, PartiallyFailed) say what protects a volume.
  const digests: Digest[] = digestRows
    .filter((g) => scheduleOf.has(g.backupName))
    .map((g) => ({
      ...g,
      volumes: (Array.isArray(g.volumes) ? g.volumes : []) as unknown as ObservedVolume[],
      schedule: scheduleOf.get(g.backupName) ?? "",
    }));
  // Each digest's entries by volume key, built once.
  const entries = digests.map((g) => {
    const m = new Map<string, ObservedVolume>();
    for (const v of g.volumes) {
      if (v.pvc) m.set(`pvc/${v.namespace}/${v.pvc}`, v);
      else if (v.pod && v.volumeName) m.set(`pod/${v.namespace}/${v.pod}/${v.volumeName}`, v);
    }
    return m;
  });
  const volumes = predicted.map((v): VolumeCoverageRow => {
    let lastProtected: VolumeCoverageRow["lastProtected"] = null;
    let mismatch: string | null = null;
    let checked = false;
    const protects = PROTECTING_METHODS.has(v.method);
    digests.forEach((g, i) => {
      const o = entries[i].get(v.key);
      // A PartiallyFailed backup protects nothing of a namespace it had errors in.
      const usable =
        o && !o.skipped && !o.failed && !(g.phase === "PartiallyFailed" && g.errorNamespaces.includes(v.namespace));
      if (!lastProtected && usable)
        lastProtected = { backup: g.backupName, at: g.completedAt, method: observedMethod(o) };
      // The newest backup of a schedule that includes the volume: does it agree with the prediction?
      if (!checked && g.schedule && v.plans.includes(g.schedule)) {
        checked = true;
        const want = METHOD_WORDS[v.method];
        if (protects) {
          if (!o)
            mismatch = `Predicted ${want}, but backup ${g.backupName} has no entry for this volume in its volume info`;
          else if (o.skipped)
            mismatch = `Predicted ${want}, but backup ${g.backupName} skipped it${o.reason ? `: ${o.reason}` : ""}`;
          else if (o.failed) mismatch = `Predicted ${want}, but it failed in backup ${g.backupName}`;
          else if (observedMethod(o) !== v.method)
            mismatch = `Predicted ${want}, but backup ${g.backupName} used ${METHOD_WORDS[observedMethod(o)]}`;
        } else if (o && !o.skipped && !o.failed)
          mismatch = `Predicted ${want}, but backup ${g.backupName} carried it (${METHOD_WORDS[observedMethod(o)]})`;
      }
    });
    return { ...v, lastProtected, mismatch };
  });
  // Recovery points: the newest backup that included the namespace and had no errors in it.
  const good = backups
    .map((b) => ({
      name: b.name,
      phase: b.phase,
      at: date(rec(b.status).completionTimestamp) ?? b.createdAt,
      plan: planOf(b.name, b.spec),
    }))
    .sort((a, b) => (b.at?.getTime() ?? 0) - (a.at?.getTime() ?? 0));
  const errorsIn = new Map(digests.map((g) => [g.backupName, new Set(g.errorNamespaces)]));
  const heldBy = new Map(digests.filter((g) => g.namespacesKnown).map((g) => [g.backupName, new Set(g.namespaces)]));
  /**
   * Did the backup include the namespace: what its resource list holds once read; before that, its namespace filters,
   * unless it selects by label (then only the list can tell).
   */
  const includes = (b: (typeof good)[number], ns: string) =>
    heldBy.has(b.name)
      ? heldBy.get(b.name)!.has(ns)
      : b.plan.spec.labelSelectors.length === 0 &&
        !namespaceExclusion(b.plan, { name: ns, labels: {}, deleting: false });
  const perNamespace = new Map<string, { volumes: number; notCovered: number }>();
  for (const v of volumes) {
    const c = perNamespace.get(v.namespace) ?? { volumes: 0, notCovered: 0 };
    c.volumes++;
    if (!PROTECTING_METHODS.has(v.method)) c.notCovered++;
    perNamespace.set(v.namespace, c);
  }
  const shown = namespaceNames.filter(
    (n) => !(PROTECTED_NAMESPACES as readonly string[]).includes(n) && !SYSTEM_NAMESPACES.includes(n),
  );
  const namespaces = shown.map((ns): NamespaceRecoveryPoint => {
    const last = good.find(
      (b) => includes(b, ns) && (b.phase === "Completed" || (errorsIn.has(b.name) && !errorsIn.get(b.name)!.has(ns))),
    );
    const ageHours = last?.at ? Math.max(0, (now.getTime() - last.at.getTime()) / 3_600_000) : null;
    const counts = perNamespace.get(ns) ?? { volumes: 0, notCovered: 0 };
    return {
      namespace: ns,
      lastBackup: last?.name ?? null,
      lastAt: last?.at ?? null,
      ageHours: ageHours === null ? null : Math.round(ageHours * 10) / 10,
      breach: ageHours === null || ageHours > rpoHours,
      ...counts,
    };
  });
  namespaces.sort(
    (a, b) =>
      Number(b.breach) - Number(a.breach) ||
      (b.ageHours ?? Infinity) - (a.ageHours ?? Infinity) ||
      a.namespace.localeCompare(b.namespace),
  );
  return { volumes, namespaces };
}

/** The engine's counts (lib/velero/coverage summarize), with what the observed side adds. */
export function summarize(volumes: VolumeCoverageRow[], namespaces: NamespaceRecoveryPoint[]): CoverageSummary {
  const totals = summarizeVolumes(volumes);
  const byMethod = {} as Record<CoverageMethodName, number>;
  const bytesByMethod = {} as Record<CoverageMethodName, number>;
  for (const [m, t] of Object.entries(totals.byMethod) as [CoverageMethodName, MethodTotals][]) {
    byMethod[m] = t.volumes;
    bytesByMethod[m] = t.bytes;
  }
  return {
    volumes: totals.volumes,
    covered: totals.covered,
    byMethod,
    bytesByMethod,
    mismatches: volumes.filter((v) => v.mismatch).length,
    namespaces: namespaces.length,
    breaches: namespaces.filter((n) => n.breach).length,
  };
}
