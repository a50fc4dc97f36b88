import type { Deps } from "../../composition";
import { leaseWriter, LeaseLost, type Fence, type LeaseScope } from "../../controllers/ownership";
import { AppError, notFound } from "../../errors";
import { publish } from "../../events/bus";
import { ClusterError } from "../../kube/errors";
import type { ClusterClient } from "../../kube/cluster-client";
import { RESOURCES } from "../../kube/resources";
import {
  applyVeleroObject,
  createRenderJob,
  crdEstablished,
  deleteAppliedObject,
  deleteRenderJob,
  readVeleroObject,
  readRenderLog,
  readWorkload,
  renderJobState,
} from "../../kube/velero-install";
import { createVeleroObject, deleteVeleroObject, getVeleroObject } from "../../kube/velero-objects";
import type { Prisma } from "../../db/generated/client";
import { checkCluster } from "../clusters/clusters";
import { reconcileCluster } from "../protection/locations";
import {
  ACTIVE_PHASES,
  appliedBeforeFailing,
  veleroSettings,
  type VeleroChangeInput,
  type VeleroDisableInput,
  type VeleroSettings,
  type WHEN_BUSY,
} from "@/lib/schemas/velero";
import { canonicalJson } from "@/lib/json/canonical";
import { isTerminal, phasesWhere } from "@/lib/velero/phases";
import { compareVersions, PLUGIN_REPOSITORIES, type ObjectStoreProvider } from "@/lib/velero/versions";
import { clusterLabelValue } from "@/lib/velero/names";
import type { ObjectChange } from "@/lib/schemas/velero";
import { buildDeleteBackupRequest, deleteRequestName } from "../backups/deletion";
import { objectChange, replaceReasons } from "./diff";
import { installRequest, VELERO_INSTALL_NAMESPACE } from "./install-flags";
import {
  applyOrder,
  describeObject,
  overlay,
  parseInstallerLog,
  renderDigest,
  RenderRefused,
  RENDER_LOG_LIMIT,
  validateRendered,
  type K8sObject,
} from "./manifest";
import { daemonSetRollout, deploymentRollout } from "./rollout";

// Installing Velero on a cluster with Velero's own installer (#12 §1), as a step machine the velero-installer
// reconciler advances: PENDING (create the render Job) → RENDERING (wait for it; read, validate and overlay what it
// printed) → REVIEW (an operator approves the exact objects) → APPLYING (CRDs, until Established; namespace and RBAC;
// the workloads) → ROLLING_OUT (kubectl's rollout rules) → VERIFYING (a ServerStatusRequest answers with the version
// and plugins) → SUCCEEDED. Each call does one step and returns; every transition is a compare-and-set on
// (id, phase, stepSeq), so replicas never apply twice. Procedures only insert or move rows; only this writes to clusters.

/** Lifeboat installs the plugins of every storage kind it offers, so any location can be assigned without a reinstall. */
export const INSTALLED_PROVIDERS = Object.keys(PLUGIN_REPOSITORIES) as ObjectStoreProvider[];

const seconds = (env: string | undefined, fallback: number) => {
  const n = Number(env);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};
/** How long the installer's pod may take to pull its image and start (a registry that does not answer ends here). */
export const pullTimeoutMs = () => seconds(process.env.LIFEBOAT_VELERO_PULL_TIMEOUT_SECONDS, 180) * 1000;
const RENDER_DEADLINE_S = 300;
const ESTABLISHED_MS = 60_000;
const ROLLOUT_MS = 600_000;
const VERIFY_MS = 120_000;
const REVIEW_EXPIRY_MS = 24 * 3600_000;
/** How long an approved change or upgrade waits for running backups and restores before it gives up. */
const BUSY_WAIT_MS = 2 * 3600_000;
const POLL_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
const LOG_TAIL_LINES = 40;

interface Options {
  lifeboatNamespace: string;
  autoApprove?: boolean;
  /** An upgrade, settings change or take-over while backups or restores run: fail, or wait for them. */
  whenBusy?: WhenBusy;
  /** Disable: keep the cluster's backups in storage, or delete them first. */
  backups?: "keep" | "delete";
  deleteCrds?: boolean;
}
interface Step {
  name: string;
  state: "running" | "done" | "failed";
  at: string;
  message?: string;
}
export interface RenderedView {
  messages: string[];
  objects: K8sObject[];
  fromOverlay: Record<string, string[]>;
  /** A settings change, upgrade or take-over: what changes on the cluster, as reviewed. */
  changes?: ObjectChange[];
  /** Workloads running now that the new render no longer has (the node-agent once nothing needs it). */
  prune?: K8sObject[];
  /** A take-over: someone else's workloads that an apply in place cannot make what was rendered (deleted, then applied). */
  replace?: K8sObject[];
}

type Row = NonNullable<Awaited<ReturnType<typeof load>>>;
const load = (d: Deps, id: string) => d.db.veleroOperation.findUnique({ where: { id } });

type WhenBusy = (typeof WHEN_BUSY)[number];
const json = (v: unknown) => v as Prisma.InputJsonValue;
const now = () => new Date();
const pastDeadline = (op: { deadlineAt: Date | null }) =>
  op.deadlineAt !== null && Date.now() > op.deadlineAt.getTime();
const busyList = (busy: string[]) => `${busy.slice(0, 3).join(", ")}${busy.length > 3 ? ", …" : ""}`;
const later = (ms = POLL_MS) => new Date(Date.now() + ms);

type OperationKind = "INSTALL" | "CONFIGURE" | "UPGRADE" | "TAKE_OVER" | "REPAIR" | "DISABLE";

/** What a start needs to know of the cluster. */
const clusterFacts = (d: Deps, clusterId: string) =>
  d.db.cluster.findUnique({
    where: { id: clusterId },
    select: {
      name: true,
      groupId: true,
      velero: true,
      accessLevel: true,
      missingManageAccess: true,
      lifeboatNamespace: true,
      veleroInstallation: {
        select: { management: true, version: true, appliedSettings: true, lastOperationId: true },
      },
      veleroOperations: { orderBy: { createdAt: "desc" }, take: 1, select: { kind: true, phase: true, steps: true } },
    },
  });
type ClusterFacts = NonNullable<Awaited<ReturnType<typeof clusterFacts>>>;

async function factsOf(d: Deps, clusterId: string): Promise<ClusterFacts> {
  const cluster = await clusterFacts(d, clusterId);
  if (!cluster) throw notFound("Cluster");
  if (cluster.accessLevel !== "MANAGE") {
    const missing = cluster.missingManageAccess;
    throw new AppError(
      "PRECONDITION_FAILED",
      `Installing, changing or removing Velero needs Lifeboat's "manage Velero" access on this cluster, which it does ` +
        "not have" +
        (missing.length ? ` (missing, among ${missing.length}: ${missing.slice(0, 3).join("; ")})` : "") +
        '. Apply the "manage Velero" onboarding manifest, then check the cluster again.',
    );
  }
  return cluster;
}

