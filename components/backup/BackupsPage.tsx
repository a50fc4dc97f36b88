"use client";
import dynamic from "next/dynamic";
import { useState } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useLiveInterval } from "@/components/common/LiveUpdates";
import Link from "next/link";
import { skipToken, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import CircularProgress from "@mui/material/CircularProgress";
import { Tooltip } from "@/components/common/Tooltip";
import Typography from "@mui/material/Typography";
import Backup from "@mui/icons-material/Backup";
import { useTRPC } from "@/lib/trpc/client";
import { formatBytes } from "@/lib/text/bytes";
import { isRunning, isTerminal } from "@/lib/velero/phases";
import type { AppRouter } from "@/server/routers/_app";
import { PageHeader } from "../common/PageHeader";
import { ErrorAlert } from "../common/ErrorAlert";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { RelativeTime } from "../common/RelativeTime";
import { useMe } from "../common/useMe";
import { PhaseChip } from "../common/PhaseChip";
import { ItemProgress } from "../common/ItemProgress";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { ClusterNameCell } from "../cluster/ClusterNameCell";
import { BackupFilters } from "./BackupFilters";
import {
  backupListQuery,
  backupPageInput,
  backupQueryString,
  nextBackupPage,
  PHASE_FILTERS,
  type BackupQuery,
} from "@/lib/schemas/backup-query";

// Wizards and dialogs load when first opened, not with the page (#10 §6).
const BackupWizard = dynamic(() => import("./BackupWizard").then((m) => m.BackupWizard), { ssr: false });
const GroupBackupDialog = dynamic(() => import("./GroupBackupDialog").then((m) => m.GroupBackupDialog), {
  ssr: false,
});

type BackupRow = inferRouterOutputs<AppRouter>["backup"]["list"][number];
type Deletion = BackupRow["deletion"];

export const deletionPending = (phase: string, deletion: Deletion) =>
  phase === "Deleting" || Boolean(deletion && isRunning("DeleteBackupRequest", deletion.phase));

/**
 * Whether to offer "Delete": the permission on this backup's cluster, a finished backup (Velero deletes only those,
 * velero-api.md §2.6), and no deletion under way.
 */
export function deletable(
  can: (p: "backup.delete") => boolean,
  b: { phase: string; deletion: Deletion; canDelete: boolean },
) {
  return can("backup.delete") && b.canDelete && isTerminal("Backup", b.phase) && !deletionPending(b.phase, b.deletion);
}

/** The deletion under way ("Deleting…" and the request's phase), or the errors of one that failed. */
export function DeletionStatus({ phase, deletion }: { phase: string; deletion: Deletion }) {
  if (deletionPending(phase, deletion)) {
    return (
      <Tooltip
        title={
          deletion ? `DeleteBackupRequest ${deletion.requestName}: ${deletion.phase}` : "Velero is deleting this backup"
        }
      >
        <Chip
          size="small"
          color="warning"
          variant="outlined"
          icon={<CircularProgress size={12} color="inherit" aria-label="Deleting" />}
          label={deletion ? `Deleting… ${deletion.phase}` : "Deleting…"}
          data-testid="backup-deletion"
          sx={{ ml: 1 }}
        />
      </Tooltip>
    );
  }
  if (deletion && isTerminal("DeleteBackupRequest", deletion.phase) && deletion.errors.length > 0) {
    return (
      <Box data-testid="backup-deletion" sx={{ mt: 0.5 }}>
        <Tooltip title={`DeleteBackupRequest ${deletion.requestName} was processed with errors`}>
          <Chip size="small" color="error" variant="outlined" label="Deletion failed" />
        </Tooltip>
        {deletion.errors.map((e) => (
          <Typography key={e} variant="caption" color="error" component="div">
            {e}
          </Typography>
        ))}
      </Box>
    );
  }
  return null;
}

/** Asks before deleting, saying exactly what goes; Velero then does it through a DeleteBackupRequest. */
export function DeleteBackupDialog({
  backup,
  onClose,
}: {
  backup: { clusterId: string; clusterName: string; name: string; location: string | null } | null;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const del = useMutation(
    trpc.backup.delete.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.backup.pathKey() });
        onClose();
      },
    }),
  );
  if (!backup) return null;
  const close = () => {
    del.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open
      title={`Delete backup ${backup.name}?`}
      confirmLabel="Delete backup"
      destructive
      busy={del.isPending}
      onClose={close}
      onConfirm={() => del.mutate({ clusterId: backup.clusterId, name: backup.name })}
    >
      <ErrorAlert error={del.error} />
      Velero deletes, through a DeleteBackupRequest on {backup.clusterName}:
      <ul>
        <li>
          the backup <strong>{backup.name}</strong>, and the restores made from it;
        </li>
        <li>
          its data in the bucket of location <strong>{backup.location ?? "(its location)"}</strong>;
        </li>
        <li>its volume snapshots: CSI snapshots, file-system (kopia) backups and moved snapshot data.</li>
      </ul>
      It disappears from every cluster that shares the location. This cannot be undone.
    </ConfirmDialog>
  );
}

