import type { Deps } from "../../composition";
import { AppError } from "../../errors";
import { ClusterError } from "../../kube/errors";
import type { ScopedCluster } from "../../trpc/scoped";
import { noSuchNamespace } from "@/lib/text/did-you-mean";
import type { PreviewNote } from "@/lib/schemas/backup";

// The namespaces a wizard names, checked against the cluster: a typo is flagged ("did you mean …?"), and a restore
// into a namespace that already holds workloads says what the existing-object policy will do there.

const isGlob = (ns: string) => /[*?[\]]/.test(ns);

/** The cluster's namespaces, read live (the scope step checks typed names against them). */
export async function clusterNamespaces(d: Deps, c: ScopedCluster): Promise<string[]> {
  try {
    return await d.kube.listNamespaces(await d.clusters.forCluster(c.id));
  } catch (e) {
    if (e instanceof ClusterError)
      throw new AppError("PRECONDITION_FAILED", `Could not list the namespaces of ${c.name} (${e.kind}): ${e.message}`);
    throw e;
  }
}

/** Notes for the namespaces a backup names that the cluster does not have. */
export async function missingNamespaceNotes(d: Deps, c: ScopedCluster, typed: string[]): Promise<PreviewNote[]> {
  const named = typed.filter((n) => !isGlob(n));
  if (!named.length) return [];
  let known: string[];
  try {
    known = await clusterNamespaces(d, c);
  } catch (e) {
    // The check is advice: a cluster that cannot answer now still gets its manifest reviewed, with the reason.
    if (!(e instanceof AppError)) throw e;
    return [{ code: "namespaces-unchecked", severity: "info", text: `${e.message}; the names were not checked.` }];
  }
  return named.flatMap((ns) => {
    const text = noSuchNamespace(ns, known, c.name);
    return text ? [{ code: `no-namespace:${ns}`, severity: "warning" as const, text }] : [];
  });
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Restoring into namespaces that already exist: what they hold, and what the existing-object policy does there. */
export async function existingNamespaceNotes(
  d: Deps,
  c: ScopedCluster,
  targets: string[],
  policy: "none" | "update",
): Promise<PreviewNote[]> {
  const named = [...new Set(targets.filter((n) => !isGlob(n)))];
  if (!named.length) return [];
  try {
    const client = await d.clusters.forCluster(c.id);
    const known = new Set(await d.kube.listNamespaces(client));
    const notes: PreviewNote[] = [];
    for (const ns of named.filter((n) => known.has(n))) {
      const { pods, pvcs } = await d.kube.namespaceContents(client, ns);
      const holds =
        pods || pvcs ? ` and holds ${count(pods, "pod", "pods")} and ${count(pvcs, "claim", "claims")}` : "";
      const what =
        policy === "update"
          ? "objects of the backup that already exist there are updated (patched) to their backed-up state"
          : "objects of the backup that already exist there are skipped, each reported as a warning, and stay as they are";
      notes.push({
        code: `namespace-exists:${ns}`,
        severity: pods || pvcs ? "warning" : "info",
        text: `${ns} already exists on ${c.name}${holds}: ${what}.`,
      });
    }
    return notes;
  } catch (e) {
    if (e instanceof ClusterError)
      throw new AppError("PRECONDITION_FAILED", `Could not read the namespaces of ${c.name} (${e.kind}): ${e.message}`);
    throw e;
  }
}
