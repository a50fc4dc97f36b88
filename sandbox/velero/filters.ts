import { Cluster } from "../kube-api/cluster";
import type { KObject, ResourceType } from "../kube-api/types";

// Velero's include/exclude filters: namespaces with globs (1.18), resources by "resource.group" name, label selectors.

/** Namespace glob per Velero's docs (namespace-glob-patterns.md): *, ?, [abc], [a-z]; everything else literal. */
export function globMatch(pattern: string, value: string): boolean {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i);
      if (end < 0) re += "\\[";
      else {
        re += `[${pattern.slice(i + 1, end).replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(re + "$").test(value);
}

export function namespaceIncluded(ns: string, included: string[] | undefined, excluded: string[] | undefined): boolean {
  const inc = included?.length ? included : ["*"];
  if (!inc.some((p) => globMatch(p, ns))) return false;
  return !(excluded ?? []).some((p) => globMatch(p, ns));
}

/** "deployments.apps", "pods", "backups.velero.io": the name Velero's filters use for a type. */
export const qualifiedName = (rt: { resource: string; group: string }) =>
  rt.group ? `${rt.resource}.${rt.group}` : rt.resource;

/** Does a filter entry name this type (by plural, qualified name, kind or short name, case-insensitive)? */
export function resourceNamed(entry: string, rt: ResourceType): boolean {
  const e = entry.toLowerCase();
  if (e === "*") return true;
  const [name, ...groupParts] = e.split(".");
  const group = groupParts.join(".");
  const names = [rt.resource, rt.singular, rt.kind.toLowerCase(), ...rt.shortNames];
  return names.includes(name) && (!group || group === rt.group);
}

export function resourceIncluded(
  rt: ResourceType,
  included: string[] | undefined,
  excluded: string[] | undefined,
): boolean {
  const inc = included?.length ? included : ["*"];
  if (!inc.some((e) => resourceNamed(e, rt))) return false;
  return !(excluded ?? []).some((e) => e !== "*" && resourceNamed(e, rt)) && !(excluded ?? []).includes("*");
}

/** labelSelector, or any of orLabelSelectors; neither set matches everything. */
export function labelsMatch(spec: { labelSelector?: unknown; orLabelSelectors?: unknown[] }, o: KObject): boolean {
  if (spec.orLabelSelectors?.length)
    return spec.orLabelSelectors.some((s) => Cluster.selectorMatches(s, o.metadata.labels));
  if (spec.labelSelector) return Cluster.selectorMatches(spec.labelSelector, o.metadata.labels);
  return true;
}
