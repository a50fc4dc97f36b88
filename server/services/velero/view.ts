import type { Db } from "../../db/client";
import { notFound } from "../../errors";
import {
  ACTIVE_PHASES,
  appliedBeforeFailing,
  veleroSettings,
  type VeleroOperationDetail,
  type VeleroOperationProgress,
  type VeleroOperationSummary,
  type VeleroStatus,
} from "@/lib/schemas/velero";
import { releaseOf, VELERO_RELEASES, compareVersions } from "@/lib/velero/versions";
import { veleroInfo } from "@/lib/schemas/cluster";
import { describeObject, toYaml } from "./manifest";
import { busyOn, type RenderedView } from "./operations";
import { DEFAULT_VELERO_SETTINGS, type VeleroSettings } from "@/lib/schemas/velero";

// What the Data protection tab shows: who runs Velero on the cluster, Lifeboat's access there, and the latest
// operation; one operation with the objects rendered for review, as YAML. Rows are read and cut to the contracts.

type OperationRow = NonNullable<Awaited<ReturnType<Db["veleroOperation"]["findFirst"]>>>;

const disableOptions = (o: unknown) => {
  const x = (o ?? {}) as { backups?: string; deleteCrds?: boolean };
  return {
    backups: x.backups === "delete" ? ("delete" as const) : ("keep" as const),
    deleteCrds: x.deleteCrds === true,
  };
};

/** Where an operation is: its kind, phase, version, steps and rollout progress (the fleet's versions page). */
export function operationProgress(
  op: Pick<OperationRow, "kind" | "phase" | "settings" | "steps" | "progress">,
): VeleroOperationProgress {
  const settings = veleroSettings.safeParse(op.settings);
  return {
    kind: op.kind,
    phase: op.phase,
    version: settings.success ? settings.data.version : "",
    steps: (op.steps as unknown as VeleroOperationSummary["steps"]) ?? [],
    progress: (op.progress as VeleroOperationSummary["progress"]) ?? null,
  };
}

function summary(op: OperationRow): VeleroOperationSummary {
  const rendered = op.rendered as unknown as RenderedView | null;
  return {
    ...operationProgress(op),
    id: op.id,
    message: op.message,
    installerImage: op.installerImage,
    renderedDigest: op.renderedDigest,
    objectCount: rendered?.objects.length ?? 0,
    replaces: op.kind === "TAKE_OVER" ? (rendered?.replace ?? []).map(describeObject) : [],
    disable: op.kind === "DISABLE" ? disableOptions(op.options) : null,
    createdAt: op.createdAt,
    finishedAt: op.finishedAt,
  };
}

/**
 * Who runs Velero on a cluster and which version, from its record: Lifeboat's installation when there is one, else
 * what detection found (someone else's Velero: ADOPTED), else OFF. What a failed install of Lifeboat's left behind is
 * not someone else's Velero (the Data protection tab offers to try again). The tab and the fleet's versions share it.
 */
const disabling = (op: { kind: string; phase: string } | null | undefined) =>
  op?.kind === "DISABLE" && (ACTIVE_PHASES as readonly string[]).includes(op.phase);

export function veleroManagementOf(c: {
  velero: unknown;
  veleroInstallation: { management: VeleroStatus["management"]; version: string | null } | null;
  lastOperation: { kind: string; phase: string; steps: unknown } | null | undefined;
}): Pick<VeleroStatus, "management" | "version"> {
  const detected = c.velero as { installed?: boolean; serverVersion?: string } | null;
  const inst = c.veleroInstallation;
  return {
    management:
      // While a removal runs, Velero is still Lifeboat's (the installation is DISABLED early, for the locations' sake).
      inst?.management === "DISABLED" && disabling(c.lastOperation)
        ? "MANAGED"
        : inst?.management === "DISABLED" && detected?.installed && !disabling(c.lastOperation)
          ? "ADOPTED" // someone installed a Velero of their own after Lifeboat removed its own
          : (inst?.management ??
            (detected?.installed && !(c.lastOperation && appliedBeforeFailing(c.lastOperation)) ? "ADOPTED" : "OFF")),
    version: detected?.serverVersion ?? inst?.version ?? null,
  };
}

