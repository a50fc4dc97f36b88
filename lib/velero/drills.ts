import type { DrillEvidenceRow, DrillNamespaceCheck, DrillRestoreFacts } from "../schemas/drill";
import { isTerminal } from "./phases";
import { isDnsLabel, sha256Hex } from "./names";

// Restore drills (#14 §4), the pure rules: the drill namespace each source namespace is restored into, the verdict of
// the restore and of the checks that follow it, the recovery time, and the evidence a group's drills add up to. No
// I/O and no clock of its own (the caller passes the times), safe in the browser.

/** On the Restore a drill creates, and on the drill namespaces: the drill's id. */
export const DRILL_LABEL = "lifeboat.io/drill";
/** What Velero puts on the objects a restore writes (velero-api.md §2.2); Lifeboat puts it on the drill namespaces. */
export const RESTORE_NAME_LABEL = "velero.io/restore-name";

const NAME_MAX = 63;
const HASH_LEN = 6;

/** yyyymmdd of a date, in UTC. */
export function drillDate(day: Date): string {
  if (!(day instanceof Date) || Number.isNaN(day.getTime())) throw new RangeError("day must be a valid Date");
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(day.getUTCFullYear(), 4)}${p(day.getUTCMonth() + 1)}${p(day.getUTCDate())}`;
}

/** `<ns><tail>`, or, when longer than a namespace name may be, the source cut short plus 6 hex of its hash. */
function fit(source: string, tail: string): string {
  const whole = `${source}${tail}`;
  if (whole.length <= NAME_MAX) return whole;
  const head = source.slice(0, NAME_MAX - tail.length - HASH_LEN - 1).replace(/-+$/, "");
  return `${head}-${sha256Hex(source).slice(0, HASH_LEN)}${tail}`;
}

/**
 * The drill namespace of each source namespace: `<ns>-drill-<yyyymmdd>`, a valid namespace name (a DNS label of at
 * most 63 characters: a long source is cut and given 6 hex characters of its hash, so two long sources never share
 * one). A name that is `taken` (a namespace the target has, say one a kept drill of the same day left), that is one of
 * the drill's own source namespaces, or that another source of the drill already got, gets a counter (`-2`, `-3` …).
 * Sources are taken in sorted order, so the same inputs always give the same names.
 */
export function drillNamespaces(
  sources: readonly string[],
  day: Date,
  taken: Iterable<string> = [],
): Record<string, string> {
  const unique = [...new Set(sources)].sort();
  for (const s of unique) if (!isDnsLabel(s)) throw new RangeError(`"${s}" is not a namespace name`);
  const avoid = new Set<string>([...taken, ...unique]);
  const suffix = `-drill-${drillDate(day)}`;
  const out: Record<string, string> = {};
  for (const source of unique) {
    for (let n = 1; ; n++) {
      const name = fit(source, n === 1 ? suffix : `${suffix}-${n}`);
      if (avoid.has(name)) continue;
      avoid.add(name);
      out[source] = name;
      break;
    }
  }
  return out;
}

/** Is the Restore over (whatever its outcome)? */
export const restoreFinished = (phase: string | null | undefined) => isTerminal("Restore", phase ?? "New");

/**
 * Why the restore itself fails the drill, or null: it failed validation, failed, or partially failed (Velero's word
 * for a restore with errors). Warnings alone (objects that existed, say) do not fail it.
 */
export function restoreFailure(r: DrillRestoreFacts): string | null {
  const reason = r.failureReason ? `: ${r.failureReason}` : "";
  switch (r.phase) {
    case "FailedValidation":
      return `Velero refused the restore: ${r.validationErrors.join("; ") || "no reason given"}`;
    case "Failed":
      return `The restore failed${reason || ": no reason given"}`;
    case "PartiallyFailed":
    case "WaitingForPluginOperationsPartiallyFailed":
    case "FinalizingPartiallyFailed":
      return `The restore partially failed with ${r.errors} error${r.errors === 1 ? "" : "s"}${reason}`;
    default:
      return r.errors > 0 ? `The restore reported ${r.errors} error${r.errors === 1 ? "" : "s"}${reason}` : null;
  }
}

/** What in a drill namespace is not (yet) as it should be, in the operator's words. */
export function namespaceProblems(c: DrillNamespaceCheck): string[] {
  if (!c.exists) return [`nothing of ${c.source} came back (${c.namespace} was not made by the restore)`];
  const out: string[] = [];
  const more = (shown: number, total: number) => (total > shown ? ` and ${total - shown} more` : "");
  const unbound = c.claims.total - c.claims.bound;
  if (unbound > 0)
    out.push(
      `claim${unbound === 1 ? "" : "s"} ${c.claims.notBound.map((n) => `${c.namespace}/${n}`).join(", ")}` +
        `${more(c.claims.notBound.length, unbound)} not Bound`,
    );
  const unready = c.pods.total - c.pods.ready;
  const pods = c.pods.notReady.map((p) => `${c.namespace}/${p.name} (${p.reason})`).join(", ");
  if (unready > 0) out.push(`pod${unready === 1 ? "" : "s"} ${pods}${more(c.pods.notReady.length, unready)} not Ready`);
  const waiting = c.workloads ? c.workloads.total - c.workloads.ready : 0;
  if (c.workloads && waiting > 0) {
    const names = c.workloads.notReady.map((n) => `${c.namespace}/${n}`).join(", ");
    out.push(`${names}${more(c.workloads.notReady.length, waiting)} without all replicas ready`);
  }
  return out;
}

export type VerifyOutcome =
  { state: "passed" } | { state: "waiting"; problems: string[] } | { state: "failed"; reason: string };

const seconds = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 120 && s % 60 === 0 ? `${s / 60} minutes` : `${s} s`;
};

/**
 * The checks after the restore: passed when every drill namespace exists and every claim is Bound, every pod Ready
 * and every workload has its replicas ready; failed at once when a namespace was never made (the restore is over, so
 * it never will be), or when something is still not ready `timeoutMs` after the restore finished; waiting otherwise.
 */
export function verifyOutcome(
  checks: readonly DrillNamespaceCheck[],
  elapsedMs: number,
  timeoutMs: number,
): VerifyOutcome {
  const missing = checks.filter((c) => !c.exists);
  if (missing.length) return { state: "failed", reason: missing.flatMap(namespaceProblems).join("; ") };
  const problems = checks.flatMap(namespaceProblems);
  if (!problems.length) return { state: "passed" };
  if (elapsedMs >= timeoutMs) {
    const shown = problems.slice(0, 5).join("; ");
    const rest = problems.length > 5 ? `; and ${problems.length - 5} more` : "";
    return { state: "failed", reason: `Not ready ${seconds(timeoutMs)} after the restore: ${shown}${rest}` };
  }
  return { state: "waiting", problems };
}

/** The measured recovery time: from the drill's start to the restore done and every check passed, in whole seconds. */
export function recoverySeconds(startedAt: Date, verifiedAt: Date): number {
  return Math.max(0, Math.round((verifiedAt.getTime() - startedAt.getTime()) / 1000));
}

// ---------------------------------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------------------------------

/** A finished drill, as the evidence report reads it. */
export interface FinishedDrill {
  id: string;
  /** The cluster whose namespaces were proven (the backup's). */
  sourceClusterId: string;
  namespaces: readonly string[];
  verdict: "PASSED" | "FAILED";
  /** When it was proven (its checks passed) or when it failed. */
  at: Date;
  backupName: string;
  targetClusterId: string | null;
  targetClusterName: string | null;
  recoverySeconds: number | null;
  failureReason: string | null;
}

/**
 * Per source namespace of the given clusters: the last drill that passed (when, how long the recovery took), and the
 * latest failed drill after it (or the latest failed one, when none passed). Sorted by cluster name, then namespace.
 */
export function evidenceRows(
  clusters: readonly { id: string; name: string }[],
  drills: readonly FinishedDrill[],
): DrillEvidenceRow[] {
  const names = new Map(clusters.map((c) => [c.id, c.name]));
  const byKey = new Map<string, { clusterId: string; namespace: string; drills: FinishedDrill[] }>();
  for (const d of drills) {
    if (!names.has(d.sourceClusterId)) continue;
    for (const namespace of new Set(d.namespaces)) {
      const key = `${d.sourceClusterId}\u0000${namespace}`;
      const entry = byKey.get(key) ?? { clusterId: d.sourceClusterId, namespace, drills: [] };
      entry.drills.push(d);
      byKey.set(key, entry);
    }
  }
  const view = (d: FinishedDrill | undefined) =>
    d
      ? {
          drillId: d.id,
          at: d.at,
          backupName: d.backupName,
          targetClusterId: d.targetClusterId,
          targetClusterName: d.targetClusterName,
          recoverySeconds: d.recoverySeconds,
          failureReason: d.failureReason,
        }
      : null;
  const rows = [...byKey.values()].map((e) => {
    const newestFirst = [...e.drills].sort((a, b) => b.at.getTime() - a.at.getTime());
    const lastPassed = newestFirst.find((d) => d.verdict === "PASSED");
    const failedSince = newestFirst.find(
      (d) => d.verdict === "FAILED" && (!lastPassed || d.at.getTime() > lastPassed.at.getTime()),
    );
    return {
      clusterId: e.clusterId,
      clusterName: names.get(e.clusterId)!,
      namespace: e.namespace,
      lastPassed: view(lastPassed),
      failedSince: view(failedSince),
      drills: e.drills.length,
    };
  });
  return rows.sort((a, b) =>
    a.clusterName === b.clusterName
      ? a.namespace.localeCompare(b.namespace)
      : a.clusterName.localeCompare(b.clusterName),
  );
}
