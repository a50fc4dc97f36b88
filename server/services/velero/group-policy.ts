import type { Deps } from "../../composition";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { AppError, notFound } from "../../errors";
import { publish } from "../../events/bus";
import { logger } from "../../log";
import { ACTIVE_PHASES, veleroSettings } from "@/lib/schemas/velero";
import type { GroupPolicyInput, GroupPolicyStatus } from "@/lib/schemas/velero-group";
import { decide, settingsDigest, type ClusterFacts, type Decision, type PolicyFacts } from "./group-decision";
import { busyOn, startChange, startInstall } from "./operations";
import { operationSummary, veleroManagementOf } from "./view";

// A cluster group's Velero (#12 §3): the desired state is the group's policy (GroupVeleroPolicy); the
// velero-group-policy reconciler (applyGroupPolicy) brings each cluster of the group to it with the same operations an
// admin starts on a cluster's page, auto-approved (the group's settings were reviewed when they were set). What it does
// on each cluster is decided by decide() (group-decision.ts), which the group's page shows as it is.

const json = (v: unknown) => v as Prisma.InputJsonValue;

/** Sets the group's policy (or changes it: a new version upgrades every cluster of the group) and applies it again. */
export async function setGroupPolicy(
  d: Pick<Deps, "db">,
  groupId: string,
  input: GroupPolicyInput,
  actorId: string | null,
) {
  const settings = veleroSettings.parse(input.settings);
  const data = { settings: json(settings), whenBusy: input.whenBusy, enabled: true, createdById: actorId };
  await d.db.groupVeleroPolicy.upsert({ where: { groupId }, create: { groupId, ...data }, update: data });
  await publish(d.db, { topic: "velero" });
  return { ok: true as const };
}

/** Stops applying the group's policy (to clusters attached later too). Velero stays as it runs on every cluster. */
export async function removeGroupPolicy(d: Pick<Deps, "db">, groupId: string) {
  const r = await d.db.groupVeleroPolicy.updateMany({ where: { groupId, enabled: true }, data: { enabled: false } });
  if (r.count !== 1) throw new AppError("NOT_FOUND", "This group has no policy in force");
  await publish(d.db, { topic: "velero" });
  return { ok: true as const };
}

/** What decide() needs of every cluster of a group, with the latest operation's row (for the table's progress). */
const groupClusters = (db: Db, groupId: string, policyId: string | null) =>
  db.cluster.findMany({
    where: { groupId },
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      state: true,
      accessLevel: true,
      velero: true,
      veleroInstallation: { select: { management: true, version: true, appliedSettings: true } },
      veleroOperations: { orderBy: { createdAt: "desc" }, take: 1 },
      groupPolicyRuns: { where: { policyId: policyId ?? "" } },
    },
  });
type GroupCluster = Awaited<ReturnType<typeof groupClusters>>[number];

async function factsOf(d: Pick<Deps, "db">, c: GroupCluster): Promise<ClusterFacts> {
  const latest = c.veleroOperations[0] ?? null;
  const { management } = veleroManagementOf({
    velero: c.velero,
    veleroInstallation: c.veleroInstallation,
    lastOperation: latest,
  });
  const tracked = c.groupPolicyRuns[0] ?? null;
  return {
    state: c.state,
    accessLevel: c.accessLevel,
    management,
    installedVersion: c.veleroInstallation?.version ?? null,
    appliedSettings: c.veleroInstallation?.appliedSettings ?? null,
    busy: management === "MANAGED" ? await busyOn(d, c.id) : [],
    latest: latest && {
      id: latest.id,
      kind: latest.kind,
      phase: latest.phase,
      message: latest.message,
      settings: latest.settings,
    },
    tracked,
  };
}

const policyFacts = (p: { id: string; settings: unknown; whenBusy: string }): PolicyFacts | null => {
  const settings = veleroSettings.safeParse(p.settings);
  if (!settings.success) return null;
  return { id: p.id, settings: settings.data, whenBusy: p.whenBusy === "wait" ? "wait" : "refuse" };
};

