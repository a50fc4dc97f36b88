"use client";
import dynamic from "next/dynamic";
import { useState } from "react";
import { useLiveInterval } from "@/components/common/LiveUpdates";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Restore from "@mui/icons-material/Restore";
import type { inferRouterOutputs } from "@trpc/server";
import { useTRPC } from "@/lib/trpc/client";
import type { AppRouter } from "@/server/routers/_app";
import { ListLimitNote } from "../common/ListLimitNote";
import { PageHeader } from "../common/PageHeader";
import { RelativeTime } from "../common/RelativeTime";
import { useMe } from "../common/useMe";
import { PhaseChip } from "../common/PhaseChip";
import { ItemProgress } from "../common/ItemProgress";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { ClusterNameCell } from "../cluster/ClusterNameCell";

// Wizards and dialogs load when first opened, not with the page (#10 §6).
const RestoreWizard = dynamic(() => import("./RestoreWizard").then((m) => m.RestoreWizard), { ssr: false });

type Row = inferRouterOutputs<AppRouter>["restore"]["list"][number];

const COLUMNS: Column<Row>[] = [
  {
    id: "name",
    header: "Restore",
    sortValue: (r) => r.name,
    cell: (r) => (
      <Link href={`/restores/${r.clusterId}/${encodeURIComponent(r.name)}`}>
        <code>{r.name}</code>
      </Link>
    ),
  },
  {
    id: "cluster",
    header: "Into cluster",
    sortValue: (r) => r.clusterName,
    cell: (r) => <ClusterNameCell name={r.clusterName} state={r.clusterState} observedAt={r.observedAt} />,
  },
  { id: "backup", header: "From backup", sortValue: (r) => r.backupName, cell: (r) => <code>{r.backupName}</code> },
  {
    id: "phase",
    header: "Phase",
    sortValue: (r) => r.phase,
    cell: (r) => (
      <PhaseChip
        kind="Restore"
        phase={r.phase}
        tooltip={r.failureReason ?? r.validationErrors.join("; ")}
        testId="restore-phase"
      />
    ),
  },
  {
    id: "progress",
    header: "Progress",
    width: 140,
    hideBelow: "md",
    cell: (r) => <ItemProgress done={r.itemsRestored} total={r.totalItems} />,
  },
  { id: "errors", header: "Errors / warnings", hideBelow: "xl", cell: (r) => `${r.errors} / ${r.warnings}` },
  {
    id: "mapping",
    header: "Namespace mapping",
    hideBelow: "xl",
    cell: (r) =>
      Object.entries(r.namespaceMapping)
        .map(([a, b]) => `${a} → ${b}`)
        .join(", ") || "—",
  },
  {
    id: "started",
    header: "Started",
    hideBelow: "xl",
    sortValue: (r) => r.startTimestamp,
    cell: (r) => <RelativeTime date={r.startTimestamp} />,
  },
  {
    id: "completed",
    header: "Completed",
    sortValue: (r) => r.completionTimestamp,
    cell: (r) => <RelativeTime date={r.completionTimestamp} />,
  },
];

/** Restores on every cluster the user may see, from the read model, refreshed every second while the page is open. */
export function RestoresPage({ from }: { from?: { clusterId: string; backupName: string } }) {
  const trpc = useTRPC();
  // Updates are pushed (LiveUpdates); polling only while the stream is down.
  const live = useLiveInterval(1000);
  const router = useRouter();
  const { can } = useMe();
  const q = useQuery({ ...trpc.restore.list.queryOptions({}), refetchInterval: live });
  const [wizard, setWizard] = useState(Boolean(from));
  return (
    <>
      <PageHeader
        title="Restores"
        subtitle="Restores of backups into the same or another cluster, live."
        actions={
          can("restore.create") ? (
            <Button variant="contained" onClick={() => setWizard(true)}>
              Restore from backup
            </Button>
          ) : undefined
        }
      />
      <ResourceTable
        label="Restores"
        columns={COLUMNS}
        rows={q.data}
        rowKey={(r) => `${r.clusterId}/${r.name}`}
        rowTestId={(r) => `restore-row-${r.clusterName}-${r.name}`}
        loading={q.isLoading}
        error={q.error}
        onRetry={() => void q.refetch()}
        empty={{
          icon: <Restore />,
          title: "No restores yet",
          message:
            "Restore an entire backup, some namespaces or labelled resources into the same or another cluster with “Restore from backup”.",
        }}
        footer={q.data && <ListLimitNote count={q.data.length} what="restores" />}
      />
      {wizard && (
        <RestoreWizard
          open={wizard}
          initial={from}
          onClose={() => {
            setWizard(false);
            if (from) router.replace("/restores");
          }}
        />
      )}
    </>
  );
}
