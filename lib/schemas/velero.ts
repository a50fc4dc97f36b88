import { z } from "zod";
import { releaseOf, VELERO_RELEASES } from "../velero/versions";
import { isLabelValue } from "../velero/names";
import { isDnsSubdomain } from "./protection";

// The settings Lifeboat installs Velero with on a cluster (#12: the cluster's Data protection tab, a group's defaults):
// one schema for the form, the router input and what the installer reconciler renders from. Every rule that would make
// `velero install` refuse the flags (velero-api.md §5) is checked here, next to the field it concerns.

/** A Kubernetes quantity as Velero's resource flags take it; "0" means no request / no limit. */
const QUANTITY_RE = /^(0|[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?)$/;
const quantity = z
  .string()
  .trim()
  .regex(QUANTITY_RE, { message: 'A quantity such as 500m, 1, 128Mi or 1Gi ("0" for none)' });

const podResources = z.object({ cpuRequest: quantity, memRequest: quantity, cpuLimit: quantity, memLimit: quantity });
export type PodResources = z.infer<typeof podResources>;

/** host[:port][/path] of an image registry (a mirror for air-gapped clusters). */
const REGISTRY_RE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/;
const LABEL_KEY_RE =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelKey = z.string().max(317).regex(LABEL_KEY_RE, { message: "Not a label key (e.g. kubernetes.io/os)" });

export const toleration = z
  .object({
    key: z.union([labelKey, z.literal("")]).optional(),
    operator: z.enum(["Exists", "Equal"]),
    value: z
      .string()
      .max(63)
      .refine((v) => v === "" || isLabelValue(v), { message: "Not a label value" })
      .optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.operator === "Exists" && t.value)
      ctx.addIssue({ code: "custom", path: ["value"], message: "Exists matches any value: leave the value empty" });
    if (t.operator === "Equal" && !t.key)
      ctx.addIssue({ code: "custom", path: ["key"], message: "Equal needs the taint's key" });
  });
export type Toleration = z.infer<typeof toleration>;

/** The most image pull secrets the settings name (a pod may list more; five covers a registry and its mirrors). */
export const MAX_PULL_SECRETS = 5;
const pullSecretName = z.string().trim().refine(isDnsSubdomain, {
  message: "A Secret's name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
});

/** The settings' fields, without the rules across them (a form extends this, then applies refineVeleroSettings). */
export const veleroSettingsFields = z.object({
  version: z.string().refine((v) => releaseOf(v) !== undefined, {
    message: `Lifeboat installs ${VELERO_RELEASES.map((r) => r.version).join(" or ")}`,
  }),
  /** null: Docker Hub (docker.io). */
  registry: z
    .string()
    .trim()
    .toLowerCase()
    .regex(REGISTRY_RE, { message: "A registry address such as registry.example.com:5000/mirror" })
    .nullable(),
  fsBackup: z.object({ enabled: z.boolean(), default: z.enum(["optIn", "optOut"]) }),
  csi: z.object({ enabled: z.boolean(), moveDataByDefault: z.boolean() }),
  privilegedNodeAgent: z.boolean(),
  /**
   * Secrets (kubernetes.io/dockerconfigjson) for a private registry, by name: on the installer's Job in Lifeboat's
   * namespace, and on Velero's Deployment and the node-agent in Velero's (velero install has no flag: an overlay).
   * Settings stored before the field existed have none.
   */
  imagePullSecrets: z
    .array(pullSecretName)
    .max(MAX_PULL_SECRETS, { message: `At most ${MAX_PULL_SECRETS} pull secrets` })
    .superRefine((names, ctx) => {
      names.forEach((n, i) => {
        if (names.indexOf(n) < i) ctx.addIssue({ code: "custom", path: [i], message: `${n} is named twice` });
      });
    })
    .default([]),
  resources: z.object({ velero: podResources, nodeAgent: podResources }),
  nodeAgent: z.object({
    nodeSelector: z
      .record(z.string(), z.string().max(63).refine(isLabelValue, { message: "Not a label value" }))
      .superRefine((sel, ctx) => {
        for (const k of Object.keys(sel))
          if (!labelKey.safeParse(k).success)
            ctx.addIssue({ code: "custom", path: [k], message: "Not a label key (e.g. kubernetes.io/os)" });
      }),
    tolerations: z.array(toleration).max(20),
  }),
});

/** The rules across the settings' fields, with the field each message belongs to. */
export const refineVeleroSettings = (s: Pick<z.infer<typeof veleroSettingsFields>, "csi">, ctx: z.RefinementCtx) => {
  // velero install: "--default-volumes-to-fs-backup requires --use-node-agent"; data movement runs in the node-agent.
  if (s.csi.moveDataByDefault && !s.csi.enabled)
    ctx.addIssue({
      code: "custom",
      path: ["csi", "moveDataByDefault"],
      message: "Data movement moves CSI snapshots: turn CSI snapshots on",
    });
};

