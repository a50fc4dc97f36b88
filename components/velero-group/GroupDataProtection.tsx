"use client";
import { useState } from "react";
import dynamic from "next/dynamic";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import Shield from "@mui/icons-material/Shield";
import { useTRPC } from "@/lib/trpc/client";
import type { GroupClusterRow } from "@/lib/schemas/velero-group";
import { useLiveInterval } from "../common/LiveUpdates";
import { ErrorAlert } from "../common/ErrorAlert";
import { RelativeTime } from "../common/RelativeTime";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { VeleroSettingsList } from "../velero/VeleroSettingsList";
import { phaseText, progressOf, stateChip } from "./group-view";

const GroupPolicyDialog = dynamic(() => import("./GroupPolicyDialog").then((m) => m.GroupPolicyDialog), {
  ssr: false,
});

const WHEN_BUSY_TEXT = {
  wait: "While backups or restores run on a cluster, its change starts and waits for them before applying anything.",
  refuse: "While backups or restores run on a cluster, its change starts only once none runs.",
};

function columns(canRetry: boolean, retry: (r: GroupClusterRow) => void, retrying: boolean): Column<GroupClusterRow>[] {
  return [
    {
      id: "cluster",
      header: "Cluster",
      sortValue: (r) => r.clusterName,
      cell: (r) => (
        <Typography
          component={Link}
          href={`/clusters/${r.clusterId}`}
          variant="body2"
          sx={{ fontWeight: 500, color: "primary.main" }}
        >
          {r.clusterName}
        </Typography>
      ),
    },
    {
      id: "state",
      header: "State",
      sortValue: (r) => r.state ?? r.management,
      cell: (r) => {
        const chip = stateChip(r);
        return <Chip size="small" label={chip.label} color={chip.color} data-testid="group-cluster-state" />;
      },
    },
    { id: "version", header: "Velero", sortValue: (r) => r.version ?? "", cell: (r) => r.version ?? "None" },
    {
      id: "operation",
      header: "Operation",
      width: 220,
      cell: (r) => {
        if (!r.operation) return <Typography variant="body2">None yet</Typography>;
        const text = phaseText(r.operation);
        const progress = progressOf(r.operation);
        return (
          <>
            <Typography variant="body2">{text}</Typography>
            {progress !== null && (
              <LinearProgress variant="determinate" value={progress} aria-label={`${text}: ${progress}%`} />
            )}
            <Typography variant="caption" color="text.secondary">
              started <RelativeTime date={r.operation.createdAt} />
            </Typography>
          </>
        );
      },
    },
    {
      id: "message",
      header: "Message",
      hideBelow: "md",
      cellSx: { whiteSpace: "pre-wrap", maxWidth: 420 },
      cell: (r) => (
        <>
          <Typography variant="body2" data-testid="group-cluster-message">
            {r.message ?? (r.state ? "" : (r.operation?.message ?? ""))}
          </Typography>
          {canRetry && r.retryable && (
            <Button size="small" disabled={retrying} onClick={() => retry(r)} aria-label={`Retry on ${r.clusterName}`}>
              Retry
            </Button>
          )}
        </>
      ),
    },
  ];
}

/**
 * A cluster group's Data protection: the group's Velero policy (every cluster of the group, clusters attached later
 * included, runs Velero with its settings) or none, and where each cluster of the group is against it, live.
 */
