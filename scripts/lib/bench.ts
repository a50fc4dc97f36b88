// Helpers of the `npm run bench` scripts (they measure; they assert nothing).
import { spawn } from "node:child_process";
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import type { Db } from "../../server/db/client";

/** Polls `probe` every `everyMs` until it answers a value; a bench may poll (it measures, it does not synchronise). */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined>,
  timeoutMs: number,
  everyMs = 5,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(everyMs);
  }
}

/** `fn` run `n` times one after another, after one run to warm up: the durations in ms. */
export async function samples(n: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** The p-th quantile (0..1) of the samples, nearest rank. */
export const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

/**
 * Inserts `n` Backup rows into the read model directly (as the sync engine would have written them), spread over
 * `clusterIds` and named `<prefix><i>`: made every `everySeconds` going back from `newest`, mostly Completed with some
 * PartiallyFailed, Failed and InProgress, from 100 schedules (nightly-0…99), of 20 namespaces (ns-0…19).
 */
export async function insertBackupRows(
  db: Db,
  o: { clusterIds: string[]; n: number; prefix: string; everySeconds: number; newest?: Date },
): Promise<void> {
  const ids = o.clusterIds.map((id) => `'${id.replace(/'/g, "''")}'`).join(",");
  const prefix = o.prefix.replace(/'/g, "''");
  await db.$executeRawUnsafe(
    `INSERT INTO "VeleroObject" (id, "clusterId", kind, namespace, name, uid, "resourceVersion", phase, labels, spec, status, "createdAt", "observedAt")
    SELECT '${prefix}' || g, (ARRAY[${ids}])[1 + g % ${o.clusterIds.length}], 'backups', 'velero', '${prefix}' || g, 'u-${prefix}' || g, g::text,
           (ARRAY['Completed','Completed','Completed','PartiallyFailed','Failed','InProgress'])[1 + g % 6],
           jsonb_build_object('velero.io/schedule-name', 'nightly-' || (g % 100)),
           jsonb_build_object('storageLocation', 'default', 'ttl', '720h0m0s', 'includedNamespaces', jsonb_build_array('ns-' || (g % 20))),
           jsonb_build_object('progress', jsonb_build_object('itemsBackedUp', 100, 'totalItems', 100), 'errors', 0, 'warnings', g % 3),
           $1::timestamp - (g * make_interval(secs => ${o.everySeconds})), now()
    FROM generate_series(1, ${o.n}) g`,
    o.newest ?? new Date(),
  );
  await db.$executeRawUnsafe(`ANALYZE "VeleroObject"`);
}

/**
 * The real kubectl listing a cluster's Backups in chunks of 500 (`-o name`), async so this process keeps serving the
 * sandbox: how many it printed, and its peak RSS (by /usr/bin/time, which must be installed).
 */
export function kubectlList(kubeconfigPath: string): Promise<{ lines: number; maxRssKb: number }> {
  return new Promise((resolve) => {
    const child = spawn("/usr/bin/time", [
      "-f",
      "%M",
      "kubectl",
      "--kubeconfig",
      kubeconfigPath,
      "get",
      "backups.velero.io",
      "-n",
      "velero",
      "--chunk-size=500",
      "-o",
      "name",
    ]);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", () =>
      resolve({ lines: out.split("\n").filter(Boolean).length, maxRssKb: Number(err.trim().split("\n").pop()) || 0 }),
    );
  });
}

/** Process `pid` and its descendants (Linux /proc): command name, resident set now and its peak (VmHWM), in KiB. */
export function processTree(pid: number): { pid: number; name: string; rssKb: number; hwmKb: number }[] {
  const parents = new Map<number, number>();
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      parents.set(Number(e), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [p, pp] of parents) if (pp === tree[i]) tree.push(p);
  return tree.flatMap((p) => {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, "utf8");
      const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
      return [
        { pid: p, name: /^Name:\s+(.*)$/m.exec(status)?.[1] ?? "?", rssKb: field("VmRSS"), hwmKb: field("VmHWM") },
      ];
    } catch {
      return [];
    }
  });
}
