import type { Deps } from "../../composition";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { AppError } from "../../errors";
import { roleOnCluster, type Access } from "../../rbac/access";
import { locationConfigOf } from "../../storage/providers/registry";
import type { LocationConfig } from "@/lib/schemas/locations";

// Which clusters write to a location and which only read it (#14 §3). A cluster is ReadOnly on a location when the
// location is ReadOnly everywhere, else as its direct assignment says, else ReadWrite only as a writer of its group's
// assignment: ReadOnly by default, also for clusters that join the group later. One writer per bucket and prefix:
// Velero on a ReadWrite cluster deletes and garbage-collects the backups it finds in its location, so a second writer
// would delete the first one's backups (and its own would be deleted in turn).

export interface AssignmentModes {
  clusterId: string | null;
  clusterGroupId: string | null;
  readOnly: boolean;
  writers: { clusterId: string }[];
}

/** Whether `cluster` is ReadOnly on a location, from the location's switch and the assignments that reach the cluster. */
export function readOnlyOn(
  location: { readOnly: boolean },
  assignments: readonly AssignmentModes[],
  cluster: { id: string; groupId: string },
): boolean | null {
  const direct = assignments.find((a) => a.clusterId === cluster.id);
  const group = assignments.find((a) => a.clusterGroupId && a.clusterGroupId === cluster.groupId);
  if (!direct && !group) return null;
  if (location.readOnly) return true;
  if (direct) return direct.readOnly;
  return !group!.writers.some((w) => w.clusterId === cluster.id);
}

/** Each cluster a location reaches, with whether it is ReadOnly there. */
export function modesOf(
  location: { readOnly: boolean; assignments: readonly AssignmentModes[] },
  clusters: readonly { id: string; groupId: string }[],
): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const c of clusters) {
    const ro = readOnlyOn(location, location.assignments, c);
    if (ro !== null) out.set(c.id, ro);
  }
  return out;
}

export const modeSelect = {
  clusterId: true,
  clusterGroupId: true,
  readOnly: true,
  writers: { select: { clusterId: true } },
} as const;

interface Writers {
  /** storage key → cluster id → the names of the locations through which it writes there. */
  byKey: Map<string, Map<string, string[]>>;
  /** storage key → where it points, for people. */
  where: Map<string, string>;
  clusters: Map<string, { name: string; groupId: string }>;
  /** storage key → the ids of the locations that point there. */
  locations: Map<string, string[]>;
}

/**
 * Where a location's files live: its provider's storage key, and the place for people ("s3://bucket/prefix"); null for
 * settings its driver refuses (such a location is applied nowhere).
 */
export function placeOf(
  d: Pick<Deps, "storage">,
  row: { provider: string; config: unknown },
): { key: string; where: string } | null {
  try {
    const config = locationConfigOf(row, d.storage.providerFor);
    const provider = d.storage.providerFor(config.provider);
    return { key: provider.storageKey(config), where: provider.describe(config).split(" · ")[0] };
  } catch {
    return null;
  }
}

/** "a, b and 2 other clusters": the clusters the viewer sees by name (sorted), the others counted. */
export function namesOrCount(clusters: readonly { id: string; name: string; groupId: string }[], access: Access) {
  const names = clusters
    .filter((c) => roleOnCluster(access, c))
    .map((c) => c.name)
    .sort((a, b) => a.localeCompare(b));
  const hidden = clusters.length - names.length;
  if (hidden) names.push(`${hidden} other cluster${hidden === 1 ? "" : "s"}`);
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names.join("");
}

/** Every storage place of every location, with the clusters that write there. */
async function writersOf(d: Deps, db: Db | Prisma.TransactionClient): Promise<Writers> {
  const [locations, clusters] = await Promise.all([
    db.location.findMany({
      select: {
        id: true,
        name: true,
        provider: true,
        config: true,
        readOnly: true,
        assignments: { select: modeSelect },
      },
    }),
    db.cluster.findMany({ select: { id: true, name: true, groupId: true } }),
  ]);
  const out: Writers = { byKey: new Map(), where: new Map(), clusters: new Map(), locations: new Map() };
  for (const c of clusters) out.clusters.set(c.id, { name: c.name, groupId: c.groupId });
  for (const l of locations) {
    const place = placeOf(d, l);
    if (!place) continue;
    const { key, where } = place;
    out.where.set(key, where);
    out.locations.set(key, [...(out.locations.get(key) ?? []), l.id]);
    const writers = out.byKey.get(key) ?? new Map<string, string[]>();
    out.byKey.set(key, writers);
    for (const [clusterId, ro] of modesOf(l, clusters)) {
      if (ro) continue;
      writers.set(clusterId, [...(writers.get(clusterId) ?? []), l.name]);
    }
  }
  return out;
}