export const veleroSettings = veleroSettingsFields.superRefine(refineVeleroSettings);
export type VeleroSettings = z.infer<typeof veleroSettings>;

/** Velero's own defaults for the server and node-agent pods (velero install without resource flags). */
export const VELERO_DEFAULT_RESOURCES: VeleroSettings["resources"] = {
  velero: { cpuRequest: "500m", memRequest: "128Mi", cpuLimit: "1", memLimit: "512Mi" },
  nodeAgent: { cpuRequest: "0", memRequest: "0", cpuLimit: "0", memLimit: "0" },
};

/**
 * What the enable form starts from: the newest release, file-system backup on with opt-out (TMC's default when FSB is
 * on; the form says so and lets the operator choose opt-in), CSI snapshots on, data movement off.
 */
export const DEFAULT_VELERO_SETTINGS: VeleroSettings = {
  version: VELERO_RELEASES[0].version,
  registry: null,
  fsBackup: { enabled: true, default: "optOut" },
  csi: { enabled: true, moveDataByDefault: false },
  privilegedNodeAgent: false,
  imagePullSecrets: [],
  resources: VELERO_DEFAULT_RESOURCES,
  nodeAgent: { nodeSelector: {}, tolerations: [] },
};

/** The node-agent runs when file-system backup is on or CSI snapshot data is moved (both run in it). */
export const wantsNodeAgent = (s: Pick<VeleroSettings, "fsBackup" | "csi">) =>
  s.fsBackup.enabled || (s.csi.enabled && s.csi.moveDataByDefault);

// ---- the Data protection tab's contracts ------------------------------------------------------------------------------

export const VELERO_OPERATION_PHASES = [
  "PENDING",
  "RENDERING",
  "REVIEW",
  "APPLYING",
  "ROLLING_OUT",
  "VERIFYING",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
] as const;

/** An operation in one of these is still running (one at a time per cluster). */
export const ACTIVE_PHASES = ["PENDING", "RENDERING", "REVIEW", "APPLYING", "ROLLING_OUT", "VERIFYING"] as const;

/** Whether an install failed after it had applied something (Lifeboat's own objects are on the cluster, not another's). */
export const appliedBeforeFailing = (op: { kind: string; phase: string; steps: unknown }) =>
  op.kind === "INSTALL" &&
  op.phase === "FAILED" &&
  Array.isArray(op.steps) &&
  op.steps.some((s: { name?: string; state?: string }) => s.name === "crds" && s.state === "done");

const operationStep = z.object({
  name: z.string(),
  state: z.enum(["running", "done", "failed"]),
  at: z.string(),
  message: z.string().optional(),
});

/** One install (and later configure, upgrade, removal) as the tab follows it. */
export const veleroOperationSummary = z.object({
  id: z.string(),
  kind: z.enum(["INSTALL", "CONFIGURE", "UPGRADE", "TAKE_OVER", "REPAIR", "DISABLE"]),
  phase: z.enum(VELERO_OPERATION_PHASES),
  version: z.string(),
  message: z.string().nullable(),
  steps: z.array(operationStep),
  progress: z.object({ ready: z.number(), desired: z.number() }).nullable(),
  installerImage: z.string().nullable(),
  renderedDigest: z.string().nullable(),
  objectCount: z.number().int(),
  /**
   * A take-over: someone else's workloads ("Deployment velero/velero") that an apply cannot make what was rendered,
   * deleted and waited for before Lifeboat's are applied (empty otherwise).
   */
  replaces: z.array(z.string()),
  /** A disable: what it was asked to do (null for other kinds). */
  disable: z.object({ backups: z.enum(["keep", "delete"]), deleteCrds: z.boolean() }).nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
});
export type VeleroOperationSummary = z.infer<typeof veleroOperationSummary>;

/** Where an operation is, as a list of clusters follows it (the fleet's versions page). */
export const veleroOperationProgress = veleroOperationSummary.pick({
  kind: true,
  phase: true,
  version: true,
  steps: true,
  progress: true,
});
export type VeleroOperationProgress = z.infer<typeof veleroOperationProgress>;

