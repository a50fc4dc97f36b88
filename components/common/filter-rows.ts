import { formatLabelSelector } from "@/lib/velero/label-selector";
import type { ResourceFilters } from "@/lib/schemas/backup";

// What the Backup and Restore detail pages say about the filters both kinds share (velero-api.md §2.1, §2.2).

/** The filters in words, one row each; `allNamespaces` is what no namespace filter means for this kind. */
export function filterRows(f: ResourceFilters, allNamespaces: string): [string, string][] {
  const except = f.excludedResources.length ? `, except ${f.excludedResources.join(", ")}` : "";
  return [
    ["Namespaces", (f.includedNamespaces ?? [allNamespaces]).join(", ")],
    ["Excluded namespaces", f.excludedNamespaces.join(", ") || "—"],
    ["Label selector", f.labelSelectors.length ? f.labelSelectors.map(formatLabelSelector).join("  OR  ") : "—"],
    ["Resource types", `${(f.includedResources ?? ["all"]).join(", ")}${except}`],
    [
      "Cluster-scoped resources",
      f.includeClusterResources === true ? "all" : f.includeClusterResources === false ? "none" : "automatic",
    ],
  ];
}

/** A Velero timestamp in the browser's words, or a dash. */
export const when = (t: Date | null) => (t ? t.toLocaleString() : "—");
