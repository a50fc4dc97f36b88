"use client";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import Download from "@mui/icons-material/Download";
import FactCheck from "@mui/icons-material/FactCheck";
import Print from "@mui/icons-material/Print";
import { useTRPC } from "@/lib/trpc/client";
import type { DrillEvidence, DrillEvidenceRow } from "@/lib/schemas/drill";
import { useLiveInterval } from "../common/LiveUpdates";
import { EmptyState } from "../common/EmptyState";
import { when } from "../common/filter-rows";
import { PageHeader } from "../common/PageHeader";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { drillHref, durationText } from "./drill-text";

// A cluster group's evidence report (#14 §4): per namespace of its clusters, when a drill last proved it restorable,
// how long the recovery took, and a failure since. Downloadable as the JSON drill.evidence returns, and printable (the
// shell hides its bar and navigation in print; the buttons hide themselves).

type Drill = NonNullable<DrillEvidenceRow["lastPassed"]>;

/** A drill's date, linked to its page where the viewer may see the cluster it ran on. */
function DrillAt({ d }: { d: Drill }) {
  const at = when(d.at);
  return d.targetClusterId ? (
    <Link href={drillHref({ clusterId: d.targetClusterId, id: d.drillId })}>{at}</Link>
  ) : (
    <span>{at}</span>
  );
}

const status = (r: DrillEvidenceRow) =>
  r.failedSince
    ? { label: r.lastPassed ? "Failed since" : "Never passed", color: "error" as const }
    : r.lastPassed
      ? { label: "Proven", color: "success" as const }
      : { label: "Not proven", color: "default" as const };

const COLUMNS: Column<DrillEvidenceRow>[] = [
  { id: "cluster", header: "Cluster", sortValue: (r) => r.clusterName, cell: (r) => r.clusterName },
  {
    id: "namespace",
    header: "Namespace",
    sortValue: (r) => r.namespace,
    cell: (r) => <code>{r.namespace}</code>,
  },
  {
    id: "status",
    header: "Status",
    sortValue: (r) => status(r).label,
    cell: (r) => <Chip size="small" label={status(r).label} color={status(r).color} data-testid="evidence-status" />,
  },
  {
    id: "passed",
    header: "Last proven restorable",
    sortValue: (r) => r.lastPassed?.at ?? null,
    cell: (r) =>
      r.lastPassed ? (
        <>
          <DrillAt d={r.lastPassed} />
          <Typography variant="caption" color="text.secondary" component="div">
            from <code>{r.lastPassed.backupName}</code>
            {r.lastPassed.targetClusterName ? ` into ${r.lastPassed.targetClusterName}` : ""}
          </Typography>
        </>
      ) : (
        "Never"
      ),
  },
  {
    id: "time",
    header: "Recovery time",
    sortValue: (r) => r.lastPassed?.recoverySeconds ?? null,
    cell: (r) => <span data-testid="evidence-recovery">{durationText(r.lastPassed?.recoverySeconds)}</span>,
  },
  {
    id: "failed",
    header: "Last failure since",
    sortValue: (r) => r.failedSince?.at ?? null,
    cell: (r) =>
      r.failedSince ? (
        <>
          <DrillAt d={r.failedSince} />
          {r.failedSince.failureReason && (
            <Typography variant="caption" color="error" component="div">
              {r.failedSince.failureReason}
            </Typography>
          )}
        </>
      ) : (
        "None"
      ),
  },
  { id: "drills", header: "Drills", align: "right", sortValue: (r) => r.drills, cell: (r) => r.drills },
];

/** The report as a file, built in the browser from what drill.evidence returned. */
function download(data: DrillEvidence) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `restore-evidence-${data.groupName}-${data.generatedAt.toISOString().slice(0, 10)}.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

export function EvidenceReport({ groupId }: { groupId?: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const live = useLiveInterval();
  const groups = useQuery(trpc.clusterGroup.list.queryOptions());
  const known = Boolean(groupId && groups.data?.some((g) => g.id === groupId));
  const q = useQuery({
    ...trpc.drill.evidence.queryOptions({ groupId: groupId ?? "" }),
    enabled: known,
    refetchInterval: live,
  });
  const setGroup = (id: string) => router.replace(id ? `${pathname}?group=${id}` : pathname, { scroll: false });
  return (
    <>
      <PageHeader
        title={q.data ? `Restore evidence: ${q.data.groupName}` : "Restore evidence"}
        subtitle={
          q.data
            ? `Per namespace, when a restore drill last proved it restorable. Generated ${when(q.data.generatedAt)}.`
            : "Per namespace of a cluster group, when a restore drill last proved it restorable."
        }
        actions={
          q.data ? (
            <Box sx={{ display: "flex", gap: 1, displayPrint: "none" }}>
              <Button variant="outlined" startIcon={<Download />} onClick={() => download(q.data)}>
                Download JSON
              </Button>
              <Button variant="outlined" startIcon={<Print />} onClick={() => window.print()}>
                Print
              </Button>
            </Box>
          ) : undefined
        }
      />
      <Box sx={{ mb: 2, displayPrint: "none" }}>
        <TextField
          select
          size="small"
          label="Cluster group"
          value={known ? groupId : ""}
          onChange={(e) => setGroup(e.target.value)}
          slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}
          sx={{ minWidth: 240, maxWidth: "100%" }}
          helperText={groups.isLoading ? "Loading cluster groups…" : undefined}
        >
          <option value="">Choose a cluster group</option>
          {(groups.data ?? []).map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </TextField>
      </Box>
      {!known ? (
        <EmptyState
          icon={<FactCheck />}
          title={groupId && groups.data ? "No such cluster group" : "Choose a cluster group"}
        >
          {groupId && groups.data
            ? "This cluster group does not exist, or you may not see it. Choose one above."
            : "The report lists each namespace of the group's clusters that a drill restored, with its latest proof."}
        </EmptyState>
      ) : (
        <ResourceTable
          label="Restore evidence per namespace"
          columns={COLUMNS}
          rows={q.data?.rows}
          rowKey={(r) => `${r.clusterId}/${r.namespace}`}
          rowTestId={(r) => `evidence-row-${r.clusterName}-${r.namespace}`}
          loading={q.isLoading}
          error={q.error}
          onRetry={() => void q.refetch()}
          empty={{
            icon: <FactCheck />,
            title: "No drills of this group's namespaces yet",
            message:
              "Run a restore drill of a backup of one of its clusters, or schedule drills, on the Restore drills page.",
            action: (
              <Button variant="outlined" component={Link} href="/drills">
                Open Restore drills
              </Button>
            ),
          }}
        />
      )}
    </>
  );
}