/** A cluster whose group's policy is in force takes its Velero from the policy: changes go there. */
async function refuseUnderPolicy(d: Deps, cluster: ClusterFacts, consequence: string) {
  const policy = await d.db.groupVeleroPolicy.findFirst({
    where: { groupId: cluster.groupId, enabled: true },
    select: { group: { select: { name: true } } },
  });
  if (policy)
    throw new AppError(
      "PRECONDITION_FAILED",
      `The cluster group ${policy.group.name} sets Velero on all its clusters, so ${consequence}: change the group's ` +
        "settings, stop its policy, or move the cluster to another group first",
    );
}

const requireManaged = (cluster: ClusterFacts, what: string) => {
  if (cluster.veleroInstallation?.management !== "MANAGED")
    throw new AppError(
      "PRECONDITION_FAILED",
      cluster.veleroInstallation?.management === "DISABLED" ||
        !(cluster.velero as { installed?: boolean } | null)?.installed
        ? `Velero does not run on this cluster: enable data protection first (${what})`
        : `Lifeboat did not install this Velero: take it over first (${what})`,
    );
};

/** Backups and restores that have not finished on the cluster, as the read model has them ("Backup nightly-…"). */
export async function busyOn(d: Pick<Deps, "db">, clusterId: string): Promise<string[]> {
  const rows = await d.db.veleroObject.findMany({
    where: {
      clusterId,
      OR: [
        { kind: "backups", OR: [{ phase: { in: STARTED_BACKUP } }, { ...notStarted, createdAt: { gt: stale() } }] },
        { kind: "restores", OR: [{ phase: { in: STARTED_RESTORE } }, { ...notStarted, createdAt: { gt: stale() } }] },
      ],
    },
    select: { kind: true, name: true },
    orderBy: { name: "asc" },
    take: 20,
  });
  return rows.map((r) => `${r.kind === "backups" ? "Backup" : "Restore"} ${r.name}`);
}
// Started and not finished. One Velero has not picked up (no phase, or New) counts only while recent: with Velero's
// server down it never will, and that must not hold an upgrade or a removal up for good.
const STARTED_BACKUP = phasesWhere("Backup", (p) => p !== "New" && !isTerminal("Backup", p));
const STARTED_RESTORE = phasesWhere("Restore", (p) => p !== "New" && !isTerminal("Restore", p));
const notStarted = { OR: [{ phase: null }, { phase: "New" }] };
const NOT_PICKED_UP_MS = 10 * 60_000;
const stale = () => new Date(Date.now() - NOT_PICKED_UP_MS);

async function insertOperation(
  d: Deps,
  clusterId: string,
  kind: OperationKind,
  settings: VeleroSettings,
  options: Options,
  actorId: string | null,
  extra: Prisma.VeleroOperationUncheckedCreateInput extends infer T ? Partial<T> : never = {},
): Promise<{ id: string }> {
  try {
    return await d.db.veleroOperation.create({
      data: { clusterId, kind, settings: json(settings), options: json(options), createdById: actorId, ...extra },
      select: { id: true },
    });
  } catch (e) {
    if ((e as { code?: string }).code === "P2002")
      throw new AppError("CONFLICT", "Another Velero operation is already running on this cluster");
    throw e;
  } finally {
    await publish(d.db, { topic: "velero", clusterId });
  }
}

const namespaceOf = (cluster: ClusterFacts, asked?: string) => cluster.lifeboatNamespace ?? asked ?? "lifeboat-system";

/** Starts installing Velero on a cluster: one active operation per cluster, the rest is the reconciler's. */
export async function startInstall(
  d: Deps,
  clusterId: string,
  input: { settings: VeleroSettings; lifeboatNamespace?: string },
  actorId: string | null,
  /** A group's policy: applied without a review of each cluster's render (the group's settings were reviewed). */
  opts: { autoApprove?: boolean } = {},
): Promise<{ id: string }> {
  const settings = veleroSettings.parse(input.settings);
  const cluster = await factsOf(d, clusterId);
  if (cluster.veleroInstallation?.management === "MANAGED")
    throw new AppError(
      "CONFLICT",
      "Lifeboat already runs Velero on this cluster: change its settings or upgrade it instead",
    );
  // A Velero found there is someone else's, unless it is what Lifeboat's own install left when it failed (try again).
  const retry = cluster.veleroOperations[0] && appliedBeforeFailing(cluster.veleroOperations[0]);
  // ... or what a disable of Lifeboat's left when it failed (a Velero installed after a disable is someone else's).
  const last = cluster.veleroOperations[0];
  const ownLeftovers =
    retry ||
    (cluster.veleroInstallation?.management === "DISABLED" && last?.kind === "DISABLE" && last.phase === "FAILED");
  if ((cluster.velero as { installed?: boolean } | null)?.installed === true && !ownLeftovers)
    throw new AppError(
      "CONFLICT",
      "Velero is already installed on this cluster by someone else: Lifeboat uses it as it is and does not install " +
        "another (take it over to manage it)",
    );
  return insertOperation(
    d,
    clusterId,
    "INSTALL",
    settings,
    { lifeboatNamespace: namespaceOf(cluster, input.lifeboatNamespace), autoApprove: opts.autoApprove },
    actorId,
  );
}

const refuseBusy = async (d: Deps, clusterId: string, whenBusy: WhenBusy, what: string) => {
  if (whenBusy !== "refuse") return;
  const busy = await busyOn(d, clusterId);
  if (busy.length)
    throw new AppError(
      "CONFLICT",
      `${busy.length === 20 ? "At least 20" : busy.length} backup${busy.length === 1 ? " or restore is" : "s or restores are"} ` +
        `running on this cluster (${busyList(busy)}): ${what} would ` +
        `interrupt them. Try again when they finish${what === "removing Velero" ? "" : ", or choose to wait for them"}.`,
    );
};

/**
 * Changes the settings of a Velero Lifeboat installed, or upgrades it when the version differs: rendered by the
 * version's installer, previewed as a diff of what runs, applied after review.
 */
