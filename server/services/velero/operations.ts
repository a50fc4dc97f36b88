import type { Deps } from "../../composition";
import { AppError, notFound } from "../../errors";
import { publish } from "../../events/bus";
import { ClusterError } from "../../kube/errors";
import type { ClusterClient } from "../../kube/cluster-client";
import { RESOURCES } from "../../kube/resources";
import {
  applyVeleroObject,
  createRenderJob,
  crdEstablished,
  deleteRenderJob,
  readRenderLog,
  readWorkload,
  renderJobState,
} from "../../kube/velero-install";
import { createVeleroObject, deleteVeleroObject, getVeleroObject } from "../../kube/velero-objects";
import type { Prisma } from "../../db/generated/client";
import { checkCluster } from "../clusters/clusters";
import { reconcileCluster } from "../protection/locations";
import { ACTIVE_PHASES, appliedBeforeFailing, veleroSettings, type VeleroSettings } from "@/lib/schemas/velero";
import { PLUGIN_REPOSITORIES, type ObjectStoreProvider } from "@/lib/velero/versions";
import { installRequest, VELERO_INSTALL_NAMESPACE } from "./install-flags";
import {
  applyOrder,
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
const POLL_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
const LOG_TAIL_LINES = 40;

interface Options {
  lifeboatNamespace: string;
  autoApprove?: boolean;
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
}

type Row = NonNullable<Awaited<ReturnType<typeof load>>>;
const load = (d: Deps, id: string) => d.db.veleroOperation.findUnique({ where: { id } });

const json = (v: unknown) => v as Prisma.InputJsonValue;
const now = () => new Date();
const later = (ms = POLL_MS) => new Date(Date.now() + ms);

/** Starts installing Velero on a cluster: one active operation per cluster, the rest is the reconciler's. */
export async function startInstall(
  d: Deps,
  clusterId: string,
  input: { settings: VeleroSettings; lifeboatNamespace?: string },
  actorId: string | null,
): Promise<{ id: string }> {
  const settings = veleroSettings.parse(input.settings);
  const cluster = await d.db.cluster.findUnique({
    where: { id: clusterId },
    select: {
      velero: true,
      accessLevel: true,
      missingManageAccess: true,
      lifeboatNamespace: true,
      veleroInstallation: { select: { management: true } },
      veleroOperations: { orderBy: { createdAt: "desc" }, take: 1, select: { kind: true, phase: true, steps: true } },
    },
  });
  if (!cluster) throw notFound("Cluster");
  if (cluster.accessLevel !== "MANAGE") {
    const missing = cluster.missingManageAccess;
    throw new AppError(
      "PRECONDITION_FAILED",
      `Installing Velero needs Lifeboat's "manage Velero" access on this cluster, which it does not have` +
        (missing.length ? ` (missing, among ${missing.length}: ${missing.slice(0, 3).join("; ")})` : "") +
        '. Apply the "manage Velero" onboarding manifest, then check the cluster again.',
    );
  }
  if (cluster.veleroInstallation?.management === "MANAGED")
    throw new AppError(
      "CONFLICT",
      "Lifeboat already runs Velero on this cluster: change its settings or upgrade it instead",
    );
  // A Velero found there is someone else's, unless it is what Lifeboat's own install left when it failed (try again).
  const retry = cluster.veleroOperations[0] && appliedBeforeFailing(cluster.veleroOperations[0]);
  if ((cluster.velero as { installed?: boolean } | null)?.installed === true && !retry)
    throw new AppError(
      "CONFLICT",
      "Velero is already installed on this cluster by someone else: Lifeboat uses it as it is and does not install another",
    );
  const options: Options = {
    lifeboatNamespace: cluster.lifeboatNamespace ?? input.lifeboatNamespace ?? "lifeboat-system",
  };
  try {
    return await d.db.veleroOperation.create({
      data: { clusterId, kind: "INSTALL", settings: json(settings), options: json(options), createdById: actorId },
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

/** REVIEW → APPLYING, only for the objects the operator saw (their digest). */
export async function approveOperation(d: Deps, clusterId: string, id: string, digest: string, actorId: string | null) {
  const moved = await d.db.veleroOperation.updateMany({
    where: { id, clusterId, phase: "REVIEW", renderedDigest: digest },
    data: { phase: "APPLYING", approvedById: actorId, approvedAt: now(), nextPollAt: now(), stepSeq: { increment: 1 } },
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
  const moved = await d.db.veleroOperation.updateMany({
    where: { id, clusterId, phase: { in: ["PENDING", "RENDERING", "REVIEW"] } },
    data: { phase: "CANCELLED", finishedAt: now(), message: "Cancelled", nextPollAt: now(), stepSeq: { increment: 1 } },
  });
  if (moved.count !== 1) {
    const op = await d.db.veleroOperation.findFirst({ where: { id, clusterId }, select: { phase: true } });
    if (!op) throw notFound("Operation");
    throw new AppError("CONFLICT", "Only an operation that has not applied anything yet can be cancelled");
  }
  await publish(d.db, { topic: "velero", clusterId });
}

/** Operations with a step due now, and finished ones whose render Job is still to be removed. */
export function dueOperations(d: Deps, limit = 20) {
  return d.db.veleroOperation.findMany({
    where: {
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
export async function advanceOperation(d: Deps, id: string): Promise<void> {
  const op = await load(d, id);
  if (!op) return;
  try {
    const c = await d.clusters.forCluster(op.clusterId);
    if (op.phase === "SUCCEEDED" || op.phase === "FAILED" || op.phase === "CANCELLED") await removeJob(d, c, op);
    else await STEPS[op.phase](d, c, op);
  } catch (e) {
    const terminal = op.phase === "SUCCEEDED" || op.phase === "FAILED" || op.phase === "CANCELLED";
    // A refusal that asking again will not change (an admission webhook, missing rights, an invalid object), or a step
    // whose deadline passed while the cluster did not answer, ends the operation; anything else is tried again.
    const refused = e instanceof ClusterError && [400, 403, 422].includes(e.status ?? 0);
    const late = op.deadlineAt !== null && Date.now() > op.deadlineAt.getTime();
    if (!terminal && (e instanceof OperationFailed || e instanceof RenderRefused || refused || late))
      await fail(d, op, e instanceof ClusterError ? `${e.kind}: ${e.message}` : (e as Error).message);
    else {
      const message =
        e instanceof ClusterError ? `${e.kind}: ${e.message}` : e instanceof Error ? e.message : String(e);
      const attempts = op.attempts + 1;
      await d.db.veleroOperation.updateMany({
        where: { id, stepSeq: op.stepSeq },
        data: { attempts, message, nextPollAt: later(Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** Math.min(attempts, 5))) },
      });
    }
  }
  await publish(d.db, { topic: "velero", clusterId: op.clusterId });
}

const options = (op: Row) => op.options as unknown as Options;
const settingsOf = (op: Row) => veleroSettings.parse(op.settings);
const stepsOf = (op: Row) => (op.steps as unknown as Step[]) ?? [];
const withStep = (op: Row, name: string, state: Step["state"], message?: string): Step[] => [
  ...stepsOf(op).filter((s) => s.name !== name),
  { name, state, at: now().toISOString(), ...(message ? { message } : {}) },
];

/** Compare-and-set: moves the row only if nobody else did since it was read. */
async function move(d: Deps, op: Row, data: Prisma.VeleroOperationUpdateManyMutationInput): Promise<boolean> {
  const r = await d.db.veleroOperation.updateMany({
    where: { id: op.id, phase: op.phase, stepSeq: op.stepSeq },
    data: { attempts: 0, nextPollAt: later(), ...data, stepSeq: op.stepSeq + 1 },
  });
  return r.count === 1;
}

/** The step waits: look again at the next poll (the row stays where it is; its message and progress may change). */
async function poll(d: Deps, op: Row, data: Prisma.VeleroOperationUpdateManyMutationInput = {}, ms = POLL_MS) {
  await d.db.veleroOperation.updateMany({
    where: { id: op.id, stepSeq: op.stepSeq },
    data: { attempts: 0, nextPollAt: later(ms), ...data },
  });
}

async function fail(d: Deps, op: Row, message: string) {
  const running = stepsOf(op).find((s) => s.state === "running");
  await move(d, op, {
    phase: "FAILED",
    message,
    finishedAt: now(),
    steps: json(running ? withStep(op, running.name, "failed", message) : stepsOf(op)),
  });
}

async function removeJob(d: Deps, c: ClusterClient, op: Row) {
  if (op.jobName) await deleteRenderJob(c, options(op).lifeboatNamespace, op.jobName);
  await d.db.veleroOperation.updateMany({ where: { id: op.id, stepSeq: op.stepSeq }, data: { jobName: null } });
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
    if (op.jobName !== name) return move(d, op, { jobName: name, nextPollAt: now() });
    await createRenderJob(c, {
      namespace: ns,
      name,
      operationId: op.id,
      image: req.serverImage,
      args: req.args,
      activeDeadlineSeconds: RENDER_DEADLINE_S,
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
    const late = op.deadlineAt !== null && Date.now() > op.deadlineAt.getTime();
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
      const rendered: RenderedView = { messages: parsed.messages, objects: ordered, fromOverlay };
      await deleteRenderJob(c, ns, op.jobName!);
      const auto = options(op).autoApprove === true;
      await move(d, op, {
        phase: auto ? "APPLYING" : "REVIEW",
        jobName: null,
        rendered: json(rendered),
        renderedDigest: renderDigest(ordered),
        deadlineAt: auto ? null : new Date(Date.now() + REVIEW_EXPIRY_MS),
        nextPollAt: auto ? later() : later(60_000),
        message: auto
          ? "Applying what the installer rendered"
          : `The installer rendered ${ordered.length} objects: review and apply them`,
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
    if (op.deadlineAt && Date.now() > op.deadlineAt.getTime())
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
      if (op.kind === "INSTALL") {
        const existing = await readWorkload(c, "Deployment", VELERO_INSTALL_NAMESPACE, "velero");
        if (existing && existing.metadata?.labels?.["app.kubernetes.io/managed-by"] !== "lifeboat")
          throw new OperationFailed(
            "A Velero that Lifeboat did not install appeared on the cluster: nothing was applied",
          );
      }
      for (const o of crds) await applyVeleroObject(c, o);
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
        if (op.deadlineAt && Date.now() > op.deadlineAt.getTime())
          throw new OperationFailed(`These CRDs were not Established within a minute: ${pending.join(", ")}`);
        return poll(d, op);
      }
      const rbac = objects.filter((o) => ["Namespace", "ServiceAccount", "ClusterRoleBinding"].includes(o.kind));
      for (const o of rbac) await applyVeleroObject(c, o);
      const workloads = objects.filter((o) => o.kind === "Deployment" || o.kind === "DaemonSet");
      for (const o of workloads) await applyVeleroObject(c, o);
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
    }
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
    if (op.deadlineAt && Date.now() > op.deadlineAt.getTime())
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
      if (op.deadlineAt && Date.now() > op.deadlineAt.getTime())
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
    await d.db.veleroInstallation.upsert({
      where: { clusterId: op.clusterId },
      create: { clusterId: op.clusterId, ...install },
      update: install,
    });
    await checkCluster(d, op.clusterId);
    await reconcileCluster(d, op.clusterId);
    const moved = await move(d, op, {
      phase: "SUCCEEDED",
      finishedAt: now(),
      message: `Velero ${settings.version} runs on the cluster`,
      steps: json(withStep(op, "verify", "done")),
    });
    if (moved) await deleteVeleroObject(c, "serverstatusrequests", name);
  },
};
