import crypto from "node:crypto";
import { labelValue } from "@/lib/velero/names";
import { isTerminal, parsePhase, type DeleteBackupRequestPhase } from "@/lib/velero/phases";
import { lifeboatMetadata, VELERO_API_VERSION } from "@/lib/velero/backup-spec";

// Deleting a backup the way Velero wants it (velero-api.md §2.6): through a DeleteBackupRequest, never by deleting the
// Backup object (that leaves the data, and backup sync brings the object back). Pure rules, no I/O.

/** Velero's deletion controller accepts a finished backup; it refuses one that is still running. */
export const isDeletable = (phase: string | null | undefined) => isTerminal("Backup", phase);

export type DeleteRequestPhase = DeleteBackupRequestPhase;

/** The newest DeleteBackupRequest of a backup, as the console shows it. */
export interface Deletion {
  requestName: string;
  phase: DeleteRequestPhase;
  errors: string[];
  createdAt: Date | null;
}

/** A read-model row of kind deletebackuprequests. */
export interface DeleteRequestRow {
  name: string;
  labels: unknown;
  spec: unknown;
  status: unknown;
  createdAt: Date | null;
}

export const requestBackupName = (r: DeleteRequestRow): string | null => {
  const n = (r.spec as { backupName?: unknown } | null)?.backupName;
  return typeof n === "string" ? n : null;
};

export function requestPhase(status: unknown): DeleteRequestPhase {
  const p = (status as { phase?: unknown } | null)?.phase;
  return parsePhase("DeleteBackupRequest", typeof p === "string" ? p : null);
}

export const isPending = (d: Pick<Deletion, "phase"> | null | undefined) => Boolean(d && d.phase !== "Processed");

/**
 * The newest request for a backup. Requests labelled with another backup UID were for an earlier backup of the same
 * name (Velero keeps processed requests for 24 h) and do not count.
 */
export function newestDeletion(requests: DeleteRequestRow[], backupUid: string | null): Deletion | null {
  const mine = requests.filter((r) => {
    const uid = (r.labels as Record<string, string> | null)?.["velero.io/backup-uid"];
    return !uid || !backupUid || uid === backupUid;
  });
  mine.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0) || b.name.localeCompare(a.name));
  const r = mine[0];
  if (!r) return null;
  const errors = (r.status as { errors?: unknown } | null)?.errors;
  return {
    requestName: r.name,
    phase: requestPhase(r.status),
    errors: Array.isArray(errors) ? errors.map(String) : [],
    createdAt: r.createdAt,
  };
}

const NAME_MAX = 253;
const HASH_LENGTH = 10;

/**
 * The request's name: the backup's name and a hash of (backup, UID, the previous request). Two submits of the same
 * attempt get the same name, so the cluster answers the second with 409 and only one request exists; a retry after a
 * request was processed (with errors) follows a different previous request, so it gets a new name.
 */
export function deleteRequestName(backup: string, uid: string, previous: string | null): string {
  const hash = crypto
    .createHash("sha256")
    .update(`${backup}\n${uid}\n${previous ?? ""}`)
    .digest("hex")
    .slice(0, HASH_LENGTH);
  const prefix = backup.slice(0, NAME_MAX - HASH_LENGTH - 1).replace(/[-.]+$/, "");
  return `${prefix}-${hash}`;
}

/** The DeleteBackupRequest manifest, labelled as Velero's CLI labels it, plus Lifeboat's cluster label and author. */
export function buildDeleteBackupRequest(args: {
  backupName: string;
  backupUid: string | null;
  requestName: string;
  cluster: { name: string };
  createdBy: string;
}) {
  const metadata = lifeboatMetadata({ name: args.requestName, cluster: args.cluster, createdBy: args.createdBy });
  return {
    apiVersion: VELERO_API_VERSION,
    kind: "DeleteBackupRequest",
    metadata: {
      ...metadata,
      labels: {
        ...(metadata.labels ?? {}),
        "velero.io/backup-name": labelValue(args.backupName),
        ...(args.backupUid ? { "velero.io/backup-uid": args.backupUid } : {}),
      },
    },
    spec: { backupName: args.backupName },
  };
}