export async function startChange(
  d: Deps,
  clusterId: string,
  input: VeleroChangeInput,
  actorId: string | null,
  opts: { autoApprove?: boolean } = {},
): Promise<{ id: string }> {
  const settings = veleroSettings.parse(input.settings);
  const cluster = await factsOf(d, clusterId);
  requireManaged(cluster, "then change it");
  if (!opts.autoApprove) await refuseUnderPolicy(d, cluster, "the policy would put its settings back");
  const inst = cluster.veleroInstallation!;
  const upgrade = inst.version !== settings.version;
  if (upgrade && inst.version && (compareVersions(settings.version, inst.version) ?? 0) < 0)
    throw new AppError(
      "BAD_REQUEST",
      `Velero ${inst.version} runs on this cluster: Lifeboat does not downgrade it to ${settings.version} ` +
        "(Velero's CRDs and data formats only move forward)",
    );
  if (!upgrade && inst.appliedSettings && canonicalJson(inst.appliedSettings) === canonicalJson(settings))
    throw new AppError("BAD_REQUEST", "These are the settings Velero already runs with: nothing to change");
  await refuseBusy(d, clusterId, input.whenBusy, upgrade ? "an upgrade" : "changing the settings");
  return insertOperation(
    d,
    clusterId,
    upgrade ? "UPGRADE" : "CONFIGURE",
    settings,
    { lifeboatNamespace: namespaceOf(cluster), whenBusy: input.whenBusy, autoApprove: opts.autoApprove },
    actorId,
  );
}

/** Takes over a Velero someone else installed: rendered with these settings, diffed against what runs, reviewed. */
export async function startTakeOver(
  d: Deps,
  clusterId: string,
  input: { settings: VeleroSettings; whenBusy: WhenBusy; lifeboatNamespace?: string },
  actorId: string | null,
): Promise<{ id: string }> {
  const settings = veleroSettings.parse(input.settings);
  const cluster = await factsOf(d, clusterId);
  if (cluster.veleroInstallation?.management === "MANAGED")
    throw new AppError("CONFLICT", "Lifeboat already manages Velero on this cluster");
  if ((cluster.velero as { installed?: boolean } | null)?.installed !== true)
    throw new AppError("PRECONDITION_FAILED", "No Velero runs on this cluster to take over: enable data protection");
  await refuseBusy(d, clusterId, input.whenBusy, "taking Velero over");
  return insertOperation(
    d,
    clusterId,
    "TAKE_OVER",
    settings,
    { lifeboatNamespace: namespaceOf(cluster, input.lifeboatNamespace), whenBusy: input.whenBusy },
    actorId,
  );
}

/** Puts back what Lifeboat last applied (after someone edited Velero's objects by hand): no render, no review. */
export async function startRepair(d: Deps, clusterId: string, actorId: string | null): Promise<{ id: string }> {
  const cluster = await factsOf(d, clusterId);
  requireManaged(cluster, "then repair it");
  const inst = cluster.veleroInstallation!;
  const last = await lastApplied(d, clusterId);
  if (!last?.rendered) throw new AppError("PRECONDITION_FAILED", "Lifeboat has no record of what it applied here");
  return insertOperation(
    d,
    clusterId,
    "REPAIR",
    veleroSettings.parse(inst.appliedSettings),
    { lifeboatNamespace: namespaceOf(cluster), autoApprove: true },
    actorId,
    {
      rendered: json(last.rendered),
      renderedDigest: last.renderedDigest,
      phase: "APPLYING",
      approvedById: actorId,
      approvedAt: now(),
      deadlineAt: new Date(Date.now() + FIRST_WRITE_MS),
      message: "Putting back what Lifeboat applied",
    },
  );
}

/**
 * Removes Velero from the cluster (data protection off): optionally its backups first (DeleteBackupRequests, the
 * data in storage with them), then Lifeboat's locations and their Secrets, then Velero's workloads and its service
 * account's binding; the CRDs and the namespace only when asked. Typed confirmation: the cluster's name.
 */
export async function startDisable(
  d: Deps,
  clusterId: string,
  input: VeleroDisableInput,
  actorId: string | null,
): Promise<{ id: string }> {
  const cluster = await factsOf(d, clusterId);
  if (input.confirmName !== cluster.name)
    throw new AppError("BAD_REQUEST", `Type the cluster's name, ${cluster.name}, to confirm`);
  requireManaged(cluster, "Lifeboat removes only a Velero it manages");
  // A group's policy would install it again at once: the policy is where data protection is turned off.
  await refuseUnderPolicy(d, cluster, "Velero would be installed here again");
  await refuseBusy(d, clusterId, "refuse", "removing Velero");
  return insertOperation(
    d,
    clusterId,
    "DISABLE",
    veleroSettings.parse(cluster.veleroInstallation!.appliedSettings),
    { lifeboatNamespace: namespaceOf(cluster), backups: input.backups, deleteCrds: input.deleteCrds },
    actorId,
    { phase: "APPLYING", message: "Removing Velero", deadlineAt: new Date(Date.now() + FIRST_WRITE_MS) },
  );
}

/** REVIEW → APPLYING, only for the objects the operator saw (their digest). */
export async function approveOperation(d: Deps, clusterId: string, id: string, digest: string, actorId: string | null) {
  const moved = await d.db.veleroOperation.updateMany({
    where: { id, clusterId, phase: "REVIEW", renderedDigest: digest },
    data: {
      phase: "APPLYING",
      approvedById: actorId,
      approvedAt: now(),
      nextPollAt: now(),
      deadlineAt: null, // the review's day is over; each step sets its own
      stepSeq: { increment: 1 },
    },
  });
  if (moved.count !== 1) {
    const op = await d.db.veleroOperation.findFirst({ where: { id, clusterId }, select: { phase: true } });
    if (!op) throw notFound("Operation");
    throw new AppError(
      "CONFLICT",
      op.phase === "REVIEW"
        ? "The manifests changed since they were shown: review them again"
        : `The operation is ${op.phase.toLowerCase().replace("_", " ")}, not waiting for a review`,
    );
  }
  await publish(d.db, { topic: "velero", clusterId });
}

/** Cancels an operation that has not written to the cluster yet (its render Job is removed by the reconciler). */
export async function cancelOperation(d: Deps, clusterId: string, id: string) {
  const op = await d.db.veleroOperation.findFirst({
    where: { id, clusterId },
    select: { phase: true, stepSeq: true, steps: true, kind: true },
  });
  if (!op) throw notFound("Operation");
  // Before anything is written: rendering, in review, or approved but waiting (for backups to finish) before its first
  // write. The compare-and-set on stepSeq loses to a step that wrote in between.
  const cancellable =
    ["PENDING", "RENDERING", "REVIEW"].includes(op.phase) ||
    (op.phase === "APPLYING" && op.kind !== "DISABLE" && op.kind !== "REPAIR" && !wroteAnything(op.steps));
  const moved = cancellable
    ? await d.db.veleroOperation.updateMany({
        where: { id, clusterId, phase: op.phase, stepSeq: op.stepSeq },
        data: {
          phase: "CANCELLED",
          finishedAt: now(),
          message: "Cancelled",
          nextPollAt: now(),
          stepSeq: { increment: 1 },
        },
      })
    : { count: 0 };
  if (moved.count !== 1)
    throw new AppError("CONFLICT", "Only an operation that has not applied anything yet can be cancelled");
  await publish(d.db, { topic: "velero", clusterId });
}

