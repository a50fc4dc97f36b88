import type { Deps } from "../../composition";
import { AppError, notFound } from "../../errors";
import {
  canOnCluster,
  canOnGroup,
  roleOnCluster,
  visibleClusterWhere,
  visibleGroupWhere,
  type Access,
} from "../../rbac/access";
import { scopedTarget, type ScopedTarget } from "../../rbac/scope";
import { credentialSecret } from "./credentials";
import { deleteManagedLocation } from "./managed-locations";
import { logger } from "../../log";
import { VELERO_NAMESPACE } from "../../kube/access";
import type { LocationOnCluster } from "../../kube/locations";
import {
  locationCreateInput,
  locationUpdateInput,
  type CredentialSecret,
  type LocationUpdateInput,
  type LocationConfig,
  type LocationCreateInput,
  CREDENTIAL_KIND_LABELS,
} from "@/lib/schemas/locations";
import { locationConfigOf, storedLocationConfig } from "../../storage/providers/registry";
import { lacksObjectStorePlugin, objectStorePluginName, type ReportedPlugin } from "@/lib/velero/plugins";
import type { Prisma } from "../../db/generated/client";
import { leaseWriter, LeaseLost, type Fence } from "../../controllers/ownership";
import {
  modeSelect,
  modesOf,
  namesOrCount,
  readOnlyOn,
  sharedWriters,
  withOneWriter,
  writingElsewhere,
} from "./location-modes";

// Self-provisioned target locations, whatever their provider (its driver in server/storage/providers knows the store):
// validated by really reaching the store, assigned to cluster groups and clusters, and reconciled onto every assigned
// cluster that runs Velero as a credentials Secret + BackupStorageLocation.
export const bslNameFor = (location: { name: string }) => `lifeboat-${location.name}`.slice(0, 63);
/** The kind under which the sync engine keeps BackupStorageLocations in the read model. */
const BSL_KIND = "backupstoragelocations";

/** A Location row's settings: its config JSON, read through its provider's schema. */
const configOfRow = (d: Deps, row: { provider: string; config: unknown }): LocationConfig =>
  locationConfigOf(row, d.storage.providerFor);

/**
 * The provider and where the location points, for people: "S3-compatible · s3://bucket/prefix · endpoint · region"; a
 * row whose settings its driver refuses still lists, saying why.
 */
function summaryOf(d: Deps, row: { provider: string; config: unknown }): string {
  try {
    const config = configOfRow(d, row);
    const provider = d.storage.providerFor(config.provider);
    return `${provider.label} · ${provider.describe(config)}`;
  } catch (e) {
    return `${row.provider} · ${messageOf(e)}`;
  }
}

/** The Velero plugin a location's BackupStorageLocation needs: its image and the ObjectStore name it registers. */
function neededPlugin(d: Deps, row: { provider: string; config: unknown }) {
  try {
    const config = configOfRow(d, row);
    const provider = d.storage.providerFor(config.provider);
    const objectStore = objectStorePluginName(provider.backupStorageLocation(config).provider);
    return { image: provider.requiredPlugin, objectStore };
  } catch {
    return null;
  }
}

/** Whether a cluster's Velero (as its health check last read it) reports plugins and lacks `objectStore` among them. */
function lacksPlugin(velero: unknown, objectStore: string): boolean {
  const plugins = (velero as { plugins?: unknown } | null)?.plugins;
  return Array.isArray(plugins) && lacksObjectStorePlugin(plugins as ReportedPlugin[], objectStore) === true;
}

/** The settings the edit form starts from (none of them secret), or null when the driver refuses the stored ones. */
function settingsOf(d: Deps, row: { provider: string; config: unknown }): LocationConfig | null {
  try {
    return configOfRow(d, row);
  } catch {
    return null;
  }
}

const shown = {
  id: true,
  name: true,
  provider: true,
  config: true,
  readOnly: true,
  lastProbeAt: true,
  lastProbeMessage: true,
  createdAt: true,
  credential: { select: { id: true, name: true, keyIdMasked: true } },
  managedStack: { select: { mode: true, stackName: true, region: true, templateVersion: true } },
  assignments: {
    select: {
      id: true,
      readOnly: true,
      clusterGroup: { select: { id: true, name: true } },
      cluster: { select: { id: true, name: true, groupId: true } },
      writers: { select: { cluster: { select: { id: true, name: true, groupId: true } } } },
    },
    orderBy: { createdAt: "asc" as const },
  },
  deployments: {
    select: {
      clusterId: true,
      bslName: true,
      readOnly: true,
      phase: true,
      message: true,
      lastValidationTime: true,
      appliedAt: true,
      error: true,
      cluster: { select: { name: true, groupId: true, velero: true } },
    },
  },
} as const;

