"use client";
import dynamic from "next/dynamic";
import { useState } from "react";
import Link from "next/link";
import { useLiveInterval } from "@/components/common/LiveUpdates";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import IconButton from "@mui/material/IconButton";
import Stack from "@mui/material/Stack";
import { Tooltip } from "@/components/common/Tooltip";
import Typography from "@mui/material/Typography";
import DeleteOutlined from "@mui/icons-material/DeleteOutlined";
import EditOutlined from "@mui/icons-material/EditOutlined";
import Pause from "@mui/icons-material/Pause";
import PlayArrow from "@mui/icons-material/PlayArrow";
import ScheduleIcon from "@mui/icons-material/Schedule";
import { useTRPC } from "@/lib/trpc/client";
import { ListLimitNote } from "../common/ListLimitNote";
import { describeTtl } from "@/lib/velero/duration";
import { severity } from "@/lib/velero/phases";
import type { AppRouter } from "@/server/routers/_app";
import type { inferRouterOutputs } from "@trpc/server";
import { PageHeader } from "../common/PageHeader";
import { ErrorAlert } from "../common/ErrorAlert";
import { RelativeTime } from "../common/RelativeTime";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { useMe } from "../common/useMe";
import { PhaseChip } from "../common/PhaseChip";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { useNow } from "../common/useNow";
import { useSingleFlight } from "../common/useSingleFlight";
import { ClusterNameCell } from "../cluster/ClusterNameCell";

// Wizards and dialogs load when first opened, not with the page (#10 §6).
const BackupWizard = dynamic(() => import("../backup/BackupWizard").then((m) => m.BackupWizard), { ssr: false });
const ResumeDialog = dynamic(() => import("./ResumeDialog").then((m) => m.ResumeDialog), { ssr: false });
const ScheduleEditor = dynamic(() => import("./ScheduleEditor").then((m) => m.ScheduleEditor), { ssr: false });

type Row = inferRouterOutputs<AppRouter>["schedule"]["list"][number];

function NextRun({ s }: { s: Row }) {
  const now = useNow();
  if (s.paused)
    return (
      <Typography variant="body2" color="text.secondary">
        Paused
      </Typography>
    );
  if (!s.nextRunAt) return <span>—</span>;
  if (s.nextRunAt.getTime() <= now + 1000)
    return (
      <Tooltip title="Velero starts it at its next check">
        <span>due now</span>
      </Tooltip>
    );
  return <RelativeTime date={s.nextRunAt} />;
}

function LastBackup({ s }: { s: Row }) {
  if (!s.lastBackup)
    return s.lastBackupAt ? (
      <>
        started <RelativeTime date={s.lastBackupAt} />
      </>
    ) : (
      <Typography variant="body2" color="text.secondary">
        none yet
      </Typography>
    );
  const b = s.lastBackup;
  const detail = b.failureReason ?? (b.errors || b.warnings ? `${b.errors} errors, ${b.warnings} warnings` : b.name);
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: "center" }}>
      <PhaseChip
        kind="Backup"
        phase={b.phase}
        tooltip={detail}
        href={`/backups/${s.clusterId}/${encodeURIComponent(b.name)}`}
        ariaLabel={`Last backup ${b.name}: ${b.phase}`}
        testId="schedule-last-backup"
      />
      <RelativeTime date={b.completedAt ?? b.startedAt ?? s.lastBackupAt} />
    </Stack>
  );
}