/** Whether an operation has written to the cluster (its first write is the CRDs). */
const wroteAnything = (steps: unknown) =>
  Array.isArray(steps) && steps.some((x: { name?: string }) => x.name === "crds" || x.name === "established");

/** Operations with a step due now, and finished ones whose render Job is still to be removed. */
export function dueOperations(d: Deps, clusterIds: readonly string[] | null = null, limit = 20) {
  return d.db.veleroOperation.findMany({
    where: {
      ...(clusterIds ? { clusterId: { in: [...clusterIds] } } : {}),
      OR: [
        { phase: { in: [...ACTIVE_PHASES] }, nextPollAt: { lte: now() } },
        { phase: { in: ["SUCCEEDED", "FAILED", "CANCELLED"] }, jobName: { not: null }, nextPollAt: { lte: now() } },
      ],
    },
    orderBy: { nextPollAt: "asc" },
    take: limit,
    select: { id: true },
  });
}

/** A failure that ends the operation (as opposed to a cluster that did not answer this time). */
class OperationFailed extends Error {}

/** One step of one operation. Errors of a cluster that did not answer are kept on the row and retried, backing off. */
export async function advanceOperation(d: Deps, id: string, lease?: LeaseScope): Promise<void> {
  try {
    await advanceOnce(d, id, lease);
  } catch (e) {
    // The lease was found lost (before the step, or by one of its writes): the process stops acting for the cluster;
    // its new owner takes the step (the row moves by compare-and-set, so a step is never recorded twice).
    if (lease && e instanceof LeaseLost) return lease.drop(e.clusterId);
    throw e;
  }
}

async function advanceOnce(d: Deps, id: string, lease?: LeaseScope): Promise<void> {
  const op = await load(d, id);
  if (!op) return;
  if (lease) {
    // The installer's step acts for the cluster's owner: nothing is done on the cluster by a process that lost the
    // lease (paused, cut off) and has not heard yet, and the step's writes carry the token.
    const fence = () => lease.fence(op.clusterId);
    const write = leaseWriter(d.db, op.clusterId, fence);
    await write(async () => undefined);
    leased.set(op, { write, fence });
  }
  try {
    const c = await d.clusters.forCluster(op.clusterId);
    if (op.phase === "SUCCEEDED" || op.phase === "FAILED" || op.phase === "CANCELLED") await removeJob(d, c, op);
    else if (op.kind === "DISABLE") await disableStep(d, c, op);
    else await STEPS[op.phase](d, c, op);
  } catch (e) {
    if (e instanceof LeaseLost) throw e;
    const terminal = op.phase === "SUCCEEDED" || op.phase === "FAILED" || op.phase === "CANCELLED";
    // A refusal that asking again will not change (an admission webhook, missing rights, an invalid object), or a step
    // whose deadline passed while the cluster did not answer, ends the operation; anything else is tried again.
    const refused = e instanceof ClusterError && [400, 403, 422].includes(e.status ?? 0);
    const late = pastDeadline(op);
    if (!terminal && (e instanceof OperationFailed || e instanceof RenderRefused || refused || late))
      await fail(d, op, e instanceof ClusterError ? `${e.kind}: ${e.message}` : (e as Error).message);
    else {
      const message =
        e instanceof ClusterError ? `${e.kind}: ${e.message}` : e instanceof Error ? e.message : String(e);
      const attempts = op.attempts + 1;
      await opWrite(d, op, (db) =>
        db.veleroOperation.updateMany({
          where: { id, stepSeq: op.stepSeq },
          data: {
            attempts,
            message,
            nextPollAt: later(Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** Math.min(attempts, 5))),
          },
        }),
      );
    }
  }
  // Announced only when something a page shows changed (a wait that polls every second is not news).
  const after = await d.db.veleroOperation.findUnique({
    where: { id },
    select: { phase: true, message: true, progress: true, steps: true },
  });
  const shown = (r: typeof after) => JSON.stringify(r && [r.phase, r.message, r.progress, r.steps]);
  if (shown(after) !== shown(op)) await publish(d.db, { topic: "velero", clusterId: op.clusterId });
}

const options = (op: Row) => op.options as unknown as Options;
const settingsOf = (op: Row) => veleroSettings.parse(op.settings);
const stepsOf = (op: Row) => (op.steps as unknown as Step[]) ?? [];
const withStep = (op: Row, name: string, state: Step["state"], message?: string): Step[] => [
  ...stepsOf(op).filter((s) => s.name !== name),
  { name, state, at: now().toISOString(), ...(message ? { message } : {}) },
];

/**
 * The lease each row a reconciler advances is stepped under (its cluster's fence and writer), by the row object the
 * step was handed (steps pass that object on, never a copy); a user's request (start, approve, cancel) has none.
 */
const leased = new WeakMap<Row, { write: ReturnType<typeof leaseWriter>; fence: () => Fence | null }>();
/** A step's write for `op`: fenced by its cluster's lease when a reconciler took the step. */
const opWrite = <T>(d: Deps, op: Row, write: (db: Prisma.TransactionClient) => Promise<T>): Promise<T> =>
  (leased.get(op)?.write ?? leaseWriter(d.db, op.clusterId))(write);
/** A step's check of its cluster: its writes fenced as the step's are. */
const checkFor = (d: Deps, op: Row) => checkCluster(d, op.clusterId, { fence: leased.get(op)?.fence });
/** A step's healing of its cluster's locations: applied and recorded only under the step's lease. */
const healFor = (d: Deps, op: Row) => reconcileCluster(d, op.clusterId, { fence: leased.get(op)?.fence });

/**
 * Compare-and-set: moves the row only if nobody else did since it was read. Its next step is due at once (taken when
 * the move's announcement wakes the installer, or at its next tick): a step that must wait for the cluster polls.
 */
async function move(d: Deps, op: Row, data: Prisma.VeleroOperationUpdateManyMutationInput): Promise<boolean> {
  const r = await opWrite(d, op, (db) =>
    db.veleroOperation.updateMany({
      where: { id: op.id, phase: op.phase, stepSeq: op.stepSeq },
      data: { attempts: 0, nextPollAt: now(), ...data, stepSeq: op.stepSeq + 1 },
    }),
  );
  return r.count === 1;
}

