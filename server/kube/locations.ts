import { canonicalJson } from "@/lib/velero/idempotency";
import { VELERO_NAMESPACE } from "./access";
import type { ClusterClient } from "./cluster-client";
import { ClusterError } from "./errors";
import { RESOURCES, type KubeObject } from "./resources";

// Puts a Lifeboat target location onto a cluster as Velero needs it — a credentials Secret and a BackupStorageLocation
// in the Velero namespace — and takes it away again. Lifeboat only ever writes or deletes objects it labelled
// app.kubernetes.io/managed-by=lifeboat; a name held by anything else is refused, never overwritten. Writes are
// get → create, or get → replace with the resourceVersion read (a conflict reads again), which is what the onboarding
// RBAC grants on Secrets (create, get, update, delete). No status is ever sent: replacing a BackupStorageLocation
// drops the old one, and Velero validates the changed spec afresh. No error message carries a token or a key.
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "lifeboat" };

/**
 * A target location as Velero needs it on one cluster, whatever the provider: the driver (server/storage/providers)
 * gives the provider string, objectStorage, config and credentials file; this adapter only writes them.
 */
export interface LocationOnCluster {
  /** The BackupStorageLocation name, e.g. "lifeboat-<location-name>" (the caller decides); the Secret is `<name>-credentials`. */
  name: string;
  /** Velero's provider string, e.g. "aws" (S3 and S3-compatible stores) or "velero.io/azure". */
  provider: string;
  objectStorage: {
    bucket: string;
    prefix?: string;
    /** PEM bundle; written base64-encoded to spec.objectStorage.caCert. */
    caCert?: string;
  };
  /** The plugin's BSL config keys (Velero itself sets bucket, prefix, caCert and credentialsFile). */
  config: Record<string, string>;
  accessMode: "ReadWrite" | "ReadOnly";
  default?: boolean;
  /** The file the plugin reads its credentials from, written to the Secret key "cloud". */
  credentialsFile: string;
  /** The secret values in credentialsFile: never in an error message. */
  secrets: string[];
  /** Extra labels for both objects, e.g. lifeboat.io/location-id. */
  labels?: Record<string, string>;
}

export interface LocationStatus {
  phase?: "Available" | "Unavailable";
  message?: string;
  lastValidationTime?: string;
  lastSyncedTime?: string;
}

const BSL = { group: "velero.io", version: "v1", plural: "backupstoragelocations" } as const;
const CREDENTIALS_KEY = "cloud";
const MAX_WRITE_ATTEMPTS = 3;
const MANAGED_SELECTOR = Object.entries(MANAGED_BY)
  .map(([k, v]) => `${k}=${v}`)
  .join(",");

const SET_BY_VELERO = new Set(["bucket", "prefix", "caCert", "credentialsFile"]);

const credentialsSecretName = (name: string) => `${name}-credentials`;

// ---- writes over the cluster-access port --------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects read back from the cluster, checked field by field
type KObj = KubeObject & { spec?: Record<string, any>; status?: Record<string, any>; [k: string]: any };

/** A write whose 409 (someone else wrote first, or the name was just taken) gives null, so the caller reads again. */
async function write<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ClusterError && e.status === 409) return null;
    throw e;
  }
}

// ---- what goes onto the cluster -------------------------------------------------------------------------------------

const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_KEY_RE =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const PROVIDER_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/;

const refuse = (message: string) => new ClusterError(message, "Other");

function checkName(name: unknown): string {
  const max = 253 - "-credentials".length;
  if (typeof name !== "string" || !DNS_SUBDOMAIN_RE.test(name) || name.length > max) {
    throw refuse(
      `"${String(name)}" cannot name a BackupStorageLocation: use lowercase letters, digits, "-" and ".", ` +
        `starting and ending with a letter or digit, at most ${max} characters`,
    );
  }
  return name;
}

/**
 * Checks what Velero or the API server would refuse later, whatever the provider, with a message that never quotes a
 * secret. What only one provider's plugin refuses is its driver's to check.
 */
