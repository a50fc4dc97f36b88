"use client";
import { useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Tooltip from "@mui/material/Tooltip";
import Restore from "@mui/icons-material/Restore";
import { useTRPC } from "@/lib/trpc/client";
import { ListLimitNote } from "../common/ListLimitNote";
import { PageHeader } from "../common/PageHeader";
import { EmptyState } from "../common/EmptyState";
import { ErrorAlert } from "../common/ErrorAlert";
import { RelativeTime } from "../common/RelativeTime";
import { useMe } from "../common/useMe";
import { PhaseChip } from "../common/PhaseChip";
import { RestoreWizard } from "./RestoreWizard";

/** Restores on every cluster the user may see, from the read model, refreshed every second while the page is open. */
export function RestoresPage({ from }: { from?: { clusterId: string; backupName: string } }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { can } = useMe();
  const q = useQuery({ ...trpc.restore.list.queryOptions({}), refetchInterval: 1000 });
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
      <ErrorAlert error={q.error} />
      {q.isLoading ? (
        <LinearProgress />
      ) : !q.data?.length ? (
        <EmptyState icon={<Restore />} title="No restores yet">
          Restore an entire backup, some namespaces or labelled resources into the same or another cluster with “Restore
          from backup”.
        </EmptyState>
      ) : (
        <>
          <TableContainer component={Paper} variant="outlined">
            <Table size="small" aria-label="Restores">
              <TableHead>
                <TableRow>
                  <TableCell>Restore</TableCell>
                  <TableCell>Into cluster</TableCell>
                  <TableCell>From backup</TableCell>
                  <TableCell>Phase</TableCell>
                  <TableCell sx={{ minWidth: 140 }}>Progress</TableCell>
                  <TableCell>Errors / warnings</TableCell>
                  <TableCell>Namespace mapping</TableCell>
                  <TableCell>Started</TableCell>
                  <TableCell>Completed</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {q.data.map((r) => {
                  const pct = r.totalItems ? Math.round(((r.itemsRestored ?? 0) / r.totalItems) * 100) : 0;
                  const mapping = Object.entries(r.namespaceMapping)
                    .map(([a, b]) => `${a} → ${b}`)
                    .join(", ");
                  return (
                    <TableRow key={`${r.clusterId}/${r.name}`} data-testid={`restore-row-${r.clusterName}-${r.name}`}>
                      <TableCell>
                        <Link href={`/restores/${r.clusterId}/${encodeURIComponent(r.name)}`}>
                          <code>{r.name}</code>
                        </Link>
                      </TableCell>
                      <TableCell>
                        {r.clusterName}
                        {r.clusterState === "DISCONNECTED" && (
                          <Tooltip title="The cluster is disconnected: this is its last-known state">
                            <Chip
                              size="small"
                              color="warning"
                              variant="outlined"
                              label={
                                <>
                                  seen <RelativeTime date={r.observedAt} />
                                </>
                              }
                              sx={{ ml: 1 }}
                            />
                          </Tooltip>
                        )}
                      </TableCell>
                      <TableCell>
                        <code>{r.backupName}</code>
                      </TableCell>
                      <TableCell>
                        <PhaseChip
                          kind="Restore"
                          phase={r.phase}
                          tooltip={r.failureReason ?? r.validationErrors.join("; ")}
                          testId="restore-phase"
                        />
                      </TableCell>
                      <TableCell>
                        {r.totalItems ? (
                          <>
                            <LinearProgress variant="determinate" value={pct} aria-label={`${pct}%`} />
                            <span style={{ fontSize: 12 }}>
                              {r.itemsRestored}/{r.totalItems} items
                            </span>
                          </>
                        ) : (
                          "—"
                        )}
                      </TableCell>
                      <TableCell>
                        {r.errors} / {r.warnings}
                      </TableCell>
                      <TableCell>{mapping || "—"}</TableCell>
                      <TableCell>
                        <RelativeTime date={r.startTimestamp} />
                      </TableCell>
                      <TableCell>
                        <RelativeTime date={r.completionTimestamp} />
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </TableContainer>
          <ListLimitNote count={q.data.length} what="restores" />
        </>
      )}
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