/** The step waits: look again at the next poll (the row stays where it is; its message and progress may change). */
async function poll(d: Deps, op: Row, data: Prisma.VeleroOperationUpdateManyMutationInput = {}, ms = POLL_MS) {
  await opWrite(d, op, (db) =>
    db.veleroOperation.updateMany({
      where: { id: op.id, stepSeq: op.stepSeq },
      data: { attempts: 0, nextPollAt: later(ms), ...data },
    }),
  );
}

async function fail(d: Deps, op: Row, message: string) {
  const running = stepsOf(op).find((s) => s.state === "running");
  if (op.kind === "DISABLE" && !stepsOf(op).some((s) => s.name === "workloads" && s.state === "done"))
    // Velero still runs, Lifeboat's as before (its locations come back with the next health check).
    await opWrite(d, op, (db) =>
      db.veleroInstallation.updateMany({
        where: { clusterId: op.clusterId, management: "DISABLED" },
        data: { management: "MANAGED" },
      }),
    );
  await move(d, op, {
    phase: "FAILED",
    message,
    finishedAt: now(),
    steps: json(running ? withStep(op, running.name, "failed", message) : stepsOf(op)),
  });
}

async function removeJob(d: Deps, c: ClusterClient, op: Row) {
  if (op.jobName) await deleteRenderJob(c, options(op).lifeboatNamespace, op.jobName);
  await opWrite(d, op, (db) =>
    db.veleroOperation.updateMany({ where: { id: op.id, stepSeq: op.stepSeq }, data: { jobName: null } }),
  );
}

const jobNameOf = (op: Row) => `lifeboat-velero-${op.id.slice(-12).toLowerCase()}`;