function checkLocation(loc: LocationOnCluster) {
  checkName(loc.name);
  if (typeof loc.provider !== "string" || !PROVIDER_RE.test(loc.provider))
    throw refuse(`The provider "${String(loc.provider)}" is not a Velero provider name (e.g. aws, velero.io/azure)`);
  const { bucket, prefix, caCert } = loc.objectStorage ?? {};
  if (typeof bucket !== "string" || !bucket || /[/\s]/.test(bucket))
    throw refuse(
      `The bucket name "${String(bucket)}" is not valid: give the bucket alone, without "/" or spaces (the folder goes in prefix)`,
    );
  if (prefix !== undefined && (typeof prefix !== "string" || prefix.startsWith("/") || /\/\/|\s/.test(prefix))) {
    throw refuse(
      `The prefix "${String(prefix)}" is not valid: a folder path in the bucket without a leading "/", "//" or spaces`,
    );
  }
  for (const [k, v] of Object.entries(loc.config ?? {})) {
    if (SET_BY_VELERO.has(k))
      throw refuse(
        `The config key ${k} is set by Velero from the location itself; ${k === "caCert" ? "give the CA as objectStorage.caCert" : "leave it out of config"}`,
      );
    if (typeof v !== "string") throw refuse(`The config value of ${k} must be a string`);
  }
  if (caCert !== undefined && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(caCert))
    throw refuse("objectStorage.caCert is not a PEM certificate (-----BEGIN CERTIFICATE----- …)");
  if (loc.accessMode !== "ReadWrite" && loc.accessMode !== "ReadOnly")
    throw refuse(`The access mode "${String(loc.accessMode)}" is neither ReadWrite nor ReadOnly`);
  if (typeof loc.credentialsFile !== "string" || !loc.credentialsFile.trim())
    throw refuse("The credentials file is missing");
  if (!Array.isArray(loc.secrets) || loc.secrets.some((x) => typeof x !== "string"))
    throw refuse("The secrets of the credentials file must be a list of strings");
  for (const [k, v] of Object.entries(loc.labels ?? {})) {
    if (!LABEL_KEY_RE.test(k) || k.split("/")[0].length > 253) throw refuse(`"${k}" is not a valid label key`);
    if (typeof v !== "string" || !LABEL_VALUE_RE.test(v))
      throw refuse(`The value of label ${k} is not a valid label value (at most 63 letters, digits, "-", "_", ".")`);
  }
}

function desiredObjects(loc: LocationOnCluster, namespace: string): { secret: KObj; bsl: KObj; hidden: string[] } {
  const labels = { ...(loc.labels ?? {}), ...MANAGED_BY };
  const secretName = credentialsSecretName(loc.name);
  const encoded = Buffer.from(loc.credentialsFile, "utf8").toString("base64");
  const secret: KObj = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: secretName, namespace, labels: { ...labels } },
    type: "Opaque",
    data: { [CREDENTIALS_KEY]: encoded },
  };
  const objectStorage: Record<string, string> = { bucket: loc.objectStorage.bucket };
  if (loc.objectStorage.prefix) objectStorage.prefix = loc.objectStorage.prefix;
  if (loc.objectStorage.caCert) objectStorage.caCert = Buffer.from(loc.objectStorage.caCert, "utf8").toString("base64");
  const config = { ...(loc.config ?? {}) };
  const bsl: KObj = {
    apiVersion: `${BSL.group}/${BSL.version}`,
    kind: "BackupStorageLocation",
    metadata: { name: loc.name, namespace, labels: { ...labels } },
    spec: {
      provider: loc.provider,
      objectStorage,
      ...(Object.keys(config).length ? { config } : {}),
      credential: { name: secretName, key: CREDENTIALS_KEY },
      accessMode: loc.accessMode,
      default: loc.default === true,
    },
  };
  return { secret, bsl, hidden: [...loc.secrets.filter(Boolean), loc.credentialsFile, encoded] };
}

const isManaged = (o: KObj) => Object.entries(MANAGED_BY).every(([k, v]) => o.metadata?.labels?.[k] === v);

function assertManaged(
  kind: "BackupStorageLocation" | "Secret",
  o: KObj | null,
  namespace: string,
  verb: "overwrite" | "delete",
) {
  if (o && !isManaged(o)) {
    throw refuse(
      `A ${kind} named ${o.metadata?.name} exists and was not created by Lifeboat ` +
        `(no ${MANAGED_SELECTOR} label, namespace ${namespace}); Lifeboat will not ${verb} it. ` +
        `Choose another location name, or remove or rename that ${kind} first`,
    );
  }
}

const same = (a: unknown, b: unknown) => canonicalJson(a ?? {}) === canonicalJson(b ?? {});

/**
 * Creates `desired`, or replaces what is there (kept: its metadata but the labels; sent: the resourceVersion read, so a
 * concurrent write is a conflict, after which it reads and checks ownership again). Nothing is written when the
 * labels and the content are already as desired.
 */
