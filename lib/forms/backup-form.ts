import { z } from "zod";
import { backupInput, FS_BACKUP_MODES, scheduleOptions, type BackupInput } from "../schemas/protection";
import { formatLabelSelector, tryParseLabelSelectors } from "../velero/label-selector";
import { TTL_UNITS } from "../velero/duration";
import { addIssuesFrom, type FieldOf } from "./server-errors";

// The backup and schedule wizard's form: what the operator types (lists as text, selectors in kubectl syntax), how it
// becomes the procedure's input (lib/schemas/protection.ts backupInput, scheduleOptions), and which field each of
// that schema's paths belongs to. The form validates with the server's schema itself, through addIssuesFrom.

export interface BackupFormValues {
  clusterId: string;
  /** A new schedule's name, before the cluster prefix. */
  base: string;
  scope: "cluster" | "namespaces" | "excludeNamespaces" | "labels";
  /** Comma-separated namespaces or globs, included or excluded by `scope`. */
  namespaces: string;
  /** Label selectors in kubectl syntax, one per line (ORed). */
  selector: string;
  labelMode: "include" | "exclude";
  includeResources: string;
  excludeResources: string;
  clusterResources: "auto" | "yes" | "no";
  fsBackup: (typeof FS_BACKUP_MODES)[number];
  csi: boolean;
  move: boolean;
  location: string;
  ttl: { value: number; unit: (typeof TTL_UNITS)[number] };
  cron: string;
  paused: boolean;
  skipImmediately: boolean;
  ownBackups: boolean;
}

export type BackupFormField = Exclude<keyof BackupFormValues, "ttl"> | "ttl.value" | "ttl.unit";

/** What the chosen cluster offers: the volume options depend on it. */
export interface BackupCapabilities {
  /** node-agent runs: file-system backup (and data movement) work. */
  nodeAgent: boolean;
  /** EnableCSI with a VolumeSnapshotClass: CSI snapshots work. */
  csi: boolean;
}

/** "a, b,,c " → ["a", "b", "c"]. */
export const splitList = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** The form as it opens: a new backup's defaults, or a Schedule's stored input when editing it. */
export function backupFormDefaults(edit?: {
  input: BackupInput;
  cron: string;
  paused: boolean;
  skipImmediately: boolean | null;
  clusterId: string;
}): BackupFormValues {
  const scope = edit?.input.scope;
  return {
    clusterId: edit?.clusterId ?? "",
    base: "nightly",
    scope: scope?.kind ?? "namespaces",
    namespaces:
      scope?.kind === "namespaces"
        ? scope.include.join(", ")
        : scope?.kind === "excludeNamespaces"
          ? scope.exclude.join(", ")
          : "",
    selector: scope?.kind === "labels" ? scope.selectors.map(formatLabelSelector).join("\n") : "",
    labelMode: scope?.kind === "labels" ? scope.mode : "include",
    includeResources: (edit?.input.resources?.include ?? []).join(", "),
    excludeResources: (edit?.input.resources?.exclude ?? []).join(", "),
    clusterResources:
      edit?.input.includeClusterResources == null ? "auto" : edit.input.includeClusterResources ? "yes" : "no",
    fsBackup: edit?.input.volumes.fsBackup ?? "optIn",
    csi: edit?.input.volumes.csiSnapshots ?? true,
    move: edit?.input.volumes.dataMovement ?? false,
    location: edit?.input.location ?? "",
    ttl: edit?.input.ttl ?? { value: 30, unit: "days" },
    cron: edit?.cron ?? "0 2 * * *",
    paused: edit?.paused ?? false,
    skipImmediately: edit?.skipImmediately ?? false,
    ownBackups: false,
  };
}

