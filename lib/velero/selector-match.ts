// Kubernetes label-selector semantics (metav1.LabelSelector), evaluated against an object's labels: what Velero does
// with a Backup's labelSelector / orLabelSelectors when it lists items. Pure, safe in the browser.

export interface SelectorRequirementLike {
  key: string;
  operator: string;
  values?: readonly string[] | null;
}

/** A metav1.LabelSelector as Lifeboat holds it (lib/schemas/protection.ts, lib/velero/coverage/types.ts). */
export interface SelectorLike {
  matchLabels?: Readonly<Record<string, string>> | null;
  matchExpressions?: readonly SelectorRequirementLike[] | null;
}

function requirementMatches(r: SelectorRequirementLike, labels: Readonly<Record<string, string>>): boolean {
  const values = r.values ?? [];
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    // In and NotIn need at least one value, Exists and DoesNotExist none: anything else is not a valid selector
    // (metav1.LabelSelectorAsSelector refuses it), and an invalid selector matches nothing here.
    case "In":
      return values.length > 0 && has && values.includes(labels[r.key]);
    case "NotIn":
      return values.length > 0 && (!has || !values.includes(labels[r.key]));
    case "Exists":
      return values.length === 0 && has;
    case "DoesNotExist":
      return values.length === 0 && !has;
    default:
      return false;
  }
}

/** matchLabels and every matchExpression must hold (AND); the empty selector matches everything. */
export function selectorMatches(selector: SelectorLike, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  }
  return (selector.matchExpressions ?? []).every((r) => requirementMatches(r, labels));
}

/** Velero's orLabelSelectors: any one selector matching is enough (OR); no selector at all matches everything. */
export function anySelectorMatches(
  selectors: readonly SelectorLike[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return selectors.length === 0 || selectors.some((s) => selectorMatches(s, labels));
}
