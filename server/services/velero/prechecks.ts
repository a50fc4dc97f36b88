import type { Deps } from "../../composition";
import { notFound } from "../../errors";
import { ClusterError } from "../../kube/errors";
import {
  readPrecheckFacts,
  VELERO_SNAPSHOT_CLASS_LABEL,
  type PrecheckFacts,
  type SnapshotClassFacts,
} from "../../kube/velero-prechecks";
import { wantsNodeAgent, type VeleroSettings, type VeleroStatus } from "@/lib/schemas/velero";
import { worstStatus, type VeleroPrecheck, type VeleroPrechecks } from "@/lib/schemas/velero-prechecks";
import { compatibility, csiPossible, CSI_MIN_KUBERNETES } from "@/lib/velero/versions";
import { VELERO_INSTALL_NAMESPACE } from "./install-flags";
import { veleroManagementOf } from "./view";

// The pre-checks before Lifeboat installs Velero on a cluster (#12 §1), each explained: Lifeboat's access there, a
// Velero someone else installed, Kubernetes against Velero's compatibility matrix, the CSI snapshot API and a
// VolumeSnapshotClass per CSI driver (when CSI snapshots are chosen), and whether Pod Security admission in Velero's
// namespace lets its pods run. Reads the live cluster through the cluster-access port and writes nothing. The rules
// are pure (prechecksFrom), so a unit test pins them down; the service only gathers what they read.

const PSA = "pod-security.kubernetes.io";
const LEVELS = ["privileged", "baseline", "restricted"] as const;
type Level = (typeof LEVELS)[number];
const MAX_LISTED = 8;

export interface PrecheckCluster {
  accessLevel: VeleroStatus["accessLevel"];
  missingManageAccess: string[];
  management: VeleroStatus["management"];
  version: string | null;
  /** The version stored by the last health check, used when the cluster does not answer. */
  kubernetesVersion: string | null;
}

const listed = (xs: string[]) =>
  xs.slice(0, MAX_LISTED).join("; ") + (xs.length > MAX_LISTED ? `; and ${xs.length - MAX_LISTED} more` : "");

function accessCheck(c: PrecheckCluster): VeleroPrecheck {
  const base = { id: "access", title: "Lifeboat's access on the cluster" };
  if (c.accessLevel === "MANAGE")
    return { ...base, status: "pass", detail: 'Lifeboat has "manage Velero": it may install, upgrade and remove it.' };
  const level = c.accessLevel === "OPERATE" ? '"operate" (drive a Velero someone else installed)' : "none";
  return {
    ...base,
    status: "fail",
    detail:
      `Lifeboat's access here is ${level}; installing Velero needs "manage Velero".` +
      (c.missingManageAccess.length ? ` Missing: ${listed(c.missingManageAccess)}.` : "") +
      ' Apply the "manage Velero" onboarding manifest (the cluster page, Access levels), then check the cluster again.',
  };
}

function existingVeleroCheck(c: PrecheckCluster): VeleroPrecheck {
  const base = { id: "existing-velero", title: "Velero already on the cluster" };
  const v = c.version ? `Velero ${c.version}` : "Velero";
  switch (c.management) {
    case "ADOPTED":
      return {
        ...base,
        status: "warn",
        detail:
          `${v} is already installed here by someone else. Lifeboat does not install another: it adopts it as it is ` +
          "(its settings stay read-only in Lifeboat); take over to manage it.",
      };
    case "MANAGED":
      return { ...base, status: "pass", detail: `Lifeboat installed the ${v} that runs here.` };
    default:
      return { ...base, status: "pass", detail: "No Velero was found on the cluster at its last check." };
  }
}

function kubernetesCheck(kubernetes: string | null, velero: string): VeleroPrecheck {
  const base = { id: "kubernetes-version", title: "Kubernetes version" };
  if (!kubernetes)
    return { ...base, status: "warn", detail: "Lifeboat does not know the cluster's Kubernetes version yet." };
  const c = compatibility(kubernetes, velero);
  switch (c.level) {
    case "tested":
      return { ...base, status: "pass", detail: `Kubernetes ${kubernetes}: ${c.why}.` };
    case "supported":
      return { ...base, status: "pass", detail: `Kubernetes ${kubernetes}: ${c.why}.` };
    case "unsupported":
      return { ...base, status: "fail", detail: `${c.why}: upgrade the cluster before installing Velero.` };
    default:
      return { ...base, status: "warn", detail: `${c.why}; Velero may still run on Kubernetes ${kubernetes}.` };
  }
}