const STEPS: Record<(typeof ACTIVE_PHASES)[number], (d: Deps, c: ClusterClient, op: Row) => Promise<unknown>> = {
  async PENDING(d, c, op) {
    const req = installRequest(settingsOf(op), INSTALLED_PROVIDERS);
    const name = jobNameOf(op);
    const ns = options(op).lifeboatNamespace;
    if (!(await c.get(RESOURCES.namespaces, ns)))
      throw new OperationFailed(
        `Lifeboat's namespace ${ns} does not exist on the cluster, so Velero's installer has nowhere to run: ` +
          'apply the "manage Velero" onboarding manifest, which creates it. Nothing was applied.',
      );
    // The Job's name is recorded first: whatever happens next (a cancel, a crash), the cleanup knows what to remove.
    if (op.jobName !== name) return move(d, op, { jobName: name });
    await createRenderJob(c, {
      namespace: ns,
      name,
      operationId: op.id,
      image: req.serverImage,
      args: req.args,
      activeDeadlineSeconds: RENDER_DEADLINE_S,
      imagePullSecrets: settingsOf(op).imagePullSecrets,
    });
    await move(d, op, {
      phase: "RENDERING",
      jobName: name,
      installerImage: req.serverImage,
      args: req.args,
      deadlineAt: new Date(Date.now() + pullTimeoutMs()),
      message: `Running Velero's installer (${req.serverImage})`,
      steps: json(withStep(op, "render", "running")),
    });
  },

  async RENDERING(d, c, op) {
    const ns = options(op).lifeboatNamespace;
    const s = await renderJobState(c, ns, op.jobName!);
    const image = op.installerImage ?? "";
    const late = pastDeadline(op);
    if (s.state === "complete") {
      const log = await readRenderLog(c, ns, s.pod, RENDER_LOG_LIMIT);
      const parsed = parseInstallerLog(log);
      const settings = settingsOf(op);
      const req = installRequest(settings, INSTALLED_PROVIDERS);
      const valid = validateRendered(parsed.objects, {
        ...req,
        namespace: VELERO_INSTALL_NAMESPACE,
        privilegedNodeAgent: settings.privilegedNodeAgent,
      });
      const { objects, fromOverlay } = overlay(valid, settings);
      const ordered = applyOrder(objects);
      const review: Pick<RenderedView, "changes" | "prune" | "replace"> =
        op.kind === "INSTALL" ? {} : await changesOf(d, c, op, ordered);
      const rendered: RenderedView = { messages: parsed.messages, objects: ordered, fromOverlay, ...review };
      const changed = review.changes?.filter((x) => x.change !== "same").length;
      await deleteRenderJob(c, ns, op.jobName!);
      const auto = options(op).autoApprove === true;
      await move(d, op, {
        phase: auto ? "APPLYING" : "REVIEW",
        jobName: null,
        rendered: json(rendered),
        renderedDigest: renderDigest(ordered),
        deadlineAt: auto ? null : new Date(Date.now() + REVIEW_EXPIRY_MS),
        nextPollAt: auto ? now() : later(60_000),
        message: auto
          ? "Applying what the installer rendered"
          : changed === undefined
            ? `The installer rendered ${ordered.length} objects: review and apply them`
            : `${changed} of Velero's objects change: review and apply them`,
        steps: json(withStep(op, "render", "done")),
      });
      return;
    }
    if (s.state === "failed") {
      const tail = s.pod ? await readRenderLog(c, ns, s.pod, 64 * 1024).catch(() => "") : "";
      const lines = tail.trim().split("\n").slice(-LOG_TAIL_LINES).join("\n");
      throw new OperationFailed(`Velero's installer failed (${s.reason})${lines ? `:\n${lines}` : ""}`);
    }
    if (s.state === "missing") throw new OperationFailed(`The installer Job ${op.jobName} is gone from ${ns}`);
    if (s.state === "starting" && s.waiting?.reason === "InvalidImageName")
      throw new OperationFailed(
        `The cluster cannot use the image ${image}: ${s.waiting.message ?? "invalid reference"}`,
      );
    if (s.state === "starting" && late) {
      const pull = s.waiting && ["ErrImagePull", "ImagePullBackOff"].includes(s.waiting.reason);
      throw new OperationFailed(
        pull
          ? `The cluster could not pull ${image} within ${pullTimeoutMs() / 1000} s: ${s.waiting!.message ?? s.waiting!.reason}. ` +
              "Check the registry address, that the cluster reaches it, and its pull secret. Nothing was applied."
          : `The installer's pod did not start within ${pullTimeoutMs() / 1000} s` +
              (s.waiting ? ` (${s.waiting.reason}${s.waiting.message ? `: ${s.waiting.message}` : ""})` : "") +
              ". Nothing was applied.",
      );
    }
    const waiting = s.state === "starting" && s.waiting ? ` (${s.waiting.reason})` : "";
    await poll(d, op, {
      message: s.state === "running" ? `Velero's installer is rendering` : `Starting Velero's installer${waiting}`,
    });
  },

  async REVIEW(d, _c, op) {
    if (pastDeadline(op))
      await move(d, op, {
        phase: "CANCELLED",
        finishedAt: now(),
        message: "Nobody reviewed the manifests within a day",
      });
    else await poll(d, op, {}, 60_000);
  },

  async APPLYING(d, c, op) {
    const rendered = op.rendered as unknown as RenderedView;
    const objects = rendered.objects;
    const done = (name: string) => stepsOf(op).some((s) => s.name === name && s.state === "done");
    const crds = objects.filter((o) => o.kind === "CustomResourceDefinition");
    if (!done("crds")) {
      if (op.kind === "UPGRADE" || op.kind === "CONFIGURE" || op.kind === "TAKE_OVER") {
        const busy = await busyOn(d, op.clusterId);
        if (busy.length) {
          const list = busyList(busy);
          // A group's policy starts only while nothing runs: what started since is waited for, whatever its choice.
          const wait = options(op).whenBusy === "wait" || options(op).autoApprove === true;
          if (!wait) throw new OperationFailed(`Backups or restores are running (${list}): nothing was applied`);
          if (pastDeadline(op))
            throw new OperationFailed(
              `Backups or restores were still running after ${BUSY_WAIT_MS / 3_600_000} hours (${list}): nothing was applied`,
            );
          return poll(
            d,
            op,
            {
              message: `Waiting for what runs on the cluster to finish: ${list}`,
              deadlineAt: op.deadlineAt ?? new Date(Date.now() + BUSY_WAIT_MS),
            },
            5_000,
          );
        }
      }
      if (op.kind === "INSTALL") {
        const existing = await readWorkload(c, "Deployment", VELERO_INSTALL_NAMESPACE, "velero");
        if (existing && existing.metadata?.labels?.["app.kubernetes.io/managed-by"] !== "lifeboat")
          throw new OperationFailed(
            "A Velero that Lifeboat did not install appeared on the cluster: nothing was applied",
          );
      }
      for (const o of crds) await applyVeleroObject(c, o, { force: op.kind !== "INSTALL" });
      await move(d, op, {
        steps: json(withStep(op, "crds", "done")),
        deadlineAt: new Date(Date.now() + ESTABLISHED_MS),
        message: `Applied ${crds.length} CustomResourceDefinitions; waiting for them to be served`,
      });
      return;
    }
    if (!done("established")) {
      const pending: string[] = [];
      for (const o of crds) if (!(await crdEstablished(c, o.metadata.name))) pending.push(o.metadata.name);
      if (pending.length) {
        if (pastDeadline(op))
          throw new OperationFailed(`These CRDs were not Established within a minute: ${pending.join(", ")}`);
        return poll(d, op);
      }
    }
    // A take-over: someone else's workloads that an apply cannot make what was rendered go first, and Lifeboat's are
    // applied once they are gone (a finalizer may hold one a while: applied onto it, ours would go with it).
    // (Only a take-over's own: a repair copies the render it puts back, and Lifeboat's workloads are not replaced.)
    const replace = op.kind === "TAKE_OVER" ? (rendered.replace ?? []) : [];
    if (replace.length && !done("replaced")) {
      const waiting = (names: string[]) => `Waiting for ${names.join(" and ")} to go before applying Lifeboat's`;
      if (!stepsOf(op).some((s) => s.name === "replaced")) {
        // In the foreground: the object goes once its pods have, so two Velero servers never run side by side.
        for (const o of replace) await deleteAppliedObject(c, o, "Foreground");
        await move(d, op, {
          steps: json([
            ...withStep(op, "established", "done"),
            { name: "replaced", state: "running", at: now().toISOString() },
          ]),
          deadlineAt: new Date(Date.now() + WORKLOADS_GONE_MS),
          message: waiting(replace.map(describeObject)),
        });
        return;
      }
      const left: string[] = [];
      for (const o of replace) if (await readVeleroObject(c, o)) left.push(describeObject(o));
      if (left.length) {
        if (pastDeadline(op))
          throw new OperationFailed(
            `${left.join(" and ")} did not go within ${WORKLOADS_GONE_MS / 60_000} minutes (held by a finalizer, or made ` +
              "again by something else), and nothing of Lifeboat's was applied in its place: it stays marked for deletion, " +
              "so once it goes no Velero runs here until it is taken over or installed again",
          );
        return poll(d, op, { message: waiting(left) });
      }
      // The apply that follows has a minute, as after the CRDs: a cluster that keeps failing it ends the operation.
      await move(d, op, {
        steps: json(withStep(op, "replaced", "done")),
        deadlineAt: new Date(Date.now() + ESTABLISHED_MS),
      });
      return;
    }
    const rbac = objects.filter((o) => ["Namespace", "ServiceAccount", "ClusterRoleBinding"].includes(o.kind));
    const force = op.kind !== "INSTALL"; // a take-over or a repair takes fields over from whoever set them
    for (const o of rbac) await applyVeleroObject(c, o, { force });
    const workloads = objects.filter((o) => o.kind === "Deployment" || o.kind === "DaemonSet");
    for (const o of workloads) await applyVeleroObject(c, o, { force });
    for (const o of rendered.prune ?? []) await deleteAppliedObject(c, o);
    await move(d, op, {
      phase: "ROLLING_OUT",
      steps: json([
        ...withStep(op, "established", "done").filter((s) => s.name !== "rollout"),
        { name: "namespace-rbac", state: "done", at: now().toISOString() },
        { name: "workloads", state: "done", at: now().toISOString() },
        { name: "rollout", state: "running", at: now().toISOString() },
      ]),
      deadlineAt: new Date(Date.now() + ROLLOUT_MS),
      message: "Waiting for Velero's server and node-agent to roll out",
    });
  },

  async ROLLING_OUT(d, c, op) {
    const rendered = op.rendered as unknown as RenderedView;
    const hasAgent = rendered.objects.some((o) => o.kind === "DaemonSet");
    const dep = await readWorkload(c, "Deployment", VELERO_INSTALL_NAMESPACE, "velero");
    const ds = hasAgent ? await readWorkload(c, "DaemonSet", VELERO_INSTALL_NAMESPACE, "node-agent") : null;
    if (!dep) throw new OperationFailed("Velero's Deployment disappeared while it rolled out");
    if (hasAgent && !ds) throw new OperationFailed("The node-agent DaemonSet disappeared while it rolled out");
    const states = [deploymentRollout(dep), ...(ds ? [daemonSetRollout(ds)] : [])];
    const failed = states.find((s) => s.state === "failed");
    if (failed) throw new OperationFailed(failed.message);
    const waiting = states.find((s) => s.state === "waiting");
    if (!waiting) {
      await move(d, op, {
        phase: "VERIFYING",
        progress: json(null),
        steps: json([
          ...withStep(op, "rollout", "done"),
          { name: "verify", state: "running", at: now().toISOString() },
        ]),
        deadlineAt: new Date(Date.now() + VERIFY_MS),
        message: "Asking Velero for its version and plugins",
      });
      return;
    }
    if (pastDeadline(op))
      throw new OperationFailed(`Velero did not roll out within ${ROLLOUT_MS / 60_000} minutes: ${waiting.message}`);
    const ready = states.reduce((n, s) => n + (s.state === "waiting" ? s.ready : 0), 0);
    const desired = states.reduce((n, s) => n + (s.state === "waiting" ? s.desired : 0), 0);
    await poll(d, op, { message: waiting.message, progress: json({ ready, desired }) });
  },

  async VERIFYING(d, c, op) {
    const settings = settingsOf(op);
    const name = op.ssrName ?? `lifeboat-install-${op.id.slice(-10).toLowerCase()}`;
    if (!op.ssrName) {
      await createVeleroObject(c, "serverstatusrequests", {
        apiVersion: "velero.io/v1",
        kind: "ServerStatusRequest",
        metadata: { name },
        spec: {},
      });
      return poll(d, op, { ssrName: name });
    }
    const ssr = await getVeleroObject(c, "serverstatusrequests", name);
    if (!ssr) return poll(d, op, { ssrName: null }); // gone (deleted by hand, or by an earlier try): ask again
    const status = ssr?.status as {
      phase?: string;
      serverVersion?: string;
      plugins?: { name: string; kind: string }[];
    };
    const stores = (status?.plugins ?? []).filter((p) => p.kind === "ObjectStore").map((p) => p.name);
    const missing = INSTALLED_PROVIDERS.filter((p) => !stores.includes(p));
    const answered = status?.phase === "Processed" && status.serverVersion === settings.version && !missing.length;
    if (!answered) {
      if (pastDeadline(op))
        throw new OperationFailed(
          status?.phase === "Processed"
            ? `Velero answers as ${status.serverVersion} with plugins ${stores.join(", ") || "none"}, ` +
                `not ${settings.version} with ${INSTALLED_PROVIDERS.join(", ")}`
            : "Velero did not answer a ServerStatusRequest within two minutes",
        );
      if (status?.phase !== "Processed") return poll(d, op);
      // An answer from the old server (a rollout hands over): ask again.
      await deleteVeleroObject(c, "serverstatusrequests", name);
      return poll(d, op, { ssrName: null });
    }
    const rendered = op.rendered as unknown as RenderedView;
    const applied = rendered.objects.map((o) => ({
      kind: o.kind,
      namespace: o.metadata.namespace,
      name: o.metadata.name,
    }));
    const install = {
      management: "MANAGED" as const,
      version: settings.version,
      appliedSettings: json(settings),
      appliedObjects: json(applied),
      appliedDigest: op.renderedDigest,
      lastOperationId: op.id,
    };
    // Idempotent, so done before the transition: the operation ends only once Lifeboat's view of the cluster is current
    // (detection, and the locations assigned to it applied now rather than at the next health tick).
    await opWrite(d, op, (db) =>
      db.veleroInstallation.upsert({
        where: { clusterId: op.clusterId },
        create: { clusterId: op.clusterId, ...install },
        update: install,
      }),
    );
    await checkFor(d, op);
    await healFor(d, op);
    const moved = await move(d, op, {
      phase: "SUCCEEDED",
      finishedAt: now(),
      message: `Velero ${settings.version} runs on the cluster`,
      steps: json(withStep(op, "verify", "done")),
    });
    if (moved) await deleteVeleroObject(c, "serverstatusrequests", name);
  },
};

