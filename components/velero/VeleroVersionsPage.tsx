"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import Update from "@mui/icons-material/Update";
import { useTRPC } from "@/lib/trpc/client";
import type { VeleroVersionRow } from "@/lib/schemas/velero-fleet";
import { VELERO_RELEASES } from "@/lib/velero/versions";
import { useLiveInterval } from "../common/LiveUpdates";
import { PageHeader } from "../common/PageHeader";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { Tooltip } from "../common/Tooltip";
import { GroupDataProtectionButton } from "../velero-group/GroupDataProtectionButton";
import { phaseText, progressOf } from "../velero-group/group-view";

// The fleet's Velero versions (#12 §3): per cluster the user may see, who runs Velero there, the Velero, node-agent
// and plugin versions, how they go with the cluster's Kubernetes, whether Lifeboat installs a newer release, and the
// operation under way with its progress. An upgrade starts from here: one cluster (its Data protection section opens
// on the upgrade) or a whole group (its policy, with each cluster's progress).

type Color = "default" | "success" | "info" | "warning" | "error";

const MANAGEMENT: Record<VeleroVersionRow["management"], { label: string; color: Color }> = {
  MANAGED: { label: "Managed by Lifeboat", color: "success" },
  ADOPTED: { label: "Installed by someone else", color: "info" },
  OFF: { label: "No Velero", color: "default" },
  DISABLED: { label: "Disabled", color: "default" },
};
const MANAGEMENT_ORDER = ["MANAGED", "ADOPTED", "DISABLED", "OFF"];

const COMPATIBILITY: Record<NonNullable<VeleroVersionRow["compatibility"]>["level"], { label: string; color: Color }> =
  {
    tested: { label: "Tested", color: "success" },
    supported: { label: "Supported", color: "info" },
    unsupported: { label: "Unsupported", color: "error" },
    unknown: { label: "Unknown", color: "warning" },
  };
/** Worst first, for sorting. */
const COMPATIBILITY_ORDER = ["unsupported", "unknown", "supported", "tested"];

const none = (
  <Typography component="span" variant="body2" color="text.secondary">
    —
  </Typography>
);

const COLUMNS: Column<VeleroVersionRow>[] = [
  {
    id: "cluster",
    header: "Cluster",
    sortValue: (r) => r.clusterName,
    cell: (r) => (
      <>
        <Link href={`/clusters/${r.clusterId}`}>{r.clusterName}</Link>
        <Typography variant="caption" color="text.secondary" component="div">
          {r.groupName}
        </Typography>
      </>
    ),
  },
  {
    id: "management",
    header: "Velero",
    sortValue: (r) => MANAGEMENT_ORDER.indexOf(r.management),
    cell: (r) => {
      const progress = r.operation ? progressOf(r.operation) : null;
      return (
        <>
          <Chip
            size="small"
            color={MANAGEMENT[r.management].color}
            label={MANAGEMENT[r.management].label}
            data-testid="versions-management"
          />
          {r.operation && progress !== null && (
            <Stack spacing={0.5} sx={{ mt: 0.5, minWidth: 160 }} data-testid="versions-operation">
              <Typography variant="caption">{phaseText(r.operation)}</Typography>
              <LinearProgress
                variant="determinate"
                value={progress}
                aria-label={`${r.clusterName}: ${phaseText(r.operation)}, ${progress}%`}
              />
            </Stack>
          )}
        </>
      );
    },
  },
  {
    id: "version",
    header: "Velero version",
    sortValue: (r) => r.veleroVersion,
    cell: (r) => r.veleroVersion ?? none,
  },
  {
    id: "nodeAgent",
    header: "Node-agent",
    sortValue: (r) => r.nodeAgent ?? (r.nodeAgentRunning ? "" : null),
    cell: (r) =>
      r.nodeAgent ??
      (r.nodeAgentRunning ? (
        <Typography component="span" variant="body2" color="text.secondary">
          Runs (version not read yet)
        </Typography>
      ) : (
        none
      )),
  },
  {
    id: "plugins",
    header: "Plugins",
    hideBelow: "lg",
    cell: (r) =>
      r.plugins.length
        ? r.plugins.map((p) => (
            <Typography key={p.name} variant="body2" component="div">
              {p.name} {p.version ?? "(untagged)"}
            </Typography>
          ))
        : none,
  },
  {
    id: "kubernetes",
    header: "Kubernetes",
    hideBelow: "md",
    sortValue: (r) => r.kubernetesVersion,
    cell: (r) => r.kubernetesVersion ?? none,
  },
  {
    id: "compatibility",
    header: "Support",
    sortValue: (r) => (r.compatibility ? COMPATIBILITY_ORDER.indexOf(r.compatibility.level) : null),
    cell: (r) => {
      if (!r.compatibility) return none;
      const c = COMPATIBILITY[r.compatibility.level];
      return (
        <Tooltip title={r.compatibility.why}>
          <Chip
            size="small"
            variant="outlined"
            color={c.color}
            label={c.label}
            tabIndex={0}
            aria-label={`${c.label}: ${r.compatibility.why}`}
            data-testid="versions-compatibility"
          />
        </Tooltip>
      );
    },
  },
  {
    id: "upgrade",
    header: "Newer release",
    sortValue: (r) => (r.upgradeAvailable ? 0 : r.veleroVersion ? 1 : 2),
    cell: (r) =>
      r.upgradeAvailable ? (
        <Stack spacing={0.5} sx={{ alignItems: "flex-start" }}>
          <Chip
            size="small"
            color="warning"
            icon={<Update />}
            label={`Upgrade available: ${r.newestRelease}`}
            data-testid="versions-upgrade"
          />
          {r.canUpgrade ? (
            <Button
              size="small"
              component={Link}
              href={`/clusters/${r.clusterId}?velero=upgrade`}
              aria-label={`Upgrade Velero on ${r.clusterName}`}
            >
              Upgrade…
            </Button>
          ) : r.groupPolicy ? (
            <Typography variant="caption" color="text.secondary">
              Upgraded with group {r.groupName}&apos;s policy
            </Typography>
          ) : null}
        </Stack>
      ) : r.veleroVersion === r.newestRelease ? (
        <Typography component="span" variant="body2" color="text.secondary">
          Newest
        </Typography>
      ) : (
        none
      ),
  },
];