async function upsert<T extends KObj>(o: {
  kind: "BackupStorageLocation" | "Secret";
  namespace: string;
  desired: T;
  current: T | null;
  content: (x: T) => unknown;
  read: () => Promise<T | null>;
  create: (body: T) => Promise<T>;
  replace: (body: T) => Promise<T>;
}): Promise<{ created: boolean }> {
  const name = o.desired.metadata!.name!;
  let current = o.current;
  for (let attempt = 1; ; attempt++) {
    assertManaged(o.kind, current, o.namespace, "overwrite");
    let done: T | null;
    if (!current) {
      done = await write(() => o.create(o.desired));
    } else if (
      same(current.metadata?.labels, o.desired.metadata?.labels) &&
      same(o.content(current), o.content(o.desired))
    ) {
      return { created: false };
    } else {
      const body = {
        ...o.desired,
        metadata: { ...current.metadata, labels: o.desired.metadata!.labels, managedFields: undefined },
      } as T;
      done = await write(() => o.replace(body));
    }
    if (done) return { created: !current };
    if (attempt >= MAX_WRITE_ATTEMPTS)
      throw refuse(`The ${o.kind} ${name} in ${o.namespace} kept changing while Lifeboat was writing it; try again`);
    current = await o.read();
  }
}

// ---- the operations ---------------------------------------------------------------------------------------------------

const BSL_REF = RESOURCES.backupstoragelocations;

/**
 * Creates or updates the credentials Secret `<name>-credentials` and the BackupStorageLocation `<name>` in the Velero
 * namespace, both labelled MANAGED_BY + loc.labels. Refuses (before writing anything) when either name is taken by an
 * object Lifeboat did not create. `created` tells whether the BackupStorageLocation is new.
 */
export async function applyLocation(
  client: ClusterClient,
  loc: LocationOnCluster,
  opts: { namespace?: string } = {},
): Promise<{ secretName: string; bslName: string; created: boolean }> {
  checkLocation(loc);
  const ns = opts.namespace ?? VELERO_NAMESPACE;
  const { secret, bsl, hidden } = desiredObjects(loc, ns);
  const c = client.hiding(hidden);
  const secretName = secret.metadata!.name!;
  const readSecret = () => c.get<KObj>(RESOURCES.secrets, secretName, ns);
  const readBsl = () => c.get<KObj>(BSL_REF, loc.name, ns);
  const [currentSecret, currentBsl] = await Promise.all([readSecret(), readBsl()]);
  assertManaged("BackupStorageLocation", currentBsl, ns, "overwrite");
  assertManaged("Secret", currentSecret, ns, "overwrite");

  // The Secret first, so Velero finds the credentials as soon as it sees the location.
  await upsert<KObj>({
    kind: "Secret",
    namespace: ns,
    desired: secret as KObj,
    current: currentSecret,
    content: (x) => ({ type: x.type ?? "Opaque", data: x.data, stringData: x.stringData }),
    read: readSecret,
    create: (body) => c.create(RESOURCES.secrets, body, ns),
    replace: (body) => c.replace(RESOURCES.secrets, body, ns),
  });
  const { created } = await upsert<KObj>({
    kind: "BackupStorageLocation",
    namespace: ns,
    desired: bsl,
    current: currentBsl,
    content: (x) => x.spec,
    read: readBsl,
    create: (body) => c.create(BSL_REF, body, ns),
    replace: (body) => c.replace(BSL_REF, body, ns),
  });
  return { secretName, bslName: loc.name, created };
}

/**
 * Deletes the BackupStorageLocation `<name>` and its Secret `<name>-credentials`; refuses (deleting nothing) when either
 * exists without Lifeboat's label. Backups in the bucket stay. `removed` is false when neither existed.
 */
export async function removeLocation(
  c: ClusterClient,
  name: string,
  opts: { namespace?: string } = {},
): Promise<{ removed: boolean }> {
  checkName(name);
  const ns = opts.namespace ?? VELERO_NAMESPACE;
  const secretName = credentialsSecretName(name);
  const [secret, bsl] = await Promise.all([
    c.get<KObj>(RESOURCES.secrets, secretName, ns),
    c.get<KObj>(BSL_REF, name, ns),
  ]);
  assertManaged("BackupStorageLocation", bsl, ns, "delete");
  assertManaged("Secret", secret, ns, "delete");
  // The uid precondition: delete the object that was checked, not one recreated under the same name meanwhile.
  let removed = false;
  if (bsl) removed = (await c.delete(BSL_REF, name, { namespace: ns, uid: bsl.metadata?.uid })) || removed;
  if (secret)
    removed = (await c.delete(RESOURCES.secrets, secretName, { namespace: ns, uid: secret.metadata?.uid })) || removed;
  return { removed };
}