/** What Lifeboat applied last on the cluster (the objects of the operation that made the installation what it is). */
export async function previousRender(d: Pick<Deps, "db">, clusterId: string): Promise<K8sObject[]> {
  return (await lastApplied(d, clusterId))?.rendered?.objects ?? [];
}

/** The operation that made the installation what it is: what it rendered (as applied) and its digest. */
async function lastApplied(d: Pick<Deps, "db">, clusterId: string) {
  const inst = await d.db.veleroInstallation.findUnique({ where: { clusterId }, select: { lastOperationId: true } });
  if (!inst?.lastOperationId) return null;
  const last = await d.db.veleroOperation.findUnique({
    where: { id: inst.lastOperationId },
    select: { rendered: true, renderedDigest: true },
  });
  return last && { rendered: last.rendered as unknown as RenderedView | null, renderedDigest: last.renderedDigest };
}

/** Kinds a new render may leave out, which are then deleted (never CRDs or the namespace: they hold data). */
const PRUNABLE = new Set(["Deployment", "DaemonSet"]);

/** A settings change, upgrade or take-over: each rendered object against the cluster, and what is to be removed. */
async function changesOf(
  d: Deps,
  c: ClusterClient,
  op: Row,
  objects: K8sObject[],
): Promise<{ changes: ObjectChange[]; prune: K8sObject[]; replace: K8sObject[] }> {
  const before = op.kind === "TAKE_OVER" ? [] : await previousRender(d, op.clusterId);
  const beforeBy = new Map(before.map((o) => [describeObject(o), o]));
  const wanted = new Set(objects.map(describeObject));
  const prune = before.filter((o) => PRUNABLE.has(o.kind) && !wanted.has(describeObject(o)));
  if (op.kind === "TAKE_OVER" && !objects.some((o) => o.kind === "DaemonSet")) {
    // Someone else's node-agent, which the settings taken over do not want.
    const ds = await readWorkload(c, "DaemonSet", VELERO_INSTALL_NAMESPACE, "node-agent");
    if (ds)
      prune.push({
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "node-agent", namespace: VELERO_INSTALL_NAMESPACE },
      });
  }
  const changes: ObjectChange[] = [];
  const replace: K8sObject[] = [];
  for (const o of objects) {
    const live = (await readVeleroObject(c, o)) as K8sObject | null;
    const change = objectChange(o, live, beforeBy.get(describeObject(o)) ?? null);
    const reasons = op.kind === "TAKE_OVER" && live && PRUNABLE.has(o.kind) ? replaceReasons(o, live) : [];
    if (reasons.length) {
      // Shown first in its diff: the object is deleted and applied again (its pods restart either way).
      replace.push(o);
      change.change = "update";
      change.lines = [{ op: "-", text: `# replaced: ${reasons.join("; ")}` }, ...change.lines];
    }
    changes.push(change);
  }
  for (const o of prune) {
    const live = (await readVeleroObject(c, o)) as K8sObject | null;
    if (live) changes.push(objectChange(null, live));
  }
  return { changes, prune, replace };
}

// ---- disable ----------------------------------------------------------------------------------------------------------