/** An operation with what the installer rendered, as the operator reviews it: every object as YAML. */
export const veleroOperationDetail = veleroOperationSummary.extend({
  installerMessages: z.array(z.string()),
  /** A settings change, upgrade, take-over or repair: what changes on the cluster, object by object (empty for an install). */
  changes: z.array(z.lazy(() => objectChange)),
  objects: z.array(
    z.object({
      kind: z.string(),
      namespace: z.string().nullable(),
      name: z.string(),
      yaml: z.string(),
      /** Fields Lifeboat set that the installer has no flag for. */
      fromOverlay: z.array(z.string()),
    }),
  ),
});
export type VeleroOperationDetail = z.infer<typeof veleroOperationDetail>;

/** Who runs Velero on a cluster and whether Lifeboat may install it there. */
export const veleroStatus = z.object({
  management: z.enum(["OFF", "ADOPTED", "MANAGED", "DISABLED"]),
  version: z.string().nullable(),
  accessLevel: z.enum(["NONE", "OPERATE", "MANAGE"]),
  missingManageAccess: z.array(z.string()),
  lifeboatNamespace: z.string().nullable(),
  kubernetesVersion: z.string().nullable(),
  appliedSettings: veleroSettings.nullable(),
  /** Velero someone else installed: the settings read from what runs (what "take over" starts from). */
  detectedSettings: veleroSettings.nullable(),
  /** Backups and restores running on the cluster now ("Backup nightly-2026…"): an upgrade refuses or waits for them. */
  busy: z.array(z.string()),
  /** The cluster group whose Velero policy is in force here (its settings, upgrades and removal go there), or null. */
  groupPolicy: z.string().nullable(),
  operation: veleroOperationSummary.nullable(),
});
export type VeleroStatus = z.infer<typeof veleroStatus>;

const digest = z.string().regex(/^[0-9a-f]{64}$/, { message: "A render digest" });
const dnsLabel = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "A namespace name (lowercase letters, digits and -)" });
export const veleroInstallInput = z.object({
  settings: veleroSettings,
  /** Where the installer Job runs when Lifeboat cannot tell its own namespace (a kubeconfig that is not a service account). */
  lifeboatNamespace: dnsLabel.optional(),
});
export const veleroApproveInput = z.object({ operationId: z.string().min(1).max(64), digest });
export const veleroOperationRef = z.object({ operationId: z.string().min(1).max(64) });

// ---- after the install: settings, upgrade, take-over, drift, removal (#12 §2, §3) -------------------------------------

/** While a backup or restore runs on the cluster, an upgrade (or a settings change) is refused, or waits for it. */
export const WHEN_BUSY = ["refuse", "wait"] as const;

/**
 * Change a Lifeboat-managed Velero: the same settings as the install. A different version is an upgrade (CRDs first,
 * then the workloads); the same version is a settings change. Either is rendered by the version's own installer and
 * previewed as a diff of what runs on the cluster before anything is applied.
 */
export const veleroChangeInput = z.object({ settings: veleroSettings, whenBusy: z.enum(WHEN_BUSY) });
export type VeleroChangeInput = z.infer<typeof veleroChangeInput>;

/** Take over a Velero someone else installed: render it with these settings, show the diff, apply under Lifeboat. */
export const veleroTakeOverInput = z.object({
  settings: veleroSettings,
  whenBusy: z.enum(WHEN_BUSY),
  lifeboatNamespace: dnsLabel.optional(),
});

/** Remove Velero from a cluster (data protection off). The cluster's name is typed to confirm. */
export const veleroDisableInput = z.object({
  /** keep: the backups stay in storage, restorable into another cluster; delete: DeleteBackupRequests first. */
  backups: z.enum(["keep", "delete"]),
  /** Velero's CustomResourceDefinitions stay unless asked (other tools, or a later install, may use them). */
  deleteCrds: z.boolean(),
  confirmName: z.string().min(1).max(253),
});
export type VeleroDisableInput = z.infer<typeof veleroDisableInput>;

/** One line of a diff between what runs on the cluster and what would be applied. */
export const diffLine = z.object({ op: z.enum([" ", "+", "-"]), text: z.string() });
/** One object's change in a settings change, upgrade or take-over, or its drift from what Lifeboat applied. */
export const objectChange = z.object({
  kind: z.string(),
  namespace: z.string().nullable(),
  name: z.string(),
  change: z.enum(["create", "update", "delete", "same"]),
  /** A unified diff of the YAML (only the fields Lifeboat sets), context lines cut to a few around each change. */
  lines: z.array(diffLine),
});
export type ObjectChange = z.infer<typeof objectChange>;

/** How Velero's objects on the cluster differ from what Lifeboat last applied (someone edited them by hand). */
export const veleroDrift = z.object({
  /** null: nothing Lifeboat applied to compare with (not managed). */
  checkedAt: z.date().nullable(),
  drifted: z.boolean(),
  objects: z.array(objectChange),
});
export type VeleroDrift = z.infer<typeof veleroDrift>;