export function GroupDataProtection({
  groupId,
  groupName,
  isAdmin,
}: {
  groupId: string;
  groupName: string;
  /** The caller may install Velero on the group (velero.install: the group's cluster admins). */
  isAdmin: boolean;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const live = useLiveInterval(3_000);
  const q = useQuery({ ...trpc.veleroGroup.get.queryOptions({ groupId }), refetchInterval: live });
  const [dialog, setDialog] = useState<"policy" | "stop" | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.veleroGroup.get.queryKey({ groupId }) });
  const remove = useMutation(
    trpc.veleroGroup.remove.mutationOptions({
      onSuccess: async () => {
        await refresh();
        setDialog(null);
      },
    }),
  );
  const retry = useMutation(trpc.veleroGroup.retry.mutationOptions({ onSuccess: refresh }));
  const policy = q.data?.policy;
  const inForce = policy?.enabled ? policy : null;
  const titleId = `group-data-protection-${groupId}`;
  return (
    <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-labelledby={titleId}>
      <Stack direction="row" spacing={1} sx={{ mb: 1, alignItems: "center", flexWrap: "wrap" }} useFlexGap>
        <Typography variant="subtitle1" component="h3" id={titleId} sx={{ fontWeight: 500 }}>
          Data protection
        </Typography>
        {inForce && <Chip size="small" color="success" label={`Group policy · Velero ${inForce.settings.version}`} />}
        <Box sx={{ flex: 1 }} />
        {isAdmin && q.data && (
          <>
            <Button size="small" variant={inForce ? "outlined" : "contained"} onClick={() => setDialog("policy")}>
              {inForce ? "Change group settings" : "Enable on this group"}
            </Button>
            {inForce && (
              <Button
                size="small"
                color="error"
                onClick={() => {
                  remove.reset();
                  setDialog("stop");
                }}
              >
                Stop applying to new clusters
              </Button>
            )}
          </>
        )}
      </Stack>
      <ErrorAlert error={q.error ?? retry.error} />
      {!q.data ? (
        !q.error && <LinearProgress aria-label={`Loading the data protection of ${groupName}`} />
      ) : (
        <>
          {inForce ? (
            <>
              <Typography variant="body2" data-testid="group-policy">
                Every cluster in this group runs Velero with these settings, clusters attached later included. Set{" "}
                <RelativeTime date={inForce.updatedAt} />.
              </Typography>
              <VeleroSettingsList settings={inForce.settings} />
              <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
                {WHEN_BUSY_TEXT[inForce.whenBusy]}
              </Typography>
            </>
          ) : (
            <Typography variant="body2" data-testid="group-policy">
              No policy: clusters are enabled one by one, on each cluster&apos;s page.
              {policy &&
                ` The group's last policy (Velero ${policy.settings.version}) no longer applies; its clusters keep what ` +
                  "they run."}
            </Typography>
          )}
          <Box sx={{ mt: 2 }}>
            <ResourceTable
              label={`Clusters of ${groupName}`}
              prefsKey="group-data-protection"
              columns={columns(isAdmin, (r) => retry.mutate({ groupId, clusterId: r.clusterId }), retry.isPending)}
              rows={q.data.clusters}
              rowKey={(r) => r.clusterId}
              rowTestId={() => "group-cluster-row"}
              empty={{
                icon: <Shield />,
                title: "No clusters in this group yet",
                message: inForce
                  ? "Clusters attached to this group get the group's settings."
                  : "Attach clusters to this group to see their data protection here.",
              }}
            />
          </Box>
        </>
      )}
      {dialog === "policy" && (
        <GroupPolicyDialog
          groupId={groupId}
          groupName={groupName}
          current={inForce ? { settings: inForce.settings, whenBusy: inForce.whenBusy } : null}
          onClose={() => setDialog(null)}
        />
      )}
      <ConfirmDialog
        open={dialog === "stop"}
        title={`Stop applying the policy of ${groupName}?`}
        confirmLabel="Stop applying"
        destructive
        busy={remove.isPending}
        onClose={() => setDialog(null)}
        onConfirm={() => remove.mutate({ groupId })}
      >
        <ErrorAlert error={remove.error} />
        Clusters attached to the group later are not enabled, and the group&apos;s settings are no longer applied to its
        clusters. Velero stays as it runs on every cluster (operations already started finish); each cluster is then
        managed on its own page.
      </ConfirmDialog>
    </Paper>
  );
}
