import { formatLabelSelector } from "@/lib/velero/label-selector";

// What the Backup and Restore detail pages say about the filters both kinds share (velero-api.md §2.1, §2.2).

interface SelectorView {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The filter fields of a Backup's or a Restore's spec. */
export interface FilterSpecView {
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  labelSelector?: SelectorView;
  orLabelSelectors?: SelectorView[];
  includedResources?: string[];
  excludedResources?: string[];
  includeClusterResources?: boolean | null;
}

/** The filters in words, one row each; `allNamespaces` is what no namespace filter means for this kind. */
export function filterRows(spec: FilterSpecView, allNamespaces: string): [string, string][] {
  const selectors = spec.labelSelector ? [spec.labelSelector] : (spec.orLabelSelectors ?? []);
  const except = spec.excludedResources?.length ? `, except ${spec.excludedResources.join(", ")}` : "";
  return [
    ["Namespaces", (spec.includedNamespaces ?? [allNamespaces]).join(", ")],
    ["Excluded namespaces", (spec.excludedNamespaces ?? []).join(", ") || "—"],
    ["Label selector", selectors.length ? selectors.map(formatLabelSelector).join("  OR  ") : "—"],
    ["Resource types", `${(spec.includedResources ?? ["all"]).join(", ")}${except}`],
    [
      "Cluster-scoped resources",
      spec.includeClusterResources === true ? "all" : spec.includeClusterResources === false ? "none" : "automatic",
    ],
  ];
}

/** A Velero timestamp in the browser's words, or a dash. */
export const when = (t?: string) => (t ? new Date(t).toLocaleString() : "—");