/** Every cluster the user may see, with its Velero versions; live from the cluster records. */
export function VeleroVersionsPage() {
  const trpc = useTRPC();
  const live = useLiveInterval(10_000);
  const q = useQuery({ ...trpc.veleroFleet.versions.queryOptions(), refetchInterval: live });
  const groups = useQuery(trpc.clusterGroup.list.queryOptions());
  const upgrades = q.data?.filter((r) => r.upgradeAvailable).length ?? 0;
  const mine = groups.data?.filter((g) => g.myRole) ?? [];
  return (
    <>
      <PageHeader
        title="Velero versions"
        subtitle={
          `Each cluster's Velero, node-agent and plugin versions, how they go with its Kubernetes (Velero's ` +
          `compatibility matrix), and whether Lifeboat installs a newer release (the newest is ` +
          `${VELERO_RELEASES[0].version}).` +
          (upgrades ? ` ${upgrades} cluster${upgrades === 1 ? " has" : "s have"} an upgrade available.` : "")
        }
      />
      {mine.length > 0 && (
        <Paper variant="outlined" component="section" aria-labelledby="versions-groups-title" sx={{ p: 2, mb: 2 }}>
          <Typography variant="subtitle1" component="h2" id="versions-groups-title">
            A whole cluster group
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            A group&apos;s data protection policy installs, changes and upgrades Velero on every cluster of the group
            (clusters attached later too), with each cluster&apos;s progress.
          </Typography>
          <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: "wrap" }}>
            {mine.map((g) => (
              <Stack key={g.id} direction="row" spacing={0.5} sx={{ alignItems: "center" }}>
                <Typography variant="body2">{g.name}</Typography>
                <GroupDataProtectionButton group={g} />
              </Stack>
            ))}
          </Stack>
        </Paper>
      )}
      <ResourceTable
        label="Velero versions"
        columns={COLUMNS}
        rows={q.data}
        rowKey={(r) => r.clusterId}
        rowTestId={(r) => `versions-row-${r.clusterName}`}
        loading={q.isLoading}
        error={q.error}
        onRetry={() => void q.refetch()}
        defaultSort={{ column: "cluster", direction: "asc" }}
        empty={{
          icon: <Update />,
          title: "No clusters to show yet",
          message: "Attach one on the Clusters page, or ask an admin to bind you to a cluster group.",
        }}
      />
    </>
  );
}