/** Velero Schedules of every cluster the user may see, from the read model, refreshed every two seconds. */
export function SchedulesPage() {
  const trpc = useTRPC();
  // Updates are pushed (LiveUpdates); polling only while the stream is down.
  const live = useLiveInterval(2000);
  const qc = useQueryClient();
  const { can } = useMe();
  const q = useQuery({ ...trpc.schedule.list.queryOptions({}), refetchInterval: live });
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Row | null>(null);
  const [deleting, setDeleting] = useState<Row | null>(null);
  const [resuming, setResuming] = useState<Row | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.schedule.list.queryKey() });
  const pause = useMutation(trpc.schedule.pause.mutationOptions({ onSuccess: refresh }));
  const unpause = useMutation(
    trpc.schedule.unpause.mutationOptions({
      onSuccess: async () => {
        setResuming(null);
        await refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.schedule.delete.mutationOptions({
      onSuccess: async () => {
        setDeleting(null);
        await refresh();
      },
    }),
  );
  /** UI checks only hide: the server decides. Operators and cluster admins of a cluster manage its schedules. */
  const operates = (clusterId: string) =>
    ["OPERATOR", "CLUSTER_ADMIN"].includes(clusters.data?.find((c) => c.id === clusterId)?.myRole ?? "");
  const flight = useSingleFlight();
  const keyOf = (s: Row) => `${s.clusterId}/${s.name}`;
  const busy = (s: Row) =>
    flight.busy(keyOf(s)) ||
    [pause, unpause].some((m) => m.isPending && m.variables?.clusterId === s.clusterId && m.variables?.name === s.name);
  const actionError = pause.error;
  const columns: Column<Row>[] = [
    {
      id: "name",
      header: "Schedule",
      sortValue: (s) => s.name,
      cell: (s) => (
        <>
          <Link href={`/schedules/${s.clusterId}/${encodeURIComponent(s.name)}`}>
            <code>{s.name}</code>
          </Link>
          <Stack direction="row" spacing={0.5} sx={{ mt: 0.5 }}>
            {s.paused && (
              <Chip size="small" label="Paused" color="warning" variant="outlined" data-testid="schedule-paused" />
            )}
            {severity("Schedule", s.phase) === "error" && (
              <PhaseChip kind="Schedule" phase={s.phase} tooltip={s.validationErrors.join("; ")} />
            )}
            {!s.managedByLifeboat && (
              <Tooltip title="Created outside Lifeboat (velero CLI, GitOps): only its cron expression and paused flag can be edited here">
                <Chip size="small" label="External" variant="outlined" />
              </Tooltip>
            )}
          </Stack>
        </>
      ),
    },
    {
      id: "cluster",
      header: "Cluster",
      sortValue: (s) => s.clusterName,
      cell: (s) => <ClusterNameCell name={s.clusterName} state={s.clusterState} observedAt={s.observedAt} />,
    },
    {
      id: "when",
      header: "When",
      cell: (s) => (
        <>
          {s.cronText ?? (
            <Typography variant="body2" color="error">
              {s.cronError}
            </Typography>
          )}
          <Typography variant="caption" color="text.secondary" component="div">
            <code>{s.cron}</code>
          </Typography>
        </>
      ),
    },
    {
      id: "next",
      header: "Next run",
      sortValue: (s) => (s.paused ? null : s.nextRunAt),
      cell: (s) => <NextRun s={s} />,
    },
    {
      id: "last",
      header: "Last backup",
      sortValue: (s) => s.lastBackup?.completedAt ?? s.lastBackup?.startedAt ?? s.lastBackupAt,
      cell: (s) => <LastBackup s={s} />,
    },
    { id: "scope", header: "Scope", hideBelow: "xl", cell: (s) => s.scope },
    {
      id: "location",
      header: "Location / retention",
      hideBelow: "xl",
      cell: (s) => (
        <>
          {s.location ?? "default"}
          <Typography variant="caption" color="text.secondary" component="div">
            {s.ttl ? `kept ${describeTtl(s.ttl)}` : "server default TTL"}
          </Typography>
        </>
      ),
    },
    {
      id: "actions",
      header: "Actions",
      align: "right",
      cellSx: { whiteSpace: "nowrap" },
      cell: (s) => actions(s),
    },
  ];
  /** Pause or resume, edit, delete: for those who operate the schedule's cluster. */
  function actions(s: Row) {
    const mine = operates(s.clusterId);
    return (
      <>
        {mine &&
          can("schedule.pause") &&
          (s.paused ? (
            <Tooltip title="Resume">
              <span>
                <IconButton
                  aria-label={`Resume ${s.name}`}
                  disabled={busy(s)}
                  onClick={() => {
                    unpause.reset();
                    setResuming(s);
                  }}
                >
                  <PlayArrow />
                </IconButton>
              </span>
            </Tooltip>
          ) : (
            <Tooltip title="Pause">
              <span>
                <IconButton
                  aria-label={`Pause ${s.name}`}
                  disabled={busy(s)}
                  onClick={() =>
                    flight.run(keyOf(s), () => pause.mutateAsync({ clusterId: s.clusterId, name: s.name }))
                  }
                >
                  <Pause />
                </IconButton>
              </span>
            </Tooltip>
          ))}
        {mine && can("schedule.update") && (
          <Tooltip title="Edit">
            <IconButton aria-label={`Edit ${s.name}`} onClick={() => setEditing(s)}>
              <EditOutlined />
            </IconButton>
          </Tooltip>
        )}
        {mine && can("schedule.delete") && (
          <Tooltip title="Delete">
            <IconButton
              aria-label={`Delete ${s.name}`}
              onClick={() => {
                remove.reset();
                setDeleting(s);
              }}
            >
              <DeleteOutlined />
            </IconButton>
          </Tooltip>
        )}
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Schedules"
        subtitle="Recurring Velero backups with retention, across your clusters, live."
        actions={
          can("schedule.create") ? (
            <Button variant="contained" onClick={() => setCreating(true)}>
              New schedule
            </Button>
          ) : undefined
        }
      />
      <ErrorAlert error={actionError} />
      <ResourceTable
        label="Schedules"
        columns={columns}
        rows={q.data}
        rowKey={(s) => `${s.clusterId}/${s.name}`}
        rowTestId={(s) => `schedule-row-${s.clusterName}-${s.name}`}
        loading={q.isLoading}
        error={q.error}
        onRetry={() => void q.refetch()}
        empty={{
          icon: <ScheduleIcon />,
          title: "No schedules yet",
          message:
            "A schedule backs up a cluster on a cron expression and keeps each backup for its retention time. Schedules " +
            "made with the velero CLI or GitOps appear here too, once their cluster is attached.",
          action: can("schedule.create") ? (
            <Button variant="outlined" onClick={() => setCreating(true)}>
              New schedule
            </Button>
          ) : undefined,
        }}
        footer={q.data && <ListLimitNote count={q.data.length} what="schedules" />}
      />
      {creating && <BackupWizard open mode="schedule" onClose={() => setCreating(false)} />}
      {editing && <ScheduleEditor clusterId={editing.clusterId} name={editing.name} onClose={() => setEditing(null)} />}
      {resuming && (
        <ResumeDialog
          schedule={
            resuming &&
            (q.data?.find((r) => r.clusterId === resuming.clusterId && r.name === resuming.name) ?? resuming)
          }
          busy={unpause.isPending}
          error={unpause.error}
          onClose={() => setResuming(null)}
          onResume={(runNow) =>
            resuming && unpause.mutate({ clusterId: resuming.clusterId, name: resuming.name, runNow })
          }
        />
      )}
      <ConfirmDialog
        open={Boolean(deleting)}
        title={`Delete schedule ${deleting?.name ?? ""}?`}
        confirmLabel={remove.isPending ? "Deleting…" : "Delete schedule"}
        destructive
        busy={remove.isPending}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate({ clusterId: deleting.clusterId, name: deleting.name })}
      >
        <ErrorAlert error={remove.error} />
        Velero stops creating backups for it on {deleting?.clusterName}.{" "}
        {deleting?.useOwnerReferencesInBackup ? (
          <strong>
            This schedule owns its Backup objects (useOwnerReferencesInBackup): Kubernetes removes them with it. Their
            data stays in the bucket, and Velero&apos;s backup sync brings them back; delete the backups themselves to
            remove it.
          </strong>
        ) : (
          "The backups it already made stay, and expire by their retention time."
        )}
      </ConfirmDialog>
    </>
  );
}