/** The procedure's `spec`: the form's text made into backupInput's shape; options the cluster lacks are off. */
export function toBackupInput(v: BackupFormValues, caps: BackupCapabilities): z.input<typeof backupInput> {
  const sel = tryParseLabelSelectors(v.selector);
  const scope: z.input<typeof backupInput>["scope"] =
    v.scope === "cluster"
      ? { kind: "cluster" }
      : v.scope === "namespaces"
        ? { kind: "namespaces", include: splitList(v.namespaces) }
        : v.scope === "excludeNamespaces"
          ? { kind: "excludeNamespaces", exclude: splitList(v.namespaces) }
          : { kind: "labels", selectors: typeof sel === "string" ? [] : sel, mode: v.labelMode };
  const resources = { include: splitList(v.includeResources), exclude: splitList(v.excludeResources) };
  return {
    ...(resources.include.length || resources.exclude.length ? { resources } : {}),
    ...(v.clusterResources === "auto" ? {} : { includeClusterResources: v.clusterResources === "yes" }),
    scope,
    volumes: {
      fsBackup: caps.nodeAgent ? v.fsBackup : "off",
      csiSnapshots: caps.csi && v.csi,
      dataMovement: caps.csi && caps.nodeAgent && v.csi && v.move,
    },
    location: v.location,
    ttl: v.ttl,
  };
}

/** The field a path of backupInput, scheduleOptions or the procedures' own input belongs to. */
export const backupFieldOf: FieldOf<BackupFormField> = ([a, b]) => {
  switch (a) {
    case "scope":
      return b === "selectors" ? "selector" : b === "include" || b === "exclude" ? "namespaces" : "scope";
    case "resources":
      return b === "exclude" ? "excludeResources" : "includeResources";
    case "includeClusterResources":
      return "clusterResources";
    case "volumes":
      return b === "dataMovement" ? "move" : b === "csiSnapshots" ? "csi" : "fsBackup";
    case "ttl":
      return b === "unit" ? "ttl.unit" : "ttl.value";
    case "useOwnerReferencesInBackup":
      return "ownBackups";
    case "location":
    case "clusterId":
    case "cron":
    case "paused":
    case "skipImmediately":
      return a;
    default:
      return null;
  }
};

const shape = z.object({
  clusterId: z.string(),
  base: z.string(),
  scope: z.enum(["cluster", "namespaces", "excludeNamespaces", "labels"]),
  namespaces: z.string(),
  selector: z.string(),
  labelMode: z.enum(["include", "exclude"]),
  includeResources: z.string(),
  excludeResources: z.string(),
  clusterResources: z.enum(["auto", "yes", "no"]),
  fsBackup: z.enum(FS_BACKUP_MODES),
  csi: z.boolean(),
  move: z.boolean(),
  location: z.string(),
  ttl: z.object({ value: z.number({ error: "Enter a number" }), unit: z.enum(TTL_UNITS) }),
  cron: z.string(),
  paused: z.boolean(),
  skipImmediately: z.boolean(),
  ownBackups: z.boolean(),
}) satisfies z.ZodType<BackupFormValues>;

/**
 * The wizard's schema. `capabilities(clusterId)` is null for a cluster the user may not back up (or that has no
 * Velero), and `clusterProblem` says why in that case. A schedule also checks its cron expression, and a new one
 * its name.
 */
export function backupFormSchema(opts: {
  capabilities: (clusterId: string) => BackupCapabilities | null;
  clusterProblem: string;
  schedule: boolean;
  named: boolean;
}) {
  return shape.superRefine((v, ctx) => {
    const issue = (path: BackupFormField, message: string) =>
      ctx.addIssue({ code: "custom", path: path.split("."), message });
    const caps = opts.capabilities(v.clusterId);
    if (!caps) issue("clusterId", v.clusterId ? opts.clusterProblem : "Choose a cluster");
    if (opts.named && !v.base.trim()) issue("base", "Enter a name for the schedule");
    if (v.scope === "labels") {
      const sel = tryParseLabelSelectors(v.selector);
      if (typeof sel === "string") issue("selector", sel);
    }
    if (!v.location) issue("location", "Choose a target location");
    addIssuesFrom(ctx, backupInput, toBackupInput(v, caps ?? { nodeAgent: false, csi: false }), backupFieldOf);
    if (opts.schedule) addIssuesFrom(ctx, scheduleOptions.pick({ cron: true }), { cron: v.cron }, backupFieldOf);
  });
}
