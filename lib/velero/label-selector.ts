import { labelKeyProblem, type LabelSelectorInput } from "../schemas/protection";
import { isLabelValue } from "./names";

// kubectl's label-selector syntax → metav1.LabelSelector, for the wizards: `app=web`, `app==web`, `tier!=db`,
// `env in (prod, staging)`, `env notin (dev)`, `release` (exists), `!legacy` (does not exist), joined by commas (AND).
// Pure, safe in the browser. A selector that does not parse is an error that says where and why.

export class SelectorSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SelectorSyntaxError";
  }
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (depth < 0) throw new SelectorSyntaxError(`"${text.trim()}": a ")" without its "("`);
    if (ch === "," && depth === 0) {
      terms.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (depth > 0) throw new SelectorSyntaxError(`"${text.trim()}": a "(" is not closed`);
  terms.push(cur);
  return terms.map((t) => t.trim());
}

function key(k: string, term: string): string {
  const problem = labelKeyProblem(k);
  if (problem) throw new SelectorSyntaxError(`"${term}": ${problem.replace(/^"[^"]*": /, "the key ")}`);
  return k;
}

function value(v: string, term: string): string {
  if (!isLabelValue(v))
    throw new SelectorSyntaxError(
      `"${term}": "${v}" is not a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`,
    );
  return v;
}

/** One selector (its terms are ANDed). Throws SelectorSyntaxError. */
export function parseLabelSelector(text: string): LabelSelectorInput {
  if (!text.trim()) throw new SelectorSyntaxError("Enter a selector, such as app=web or env in (prod, staging)");
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<LabelSelectorInput["matchExpressions"]> = [];
  for (const term of splitTerms(text)) {
    if (!term) throw new SelectorSyntaxError(`"${text.trim()}": an empty term between commas`);
    let m: RegExpExecArray | null;
    if ((m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/i.exec(term))) {
      const values = m[3].split(",").map((v) => v.trim());
      if (values.some((v) => v === ""))
        throw new SelectorSyntaxError(
          `"${term}": list at least one value between the parentheses, separated by commas`,
        );
      matchExpressions.push({
        key: key(m[1], term),
        operator: m[2].toLowerCase() === "in" ? "In" : "NotIn",
        values: values.map((v) => value(v, term)),
      });
    } else if ((m = /^([^=!\s]+)\s*!=\s*(.*)$/.exec(term))) {
      matchExpressions.push({ key: key(m[1], term), operator: "NotIn", values: [value(m[2].trim(), term)] });
    } else if ((m = /^([^=!\s]+)\s*==?\s*(.*)$/.exec(term))) {
      const k = key(m[1], term);
      const v = value(m[2].trim(), term);
      if (k in matchLabels && matchLabels[k] !== v)
        throw new SelectorSyntaxError(`"${k}" cannot equal both "${matchLabels[k]}" and "${v}"`);
      matchLabels[k] = v;
    } else if ((m = /^!\s*(\S+)$/.exec(term))) {
      matchExpressions.push({ key: key(m[1], term), operator: "DoesNotExist" });
    } else if (/^\S+$/.test(term)) {
      matchExpressions.push({ key: key(term, term), operator: "Exists" });
    } else {
      throw new SelectorSyntaxError(
        `"${term}" is not a selector term: use key=value, key!=value, key in (a, b), key notin (a), key or !key`,
      );
    }
  }
  return {
    ...(Object.keys(matchLabels).length ? { matchLabels } : {}),
    ...(matchExpressions.length ? { matchExpressions } : {}),
  };
}

/** Several selectors, one per line, ORed. Blank lines are ignored; at least one is needed. */
export function parseLabelSelectors(text: string): LabelSelectorInput[] {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  if (!lines.length) throw new SelectorSyntaxError("Enter a selector, such as app=web or env in (prod, staging)");
  return lines.map(parseLabelSelector);
}

/** The same, as a value or the message of what is wrong (for forms). */
export function tryParseLabelSelectors(text: string): LabelSelectorInput[] | string {
  try {
    return parseLabelSelectors(text);
  } catch (e) {
    if (e instanceof SelectorSyntaxError) return e.message;
    throw e;
  }
}

/** metav1.LabelSelector → kubectl syntax (for showing a selector in words). */
export function formatLabelSelector(s: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): string {
  const terms = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === "In") terms.push(`${e.key} in (${(e.values ?? []).join(", ")})`);
    else if (e.operator === "NotIn") terms.push(`${e.key} notin (${(e.values ?? []).join(", ")})`);
    else if (e.operator === "Exists") terms.push(e.key);
    else if (e.operator === "DoesNotExist") terms.push(`!${e.key}`);
  }
  return terms.join(", ");
}
