import { isFailed, isRunning, phasesWhere, severity, type BackupPhase } from "@/lib/velero/phases";
import type { BackupFilter } from "./backup";

// The backups list's filter as the page's URL query (?cluster=…&schedule=…&copies=hide), so a filtered list can be
// shared, reloaded and linked to (a schedule's page links to its backups). Unknown or malformed values are dropped, never
// an error: a link is input from anyone.

export const BACKUP_QUERY_KEYS = [
  "cluster",
  "namespace",
  "schedule",
  "location",
  "show",
  "from",
  "to",
  "q",
  "copies",
] as const;
export type BackupQueryKey = (typeof BACKUP_QUERY_KEYS)[number];
export type BackupQuery = Partial<Record<BackupQueryKey, string>>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const valid: Record<BackupQueryKey, (v: string) => boolean> = {
  cluster: (v) => v.length <= 64,
  namespace: (v) => v.length <= 63,
  schedule: (v) => v.length <= 253,
  location: (v) => v.length <= 253,
  show: (v) => /^[a-z]{1,20}$/.test(v),
  from: (v) => DAY.test(v) && !Number.isNaN(Date.parse(v)),
  to: (v) => DAY.test(v) && !Number.isNaN(Date.parse(v)),
  q: (v) => v.length <= 253,
  copies: (v) => v === "hide",
};

/** The known, well-formed, non-empty values of a URL query. */
export function parseBackupQuery(params: { get(key: string): string | null }): BackupQuery {
  const out: BackupQuery = {};
  for (const k of BACKUP_QUERY_KEYS) {
    const v = params.get(k)?.trim();
    if (v && valid[k](v)) out[k] = v;
  }
  return out;
}

/** The query string (without "?") for a filter: keys in a fixed order, empty values left out. */
export function backupQueryString(q: BackupQuery): string {
  const p = new URLSearchParams();
  for (const k of BACKUP_QUERY_KEYS) {
    const v = q[k]?.trim();
    if (v && valid[k](v)) p.set(k, v);
  }
  return p.toString();
}

/**
 * The server's BackupFilter for a query. `from` and `to` are whole days in the browser's time zone (from the start of
 * `from` to the end of `to`); `phasesOf` maps the "Show" choice to Velero's phases.
 */
export function backupQueryToFilter(q: BackupQuery, phasesOf: (show: string) => string[] | undefined): BackupFilter {
  const phases = q.show ? phasesOf(q.show) : undefined;
  return {
    ...(q.cluster ? { clusterId: q.cluster } : {}),
    ...(q.namespace ? { namespace: q.namespace } : {}),
    ...(q.schedule ? { schedule: q.schedule } : {}),
    ...(q.location ? { location: q.location } : {}),
    ...(phases ? { phases } : {}),
    ...(q.from ? { from: new Date(`${q.from}T00:00:00`) } : {}),
    ...(q.to ? { to: new Date(`${q.to}T23:59:59.999`) } : {}),
    ...(q.q ? { search: q.q } : {}),
    ...(q.copies === "hide" ? { hideCopies: true } : {}),
  };
}

/** The list's "Show" choices: Velero's phases grouped the way operators ask. */
export const PHASE_FILTERS = {
  all: { label: "All backups", phases: undefined },
  running: { label: "Running backups", phases: phasesWhere("Backup", (p) => isRunning("Backup", p)) },
  failed: { label: "Failed or partly failed backups", phases: phasesWhere("Backup", (p) => isFailed("Backup", p)) },
  completed: { label: "Completed backups", phases: phasesWhere("Backup", (p) => severity("Backup", p) === "success") },
  deleting: { label: "Backups being deleted", phases: ["Deleting"] },
} as const satisfies Record<string, { label: string; phases: readonly BackupPhase[] | undefined }>;

const phasesOf = (show: string) => {
  const f = PHASE_FILTERS[show as keyof typeof PHASE_FILTERS]?.phases;
  return f ? [...f] : undefined;
};

/** The filter a backups list shows: the URL's, within one cluster's page or one schedule's page when it is one. */
export function backupListQuery(
  params: { get(key: string): string | null },
  within: { clusterId?: string; schedule?: string } = {},
): BackupQuery {
  return {
    ...parseBackupQuery(params),
    ...(within.clusterId ? { cluster: undefined } : {}),
    ...(within.schedule ? { schedule: within.schedule } : {}),
  };
}

/** The backups list's first page as one value, for the page in the browser and the server that prefetches it. */
export const BACKUP_PAGE_SIZE = 100;
export function backupPageInput(q: BackupQuery, clusterId?: string) {
  return { ...backupQueryToFilter(q, phasesOf), ...(clusterId ? { clusterId } : {}), limit: BACKUP_PAGE_SIZE };
}
export const nextBackupPage = (last: { nextCursor?: string | null }) => last.nextCursor ?? undefined;
