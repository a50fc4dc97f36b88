import crypto from "node:crypto";
import type { Cluster } from "../kube-api/cluster";
import { ApiError } from "../kube-api/errors";
import type { KObject, ResourceType } from "../kube-api/types";
import { objectStoreFor, StoreError, type ObjectStore } from "../storage/object-store";

// What every controller of the Velero stand-in shares: the cluster, the install namespace, options, fault switches,
// typed access to velero.io objects, and the object store behind a BackupStorageLocation.
export interface VeleroOptions {
  namespace?: string; // default "velero"
  version: string; // e.g. "v1.18.1"
  nodeAgent: boolean;
  csi: boolean; // --features=EnableCSI
  /** The server's --default-volumes-to-fs-backup: a backup that does not say gets file-system backup of every volume. */
  defaultVolumesToFsBackup?: boolean;
  /** The server's --default-snapshot-move-data: a backup that does not say moves its CSI snapshots' data. */
  defaultSnapshotMoveData?: boolean;
  /** The ObjectStore plugins the server runs (default velero.io/aws and velero.io/azure); a BSL of another is Unavailable. */
  objectStorePlugins?: string[];
  /** Default backup sync period when a BSL does not set one (Velero: 1m). */
  syncPeriodMs?: number;
  /** BSL validation frequency default (Velero: 1m). */
  validationPeriodMs?: number;
  /** Garbage-collection period (Velero: 1h). */
  gcPeriodMs?: number;
  /** How often schedules are evaluated (Velero: every minute tick; here finer so tests are quick). */
  scheduleTickMs?: number;
  /** Simulated throughput: per-item delay while backing up or restoring. */
  itemDelayMs?: number;
  /** Simulated volume data transfer time (PVBs, DataUploads). */
  volumeDelayMs?: number;
  /**
   * Where the Azure plugin signs in with a service principal (Entra ID's token endpoint) and lists account keys (Azure
   * Resource Manager). The real plugin uses its cloud's hosts (login.microsoftonline.com, management.azure.com for
   * AzurePublicCloud); the sandbox points both at its own stand-in (sandbox/storage/entra.ts). Unset: the cloud's own.
   */
  azureAuthorityHost?: string;
  azureResourceManager?: string;
}

/** Fault switches for tests. Mutable while running. */
export interface Faults {
  /** Items to fail, as "<resource>[.<group>]/<namespace>/<name>" or "<resource>[.<group>]/<name>"; "*" segments allowed. */
  failItems: string[];
  /** BackupStorageLocation names whose bucket is treated as unreachable. */
  unreachableLocations: string[];
  /** Extra delay per item (slow everything down). */
  slowMs: number;
  /** Stop processing (as a crash would) after this many items of the next backup; it stays InProgress. */
  crashAfterItems: number | null;
}

export const LABELS = {
  backupName: "velero.io/backup-name",
  backupUid: "velero.io/backup-uid",
  restoreName: "velero.io/restore-name",
  restoreUid: "velero.io/restore-uid",
  scheduleName: "velero.io/schedule-name",
  storageLocation: "velero.io/storage-location",
  excludeFromBackup: "velero.io/exclude-from-backup",
  pvcUid: "velero.io/pvc-uid",
  gcFailure: "velero.io/gc-failure",
} as const;

export const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Go's time.ParseDuration in milliseconds, as Velero reads ttl, syncPeriod and the other durations. */
export { parseGoDuration } from "../../lib/velero/duration";

/** Velero's label.GetValidName: values over 63 characters become name[:57] + 6 hex chars of sha256(name). */
export function validLabelValue(name: string): string {
  if (name.length <= 63) return name;
  return name.slice(0, 57) + crypto.createHash("sha256").update(name).digest("hex").slice(0, 6);
}

export class VeleroContext {
  readonly ns: string;
  readonly faults: Faults = { failItems: [], unreachableLocations: [], slowMs: 0, crashAfterItems: null };
  stopped = false;
  /** Set when a crash fault stopped a backup midway (the stand-in then behaves as a dead process for that backup). */
  crashed = false;

  constructor(
    readonly cluster: Cluster,
    readonly opts: VeleroOptions,
  ) {
    this.ns = opts.namespace ?? "velero";
  }

  type(resource: string, version = "v1"): ResourceType {
    const t = this.cluster.findType("velero.io", version, resource);
    if (!t) throw new Error(`velero.io/${version} ${resource} is not served: are Velero's CRDs installed?`);
    return t;
  }

  list(resource: string, version = "v1"): KObject[] {
    return this.cluster.list(this.type(resource, version), this.ns).items;
  }

  get(resource: string, name: string, version = "v1"): KObject | undefined {
    try {
      return this.cluster.get(this.type(resource, version), this.ns, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  /** Read-modify-write of a velero.io object (no status subresource: Velero writes status through the main resource). */
  mutate(resource: string, name: string, fn: (o: KObject) => void, version = "v1"): KObject | undefined {
    for (let attempt = 0; attempt < 5; attempt++) {
      const o = this.get(resource, name, version);
      if (!o) return undefined;
      fn(o);
      try {
        return this.cluster.update(this.type(resource, version), this.ns, name, o);
      } catch (e) {
        if (e instanceof ApiError && e.code === 409) continue;
        if (e instanceof ApiError && e.code === 404) return undefined;
        throw e;
      }
    }
    throw new Error(`could not update ${resource}/${name}: too many conflicts`);
  }

  create(resource: string, body: KObject, version = "v1"): KObject {
    return this.cluster.create(this.type(resource, version), this.ns, body);
  }

  remove(resource: string, name: string, version = "v1") {
    try {
      this.cluster.delete(this.type(resource, version), this.ns, name);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }

  /** The object store behind a BSL, with its credential Secret; unreachable when the fault switch says so. */
  storeFor(bsl: KObject): ObjectStore {
    const name = bsl.metadata.name!;
    if (this.faults.unreachableLocations.includes(name)) return unreachableStore(name);
    const cred = bsl.spec?.credential as { name?: string; key?: string } | undefined;
    const secretName = cred?.name || "cloud-credentials";
    const key = cred?.key || "cloud";
    let secret: KObject | undefined;
    try {
      secret = this.cluster.get(this.cluster.builtin("", "secrets"), this.ns, secretName);
    } catch {
      secret = undefined;
    }
    const raw = secret?.data?.[key] ? Buffer.from(secret.data[key], "base64").toString() : secret?.stringData?.[key];
    if (!raw)
      throw new StoreError(
        `unable to get credentials: secret "${this.ns}/${secretName}" key "${key}" not found`,
        "Other",
      );
    return objectStoreFor(
      {
        provider: bsl.spec?.provider ?? "",
        bucket: bsl.spec?.objectStorage?.bucket ?? "",
        prefix: bsl.spec?.objectStorage?.prefix,
        config: bsl.spec?.config,
      },
      { cloud: raw },
      {
        timeoutMs: 4000,
        azureAuthorityHost: this.opts.azureAuthorityHost,
        azureResourceManager: this.opts.azureResourceManager,
      },
    );
  }
}

function unreachableStore(name: string): ObjectStore {
  const fail = async (): Promise<never> => {
    throw new StoreError(
      `rpc error: code = Unknown desc = RequestError: send request failed caused by: dial tcp: connect: connection refused (location ${name} is made unreachable by a fault switch)`,
      "Unreachable",
    );
  };
  return {
    put: fail,
    get: fail,
    exists: fail,
    list: fail,
    listPrefixes: fail,
    delete: fail,
    deletePrefix: fail,
    signedUrl: fail,
  };
}