function snapshotApiCheck(kubernetes: string, api: NonNullable<PrecheckFacts["snapshotApi"]>): VeleroPrecheck {
  const base = { id: "csi-snapshot-api", title: "CSI snapshot API" };
  if (!csiPossible(kubernetes))
    return {
      ...base,
      status: "fail",
      detail:
        `CSI snapshots need Kubernetes ${CSI_MIN_KUBERNETES} or later; this cluster runs ${kubernetes}. ` +
        "Turn CSI snapshots off.",
    };
  if (!api.ok) return { ...base, status: "warn", detail: `Lifeboat could not check the API: ${api.reason}` };
  if (api.value === null)
    return {
      ...base,
      status: "fail",
      detail:
        "The cluster does not serve snapshot.storage.k8s.io: CSI snapshots cannot be taken. Install the snapshot " +
        "CRDs and the snapshot controller (kubernetes-csi/external-snapshotter), or turn CSI snapshots off.",
    };
  if (!api.value.includes("v1"))
    return {
      ...base,
      status: "fail",
      detail:
        `The cluster serves snapshot.storage.k8s.io ${api.value.join(", ") || "without a version"}; Velero needs v1. ` +
        "Upgrade the snapshot CRDs and controller, or turn CSI snapshots off.",
    };
  return { ...base, status: "pass", detail: "The cluster serves snapshot.storage.k8s.io/v1." };
}

/** The name of a VolumeSnapshotClass suggested for a driver: "velero-" and the driver as a DNS subdomain. */
const suggestedClassName = (driver: string) =>
  `velero-${driver
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")}`.slice(0, 253);

export const snapshotClassYaml = (driver: string) =>
  [
    "apiVersion: snapshot.storage.k8s.io/v1",
    "kind: VolumeSnapshotClass",
    "metadata:",
    `  name: ${suggestedClassName(driver)}`,
    "  labels:",
    `    ${VELERO_SNAPSHOT_CLASS_LABEL}: "true"`,
    `driver: ${driver}`,
    "deletionPolicy: Delete",
    "",
  ].join("\n");

/** Velero's choice of class for a driver (velero-api.md §8): labelled, else the default, else the only one. */
function snapshotClassCheck(driver: string, usedBy: string[], all: SnapshotClassFacts[]): VeleroPrecheck {
  const base = { id: `csi-snapshot-class:${driver}`, title: `VolumeSnapshotClass for ${driver}` };
  const classes = all.filter((c) => c.driver === driver);
  const sc = `used by the StorageClass${usedBy.length === 1 ? "" : "es"} ${usedBy.join(", ")}`;
  const labelled = classes.find((c) => c.labelled);
  if (labelled)
    return { ...base, status: "pass", detail: `Velero snapshots ${driver} volumes (${sc}) with ${labelled.name}.` };
  const byDefault = classes.find((c) => c.isDefault);
  const only = classes.length === 1 ? classes[0] : undefined;
  const chosen = byDefault ?? only;
  if (chosen)
    return {
      ...base,
      status: "pass",
      detail:
        `Velero snapshots ${driver} volumes (${sc}) with ${chosen.name}, ` +
        `${byDefault ? "the driver's default class" : "its only class"}; ` +
        `label it ${VELERO_SNAPSHOT_CLASS_LABEL}="true" to make the choice explicit.`,
    };
  if (classes.length)
    return {
      ...base,
      status: "warn",
      detail:
        `${driver} (${sc}) has ${classes.length} VolumeSnapshotClasses (${classes.map((c) => c.name).join(", ")}) ` +
        `and none is labelled ${VELERO_SNAPSHOT_CLASS_LABEL} or the default: Velero cannot choose, and CSI backups ` +
        "of its volumes fail. Label the one Velero should use.",
      fix: `kubectl label volumesnapshotclass ${classes[0].name} ${VELERO_SNAPSHOT_CLASS_LABEL}=true`,
    };
  return {
    ...base,
    status: "warn",
    detail:
      `No VolumeSnapshotClass has the driver ${driver} (${sc}): CSI backups of its volumes fail. Create one labelled ` +
      `${VELERO_SNAPSHOT_CLASS_LABEL}="true", as below.`,
    fix: snapshotClassYaml(driver),
  };
}

