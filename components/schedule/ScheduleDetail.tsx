"use client";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { explainCron } from "@/lib/cron/describe";
import { describeTtl } from "@/lib/velero/duration";
import { useLiveInterval } from "../common/LiveUpdates";
import { PageHeader } from "../common/PageHeader";
import { ErrorAlert } from "../common/ErrorAlert";
import { DetailsTable } from "../common/DetailsTable";
import { RelativeTime } from "../common/RelativeTime";
import { useNow } from "../common/useNow";
import { useSingleFlight } from "../common/useSingleFlight";
import { BackupsPage } from "../backup/BackupsPage";

const when = (d: Date) => d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * One Velero Schedule: what it backs up and when, in words; its next runs in the browser's time zone; its backups (the
 * backups list, filtered by schedule); and "Back up now" from it, as `velero backup create --from-schedule` does.
 */
export function ScheduleDetail({ clusterId, name }: { clusterId: string; name: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const live = useLiveInterval(2000);
  const now = useNow();
  const q = useQuery({ ...trpc.schedule.list.queryOptions({ clusterId, name }), refetchInterval: live });
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const flight = useSingleFlight();
  const backupNow = useMutation(
    trpc.schedule.backupNow.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.backup.pathKey() }),
    }),
  );
  const s = q.data?.[0];
  if (q.isLoading) return <PageHeader title={name} subtitle="Schedule" />;
  if (q.error) return <ErrorAlert error={q.error} />;
  if (!s)
    return (
      <>
        <PageHeader title={name} subtitle="Schedule" />
        <Alert
          severity="info"
          data-testid="schedule-gone"
          action={
            <Button component={Link} href="/schedules" color="inherit" size="small">
              Back to schedules
            </Button>
          }
        >
          No schedule named {name} on this cluster: it may have been deleted.
        </Alert>
      </>
    );
  const operates = ["OPERATOR", "CLUSTER_ADMIN"].includes(clusters.data?.find((c) => c.id === clusterId)?.myRole ?? "");
  const cron = explainCron(s.cron, 5, new Date(now));
  const rows: [string, React.ReactNode][] = [
    [
      "Cluster",
      <Link key="c" href={`/clusters/${s.clusterId}`}>
        {s.clusterName}
      </Link>,
    ],
    ["Runs", s.cronError ? `Cannot be read: ${s.cronError}` : (s.cronText ?? "—")],
    ["Cron expression", <code key="cron">{s.cron}</code>],
    ["State", s.paused ? "Paused: no backups until it is resumed" : s.phase],
    ["Backs up", s.scope],
    ["Location", s.location ?? "the cluster's default location"],
    ["Retention (TTL)", s.ttl ? describeTtl(s.ttl) : "Velero's default (30 days)"],
    ["Last backup", s.lastBackupAt ? <RelativeTime key="last" date={s.lastBackupAt} /> : "none yet"],
    ["Made by", s.managedByLifeboat ? "Lifeboat" : "outside Lifeboat (velero CLI, GitOps, Helm…)"],
  ];
  return (
    <>
      <PageHeader
        title={s.name}
        subtitle={
          <>
            Schedule on <Link href={`/clusters/${s.clusterId}`}>{s.clusterName}</Link> ·{" "}
            <Link href="/schedules">All schedules</Link>
          </>
        }
        actions={
          operates ? (
            <Button
              variant="contained"
              disabled={backupNow.isPending || flight.busy("now")}
              onClick={() => flight.run("now", () => backupNow.mutateAsync({ clusterId, name: s.name }))}
            >
              {backupNow.isPending ? "Starting…" : "Back up now"}
            </Button>
          ) : undefined
        }
      />
      <ErrorAlert error={backupNow.error} />
      {backupNow.data && (
        <Alert severity="success" sx={{ mb: 2 }} data-testid="schedule-backup-started">
          Backup{" "}
          <Link href={`/backups/${clusterId}/${encodeURIComponent(backupNow.data.name)}`}>
            <code>{backupNow.data.name}</code>
          </Link>{" "}
          {backupNow.data.created ? "started" : "was already started"} from this schedule&apos;s template.
        </Alert>
      )}
      {s.validationErrors.length > 0 && (
        <Alert severity="error" sx={{ mb: 2 }}>
          Velero refuses this schedule: {s.validationErrors.join("; ")}
        </Alert>
      )}
      <DetailsTable label="Schedule details" rows={rows} sx={{ mb: 3 }} />
      <Box component="section" aria-labelledby="next-runs" sx={{ mb: 3 }}>
        <Typography variant="h6" component="h2" id="next-runs" sx={{ mb: 1 }}>
          Next runs
        </Typography>
        {s.paused ? (
          <Typography color="text.secondary">None while it is paused.</Typography>
        ) : !cron.ok ? (
          <Typography color="text.secondary">{cron.error}</Typography>
        ) : cron.next.length === 0 ? (
          <Typography color="text.secondary">It never runs again.</Typography>
        ) : (
          <ol data-testid="schedule-next-runs" style={{ margin: 0 }}>
            {cron.next.map((d) => (
              <li key={d.getTime()}>{when(d)}</li>
            ))}
          </ol>
        )}
      </Box>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        Backups
      </Typography>
      <BackupsPage clusterId={clusterId} schedule={{ name: s.name }} />
    </>
  );
}