/** The group's policy, and where each of its clusters is: its state against the policy and its latest operation. */
export async function groupPolicyStatus(d: Pick<Deps, "db">, groupId: string): Promise<GroupPolicyStatus> {
  const p = await d.db.groupVeleroPolicy.findUnique({ where: { groupId } });
  const policy = p ? policyFacts(p) : null;
  const inForce = p?.enabled && policy ? policy : null;
  const clusters = await groupClusters(d.db, groupId, p?.id ?? null);
  const rows = [];
  for (const c of clusters) {
    const facts = await factsOf(d, c);
    const decided: Decision | null = inForce ? decide(facts, inForce) : null;
    rows.push({
      clusterId: c.id,
      clusterName: c.name,
      management: facts.management,
      version: veleroManagementOf({
        velero: c.velero,
        veleroInstallation: c.veleroInstallation,
        lastOperation: c.veleroOperations[0],
      }).version,
      state: decided?.state ?? null,
      reason: decided?.reason ?? null,
      message: decided?.message ?? null,
      retryable: decided?.retryable ?? false,
      operation: c.veleroOperations[0] ? operationSummary(c.veleroOperations[0]) : null,
    });
  }
  return {
    policy:
      p && policy
        ? { settings: policy.settings, whenBusy: policy.whenBusy, enabled: p.enabled, updatedAt: p.updatedAt }
        : null,
    clusters: rows,
  };
}

/**
 * Lets the policy try a cluster again: past its own failed operation (not otherwise started again for the same
 * settings), past someone's failed operation that blocked it, or after the services refused its start.
 */
export async function retryGroupCluster(d: Pick<Deps, "db">, groupId: string, clusterId: string) {
  const p = await d.db.groupVeleroPolicy.findUnique({ where: { groupId } });
  const policy = p?.enabled ? policyFacts(p) : null;
  if (!p || !policy) throw new AppError("NOT_FOUND", "This group has no policy in force");
  const [c] = (await groupClusters(d.db, groupId, p.id)).filter((x) => x.id === clusterId);
  if (!c) throw notFound("Cluster");
  const facts = await factsOf(d, c);
  if (!decide(facts, policy).retryable)
    throw new AppError("CONFLICT", `Nothing failed on ${c.name} for the policy to try again`);
  const failed = facts.latest && ["FAILED", "CANCELLED"].includes(facts.latest.phase) ? facts.latest.id : null;
  const data = { retryPastId: failed ?? facts.tracked?.retryPastId ?? null, refusal: null, refusalDigest: null };
  await d.db.groupVeleroPolicyCluster.upsert({
    where: { policyId_clusterId: { policyId: p.id, clusterId } },
    create: { policyId: p.id, clusterId, ...data },
    update: data,
  });
  await publish(d.db, { topic: "velero", clusterId });
  return { ok: true as const };
}

/** The policies in force (the reconciler applies each in turn). */
export const policiesInForce = (d: Pick<Deps, "db">) =>
  d.db.groupVeleroPolicy.findMany({ where: { enabled: true }, select: { id: true }, orderBy: { createdAt: "asc" } });

/**
 * One pass of the policy over its group: on each cluster, what decide() says to start, started auto-approved. A start
 * that loses a race (another operation began meanwhile: one active operation per cluster) is skipped; one the services
 * refuse is recorded and shown, and not tried again for the same settings until an admin asks.
 */
export async function applyGroupPolicy(d: Deps, policyId: string): Promise<void> {
  const p = await d.db.groupVeleroPolicy.findUnique({ where: { id: policyId } });
  const policy = p?.enabled ? policyFacts(p) : null;
  if (!p || !policy) return;
  for (const c of await groupClusters(d.db, p.groupId, p.id)) {
    const { action } = decide(await factsOf(d, c), policy);
    if (!action) continue;
    const track = (data: { operationId?: string; refusal: string | null; refusalDigest: string | null }) =>
      d.db.groupVeleroPolicyCluster.upsert({
        where: { policyId_clusterId: { policyId: p.id, clusterId: c.id } },
        create: { policyId: p.id, clusterId: c.id, ...data },
        update: data,
      });
    try {
      const op =
        action === "install"
          ? await startInstall(d, c.id, { settings: policy.settings }, p.createdById, { autoApprove: true })
          : await startChange(d, c.id, { settings: policy.settings, whenBusy: policy.whenBusy }, p.createdById, {
              autoApprove: true,
            });
      await track({ operationId: op.id, refusal: null, refusalDigest: null });
      logger.info({ cluster: c.name, action, version: policy.settings.version }, "group policy: operation started");
    } catch (e) {
      if (!(e instanceof AppError)) {
        logger.warn({ cluster: c.name, err: e instanceof Error ? e.message : String(e) }, "group policy: start failed");
        continue;
      }
      const raced = await d.db.veleroOperation.count({
        where: { clusterId: c.id, phase: { in: [...ACTIVE_PHASES] } },
      });
      if (e.code === "CONFLICT" && raced) continue;
      await track({ refusal: e.message, refusalDigest: settingsDigest(policy.settings) });
      await publish(d.db, { topic: "velero", clusterId: c.id });
    }
  }
}