function snapshotClassChecks(f: PrecheckFacts): VeleroPrecheck[] {
  const base = { id: "csi-snapshot-class", title: "VolumeSnapshotClasses" };
  if (!f.storageClasses?.ok)
    return [
      { ...base, status: "warn", detail: `Lifeboat could not read the StorageClasses: ${f.storageClasses?.reason}` },
    ];
  // Provisioners that are CSI drivers: those with a CSIDriver object; when those cannot be read, every provisioner
  // but the in-tree ones (kubernetes.io/…).
  const drivers = f.csiDrivers?.ok ? new Set(f.csiDrivers.value) : null;
  const usedBy = new Map<string, string[]>();
  for (const sc of f.storageClasses.value) {
    const isCsi = drivers ? drivers.has(sc.provisioner) : !sc.provisioner.startsWith("kubernetes.io/");
    if (isCsi) usedBy.set(sc.provisioner, [...(usedBy.get(sc.provisioner) ?? []), sc.name]);
  }
  const unread = f.csiDrivers?.ok === false ? f.csiDrivers.reason : "not read";
  const how = drivers
    ? ""
    : ` (Lifeboat could not read the CSIDriver objects, so every provisioner outside kubernetes.io counts as one: ` +
      `${unread})`;
  if (!usedBy.size)
    return [
      {
        ...base,
        status: "warn",
        detail:
          `No StorageClass uses a CSI driver${how}: CSI snapshots would find no volume to snapshot. ` +
          "File-system backup covers other volumes.",
      },
    ];
  if (!f.snapshotClasses?.ok)
    return [
      {
        ...base,
        status: "warn",
        detail: `Lifeboat could not read the VolumeSnapshotClasses: ${f.snapshotClasses?.reason}`,
      },
    ];
  const classes = f.snapshotClasses.value;
  return [...usedBy.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([driver, scs]) => {
      const check = snapshotClassCheck(driver, scs, classes);
      return how ? { ...check, detail: check.detail + how } : check;
    });
}

const levelOf = (v: string | undefined): Level | undefined =>
  (LEVELS as readonly string[]).includes(v ?? "") ? (v as Level) : undefined;

/** Pod Security admission in Velero's namespace: may Velero's server and (when it runs) the node-agent start there? */
function podSecurityCheck(
  namespace: string,
  labels: PrecheckFacts["namespaceLabels"],
  settings: VeleroSettings,
): VeleroPrecheck {
  const base = { id: "pod-security", title: `Pod Security in the namespace ${namespace}` };
  const nodeAgent = wantsNodeAgent(settings);
  const agent = nodeAgent
    ? `the node-agent (hostPath volumes, running as root${settings.privilegedNodeAgent ? ", privileged" : ""})`
    : "";
  if (!labels.ok) return { ...base, status: "warn", detail: `Lifeboat could not read the namespace: ${labels.reason}` };
  if (labels.value === null)
    return {
      ...base,
      status: "pass",
      detail: `The namespace does not exist yet: Velero's installer creates it labelled ${PSA}/enforce=privileged.`,
    };
  const enforce = levelOf(labels.value[`${PSA}/enforce`]);
  const fix = (keys: string[]) =>
    `kubectl label namespace ${namespace} ${keys.map((k) => `${PSA}/${k}=privileged`).join(" ")} --overwrite`;
  if (enforce === "restricted")
    return {
      ...base,
      status: "fail",
      detail:
        `The namespace enforces Pod Security "restricted", which refuses Velero's server (it does not run as a ` +
        `restricted pod)${nodeAgent ? ` and ${agent}` : ""}. Label it privileged, as Velero's installer does.`,
      fix: fix(["enforce"]),
    };
  if (enforce === "baseline" && nodeAgent)
    return {
      ...base,
      status: "fail",
      detail:
        `The namespace enforces Pod Security "baseline", which refuses ${agent}. Label it privileged, as Velero's ` +
        "installer does.",
      fix: fix(["enforce"]),
    };
  const reporting = (["audit", "warn"] as const).filter((k) => {
    const l = levelOf(labels.value![`${PSA}/${k}`]);
    return l !== undefined && l !== "privileged";
  });
  if (reporting.length)
    return {
      ...base,
      status: "warn",
      detail:
        `Velero's pods are admitted, but the namespace's ${reporting.join(" and ")} level reports them as ` +
        "violations. " +
        `Velero's installer labels ${reporting.join(" and ")} privileged as well, and Lifeboat does not force labels ` +
        "someone else set: label them so before installing.",
      fix: fix(reporting),
    };
  return {
    ...base,
    status: "pass",
    detail:
      enforce === "baseline"
        ? 'The namespace enforces "baseline", which admits Velero\'s server (no node-agent is asked for).'
        : `The namespace enforces ${enforce ? `"${enforce}"` : "no level"}: Velero's pods are admitted.`,
  };
}

