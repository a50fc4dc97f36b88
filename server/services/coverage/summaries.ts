import crypto from "node:crypto";
import type { Prisma } from "../../db/generated/client";
import type { Deps } from "../../composition";
import { publish } from "../../events/bus";
import { clusterCoverage } from "./coverage";

// The fleet dashboard's rows (#13 §4): each attached cluster's coverage at a glance, refreshed by the
// coverage-summaries reconciler when what it is computed from changes, then announced on the "coverage" topic.

export const COVERAGE_TOPIC = "coverage";

/** What this process last announced per cluster: a refresh that changes nothing is not announced again. */
const announced = new Map<string, string>();

/** Computes a cluster's coverage and keeps its summary; announces it. Null when the cluster is gone. */
export async function refreshSummary(d: Deps, clusterId: string, now = new Date()): Promise<boolean> {
  const exists = await d.db.cluster.findUnique({ where: { id: clusterId }, select: { id: true } });
  if (!exists) return false;
  const c = await clusterCoverage(d, clusterId, now);
  const data = {
    computedAt: now,
    volumes: c.summary.volumes,
    covered: c.summary.covered,
    summary: c.summary as unknown as Prisma.InputJsonValue,
    breaches: c.summary.breaches,
    namespaces: c.summary.namespaces,
    problems: c.problems,
  };
  await d.db.coverageSummary.upsert({ where: { clusterId }, create: { clusterId, ...data }, update: data });
  const hash = crypto
    .createHash("sha256")
    .update(JSON.stringify([c.problems, c.schedules, c.volumes, c.namespaces, c.rpoHours]))
    .digest("hex");
  if (announced.get(clusterId) !== hash) {
    announced.set(clusterId, hash);
    await publish(d.db, { topic: COVERAGE_TOPIC, clusterId });
  }
  return true;
}