/** The locations a user sees: every one for ORG_ADMIN, else those assigned to a cluster group or cluster they see. */
function visibleLocationWhere(access: Access) {
  const groupWhere = visibleGroupWhere(access);
  const clusterWhere = visibleClusterWhere(access);
  return groupWhere
    ? { assignments: { some: { OR: [{ clusterGroup: groupWhere }, { cluster: clusterWhere ?? {} }] } } }
    : {};
}

/** A location outside the user's view answers as one that does not exist. */
async function visibleLocation(d: Deps, access: Access, id: string) {
  const l = await d.db.location.findFirst({ where: { id, ...visibleLocationWhere(access) }, select: { id: true } });
  if (!l) throw notFound("Target location");
  return l;
}

type StoredStatus = { phase: string | null; message: string | null; lastValidationTime: Date | null };
type SyncedBsl = { clusterId: string; name: string; phase: string | null; status: unknown };

/** The BackupStorageLocations the sync engine holds for these deployments, by `clusterId/bslName`. */
async function syncedBsls(
  d: Deps,
  deployments: { clusterId: string; bslName: string }[],
): Promise<Map<string, SyncedBsl>> {
  if (!deployments.length) return new Map();
  const rows = await d.db.veleroObject.findMany({
    where: {
      kind: BSL_KIND,
      namespace: VELERO_NAMESPACE,
      clusterId: { in: [...new Set(deployments.map((x) => x.clusterId))] },
      name: { in: [...new Set(deployments.map((x) => x.bslName))] },
    },
    select: { clusterId: true, name: true, phase: true, status: true },
  });
  return new Map(rows.map((r) => [`${r.clusterId}/${r.name}`, r]));
}

/**
 * What Velero says of a deployed location: the synced BackupStorageLocation (live, through the sync engine's watch) when
 * the read model has it, else what Lifeboat stored at its last "Refresh status". A forced re-read that saw a later
 * validation of it than the watch has delivered so far wins until the watch catches up; a BackupStorageLocation not
 * validated yet (just created or replaced) shows as such, whatever an older one said.
 */
function liveStatus(stored: StoredStatus, synced: SyncedBsl | undefined): StoredStatus {
  if (!synced) return stored;
  const st = (synced.status ?? {}) as { message?: unknown; lastValidationTime?: unknown };
  const validated =
    typeof st.lastValidationTime === "string" && !Number.isNaN(Date.parse(st.lastValidationTime))
      ? new Date(st.lastValidationTime)
      : null;
  if (validated && stored.lastValidationTime && stored.lastValidationTime > validated) return stored;
  return {
    phase: synced.phase,
    message: typeof st.message === "string" && st.message ? st.message : null,
    lastValidationTime: validated,
  };
}

export async function listLocations(d: Deps, access: Access) {
  const rows = await d.db.location.findMany({
    where: visibleLocationWhere(access),
    orderBy: { name: "asc" },
    select: shown,
  });
  // Non-admins see only the assignments and deployments on cluster groups and clusters they may see.
  const groupWhere = visibleGroupWhere(access);
  const groups = groupWhere
    ? new Set((await d.db.clusterGroup.findMany({ where: groupWhere, select: { id: true } })).map((g) => g.id))
    : null;
  const assignmentShown = (a: (typeof rows)[number]["assignments"][number]) =>
    !groups ||
    (a.clusterGroup ? groups.has(a.clusterGroup.id) : Boolean(a.cluster && roleOnCluster(access, a.cluster)));
  const shared = await sharedWriters(d);
  const seen = (c: { id: string; groupId: string }) => Boolean(roleOnCluster(access, c));
  const located = rows.map(({ config, ...l }) => {
    const conflict = shared.get(l.id);
    return {
      ...l,
      summary: summaryOf(d, { provider: l.provider, config }),
      settings: settingsOf(d, { provider: l.provider, config }),
      assignments: l.assignments.filter(assignmentShown).map(({ writers, ...a }) => ({
        ...a,
        // A group assignment's writers: named when the viewer sees them (one may see a group through one of its
        // clusters only), else counted.
        writers: writers.filter((w) => seen(w.cluster)).map((w) => ({ id: w.cluster.id, name: w.cluster.name })),
        hiddenWriters: writers.filter((w) => !seen(w.cluster)).length,
      })),
      // Clusters the viewer does not see are counted, not named.
      writeConflict: conflict
        ? `${namesOrCount(conflict.clusters, access)} ${conflict.clusters.length === 2 ? "both" : "all"} write backups ` +
          `to ${conflict.where}: Velero on each deletes ` +
          "the others' backups there. Keep one writer and make the others read-only."
        : null,
      deployments: l.deployments.filter((x) => roleOnCluster(access, { id: x.clusterId, groupId: x.cluster.groupId })),
    };
  });
  const synced = await syncedBsls(
    d,
    located.flatMap((l) => l.deployments),
  );
  const plugins = new Map(rows.map((r) => [r.id, neededPlugin(d, r)]));
  return located.map((l) => {
    const plugin = plugins.get(l.id);
    return {
      ...l,
      deployments: l.deployments.map(({ cluster, ...x }) => ({
        ...x,
        ...liveStatus(x, synced.get(`${x.clusterId}/${x.bslName}`)),
        clusterName: cluster.name,
        groupId: cluster.groupId,
        missingPlugin: plugin && lacksPlugin(cluster.velero, plugin.objectStore) ? plugin.image : null,
      })),
    };
  });
}

