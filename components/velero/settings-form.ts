import { z } from "zod";
import {
  DEFAULT_VELERO_SETTINGS,
  veleroSettings,
  WHEN_BUSY,
  type Toleration,
  type VeleroSettings,
} from "@/lib/schemas/velero";
import { addIssuesFrom, type FieldOf } from "@/lib/forms/server-errors";
import { splitList } from "@/lib/forms/backup-form";
import { canonicalJson } from "@/lib/json/canonical";

// The Velero settings dialog's form (components/velero/EnableVeleroDialog.tsx): what the operator types, how it becomes
// veleroSettings (lib/schemas/velero.ts), and which field each of that schema's paths belongs to, down to the row of a
// node label or a toleration. The form validates with the schema itself, so it refuses exactly what the server would.
// Pure.

export interface SelectorRow {
  key: string;
  value: string;
}

export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

export interface TolerationRow {
  key: string;
  operator: Toleration["operator"];
  value: string;
  /** "" tolerates every effect. */
  effect: "" | (typeof TAINT_EFFECTS)[number];
}

type PodResourcesText = VeleroSettings["resources"]["velero"];

export interface SettingsFormValues {
  version: string;
  /** "" is Docker Hub. */
  registryText: string;
  fsBackup: VeleroSettings["fsBackup"];
  csi: VeleroSettings["csi"];
  privilegedNodeAgent: boolean;
  /** Secret names, comma-separated. */
  pullSecretsText: string;
  resources: { velero: PodResourcesText; nodeAgent: PodResourcesText };
  nodeSelector: SelectorRow[];
  tolerations: TolerationRow[];
  whenBusy: (typeof WHEN_BUSY)[number];
}

/** The fields of the dialog's "Advanced" section (a path under one of them is in it). */
export const ADVANCED_FIELDS = ["pullSecretsText", "resources", "nodeSelector", "tolerations"] as const;

/** The most tolerations the settings take (the schema's limit; the dialog stops offering rows there). */
export const MAX_TOLERATIONS = 20;

export const emptySelectorRow = (): SelectorRow => ({ key: "", value: "" });
export const emptyTolerationRow = (): TolerationRow => ({ key: "", operator: "Equal", value: "", effect: "" });

/** The form as it opens from settings (applied, detected or the defaults); CSI off where the cluster cannot do it. */
export function settingsFormDefaults(
  start: VeleroSettings,
  o: { version?: string; csiOk: boolean },
): SettingsFormValues {
  return {
    version: o.version ?? start.version,
    registryText: start.registry ?? "",
    fsBackup: { ...start.fsBackup },
    csi: o.csiOk ? { ...start.csi } : { enabled: false, moveDataByDefault: false },
    privilegedNodeAgent: start.privilegedNodeAgent,
    pullSecretsText: start.imagePullSecrets.join(", "),
    resources: { velero: { ...start.resources.velero }, nodeAgent: { ...start.resources.nodeAgent } },
    nodeSelector: Object.entries(start.nodeAgent.nodeSelector).map(([key, value]) => ({ key, value })),
    tolerations: start.nodeAgent.tolerations.map((t) => ({
      key: t.key ?? "",
      operator: t.operator,
      value: t.value ?? "",
      effect: t.effect ?? "",
    })),
    whenBusy: "refuse",
  };
}

/** Whether settings set anything the "Advanced" section holds (it then opens expanded). */
export function hasAdvancedSettings(s: VeleroSettings): boolean {
  return (
    s.imagePullSecrets.length > 0 ||
    canonicalJson(s.resources) !== canonicalJson(DEFAULT_VELERO_SETTINGS.resources) ||
    Object.keys(s.nodeAgent.nodeSelector).length > 0 ||
    s.nodeAgent.tolerations.length > 0
  );
}

/** Whether a field (its top-level name) is in the "Advanced" section. */
export const isAdvancedField = (name: string) => (ADVANCED_FIELDS as readonly string[]).includes(name);

/** Whether a form error (react-hook-form's errors, by top-level field) belongs to the "Advanced" section. */
export const advancedInvalid = (errors: Record<string, unknown>) =>
  ADVANCED_FIELDS.some((f) => errors[f] !== undefined);

const trimmedRows = (rows: SelectorRow[]) => rows.map((r) => ({ key: r.key.trim(), value: r.value.trim() }));

function toToleration(r: TolerationRow): Toleration {
  const key = r.key.trim();
  const value = r.value.trim();
  return {
    ...(key ? { key } : {}),
    operator: r.operator,
    ...(value ? { value } : {}),
    ...(r.effect ? { effect: r.effect } : {}),
  };
}