const LOCK = "lifeboat:location-writers";

/**
 * Runs `change` in a transaction that holds the fleet's location-writers lock, and commits it only when it adds no
 * second writer to any bucket and prefix: a change that would is refused as CONFLICT, naming the place and the
 * clusters, and nothing is written. Writers that already shared a place before (from before this rule) are left to the
 * operator: the change is refused only if it adds one.
 */
export async function withOneWriter<T>(
  d: Deps,
  access: Access,
  change: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  return d.db.$transaction(
    async (tx) => {
      await lockWriters(tx);
      const before = await writersOf(d, tx);
      const result = await change(tx);
      const after = await writersOf(d, tx);
      for (const [key, writers] of after.byKey) {
        if (writers.size < 2) continue;
        const had = before.byKey.get(key);
        if ([...writers.keys()].every((c) => had?.has(c))) continue;
        // Clusters the caller does not see are counted, not named.
        const seen = [...writers]
          .sort(([a], [b]) => (after.clusters.get(a)?.name ?? a).localeCompare(after.clusters.get(b)?.name ?? b))
          .filter(([c]) => {
            const cluster = after.clusters.get(c);
            return cluster && roleOnCluster(access, { id: c, groupId: cluster.groupId });
          });
        const who = seen.map(([c, via]) => `${after.clusters.get(c)!.name} (through ${via.join(", ")})`);
        const others = writers.size - seen.length;
        if (others) who.push(`${others} cluster${others === 1 ? "" : "s"} you do not see`);
        const named = who.length > 1 ? `${who.slice(0, -1).join(", ")} and ${who[who.length - 1]}` : who[0];
        throw new AppError(
          "CONFLICT",
          `${named} would ${writers.size === 2 ? "both" : "all"} write backups to ` +
            `${after.where.get(key)}: Velero on each deletes and ` +
            "garbage-collects the backups it finds there, including the others'. Keep one writer and make the other " +
            "clusters read-only there. Nothing was changed.",
        );
      }
      return result;
    },
    { timeout: 30_000 },
  );
}

/**
 * The places written by more than one cluster (left from before the rule, or made outside Lifeboat's checks), per
 * location id: what the locations page warns about.
 */
export async function sharedWriters(
  d: Deps,
): Promise<Map<string, { where: string; clusters: { id: string; name: string; groupId: string }[] }>> {
  const w = await writersOf(d, d.db);
  const out = new Map<string, { where: string; clusters: { id: string; name: string; groupId: string }[] }>();
  for (const [key, writers] of w.byKey) {
    if (writers.size < 2) continue;
    const clusters = [...writers.keys()].map((id) => ({ id, ...w.clusters.get(id)! }));
    for (const locationId of w.locations.get(key) ?? []) out.set(locationId, { where: w.where.get(key)!, clusters });
  }
  return out;
}

/**
 * Where another cluster than `clusterId` still writes to the place `config` points at: a deployment ReadWrite as last
 * applied there (a change to ReadOnly that failed, or one not made yet), by the place it was last applied at (a row
 * from before that was recorded counts at its location's place). Null when none does. A cluster is made a writer only
 * after that, so two never write at once, whatever order the clusters are reached in.
 */
export async function writingElsewhere(d: Deps, config: LocationConfig, clusterId: string): Promise<string | null> {
  const place = placeOf(d, { provider: config.provider, config });
  if (!place) return null;
  const { key, where } = place;
  const locations = await d.db.location.findMany({ select: { id: true, provider: true, config: true } });
  const same = locations.filter((l) => placeOf(d, l)?.key === key).map((l) => l.id);
  const writing = await d.db.locationDeployment.count({
    where: {
      clusterId: { not: clusterId },
      readOnly: false,
      OR: [{ storageKey: key }, { storageKey: null, locationId: { in: same } }],
    },
  });
  return writing ? where : null;
}

/** Takes the fleet's location-writers lock in a transaction (e.g. a cluster's move between groups). */
export async function lockWriters(tx: Prisma.TransactionClient) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${LOCK}))`;
}
