import type { PreflightFix } from "../../schemas/preflight";
import type { RestoreFormValues } from "../../forms/restore-form";
import { splitList } from "../../forms/backup-form";

// A pre-flight finding's fix applied to the restore wizard's form (lib/forms/restore-form.ts): the operator sees the
// change in the form, and the next check runs with it. Pure.

export function applyFix(v: RestoreFormValues, fix: PreflightFix): RestoreFormValues {
  switch (fix.kind) {
    case "excludeResources": {
      const have = splitList(v.excludeResources);
      const add = fix.resources.filter((r) => !have.includes(r));
      // An included resource that is now excluded would make Velero's filters contradict each other.
      const include = splitList(v.includeResources).filter((r) => !fix.resources.includes(r));
      return { ...v, excludeResources: [...have, ...add].join(", "), includeResources: include.join(", ") };
    }
    case "mapStorageClass": {
      const rows = v.scMap.filter((p) => p.from.trim() || p.to.trim());
      const i = rows.findIndex((p) => p.from.trim() === fix.from);
      const row = { from: fix.from, to: fix.to };
      return { ...v, scMap: i < 0 ? [...rows, row] : rows.map((p, j) => (j === i ? row : p)) };
    }
    case "includeClusterResources":
      return { ...v, clusterResources: "yes" };
    case "skipVolumeData":
      return { ...v, restorePVs: false };
  }
}

/** Whether the form already carries the fix (the button then says so instead of applying it again). */
export function hasFix(v: RestoreFormValues, fix: PreflightFix): boolean {
  switch (fix.kind) {
    case "excludeResources":
      return fix.resources.every((r) => splitList(v.excludeResources).includes(r));
    case "mapStorageClass":
      return v.scMap.some((p) => p.from.trim() === fix.from && p.to.trim() === fix.to);
    case "includeClusterResources":
      return v.clusterResources === "yes";
    case "skipVolumeData":
      return !v.restorePVs;
  }
}