/**
 * Backups from the read model, refreshed every second while the page is open: of every cluster the user may see, or of
 * one cluster (its page shows a disconnected cluster's last-known state, and how old it is). The filter lives in the
 * URL query (lib/schemas/backup-query.ts) and is applied on the server.
 */
// No Suspense boundary around the list: every console page is rendered per request (useSearchParams needs none
// then), and React streams a boundary over 12.8 KB separately and reveals it up to 300 ms after the first paint, which
// is where the server-rendered first page would land (#10 §6).
export function BackupsPage({ clusterId, schedule }: { clusterId?: string; schedule?: { name: string } } = {}) {
  const trpc = useTRPC();
  // Updates are pushed (LiveUpdates); polling only while the stream is down.
  const live = useLiveInterval(1000);
  const clusterLive = useLiveInterval(15_000);
  const { can } = useMe();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const query = backupListQuery(params, { clusterId, schedule: schedule?.name });
  const setQuery = (next: BackupQuery) => {
    const s = backupQueryString({ ...next, ...(schedule ? { schedule: undefined } : {}) });
    router.replace(s ? `${pathname}?${s}` : pathname, { scroll: false });
  };
  const show = query.show && query.show in PHASE_FILTERS ? (query.show as keyof typeof PHASE_FILTERS) : "all";
  const filtered =
    Object.values(query).some(Boolean) && !(schedule && Object.values(query).filter(Boolean).length === 1);
  const q = useInfiniteQuery({
    ...trpc.backup.page.infiniteQueryOptions(backupPageInput(query, clusterId), { getNextPageParam: nextBackupPage }),
    refetchInterval: live,
  });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  const cluster = useQuery({
    ...trpc.cluster.get.queryOptions(clusterId ? { id: clusterId } : skipToken),
    refetchInterval: clusterLive,
  });
  const [wizard, setWizard] = useState(false);
  const [groupBackup, setGroupBackup] = useState(false);
  const [deleting, setDeleting] = useState<BackupRow | null>(null);
  const sync = useQuery({
    ...trpc.cluster.sync.queryOptions(clusterId ? { id: clusterId } : skipToken),
    refetchInterval: 5000,
  });
  const syncError = sync.data?.find((k) => k.kind === "backups")?.lastError;
  const c = cluster.data;
  const perCluster = Boolean(clusterId);
  // Newest first, as the server pages them: sorting the loaded pages alone would mislead, so the columns do not sort.
  const columns: Column<BackupRow>[] = [
    {
      id: "name",
      header: "Backup",
      cell: (b) => (
        <>
          <Link href={`/backups/${b.clusterId}/${encodeURIComponent(b.name)}`}>
            <code>{b.name}</code>
          </Link>
          {b.syncedCopy && (
            <Tooltip
              title={`Synced by Velero from a shared location; the original was made on ${b.originCluster ?? "another cluster, outside Lifeboat"}`}
            >
              <Chip
                size="small"
                variant="outlined"
                label="Synced copy"
                sx={{ ml: 1 }}
                data-testid="backup-synced-copy"
              />
            </Tooltip>
          )}
        </>
      ),
    },
    ...(perCluster
      ? []
      : [
          {
            id: "cluster",
            header: "Cluster",
            cell: (b: BackupRow) => (
              <ClusterNameCell name={b.clusterName} state={b.clusterState} observedAt={b.observedAt} />
            ),
          },
        ]),
    {
      id: "phase",
      header: "Phase",
      cell: (b) => (
        <>
          <PhaseChip
            kind="Backup"
            phase={b.phase}
            items={b.itemsBackedUp}
            tooltip={b.failureReason ?? (b.queuePosition ? `Queue position ${b.queuePosition}` : "")}
            testId="backup-phase"
          />
          <DeletionStatus phase={b.phase} deletion={b.deletion} />
        </>
      ),
    },
    {
      id: "progress",
      header: "Progress",
      width: 140,
      cell: (b) => (
        <ItemProgress
          done={b.itemsBackedUp}
          total={b.totalItems}
          extra={
            b.volumeBytesTotal ? (
              <span style={{ fontSize: 12, display: "block" }} data-testid="backup-volume-bytes">
                {formatBytes(b.volumeBytesDone ?? 0)} of {formatBytes(b.volumeBytesTotal)} volume data
              </span>
            ) : null
          }
        />
      ),
    },
    { id: "errors", header: "Errors / warnings", hideBelow: "xl", cell: (b) => `${b.errors} / ${b.warnings}` },
    { id: "started", header: "Started", hideBelow: "xl", cell: (b) => <RelativeTime date={b.startTimestamp} /> },
    { id: "completed", header: "Completed", cell: (b) => <RelativeTime date={b.completionTimestamp} /> },
    { id: "expires", header: "Expires", hideBelow: "xl", cell: (b) => <RelativeTime date={b.expiration} /> },
    { id: "location", header: "Location", hideBelow: "xl", cell: (b) => b.location ?? "—" },
    { id: "schedule", header: "Schedule", hideBelow: "lg", cell: (b) => b.schedule ?? "—" },
    ...(can("backup.delete")
      ? [
          {
            id: "actions",
            header: "Actions",
            cell: (b: BackupRow) =>
              deletable(can, b) && (
                <Button size="small" color="error" onClick={() => setDeleting(b)} aria-label={`Delete ${b.name}`}>
                  Delete
                </Button>
              ),
          },
        ]
      : []),
  ];
  return (
    <>
      {!schedule && (
        <PageHeader
          title={perCluster ? `Backups of ${c?.name ?? "…"}` : "Backups"}
          subtitle={
            perCluster ? (
              <>
                Velero backups on the cluster <Link href={`/clusters/${clusterId}`}>{c?.name ?? "…"}</Link>, live.
              </>
            ) : (
              "On-demand and scheduled Velero backups across your clusters, live."
            )
          }
          actions={
            can("backup.create") ? (
              <>
                {!perCluster && (
                  <Button variant="outlined" onClick={() => setGroupBackup(true)}>
                    Back up a cluster group…
                  </Button>
                )}
                <Button variant="contained" onClick={() => setWizard(true)}>
                  Back up now
                </Button>
              </>
            ) : undefined
          }
        />
      )}
      <ErrorAlert error={cluster.error} />
      {c?.state === "DISCONNECTED" && (
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="cluster-disconnected">
          {c.name} is disconnected: this is its last-known state, from when it was last seen{" "}
          <RelativeTime date={c.lastSeenAt} />.{c.lastError ? ` Last error: ${c.lastError}` : ""}
        </Alert>
      )}
      <BackupFilters
        query={query}
        onChange={setQuery}
        shows={PHASE_FILTERS}
        perCluster={perCluster}
        clusterId={clusterId}
        fixedSchedule={schedule?.name}
      />
      {syncError && c?.state !== "DISCONNECTED" && (
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="sync-error">
          Lifeboat can&apos;t follow this cluster&apos;s backups right now, so this list may be out of date: {syncError}
        </Alert>
      )}
      <ResourceTable
        label="Backups"
        columns={columns}
        rows={rows}
        rowKey={(b) => `${b.clusterId}/${b.name}`}
        rowTestId={(b) => `backup-row-${b.clusterName}-${b.name}`}
        loading={q.isLoading}
        error={q.error}
        onRetry={() => void q.refetch()}
        empty={
          filtered
            ? {
                icon: <Backup />,
                title: "No backups match",
                message: `No ${PHASE_FILTERS[show].label.toLowerCase()} match these filters right now.`,
              }
            : {
                icon: <Backup />,
                title: "No backups yet",
                message: perCluster
                  ? "Backups of this cluster appear here once data protection is enabled on it; start one with “Back up now”."
                  : "Backups appear here once clusters are attached and data protection is enabled on them; start one with “Back up now”.",
              }
        }
        footer={
          q.hasNextPage && (
            <Button sx={{ mt: 1 }} onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
              {q.isFetchingNextPage ? "Loading…" : "Load older backups"}
            </Button>
          )
        }
      />
      <DeleteBackupDialog backup={deleting} onClose={() => setDeleting(null)} />
      {wizard && <BackupWizard open={wizard} onClose={() => setWizard(false)} />}
      {groupBackup && <GroupBackupDialog open={groupBackup} onClose={() => setGroupBackup(false)} />}
    </>
  );
}