/** Parses what is given, or answers BAD_REQUEST with each field's problem. */
function parsed<T>(
  r: { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } },
): T {
  if (r.success) return r.data;
  throw new AppError(
    "BAD_REQUEST",
    r.error.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`).join("; "),
  );
}

export async function createLocation(d: Deps, actorId: string, given: LocationCreateInput) {
  const { name, credentialId, ...settings } = parsed(locationCreateInput.safeParse(given));
  const provider = d.storage.providerFor(settings.provider);
  const config = parsed(provider.configSchema.safeParse(settings));
  if (await d.db.location.findUnique({ where: { name }, select: { id: true } }))
    throw new AppError("CONFLICT", `A target location named ${name} already exists`);
  const secret = await usableCredential(d, config, credentialId);
  const complete = provider.complete?.(config, secret) ?? config;
  const probe = await provider.probe(complete, secret);
  if (!probe.ok) throw new AppError("PRECONDITION_FAILED", probe.message);
  return d.db.location.create({
    data: {
      name,
      provider: config.provider,
      config: storedLocationConfig(complete),
      credentialId,
      lastProbeAt: new Date(),
      lastProbeMessage: probe.message,
      createdById: actorId,
    },
    select: { id: true, name: true },
  });
}

/** The credential's whole, refused when the location's kind cannot use its kind. */
async function usableCredential(d: Deps, config: LocationConfig, credentialId: string): Promise<CredentialSecret> {
  const provider = d.storage.providerFor(config.provider);
  const secret = await credentialSecret(d, credentialId);
  if (!provider.credentialKinds.includes(secret.kind))
    throw new AppError(
      "BAD_REQUEST",
      `${provider.label} locations use ${provider.credentialKinds.map((k) => CREDENTIAL_KIND_LABELS[k]).join(" or ")} ` +
        `credentials, not ${CREDENTIAL_KIND_LABELS[secret.kind]}`,
    );
  return secret;
}

/**
 * Changes a location's prefix, endpoint, region, path style, CA bundle, credential and whether it is ReadOnly on every
 * assigned cluster (its assignments' own modes are kept for when that is turned off): probed first (a refusal changes
 * nothing), then saved and rolled out to every assigned cluster. Its deployments count as not applied until they are,
 * so the healing reconciler finishes a roll-out this request could not. A new prefix that another cluster writes to
 * is refused (one writer per bucket and prefix).
 */
export async function updateLocation(d: Deps, access: Access, given: LocationUpdateInput) {
  const { id, credentialId, readOnly, ...edits } = parsed(locationUpdateInput.safeParse(given));
  const row = await d.db.location.findUnique({
    where: { id },
    select: {
      provider: true,
      config: true,
      credentialId: true,
      managedStack: { select: { id: true, stackName: true, options: true } },
    },
  });
  if (!row) throw notFound("Target location");
  const current = configOfRow(d, row);
  if (edits.provider !== current.provider)
    throw new AppError("BAD_REQUEST", `This is a ${current.provider} location; its provider cannot change`);
  const provider = d.storage.providerFor(current.provider);
  const secret = await usableCredential(d, current, credentialId);
  const edited = parsed(provider.configSchema.safeParse({ ...current, ...edits }));
  // A managed location's bucket, region, endpoint and Velero key are its stack's: only the prefix (and read-only) change.
  if (row.managedStack) {
    const same = (c: object) => JSON.stringify({ ...storedLocationConfig(c as never), prefix: "" });
    if (credentialId !== row.credentialId || same(edited) !== same(current))
      throw new AppError(
        "BAD_REQUEST",
        `The bucket, region and Velero key of this location come from the stack ${row.managedStack.stackName}: ` +
          "only its prefix and read-only mode can change here. Nothing was changed.",
      );
  }
  const config = provider.complete?.(edited, secret) ?? edited;
  const probe = await provider.probe(config, secret);
  if (!probe.ok) throw new AppError("PRECONDITION_FAILED", `${probe.message}. Nothing was changed.`);
  // A new prefix may point at a place another cluster writes to: one writer per bucket and prefix.
  await withOneWriter(d, access, async (tx) => {
    await tx.location.update({
      where: { id },
      data: {
        config: storedLocationConfig(config),
        credentialId,
        readOnly,
        lastProbeAt: new Date(),
        lastProbeMessage: probe.message,
      },
    });
    // The stack's record follows the prefix: a kept bucket's backups are counted there once the location is deleted.
    if (row.managedStack && "prefix" in config)
      await tx.managedStack.update({
        where: { id: row.managedStack.id },
        data: { options: { ...(row.managedStack.options as object), prefix: config.prefix } },
      });
    await tx.locationDeployment.updateMany({ where: { locationId: id }, data: { appliedAt: null } });
  });
  await reconcileLocation(d, id);
  return { id };
}

export async function deleteLocation(d: Deps, id: string) {
  const l = await d.db.location.findUnique({
    where: { id },
    select: {
      assignments: { select: { clusterGroup: { select: { name: true } }, cluster: { select: { name: true } } } },
    },
  });
  if (!l) throw notFound("Target location");
  if (l.assignments.length) {
    const users = l.assignments.map((a) =>
      a.clusterGroup ? `group ${a.clusterGroup.name}` : `cluster ${a.cluster!.name}`,
    );
    throw new AppError("CONFLICT", `The location is assigned to ${users.join(", ")}. Unassign it first.`);
  }
  // A managed location takes its stack with it (the bucket and its backups stay).
  if (await d.db.managedStack.findUnique({ where: { locationId: id }, select: { id: true } }))
    return { id, note: (await deleteManagedLocation(d, id)).kept };
  await d.db.location.delete({ where: { id } });
  return { id };
}

/**
 * Shares a location the user sees with `target` (checked for location.assign: CLUSTER_ADMIN there): a cluster reads and
 * writes it unless `readOnly`; a group's clusters only read it, but its `writers` (clusters of the group) write. Refused
 * when it would make a second cluster write to the location's bucket and prefix (#14 §3).
 */
export async function assignLocation(
  d: Deps,
  access: Access,
  target: ScopedTarget,
  input: { locationId: string; readOnly: boolean; writers?: string[] },
) {
  await visibleLocation(d, access, input.locationId);
  await assertMaySpread(d, access, input.locationId);
  const key = {
    locationId: input.locationId,
    clusterGroupId: target.kind === "clusterGroup" ? target.id : null,
    clusterId: target.kind === "cluster" ? target.id : null,
  };
  const writers = [...new Set(input.writers ?? [])];
  if (target.kind === "cluster" && writers.length)
    throw new AppError(
      "BAD_REQUEST",
      "Writers are chosen on a cluster group's assignment; a cluster is read-only or not",
    );
  const a = await withOneWriter(d, access, async (tx) => {
    if (await tx.locationAssignment.findFirst({ where: key, select: { id: true } }))
      throw new AppError("CONFLICT", "The location is already assigned there");
    if (target.kind === "clusterGroup") await assertMembers(tx, target.id, writers);
    return tx.locationAssignment.create({
      data: {
        ...key,
        readOnly: target.kind === "clusterGroup" ? true : input.readOnly,
        writers: { create: writers.map((clusterId) => ({ clusterId })) },
      },
      select: { id: true },
    });
  });
  await reconcileLocation(d, input.locationId);
  return a;
}

/** Refuses writers that are not clusters of the group. */
async function assertMembers(db: Prisma.TransactionClient, groupId: string, clusterIds: readonly string[]) {
  if (!clusterIds.length) return;
  const members = await db.cluster.count({ where: { id: { in: [...clusterIds] }, groupId } });
  if (members !== clusterIds.length)
    throw new AppError("BAD_REQUEST", "Only clusters of the group can write through its assignment");
}

/**
 * Chooses the clusters of a group assignment's group that write to the location (ReadWrite); the others, and those that
 * join the group later, only read it. Needs location.assign on the group, as assigning does; refused when it would make
 * a second cluster write to the location's bucket and prefix.
 */
export async function setLocationWriters(d: Deps, access: Access, input: { id: string; writers: string[] }) {
  // Its scope first: an assignment the caller may not administer is not theirs to learn anything of.
  const a = await administeredAssignment(d, access, input.id);
  if (!a.clusterGroupId)
    throw new AppError("BAD_REQUEST", "A cluster's assignment has no writers: make it read-only or not");
  const groupId = a.clusterGroupId;
  const writers = [...new Set(input.writers)];
  // Under the lock: a cluster moved out of the group, or the assignment ended, meanwhile is seen.
  await withOneWriter(d, access, async (tx) => {
    if (!(await tx.locationAssignment.findUnique({ where: { id: input.id }, select: { id: true } })))
      throw notFound("Assignment");
    await assertMembers(tx, groupId, writers);
    await tx.locationWriter.deleteMany({ where: { assignmentId: input.id } });
    await tx.locationWriter.createMany({ data: writers.map((clusterId) => ({ assignmentId: input.id, clusterId })) });
  });
  await reconcileLocation(d, a.locationId);
  return { id: input.id };
}

/**
 * Sharing a location further hands its storage keys to every cluster of the new scope (they land in a Secret there), so
 * it needs the organization admin, or CLUSTER_ADMIN on every scope the location already reaches: seeing a location in a
 * group one only views does not make its keys one's to give away.
 */
export async function assertMaySpread(d: Deps, access: Access, locationId: string) {
  const { lacking, existing } = await spreadCheck(d, access, locationId);
  if (lacking)
    throw new AppError(
      "FORBIDDEN",
      `Sharing this location further needs an organization admin, or the CLUSTER_ADMIN role wherever it is already ` +
        `shared (${lacking} of its ${existing} scopes are not yours to administer)`,
    );
}

/** Whether the caller may share the location further (assertMaySpread's rule), without throwing. */
export async function maySpread(d: Deps, access: Access, locationId: string): Promise<boolean> {
  return (await spreadCheck(d, access, locationId)).lacking === 0;
}

async function spreadCheck(d: Deps, access: Access, locationId: string) {
  if (access.orgRole === "ORG_ADMIN") return { lacking: 0, existing: 0 };
  const existing = await d.db.locationAssignment.findMany({
    where: { locationId },
    select: { clusterGroupId: true, cluster: { select: { id: true, groupId: true } } },
  });
  const lacking = existing.filter((a) =>
    a.clusterGroupId
      ? !canOnGroup(access, "location.assign", a.clusterGroupId)
      : !a.cluster || !canOnCluster(access, "location.assign", a.cluster),
  ).length;
  return { lacking, existing: existing.length };
}

/** An assignment, once the caller is found to hold location.assign on its cluster group or cluster. */
async function administeredAssignment(d: Deps, access: Access, id: string) {
  const a = await d.db.locationAssignment.findUnique({
    where: { id },
    select: { locationId: true, clusterGroupId: true, clusterId: true },
  });
  if (!a) throw notFound("Assignment");
  await scopedTarget(
    d.db,
    access,
    a.clusterGroupId ? { kind: "clusterGroup", id: a.clusterGroupId } : { kind: "cluster", id: a.clusterId! },
    "location.assign",
  );
  return a;
}

/** Ends an assignment: needs location.assign on its cluster group or cluster, as assigning does. */
export async function unassignLocation(d: Deps, access: Access, assignmentId: string) {
  const a = await administeredAssignment(d, access, assignmentId);
  // Ending a cluster's own ReadOnly assignment can make its group's assignment a writer there: checked like any change.
  await withOneWriter(d, access, (tx) => tx.locationAssignment.deleteMany({ where: { id: assignmentId } }));
  await reconcileLocation(d, a.locationId);
  return { id: assignmentId };
}

// ---- reconciliation: what each cluster should hold, and putting it there --------------------------------------------

const located = { id: true, name: true, provider: true, config: true, credentialId: true } as const;
type Located = { id: string; name: string; credentialId: string; config: LocationConfig };
const toLocated = (
  d: Deps,
  { config, ...l }: { id: string; name: string; provider: string; config: unknown; credentialId: string },
): Located => ({ id: l.id, name: l.name, credentialId: l.credentialId, config: configOfRow(d, { ...l, config }) });

/** What the location becomes on a cluster, by its provider's driver. */
function onCluster(
  d: Deps,
  l: Located,
  bslName: string,
  readOnly: boolean,
  credential: CredentialSecret,
): LocationOnCluster {
  const provider = d.storage.providerFor(l.config.provider);
  const bsl = provider.backupStorageLocation(l.config);
  const file = provider.credentialsFile(credential, l.config);
  return {
    name: bslName,
    ...bsl,
    accessMode: readOnly ? "ReadOnly" : "ReadWrite",
    credentialsFile: file.content,
    secrets: file.secrets,
    labels: { "lifeboat.io/location-id": l.id },
  };
}

/** Whether the synced BackupStorageLocation still says what Lifeboat would write (someone may have edited it by hand). */
function syncedMatches(d: Deps, l: Located, readOnly: boolean, spec: unknown): boolean {
  const s = (spec ?? {}) as {
    objectStorage?: { bucket?: unknown; prefix?: unknown };
    config?: Record<string, unknown>;
    accessMode?: unknown;
  };
  const want = d.storage.providerFor(l.config.provider).backupStorageLocation(l.config);
  const given = s.config ?? {};
  return (
    s.objectStorage?.bucket === want.objectStorage.bucket &&
    (s.objectStorage?.prefix ?? "") === (want.objectStorage.prefix ?? "") &&
    (s.accessMode ?? "ReadWrite") === (readOnly ? "ReadOnly" : "ReadWrite") &&
    Object.keys(given).length === Object.keys(want.config).length &&
    Object.entries(want.config).every(([k, v]) => given[k] === v)
  );
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** How a step writes for one cluster: under the cluster's lease (a reconciler's healing) or plainly (a user's request). */
type Writer = ReturnType<typeof leaseWriter>;

/**
 * Puts the location on one cluster (nothing is written there when it is already as desired) and records the outcome on
 * the deployment row; gives the error, or null.
 */
async function applyOne(
  d: Deps,
  l: Located,
  clusterId: string,
  readOnly: boolean,
  credential: CredentialSecret,
  write: Writer = leaseWriter(d.db, clusterId),
): Promise<string | null> {
  const c = await d.db.cluster.findUnique({
    where: { id: clusterId },
    select: { kubeconfigSecretId: true, velero: true },
  });
  if (!c?.kubeconfigSecretId) return "The cluster has no kubeconfig";
  const bslName = bslNameFor(l);
  const installed = (c.velero as { installed?: boolean } | null)?.installed;
  let error: string | null = installed ? null : "Velero is not installed on this cluster: the location is not applied";
  const key = d.storage.providerFor(l.config.provider).storageKey(l.config);
  // Made a writer (or a writer moved to another place by an edit): only once no other cluster still writes there
  // (its change to ReadOnly may have failed).
  const newWriter = installed && !readOnly && !(await writesAlready(d, l.id, clusterId, key));
  if (newWriter) {
    const other = await writingElsewhere(d, l.config, clusterId);
    if (other)
      error =
        `Another cluster still writes to ${other} (Lifeboat is making it read-only there): this cluster writes once ` +
        "it has stopped";
  }
  const attempted = installed && !error;
  if (attempted) {
    // Under a lease, nothing is written on the cluster once the lease is found lost (LeaseLost, thrown on). A new
    // writer is counted as writing there, not applied yet, before its write: the outcome is recorded under the lease,
    // which may be lost meanwhile, and until then no other cluster is let write to the same place, no group backup
    // picks it, and healing applies it again.
    await write(async (db) => {
      if (newWriter)
        await db.locationDeployment.upsert({
          where: { locationId_clusterId: { locationId: l.id, clusterId } },
          create: { locationId: l.id, clusterId, bslName, readOnly: false, storageKey: key, appliedAt: null },
          update: { readOnly: false, storageKey: key, appliedAt: null },
        });
    });
    try {
      await d.kube.applyLocation(
        await d.clusters.forCluster(clusterId),
        onCluster(d, l, bslName, readOnly, credential),
      );
    } catch (e) {
      error = messageOf(e);
      logger.warn({ location: l.name, clusterId, error }, "applying a location failed");
    }
  }
  await write((db) =>
    db.locationDeployment.upsert({
      where: { locationId_clusterId: { locationId: l.id, clusterId } },
      // The access mode and place as last applied: whether and where the cluster may still write. Never tried (no
      // Velero seen, waiting for another writer): nothing changed there. A failed write of ReadWrite may still have
      // reached the cluster: counted as writing. Any other failure keeps the mode before it (Velero may run there
      // whatever Lifeboat last saw of it).
      create: {
        locationId: l.id,
        clusterId,
        bslName,
        readOnly: error && !attempted ? true : readOnly,
        storageKey: error && !attempted ? null : key,
        appliedAt: error ? null : new Date(),
        error,
      },
      update: {
        bslName,
        readOnly: error ? (attempted && !readOnly ? false : undefined) : readOnly,
        storageKey: error ? (attempted && !readOnly ? key : undefined) : key,
        appliedAt: error ? undefined : new Date(),
        error,
      },
    }),
  );
  return error;
}

/**
 * Whether the cluster holds the location ReadWrite already at the place `key`, as last applied (an edit's roll-out
 * clears appliedAt, not the mode or place): re-applying it there makes no new writer. A row from before places were
 * recorded counts as at its location's place.
 */
async function writesAlready(d: Deps, locationId: string, clusterId: string, key: string): Promise<boolean> {
  const dep = await d.db.locationDeployment.findUnique({
    where: { locationId_clusterId: { locationId, clusterId } },
    select: { readOnly: true, storageKey: true },
  });
  return Boolean(dep && !dep.readOnly && (dep.storageKey === null || dep.storageKey === key));
}

/** Takes the location off one cluster it is no longer assigned to, and forgets the deployment (kept, with the error, when removing fails). */
async function removeOne(
  d: Deps,
  l: { id: string; name: string },
  clusterId: string,
  write: Writer = leaseWriter(d.db, clusterId),
): Promise<string | null> {
  const c = await d.db.cluster.findUnique({ where: { id: clusterId }, select: { kubeconfigSecretId: true } });
  await write(async () => undefined);
  try {
    if (c?.kubeconfigSecretId) await d.kube.removeLocation(await d.clusters.forCluster(clusterId), bslNameFor(l));
    await write((db) =>
      db.locationDeployment.delete({ where: { locationId_clusterId: { locationId: l.id, clusterId } } }),
    );
    return null;
  } catch (e) {
    if (e instanceof LeaseLost) throw e;
    const error = `Removing it failed: ${messageOf(e)}`;
    await write((db) =>
      db.locationDeployment.update({
        where: { locationId_clusterId: { locationId: l.id, clusterId } },
        data: { error },
      }),
    );
    return error;
  }
}

/** Makes every assigned cluster that runs Velero hold this location, and removes it from the others. */
export async function reconcileLocation(d: Deps, locationId: string) {
  const l = await d.db.location.findUnique({
    where: { id: locationId },
    select: {
      ...located,
      readOnly: true,
      assignments: { select: modeSelect },
      deployments: { select: { clusterId: true } },
    },
  });
  if (!l) return;
  const location = toLocated(d, l);
  const reached = await d.db.cluster.findMany({
    where: {
      OR: [
        { id: { in: l.assignments.flatMap((a) => (a.clusterId ? [a.clusterId] : [])) } },
        { groupId: { in: l.assignments.flatMap((a) => (a.clusterGroupId ? [a.clusterGroupId] : [])) } },
      ],
    },
    select: { id: true, groupId: true },
  });
  const want = modesOf(l, reached); // clusterId → readOnly
  // Clusters where data protection is disabled hold no location (#12 §3).
  const disabled = await d.db.veleroInstallation.findMany({
    where: { clusterId: { in: [...want.keys()] }, management: "DISABLED" },
    select: { clusterId: true },
  });
  for (const x of disabled) want.delete(x.clusterId);
  const credential = await credentialSecret(d, l.credentialId);
  // ReadOnly first, so a cluster made the writer finds the one it replaces no longer writing.
  const ordered = [...want].sort(([, a], [, b]) => Number(b) - Number(a));
  for (const [clusterId, readOnly] of ordered) await applyOne(d, location, clusterId, readOnly, credential);
  for (const dep of l.deployments.filter((x) => !want.has(x.clusterId))) await removeOne(d, l, dep.clusterId);
}

/**
 * Heals one cluster: re-applies each location assigned to it (directly or through its group) whose deployment is
 * missing, failed, differs in access mode, or whose BackupStorageLocation the sync engine no longer sees there (or sees
 * edited), and removes locations no longer assigned to it. Reads only the database when everything is in place; the
 * read model counts only once the sync engine has listed the cluster's BackupStorageLocations. Failures are recorded
 * on the deployment rows, never thrown. Under the cluster's lease (`fence`: the health loop's healing, an installer's
 * step), nothing is applied or recorded once the lease is lost: LeaseLost is thrown, and the new owner heals it.
 */
export async function reconcileCluster(
  d: Deps,
  clusterId: string,
  o: { fence?: () => Fence | null } = {},
): Promise<{ applied: string[]; failed: string[]; removed: string[] }> {
  const write = leaseWriter(d.db, clusterId, o.fence);
  const out = { applied: [] as string[], failed: [] as string[], removed: [] as string[] };
  const c = await d.db.cluster.findUnique({
    where: { id: clusterId },
    select: { groupId: true, kubeconfigSecretId: true, veleroInstallation: { select: { management: true } } },
  });
  if (!c?.kubeconfigSecretId) return out;
  // Data protection disabled on the cluster: no location belongs there, whatever is assigned (#12 §3).
  const disabled = c.veleroInstallation?.management === "DISABLED";
  const [assignments, deployments, syncState] = await Promise.all([
    disabled
      ? []
      : d.db.locationAssignment.findMany({
          where: { OR: [{ clusterId }, { clusterGroupId: c.groupId }] },
          select: { locationId: true, ...modeSelect, location: { select: { readOnly: true } } },
        }),
    d.db.locationDeployment.findMany({
      where: { clusterId },
      select: {
        locationId: true,
        bslName: true,
        readOnly: true,
        appliedAt: true,
        error: true,
        location: { select: { name: true } },
      },
    }),
    d.db.syncState.findUnique({
      where: { clusterId_kind: { clusterId, kind: BSL_KIND } },
      select: { resourceVersion: true },
    }),
  ]);
  const want = new Map<string, boolean>(); // locationId → readOnly
  for (const a of assignments)
    want.set(
      a.locationId,
      readOnlyOn(
        a.location,
        assignments.filter((x) => x.locationId === a.locationId),
        { id: clusterId, groupId: c.groupId },
      )!,
    );
  const synced = syncState?.resourceVersion
    ? new Map(
        (
          await d.db.veleroObject.findMany({
            where: { clusterId, kind: BSL_KIND, namespace: VELERO_NAMESPACE },
            select: { name: true, spec: true, phase: true },
          })
        ).map((r) => [r.name, r]),
      )
    : null;
  const deployed = new Map(deployments.map((x) => [x.locationId, x]));
  const locations = want.size
    ? await d.db.location.findMany({ where: { id: { in: [...want.keys()] } }, select: located })
    : [];
  const why = (l: Located, readOnly: boolean): string | null => {
    const dep = deployed.get(l.id);
    if (!dep) return "not deployed";
    if (dep.error || !dep.appliedAt) return "failed before";
    if (dep.readOnly !== readOnly) return "access mode changed";
    if (!synced) return null;
    const bsl = synced.get(dep.bslName);
    if (!bsl) return "missing on the cluster";
    if (!syncedMatches(d, l, readOnly, bsl.spec)) return "changed on the cluster";
    // Unavailable may be a credentials Secret deleted or edited by hand (Secrets are not in the read model): applying
    // again restores it, and writes nothing when it is in place (an unreachable bucket, say).
    if (bsl.phase === "Unavailable") return "Unavailable";
    return null;
  };

  for (const row of locations) {
    try {
      // Settings its driver no longer accepts count as a failure here, like a failed write.
      const l = toLocated(d, row);
      const readOnly = want.get(l.id)!;
      const reason = why(l, readOnly);
      if (!reason) continue;
      logger[reason === "Unavailable" ? "debug" : "info"](
        { location: l.name, clusterId, reason },
        "re-applying a location",
      );
      const error = await applyOne(d, l, clusterId, readOnly, await credentialSecret(d, l.credentialId), write);
      (error ? out.failed : out.applied).push(l.name);
    } catch (e) {
      if (e instanceof LeaseLost) throw e;
      out.failed.push(row.name);
      logger.warn({ location: row.name, clusterId, error: messageOf(e) }, "healing a location failed");
    }
  }
  for (const dep of deployments.filter((x) => !want.has(x.locationId))) {
    try {
      const error = await removeOne(d, { id: dep.locationId, name: dep.location.name }, clusterId, write);
      (error ? out.failed : out.removed).push(dep.location.name);
    } catch (e) {
      if (e instanceof LeaseLost) throw e;
      out.failed.push(dep.location.name);
      logger.warn(
        { location: dep.location.name, clusterId, error: messageOf(e) },
        "removing a location no longer assigned failed",
      );
    }
  }
  return out;
}

/**
 * Reads what Velero says of the location right now (phase, message, last validation) on each of its clusters the user
 * may operate: a forced re-read beside the live status the sync engine keeps. A location outside the user's view is not
 * found; one they see only on clusters they may not operate is forbidden.
 */
export async function refreshLocationStatus(d: Deps, access: Access, locationId: string) {
  await visibleLocation(d, access, locationId);
  const all = await d.db.locationDeployment.findMany({
    where: { locationId },
    select: {
      clusterId: true,
      bslName: true,
      appliedAt: true,
      cluster: { select: { groupId: true, kubeconfigSecretId: true } },
    },
  });
  const seen = all.filter((x) => roleOnCluster(access, { id: x.clusterId, groupId: x.cluster.groupId }));
  const mine = seen.filter((x) =>
    canOnCluster(access, "location.refresh", { id: x.clusterId, groupId: x.cluster.groupId }),
  );
  if (seen.length && !mine.length)
    throw new AppError("FORBIDDEN", "Refreshing a location's status needs the OPERATOR role on one of its clusters");
  for (const dep of mine) {
    if (!dep.appliedAt || !dep.cluster.kubeconfigSecretId) continue;
    const where = { locationId_clusterId: { locationId, clusterId: dep.clusterId } };
    try {
      const s = await d.kube.locationStatus(await d.clusters.forCluster(dep.clusterId), dep.bslName);
      await d.db.locationDeployment.update({
        where,
        data: s
          ? {
              phase: s.phase ?? null,
              message: s.message ?? null,
              lastValidationTime: s.lastValidationTime ? new Date(s.lastValidationTime) : null,
              error: null,
            }
          : {
              phase: null,
              message: null,
              lastValidationTime: null,
              error: "The BackupStorageLocation is missing on the cluster",
            },
      });
    } catch (e) {
      await d.db.locationDeployment.update({ where, data: { error: messageOf(e) } });
    }
  }
  return { refreshed: mine.filter((x) => x.appliedAt && x.cluster.kubeconfigSecretId).length };
}
