import type { Db } from "../db/client";
import { logger } from "../log";
import { recordAudit } from "../services/audit/audit";

// Calls refused to no one (no session, no valid token) cost nothing to send, so they must cost little to refuse: the
// first after a quiet minute is written at once, the rest are counted per process and written as one row a minute.
export const ANONYMOUS_WINDOW_MS = 60_000;

interface Window {
  db: Db;
  count: number;
  paths: Set<string>;
  clientIps: Set<string>;
  timer: NodeJS.Timeout;
}

let open: Window | undefined;

async function flush(w: Window): Promise<void> {
  if (open === w) open = undefined;
  if (!w.count) return;
  const paths = [...w.paths].slice(0, 10).join(", ");
  const reason = `anonymous refusals: ${w.count} in the last minute (${paths}${w.paths.size > 10 ? ", …" : ""})`;
  logger.warn({ count: w.count, clientIps: [...w.clientIps].slice(0, 10) }, reason);
  await recordAudit(w.db, {
    action: "anonymous.refused",
    outcome: "DENIED",
    reason,
    requestId: `anonymous-${Date.now()}`,
    clientIp: w.clientIps.size === 1 ? [...w.clientIps][0] : null,
  }).catch(() => {}); // recordAudit logs its own failure; a lost tally must not fail a later call
}

/** Notes one anonymous refusal: written as its own row only when it opens a window, else counted into the window's. */
export async function noteAnonymousRefusal(
  db: Db,
  { path, clientIp, reason, requestId }: { path: string; clientIp: string | null; reason: string; requestId: string },
) {
  if (open) {
    open.db = db;
    open.count++;
    if (open.paths.size < 50) open.paths.add(path);
    if (clientIp && open.clientIps.size < 50) open.clientIps.add(clientIp);
    return;
  }
  const w: Window = { db, count: 0, paths: new Set(), clientIps: new Set(), timer: undefined as never };
  w.timer = setTimeout(() => void flush(w), ANONYMOUS_WINDOW_MS);
  w.timer.unref();
  open = w;
  await recordAudit(db, {
    action: path,
    outcome: "DENIED",
    reason: `${reason} (further anonymous refusals this minute are counted into one row)`,
    requestId,
    clientIp,
  });
}

/** Writes the open window's tally now (tests, and a clean shutdown). */
export async function flushAnonymousRefusals(): Promise<void> {
  const w = open;
  if (!w) return;
  clearTimeout(w.timer);
  await flush(w);
}
