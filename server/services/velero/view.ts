import type { Db } from "../../db/client";
import { notFound } from "../../errors";
import {
  appliedBeforeFailing,
  veleroSettings,
  type VeleroOperationDetail,
  type VeleroOperationSummary,
  type VeleroStatus,
} from "@/lib/schemas/velero";
import { describeObject, toYaml } from "./manifest";
import type { RenderedView } from "./operations";

// What the Data protection tab shows: who runs Velero on the cluster, Lifeboat's access there, and the latest
// operation; one operation with the objects rendered for review, as YAML. Rows are read and cut to the contracts.

type OperationRow = NonNullable<Awaited<ReturnType<Db["veleroOperation"]["findFirst"]>>>;

function summary(op: OperationRow): VeleroOperationSummary {
  const rendered = op.rendered as unknown as RenderedView | null;
  const settings = veleroSettings.safeParse(op.settings);
  return {
    id: op.id,
    kind: op.kind,
    phase: op.phase,
    version: settings.success ? settings.data.version : "",
    message: op.message,
    steps: (op.steps as unknown as VeleroOperationSummary["steps"]) ?? [],
    progress: (op.progress as VeleroOperationSummary["progress"]) ?? null,
    installerImage: op.installerImage,
    renderedDigest: op.renderedDigest,
    objectCount: rendered?.objects.length ?? 0,
    createdAt: op.createdAt,
    finishedAt: op.finishedAt,
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
    },
  });
  if (!c) throw notFound("Cluster");
  const detected = c.velero as { installed?: boolean; serverVersion?: string } | null;
  const inst = c.veleroInstallation;
  const applied = inst?.appliedSettings ? veleroSettings.safeParse(inst.appliedSettings) : null;
  return {
    // What a failed install of Lifeboat's left behind is not someone else's Velero: the section offers to try again.
    management:
      inst?.management ??
      (detected?.installed && !(c.veleroOperations[0] && appliedBeforeFailing(c.veleroOperations[0]))
        ? "ADOPTED"
        : "OFF"),
    version: detected?.serverVersion ?? inst?.version ?? null,
    accessLevel: c.accessLevel,
    missingManageAccess: c.missingManageAccess,
    lifeboatNamespace: c.lifeboatNamespace,
    kubernetesVersion: c.kubernetesVersion,
    appliedSettings: applied?.success ? applied.data : null,
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
    objects: (rendered?.objects ?? []).map((o) => ({
      kind: o.kind,
      namespace: o.metadata.namespace ?? null,
      name: o.metadata.name,
      yaml: toYaml(o),
      fromOverlay: rendered?.fromOverlay[describeObject(o)] ?? [],
    })),
  };
}