export async function veleroStatusOf(db: Db, clusterId: string): Promise<VeleroStatus> {
  const c = await db.cluster.findUnique({
    where: { id: clusterId },
    select: {
      velero: true,
      kubernetesVersion: true,
      accessLevel: true,
      missingManageAccess: true,
      lifeboatNamespace: true,
      veleroInstallation: true,
      veleroOperations: { orderBy: { createdAt: "desc" }, take: 1 },
      group: { select: { name: true, veleroPolicy: { select: { enabled: true } } } },
    },
  });
  if (!c) throw notFound("Cluster");
  const parsed = veleroInfo.safeParse(c.velero);
  const detected = parsed.success ? parsed.data : null;
  const inst = c.veleroInstallation;
  const applied = inst?.appliedSettings ? veleroSettings.safeParse(inst.appliedSettings) : null;
  const who = veleroManagementOf({ velero: c.velero, veleroInstallation: inst, lastOperation: c.veleroOperations[0] });
  const management = who.management;
  return {
    ...who,
    accessLevel: c.accessLevel,
    missingManageAccess: c.missingManageAccess,
    lifeboatNamespace: c.lifeboatNamespace,
    kubernetesVersion: c.kubernetesVersion,
    appliedSettings: applied?.success ? applied.data : null,
    detectedSettings: management === "ADOPTED" && detected ? settingsReadFrom(detected) : null,
    busy: management === "MANAGED" || management === "ADOPTED" ? await busyOn({ db }, clusterId) : [],
    groupPolicy: c.group.veleroPolicy?.enabled ? c.group.name : null,
    operation: c.veleroOperations[0] ? summary(c.veleroOperations[0]) : null,
  };
}

export async function veleroOperationOf(db: Db, clusterId: string, id: string): Promise<VeleroOperationDetail> {
  const op = await db.veleroOperation.findFirst({ where: { id, clusterId } });
  if (!op) throw notFound("Operation");
  const rendered = op.rendered as unknown as RenderedView | null;
  return {
    ...summary(op),
    installerMessages: rendered?.messages ?? [],
    changes: rendered?.changes ?? [],
    objects: (rendered?.objects ?? []).map((o) => ({
      kind: o.kind,
      namespace: o.metadata.namespace ?? null,
      name: o.metadata.name,
      yaml: toYaml(o),
      fromOverlay: rendered?.fromOverlay[describeObject(o)] ?? [],
    })),
  };
}

/**
 * The settings a Velero someone else installed runs with, as far as detection read them (what "take over" starts from):
 * its version when Lifeboat installs it (else the next release it does), the node-agent and the server's defaults, CSI,
 * and the registry its image comes from. Resources and placement start from Velero's defaults.
 */
export function settingsReadFrom(
  v: NonNullable<ReturnType<typeof veleroInfo.safeParse>["data"]>,
): VeleroSettings | null {
  const running = v.serverVersion ?? "";
  const version =
    releaseOf(running)?.version ??
    [...VELERO_RELEASES].reverse().find((r) => (compareVersions(r.version, running) ?? -1) > 0)?.version;
  if (!version) return null;
  const server = v.images?.server ?? "";
  const at = server.indexOf("/velero/velero:");
  const host = at > 0 ? server.slice(0, at) : "";
  const registry = host && /[.:]/.test(host.split("/")[0]) && host !== "docker.io" ? host : null;
  return {
    ...DEFAULT_VELERO_SETTINGS,
    version,
    registry,
    fsBackup: { enabled: v.nodeAgent, default: v.fsBackupDefault ?? "optIn" },
    csi: { enabled: v.csi.enabled, moveDataByDefault: v.csi.enabled && (v.moveDataByDefault ?? false) },
  };
}

/** An operation as the Data protection tab and a group's page follow it. */
export const operationSummary = summary;