/** The settings as the operator typed them, in veleroSettings' shape (not yet validated). */
export function toSettingsInput(v: SettingsFormValues): z.input<typeof veleroSettings> {
  return {
    version: v.version,
    registry: v.registryText.trim() === "" ? null : v.registryText,
    fsBackup: v.fsBackup,
    csi: v.csi,
    privilegedNodeAgent: v.privilegedNodeAgent,
    imagePullSecrets: splitList(v.pullSecretsText),
    resources: v.resources,
    nodeAgent: {
      // A row without a key is no label (the form refuses one with a value), nor is a key's second row.
      nodeSelector: Object.fromEntries(
        trimmedRows(v.nodeSelector)
          .filter((r, i, rows) => r.key && rows.findIndex((x) => x.key === r.key) === i)
          .map((r) => [r.key, r.value]),
      ),
      tolerations: v.tolerations.map(toToleration),
    },
  };
}

/**
 * The field a path of veleroSettings belongs to, given the form's values: a node label's problem goes to the row of its
 * key, on the side its message is about; a toleration's to its row and field; a pull secret's to the list.
 */
export function settingsFieldOf(v: SettingsFormValues): FieldOf<string> {
  return (path, message) => {
    const [a, b, c, d] = path;
    switch (a) {
      case "registry":
        return "registryText";
      case "imagePullSecrets":
        return "pullSecretsText";
      case "version":
      case "privilegedNodeAgent":
        return a;
      case "fsBackup":
      case "csi":
      case "resources":
        return path.join(".");
      case "nodeAgent": {
        if (b === "nodeSelector") {
          const i = trimmedRows(v.nodeSelector).findIndex((r) => r.key === c);
          if (i < 0) return null;
          return `nodeSelector.${i}.${message?.includes("label key") ? "key" : "value"}`;
        }
        if (b === "tolerations" && c !== undefined && Number(c) < v.tolerations.length)
          return `tolerations.${c}.${d === "operator" || d === "value" || d === "effect" ? d : "key"}`;
        return null;
      }
      default:
        return null;
    }
  };
}

/** The field a path of the dialog's procedure input ({ clusterId, settings, whenBusy, … }) belongs to. */
export function settingsInputFieldOf(v: SettingsFormValues): FieldOf<string> {
  const inSettings = settingsFieldOf(v);
  return (path, message) =>
    path[0] === "whenBusy" ? "whenBusy" : path[0] === "settings" ? inSettings(path.slice(1), message) : null;
}

const quantityText = z.string();
const podResourcesText = z.object({
  cpuRequest: quantityText,
  memRequest: quantityText,
  cpuLimit: quantityText,
  memLimit: quantityText,
});
const shape = z.object({
  version: z.string(),
  registryText: z.string(),
  fsBackup: z.object({ enabled: z.boolean(), default: z.enum(["optIn", "optOut"]) }),
  csi: z.object({ enabled: z.boolean(), moveDataByDefault: z.boolean() }),
  privilegedNodeAgent: z.boolean(),
  pullSecretsText: z.string(),
  resources: z.object({ velero: podResourcesText, nodeAgent: podResourcesText }),
  nodeSelector: z.array(z.object({ key: z.string(), value: z.string() })),
  tolerations: z.array(
    z.object({
      key: z.string(),
      operator: z.enum(["Exists", "Equal"]),
      value: z.string(),
      effect: z.enum(["", ...TAINT_EFFECTS]),
    }),
  ),
  whenBusy: z.enum(WHEN_BUSY),
}) satisfies z.ZodType<SettingsFormValues>;

/**
 * The dialog's schema: veleroSettings' own rules on what was typed, each on its field, and the form's (a node label
 * needs its key, once). Its output is what the procedures take: the settings, and what to do while backups run.
 */
export const settingsFormSchema = shape
  .superRefine((v, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: path.split("."), message });
    const seen = new Set<string>();
    trimmedRows(v.nodeSelector).forEach((r, i) => {
      if (!r.key && r.value) issue(`nodeSelector.${i}.key`, "Give the node label's key, or remove the row");
      else if (r.key && seen.has(r.key)) issue(`nodeSelector.${i}.key`, `${r.key} is given twice`);
      seen.add(r.key);
    });
    addIssuesFrom(ctx, veleroSettings, toSettingsInput(v), settingsFieldOf(v));
  })
  .transform((v) => ({ settings: veleroSettings.parse(toSettingsInput(v)), whenBusy: v.whenBusy }));
export type SettingsFormOutput = z.output<typeof settingsFormSchema>;
