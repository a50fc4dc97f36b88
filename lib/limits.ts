// The caps on what Lifeboat holds, in one place. Everything an attached cluster sends is untrusted input (issue #9 §1):
// whoever can write a Velero object in one cluster, or answer its API calls, must not be able to make the console hold
// unbounded memory or rows. Past a sync cap, sync of that kind on that cluster stops with a lastError that says which
// cap and by how much (the cluster page's sync table shows it) and is retried with the normal backoff; other kinds and
// other clusters go on. The cluster port's own caps (one answer, one watch line) live in server/kube/session.ts.

/** How many rows the backups, restores and schedules lists return (newest first); the pages say so when they hit it. */
export const LIST_LIMIT = 500;

/** Objects of one kind from one cluster the read model keeps (a list or watch past it stops that kind's sync). */
export const MAX_ITEMS_PER_KIND = 20_000;

/** Bytes of one synced object as the read model stores it (its labels, spec and status as JSON); larger is refused. */
export const MAX_OBJECT_BYTES = 256 * 1024;

/** The page size the console asks for when it lists; a page with more items than asked for is refused. */
export const LIST_PAGE_SIZE = 500;

/** Kubernetes' own limits on names (DNS subdomain) and label values; an object past them did not come from a real apiserver. */
export const MAX_NAME_LENGTH = 253;
export const MAX_LABEL_VALUE_LENGTH = 63;
/** A label key's name part (after the optional "<prefix>/", which is a DNS subdomain of at most 253). */
export const MAX_LABEL_NAME_LENGTH = 63;

/** The longest cron expression Lifeboat reads (Velero's are a few dozen characters); longer is an error on its row. */
export const MAX_CRON_LENGTH = 1024;

/** The log text (backup.logs, restore.logs) sent to the browser: its last part, with a first line saying what was cut. */
export const MAX_LOG_TEXT_BYTES = 2 * 1024 * 1024;
