import { z } from "zod";
import { restoreInput } from "../schemas/protection";
import { tryParseLabelSelectors } from "../velero/label-selector";
import { splitList } from "./backup-form";
import { addIssuesFrom, type FieldOf } from "./server-errors";

// The restore wizard's form: what the operator types, how it becomes restoreInput (lib/schemas/protection.ts), and
// which field each of that schema's paths belongs to, down to the row of a namespace or storage-class mapping.

export interface Pair {
  from: string;
  to: string;
}

export interface RestoreFormValues {
  clusterId: string;
  backupName: string;
  scope: "all" | "namespaces" | "excludeNamespaces" | "labels";
  namespaces: string;
  selectors: string;
  includeResources: string;
  excludeResources: string;
  clusterResources: "auto" | "yes" | "no";
  nsMap: Pair[];
  scMap: Pair[];
  restorePVs: boolean;
  policy: "none" | "update";
}

type MapField = `${"nsMap" | "scMap"}.${number}.${"from" | "to"}`;
export type RestoreFormField = Exclude<keyof RestoreFormValues, "nsMap" | "scMap"> | MapField;

export const restoreFormDefaults = (initial?: { clusterId: string; backupName: string }): RestoreFormValues => ({
  clusterId: initial?.clusterId ?? "",
  backupName: initial?.backupName ?? "",
  scope: "all",
  namespaces: "",
  selectors: "",
  includeResources: "",
  excludeResources: "",
  clusterResources: "auto",
  nsMap: [],
  scMap: [],
  restorePVs: true,
  policy: "none",
});

const trimmed = (pairs: Pair[]) => pairs.map((p) => ({ from: p.from.trim(), to: p.to.trim() }));
const toRecord = (pairs: Pair[]) =>
  Object.fromEntries(
    trimmed(pairs)
      .filter((p) => p.from && p.to)
      .map((p) => [p.from, p.to]),
  );

/** The procedure's `spec`: the form's text made into restoreInput's shape. */
export function toRestoreInput(v: RestoreFormValues): z.input<typeof restoreInput> {
  const sel = tryParseLabelSelectors(v.selectors);
  return {
    scope:
      v.scope === "all"
        ? { kind: "all" }
        : v.scope === "namespaces"
          ? { kind: "namespaces", include: splitList(v.namespaces) }
          : v.scope === "excludeNamespaces"
            ? { kind: "excludeNamespaces", exclude: splitList(v.namespaces) }
            : { kind: "labels", selectors: typeof sel === "string" ? [] : sel },
    resources: { include: splitList(v.includeResources), exclude: splitList(v.excludeResources) },
    includeClusterResources: v.clusterResources === "auto" ? null : v.clusterResources === "yes",
    namespaceMapping: toRecord(v.nsMap),
    storageClassMapping: toRecord(v.scMap),
    restorePVs: v.restorePVs,
    existingResourcePolicy: v.policy,
  };
}

/**
 * The field a path of restoreInput (or the procedure's own input) belongs to, given the form's values: a mapping's
 * problem goes to the row it names, on the side its message quotes.
 */
export function restoreFieldOf(v: RestoreFormValues): FieldOf<RestoreFormField> {
  const row = (
    list: "nsMap" | "scMap",
    from: string | undefined,
    message: string | undefined,
  ): RestoreFormField | null => {
    const i = trimmed(v[list]).findIndex((p) => p.from === from);
    if (i < 0) return null;
    const to = trimmed(v[list])[i].to;
    return `${list}.${i}.${message?.includes(`"${to}"`) ? "to" : "from"}`;
  };
  return ([a, b], message) => {
    switch (a) {
      case "scope":
        return b === "selectors" ? "selectors" : b === "include" || b === "exclude" ? "namespaces" : "scope";
      case "resources":
        return b === "exclude" ? "excludeResources" : "includeResources";
      case "includeClusterResources":
        return "clusterResources";
      case "namespaceMapping":
        return row("nsMap", b, message);
      case "storageClassMapping":
        return row("scMap", b, message);
      case "existingResourcePolicy":
        return "policy";
      case "restorePVs":
      case "clusterId":
      case "backupName":
        return a;
      default:
        return null;
    }
  };
}

const pair = z.object({ from: z.string(), to: z.string() });
const shape = z.object({
  clusterId: z.string(),
  backupName: z.string(),
  scope: z.enum(["all", "namespaces", "excludeNamespaces", "labels"]),
  namespaces: z.string(),
  selectors: z.string(),
  includeResources: z.string(),
  excludeResources: z.string(),
  clusterResources: z.enum(["auto", "yes", "no"]),
  nsMap: z.array(pair),
  scMap: z.array(pair),
  restorePVs: z.boolean(),
  policy: z.enum(["none", "update"]),
}) satisfies z.ZodType<RestoreFormValues>;

/**
 * The wizard's schema: a cluster the user may restore into, a backup it can restore from, and restoreInput's own
 * rules; a mapping row needs both names.
 */
export function restoreFormSchema(opts: { clusterOk: (id: string) => boolean; backupOk: (name: string) => boolean }) {
  return shape.superRefine((v, ctx) => {
    const issue = (path: RestoreFormField, message: string) =>
      ctx.addIssue({ code: "custom", path: path.split("."), message });
    if (!opts.clusterOk(v.clusterId)) issue("clusterId", "Choose the cluster to restore into");
    if (!opts.backupOk(v.backupName)) issue("backupName", "Choose a backup");
    if (v.scope === "labels") {
      const sel = tryParseLabelSelectors(v.selectors);
      if (typeof sel === "string") issue("selectors", sel);
    }
    for (const [list, what] of [
      ["nsMap", "namespace"],
      ["scMap", "storage-class"],
    ] as const) {
      trimmed(v[list]).forEach((p, i) => {
        if (Boolean(p.from) !== Boolean(p.to))
          issue(`${list}.${i}.${p.from ? "to" : "from"}`, `Give each ${what} mapping both names, or remove the row`);
      });
    }
    addIssuesFrom(ctx, restoreInput, toRestoreInput(v), restoreFieldOf(v));
  });
}