/** The checks in the dialog's order, from what was read ("unreachable": why the cluster did not answer). */
export function prechecksFrom(
  cluster: PrecheckCluster,
  settings: VeleroSettings,
  live: { facts: PrecheckFacts } | { unreachable: string },
  namespace = VELERO_INSTALL_NAMESPACE,
): VeleroPrecheck[] {
  const checks = [accessCheck(cluster), existingVeleroCheck(cluster)];
  if ("unreachable" in live)
    return [
      ...checks,
      kubernetesCheck(cluster.kubernetesVersion, settings.version),
      {
        id: "cluster-reachable",
        status: "fail",
        title: "The cluster answers",
        detail: `Lifeboat could not read the cluster, so nothing else was checked: ${live.unreachable}`,
      },
    ];
  const f = live.facts;
  checks.push(kubernetesCheck(f.kubernetesVersion, settings.version));
  if (settings.csi.enabled) {
    checks.push(snapshotApiCheck(f.kubernetesVersion, f.snapshotApi ?? { ok: false, reason: "not read" }));
    if (csiPossible(f.kubernetesVersion)) checks.push(...snapshotClassChecks(f));
  }
  checks.push(podSecurityCheck(namespace, f.namespaceLabels, settings));
  return checks;
}

/** Reads the cluster's record and the live cluster, and runs the checks for these settings. */
export async function veleroPrechecks(d: Deps, clusterId: string, settings: VeleroSettings): Promise<VeleroPrechecks> {
  const row = await d.db.cluster.findUnique({
    where: { id: clusterId },
    select: {
      kubernetesVersion: true,
      accessLevel: true,
      missingManageAccess: true,
      velero: true,
      veleroInstallation: { select: { management: true, version: true } },
      veleroOperations: { orderBy: { createdAt: "desc" }, take: 1, select: { kind: true, phase: true, steps: true } },
    },
  });
  if (!row) throw notFound("Cluster");
  const cluster: PrecheckCluster = {
    accessLevel: row.accessLevel,
    missingManageAccess: row.missingManageAccess,
    kubernetesVersion: row.kubernetesVersion,
    ...veleroManagementOf({
      velero: row.velero,
      veleroInstallation: row.veleroInstallation,
      lastOperation: row.veleroOperations[0],
    }),
  };
  let live: { facts: PrecheckFacts } | { unreachable: string };
  try {
    const c = await d.clusters.forCluster(clusterId);
    live = { facts: await readPrecheckFacts(c, { namespace: VELERO_INSTALL_NAMESPACE, csi: settings.csi.enabled }) };
  } catch (e) {
    if (!(e instanceof ClusterError)) throw e;
    live = { unreachable: e.message };
  }
  const checks = prechecksFrom(cluster, settings, live);
  return { checks, worst: worstStatus(checks), checkedAt: new Date() };
}