/** What Velero last reported about the BackupStorageLocation `name` (any, not only Lifeboat's); null when it does not exist. */
export async function locationStatus(
  c: ClusterClient,
  name: string,
  opts: { namespace?: string } = {},
): Promise<LocationStatus | null> {
  const ns = opts.namespace ?? VELERO_NAMESPACE;
  const o = await c.get<KObj>(BSL_REF, name, ns);
  if (!o) return null;
  const st = o.status ?? {};
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  const out: LocationStatus = {};
  if (st.phase === "Available" || st.phase === "Unavailable") out.phase = st.phase;
  const message = str(st.message);
  const lastValidationTime = str(st.lastValidationTime);
  const lastSyncedTime = str(st.lastSyncedTime);
  if (message) out.message = message;
  if (lastValidationTime) out.lastValidationTime = lastValidationTime;
  if (lastSyncedTime) out.lastSyncedTime = lastSyncedTime;
  return out;
}

/** The BackupStorageLocations labelled as Lifeboat's in the Velero namespace, by name. */
export async function listManagedLocations(
  c: ClusterClient,
  opts: { namespace?: string } = {},
): Promise<{ name: string; labels: Record<string, string> }[]> {
  const ns = opts.namespace ?? VELERO_NAMESPACE;
  const items = await c.listItems<KObj>(BSL_REF, { namespace: ns, labelSelector: MANAGED_SELECTOR });
  return items
    .filter((o) => o.metadata?.name && isManaged(o))
    .map((o) => ({ name: o.metadata!.name!, labels: { ...(o.metadata!.labels ?? {}) } }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

// ---- the storage-class mapping of restores ----------------------------------------------------------------------------

/**
 * Puts Velero's change-storage-class ConfigMap (built by lib/velero/restore-spec storageClassConfigMap) in place, or,
 * with `desired` null, removes the one Lifeboat put there, so an old mapping does not leak into a later restore.
 * Refuses to overwrite or delete a ConfigMap of that name that Lifeboat did not create.
 */
export async function applyStorageClassMapping(
  c: ClusterClient,
  desired: {
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    data: Record<string, string>;
  } | null,
  opts: {
    name: string;
    namespace?: string;
    /** Set when a change must not happen now: refuses one with this reason. */ busy?: string;
  },
): Promise<{ changed: boolean }> {
  const ns = opts.namespace ?? VELERO_NAMESPACE;
  const read = () => c.get<KObj>(RESOURCES.configmaps, opts.name, ns);
  const current = await read();
  const foreign = current && !Object.entries(MANAGED_BY).every(([k, v]) => current.metadata?.labels?.[k] === v);
  if (!desired) {
    if (!current || foreign) return { changed: false };
    if (opts.busy) throw refuse(opts.busy);
    await c.delete(RESOURCES.configmaps, opts.name, { namespace: ns });
    return { changed: true };
  }
  if (foreign)
    throw refuse(
      `The ConfigMap ${opts.name} in ${ns} was not created by Lifeboat; remove it or edit it by hand to change storage classes on restore`,
    );
  const body: KObj = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: opts.name, namespace: ns, labels: { ...(desired.metadata.labels ?? {}), ...MANAGED_BY } },
    data: desired.data,
  };
  for (let attempt = 1; ; attempt++) {
    const cur = attempt === 1 ? current : await read();
    if (cur && same(cur.data, body.data) && same(cur.metadata?.labels, body.metadata!.labels))
      return { changed: false };
    if (opts.busy && (!cur || !same(cur.data, body.data))) throw refuse(opts.busy);
    const done = cur
      ? await write(() =>
          c.replace(
            RESOURCES.configmaps,
            { ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata?.resourceVersion } },
            ns,
          ),
        )
      : await write(() => c.create(RESOURCES.configmaps, body, ns));
    if (done) return { changed: true };
    if (attempt >= MAX_WRITE_ATTEMPTS)
      throw refuse(`The ConfigMap ${opts.name} in ${ns} kept changing while Lifeboat was writing it; try again`);
  }
}

/** The names of the cluster's StorageClasses (a storage-class mapping on restore must point at existing ones). */
export async function listStorageClasses(c: ClusterClient): Promise<string[]> {
  const items = await c.listItems(RESOURCES.storageclasses);
  return items
    .map((sc) => sc.metadata?.name)
    .filter((n): n is string => Boolean(n))
    .sort();
}
