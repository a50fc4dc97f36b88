"use client";
import type { ReactNode } from "react";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Step from "@mui/material/Step";
import StepLabel from "@mui/material/StepLabel";
import Stepper from "@mui/material/Stepper";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import type { DrillDetail as Drill, DrillNamespaceCheck } from "@/lib/schemas/drill";
import { useLiveInterval } from "../common/LiveUpdates";
import { DetailsTable } from "../common/DetailsTable";
import { ErrorAlert } from "../common/ErrorAlert";
import { when } from "../common/filter-rows";
import { DetailSkeleton } from "../common/LoadingSkeletons";
import { NotFoundState } from "../common/NotFoundState";
import { PageHeader } from "../common/PageHeader";
import { DrillPhaseChip } from "./drill-format";
import { drillRunning, durationText } from "./drill-text";

// One restore drill (#14 §4): where it is (restore → checks → cleanup → verdict), the measured recovery time, what the
// checks found per drill namespace, and what the cleanup did. Live until it has finished.

const STEPS = ["Restore", "Verify", "Clean up", "Result"] as const;
const STEP_OF = { RESTORING: 0, VERIFYING: 1, CLEANING: 2, PASSED: 4, FAILED: 4 } as const;

function PhaseSteps({ d }: { d: Drill }) {
  const active = STEP_OF[d.phase];
  const failed = d.phase === "FAILED" || d.verdict === "FAILED";
  return (
    <Stepper activeStep={active} alternativeLabel sx={{ mb: 2 }}>
      {STEPS.map((s, i) => (
        <Step key={s} completed={i < active}>
          <StepLabel error={i === STEPS.length - 1 && failed && !drillRunning(d.phase)}>
            {i === STEPS.length - 1 && !drillRunning(d.phase) ? (d.phase === "PASSED" ? "Passed" : "Failed") : s}
          </StepLabel>
        </Step>
      ))}
    </Stepper>
  );
}

/** What is not ready in a drill namespace, in words. */
function notReady(c: DrillNamespaceCheck): string[] {
  return [
    ...(!c.exists ? ["The namespace does not exist"] : []),
    ...c.claims.notBound.map((n) => `claim ${n} not bound`),
    ...c.pods.notReady.map((p) => `pod ${p.name}: ${p.reason}`),
    ...(c.workloads?.notReady ?? []).map((w) => `${w} not all replicas ready`),
  ];
}