const DELETE_BACKUPS_MS = 30 * 60_000;
/** The first writes of an operation that does not render (repair, disable) must happen within this. */
const FIRST_WRITE_MS = 10 * 60_000;
/** How long someone else's workload may take to go (a take-over's replacement, a disable). */
const WORKLOADS_GONE_MS = 5 * 60_000;
const REMOVED_KINDS = new Set(["Deployment", "DaemonSet", "ClusterRoleBinding", "ServiceAccount"]);

/**
 * Backups this cluster made: not copies synced from a location another cluster writes to, and none that another
 * cluster's label names (the synced-copy flag compares two clusters' clocks; the label does not).
 */
const ownBackups = (d: Deps, clusterId: string, clusterName: string) =>
  d.db.veleroObject.findMany({
    where: {
      clusterId,
      kind: "backups",
      syncedCopy: false,
      OR: [{ originCluster: null }, { originCluster: clusterLabelValue(clusterName) }],
    },
    select: { name: true, uid: true, phase: true },
  });

/**
 * DISABLE, one step per call: delete-backups (when asked: a DeleteBackupRequest per backup the cluster made, then
 * wait until Velero has removed them) → locations (Lifeboat's BackupStorageLocations and their Secrets) → workloads
 * (Deployment, node-agent, the service account and its binding, until gone) → crds (when asked: the CRDs and the
 * namespace) → SUCCEEDED.
 */
async function disableStep(d: Deps, c: ClusterClient, op: Row) {
  if (op.phase !== "APPLYING") return; // PENDING is not used: a disable starts applying (nothing to render)
  const o = options(op);
  const steps = stepsOf(op);
  const done = (name: string) => steps.some((s) => s.name === name && s.state === "done");
  const started = (name: string) => steps.some((s) => s.name === name);

  if (o.backups === "delete" && !done("delete-backups")) {
    const cluster = await d.db.cluster.findUniqueOrThrow({ where: { id: op.clusterId }, select: { name: true } });
    const own = await ownBackups(d, op.clusterId, cluster.name);
    if (!started("delete-backups")) {
      for (const b of own)
        await createVeleroObject(
          c,
          "deletebackuprequests",
          buildDeleteBackupRequest({
            backupName: b.name,
            backupUid: b.uid,
            // Named after this operation: an earlier request for the same backup (processed, with errors) is not it.
            requestName: deleteRequestName(b.name, b.uid, `disable-${op.id}`),
            cluster: { name: cluster.name },
            createdBy: "lifeboat: data protection disabled",
          }),
        );
      await move(d, op, {
        steps: json(withStep(op, "delete-backups", "running")),
        progress: json({ ready: 0, desired: own.length }),
        deadlineAt: new Date(Date.now() + DELETE_BACKUPS_MS),
        message: own.length ? `Deleting ${own.length} backups from storage` : "No backups to delete",
      });
      return;
    }
    const desired = (op.progress as { desired?: number } | null)?.desired ?? own.length;
    if (own.length) {
      if (pastDeadline(op))
        throw new OperationFailed(
          `${own.length} backups were still not deleted after ${DELETE_BACKUPS_MS / 60_000} minutes ` +
            `(${own
              .slice(0, 3)
              .map((b) => b.name)
              .join(", ")}…): Velero was left in place. Look at their deletion on the Backups page, then try again.`,
        );
      return poll(
        d,
        op,
        {
          progress: json({ ready: Math.max(0, desired - own.length), desired }),
          message: `Deleting backups from storage: ${Math.max(0, desired - own.length)} of ${desired} done`,
        },
        2_000,
      );
    }
    await move(d, op, {
      steps: json(withStep(op, "delete-backups", "done")),
      progress: json(null),
      deadlineAt: new Date(Date.now() + FIRST_WRITE_MS),
      message: `Deleted ${desired} backups; removing Lifeboat's locations`,
    });
    return;
  }

  if (!done("locations")) {
    // From now on the locations reconciler wants nothing on this cluster, and removes what Lifeboat put there.
    await opWrite(d, op, (db) =>
      db.veleroInstallation.update({ where: { clusterId: op.clusterId }, data: { management: "DISABLED" } }),
    );
    const r = await healFor(d, op);
    if (r.failed.length) throw new Error(`Could not remove the locations ${r.failed.join(", ")} yet`);
    await move(d, op, {
      steps: json(withStep(op, "locations", "done")),
      deadlineAt: null,
      message: `Removed ${r.removed.length} locations; removing Velero's workloads`,
    });
    return;
  }

  const applied = await previousRender(d, op.clusterId);
  if (!done("workloads")) {
    const objects = applied.filter((x) => REMOVED_KINDS.has(x.kind));
    if (!started("workloads")) {
      for (const x of objects) await deleteAppliedObject(c, x);
      await move(d, op, {
        steps: json(withStep(op, "workloads", "running")),
        deadlineAt: new Date(Date.now() + WORKLOADS_GONE_MS),
        message: "Waiting for Velero's server and node-agent to stop",
      });
      return;
    }
    const left: string[] = [];
    for (const x of objects.filter((w) => w.kind === "Deployment" || w.kind === "DaemonSet"))
      if (await readVeleroObject(c, x)) left.push(`${x.kind} ${x.metadata.name}`);
    if (left.length) {
      if (pastDeadline(op))
        throw new OperationFailed(`${left.join(" and ")} did not go within ${WORKLOADS_GONE_MS / 60_000} minutes`);
      return poll(d, op, { message: `Waiting for ${left.join(" and ")} to go` });
    }
    await move(d, op, { steps: json(withStep(op, "workloads", "done")), deadlineAt: null });
    return;
  }

  if (o.deleteCrds && !done("crds")) {
    for (const x of applied.filter((w) => w.kind === "CustomResourceDefinition" || w.kind === "Namespace"))
      await deleteAppliedObject(c, x);
    await move(d, op, { steps: json(withStep(op, "crds", "done")) });
    return;
  }

  await opWrite(d, op, (db) =>
    db.veleroInstallation.update({
      where: { clusterId: op.clusterId },
      data: { management: "DISABLED", version: null, lastOperationId: op.id },
    }),
  );
  // Once more: a location assigned while this ran may have been applied by a reconciler that read the cluster before.
  const again = await healFor(d, op);
  if (again.failed.length) throw new Error(`Could not remove the locations ${again.failed.join(", ")} yet`);
  await checkFor(d, op);
  await move(d, op, {
    phase: "SUCCEEDED",
    finishedAt: now(),
    message:
      "Velero was removed from the cluster" +
      (o.backups === "delete"
        ? ", with its backups"
        : "; its backups stay in storage, restorable into another cluster") +
      (o.deleteCrds ? ". Its CRDs and namespace were deleted." : ". Its CRDs stay."),
  });
}