function ChecksTable({ d }: { d: Drill }) {
  const rows = d.checks.namespaces;
  return (
    <Paper variant="outlined" sx={{ mb: 3, overflowX: "auto" }}>
      <Table size="small" aria-label="Checks per namespace">
        <TableHead>
          <TableRow>
            <TableCell>Namespace</TableCell>
            <TableCell>Drill namespace</TableCell>
            <TableCell>Claims bound</TableCell>
            <TableCell>Pods ready</TableCell>
            <TableCell>Workloads ready</TableCell>
            <TableCell>Not ready</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.length === 0 && (
            <TableRow>
              <TableCell colSpan={6}>
                {d.phase === "RESTORING"
                  ? "The checks start when the restore has finished."
                  : "No namespace was checked (the restore did not get that far)."}
              </TableCell>
            </TableRow>
          )}
          {rows.map((c) => {
            const missing = notReady(c);
            return (
              <TableRow key={c.namespace} data-testid={`drill-check-${c.source}`}>
                <TableCell>
                  <code>{c.source}</code>
                </TableCell>
                <TableCell>
                  <code data-testid="drill-namespace">{c.namespace}</code>
                </TableCell>
                <TableCell>
                  {c.claims.bound} of {c.claims.total}
                </TableCell>
                <TableCell>
                  {c.pods.ready} of {c.pods.total}
                </TableCell>
                <TableCell>
                  {c.workloads ? `${c.workloads.ready} of ${c.workloads.total}` : "Not readable by Lifeboat"}
                </TableCell>
                <TableCell>
                  {missing.length ? (
                    <ul style={{ margin: 0, paddingLeft: 16 }}>
                      {missing.map((m) => (
                        <li key={m}>{m}</li>
                      ))}
                    </ul>
                  ) : (
                    "Everything ready"
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </Paper>
  );
}

/** Removed, kept, or why not. */
function cleanupText(d: Drill): ReactNode {
  const c = d.checks.cleanup;
  const names = Object.values(d.mapping);
  if (d.keep) return `Kept as asked: ${names.join(", ") || "no drill namespace"} stay on ${d.clusterName}`;
  if (d.cleanupError) return `Not removed: ${d.cleanupError}`;
  if (d.cleanedAt) {
    const parts = [
      c?.deleted.length ? `Removed ${c.deleted.join(", ")}` : "Nothing to remove",
      ...(c?.leftAlone.length
        ? [`left alone ${c.leftAlone.join(", ")} (not labelled as this drill's, so never deleted by it)`]
        : []),
    ];
    return <span data-testid="drill-cleanup">{`${parts.join("; ")} (${when(d.cleanedAt)})`}</span>;
  }
  if (d.phase === "CLEANING") return "Removing the drill namespaces…";
  return "After the checks";
}

export function DrillDetail({ clusterId, id }: { clusterId: string; id: string }) {
  const trpc = useTRPC();
  // Updates are pushed (LiveUpdates, "drills" and "restores"); polling only while the stream is down.
  const live = useLiveInterval(1000);
  const q = useQuery({
    ...trpc.drill.get.queryOptions({ clusterId, id }),
    refetchInterval: (query) => (query.state.data && !drillRunning(query.state.data.phase) ? false : live),
  });
  if (q.isLoading) return <DetailSkeleton label="Loading the drill" />;
  if (q.error?.data?.code === "NOT_FOUND" || (!q.error && !q.data))
    return <NotFoundState kind="Drill" back={{ href: "/drills", label: "Back to Restore drills" }} />;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  const d = q.data;
  const restore = d.checks.restore;
  const pct =
    d.phase === "RESTORING" && restore?.totalItems
      ? Math.round(((restore.itemsRestored ?? 0) / restore.totalItems) * 100)
      : null;
  const rows: [string, ReactNode][] = [
    [
      "Phase",
      <DrillPhaseChip key="p" phase={d.phase} verdict={d.verdict} reason={d.failureReason} testId="drill-phase" />,
    ],
    [
      "Recovery time",
      <span key="t" data-testid="drill-recovery">
        {d.recoverySeconds !== null
          ? `${durationText(d.recoverySeconds)} from the start until everything was ready`
          : drillRunning(d.phase)
            ? "Measured when every check has passed"
            : "Not measured: the drill did not pass"}
      </span>,
    ],
    ["Into cluster", d.clusterName],
    ["Backup", d.scheduleName ? `${d.backupName} (the latest of schedule ${d.scheduleName})` : d.backupName],
    [
      "Restore",
      <Link key="r" href={`/restores/${d.clusterId}/${encodeURIComponent(d.restoreName)}`}>
        <code>{d.restoreName}</code>
      </Link>,
    ],
    [
      "Namespaces",
      Object.entries(d.mapping)
        .map(([a, b]) => `${a} → ${b}`)
        .join(", ") || "—",
    ],
    [
      "Items restored",
      restore ? `${restore.itemsRestored ?? 0} of ${restore.totalItems ?? "?"} (Velero: ${restore.phase})` : "—",
    ],
    ["Errors / warnings", `${d.errors} / ${d.warnings}`],
    ["Cleanup", cleanupText(d)],
    ["Verify timeout", durationText(d.verifyTimeoutSeconds)],
    ["Started", when(d.startedAt)],
    ["Restore finished", when(d.restoredAt)],
    ["Checks passed", when(d.verifiedAt)],
    ["Finished", when(d.finishedAt)],
    ["Started by", d.createdBy],
  ];
  return (
    <>
      <PageHeader
        title={`Restore drill of ${d.backupName}`}
        subtitle={`Into ${d.clusterName}${drillRunning(d.phase) ? ", live" : ""}`}
      />
      <PhaseSteps d={d} />
      {pct !== null && (
        <LinearProgress variant="determinate" value={pct} aria-label={`Items restored: ${pct}%`} sx={{ mb: 2 }} />
      )}
      {d.failureReason && (
        <Alert severity="error" sx={{ mb: 2 }} data-testid="drill-failure">
          {d.failureReason}
        </Alert>
      )}
      {restore?.validationErrors.map((e) => (
        <Alert key={e} severity="error" sx={{ mb: 1 }}>
          {e}
        </Alert>
      ))}
      {d.checks.labelErrors.map((e) => (
        <Alert key={e} severity="warning" sx={{ mb: 1 }}>
          {e}
        </Alert>
      ))}
      {d.lastError && drillRunning(d.phase) && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          Retrying: {d.lastError}
        </Alert>
      )}
      <DetailsTable label="Drill" rows={rows} sx={{ mb: 3 }} />
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        Checks per namespace
      </Typography>
      <ChecksTable d={d} />
    </>
  );
}
